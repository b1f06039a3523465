-- Compute deliveries (issue 7 §6): an API token may be scoped to one compute pledge,
-- whose only power is reporting deliveries for that pledge (a cluster that reports
-- automatically). A token with a row here is such a token; it goes with its token.
CREATE TABLE pledge_tokens (
    token_id BIGINT PRIMARY KEY REFERENCES api_tokens (id) ON DELETE CASCADE,
    pledge_id BIGINT NOT NULL REFERENCES pledges (id)
);
CREATE INDEX pledge_tokens_pledge_idx ON pledge_tokens (pledge_id);
-- The expiry job looks for compute pledges whose window has ended.
CREATE INDEX pledges_window_end_idx ON pledges (window_end) WHERE kind = 'compute' AND state = 'pledged';
