-- A pass over a newest-first list (every resource of the sync) learns its new watermark
-- and first-page ETag on page 1 but may only keep them once the last page is stored:
-- until then they wait here, so a pass paused by a rate limit resumes knowing both.
-- `skipped` says why a resource was left out of the last sync (e.g. reviews without
-- credentials), for the status page.
ALTER TABLE repository_sync_state ADD COLUMN pass_watermark TEXT;
ALTER TABLE repository_sync_state ADD COLUMN pass_etag TEXT;
ALTER TABLE repository_sync_state ADD COLUMN skipped TEXT;
