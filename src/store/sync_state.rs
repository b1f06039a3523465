//! Queries on `repository_sync_state`: where the sync of each resource of a repository
//! stands (watermark, ETag, the page to resume from) and what it cost. The data model is
//! described in [`super::repositories`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::schema::repository_sync_state as state;
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::RepositoryId;
use crate::domain::repository::SyncResource;
use crate::per_backend;

/// A row of `repository_sync_state`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = state)]
pub struct SyncStateRow {
    pub repository_id: RepositoryId,
    pub resource: SyncResource,
    /// The newest item stored: a timestamp (RFC 3339) for endpoints that take `since`,
    /// else GitHub's id of the newest item, as text.
    pub watermark: Option<String>,
    /// The `ETag` of the first page, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The absolute URL of the page a paused pass resumes from (`None`: no pass is
    /// under way).
    pub resume_url: Option<String>,
    /// Items stored since the repository was linked (upserts that changed nothing
    /// count too: what the pass handled).
    pub items_stored: i64,
    /// Requests sent to GitHub for this resource, 304s included.
    pub requests_spent: i64,
    /// Requests answered `304 Not Modified` (free of primary rate limit).
    pub not_modified: i64,
    /// When a full walk of the resource last completed.
    pub full_pass_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// The watermark the pass under way will set when its last page is stored (a
    /// newest-first list shows the newest item first, but the older ones are not
    /// stored yet).
    pub pass_watermark: Option<String>,
    /// The first page's `ETag` of the pass under way, kept likewise.
    pub pass_etag: Option<String>,
    /// Why the last sync left this resource out (e.g. reviews without credentials).
    pub skipped: Option<String>,
}

/// The state of every resource of `repository` that has one, by resource.
pub fn for_repository(
    conn: &mut AnyConnection,
    repository: RepositoryId,
) -> QueryResult<Vec<SyncStateRow>> {
    state::table
        .filter(state::repository_id.eq(repository))
        .order(state::resource.asc())
        .select(SyncStateRow::as_select())
        .load(conn)
}

/// The state of every resource of each of `repositories` (for a list of them).
pub fn for_repositories(
    conn: &mut AnyConnection,
    repositories: &[RepositoryId],
) -> QueryResult<Vec<SyncStateRow>> {
    state::table
        .filter(state::repository_id.eq_any(repositories))
        .order((state::repository_id.asc(), state::resource.asc()))
        .select(SyncStateRow::as_select())
        .load(conn)
}

/// One resource's state, if a sync has recorded any.
pub fn get(
    conn: &mut AnyConnection,
    repository: RepositoryId,
    resource: SyncResource,
) -> QueryResult<Option<SyncStateRow>> {
    state::table
        .find((repository, resource))
        .select(SyncStateRow::as_select())
        .first(conn)
        .optional()
}

/// What one page (or one conditional request) of a pass changed. Counters are added to
/// the stored ones; `watermark`, `etag` and `full_pass_at` replace them when `Some`;
/// `resume_url`, `pass_watermark`, `pass_etag` and `skipped` are always written (`None`
/// clears them: a pass ends with no resume point and no pending watermark).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageProgress {
    pub watermark: Option<String>,
    pub etag: Option<String>,
    pub resume_url: Option<String>,
    pub items: i64,
    pub requests: i64,
    pub not_modified: i64,
    /// Set when this page ended a full walk of the resource.
    pub full_pass_at: Option<NaiveDateTime>,
    /// The pending watermark of the pass under way (see [`SyncStateRow::pass_watermark`]).
    pub pass_watermark: Option<String>,
    /// The pending first-page `ETag` of the pass under way.
    pub pass_etag: Option<String>,
    /// Why the resource was left out, if it was.
    pub skipped: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = state)]
struct Insert<'a> {
    repository_id: RepositoryId,
    resource: SyncResource,
    watermark: Option<&'a str>,
    etag: Option<&'a str>,
    resume_url: Option<&'a str>,
    items_stored: i64,
    requests_spent: i64,
    not_modified: i64,
    full_pass_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
    pass_watermark: Option<&'a str>,
    pass_etag: Option<&'a str>,
    skipped: Option<&'a str>,
}

/// Records `progress` for one resource (creating its row on first use). Call it in the
/// unit of work that stored the page's items, so the watermark and resume point never
/// run ahead of what is stored. Counters must not be negative.
pub fn record_page(
    conn: &mut AnyConnection,
    repository: RepositoryId,
    resource: SyncResource,
    progress: &PageProgress,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let row = Insert {
        repository_id: repository,
        resource,
        watermark: progress.watermark.as_deref(),
        etag: progress.etag.as_deref(),
        resume_url: progress.resume_url.as_deref(),
        items_stored: progress.items,
        requests_spent: progress.requests,
        not_modified: progress.not_modified,
        full_pass_at: progress.full_pass_at,
        updated_at: now,
        pass_watermark: progress.pass_watermark.as_deref(),
        pass_etag: progress.pass_etag.as_deref(),
        skipped: progress.skipped.as_deref(),
    };
    // COALESCE keeps the stored watermark, ETag and full-pass time when this page
    // brings none.
    use diesel::dsl::sql;
    use diesel::sql_types::{Nullable, Text, Timestamp};
    let keep_watermark =
        sql::<Nullable<Text>>("COALESCE(excluded.watermark, repository_sync_state.watermark)");
    let keep_etag = sql::<Nullable<Text>>("COALESCE(excluded.etag, repository_sync_state.etag)");
    let keep_pass = sql::<Nullable<Timestamp>>(
        "COALESCE(excluded.full_pass_at, repository_sync_state.full_pass_at)",
    );
    per_backend!(conn, |c| diesel::insert_into(state::table)
        .values(&row)
        .on_conflict((state::repository_id, state::resource))
        .do_update()
        .set((
            state::watermark.eq(keep_watermark),
            state::etag.eq(keep_etag),
            state::resume_url.eq(excluded(state::resume_url)),
            state::items_stored.eq(state::items_stored + excluded(state::items_stored)),
            state::requests_spent.eq(state::requests_spent + excluded(state::requests_spent)),
            state::not_modified.eq(state::not_modified + excluded(state::not_modified)),
            state::full_pass_at.eq(keep_pass),
            state::updated_at.eq(excluded(state::updated_at)),
            state::pass_watermark.eq(excluded(state::pass_watermark)),
            state::pass_etag.eq(excluded(state::pass_etag)),
            state::skipped.eq(excluded(state::skipped)),
        ))
        .execute(c))?;
    Ok(())
}

/// Forgets every resource's watermark, ETag and resume point of `repository` (counters
/// stay), so the next sync walks the whole history again.
pub fn reset(
    conn: &mut AnyConnection,
    repository: RepositoryId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(state::table.filter(state::repository_id.eq(repository)))
        .set((
            state::watermark.eq(None::<String>),
            state::etag.eq(None::<String>),
            state::resume_url.eq(None::<String>),
            state::pass_watermark.eq(None::<String>),
            state::pass_etag.eq(None::<String>),
            state::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Starts a full walk of one resource: forgets its watermark, `ETag`, resume point and
/// pending pass (counters stay), so the pass reads every page and, if paused, resumes
/// as a full walk.
pub fn begin_full_pass(
    conn: &mut AnyConnection,
    repository: RepositoryId,
    resource: SyncResource,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(state::table.find((repository, resource)))
        .set((
            state::watermark.eq(None::<String>),
            state::etag.eq(None::<String>),
            state::resume_url.eq(None::<String>),
            state::pass_watermark.eq(None::<String>),
            state::pass_etag.eq(None::<String>),
            state::updated_at.eq(now),
        ))
        .execute(conn)
}

/// What a full commits pass changed on the credit of `repository`'s commits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Commit credits whose commit is no longer on the default branch (force-push).
    pub removed: usize,
    /// Credits removed earlier whose commit is back on the branch.
    pub restored: usize,
}

/// After a full walk of the default branch that saw exactly the SHAs in `on_branch`
/// (lower-case hex): the commit credits of `repository` whose SHA it did not see get
/// `removed_at = now` (history kept, credit gone), and removed ones it saw again are
/// restored. Call it in the unit of work that stores the walk's last page.
pub fn reconcile_commits(
    conn: &mut AnyConnection,
    repository: RepositoryId,
    on_branch: &std::collections::HashSet<String>,
    now: NaiveDateTime,
) -> QueryResult<Reconciled> {
    use crate::db::schema::contributions as c;
    let rows: Vec<(i64, String, Option<NaiveDateTime>)> = c::table
        .filter(c::repository_id.eq(repository))
        .filter(c::kind.eq("commit"))
        .select((c::id, c::source_key, c::removed_at))
        .load(conn)?;
    let (mut remove, mut restore) = (Vec::new(), Vec::new());
    for (id, sha, removed_at) in rows {
        match (on_branch.contains(&sha.to_ascii_lowercase()), removed_at) {
            (false, None) => remove.push(id),
            (true, Some(_)) => restore.push(id),
            _ => {}
        }
    }
    let mut out = Reconciled::default();
    // Chunks keep each statement's bind list well under SQLite's limit.
    for ids in remove.chunks(500) {
        out.removed += diesel::update(c::table.filter(c::id.eq_any(ids)))
            .set(c::removed_at.eq(Some(now)))
            .execute(conn)?;
    }
    for ids in restore.chunks(500) {
        out.restored += diesel::update(c::table.filter(c::id.eq_any(ids)))
            .set(c::removed_at.eq(None::<NaiveDateTime>))
            .execute(conn)?;
    }
    Ok(out)
}
