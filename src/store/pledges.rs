//! Queries on the `pledges` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::pledges;
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::{PledgeId, ProjectId, UserId};
use crate::domain::pledge::{PledgeKind, PledgeState, Recurrence};
use crate::per_backend;

/// A row of `pledges`. Money fields are set for money pledges, compute fields for
/// compute pledges (a check constraint holds both backends to it).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = pledges)]
pub struct PledgeRow {
    pub id: PledgeId,
    pub project_id: ProjectId,
    pub sponsor_id: UserId,
    pub goal_id: Option<i64>,
    pub kind: PledgeKind,
    pub state: PledgeState,
    pub anonymous: bool,
    pub message: Option<String>,
    pub currency: Option<String>,
    pub amount_minor: Option<i64>,
    pub recurrence: Option<Recurrence>,
    /// How many monthly instalments the instalment job has created (the next `seq`).
    pub instalments_created: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new money pledge.
#[derive(Debug, Insertable)]
#[diesel(table_name = pledges)]
pub struct NewMoneyPledgeRow<'a> {
    pub project_id: ProjectId,
    pub sponsor_id: UserId,
    pub kind: PledgeKind,
    pub state: PledgeState,
    pub anonymous: bool,
    pub message: Option<&'a str>,
    pub currency: Option<&'a str>,
    pub amount_minor: Option<i64>,
    pub recurrence: Option<Recurrence>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_money(
    conn: &mut AnyConnection,
    row: &NewMoneyPledgeRow<'_>,
) -> Result<PledgeRow, DbError> {
    Ok(per_backend!(conn, |c| diesel::insert_into(pledges::table)
        .values(row)
        .returning(PledgeRow::as_returning())
        .get_result(c))?)
}

pub fn find(conn: &mut AnyConnection, id: PledgeId) -> QueryResult<Option<PledgeRow>> {
    pledges::table
        .find(id)
        .select(PledgeRow::as_select())
        .first(conn)
        .optional()
}

/// Moves pledge `id` from `from` to `to`; returns whether it was in `from` (so two
/// concurrent moves of one pledge cannot both succeed).
pub fn transition(
    conn: &mut AnyConnection,
    id: PledgeId,
    from: PledgeState,
    to: PledgeState,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        pledges::table
            .filter(pledges::id.eq(id))
            .filter(pledges::state.eq(from)),
    )
    .set((pledges::state.eq(to), pledges::updated_at.eq(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// One page of a sponsor's pledges, newest first, below the keyset cursor `before`.
pub fn page_of_sponsor(
    conn: &mut AnyConnection,
    sponsor: UserId,
    before: Option<PledgeId>,
    limit: i64,
) -> QueryResult<Vec<PledgeRow>> {
    let mut query = pledges::table
        .filter(pledges::sponsor_id.eq(sponsor))
        .select(PledgeRow::as_select())
        .order(pledges::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(pledges::id.lt(before));
    }
    query.load(conn)
}

/// One page of project `project`'s pledges, newest first, optionally in one state,
/// below the keyset cursor `before`.
pub fn page_of_project(
    conn: &mut AnyConnection,
    project: ProjectId,
    state: Option<PledgeState>,
    before: Option<PledgeId>,
    limit: i64,
) -> QueryResult<Vec<PledgeRow>> {
    let mut query = pledges::table
        .filter(pledges::project_id.eq(project))
        .select(PledgeRow::as_select())
        .order(pledges::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(pledges::state.eq(state));
    }
    if let Some(before) = before {
        query = query.filter(pledges::id.lt(before));
    }
    query.load(conn)
}

/// The display names of users `ids` (for the named sponsors of a page of pledges).
pub fn display_names(
    conn: &mut AnyConnection,
    ids: &[UserId],
) -> QueryResult<Vec<(UserId, String)>> {
    use crate::db::schema::users;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::id.eq_any(ids))
        .filter(users::deleted_at.is_null())
        .select((users::id, users::display_name))
        .load(conn)
}

/// The slugs and names of projects `ids` (for a sponsor's list of pledges).
pub fn project_handles(
    conn: &mut AnyConnection,
    ids: &[ProjectId],
) -> QueryResult<Vec<(ProjectId, String, String)>> {
    use crate::db::schema::projects;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    projects::table
        .filter(projects::id.eq_any(ids))
        .select((projects::id, projects::slug, projects::name))
        .load(conn)
}

/// Up to `limit` monthly money pledges still running (`pledged`), by id after `after`.
pub fn monthly_running(
    conn: &mut AnyConnection,
    after: Option<PledgeId>,
    limit: i64,
) -> QueryResult<Vec<PledgeRow>> {
    let mut query = pledges::table
        .filter(pledges::kind.eq(PledgeKind::Money))
        .filter(pledges::recurrence.eq(Recurrence::Monthly))
        .filter(pledges::state.eq(PledgeState::Pledged))
        .select(PledgeRow::as_select())
        .order(pledges::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(pledges::id.gt(after));
    }
    query.load(conn)
}

/// Moves the pledge's instalment watermark forward to `next` (never back).
pub fn advance_instalments(conn: &mut AnyConnection, id: PledgeId, next: i32) -> QueryResult<()> {
    diesel::update(
        pledges::table
            .filter(pledges::id.eq(id))
            .filter(pledges::instalments_created.lt(next)),
    )
    .set(pledges::instalments_created.eq(next))
    .execute(conn)?;
    Ok(())
}

/// How many pledges project `project` has had, in any state.
pub fn count_of_project(conn: &mut AnyConnection, project: ProjectId) -> QueryResult<i64> {
    pledges::table
        .filter(pledges::project_id.eq(project))
        .count()
        .get_result(conn)
}
