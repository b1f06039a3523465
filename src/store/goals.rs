//! Queries on `goals`, `goal_compute_targets` and `project_accelerator_values`, and the
//! reads goal progress is computed from (pledges linked to goals, their instalments and
//! what the ledger holds from them).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    accelerators, goal_compute_targets, goals, instalments, pledges, project_accelerator_values,
    project_members, users,
};
use crate::db::{AnyConnection, DbError};
use crate::domain::goal::GoalStatus;
use crate::domain::ids::{GoalId, PledgeId, ProjectId, UserId};
use crate::domain::pledge::{InstalmentState, PledgeKind, PledgeState, Recurrence};
use crate::per_backend;

/// A row of `goals`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = goals)]
pub struct GoalRow {
    pub id: GoalId,
    pub project_id: ProjectId,
    pub title: String,
    pub description: String,
    pub deadline: Option<NaiveDateTime>,
    /// In minor units of the project's currency.
    pub money_target_minor: Option<i64>,
    pub status: GoalStatus,
    pub met_at: Option<NaiveDateTime>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new goal row.
#[derive(Debug, Insertable)]
#[diesel(table_name = goals)]
pub struct NewGoalRow<'a> {
    pub project_id: ProjectId,
    pub title: &'a str,
    pub description: &'a str,
    pub deadline: Option<NaiveDateTime>,
    pub money_target_minor: Option<i64>,
    pub status: GoalStatus,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &NewGoalRow<'_>) -> Result<GoalRow, DbError> {
    Ok(per_backend!(conn, |c| diesel::insert_into(goals::table)
        .values(row)
        .returning(GoalRow::as_returning())
        .get_result(c))?)
}

pub fn find(conn: &mut AnyConnection, id: GoalId) -> QueryResult<Option<GoalRow>> {
    goals::table
        .find(id)
        .select(GoalRow::as_select())
        .first(conn)
        .optional()
}

/// One page of a project's goals, newest first, optionally in one status.
pub fn page_of_project(
    conn: &mut AnyConnection,
    project: ProjectId,
    status: Option<GoalStatus>,
    before: Option<GoalId>,
    limit: i64,
) -> QueryResult<Vec<GoalRow>> {
    let mut query = goals::table
        .filter(goals::project_id.eq(project))
        .select(GoalRow::as_select())
        .order(goals::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(goals::status.eq(status));
    }
    if let Some(before) = before {
        query = query.filter(goals::id.lt(before));
    }
    query.load(conn)
}

/// The editable fields of a goal, as they should be.
pub struct GoalChanges<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub deadline: Option<NaiveDateTime>,
    pub money_target_minor: Option<i64>,
}

pub fn update(
    conn: &mut AnyConnection,
    id: GoalId,
    changes: &GoalChanges<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(goals::table.find(id))
        .set((
            goals::title.eq(changes.title),
            goals::description.eq(changes.description),
            goals::deadline.eq(changes.deadline),
            goals::money_target_minor.eq(changes.money_target_minor),
            goals::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves an open goal to `to` (stamping `met_at` for `met`); returns whether it was open,
/// so that two concurrent moves cannot both succeed.
pub fn leave_open(
    conn: &mut AnyConnection,
    id: GoalId,
    to: GoalStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let met_at = (to == GoalStatus::Met).then_some(now);
    let n = diesel::update(
        goals::table
            .filter(goals::id.eq(id))
            .filter(goals::status.eq(GoalStatus::Open)),
    )
    .set((
        goals::status.eq(to),
        goals::met_at.eq(met_at),
        goals::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks every open goal whose deadline is at or before `now` expired; returns how many.
pub fn expire_due(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        goals::table
            .filter(goals::status.eq(GoalStatus::Open))
            .filter(goals::deadline.le(now)),
    )
    .set((
        goals::status.eq(GoalStatus::Expired),
        goals::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Claims the goal-met notification of a met goal: sets `met_notified_at` unless set;
/// returns whether this call set it (so the mail is queued once).
pub fn claim_met_notification(
    conn: &mut AnyConnection,
    id: GoalId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        goals::table
            .filter(goals::id.eq(id))
            .filter(goals::status.eq(GoalStatus::Met))
            .filter(goals::met_notified_at.is_null()),
    )
    .set(goals::met_notified_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// A compute target with its class's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRow {
    pub goal_id: GoalId,
    pub accelerator: String,
    pub gpu_minutes: i64,
}

/// The compute targets of `goals`, by class code.
pub fn targets_of(conn: &mut AnyConnection, ids: &[GoalId]) -> QueryResult<Vec<TargetRow>> {
    let rows: Vec<(GoalId, String, i64)> = goal_compute_targets::table
        .inner_join(accelerators::table)
        .filter(goal_compute_targets::goal_id.eq_any(ids))
        .select((
            goal_compute_targets::goal_id,
            accelerators::code,
            goal_compute_targets::gpu_minutes,
        ))
        .order((goal_compute_targets::goal_id, accelerators::code))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(goal_id, accelerator, gpu_minutes)| TargetRow {
            goal_id,
            accelerator,
            gpu_minutes,
        })
        .collect())
}

/// Replaces a goal's compute targets (`(accelerator id, minutes)`).
pub fn replace_targets(
    conn: &mut AnyConnection,
    goal: GoalId,
    targets: &[(i64, i64)],
) -> QueryResult<()> {
    diesel::delete(goal_compute_targets::table.filter(goal_compute_targets::goal_id.eq(goal)))
        .execute(conn)?;
    for &(accelerator, minutes) in targets {
        diesel::insert_into(goal_compute_targets::table)
            .values((
                goal_compute_targets::goal_id.eq(goal),
                goal_compute_targets::accelerator_id.eq(accelerator),
                goal_compute_targets::gpu_minutes.eq(minutes),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A project's fair-market value of one GPU-hour of a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRow {
    pub accelerator: String,
    pub display_name: String,
    /// Minor units of the project's currency per GPU-hour.
    pub minor_per_gpu_hour: i64,
}

/// A project's fair-market values, by class code.
pub fn values_of(conn: &mut AnyConnection, project: ProjectId) -> QueryResult<Vec<ValueRow>> {
    let rows: Vec<(String, String, i64)> = project_accelerator_values::table
        .inner_join(accelerators::table)
        .filter(project_accelerator_values::project_id.eq(project))
        .select((
            accelerators::code,
            accelerators::display_name,
            project_accelerator_values::minor_per_gpu_hour,
        ))
        .order(accelerators::code)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(accelerator, display_name, minor_per_gpu_hour)| ValueRow {
            accelerator,
            display_name,
            minor_per_gpu_hour,
        })
        .collect())
}

/// Sets a project's value of class `accelerator` (insert or replace).
pub fn set_value(
    conn: &mut AnyConnection,
    project: ProjectId,
    accelerator: i64,
    minor_per_gpu_hour: i64,
) -> Result<(), DbError> {
    use diesel::upsert::excluded;
    per_backend!(conn, |c| diesel::insert_into(
        project_accelerator_values::table
    )
    .values((
        project_accelerator_values::project_id.eq(project),
        project_accelerator_values::accelerator_id.eq(accelerator),
        project_accelerator_values::minor_per_gpu_hour.eq(minor_per_gpu_hour),
    ))
    .on_conflict((
        project_accelerator_values::project_id,
        project_accelerator_values::accelerator_id,
    ))
    .do_update()
    .set(
        project_accelerator_values::minor_per_gpu_hour
            .eq(excluded(project_accelerator_values::minor_per_gpu_hour)),
    )
    .execute(c))?;
    Ok(())
}

/// Removes a project's value of class `accelerator`; returns whether there was one.
pub fn delete_value(
    conn: &mut AnyConnection,
    project: ProjectId,
    accelerator: i64,
) -> QueryResult<bool> {
    let n = diesel::delete(
        project_accelerator_values::table
            .filter(project_accelerator_values::project_id.eq(project))
            .filter(project_accelerator_values::accelerator_id.eq(accelerator)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// A pledge linked to a goal, with what progress needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedPledge {
    pub id: PledgeId,
    pub goal_id: GoalId,
    pub kind: PledgeKind,
    pub state: PledgeState,
    pub recurrence: Option<Recurrence>,
    pub amount_minor: Option<i64>,
    /// The compute pledge's class code.
    pub accelerator: Option<String>,
    pub gpu_minutes: Option<i64>,
}

type LinkedTuple = (
    PledgeId,
    Option<GoalId>,
    PledgeKind,
    PledgeState,
    Option<Recurrence>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

/// Every pledge linked to one of `goals`.
pub fn pledges_of(conn: &mut AnyConnection, ids: &[GoalId]) -> QueryResult<Vec<LinkedPledge>> {
    let rows: Vec<LinkedTuple> = pledges::table
        .left_join(accelerators::table.on(pledges::accelerator_id.eq(accelerators::id.nullable())))
        .filter(pledges::goal_id.eq_any(ids))
        .select((
            pledges::id,
            pledges::goal_id,
            pledges::kind,
            pledges::state,
            pledges::recurrence,
            pledges::amount_minor,
            accelerators::code.nullable(),
            pledges::gpu_minutes,
        ))
        .order(pledges::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(id, goal_id, kind, state, recurrence, amount_minor, accelerator, gpu_minutes)| {
                Some(LinkedPledge {
                    id,
                    goal_id: goal_id?,
                    kind,
                    state,
                    recurrence,
                    amount_minor,
                    accelerator,
                    gpu_minutes,
                })
            },
        )
        .collect())
}

/// What the ledger holds from one pledge (see [`ledger_sums_of`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerSums {
    /// Minor units its receipts put into the project's `Held` account, net of reversals.
    pub received_minor: i64,
    /// GPU-minutes its confirmed deliveries moved into `ComputeUsed`, net of reversals.
    pub delivered_minutes: i64,
}

/// What the ledger holds from every pledge linked to one of `goals`: per pledge, the sum
/// of the `Held` entries of its receipts and the `ComputeUsed` entries of its delivery
/// confirmations, together with every reversal of those (a reversal carries the pledge
/// of the transaction it reverses, so a reversal's reversal counts too). Sums are
/// checked, an overflow is [`DbError::Corrupt`]. Pledges the ledger holds nothing from
/// are absent.
pub fn ledger_sums_of(
    conn: &mut AnyConnection,
    ids: &[GoalId],
) -> Result<std::collections::HashMap<PledgeId, LedgerSums>, DbError> {
    use crate::db::schema::{ledger_accounts, ledger_entries, ledger_transactions};
    use crate::domain::ledger::{AccountKind, TransactionKind};
    use std::collections::HashMap;

    let mut sums: HashMap<PledgeId, LedgerSums> = HashMap::new();
    if ids.is_empty() {
        return Ok(sums);
    }
    let entries: Vec<(PledgeId, String, i64)> = ledger_entries::table
        .inner_join(ledger_accounts::table)
        .inner_join(ledger_transactions::table)
        .inner_join(pledges::table.on(ledger_transactions::pledge_id.eq(pledges::id.nullable())))
        .filter(pledges::goal_id.eq_any(ids))
        .filter(ledger_transactions::kind.eq_any([
            TransactionKind::Receipt,
            TransactionKind::Delivery,
            TransactionKind::Reversal,
        ]))
        .filter(ledger_accounts::kind.eq_any([
            AccountKind::ProjectHeld.as_str(),
            AccountKind::ComputeUsed.as_str(),
        ]))
        .select((pledges::id, ledger_accounts::kind, ledger_entries::amount))
        .load(conn)?;
    let overflow = || DbError::Corrupt("a pledge's ledger sum overflows".into());
    for (pledge, kind, amount) in entries {
        let sum = sums.entry(pledge).or_default();
        let target = if kind == AccountKind::ProjectHeld.as_str() {
            &mut sum.received_minor
        } else {
            &mut sum.delivered_minutes
        };
        *target = target.checked_add(amount).ok_or_else(overflow)?;
    }
    Ok(sums)
}

/// `(pledge, amount, state)` of every instalment of a pledge linked to one of `goals`.
pub fn instalments_of(
    conn: &mut AnyConnection,
    ids: &[GoalId],
) -> QueryResult<Vec<(PledgeId, i64, InstalmentState)>> {
    instalments::table
        .inner_join(pledges::table)
        .filter(pledges::goal_id.eq_any(ids))
        .select((
            instalments::pledge_id,
            instalments::amount_minor,
            instalments::state,
        ))
        .load(conn)
}

/// Someone to tell that a goal was met: `(user, email, display name)`.
pub type Recipient = (UserId, String, String);

/// The project's owners and maintainers and every sponsor of a pledge linked to the
/// goal that was not cancelled, anonymous or not, each once; deleted accounts left out.
pub fn met_recipients(
    conn: &mut AnyConnection,
    project: ProjectId,
    goal: GoalId,
) -> QueryResult<Vec<Recipient>> {
    let mut people: Vec<Recipient> = project_members::table
        .inner_join(users::table)
        .filter(project_members::project_id.eq(project))
        .filter(users::deleted_at.is_null())
        .select((users::id, users::email, users::display_name))
        .load(conn)?;
    let sponsors: Vec<Recipient> = pledges::table
        .inner_join(users::table.on(pledges::sponsor_id.eq(users::id)))
        .filter(pledges::goal_id.eq(goal))
        .filter(pledges::state.ne(PledgeState::Cancelled))
        .filter(users::deleted_at.is_null())
        .select((users::id, users::email, users::display_name))
        .load(conn)?;
    people.extend(sponsors);
    people.sort_by_key(|p| p.0);
    people.dedup_by_key(|p| p.0);
    Ok(people)
}
