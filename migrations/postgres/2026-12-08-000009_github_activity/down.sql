DROP TABLE webhook_deliveries;
DROP TABLE identity_merges;
DROP TABLE contributions;
DROP TABLE contributor_emails;
DROP TABLE contributors;
DROP TABLE repository_sync_state;
DROP TABLE repositories;
ALTER TABLE projects DROP COLUMN count_bots;
