DROP INDEX goals_status_deadline_idx;
ALTER TABLE goals DROP COLUMN met_notified_at;
