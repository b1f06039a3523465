-- GitHub activity (issue 8): linked repositories and their sync state, webhook
-- deliveries, contributor identities, contributions (from GitHub and recorded by
-- maintainers) and per-project identity merges. The design, and why, is written at the
-- top of `src/store/repositories.rs`. Keep in step with the PostgreSQL tree.

-- Bots are left out of recognition unless the project counts them.
ALTER TABLE projects ADD COLUMN count_bots BOOLEAN NOT NULL DEFAULT 0;

-- A GitHub repository linked to a project. `full_name` as the maintainer gave it;
-- `full_name_key` its lower case (GitHub names are case-insensitive), unique among the
-- linked rows: a repository belongs to one project. Unlinking sets `unlinked_at` and
-- keeps the row (its contributions stay in history, no longer counted); relinking to
-- the same project revives that row, to another project adds a new one.
CREATE TABLE repositories (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    full_name TEXT NOT NULL CHECK (length(full_name) BETWEEN 3 AND 140),
    full_name_key TEXT NOT NULL CHECK (full_name_key = lower(full_name)),
    github_id BIGINT,
    default_branch TEXT,
    webhook_secret TEXT NOT NULL CHECK (length(webhook_secret) >= 32),
    linked_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    unlinked_at TIMESTAMP,
    sync_requested_at TIMESTAMP,
    last_sync_started_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_error TEXT,
    last_error_at TIMESTAMP,
    rate_limit_remaining BIGINT,
    rate_limit_limit BIGINT,
    rate_limit_reset_at TIMESTAMP
);
CREATE UNIQUE INDEX repositories_linked_name_key ON repositories (full_name_key) WHERE unlinked_at IS NULL;
CREATE UNIQUE INDEX repositories_linked_github_id_key ON repositories (github_id) WHERE unlinked_at IS NULL;
CREATE INDEX repositories_project_idx ON repositories (project_id, full_name_key);

-- Where the sync of one resource of one repository stands: the watermark (the newest
-- item stored: a timestamp for `since`, or an id for newest-first walks), the ETag of
-- the first page for conditional requests, the page a paused pass resumes from, and
-- counters for the status page.
CREATE TABLE repository_sync_state (
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    resource TEXT NOT NULL CHECK (resource IN ('commits', 'pulls', 'reviews', 'issues', 'issue_comments', 'review_comments', 'releases')),
    watermark TEXT,
    etag TEXT,
    resume_url TEXT,
    items_stored BIGINT NOT NULL DEFAULT 0 CHECK (items_stored >= 0),
    requests_spent BIGINT NOT NULL DEFAULT 0 CHECK (requests_spent >= 0),
    not_modified BIGINT NOT NULL DEFAULT 0 CHECK (not_modified >= 0),
    full_pass_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (repository_id, resource)
);

-- One person (or bot). Keyed by GitHub user id when GitHub knows them (logins change);
-- otherwise by `email_hash`, the hash of their normalised commit email, never shown.
-- `user_id` is the account that claimed the identity.
CREATE TABLE contributors (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    github_user_id BIGINT UNIQUE,
    login TEXT,
    name TEXT,
    avatar_url TEXT,
    html_url TEXT,
    is_bot BOOLEAN NOT NULL DEFAULT 0,
    email_hash TEXT UNIQUE,
    user_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (github_user_id IS NOT NULL OR email_hash IS NOT NULL)
);
CREATE INDEX contributors_user_idx ON contributors (user_id);

-- Which contributor an email address (by hash) belongs to, learned from commits GitHub
-- attributed to a user: so a `Co-authored-by:` trailer, which names only an address,
-- credits that user, and a verified address claims its hash-keyed identity.
CREATE TABLE contributor_emails (
    email_hash TEXT PRIMARY KEY NOT NULL,
    contributor_id BIGINT NOT NULL REFERENCES contributors (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contributor_emails_contributor_idx ON contributor_emails (contributor_id);

-- One piece of credit: a contributor did `kind` of work in a project. `source_key` is
-- GitHub's own id for the item (commit SHA, pull request id and event, review id,
-- comment id, release id) or a generated key for work recorded by a maintainer
-- (`repository_id` NULL, `recorded_by` set). The unique key makes overlapping syncs
-- and redelivered webhooks idempotent, and credits each co-author of a commit once.
CREATE TABLE contributions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    repository_id BIGINT REFERENCES repositories (id),
    contributor_id BIGINT NOT NULL REFERENCES contributors (id),
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    source_key TEXT NOT NULL CHECK (length(source_key) BETWEEN 1 AND 200),
    occurred_at TIMESTAMP NOT NULL,
    title TEXT,
    url TEXT,
    removed_at TIMESTAMP,
    recorded_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (repository_id IS NOT NULL OR recorded_by IS NOT NULL)
);
CREATE UNIQUE INDEX contributions_source_key ON contributions (project_id, kind, source_key, contributor_id);
CREATE INDEX contributions_feed_idx ON contributions (project_id, occurred_at, id);
CREATE INDEX contributions_project_contributor_idx ON contributions (project_id, contributor_id, kind);
CREATE INDEX contributions_contributor_idx ON contributions (contributor_id, occurred_at);
CREATE INDEX contributions_repository_idx ON contributions (repository_id, kind);

-- A maintainer's decision that, in this project, `from` is the same person as `into`.
-- Contributions keep their own contributor; readers credit `into`. Undoing sets
-- `undone_at`; at most one merge of a contributor is active per project.
CREATE TABLE identity_merges (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    from_contributor_id BIGINT NOT NULL REFERENCES contributors (id),
    into_contributor_id BIGINT NOT NULL REFERENCES contributors (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    undone_at TIMESTAMP,
    undone_by BIGINT REFERENCES users (id),
    CHECK (from_contributor_id <> into_contributor_id)
);
CREATE UNIQUE INDEX identity_merges_active_key ON identity_merges (project_id, from_contributor_id) WHERE undone_at IS NULL;
CREATE INDEX identity_merges_into_idx ON identity_merges (project_id, into_contributor_id);

-- Webhook deliveries as received (after the signature checked), once per
-- `X-GitHub-Delivery`; processed by a job. `payload` is the raw JSON body (GitHub caps
-- it at 25 MB).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    delivery_guid TEXT NOT NULL UNIQUE CHECK (length(delivery_guid) BETWEEN 1 AND 100),
    repository_id BIGINT REFERENCES repositories (id),
    event TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 100),
    action TEXT,
    payload TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP,
    error TEXT
);
CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);
CREATE INDEX webhook_deliveries_repository_idx ON webhook_deliveries (repository_id);
