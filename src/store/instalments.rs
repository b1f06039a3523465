//! Queries on the `instalments` table: one row per month of a monthly pledge.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{instalments, pledges};
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::{InstalmentId, PledgeId, ProjectId};
use crate::domain::pledge::InstalmentState;
use crate::per_backend;

/// A row of `instalments`: month `seq` (0 is the pledge's first month) of a monthly
/// pledge, due at `due_at` (midnight UTC of its due date).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = instalments)]
pub struct InstalmentRow {
    pub id: InstalmentId,
    pub pledge_id: PledgeId,
    pub seq: i32,
    pub due_at: NaiveDateTime,
    pub amount_minor: i64,
    pub state: InstalmentState,
    pub received_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Instalment `seq` of a pledge.
pub fn find_by_seq(
    conn: &mut AnyConnection,
    pledge: PledgeId,
    seq: i32,
) -> QueryResult<Option<InstalmentRow>> {
    instalments::table
        .filter(instalments::pledge_id.eq(pledge))
        .filter(instalments::seq.eq(seq))
        .select(InstalmentRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts instalment `seq` of a pledge unless it exists; returns whether it was new.
pub fn insert_if_absent(
    conn: &mut AnyConnection,
    pledge: PledgeId,
    seq: i32,
    due_at: NaiveDateTime,
    amount_minor: i64,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = per_backend!(conn, |c| diesel::insert_into(instalments::table)
        .values((
            instalments::pledge_id.eq(pledge),
            instalments::seq.eq(seq),
            instalments::due_at.eq(due_at),
            instalments::amount_minor.eq(amount_minor),
            instalments::state.eq(InstalmentState::Due),
            instalments::created_at.eq(now),
        ))
        .on_conflict((instalments::pledge_id, instalments::seq))
        .do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

pub fn find(conn: &mut AnyConnection, id: InstalmentId) -> QueryResult<Option<InstalmentRow>> {
    instalments::table
        .find(id)
        .select(InstalmentRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a due instalment received; returns whether it was due (so two concurrent
/// confirmations cannot both succeed).
pub fn receive(
    conn: &mut AnyConnection,
    id: InstalmentId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        instalments::table
            .filter(instalments::id.eq(id))
            .filter(instalments::state.eq(InstalmentState::Due)),
    )
    .set((
        instalments::state.eq(InstalmentState::Received),
        instalments::received_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Moves a received instalment back to due (its receipt was reversed); returns whether
/// it was received.
pub fn unreceive(conn: &mut AnyConnection, id: InstalmentId) -> QueryResult<bool> {
    let n = diesel::update(
        instalments::table
            .filter(instalments::id.eq(id))
            .filter(instalments::state.eq(InstalmentState::Received)),
    )
    .set((
        instalments::state.eq(InstalmentState::Due),
        instalments::received_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// One page of a project's instalments, newest first, optionally in one state.
pub fn page_of_project(
    conn: &mut AnyConnection,
    project: ProjectId,
    state: Option<InstalmentState>,
    before: Option<InstalmentId>,
    limit: i64,
) -> QueryResult<Vec<InstalmentRow>> {
    let mut query = instalments::table
        .inner_join(pledges::table)
        .filter(pledges::project_id.eq(project))
        .select(InstalmentRow::as_select())
        .order(instalments::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(instalments::state.eq(state));
    }
    if let Some(before) = before {
        query = query.filter(instalments::id.lt(before));
    }
    query.load(conn)
}

/// Every instalment of a pledge, in order.
pub fn of_pledge(conn: &mut AnyConnection, pledge: PledgeId) -> QueryResult<Vec<InstalmentRow>> {
    instalments::table
        .filter(instalments::pledge_id.eq(pledge))
        .order(instalments::seq)
        .select(InstalmentRow::as_select())
        .load(conn)
}
