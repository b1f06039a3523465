//! Compute deliveries: reports of GPU-minutes delivered against a compute pledge (by
//! the sponsor, the project's people, or a token scoped to the pledge), confirmed or
//! rejected by a maintainer; Slurm accounting uploads; the lapse of what was not
//! delivered when the window ends; and the per-project map of Slurm GPU types.
//!
//! Rules:
//! - Confirmed never exceeds pledged. Every write that adds to the confirmed total
//!   (confirming a report, recording a Slurm upload) locks the project row first and
//!   sums the confirmed deliveries under the lock, so two concurrent confirmations whose
//!   sum exceeds the pledge cannot both pass ([`ComputeError::ExceedsPledge`]); a report
//!   that would exceed it is refused when made, too.
//! - Ledger (see [`crate::domain::ledger::LedgerAccount`]): a confirmed delivery posts
//!   `ComputeUsed` + / `ProjectComputeReceivable(p)` −; the lapse posts
//!   `ComputeExpired` + / `ProjectComputeReceivable(p)` − for the rest, in the same unit
//!   of work that changes the state, so the ledger and the states never disagree.
//! - Only a `pledged` pledge takes reports and confirmations; it becomes `delivered`
//!   when the confirmed total reaches the pledge, `expired` when its window ends (by the
//!   `expire_compute` job), after which pending reports can no longer be confirmed.

use chrono::NaiveDateTime;

use super::ledger::{self, LedgerFault, Links};
use super::pledges::compute_entries;
use super::tokens::{self, TokenError};
use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::compute::AcceleratorClass;
use crate::domain::cursor::KeysetPage;
use crate::domain::delivery::{
    self as rules, DeliverySource, DeliveryState, ExceedsPledge, NewDelivery,
};
use crate::domain::ids::{DeliveryId, PledgeId, ProjectId};
use crate::domain::ledger::{LedgerAccount, NewTransaction, TransactionKind};
use crate::domain::pledge::{PledgeKind, PledgeState};
use crate::domain::slurm::{self, GpuUsage, SacctError};
use crate::domain::{Violation, policy};
use crate::store::api_tokens::ApiTokenRow;
use crate::store::deliveries::{self as store, DeliveryRow, NewDeliveryRow};
use crate::store::pledges::{self, PledgeRow};

use crate::store::{members, projects};

#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    #[error("no compute pledge {0}")]
    PledgeNotFound(PledgeId),
    #[error("no delivery {0}")]
    DeliveryNotFound(DeliveryId),
    #[error("project {0:?} has no mapping for Slurm GPU type {1:?}")]
    SlurmTypeNotFound(String, String),
    #[error("invalid input")]
    Invalid(Vec<Violation>),
    /// The pledge or the delivery is not in a state that allows this.
    #[error("{0}")]
    WrongState(String),
    /// Confirmed would exceed pledged.
    #[error(transparent)]
    ExceedsPledge(#[from] ExceedsPledge),
    /// The Slurm accounting text was refused (bad lines, too large).
    #[error("the Slurm accounting output was refused: {0}")]
    Sacct(SacctError),
    /// GPU types in the upload that the project has not mapped to a class.
    #[error("map these Slurm GPU types to accelerator classes first: {}", .0.join(", "))]
    UnmappedTypes(Vec<String>),
    /// The upload holds no GPU-minutes of the pledge's class.
    #[error("the upload holds no GPU-minutes of the pledge's class {0}")]
    NothingToRecord(String),
    /// The confirmation's `digest` is not that of its text (not what was previewed).
    #[error("the digest does not match the accounting text: preview it again")]
    DigestMismatch,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Ledger(#[from] LedgerFault),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ComputeError {
    fn from(e: diesel::result::Error) -> Self {
        ComputeError::Db(e.into())
    }
}

/// A compute pledge with its class.
#[derive(Debug, Clone)]
pub struct ComputePledge {
    pub row: PledgeRow,
    pub class: AcceleratorClass,
}

impl ComputePledge {
    /// GPU-minutes pledged.
    pub fn pledged(&self) -> i64 {
        self.row.gpu_minutes.unwrap_or(0)
    }
}

/// Compute pledge `id`, or [`ComputeError::PledgeNotFound`] (also for a money pledge).
fn compute_pledge(conn: &mut AnyConnection, id: PledgeId) -> Result<ComputePledge, ComputeError> {
    let row = pledges::find(conn, id)?
        .filter(|p| p.kind == PledgeKind::Compute)
        .ok_or(ComputeError::PledgeNotFound(id))?;
    let accelerator = row
        .accelerator_id
        .ok_or_else(|| DbError::Corrupt(format!("pledge {id} has no class")))?;
    let code = crate::store::accelerators::code_of(conn, accelerator)?
        .ok_or_else(|| DbError::Corrupt(format!("pledge {id}: class {accelerator}")))?;
    let class = AcceleratorClass::parse("accelerator", &code)
        .map_err(|_| DbError::Corrupt(format!("class code {code:?}")))?;
    Ok(ComputePledge { row, class })
}

/// Whether `who` may edit the project (owners, maintainers, site admins), reading only.
fn is_editor(
    conn: &mut AnyConnection,
    who: &Principal,
    project: ProjectId,
) -> Result<bool, ComputeError> {
    let role = members::role_of(conn, project, who.user_id)?;
    Ok(policy::can_edit_project(who.standing, role))
}

fn project_by_slug(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<projects::ProjectRow, ComputeError> {
    projects::find_by_slug(conn, slug)?.ok_or_else(|| ComputeError::ProjectNotFound(slug.into()))
}

fn not_pledged(state: PledgeState) -> ComputeError {
    let why = match state {
        PledgeState::Expired => "the pledge expired: its window ended and the rest lapsed",
        PledgeState::Delivered => "the pledge is delivered in full",
        _ => "the pledge is not open for deliveries",
    };
    ComputeError::WrongState(why.to_owned())
}

/// Refuses unless the pledge (read under the caller's project lock) is still
/// `pledged`, and `adding` more minutes fit; returns the confirmed total so far.
fn check_room(tx: &mut Tx<'_>, id: PledgeId, adding: i64) -> Result<i64, ComputeError> {
    let fresh = compute_pledge(tx, id)?;
    if fresh.row.state != PledgeState::Pledged {
        return Err(not_pledged(fresh.row.state));
    }
    let confirmed = store::total(tx, id, DeliveryState::Confirmed)?;
    rules::fits(fresh.pledged(), confirmed, adding)?;
    Ok(confirmed)
}

/// Reports `new` delivered against compute pledge `id`. Allowed: the pledge's sponsor,
/// the project's owners, maintainers and site admins (an API token needs `write`), and
/// a token scoped to this pledge (whose owner must still be the sponsor or one of the
/// project's people). The report waits for a maintainer; the project's owners and
/// maintainers are mailed (a `notify` job, see [`super::notify`]). Refused when the pledge is not `pledged`
/// ([`ComputeError::WrongState`]) or when the minutes plus what is confirmed exceed
/// the pledge ([`ComputeError::ExceedsPledge`]).
pub fn report(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: PledgeId,
    new: NewDelivery,
    now: NaiveDateTime,
) -> Result<DeliveryRow, ComputeError> {
    let pledge = compute_pledge(tx, id)?;
    let token = match who.credential {
        super::Credential::PledgeToken {
            token_id,
            pledge_id,
        } => {
            if pledge_id != id {
                return Err(Denied::Forbidden.into());
            }
            Some(token_id)
        }
        super::Credential::ApiToken { token_id, .. } => {
            who.require_write()?;
            Some(token_id)
        }
        super::Credential::Session { .. } => None,
    };
    if pledge.row.sponsor_id != who.user_id && !is_editor(tx, who, pledge.row.project_id)? {
        return Err(Denied::Forbidden.into());
    }
    tx.lock(RowLock::Project(pledge.row.project_id))?;
    check_room(tx, id, new.gpu_minutes.get())?;
    let now = crate::db::truncate_micros(now);
    let row = store::insert(
        tx,
        &NewDeliveryRow {
            pledge_id: id,
            gpu_minutes: new.gpu_minutes.get(),
            evidence: &new.evidence,
            source: DeliverySource::Report,
            state: DeliveryState::Reported,
            reported_by: Some(who.user_id),
            reported_token_id: token,
            decided_by: None,
            decided_at: None,
            created_at: now,
        },
    )?;
    super::notify::announce(
        tx,
        super::notify::FundingEvent::DeliveryReported {
            pledge: id,
            delivery: row.id,
        },
        now,
    )?;
    Ok(row)
}

/// Posts the use of `minutes` of the pledge's compute (a confirmed delivery), marks the
/// pledge `delivered` when the confirmed total `total` reaches the pledge, and announces
/// it to the sponsor (a `notify` job). The caller holds the project lock and has checked the room.
fn record_use(
    tx: &mut Tx<'_>,
    pledge: &ComputePledge,
    delivery: &DeliveryRow,
    total: i64,
    who: &Principal,
    now: NaiveDateTime,
) -> Result<(), ComputeError> {
    let id = pledge.row.id;
    let used = NewTransaction::new(
        &format!("Pledge {id}: delivery {} confirmed", delivery.id),
        compute_entries(
            LedgerAccount::ComputeUsed,
            LedgerAccount::ProjectComputeReceivable(pledge.row.project_id),
            &pledge.class,
            delivery.gpu_minutes,
        ),
    )
    .map_err(LedgerFault::Invalid)?;
    ledger::post(
        tx,
        Some(pledge.row.project_id),
        TransactionKind::Delivery,
        &used,
        Links {
            pledge: Some(id),
            delivery: Some(delivery.id),
            ..Links::default()
        },
        Some(who.user_id),
        now,
    )?;
    if total >= pledge.pledged() {
        pledges::transition(tx, id, PledgeState::Pledged, PledgeState::Delivered, now)?;
    }
    if let Some(goal) = pledge.row.goal_id {
        super::goals::after_progress(tx, goal, now)?;
    }
    super::notify::announce(
        tx,
        super::notify::FundingEvent::DeliveryConfirmed {
            pledge: id,
            delivery: delivery.id,
        },
        now,
    )?;
    Ok(())
}

/// A maintainer confirms a reported delivery: it becomes `confirmed` and the ledger
/// records the use, in one unit of work. Owners, maintainers and site admins (an API
/// token needs `write`). Refused: a delivery not `reported` any more or a pledge not
/// `pledged` ([`ComputeError::WrongState`]), and one that would take the confirmed
/// total past the pledge ([`ComputeError::ExceedsPledge`], decided under the project
/// lock, so concurrent confirmations never exceed it). Returns the delivery and the
/// pledge as they are now.
pub fn confirm(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: DeliveryId,
    now: NaiveDateTime,
) -> Result<(DeliveryRow, ComputePledge), ComputeError> {
    let delivery = store::find(tx, id)?.ok_or(ComputeError::DeliveryNotFound(id))?;
    let mut pledge = compute_pledge(tx, delivery.pledge_id)?;
    super::principal::require_project_editor::<ComputeError>(tx, who, pledge.row.project_id)?;
    tx.lock(RowLock::Project(pledge.row.project_id))?;
    let delivery = store::find(tx, id)?.ok_or(ComputeError::DeliveryNotFound(id))?;
    if delivery.state != DeliveryState::Reported {
        return Err(ComputeError::WrongState(format!(
            "the delivery is {} already",
            delivery.state
        )));
    }
    let confirmed = check_room(tx, pledge.row.id, delivery.gpu_minutes)?;
    let now = crate::db::truncate_micros(now);
    if !store::decide(tx, id, DeliveryState::Confirmed, who.user_id, now)? {
        return Err(ComputeError::WrongState(
            "the delivery was decided meanwhile".into(),
        ));
    }
    record_use(
        tx,
        &pledge,
        &delivery,
        confirmed + delivery.gpu_minutes,
        who,
        now,
    )?;
    let delivery = store::find(tx, id)?.ok_or(ComputeError::DeliveryNotFound(id))?;
    pledge.row =
        pledges::find(tx, pledge.row.id)?.ok_or(ComputeError::PledgeNotFound(pledge.row.id))?;
    Ok((delivery, pledge))
}

/// Moves what delivery transaction `used` recorded as a reversal undoes it (`undoing`)
/// or redoes it (see [`super::ledger::reverse`]). Undone: the report goes back to
/// `reported` (to confirm again or reject) and a `delivered` pledge back to `pledged`;
/// refused once the pledge has expired or been cancelled (its remainder is settled).
/// Redone: the report must still be `reported`, the pledge `pledged` with room for its
/// minutes (as [`confirm`] checks); it becomes `confirmed` and the pledge `delivered`
/// when that completes it. Refusals are [`LedgerFault::StateChanged`]. The caller holds
/// the project's lock.
pub(super) fn delivery_reversed(
    tx: &mut Tx<'_>,
    used: &crate::store::ledger::TransactionRow,
    undoing: bool,
    who: &Principal,
    now: NaiveDateTime,
) -> Result<(), LedgerFault> {
    let Some(id) = used.delivery_id else {
        return Ok(());
    };
    let corrupt = || DbError::Corrupt(format!("transaction {}: delivery {id} is missing", used.id));
    let delivery = store::find(tx, id)?.ok_or_else(corrupt)?;
    let pledge = pledges::find(tx, delivery.pledge_id)?.ok_or_else(corrupt)?;
    let now = crate::db::truncate_micros(now);
    if undoing {
        match pledge.state {
            PledgeState::Pledged => {}
            PledgeState::Delivered => {
                pledges::transition(
                    tx,
                    pledge.id,
                    PledgeState::Delivered,
                    PledgeState::Pledged,
                    now,
                )?;
            }
            other => {
                return Err(LedgerFault::StateChanged(format!(
                    "pledge {} is {other}: what it did not deliver is settled, so a delivery \
                     confirmed before cannot be undone",
                    pledge.id
                )));
            }
        }
        if !store::reopen(tx, id)? {
            return Err(LedgerFault::StateChanged(format!(
                "delivery {id} is {}, not confirmed",
                delivery.state
            )));
        }
        return Ok(());
    }
    if delivery.state != DeliveryState::Reported {
        return Err(LedgerFault::StateChanged(format!(
            "delivery {id} was {} again since it was reversed",
            delivery.state
        )));
    }
    let confirmed = check_room(tx, pledge.id, delivery.gpu_minutes).map_err(|e| match e {
        ComputeError::Db(d) => LedgerFault::Db(d),
        ComputeError::Ledger(l) => l,
        other => LedgerFault::StateChanged(other.to_string()),
    })?;
    if !store::decide(tx, id, DeliveryState::Confirmed, who.user_id, now)? {
        return Err(LedgerFault::StateChanged(format!(
            "delivery {id} was decided meanwhile"
        )));
    }
    let fresh = compute_pledge(tx, pledge.id).map_err(|e| match e {
        ComputeError::Db(d) => LedgerFault::Db(d),
        other => LedgerFault::StateChanged(other.to_string()),
    })?;
    if confirmed + delivery.gpu_minutes >= fresh.pledged() {
        pledges::transition(
            tx,
            pledge.id,
            PledgeState::Pledged,
            PledgeState::Delivered,
            now,
        )?;
    }
    Ok(())
}

/// A maintainer rejects a reported delivery (nothing enters the ledger). Owners,
/// maintainers and site admins; only while it is `reported`.
pub fn reject(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: DeliveryId,
    now: NaiveDateTime,
) -> Result<DeliveryRow, ComputeError> {
    let delivery = store::find(tx, id)?.ok_or(ComputeError::DeliveryNotFound(id))?;
    let pledge = compute_pledge(tx, delivery.pledge_id)?;
    super::principal::require_project_editor::<ComputeError>(tx, who, pledge.row.project_id)?;
    let now = crate::db::truncate_micros(now);
    if !store::decide(tx, id, DeliveryState::Rejected, who.user_id, now)? {
        let state = store::find(tx, id)?.map_or(delivery.state, |d| d.state);
        return Err(ComputeError::WrongState(format!(
            "the delivery is {state} already"
        )));
    }
    store::find(tx, id)?.ok_or(ComputeError::DeliveryNotFound(id))
}

/// A pledge's deliveries and where it stands.
#[derive(Debug, Clone)]
pub struct PledgeDeliveries {
    pub pledge: ComputePledge,
    /// GPU-minutes confirmed, and reported but not decided.
    pub confirmed: i64,
    pub pending: i64,
    pub items: Vec<DeliveryRow>,
}

/// Every delivery of compute pledge `id`, newest first. The sponsor, and the project's
/// owners, maintainers and site admins; others get [`Denied::Forbidden`].
pub fn of_pledge(
    conn: &mut AnyConnection,
    who: &Principal,
    id: PledgeId,
) -> Result<PledgeDeliveries, ComputeError> {
    let pledge = compute_pledge(conn, id)?;
    if pledge.row.sponsor_id != who.user_id && !is_editor(conn, who, pledge.row.project_id)? {
        return Err(Denied::Forbidden.into());
    }
    Ok(PledgeDeliveries {
        confirmed: store::total(conn, id, DeliveryState::Confirmed)?,
        pending: store::total(conn, id, DeliveryState::Reported)?,
        items: store::of_pledge(conn, id)?,
        pledge,
    })
}

/// One page of project `slug`'s deliveries, newest first, optionally in one state
/// (`reported`: what waits for confirmation). Owners, maintainers and site admins.
pub fn page_of_project(
    conn: &mut AnyConnection,
    who: &Principal,
    slug: &str,
    state: Option<DeliveryState>,
    page: KeysetPage,
) -> Result<(Vec<DeliveryRow>, Option<String>), ComputeError> {
    let project = project_by_slug(conn, slug)?;
    if !is_editor(conn, who, project.id)? {
        return Err(Denied::Forbidden.into());
    }
    let rows = store::page_of_project(
        conn,
        project.id,
        state,
        page.before_id().map(DeliveryId),
        page.fetch(),
    )?;
    Ok(page.finish(rows, |r| r.id.get()))
}

/// Creates an API token whose only power is reporting deliveries for compute pledge
/// `id` (for a cluster that reports automatically). The sponsor or the project's
/// owners, maintainers and site admins, from a signed-in session; the pledge must be
/// `pledged`. Returns the token and its secret (shown once).
pub fn create_token(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: PledgeId,
    name: &str,
    expires_in_days: Option<u32>,
    now: NaiveDateTime,
) -> Result<(ApiTokenRow, String), ComputeError> {
    who.session()?;
    let pledge = compute_pledge(tx, id)?;
    if pledge.row.sponsor_id != who.user_id && !is_editor(tx, who, pledge.row.project_id)? {
        return Err(Denied::Forbidden.into());
    }
    if pledge.row.state != PledgeState::Pledged {
        return Err(not_pledged(pledge.row.state));
    }
    Ok(tokens::create_for_pledge(
        tx,
        who,
        id,
        name,
        expires_in_days,
        crate::db::truncate_micros(now),
    )?)
}

/// Compute pledges whose window has ended and that are still `pledged`, `batch` at a
/// time after `after`: what the expiry job walks.
pub fn lapsing(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    after: Option<PledgeId>,
    batch: i64,
) -> Result<Vec<PledgeId>, DbError> {
    Ok(pledges::compute_lapsing(conn, now, after, batch)?)
}

/// Expires compute pledge `id` if its window ended by `now` and it is still
/// `pledged`: the pledge becomes `expired` and the undelivered rest (pledged minus
/// confirmed) lapses in the ledger (`ComputeExpired` + / `ProjectComputeReceivable` −),
/// in one unit of work. Returns the GPU-minutes that lapsed, or `None` when there was
/// nothing to do (so running it again posts nothing more). Reports still pending can no
/// longer be confirmed.
pub fn expire(
    tx: &mut Tx<'_>,
    id: PledgeId,
    now: NaiveDateTime,
) -> Result<Option<i64>, ComputeError> {
    let Ok(pledge) = compute_pledge(tx, id) else {
        return Ok(None);
    };
    let due = pledge.row.state == PledgeState::Pledged
        && pledge.row.window_end.is_some_and(|end| end <= now);
    if !due {
        return Ok(None);
    }
    tx.lock(RowLock::Project(pledge.row.project_id))?;
    let now = crate::db::truncate_micros(now);
    if !pledges::transition(tx, id, PledgeState::Pledged, PledgeState::Expired, now)? {
        return Ok(None);
    }
    let confirmed = store::total(tx, id, DeliveryState::Confirmed)?;
    let lapsed = rules::lapsed(pledge.pledged(), confirmed);
    if lapsed > 0 {
        let lapse = NewTransaction::new(
            &format!("Pledge {id}: undelivered compute expired"),
            compute_entries(
                LedgerAccount::ComputeExpired,
                LedgerAccount::ProjectComputeReceivable(pledge.row.project_id),
                &pledge.class,
                lapsed,
            ),
        )
        .map_err(LedgerFault::Invalid)?;
        ledger::post(
            tx,
            Some(pledge.row.project_id),
            TransactionKind::Expiry,
            &lapse,
            Links {
                pledge: Some(id),
                ..Links::default()
            },
            None,
            now,
        )?;
    }
    Ok(Some(lapsed))
}

// ---------------------------------------------------------------------------------------
// Slurm
// ---------------------------------------------------------------------------------------

/// A project's Slurm GPU type map, `(slurm type, class code)` by Slurm type. Owners,
/// maintainers and site admins.
pub fn slurm_types(
    conn: &mut AnyConnection,
    who: &Principal,
    slug: &str,
) -> Result<Vec<(String, String)>, ComputeError> {
    let project = project_by_slug(conn, slug)?;
    if !is_editor(conn, who, project.id)? {
        return Err(Denied::Forbidden.into());
    }
    Ok(store::slurm_types(conn, project.id)?)
}

/// Maps Slurm GPU type `slurm_type` (see [`rules::slurm_type`]) of project `slug` to
/// catalogue class `class` (field `accelerator`, code `unknown` if not in the
/// catalogue), replacing an earlier mapping. Owners, maintainers and site admins.
pub fn put_slurm_type(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    slurm_type: &str,
    class: &AcceleratorClass,
) -> Result<(), ComputeError> {
    let project = project_by_slug(tx, slug)?;
    super::principal::require_project_editor::<ComputeError>(tx, who, project.id)?;
    let slurm_type =
        rules::slurm_type("slurm_type", slurm_type).map_err(|v| ComputeError::Invalid(vec![v]))?;
    let accelerator = crate::store::accelerators::id_of(tx, class.as_str())?.ok_or_else(|| {
        ComputeError::Invalid(vec![Violation::new(
            "accelerator",
            "unknown",
            "not a class of the accelerator catalogue (GET /api/v1/accelerators)",
        )])
    })?;
    store::put_slurm_type(tx, project.id, &slurm_type, accelerator)?;
    Ok(())
}

/// Removes the mapping of `slurm_type`; [`ComputeError::SlurmTypeNotFound`] if none.
pub fn delete_slurm_type(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    slurm_type: &str,
) -> Result<(), ComputeError> {
    let project = project_by_slug(tx, slug)?;
    super::principal::require_project_editor::<ComputeError>(tx, who, project.id)?;
    // A name no mapping could have (e.g. with a NUL byte) is never looked up.
    let valid = rules::slurm_type("slurm_type", slurm_type).is_ok();
    if valid && store::delete_slurm_type(tx, project.id, slurm_type)? {
        Ok(())
    } else {
        Err(ComputeError::SlurmTypeNotFound(
            slug.to_owned(),
            slurm_type.to_owned(),
        ))
    }
}

/// One GPU type of a Slurm upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmTypeTotal {
    /// As Slurm wrote it, e.g. `a100`.
    pub slurm_type: String,
    /// Whole GPU-minutes of this type (rounded down after summing seconds).
    pub gpu_minutes: i64,
    /// The class the project maps it to, if any.
    pub accelerator: Option<String>,
    /// The pledge it is recorded against: the previewed pledge when the class is the
    /// pledge's, otherwise none.
    pub pledge_id: Option<PledgeId>,
}

/// What a Slurm upload adds up to for one pledge; nothing is stored by a preview.
#[derive(Debug, Clone)]
pub struct SlurmPreview {
    pub pledge: ComputePledge,
    pub types: Vec<SlurmTypeTotal>,
    /// Typed GPU types with no mapping (an upload with any cannot be confirmed).
    pub unmapped: Vec<String>,
    pub usage: GpuUsage,
    /// GPU-minutes that would be recorded against the pledge.
    pub gpu_minutes: i64,
    /// GPU-minutes confirmed so far.
    pub confirmed: i64,
    /// SHA-256 of the accounting text, hex: pass it back to confirm exactly this.
    pub digest: String,
}

/// Adds up Slurm accounting output for compute pledge `pledge_id` of project `slug`
/// (see [`slurm::parse_sacct`]), maps each GPU type through the project's table and
/// says which minutes go to the pledge. Owners, maintainers and site admins (an API
/// token needs `write`). Stores nothing. Errors: [`ComputeError::Sacct`] with every bad
/// line by number; [`ComputeError::PledgeNotFound`] unless the pledge is a compute
/// pledge of this project.
pub fn slurm_preview(
    conn: &mut AnyConnection,
    who: &Principal,
    slug: &str,
    pledge_id: PledgeId,
    sacct: &str,
) -> Result<SlurmPreview, ComputeError> {
    let project = project_by_slug(conn, slug)?;
    super::principal::require_project_editor::<ComputeError>(conn, who, project.id)?;
    let pledge = compute_pledge(conn, pledge_id)?;
    if pledge.row.project_id != project.id {
        return Err(ComputeError::PledgeNotFound(pledge_id));
    }
    let usage = slurm::parse_sacct(sacct).map_err(ComputeError::Sacct)?;
    let map = store::slurm_types(conn, project.id)?;
    let mut types = Vec::new();
    let mut unmapped = Vec::new();
    let mut gpu_minutes: i64 = 0;
    for (slurm_type, minutes) in &usage.minutes_by_type {
        let minutes = i64::try_from(*minutes).unwrap_or(i64::MAX);
        let accelerator = map
            .iter()
            .find(|(t, _)| t == slurm_type)
            .map(|(_, code)| code.clone());
        let ours = accelerator.as_deref() == Some(pledge.class.as_str());
        if accelerator.is_none() {
            unmapped.push(slurm_type.clone());
        }
        if ours {
            gpu_minutes = gpu_minutes.saturating_add(minutes);
        }
        types.push(SlurmTypeTotal {
            slurm_type: slurm_type.clone(),
            gpu_minutes: minutes,
            accelerator,
            pledge_id: ours.then_some(pledge_id),
        });
    }
    Ok(SlurmPreview {
        confirmed: store::total(conn, pledge_id, DeliveryState::Confirmed)?,
        digest: crate::security::secrets::hash(sacct),
        pledge,
        types,
        unmapped,
        usage,
        gpu_minutes,
    })
}

/// A Slurm upload to record: the pledge, the accounting text, and optionally the
/// digest its preview showed.
#[derive(Debug, Clone, Copy)]
pub struct SlurmUpload<'a> {
    pub pledge_id: PledgeId,
    pub sacct: &'a str,
    pub digest: Option<&'a str>,
}

/// Records a Slurm upload against its pledge, as [`slurm_preview`] showed it: one
/// delivery (source `slurm`, confirmed at once by the maintainer) and its ledger
/// entries, in one unit of work: nothing partial. `digest`, if given, must be the
/// preview's ([`ComputeError::DigestMismatch`]). Refused: unmapped GPU types
/// ([`ComputeError::UnmappedTypes`]), no minutes of the pledge's class
/// ([`ComputeError::NothingToRecord`]), more than the pledge has room for
/// ([`ComputeError::ExceedsPledge`]), a pledge not `pledged`.
pub fn slurm_confirm(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    upload: SlurmUpload<'_>,
    now: NaiveDateTime,
) -> Result<(DeliveryRow, SlurmPreview), ComputeError> {
    let SlurmUpload {
        pledge_id,
        sacct,
        digest,
    } = upload;
    let preview = slurm_preview(tx, who, slug, pledge_id, sacct)?;
    if digest.is_some_and(|d| !d.eq_ignore_ascii_case(&preview.digest)) {
        return Err(ComputeError::DigestMismatch);
    }
    if !preview.unmapped.is_empty() {
        return Err(ComputeError::UnmappedTypes(preview.unmapped.clone()));
    }
    if preview.gpu_minutes <= 0 {
        return Err(ComputeError::NothingToRecord(
            preview.pledge.class.to_string(),
        ));
    }
    tx.lock(RowLock::Project(preview.pledge.row.project_id))?;
    let confirmed = check_room(tx, pledge_id, preview.gpu_minutes)?;
    let now = crate::db::truncate_micros(now);
    let evidence = format!(
        "Slurm accounting: {} job allocations counted, {} still running skipped; sha256 {}",
        preview.usage.allocations_counted, preview.usage.allocations_skipped, preview.digest
    );
    let row = store::insert(
        tx,
        &NewDeliveryRow {
            pledge_id,
            gpu_minutes: preview.gpu_minutes,
            evidence: &evidence,
            source: DeliverySource::Slurm,
            state: DeliveryState::Confirmed,
            reported_by: Some(who.user_id),
            reported_token_id: None,
            decided_by: Some(who.user_id),
            decided_at: Some(now),
            created_at: now,
        },
    )?;
    record_use(
        tx,
        &preview.pledge,
        &row,
        confirmed + preview.gpu_minutes,
        who,
        now,
    )?;
    Ok((row, preview))
}
