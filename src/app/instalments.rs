//! Monthly pledges: one instalment per month, created by a job on the pledge's anchor
//! day clamped to the month's end (see [`crate::domain::schedule`]), and received one
//! by one when a maintainer confirms the money arrived (which writes the ledger's
//! receipt).
//!
//! The job is idempotent twice over: each pledge keeps a watermark (the next instalment
//! number) moved forward in the unit of work that creates the instalments, and
//! `(pledge, seq)` is unique, so running it twice, or on two workers at once, creates
//! nothing new.

use chrono::{NaiveDate, NaiveDateTime};

use super::pledges::PledgeError;
use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::cursor::KeysetPage;
use crate::domain::ids::{InstalmentId, PledgeId};
use crate::domain::pledge::{InstalmentState, PledgeKind, PledgeState, Recurrence};
use crate::domain::{policy, schedule};
use crate::store::instalments::{self as store, InstalmentRow};
use crate::store::{members, pledges, projects};

/// Creates the instalments of monthly pledge `id` due on or before `today` (UTC) that do
/// not exist yet; returns how many it created. A pledge that is no longer running, or
/// not monthly, gets none.
pub fn create_due(
    tx: &mut Tx<'_>,
    id: PledgeId,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let Some(pledge) = pledges::find(tx, id)? else {
        return Ok(0);
    };
    let running = pledge.kind == PledgeKind::Money
        && pledge.recurrence == Some(Recurrence::Monthly)
        && pledge.state == PledgeState::Pledged;
    let Some(amount) = pledge.amount_minor.filter(|_| running) else {
        return Ok(0);
    };
    let after = u32::try_from(pledge.instalments_created)
        .ok()
        .and_then(|n| n.checked_sub(1));
    let mut created = 0;
    let mut next = pledge.instalments_created;
    for (n, date) in schedule::due_between(pledge.created_at.and_utc(), after, today) {
        let seq = i32::try_from(n)
            .map_err(|_| DbError::Corrupt(format!("pledge {id}: instalment {n}")))?;
        let due_at = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        if store::insert_if_absent(tx, id, seq, due_at, amount, now)? {
            created += 1;
            super::notify::announce(
                tx,
                super::notify::FundingEvent::InstalmentDue { pledge: id, seq },
                now,
            )?;
        }
        next = next.max(seq + 1);
    }
    pledges::advance_instalments(tx, id, next)?;
    Ok(created)
}

/// The monthly pledges still running, `batch` at a time after `after`: what the job walks.
pub fn running_monthly(
    conn: &mut AnyConnection,
    after: Option<PledgeId>,
    batch: i64,
) -> Result<Vec<PledgeId>, DbError> {
    Ok(pledges::monthly_running(conn, after, batch)?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

/// A maintainer confirms that one instalment's money arrived: it becomes `received`
/// and the ledger records the receipt. Owners, maintainers and site admins; once only
/// (a second or concurrent confirmation is [`PledgeError::WrongState`]). Returns the
/// instalment and its currency.
pub fn confirm(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: InstalmentId,
    now: NaiveDateTime,
) -> Result<(InstalmentRow, String), PledgeError> {
    who.require_write()?;
    let instalment = store::find(tx, id)?.ok_or(PledgeError::InstalmentNotFound(id))?;
    let pledge = pledges::find(tx, instalment.pledge_id)?
        .ok_or(PledgeError::NotFound(instalment.pledge_id))?;
    super::principal::require_project_editor::<PledgeError>(tx, who, pledge.project_id)?;
    tx.lock(RowLock::Project(pledge.project_id))?;
    if !store::receive(tx, id, now)? {
        return Err(PledgeError::WrongState {
            state: pledge.state,
            why: "this instalment is not due any more (received or cancelled)",
        });
    }
    super::pledges::post_receipt(
        tx,
        &pledge,
        instalment.amount_minor,
        Some(id),
        &format!(
            "Pledge {} instalment {} received",
            pledge.id,
            instalment.seq + 1
        ),
        who,
        now,
    )?;
    let code = pledge.currency.clone().unwrap_or_default();
    let row = store::find(tx, id)?.ok_or(PledgeError::InstalmentNotFound(id))?;
    Ok((row, code))
}

/// One page of a project's instalments, with the page after it.
pub struct InstalmentPage {
    /// The project's currency, which every amount is in.
    pub currency: String,
    pub rows: Vec<InstalmentRow>,
    pub next_cursor: Option<String>,
}

/// One page of project `slug`'s instalments, newest first, optionally in one state
/// (`due`: what waits for confirmation). Owners, maintainers and site admins.
pub fn page_of_project(
    conn: &mut AnyConnection,
    who: &Principal,
    slug: &str,
    state: Option<InstalmentState>,
    page: KeysetPage,
) -> Result<InstalmentPage, PledgeError> {
    let project = projects::find_by_slug(conn, slug)?
        .ok_or_else(|| PledgeError::ProjectNotFound(slug.into()))?;
    let role = members::role_of(conn, project.id, who.user_id)?;
    if !policy::can_edit_project(who.standing, role) {
        return Err(Denied::Forbidden.into());
    }
    let rows = store::page_of_project(
        conn,
        project.id,
        state,
        page.before_id().map(InstalmentId),
        page.fetch(),
    )?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id.get());
    Ok(InstalmentPage {
        currency: project.currency,
        rows,
        next_cursor,
    })
}

/// Every instalment of pledge `id`, in order (for the demo and the sponsor's view).
pub fn of_pledge(conn: &mut AnyConnection, id: PledgeId) -> Result<Vec<InstalmentRow>, DbError> {
    Ok(store::of_pledge(conn, id)?)
}
