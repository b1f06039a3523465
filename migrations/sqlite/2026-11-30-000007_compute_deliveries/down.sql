DROP INDEX pledges_window_end_idx;
ALTER TABLE api_tokens DROP COLUMN pledge_id;
