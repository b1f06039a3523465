DROP TABLE rate_limits;

UPDATE outbox SET text_body = '' WHERE text_body IS NULL;
UPDATE outbox SET html_body = '' WHERE html_body IS NULL;
ALTER TABLE outbox DROP COLUMN purge_body_at;
ALTER TABLE outbox DROP COLUMN template;
ALTER TABLE outbox ALTER COLUMN html_body SET NOT NULL;
ALTER TABLE outbox ALTER COLUMN text_body SET NOT NULL;

DROP INDEX jobs_unique_live_idx;
DROP INDEX jobs_kind_state_idx;
ALTER TABLE jobs DROP COLUMN unique_key;

ALTER INDEX project_members_user_idx RENAME TO project_members_account_idx;
ALTER TABLE project_members RENAME CONSTRAINT project_members_user_id_fkey TO project_members_account_id_fkey;
ALTER TABLE project_members RENAME COLUMN user_id TO account_id;

ALTER TABLE oauth_states RENAME CONSTRAINT oauth_states_user_id_fkey TO oauth_states_account_id_fkey;
ALTER TABLE oauth_states RENAME COLUMN user_id TO account_id;

ALTER TABLE email_tokens DROP COLUMN session_id;
ALTER INDEX email_tokens_user_idx RENAME TO email_tokens_account_idx;
ALTER TABLE email_tokens RENAME CONSTRAINT email_tokens_user_id_fkey TO email_tokens_account_id_fkey;
ALTER TABLE email_tokens RENAME COLUMN user_id TO account_id;

ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER INDEX api_tokens_user_idx RENAME TO api_tokens_account_idx;
ALTER TABLE api_tokens RENAME CONSTRAINT api_tokens_user_id_fkey TO api_tokens_account_id_fkey;
ALTER TABLE api_tokens RENAME COLUMN user_id TO account_id;

ALTER TABLE sessions DROP COLUMN authenticated_at;
ALTER TABLE sessions DROP COLUMN auth_method;
ALTER INDEX sessions_user_idx RENAME TO sessions_account_idx;
ALTER TABLE sessions RENAME CONSTRAINT sessions_user_id_fkey TO sessions_account_id_fkey;
ALTER TABLE sessions RENAME COLUMN user_id TO account_id;

ALTER TABLE users DROP COLUMN deleted_at;
ALTER SEQUENCE users_id_seq RENAME TO accounts_id_seq;
ALTER INDEX users_pkey RENAME TO accounts_pkey;
ALTER TABLE users RENAME CONSTRAINT users_github_id_key TO accounts_github_id_key;
ALTER TABLE users RENAME CONSTRAINT users_email_key TO accounts_email_key;
ALTER TABLE users RENAME TO accounts;
