-- Goals (issue 7 §4): when the goal-met mail went to the outbox (set once, by the
-- `notify_goal_met` job, in the unit of work that queues the mail), and an index for
-- the hourly expiry of open goals past their deadline.
ALTER TABLE goals ADD COLUMN met_notified_at TIMESTAMP;
CREATE INDEX goals_status_deadline_idx ON goals (status, deadline);
