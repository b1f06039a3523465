-- `accounts` becomes `users` (a double-entry ledger needs the word "account"), and the
-- columns the unit of work, sign-in hardening, durable jobs and mail purging need.
-- PostgreSQL identities never reuse ids, so no table needs rebuilding.
ALTER TABLE accounts RENAME TO users;
ALTER TABLE users RENAME CONSTRAINT accounts_email_key TO users_email_key;
ALTER TABLE users RENAME CONSTRAINT accounts_github_id_key TO users_github_id_key;
ALTER INDEX accounts_pkey RENAME TO users_pkey;
ALTER SEQUENCE accounts_id_seq RENAME TO users_id_seq;
-- A deleted user keeps its row (ledger rows reference it) with email and name
-- tombstoned and every way to sign in removed.
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;

-- `authenticated_at` is when the session's holder last proved who they are (password
-- or GitHub), for actions that need a recent sign-in.
ALTER TABLE sessions RENAME COLUMN account_id TO user_id;
ALTER TABLE sessions RENAME CONSTRAINT sessions_account_id_fkey TO sessions_user_id_fkey;
ALTER INDEX sessions_account_idx RENAME TO sessions_user_idx;
ALTER TABLE sessions
    ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'password'
        CHECK (auth_method IN ('password', 'github')),
    ADD COLUMN authenticated_at TIMESTAMP;
UPDATE sessions SET authenticated_at = created_at;
ALTER TABLE sessions ALTER COLUMN authenticated_at SET NOT NULL;
ALTER TABLE sessions ALTER COLUMN auth_method DROP DEFAULT;

ALTER TABLE api_tokens RENAME COLUMN account_id TO user_id;
ALTER TABLE api_tokens RENAME CONSTRAINT api_tokens_account_id_fkey TO api_tokens_user_id_fkey;
ALTER INDEX api_tokens_account_idx RENAME TO api_tokens_user_idx;
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;

-- `session_id`: the session that asked for an email change, which stays signed in
-- when the change completes (every other session is revoked).
ALTER TABLE email_tokens RENAME COLUMN account_id TO user_id;
ALTER TABLE email_tokens RENAME CONSTRAINT email_tokens_account_id_fkey TO email_tokens_user_id_fkey;
ALTER INDEX email_tokens_account_idx RENAME TO email_tokens_user_idx;
ALTER TABLE email_tokens
    ADD COLUMN session_id BIGINT REFERENCES sessions (id) ON DELETE SET NULL;

ALTER TABLE oauth_states RENAME COLUMN account_id TO user_id;
ALTER TABLE oauth_states RENAME CONSTRAINT oauth_states_account_id_fkey TO oauth_states_user_id_fkey;

ALTER TABLE project_members RENAME COLUMN account_id TO user_id;
ALTER TABLE project_members RENAME CONSTRAINT project_members_account_id_fkey TO project_members_user_id_fkey;
ALTER INDEX project_members_account_idx RENAME TO project_members_user_idx;

-- `locked_at` is the running job's heartbeat; `unique_key` makes one logical job
-- (per kind) at most once queued or running.
ALTER TABLE jobs ADD COLUMN unique_key TEXT;
CREATE INDEX jobs_kind_state_idx ON jobs (kind, state, id);
CREATE UNIQUE INDEX jobs_unique_live_idx ON jobs (kind, unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('queued', 'running');

-- Bodies can carry live links: a delivered message keeps only its metadata, and a
-- pending body is dropped at `purge_body_at` (when its link expires).
ALTER TABLE outbox ALTER COLUMN text_body DROP NOT NULL;
ALTER TABLE outbox ALTER COLUMN html_body DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN template TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE outbox ALTER COLUMN template DROP DEFAULT;
ALTER TABLE outbox ADD COLUMN purge_body_at TIMESTAMP;
UPDATE outbox SET text_body = NULL, html_body = NULL WHERE sent_at IS NOT NULL;

-- Fixed-window counters shared by every instance.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL
);
