//! Queries on `repositories`: GitHub repositories linked to projects, with their sync
//! status. (Per-resource sync progress is in [`super::sync_state`].)
//!
//! # The GitHub activity data model (migration `2026-12-08-000009_github_activity`)
//!
//! Built for the full history of busy repositories (100k+ commits, thousands of pull
//! requests, hundreds of authors), written in bulk upserts keyed by GitHub's own ids,
//! and read as a feed and per-person counts.
//!
//! - **`repositories`** — one row per link of a repository to a project. `full_name` is
//!   kept as given (for display and API paths); `full_name_key` is its lower case
//!   (a `CHECK` keeps them in step), because GitHub names are case-insensitive. A
//!   *partial* unique index on `full_name_key WHERE unlinked_at IS NULL` makes a
//!   repository belong to one project at a time while unlinked rows stay as history;
//!   the same on `github_id` catches a repository linked twice under two names (a
//!   rename on GitHub: the old name redirects), which the sync detects once it learns
//!   the id. Unlinking sets `unlinked_at` and touches nothing else: contributions keep
//!   pointing at the row and stop counting (readers join on `unlinked_at IS NULL`).
//!   Relinking to the *same* project revives the most recent unlinked row (new
//!   secret, `unlinked_at` cleared) instead of adding one: its watermarks and ETags
//!   still hold, so the next sync is incremental, and its contributions count again
//!   without being rewritten. Linking to *another* project adds a new row. The
//!   webhook secret is stored in plain text: verifying `X-Hub-Signature-256` needs it
//!   as the HMAC key, as GitHub itself stores it; it is never returned after the
//!   response that created or rotated it. Sync status (`sync_requested_at`,
//!   `last_sync_started_at`, `last_success_at`, `last_error[_at]`, GitHub's rate limit
//!   as last seen) lives on the row: one repository, one status, written by one sync
//!   job at a time (the job's unique key).
//! - **`repository_sync_state`** — `(repository_id, resource)` for the seven resources
//!   of [`crate::domain::repository::SyncResource`]: the `watermark` (a timestamp
//!   for endpoints with `since`, else the newest id stored, as text), the first page's
//!   `etag` (a 304 costs no primary rate limit), `resume_url` (the absolute `Link` URL
//!   of the page a paused pass stopped on: the pass resumes there, and items already
//!   stored are upserts, so nothing doubles), `pass_watermark`/`pass_etag` (what a
//!   newest-first pass under way will set when its last page is stored; migration
//!   `000010_sync_pass_state`), `skipped` (why the last sync left the resource out),
//!   counters for the status page
//!   (`items_stored`, `requests_spent`, `not_modified`) and `full_pass_at` (when a
//!   full walk last completed: commits not seen in one are the ones a force-push
//!   dropped). Counters only grow, through [`super::sync_state::record_page`], in the
//!   same unit of work as the page's items, so the watermark never passes an item that
//!   is not stored.
//! - **`contributors`** — one identity. Keyed by `github_user_id` (UNIQUE; logins change,
//!   ids do not, so a rename updates `login` and never splits a person); people with no
//!   GitHub account by `email_hash` (UNIQUE; a hash of the normalised address, never
//!   shown; a `CHECK` requires one of the two keys). Both keys are plain UNIQUE
//!   constraints on nullable columns, so bulk upserts can name them as `ON CONFLICT`
//!   targets on both backends. `is_bot` is stored (from `type: Bot` or a `[bot]`
//!   login) so readers filter with an index-free boolean; `user_id` is the account
//!   that claimed the identity.
//! - **`contributor_emails`** — `email_hash → contributor`, learned when GitHub
//!   attributes a commit's address to a user. A `Co-authored-by:` trailer names only an
//!   address: through this table it credits the GitHub identity instead of a second,
//!   hash-keyed one; a user who verifies that address claims what it maps to.
//! - **`contributions`** — one credit: `(project_id, kind, source_key, contributor_id)`
//!   UNIQUE, where `source_key` is GitHub's own id for the item (commit SHA, pull
//!   request id plus event, review, comment or release id) or a generated key for
//!   work a maintainer recorded (`repository_id` NULL, `recorded_by` set). Keyed by
//!   project rather than repository so a commit present in two linked repositories (a
//!   fork) counts once; by contributor so each co-author of a commit is one row, and
//!   the author repeated as a co-author collapses into one. Overlapping syncs and
//!   redelivered webhooks are `ON CONFLICT DO NOTHING`. `kind` holds
//!   [`crate::domain::github::kinds::ContributionKind`]'s spelling; the column checks
//!   only its length, not the list, because a new kind would otherwise mean rebuilding
//!   the largest table on SQLite (which cannot alter a `CHECK`). `removed_at` is set when a
//!   force-push dropped a commit (unlinking never touches it). Indexes: the feed
//!   `(project_id, occurred_at, id)` (read backwards for newest first, keyset
//!   paginated); the contributors list `(project_id, contributor_id, kind)` (covers
//!   the per-kind counts); one person across projects `(contributor_id,
//!   occurred_at)`; and `(repository_id, kind)` for a repository's commits (the
//!   force-push check) and for the foreign key. Counting: `COUNT(DISTINCT
//!   source_key)` per credited person and kind, over rows with `removed_at IS NULL`
//!   whose repository is linked (or is NULL: non-code), without bots unless
//!   `projects.count_bots`; DISTINCT so two merged identities who co-authored one
//!   commit count it once.
//! - **`identity_merges`** — per project, "`from` is `into`". Contributions are never
//!   rewritten: readers credit `COALESCE(into, contributor_id)` through a LEFT JOIN on
//!   the active merge, so undoing (`undone_at`, `undone_by`) restores exactly what was.
//!   A partial unique index allows one active merge of a contributor per project, and
//!   a `CHECK` refuses merging someone into themself; the merge use case
//!   ([`crate::app::identities`]) refuses chains (merging into someone merged away, or
//!   merging someone others are merged into), so one LEFT JOIN resolves every credit.
//! - **`webhook_deliveries`** — one row per `X-GitHub-Delivery` (UNIQUE): ten concurrent
//!   redeliveries insert once (`ON CONFLICT DO NOTHING`). The raw body is kept as
//!   `payload` (TEXT: GitHub sends UTF-8 JSON, at most 25 MB) so a job processes it
//!   after the 2xx, and again after a fix; `processed_at`/`error` record the outcome,
//!   `received_at` is indexed for the retention purge.
//! - **`projects.count_bots`** — bots are left out of recognition unless a project
//!   turns this on.
//!
//! **At scale.** Measured on 150,000 contributions of one project by 500 contributors
//! (`sqlite3` and `psql` on a 2-core machine): the feed's first page is an index
//! range scan on `contributions_feed_idx` (milliseconds); the full
//! per-person, per-kind count above (merges, linked repositories, bots, DISTINCT) takes
//! about 0.4 s on SQLite and 0.25 s on PostgreSQL, since it reads every row of the
//! project. The contributors list should therefore not run it per request on busy
//! projects: cache it per project keyed by [`crate::db::Db::write_generation`] (as
//! `app::overview::OverviewCache` does) or keep a summary table refreshed by the sync
//! job; the rows here stay the source of truth either way.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::schema::repositories;
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::{ProjectId, RepositoryId, UserId};
use crate::per_backend;

/// A row of `repositories`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = repositories)]
pub struct RepositoryRow {
    pub id: RepositoryId,
    pub project_id: ProjectId,
    /// `owner/name` as the maintainer gave it.
    pub full_name: String,
    /// `full_name` in lower case.
    pub full_name_key: String,
    /// GitHub's id of the repository, once a sync or webhook has seen it.
    pub github_id: Option<i64>,
    pub default_branch: Option<String>,
    /// The HMAC key of its webhook (never shown after creation or rotation).
    pub webhook_secret: String,
    pub linked_by: UserId,
    pub created_at: NaiveDateTime,
    pub unlinked_at: Option<NaiveDateTime>,
    pub sync_requested_at: Option<NaiveDateTime>,
    pub last_sync_started_at: Option<NaiveDateTime>,
    pub last_success_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub last_error_at: Option<NaiveDateTime>,
    /// `x-ratelimit-remaining` as last seen.
    pub rate_limit_remaining: Option<i64>,
    /// `x-ratelimit-limit` as last seen.
    pub rate_limit_limit: Option<i64>,
    /// `x-ratelimit-reset` as last seen.
    pub rate_limit_reset_at: Option<NaiveDateTime>,
}

/// Links `full_name` (its lower case `key`) to `project` as a new row, unless some
/// project has it linked already: then `None` (decided by the partial unique index,
/// so two concurrent links of one name never both succeed, on either backend).
pub fn insert_linked(
    conn: &mut AnyConnection,
    project: ProjectId,
    full_name: &str,
    key: &str,
    secret: &str,
    linked_by: UserId,
    now: NaiveDateTime,
) -> Result<Option<RepositoryRow>, DbError> {
    // The same statement on both backends: each accepts a conflict target with the
    // partial index's predicate.
    Ok(diesel::sql_query(
        "INSERT INTO repositories (project_id, full_name, full_name_key, webhook_secret, \
                                   linked_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (full_name_key) WHERE unlinked_at IS NULL DO NOTHING \
         RETURNING *",
    )
    .bind::<BigInt, _>(project)
    .bind::<Text, _>(full_name)
    .bind::<Text, _>(key)
    .bind::<Text, _>(secret)
    .bind::<BigInt, _>(linked_by)
    .bind::<Timestamp, _>(now)
    .get_result::<RepositoryRow>(conn)
    .optional()?)
}

/// The most recently unlinked row of `project` for `key`, if any (what a relink
/// revives).
pub fn find_unlinked(
    conn: &mut AnyConnection,
    project: ProjectId,
    key: &str,
) -> QueryResult<Option<RepositoryRow>> {
    repositories::table
        .filter(repositories::project_id.eq(project))
        .filter(repositories::full_name_key.eq(key))
        .filter(repositories::unlinked_at.is_not_null())
        .order((repositories::unlinked_at.desc(), repositories::id.desc()))
        .select(RepositoryRow::as_select())
        .first(conn)
        .optional()
}

/// Links unlinked row `id` again, as `full_name` (the case may differ from last time),
/// with a new secret. A unique violation ([`DbError::is_unique_violation`]) means a
/// project has the repository linked meanwhile.
pub fn revive(
    conn: &mut AnyConnection,
    id: RepositoryId,
    full_name: &str,
    secret: &str,
    linked_by: UserId,
) -> Result<RepositoryRow, DbError> {
    let target = repositories::table
        .find(id)
        .filter(repositories::unlinked_at.is_not_null());
    let changes = (
        repositories::unlinked_at.eq(None::<NaiveDateTime>),
        repositories::full_name.eq(full_name),
        repositories::webhook_secret.eq(secret),
        repositories::linked_by.eq(linked_by),
        repositories::last_error.eq(None::<String>),
        repositories::last_error_at.eq(None::<NaiveDateTime>),
    );
    Ok(per_backend!(conn, |c| diesel::update(target)
        .set(changes)
        .returning(RepositoryRow::as_returning())
        .get_result(c))?)
}

/// The linked row for `key` (lower-case `owner/name`), whichever project has it.
pub fn find_linked(conn: &mut AnyConnection, key: &str) -> QueryResult<Option<RepositoryRow>> {
    repositories::table
        .filter(repositories::full_name_key.eq(key))
        .filter(repositories::unlinked_at.is_null())
        .select(RepositoryRow::as_select())
        .first(conn)
        .optional()
}

/// The linked row with GitHub id `github_id` (what a webhook names), if any.
pub fn find_linked_by_github_id(
    conn: &mut AnyConnection,
    github_id: i64,
) -> QueryResult<Option<RepositoryRow>> {
    repositories::table
        .filter(repositories::github_id.eq(github_id))
        .filter(repositories::unlinked_at.is_null())
        .select(RepositoryRow::as_select())
        .first(conn)
        .optional()
}

/// Row `id`, linked or not.
pub fn find(conn: &mut AnyConnection, id: RepositoryId) -> QueryResult<Option<RepositoryRow>> {
    repositories::table
        .find(id)
        .select(RepositoryRow::as_select())
        .first(conn)
        .optional()
}

/// The repositories `project` has linked, by `owner/name` (case-insensitively).
pub fn list_linked(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> QueryResult<Vec<RepositoryRow>> {
    repositories::table
        .filter(repositories::project_id.eq(project))
        .filter(repositories::unlinked_at.is_null())
        .order(repositories::full_name_key.asc())
        .select(RepositoryRow::as_select())
        .load(conn)
}

/// Every linked repository, by id (what the scheduler walks).
pub fn all_linked(conn: &mut AnyConnection) -> QueryResult<Vec<RepositoryRow>> {
    repositories::table
        .filter(repositories::unlinked_at.is_null())
        .order(repositories::id.asc())
        .select(RepositoryRow::as_select())
        .load(conn)
}

/// Linked repositories of projects that are not archived whose last sync started
/// before `started_before` (or never), oldest first: what the scheduler queues.
pub fn due_for_sync(
    conn: &mut AnyConnection,
    started_before: NaiveDateTime,
) -> QueryResult<Vec<RepositoryId>> {
    use crate::db::schema::projects;
    repositories::table
        .inner_join(projects::table)
        .filter(repositories::unlinked_at.is_null())
        .filter(projects::archived_at.is_null())
        .filter(
            repositories::last_sync_started_at
                .is_null()
                .or(repositories::last_sync_started_at.lt(started_before)),
        )
        .order((
            repositories::last_sync_started_at.asc(),
            repositories::id.asc(),
        ))
        .select(repositories::id)
        .load(conn)
}

/// Replaces linked row `id`'s webhook secret; the row as it is now.
pub fn set_secret(
    conn: &mut AnyConnection,
    id: RepositoryId,
    secret: &str,
) -> QueryResult<Option<RepositoryRow>> {
    let target = repositories::table
        .find(id)
        .filter(repositories::unlinked_at.is_null());
    per_backend!(conn, |c| diesel::update(target)
        .set(repositories::webhook_secret.eq(secret))
        .returning(RepositoryRow::as_returning())
        .get_result(c)
        .optional())
}

/// Unlinks row `id` (history kept); false if it was not linked.
pub fn unlink(conn: &mut AnyConnection, id: RepositoryId, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        repositories::table
            .find(id)
            .filter(repositories::unlinked_at.is_null()),
    )
    .set(repositories::unlinked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records that a sync of `id` was asked for at `now`.
pub fn request_sync(
    conn: &mut AnyConnection,
    id: RepositoryId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(repositories::table.find(id))
        .set(repositories::sync_requested_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Records that a sync of `id` started at `now`.
pub fn record_sync_started(
    conn: &mut AnyConnection,
    id: RepositoryId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(repositories::table.find(id))
        .set(repositories::last_sync_started_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// What GitHub says about the repository itself (`GET /repos/{owner}/{repo}`).
/// A unique violation means another linked row has this GitHub id (the repository was
/// renamed and linked again under its new name).
pub fn set_github_identity(
    conn: &mut AnyConnection,
    id: RepositoryId,
    github_id: i64,
    default_branch: &str,
) -> Result<(), DbError> {
    diesel::update(repositories::table.find(id))
        .set((
            repositories::github_id.eq(github_id),
            repositories::default_branch.eq(default_branch),
        ))
        .execute(conn)?;
    Ok(())
}

/// GitHub's primary rate limit as the last answer reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// `x-ratelimit-remaining`: requests left in the window.
    pub remaining: i64,
    /// `x-ratelimit-limit`: requests per window.
    pub limit: i64,
    /// `x-ratelimit-reset`: when the window resets (UTC).
    pub reset_at: NaiveDateTime,
}

/// Records the rate limit last seen while syncing `id`.
pub fn record_rate_limit(
    conn: &mut AnyConnection,
    id: RepositoryId,
    limit: RateLimit,
) -> QueryResult<()> {
    diesel::update(repositories::table.find(id))
        .set((
            repositories::rate_limit_remaining.eq(limit.remaining),
            repositories::rate_limit_limit.eq(limit.limit),
            repositories::rate_limit_reset_at.eq(limit.reset_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a sync of `id` that completed at `now` (clears the last error).
pub fn record_success(
    conn: &mut AnyConnection,
    id: RepositoryId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(repositories::table.find(id))
        .set((
            repositories::last_success_at.eq(now),
            repositories::last_error.eq(None::<String>),
            repositories::last_error_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records why a sync of `id` stopped at `now` (shown to the project's maintainers).
pub fn record_error(
    conn: &mut AnyConnection,
    id: RepositoryId,
    error: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(repositories::table.find(id))
        .set((
            repositories::last_error.eq(error),
            repositories::last_error_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Fills in repository `id`'s GitHub id and default branch from a webhook payload,
/// each only if not known yet (the sync's [`set_github_identity`] is what updates
/// them). The GitHub id is left unknown when another linked row has it (a repository
/// linked twice under two names): the partial unique index would refuse it.
pub fn learn_unknown_identity(
    conn: &mut AnyConnection,
    id: RepositoryId,
    github_id: Option<i64>,
    default_branch: Option<&str>,
) -> Result<(), DbError> {
    if let Some(github_id) = github_id
        && find_linked_by_github_id(conn, github_id)?.is_none()
    {
        diesel::update(
            repositories::table
                .find(id)
                .filter(repositories::github_id.is_null()),
        )
        .set(repositories::github_id.eq(github_id))
        .execute(conn)?;
    }
    if let Some(branch) = default_branch.filter(|b| !b.is_empty() && b.len() <= 255) {
        diesel::update(
            repositories::table
                .find(id)
                .filter(repositories::default_branch.is_null()),
        )
        .set(repositories::default_branch.eq(branch))
        .execute(conn)?;
    }
    Ok(())
}
