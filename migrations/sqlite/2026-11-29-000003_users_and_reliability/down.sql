-- Back to the tables of migration 2 (without AUTOINCREMENT and the new columns).
PRAGMA foreign_keys = OFF;
BEGIN;

ALTER TABLE projects RENAME TO new_projects;
ALTER TABLE users RENAME TO new_users;
ALTER TABLE sessions RENAME TO new_sessions;
ALTER TABLE refresh_tokens RENAME TO new_refresh_tokens;
ALTER TABLE api_tokens RENAME TO new_api_tokens;
ALTER TABLE email_tokens RENAME TO new_email_tokens;
ALTER TABLE oauth_states RENAME TO new_oauth_states;
ALTER TABLE project_members RENAME TO new_project_members;
ALTER TABLE jobs RENAME TO new_jobs;
ALTER TABLE outbox RENAME TO new_outbox;
DROP INDEX projects_created_at_idx;
DROP INDEX sessions_user_idx;
DROP INDEX refresh_tokens_session_idx;
DROP INDEX api_tokens_user_idx;
DROP INDEX email_tokens_user_idx;
DROP INDEX project_members_user_idx;
DROP INDEX jobs_claim_idx;
DROP INDEX jobs_kind_state_idx;
DROP INDEX jobs_unique_live_idx;
DROP INDEX outbox_unsent_idx;
DROP TABLE rate_limits;

CREATE TABLE projects (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 2 AND 64),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    summary TEXT NOT NULL CHECK (length(summary) <= 1000),
    kind TEXT NOT NULL CHECK (kind IN ('model', 'dataset', 'library', 'tool', 'other')),
    homepage TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX projects_created_at_idx ON projects (created_at DESC, id DESC);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    email_verified_at TIMESTAMP,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    github_id BIGINT UNIQUE,
    github_login TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoke_reason TEXT
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_account_idx ON api_tokens (account_id);

CREATE TABLE email_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
    token_hash TEXT NOT NULL UNIQUE,
    new_email TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX email_tokens_account_idx ON email_tokens (account_id);

CREATE TABLE oauth_states (
    id INTEGER PRIMARY KEY NOT NULL,
    state_hash TEXT NOT NULL UNIQUE,
    mode TEXT NOT NULL CHECK (mode IN ('login', 'link')),
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE project_members (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'maintainer')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, account_id)
);
CREATE INDEX project_members_account_idx ON project_members (account_id);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_claim_idx ON jobs (state, run_at, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_unsent_idx ON outbox (sent_at, id);

INSERT INTO projects SELECT id, slug, name, summary, kind, homepage, created_at FROM new_projects;
INSERT INTO accounts SELECT id, email, display_name, password_hash, email_verified_at, is_admin,
    github_id, github_login, created_at, updated_at FROM new_users;
INSERT INTO sessions SELECT id, user_id, created_at, revoked_at, revoke_reason FROM new_sessions;
INSERT INTO refresh_tokens SELECT id, session_id, token_hash, created_at, expires_at, used_at
    FROM new_refresh_tokens;
INSERT INTO api_tokens SELECT id, user_id, name, token_hash, prefix, scopes, created_at,
    last_used_at FROM new_api_tokens;
INSERT INTO email_tokens SELECT id, user_id, purpose, token_hash, new_email, created_at,
    expires_at, used_at FROM new_email_tokens;
INSERT INTO oauth_states SELECT id, state_hash, mode, user_id, created_at, expires_at
    FROM new_oauth_states;
INSERT INTO project_members SELECT project_id, user_id, role, created_at FROM new_project_members;
INSERT INTO jobs SELECT id, kind, payload, state, attempts, max_attempts, run_at, locked_by,
    locked_at, last_error, created_at, updated_at FROM new_jobs;
INSERT INTO outbox SELECT id, to_address, subject, COALESCE(text_body, ''),
    COALESCE(html_body, ''), created_at, sent_at, attempts, last_error FROM new_outbox;

DROP TABLE new_outbox;
DROP TABLE new_jobs;
DROP TABLE new_project_members;
DROP TABLE new_oauth_states;
DROP TABLE new_email_tokens;
DROP TABLE new_api_tokens;
DROP TABLE new_refresh_tokens;
DROP TABLE new_sessions;
DROP TABLE new_users;
DROP TABLE new_projects;

COMMIT;
PRAGMA foreign_keys = ON;
