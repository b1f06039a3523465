-- Funding goals, money and compute pledges, and the public double-entry ledger
-- (issue 7). Amounts are integer minor units of an ISO 4217 currency; compute is
-- integer GPU-minutes of an accelerator class. Balances are never stored: they are
-- sums of `ledger_entries`. New tables use AUTOINCREMENT: ledger rows are referenced
-- forever, so ids are never reused.

-- Projects, completed: a Markdown description, licence (SPDX expression), links, the
-- base currency every money pledge and goal uses, sponsor auto-approval, the public
-- contact for the funding manifest, and archiving. SQLite adds a NOT NULL column only
-- with a default; the application always writes every column.
ALTER TABLE projects ADD COLUMN description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 20000);
ALTER TABLE projects ADD COLUMN license TEXT;
ALTER TABLE projects ADD COLUMN repository_url TEXT;
ALTER TABLE projects ADD COLUMN model_card_url TEXT;
ALTER TABLE projects ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD' CHECK (currency GLOB '[A-Z][A-Z][A-Z]');
ALTER TABLE projects ADD COLUMN auto_approve_sponsors BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN contact_name TEXT;
ALTER TABLE projects ADD COLUMN contact_email TEXT;
ALTER TABLE projects ADD COLUMN archived_at TIMESTAMP;
ALTER TABLE projects ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE projects SET updated_at = created_at;

-- The accelerator catalogue (admin-managed), e.g. `H100-80GB`.
CREATE TABLE accelerators (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
    created_at TIMESTAMP NOT NULL
);

-- A project's fair-market value of one GPU-hour of a class, in the project's currency's
-- minor units, so compute can count toward one combined figure.
CREATE TABLE project_accelerator_values (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    accelerator_id BIGINT NOT NULL REFERENCES accelerators (id),
    minor_per_gpu_hour BIGINT NOT NULL CHECK (minor_per_gpu_hour > 0),
    PRIMARY KEY (project_id, accelerator_id)
);

-- How a project's Slurm GPU type names (`gres/gpu:<type>`) map to catalogue classes.
CREATE TABLE slurm_gpu_types (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    slurm_type TEXT NOT NULL CHECK (length(slurm_type) BETWEEN 1 AND 64),
    accelerator_id BIGINT NOT NULL REFERENCES accelerators (id),
    PRIMARY KEY (project_id, slurm_type)
);

-- Goals: a money target (in the project's currency), compute targets per class
-- (`goal_compute_targets`), or both.
CREATE TABLE goals (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    description TEXT NOT NULL CHECK (length(description) <= 20000),
    deadline TIMESTAMP,
    money_target_minor BIGINT CHECK (money_target_minor > 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'met', 'closed', 'expired')),
    met_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX goals_project_idx ON goals (project_id, id);

CREATE TABLE goal_compute_targets (
    goal_id BIGINT NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    accelerator_id BIGINT NOT NULL REFERENCES accelerators (id),
    gpu_minutes BIGINT NOT NULL CHECK (gpu_minutes > 0),
    PRIMARY KEY (goal_id, accelerator_id)
);

-- A sponsor's public face, shown only where a maintainer approved it for a project
-- (`sponsor_approvals`) and never for an anonymous pledge.
CREATE TABLE sponsor_profiles (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users (id),
    public_name TEXT NOT NULL CHECK (length(public_name) BETWEEN 1 AND 120),
    link TEXT,
    logo_url TEXT,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sponsor_approvals (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

-- Pledges of money (one-time or monthly) or compute (GPU-minutes of a class, delivered
-- within a window). What was received or delivered is in the ledger.
CREATE TABLE pledges (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    sponsor_id BIGINT NOT NULL REFERENCES users (id),
    goal_id BIGINT REFERENCES goals (id),
    kind TEXT NOT NULL CHECK (kind IN ('money', 'compute')),
    state TEXT NOT NULL CHECK (state IN ('pledged', 'received', 'cancelled', 'delivered', 'expired')),
    anonymous BOOLEAN NOT NULL,
    message TEXT CHECK (length(message) <= 2000),
    currency TEXT,
    amount_minor BIGINT CHECK (amount_minor > 0),
    recurrence TEXT CHECK (recurrence IN ('one_time', 'monthly')),
    instalments_created INTEGER NOT NULL DEFAULT 0,
    accelerator_id BIGINT REFERENCES accelerators (id),
    gpu_minutes BIGINT CHECK (gpu_minutes > 0),
    provider TEXT,
    window_start TIMESTAMP,
    window_end TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (
        (kind = 'money' AND currency IS NOT NULL AND amount_minor IS NOT NULL
            AND recurrence IS NOT NULL AND accelerator_id IS NULL AND gpu_minutes IS NULL)
        OR (kind = 'compute' AND accelerator_id IS NOT NULL AND gpu_minutes IS NOT NULL
            AND window_end IS NOT NULL AND currency IS NULL AND amount_minor IS NULL)
    )
);
CREATE INDEX pledges_project_idx ON pledges (project_id, id);
CREATE INDEX pledges_sponsor_idx ON pledges (sponsor_id, id);
CREATE INDEX pledges_goal_idx ON pledges (goal_id);

-- One instalment per month of a monthly pledge (n = 0 is the first month), created by
-- a job; (pledge_id, seq) unique, so running the job twice creates nothing new.
CREATE TABLE instalments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    pledge_id BIGINT NOT NULL REFERENCES pledges (id),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    due_at TIMESTAMP NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    state TEXT NOT NULL CHECK (state IN ('due', 'received', 'cancelled')),
    received_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (pledge_id, seq)
);

-- Reports of compute delivered against a pledge; a maintainer confirms each.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    pledge_id BIGINT NOT NULL REFERENCES pledges (id),
    gpu_minutes BIGINT NOT NULL CHECK (gpu_minutes > 0),
    evidence TEXT NOT NULL CHECK (length(evidence) <= 2000),
    source TEXT NOT NULL CHECK (source IN ('report', 'slurm')),
    state TEXT NOT NULL CHECK (state IN ('reported', 'confirmed', 'rejected')),
    reported_by BIGINT REFERENCES users (id),
    reported_token_id BIGINT REFERENCES api_tokens (id) ON DELETE SET NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_pledge_idx ON deliveries (pledge_id, id);

-- Expenses a maintainer records against what the project holds.
CREATE TABLE expenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    receipt_url TEXT,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX expenses_project_idx ON expenses (project_id, id);

-- The ledger. Accounts are named by their path (`Assets:Projects:P12:Held`, see
-- `domain::ledger`); `project_id`/`user_id` say whose they are.
CREATE TABLE ledger_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    project_id BIGINT REFERENCES projects (id),
    user_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- A transaction: entries that sum to zero per commodity. Never edited; `reverses_id`
-- is unique, so a transaction is reversed at most once on both backends.
CREATE TABLE ledger_transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    project_id BIGINT REFERENCES projects (id),
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id),
    reverses_id BIGINT UNIQUE REFERENCES ledger_transactions (id),
    pledge_id BIGINT REFERENCES pledges (id),
    instalment_id BIGINT REFERENCES instalments (id),
    delivery_id BIGINT REFERENCES deliveries (id),
    expense_id BIGINT REFERENCES expenses (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_transactions_project_idx ON ledger_transactions (project_id, id);
CREATE INDEX ledger_transactions_pledge_idx ON ledger_transactions (pledge_id);

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    transaction_id BIGINT NOT NULL REFERENCES ledger_transactions (id),
    account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    commodity TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount <> 0)
);
CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, commodity);

-- Idempotency-Key records (per caller and operation): the first request's body hash
-- and its response, replayed for a retry with the same key and body.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    scope TEXT NOT NULL,
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, scope, key)
);
