-- Compute deliveries (issue 7 §6): an API token may be scoped to one compute pledge,
-- whose only power is reporting deliveries for that pledge (a cluster that reports
-- automatically). NULL: an ordinary personal token.
ALTER TABLE api_tokens ADD COLUMN pledge_id BIGINT REFERENCES pledges (id);
-- The expiry job looks for compute pledges whose window has ended.
CREATE INDEX pledges_window_end_idx ON pledges (window_end) WHERE kind = 'compute' AND state = 'pledged';
