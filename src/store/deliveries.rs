//! Queries on `deliveries` (reports of compute delivered against a pledge) and
//! `slurm_gpu_types` (how a project's Slurm GPU type names map to catalogue classes).

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use crate::db::schema::{accelerators, deliveries, pledges, slurm_gpu_types};
use crate::db::{AnyConnection, DbError};
use crate::domain::delivery::{DeliverySource, DeliveryState};
use crate::domain::ids::{ApiTokenId, DeliveryId, PledgeId, ProjectId, UserId};
use crate::per_backend;

/// A row of `deliveries`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub pledge_id: PledgeId,
    pub gpu_minutes: i64,
    pub evidence: String,
    pub source: DeliverySource,
    pub state: DeliveryState,
    pub reported_by: Option<UserId>,
    pub reported_token_id: Option<ApiTokenId>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = deliveries)]
pub struct NewDeliveryRow<'a> {
    pub pledge_id: PledgeId,
    pub gpu_minutes: i64,
    pub evidence: &'a str,
    pub source: DeliverySource,
    pub state: DeliveryState,
    pub reported_by: Option<UserId>,
    pub reported_token_id: Option<ApiTokenId>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &NewDeliveryRow<'_>) -> Result<DeliveryRow, DbError> {
    Ok(per_backend!(conn, |c| diesel::insert_into(
        deliveries::table
    )
    .values(row)
    .returning(DeliveryRow::as_returning())
    .get_result(c))?)
}

pub fn find(conn: &mut AnyConnection, id: DeliveryId) -> QueryResult<Option<DeliveryRow>> {
    deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// Moves delivery `id` from `reported` to `to`, recording who decided; returns whether
/// it was still `reported` (so two concurrent decisions cannot both succeed).
pub fn decide(
    conn: &mut AnyConnection,
    id: DeliveryId,
    to: DeliveryState,
    by: UserId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(id))
            .filter(deliveries::state.eq(DeliveryState::Reported)),
    )
    .set((
        deliveries::state.eq(to),
        deliveries::decided_by.eq(Some(by)),
        deliveries::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Moves a confirmed delivery back to reported, undecided (its ledger entry was
/// reversed); returns whether it was confirmed.
pub fn reopen(conn: &mut AnyConnection, id: DeliveryId) -> QueryResult<bool> {
    let n = diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(id))
            .filter(deliveries::state.eq(DeliveryState::Confirmed)),
    )
    .set((
        deliveries::state.eq(DeliveryState::Reported),
        deliveries::decided_by.eq(None::<UserId>),
        deliveries::decided_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The GPU-minutes of pledge `pledge`'s deliveries in `state`.
pub fn total(conn: &mut AnyConnection, pledge: PledgeId, state: DeliveryState) -> QueryResult<i64> {
    // SUM of BIGINT is NUMERIC on PostgreSQL: cast back (a sum past i64 is an error
    // there, never a wrap; each pledge is at most 10^12 minutes anyway).
    let total: Option<i64> = deliveries::table
        .filter(deliveries::pledge_id.eq(pledge))
        .filter(deliveries::state.eq(state))
        .select(sql::<Nullable<BigInt>>(
            "CAST(SUM(deliveries.gpu_minutes) AS BIGINT)",
        ))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}

/// Every delivery of a pledge, newest first (a pledge has few).
pub fn of_pledge(conn: &mut AnyConnection, pledge: PledgeId) -> QueryResult<Vec<DeliveryRow>> {
    deliveries::table
        .filter(deliveries::pledge_id.eq(pledge))
        .select(DeliveryRow::as_select())
        .order(deliveries::id.desc())
        .load(conn)
}

/// One page of a project's deliveries, newest first, optionally in one state, below the
/// keyset cursor `before`.
pub fn page_of_project(
    conn: &mut AnyConnection,
    project: ProjectId,
    state: Option<DeliveryState>,
    before: Option<DeliveryId>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut query = deliveries::table
        .inner_join(pledges::table)
        .filter(pledges::project_id.eq(project))
        .select(DeliveryRow::as_select())
        .order(deliveries::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(deliveries::state.eq(state));
    }
    if let Some(before) = before {
        query = query.filter(deliveries::id.lt(before));
    }
    query.load(conn)
}

/// A project's Slurm GPU type map: (Slurm type, class code), by Slurm type.
pub fn slurm_types(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> QueryResult<Vec<(String, String)>> {
    slurm_gpu_types::table
        .inner_join(accelerators::table)
        .filter(slurm_gpu_types::project_id.eq(project))
        .select((slurm_gpu_types::slurm_type, accelerators::code))
        .order(slurm_gpu_types::slurm_type.asc())
        .load(conn)
}

/// Maps Slurm type `slurm_type` of `project` to class `accelerator` (replacing any
/// earlier mapping of that type).
pub fn put_slurm_type(
    conn: &mut AnyConnection,
    project: ProjectId,
    slurm_type: &str,
    accelerator: i64,
) -> Result<(), DbError> {
    per_backend!(conn, |c| diesel::insert_into(slurm_gpu_types::table)
        .values((
            slurm_gpu_types::project_id.eq(project),
            slurm_gpu_types::slurm_type.eq(slurm_type),
            slurm_gpu_types::accelerator_id.eq(accelerator),
        ))
        .on_conflict((slurm_gpu_types::project_id, slurm_gpu_types::slurm_type))
        .do_update()
        .set(slurm_gpu_types::accelerator_id.eq(accelerator))
        .execute(c))?;
    Ok(())
}

/// Removes a mapping; returns whether there was one.
pub fn delete_slurm_type(
    conn: &mut AnyConnection,
    project: ProjectId,
    slurm_type: &str,
) -> QueryResult<bool> {
    let n = diesel::delete(
        slurm_gpu_types::table
            .filter(slurm_gpu_types::project_id.eq(project))
            .filter(slurm_gpu_types::slurm_type.eq(slurm_type)),
    )
    .execute(conn)?;
    Ok(n == 1)
}
