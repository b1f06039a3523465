-- `accounts` becomes `users` (a double-entry ledger needs the word "account"), every
-- table gets ids that are never reused (AUTOINCREMENT: ledger and contribution rows will
-- reference users and projects forever), and the columns the unit of work, sign-in
-- hardening, durable jobs and mail purging need.
--
-- SQLite cannot add AUTOINCREMENT to a table, so every table is rebuilt (the procedure
-- of https://www.sqlite.org/lang_altertable.html#otheralter). That needs foreign keys
-- off, which cannot change inside a transaction: this migration runs outside diesel's
-- transaction (metadata.toml) and opens its own.
PRAGMA foreign_keys = OFF;
BEGIN;

ALTER TABLE projects RENAME TO old_projects;
ALTER TABLE accounts RENAME TO old_accounts;
ALTER TABLE sessions RENAME TO old_sessions;
ALTER TABLE refresh_tokens RENAME TO old_refresh_tokens;
ALTER TABLE api_tokens RENAME TO old_api_tokens;
ALTER TABLE email_tokens RENAME TO old_email_tokens;
ALTER TABLE oauth_states RENAME TO old_oauth_states;
ALTER TABLE project_members RENAME TO old_project_members;
ALTER TABLE jobs RENAME TO old_jobs;
ALTER TABLE outbox RENAME TO old_outbox;
DROP INDEX projects_created_at_idx;
DROP INDEX sessions_account_idx;
DROP INDEX refresh_tokens_session_idx;
DROP INDEX api_tokens_account_idx;
DROP INDEX email_tokens_account_idx;
DROP INDEX project_members_account_idx;
DROP INDEX jobs_claim_idx;
DROP INDEX outbox_unsent_idx;

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 2 AND 64),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    summary TEXT NOT NULL CHECK (length(summary) <= 1000),
    kind TEXT NOT NULL CHECK (kind IN ('model', 'dataset', 'library', 'tool', 'other')),
    homepage TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX projects_created_at_idx ON projects (created_at DESC, id DESC);

-- A deleted user keeps its row (ledger rows reference it) with email and name
-- tombstoned and every way to sign in removed.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    email_verified_at TIMESTAMP,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    github_id BIGINT UNIQUE,
    github_login TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

-- A session is one refresh-token family. `authenticated_at` is when its holder last
-- proved who they are (password or GitHub), for actions that need a recent sign-in.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoke_reason TEXT,
    auth_method TEXT NOT NULL CHECK (auth_method IN ('password', 'github')),
    authenticated_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    expires_at TIMESTAMP
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- `session_id`: the session that asked for an email change, which stays signed in
-- when the change completes (every other session is revoked).
CREATE TABLE email_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
    token_hash TEXT NOT NULL UNIQUE,
    new_email TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    session_id BIGINT REFERENCES sessions (id) ON DELETE SET NULL
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id);

CREATE TABLE oauth_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    state_hash TEXT NOT NULL UNIQUE,
    mode TEXT NOT NULL CHECK (mode IN ('login', 'link')),
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE project_members (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'maintainer')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);

-- `locked_at` is the running job's heartbeat; `unique_key` makes one logical job
-- (per kind) at most once queued or running.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
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
    updated_at TIMESTAMP NOT NULL,
    unique_key TEXT
);
CREATE INDEX jobs_claim_idx ON jobs (state, run_at, id);
CREATE INDEX jobs_kind_state_idx ON jobs (kind, state, id);
CREATE UNIQUE INDEX jobs_unique_live_idx ON jobs (kind, unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('queued', 'running');

-- Bodies can carry live links: a delivered message keeps only its metadata, and a
-- pending body is dropped at `purge_body_at` (when its link expires).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT,
    html_body TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    template TEXT NOT NULL,
    purge_body_at TIMESTAMP
);
CREATE INDEX outbox_unsent_idx ON outbox (sent_at, id);

-- Fixed-window counters shared by every instance (used on PostgreSQL; a single SQLite
-- instance counts in memory).
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL
);

INSERT INTO projects (id, slug, name, summary, kind, homepage, created_at)
    SELECT id, slug, name, summary, kind, homepage, created_at FROM old_projects;
INSERT INTO users (id, email, display_name, password_hash, email_verified_at, is_admin,
                   github_id, github_login, created_at, updated_at)
    SELECT id, email, display_name, password_hash, email_verified_at, is_admin,
           github_id, github_login, created_at, updated_at FROM old_accounts;
INSERT INTO sessions (id, user_id, created_at, revoked_at, revoke_reason, auth_method,
                      authenticated_at)
    SELECT id, account_id, created_at, revoked_at, revoke_reason, 'password', created_at
    FROM old_sessions;
INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at, used_at)
    SELECT id, session_id, token_hash, created_at, expires_at, used_at FROM old_refresh_tokens;
INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, scopes, created_at, last_used_at)
    SELECT id, account_id, name, token_hash, prefix, scopes, created_at, last_used_at
    FROM old_api_tokens;
INSERT INTO email_tokens (id, user_id, purpose, token_hash, new_email, created_at,
                          expires_at, used_at)
    SELECT id, account_id, purpose, token_hash, new_email, created_at, expires_at, used_at
    FROM old_email_tokens;
INSERT INTO oauth_states (id, state_hash, mode, user_id, created_at, expires_at)
    SELECT id, state_hash, mode, account_id, created_at, expires_at FROM old_oauth_states;
INSERT INTO project_members (project_id, user_id, role, created_at)
    SELECT project_id, account_id, role, created_at FROM old_project_members;
INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_at, locked_by,
                  locked_at, last_error, created_at, updated_at)
    SELECT id, kind, payload, state, attempts, max_attempts, run_at, locked_by, locked_at,
           last_error, created_at, updated_at FROM old_jobs;
-- Bodies already delivered are dropped on the way.
INSERT INTO outbox (id, to_address, subject, text_body, html_body, created_at, sent_at,
                    attempts, last_error, template, purge_body_at)
    SELECT id, to_address, subject,
           CASE WHEN sent_at IS NULL THEN text_body END,
           CASE WHEN sent_at IS NULL THEN html_body END,
           created_at, sent_at, attempts, last_error, 'unknown', NULL
    FROM old_outbox;

DROP TABLE old_outbox;
DROP TABLE old_jobs;
DROP TABLE old_project_members;
DROP TABLE old_oauth_states;
DROP TABLE old_email_tokens;
DROP TABLE old_api_tokens;
DROP TABLE old_refresh_tokens;
DROP TABLE old_sessions;
DROP TABLE old_accounts;
DROP TABLE old_projects;

COMMIT;
PRAGMA foreign_keys = ON;
