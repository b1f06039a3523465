//! Queries on `identity_merges` ("in project P, contributor `from` is contributor
//! `into`") and the little of `contributors` the merge use case reads. See
//! [`super::repositories`] for the data model: contributions are never rewritten, and
//! readers credit `COALESCE(into, contributor_id)` through the *active* merge (the one
//! with `undone_at` NULL; a partial unique index allows one per `from` and project).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use crate::db::schema::{contributions, contributors, identity_merges};
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::{ContributorId, IdentityMergeId, ProjectId, UserId};

/// A row of `identity_merges`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = identity_merges)]
pub struct IdentityMergeRow {
    pub id: IdentityMergeId,
    pub project_id: ProjectId,
    /// The identity merged away: its credit goes to `into_contributor_id`.
    pub from_contributor_id: ContributorId,
    pub into_contributor_id: ContributorId,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    /// Set when undone (then the row is history and credits nothing).
    pub undone_at: Option<NaiveDateTime>,
    pub undone_by: Option<UserId>,
}

/// The parts of a `contributors` row a maintainer's merge view shows.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = contributors)]
pub struct ContributorCard {
    pub id: ContributorId,
    pub github_user_id: Option<i64>,
    pub login: Option<String>,
    /// The account's name, or for people known only by address, their commits' name.
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub html_url: Option<String>,
    pub is_bot: bool,
}

/// Stores "`from` is `into`" in `project`, unless `from` has an active merge in the
/// project already: then `None`. Decided by the partial unique index
/// `identity_merges_active_key`, so of two concurrent merges of one `from` one stores
/// and the other gets `None`, on either backend.
pub fn insert(
    conn: &mut AnyConnection,
    project: ProjectId,
    from: ContributorId,
    into: ContributorId,
    by: UserId,
    now: NaiveDateTime,
) -> Result<Option<IdentityMergeRow>, DbError> {
    Ok(diesel::sql_query(
        "INSERT INTO identity_merges (project_id, from_contributor_id, into_contributor_id, \
                                      created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (project_id, from_contributor_id) WHERE undone_at IS NULL DO NOTHING \
         RETURNING *",
    )
    .bind::<BigInt, _>(project)
    .bind::<BigInt, _>(from)
    .bind::<BigInt, _>(into)
    .bind::<BigInt, _>(by)
    .bind::<Timestamp, _>(now)
    .get_result::<IdentityMergeRow>(conn)
    .optional()?)
}

/// Merge `id`, if it is one of `project`'s (active or undone).
pub fn find(
    conn: &mut AnyConnection,
    project: ProjectId,
    id: IdentityMergeId,
) -> QueryResult<Option<IdentityMergeRow>> {
    identity_merges::table
        .find(id)
        .filter(identity_merges::project_id.eq(project))
        .select(IdentityMergeRow::as_select())
        .first(conn)
        .optional()
}

/// The active merge of `contributor` away (as `from`) in `project`, if any.
pub fn active_from(
    conn: &mut AnyConnection,
    project: ProjectId,
    contributor: ContributorId,
) -> QueryResult<Option<IdentityMergeRow>> {
    identity_merges::table
        .filter(identity_merges::project_id.eq(project))
        .filter(identity_merges::from_contributor_id.eq(contributor))
        .filter(identity_merges::undone_at.is_null())
        .select(IdentityMergeRow::as_select())
        .first(conn)
        .optional()
}

/// How many active merges of `project` merge someone into `contributor`.
pub fn active_into_count(
    conn: &mut AnyConnection,
    project: ProjectId,
    contributor: ContributorId,
) -> QueryResult<i64> {
    identity_merges::table
        .filter(identity_merges::project_id.eq(project))
        .filter(identity_merges::into_contributor_id.eq(contributor))
        .filter(identity_merges::undone_at.is_null())
        .count()
        .get_result(conn)
}

/// `project`'s active merges, newest first.
pub fn list_active(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> QueryResult<Vec<IdentityMergeRow>> {
    identity_merges::table
        .filter(identity_merges::project_id.eq(project))
        .filter(identity_merges::undone_at.is_null())
        .order((
            identity_merges::created_at.desc(),
            identity_merges::id.desc(),
        ))
        .select(IdentityMergeRow::as_select())
        .load(conn)
}

/// Marks active merge `id` undone; `None` when it was not active (undone already, by
/// a concurrent undo too: the `undone_at IS NULL` filter decides).
pub fn undo(
    conn: &mut AnyConnection,
    id: IdentityMergeId,
    by: UserId,
    now: NaiveDateTime,
) -> QueryResult<Option<IdentityMergeRow>> {
    let n = diesel::update(
        identity_merges::table
            .find(id)
            .filter(identity_merges::undone_at.is_null()),
    )
    .set((
        identity_merges::undone_at.eq(now),
        identity_merges::undone_by.eq(by),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    identity_merges::table
        .find(id)
        .select(IdentityMergeRow::as_select())
        .first(conn)
        .optional()
}

/// The contributors among `ids` that are stored.
pub fn cards(conn: &mut AnyConnection, ids: &[ContributorId]) -> QueryResult<Vec<ContributorCard>> {
    contributors::table
        .filter(contributors::id.eq_any(ids))
        .select(ContributorCard::as_select())
        .load(conn)
}

/// Whether `contributor` has any contribution in `project` (counted or not: removed
/// commits and unlinked repositories' history count as having contributed).
pub fn has_contribution(
    conn: &mut AnyConnection,
    project: ProjectId,
    contributor: ContributorId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        contributions::table
            .filter(contributions::project_id.eq(project))
            .filter(contributions::contributor_id.eq(contributor)),
    ))
    .get_result(conn)
}
