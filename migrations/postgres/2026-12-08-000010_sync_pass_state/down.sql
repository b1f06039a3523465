ALTER TABLE repository_sync_state DROP COLUMN skipped;
ALTER TABLE repository_sync_state DROP COLUMN pass_etag;
ALTER TABLE repository_sync_state DROP COLUMN pass_watermark;
