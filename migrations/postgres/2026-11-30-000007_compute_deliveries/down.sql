DROP INDEX pledges_window_end_idx;
DROP TABLE pledge_tokens;
