//! Money pledges: a sponsor pledges (once per `Idempotency-Key`), a maintainer confirms
//! the money arrived (which writes the ledger's receipt), or the sponsor cancels.
//!
//! Idempotency: creating a pledge first claims the caller's key for the operation in
//! the same unit of work that writes the pledge and stores the response. A retry with
//! the same key and body gets the stored response (same status and body); the same key
//! with another body is refused; requests racing with one key queue on the key's unique
//! index (PostgreSQL) or the write lock (SQLite), so exactly one pledge is written.

use chrono::NaiveDateTime;

use super::ledger::{self, LedgerFault, Links};
use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::Violation;
use crate::domain::compute::AcceleratorClass;
use crate::domain::cursor::KeysetPage;
use crate::domain::delivery::NewComputePledge;
use crate::domain::ids::{GoalId, InstalmentId, PledgeId};
use crate::domain::ledger::{Commodity, Entry, LedgerAccount, NewTransaction, TransactionKind};
use crate::domain::money::Currency;
use crate::domain::pledge::{NewMoneyPledge, PledgeKind, PledgeState, Recurrence};
use crate::domain::policy;
use crate::store::pledges::{self as store, NewComputePledgeRow, NewMoneyPledgeRow, PledgeRow};
use crate::store::{idempotency, projects};

#[derive(Debug, thiserror::Error)]
pub enum PledgeError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    #[error("no pledge {0}")]
    NotFound(PledgeId),
    #[error("no instalment {0}")]
    InstalmentNotFound(crate::domain::ids::InstalmentId),
    #[error("invalid pledge")]
    Invalid(Vec<Violation>),
    /// The pledge names a goal that is not one of this project's.
    #[error("this project has no goal {0}")]
    UnknownGoal(GoalId),
    /// The pledge names a goal that is met, closed or expired.
    #[error("goal {0} is {1}; pledge toward an open goal, or to the project")]
    GoalNotOpen(GoalId, crate::domain::goal::GoalStatus),
    #[error("this project takes pledges in {expected}; the pledge is in {given}")]
    CurrencyMismatch { expected: String, given: String },
    /// The project is archived: it takes no new pledges.
    #[error("this project is archived and takes no new pledges")]
    ProjectArchived,
    /// The `Idempotency-Key` was used before with another request body.
    #[error(
        "this Idempotency-Key was used with a different request; use a new key for a new pledge"
    )]
    KeyReused,
    /// The pledge is not in a state that allows this.
    #[error("the pledge is {state}: {why}")]
    WrongState {
        state: PledgeState,
        why: &'static str,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerFault),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for PledgeError {
    fn from(e: diesel::result::Error) -> Self {
        PledgeError::Db(e.into())
    }
}

/// A response as first sent: replayed byte for byte for a retry with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub status: u16,
    pub body: String,
    /// Whether this is a replay of an earlier request's response.
    pub replayed: bool,
}

/// A request's `Idempotency-Key` and a hash of its body.
#[derive(Debug, Clone, Copy)]
pub struct Idempotent<'a> {
    pub key: &'a str,
    pub request_hash: &'a str,
}

/// Creates a money pledge to project `slug` by the caller (a verified email address;
/// with an API token, the `write` scope). `request` carries the `Idempotency-Key` and
/// the body's hash, and `render` turns the new pledge into the response body
/// that is stored and sent. Answers 201 with that body, or the stored response of the
/// key's first use. The project row is locked first ([`project_locked`]), so a pledge
/// and an archive (or a currency change) of its project never interleave.
pub fn create_money(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    request: Idempotent<'_>,
    new: NewMoneyPledge,
    render: impl FnOnce(&PledgeRow) -> String,
    now: NaiveDateTime,
) -> Result<Stored, PledgeError> {
    who.require_write()?;
    if !policy::can_create_project(who.standing) {
        // The same standing as creating a project: a verified address to reach.
        return Err(Denied::EmailNotVerified.into());
    }
    let project = project_locked(tx, slug)?;
    let scope = format!("create_pledge:{}", project.id);
    if let Some(stored) = claim_or_replay(tx, who, &scope, request, now, || PledgeError::KeyReused)?
    {
        return Ok(stored);
    }
    accepts_pledges(tx, &project, new.goal_id)?;
    let currency = new.amount.currency();
    if currency.code() != project.currency {
        return Err(PledgeError::CurrencyMismatch {
            expected: project.currency,
            given: currency.code().to_owned(),
        });
    }
    let now = crate::db::truncate_micros(now);
    let row = store::insert_money(
        tx,
        &NewMoneyPledgeRow {
            project_id: project.id,
            sponsor_id: who.user_id,
            goal_id: new.goal_id,
            kind: PledgeKind::Money,
            state: PledgeState::Pledged,
            anonymous: new.anonymous,
            message: new.message.as_deref(),
            currency: Some(currency.code()),
            amount_minor: Some(new.amount.amount_minor()),
            recurrence: Some(new.recurrence),
            created_at: now,
            updated_at: now,
        },
    )?;
    super::notify::announce(
        tx,
        super::notify::FundingEvent::PledgeCreated { pledge: row.id },
        now,
    )?;
    let body = render(&row);
    idempotency::complete(tx, who.user_id, &scope, request.key, 201, &body)?;
    Ok(Stored {
        status: 201,
        body,
        replayed: false,
    })
}

/// Claims the request's `Idempotency-Key` for `scope` in this unit of work; `None` when
/// this request is the key's first use (go on and store the response with
/// [`idempotency::complete`]), or the first use's response to replay. The same key
/// with another body is `reused()` ([`PledgeError::KeyReused`] here; each use case with
/// an `Idempotency-Key` passes its own).
pub(super) fn claim_or_replay<E: From<DbError>>(
    tx: &mut Tx<'_>,
    who: &Principal,
    scope: &str,
    request: Idempotent<'_>,
    now: NaiveDateTime,
    reused: impl FnOnce() -> E,
) -> Result<Option<Stored>, E> {
    let Idempotent { key, request_hash } = request;
    if idempotency::claim(tx, who.user_id, scope, key, request_hash, now)? {
        return Ok(None);
    }
    let stored = idempotency::find(tx, who.user_id, scope, key)
        .map_err(DbError::from)?
        .ok_or_else(|| DbError::Corrupt("an idempotency key vanished".into()))?;
    if stored.request_hash != request_hash {
        return Err(reused());
    }
    Ok(Some(Stored {
        status: u16::try_from(stored.response_status)
            .map_err(|_| DbError::Corrupt("stored response status".into()))?,
        body: stored.response_body,
        replayed: true,
    }))
}

/// Creates a compute pledge to project `slug` by the caller, under the same rules as
/// [`create_money`] (verified address, `write` scope, `Idempotency-Key`; the key is
/// shared with money pledges to the same project). The class must be in the
/// catalogue (422 on field `accelerator`, code `unknown`), and a goal, if given, must
/// be one of the project's (field `goal_id`, code `unknown`).
///
/// Unlike a money pledge, which enters the ledger when the money arrives, a compute
/// grant is posted at once (see [`crate::domain::ledger::LedgerAccount`]): the
/// project's `ProjectComputeReceivable` debited and the sponsor's contributions
/// credited, in GPU-minutes of the class. Delivery confirmations draw the receivable
/// down into `ComputeUsed`; what is left when the window ends lapses into
/// `ComputeExpired` (see [`super::compute`]).
#[allow(clippy::too_many_arguments)]
pub fn create_compute(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    request: Idempotent<'_>,
    new: NewComputePledge,
    goal_id: Option<GoalId>,
    render: impl FnOnce(&PledgeRow) -> String,
    now: NaiveDateTime,
) -> Result<Stored, PledgeError> {
    who.require_write()?;
    if !policy::can_create_project(who.standing) {
        return Err(Denied::EmailNotVerified.into());
    }
    let project = project_locked(tx, slug)?;
    let scope = format!("create_pledge:{}", project.id);
    if let Some(stored) = claim_or_replay(tx, who, &scope, request, now, || PledgeError::KeyReused)?
    {
        return Ok(stored);
    }
    accepts_pledges(tx, &project, goal_id)?;
    let mut problems = Vec::new();
    let accelerator_id = crate::store::accelerators::id_of(tx, new.accelerator.as_str())?;
    if accelerator_id.is_none() {
        problems.push(Violation::new(
            "accelerator",
            "unknown",
            "not a class of the accelerator catalogue (GET /api/v1/accelerators)",
        ));
    }
    if !problems.is_empty() {
        return Err(PledgeError::Invalid(problems));
    }
    let now = crate::db::truncate_micros(now);
    let row = store::insert_compute(
        tx,
        &NewComputePledgeRow {
            project_id: project.id,
            sponsor_id: who.user_id,
            goal_id,
            kind: PledgeKind::Compute,
            state: PledgeState::Pledged,
            anonymous: new.anonymous,
            message: new.message.as_deref(),
            accelerator_id,
            gpu_minutes: Some(new.gpu_minutes.get()),
            provider: new.provider.as_deref(),
            window_start: Some(crate::db::truncate_micros(new.window_start)),
            window_end: Some(crate::db::truncate_micros(new.window_end)),
            created_at: now,
            updated_at: now,
        },
    )?;
    let grant = NewTransaction::new(
        &format!("Pledge {}: compute granted", row.id),
        compute_entries(
            LedgerAccount::ProjectComputeReceivable(row.project_id),
            LedgerAccount::SponsorContributions(row.sponsor_id),
            &new.accelerator,
            new.gpu_minutes.get(),
        ),
    )
    .map_err(LedgerFault::Invalid)?;
    ledger::post(
        tx,
        Some(row.project_id),
        TransactionKind::Pledge,
        &grant,
        Links {
            pledge: Some(row.id),
            ..Links::default()
        },
        Some(who.user_id),
        now,
    )?;
    super::notify::announce(
        tx,
        super::notify::FundingEvent::PledgeCreated { pledge: row.id },
        now,
    )?;
    let body = render(&row);
    idempotency::complete(tx, who.user_id, &scope, request.key, 201, &body)?;
    Ok(Stored {
        status: 201,
        body,
        replayed: false,
    })
}

/// Two entries moving `minutes` GPU-minutes of `class` into `debit` out of `credit`.
pub(super) fn compute_entries(
    debit: LedgerAccount,
    credit: LedgerAccount,
    class: &AcceleratorClass,
    minutes: i64,
) -> Vec<Entry> {
    let commodity = Commodity::Compute(class.clone());
    vec![
        Entry {
            account: debit,
            commodity: commodity.clone(),
            amount: minutes,
        },
        Entry {
            account: credit,
            commodity,
            amount: -minutes,
        },
    ]
}

/// Project `slug`, locked for this unit of work and read again under the lock
/// ([`Tx::lock`]), so that what [`accepts_pledges`] and the currency check see (not
/// archived, the currency, the goal still open) stays true until the pledge commits:
/// an archive, a currency change or a goal's close that starts meanwhile waits for this
/// unit, and one already under way is waited for and seen. Without it, on PostgreSQL a
/// pledge could read the project before a concurrent archive committed and insert after
/// (the foreign-key check's key-share lock does not conflict with the archive's).
fn project_locked(tx: &mut Tx<'_>, slug: &str) -> Result<projects::ProjectRow, PledgeError> {
    let project = projects::find_by_slug(tx, slug)?
        .ok_or_else(|| PledgeError::ProjectNotFound(slug.into()))?;
    tx.lock(RowLock::Project(project.id))?;
    projects::find_by_id(tx, project.id)?.ok_or_else(|| PledgeError::ProjectNotFound(slug.into()))
}

/// Refuses a pledge to an archived project, or toward a goal that is not an open goal
/// of the project ([`PledgeError::UnknownGoal`], [`PledgeError::GoalNotOpen`]).
fn accepts_pledges(
    tx: &mut Tx<'_>,
    project: &projects::ProjectRow,
    goal: Option<GoalId>,
) -> Result<(), PledgeError> {
    if project.archived_at.is_some() {
        return Err(PledgeError::ProjectArchived);
    }
    if let Some(goal) = goal {
        match super::goals::check_pledge_goal(tx, project.id, goal)? {
            Ok(()) => {}
            Err(super::goals::GoalLink::Unknown) => return Err(PledgeError::UnknownGoal(goal)),
            Err(super::goals::GoalLink::NotOpen(status)) => {
                return Err(PledgeError::GoalNotOpen(goal, status));
            }
        }
    }
    Ok(())
}

/// A maintainer confirms that the money of a one-time pledge arrived: the pledge
/// becomes `received` and the ledger records it (the project's `Held` debited, the
/// sponsor's contributions credited). Owners, maintainers and site admins. A pledge is
/// received once; a second or concurrent confirmation gets [`PledgeError::WrongState`].
/// A goal the pledge counts toward is re-evaluated in the same unit of work
/// ([`super::goals::after_progress`]).
pub fn confirm_received(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: PledgeId,
    now: NaiveDateTime,
) -> Result<PledgeRow, PledgeError> {
    who.require_write()?;
    let pledge = store::find(tx, id)?.ok_or(PledgeError::NotFound(id))?;
    super::principal::require_project_editor::<PledgeError>(tx, who, pledge.project_id)?;
    tx.lock(RowLock::Project(pledge.project_id))?;
    if pledge.recurrence == Some(Recurrence::Monthly) {
        return Err(PledgeError::WrongState {
            state: pledge.state,
            why: "a monthly pledge is received instalment by instalment",
        });
    }
    let Some(amount) = pledge.amount_minor else {
        return Err(PledgeError::WrongState {
            state: pledge.state,
            why: "only money pledges are received; compute is delivered",
        });
    };
    if !store::transition(tx, id, PledgeState::Pledged, PledgeState::Received, now)? {
        let state = store::find(tx, id)?.map_or(pledge.state, |p| p.state);
        return Err(PledgeError::WrongState {
            state,
            why: "only a pledge that is still pledged can be received",
        });
    }
    post_receipt(
        tx,
        &pledge,
        amount,
        None,
        &format!("Pledge {id} received"),
        who,
        now,
    )?;
    if let Some(goal) = pledge.goal_id {
        super::goals::after_progress(tx, goal, now)?;
    }
    store::find(tx, id)?.ok_or(PledgeError::NotFound(id))
}

/// Moves what receipt `receipt` recorded as a reversal undoes it (`undoing`) or redoes
/// it (see [`super::ledger::reverse`]): a one-time pledge between `received` and
/// `pledged`, an instalment between `received` and `due`. Redoing needs the pledge
/// (instalment) still where the undo left it; anything else is
/// [`LedgerFault::StateChanged`]. The caller holds the project's lock.
pub(super) fn receipt_reversed(
    tx: &mut Tx<'_>,
    receipt: &crate::store::ledger::TransactionRow,
    undoing: bool,
    now: NaiveDateTime,
) -> Result<(), LedgerFault> {
    let Some(pledge) = receipt.pledge_id else {
        return Ok(());
    };
    if let Some(instalment) = receipt.instalment_id {
        let moved = if undoing {
            crate::store::instalments::unreceive(tx, instalment)?
        } else {
            crate::store::instalments::receive(tx, instalment, now)?
        };
        if !moved {
            return Err(LedgerFault::StateChanged(if undoing {
                format!("instalment {instalment} of pledge {pledge} is not received")
            } else {
                format!(
                    "instalment {instalment} of pledge {pledge} was received again since \
                     its receipt was reversed"
                )
            }));
        }
        return Ok(());
    }
    let (from, to) = if undoing {
        (PledgeState::Received, PledgeState::Pledged)
    } else {
        (PledgeState::Pledged, PledgeState::Received)
    };
    if !store::transition(tx, pledge, from, to, now)? {
        let state = store::find(tx, pledge)?.map(|p| p.state.to_string());
        return Err(LedgerFault::StateChanged(format!(
            "pledge {pledge} is {} now, not {from}: it was received again or cancelled since \
             its receipt was reversed",
            state.as_deref().unwrap_or("gone")
        )));
    }
    Ok(())
}

/// Records in the ledger that `amount_minor` of money pledge `pledge` arrived (all of a
/// one-time pledge, or one instalment): the project's `Held` debited, the sponsor's
/// contributions credited, linked to the pledge (and the instalment).
pub(super) fn post_receipt(
    tx: &mut Tx<'_>,
    pledge: &PledgeRow,
    amount_minor: i64,
    instalment: Option<InstalmentId>,
    description: &str,
    who: &Principal,
    now: NaiveDateTime,
) -> Result<(), PledgeError> {
    let code = pledge.currency.as_deref().unwrap_or_default();
    let currency = Currency::parse("currency", code)
        .map_err(|_| DbError::Corrupt(format!("pledge {}: currency {code:?}", pledge.id)))?;
    let commodity = Commodity::Money(currency);
    let receipt = NewTransaction::new(
        description,
        vec![
            Entry {
                account: LedgerAccount::ProjectHeld(pledge.project_id),
                commodity: commodity.clone(),
                amount: amount_minor,
            },
            Entry {
                account: LedgerAccount::SponsorContributions(pledge.sponsor_id),
                commodity,
                amount: -amount_minor,
            },
        ],
    )
    .map_err(LedgerFault::Invalid)?;
    ledger::post(
        tx,
        Some(pledge.project_id),
        TransactionKind::Receipt,
        &receipt,
        Links {
            pledge: Some(pledge.id),
            instalment,
            ..Links::default()
        },
        Some(who.user_id),
        now,
    )?;
    super::notify::announce(
        tx,
        super::notify::FundingEvent::PledgeReceived {
            pledge: pledge.id,
            instalment,
        },
        now,
    )?;
    Ok(())
}

/// The sponsor (or a site admin) cancels a pledge that has not been received yet.
pub fn cancel(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: PledgeId,
    now: NaiveDateTime,
) -> Result<PledgeRow, PledgeError> {
    who.require_write()?;
    let pledge = store::find(tx, id)?.ok_or(PledgeError::NotFound(id))?;
    if pledge.sponsor_id != who.user_id && !who.standing.is_admin {
        // Others' pledges are not theirs to see either.
        return Err(PledgeError::NotFound(id));
    }
    if pledge.kind == PledgeKind::Compute {
        // Its grant is in the ledger; what is not delivered lapses after the window.
        return Err(PledgeError::WrongState {
            state: pledge.state,
            why: "a compute pledge is not cancelled: what is not delivered by the end of its window expires",
        });
    }
    if !store::transition(tx, id, PledgeState::Pledged, PledgeState::Cancelled, now)? {
        let state = store::find(tx, id)?.map_or(pledge.state, |p| p.state);
        return Err(PledgeError::WrongState {
            state,
            why: "only a pledge that is still pledged can be cancelled",
        });
    }
    store::find(tx, id)?.ok_or(PledgeError::NotFound(id))
}

/// One page of the caller's own pledges, newest first (anonymous ones included: they
/// are anonymous to everyone else).
pub fn mine(
    conn: &mut AnyConnection,
    who: &Principal,
    page: KeysetPage,
) -> Result<(Vec<MyPledge>, Option<String>), PledgeError> {
    let rows = store::page_of_sponsor(
        conn,
        who.user_id,
        page.before_id().map(PledgeId),
        page.fetch(),
    )?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id.get());
    let mut ids: Vec<_> = rows.iter().map(|r| r.project_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let handles: std::collections::HashMap<_, _> = store::project_handles(conn, &ids)?
        .into_iter()
        .map(|(id, slug, name)| (id, (slug, name)))
        .collect();
    let catalogue = if rows.iter().any(|r| r.accelerator_id.is_some()) {
        crate::store::accelerators::all(conn)?
    } else {
        Vec::new()
    };
    let items = rows
        .into_iter()
        .map(|pledge| {
            let (project_slug, project_name) = handles
                .get(&pledge.project_id)
                .cloned()
                .ok_or_else(|| DbError::Corrupt(format!("pledge {}: no project", pledge.id)))?;
            Ok(MyPledge {
                accelerator: pledge.accelerator_id.and_then(|id| {
                    catalogue
                        .iter()
                        .find(|a| a.id == id)
                        .map(|a| a.code.clone())
                }),
                pledge,
                project_slug,
                project_name,
            })
        })
        .collect::<Result<Vec<_>, PledgeError>>()?;
    Ok((items, next_cursor))
}

/// One of the caller's pledges, with the project it went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyPledge {
    pub pledge: PledgeRow,
    /// The class code of a compute pledge.
    pub accelerator: Option<String>,
    pub project_slug: String,
    pub project_name: String,
}

/// A pledge as a project's maintainers see it in their list: the pledge, and its
/// sponsor's display name unless the pledge is anonymous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPledge {
    pub pledge: PledgeRow,
    /// The class code of a compute pledge.
    pub accelerator: Option<String>,
    /// `None` for an anonymous pledge (maintainers tell it by the pledge's id only) and
    /// for a sponsor whose account is gone.
    pub sponsor_name: Option<String>,
}

/// One page of project `slug`'s pledges, newest first, optionally in one state
/// (`pledged`: what waits for a maintainer to confirm the money arrived). Owners,
/// maintainers and site admins (a `read` token is enough).
///
/// Anonymity: an anonymous pledge is shown without its sponsor, to maintainers too; they
/// match the money that arrives to the pledge by the pledge's id (the reference a
/// sponsor gives with a transfer), never by the sponsor's name or account.
pub fn page_of_project(
    conn: &mut AnyConnection,
    who: &Principal,
    slug: &str,
    state: Option<PledgeState>,
    page: KeysetPage,
) -> Result<(Vec<ProjectPledge>, Option<String>), PledgeError> {
    let project = projects::find_by_slug(conn, slug)?
        .ok_or_else(|| PledgeError::ProjectNotFound(slug.into()))?;
    let role = crate::store::members::role_of(conn, project.id, who.user_id)?;
    if !policy::can_edit_project(who.standing, role) {
        return Err(Denied::Forbidden.into());
    }
    let rows = store::page_of_project(
        conn,
        project.id,
        state,
        page.before_id().map(PledgeId),
        page.fetch(),
    )?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id.get());
    let named: Vec<_> = rows
        .iter()
        .filter(|r| !r.anonymous)
        .map(|r| r.sponsor_id)
        .collect();
    let names: std::collections::HashMap<_, _> =
        store::display_names(conn, &named)?.into_iter().collect();
    let catalogue = if rows.iter().any(|r| r.accelerator_id.is_some()) {
        crate::store::accelerators::all(conn)?
    } else {
        Vec::new()
    };
    let items = rows
        .into_iter()
        .map(|pledge| ProjectPledge {
            sponsor_name: if pledge.anonymous {
                None
            } else {
                names.get(&pledge.sponsor_id).cloned()
            },
            accelerator: pledge.accelerator_id.and_then(|id| {
                catalogue
                    .iter()
                    .find(|a| a.id == id)
                    .map(|a| a.code.clone())
            }),
            pledge,
        })
        .collect();
    Ok((items, next_cursor))
}
