//! The public ledger: posting balanced transactions (the one way anything enters it),
//! reversing them, reading a project's transactions and balances.
//!
//! Rules: every transaction is checked by [`NewTransaction`] (entries sum to zero per
//! commodity); an account a project spends from ([`AccountKind::overdraft_protected`])
//! never goes below zero, checked under a lock on the project row so two concurrent
//! postings cannot both spend the same balance (on PostgreSQL `FOR UPDATE`; on SQLite
//! the unit's write lock); a transaction is reversed at most once (also enforced by a
//! unique key on `reverses_id`, so the rule holds across instances).

use std::collections::BTreeSet;

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::cursor::KeysetPage;
use crate::domain::exports::LedgerFilter;
use crate::domain::ids::{ProjectId, TransactionId};
use crate::domain::ledger::{
    self, Balances, Entry, LedgerError, NewTransaction, ReversalState, TransactionKind,
};

use crate::store::ledger::{self as store, NewTransactionRow, TransactionRow};
use crate::store::projects;

#[derive(Debug, thiserror::Error)]
pub enum LedgerFault {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    #[error("no transaction {0} in this project")]
    TransactionNotFound(TransactionId),
    /// Posting would take an account a project spends from below zero.
    #[error("not enough funds: {}", describe(.0))]
    InsufficientFunds(Vec<LedgerError>),
    #[error("the transaction has already been reversed")]
    AlreadyReversed,
    /// The transaction (or the one its reversal chain starts from) is not reversed: a
    /// compute grant (what is not delivered lapses when its pledge's delivery window
    /// ends; a reversal would leave deliveries against nothing) or an expiry (the
    /// pledge's window has closed). The text says which.
    #[error("{0}")]
    NotReversible(&'static str),
    /// Undoing a reversal would record again what has changed since: a pledge or an
    /// instalment confirmed again or cancelled, a delivery decided again, a compute
    /// pledge with no room left or no longer open. The text says what.
    #[error("{0}")]
    StateChanged(String),
    /// The transaction broke a rule of double entry (a bug in the caller: requests
    /// never build entries directly).
    #[error("invalid transaction: {}", describe(.0))]
    Invalid(Vec<LedgerError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

fn describe(errors: &[LedgerError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a posting links to besides its entries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Links {
    pub pledge: Option<crate::domain::ids::PledgeId>,
    pub instalment: Option<crate::domain::ids::InstalmentId>,
    pub delivery: Option<crate::domain::ids::DeliveryId>,
    pub expense: Option<crate::domain::ids::ExpenseId>,
    pub reverses: Option<TransactionId>,
}

/// Posts `transaction` in the caller's unit of work and returns its id.
///
/// `project` is the project whose public ledger lists it. Before writing, every project
/// whose overdraft-protected account the transaction takes from is locked and its
/// balances read, and the posting is refused with [`LedgerFault::InsufficientFunds`]
/// if any would go below zero.
pub fn post(
    tx: &mut Tx<'_>,
    project: Option<ProjectId>,
    kind: TransactionKind,
    transaction: &NewTransaction,
    links: Links,
    created_by: Option<crate::domain::ids::UserId>,
    now: NaiveDateTime,
) -> Result<TransactionId, LedgerFault> {
    let spending: BTreeSet<ProjectId> = transaction
        .entries()
        .iter()
        .filter(|e| e.account.kind().overdraft_protected() && e.amount < 0)
        .filter_map(|e| e.account.project())
        .collect();
    for p in spending {
        tx.lock(RowLock::Project(p))?;
        let balances = balances(tx, p)?;
        balances
            .check_overdraw(transaction)
            .map_err(LedgerFault::InsufficientFunds)?;
    }
    let id = store::insert_transaction(
        tx,
        &NewTransactionRow {
            project_id: project,
            kind,
            description: transaction.description(),
            occurred_at: now,
            created_by,
            reverses_id: links.reverses,
            pledge_id: links.pledge,
            instalment_id: links.instalment,
            delivery_id: links.delivery,
            expense_id: links.expense,
        },
        transaction.entries(),
        now,
    )
    .map_err(|e| {
        if links.reverses.is_some() && e.is_unique_violation() {
            LedgerFault::AlreadyReversed
        } else {
            LedgerFault::Db(e)
        }
    })?;
    Ok(id)
}

/// The balances of a project's own accounts (what it holds, what it is owed).
pub fn balances(conn: &mut AnyConnection, project: ProjectId) -> Result<Balances, LedgerFault> {
    let entries = store::project_balances(conn, project)?
        .iter()
        .map(store::StoredBalance::to_entry)
        .collect::<Result<Vec<_>, _>>()?;
    Balances::from_entries(&entries).map_err(|e| LedgerFault::Invalid(vec![e]))
}

/// A recorded transaction with its entries.
#[derive(Debug, Clone)]
pub struct Posted {
    pub row: TransactionRow,
    pub entries: Vec<Entry>,
}

/// A project by slug, or [`LedgerFault::ProjectNotFound`].
pub(crate) fn project(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<projects::ProjectRow, LedgerFault> {
    projects::find_by_slug(conn, slug)?.ok_or_else(|| LedgerFault::ProjectNotFound(slug.into()))
}

/// One page of a project's public ledger, newest first, filtered by `filter`.
pub fn page(
    conn: &mut AnyConnection,
    slug: &str,
    filter: &LedgerFilter,
    page: KeysetPage,
) -> Result<(Vec<Posted>, Option<String>), LedgerFault> {
    let project = project(conn, slug)?;
    page_of(conn, project.id, filter, page)
}

/// [`page`] for a project already read.
pub fn page_of(
    conn: &mut AnyConnection,
    project: ProjectId,
    filter: &LedgerFilter,
    page: KeysetPage,
) -> Result<(Vec<Posted>, Option<String>), LedgerFault> {
    let rows = store::project_transactions(
        conn,
        project,
        filter,
        page.before_id().map(TransactionId),
        page.fetch(),
    )?;
    let (rows, next) = page.finish(rows, |r| r.id.get());
    Ok((with_entries(conn, rows)?, next))
}

/// The transactions `rows` with their entries.
pub(crate) fn with_entries(
    conn: &mut AnyConnection,
    rows: Vec<TransactionRow>,
) -> Result<Vec<Posted>, LedgerFault> {
    let ids: Vec<TransactionId> = rows.iter().map(|r| r.id).collect();
    let stored = store::entries_of(conn, &ids)?;
    // Entries come ordered by transaction, so each transaction's are one run.
    let mut by_transaction: std::collections::HashMap<i64, Vec<Entry>> =
        std::collections::HashMap::with_capacity(rows.len());
    for e in &stored {
        by_transaction
            .entry(e.transaction_id)
            .or_default()
            .push(e.to_entry()?);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let entries = by_transaction.remove(&row.id.get()).unwrap_or_default();
            Posted { row, entries }
        })
        .collect())
}

/// A project's balances by slug (public).
pub fn project_balances(conn: &mut AnyConnection, slug: &str) -> Result<Balances, LedgerFault> {
    let project = project(conn, slug)?;
    balances(conn, project.id)
}

/// Reverses transaction `id` of project `slug`: posts its exact negation. Maintainers,
/// owners and site admins only; a transaction is reversed once (a second attempt, or a
/// concurrent one, gets [`LedgerFault::AlreadyReversed`]). A reversal that would take
/// what a project holds below zero (e.g. undoing a receipt already spent) is refused
/// with [`LedgerFault::InsufficientFunds`]. Compute grants and expiries are not
/// reversed ([`LedgerFault::NotReversible`]).
///
/// The states follow the ledger, in this unit of work. A reversal either *undoes* the
/// transaction its chain starts from (reversing it, or a reversal's reversal's
/// reversal, …) or *redoes* it (reversing a reversal):
/// - a receipt undone puts its pledge back to `pledged` (its instalment back to `due`),
///   so it can be confirmed again or cancelled; redone, it needs the pledge still
///   `pledged` (the instalment still `due`) and marks it `received` again;
/// - a delivery undone puts its report back to `reported` (to confirm again or reject)
///   and a `delivered` pledge back to `pledged` (refused once the pledge has expired:
///   its remainder is already written off); redone, it needs the report still
///   `reported`, the pledge `pledged` and room for the minutes, and may make the
///   pledge `delivered`.
///
/// What has changed since is refused with [`LedgerFault::StateChanged`]. Goal progress
/// follows the ledger, so undoing lowers the goal's received (delivered) figure and
/// redoing raises it and may meet the goal (a met goal stays met).
pub fn reverse(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    id: TransactionId,
    now: NaiveDateTime,
) -> Result<Posted, LedgerFault> {
    let project = project(tx, slug)?;
    super::principal::require_project_editor::<LedgerFault>(tx, who, project.id)?;
    let original = store::find_transaction(tx, id)?
        .filter(|t| t.project_id == Some(project.id))
        .ok_or(LedgerFault::TransactionNotFound(id))?;
    let (root, depth) = chain_root(tx, &original)?;
    match root.kind {
        TransactionKind::Pledge => {
            return Err(LedgerFault::NotReversible(
                "a compute grant is not reversed; what is not delivered expires with its pledge",
            ));
        }
        TransactionKind::Expiry => {
            return Err(LedgerFault::NotReversible(
                "an expiry is not reversed: the pledge's delivery window has closed",
            ));
        }
        _ => {}
    }
    // States change under the project's lock, as confirmations do.
    tx.lock(RowLock::Project(project.id))?;
    let entries = store::entries_of(tx, &[id])?
        .iter()
        .map(store::StoredEntry::to_entry)
        .collect::<Result<Vec<_>, _>>()?;
    let recorded =
        NewTransaction::new(&original.description, entries).map_err(LedgerFault::Invalid)?;
    let state = if store::is_reversed(tx, id)? {
        ReversalState::Reversed
    } else {
        ReversalState::NotReversed
    };
    let undo = ledger::reversal(&recorded, state).map_err(|e| match e {
        LedgerError::AlreadyReversed => LedgerFault::AlreadyReversed,
        other => LedgerFault::Invalid(vec![other]),
    })?;
    // The new reversal sits at depth + 1: odd depths undo the root, even ones redo it.
    let undoing = depth % 2 == 0;
    match root.kind {
        TransactionKind::Receipt => super::pledges::receipt_reversed(tx, &root, undoing, now)?,
        TransactionKind::Delivery => {
            super::compute::delivery_reversed(tx, &root, undoing, who, now)?;
        }
        _ => {}
    }
    let new_id = post(
        tx,
        Some(project.id),
        TransactionKind::Reversal,
        &undo,
        // A reversal belongs to the pledge of what it reverses (so of the whole chain).
        Links {
            reverses: Some(id),
            pledge: original.pledge_id,
            ..Links::default()
        },
        Some(who.user_id),
        now,
    )?;
    if let Some(goal) = goal_behind(tx, &original)? {
        super::goals::after_progress(tx, goal, now)?;
    }
    let row =
        store::find_transaction(tx, new_id)?.ok_or(LedgerFault::TransactionNotFound(new_id))?;
    Ok(Posted {
        row,
        entries: undo.into_parts().1,
    })
}

/// The transaction a reversal chain starts from (`transaction` itself when it is not a
/// reversal) and how many reversals lie between them (0 for the root itself).
fn chain_root(
    conn: &mut AnyConnection,
    transaction: &TransactionRow,
) -> Result<(TransactionRow, u32), LedgerFault> {
    let mut current = transaction.clone();
    let mut depth = 0;
    while let Some(earlier) = current.reverses_id {
        current = store::find_transaction(conn, earlier)?.ok_or_else(|| {
            DbError::Corrupt(format!("transaction {} reverses a missing one", current.id))
        })?;
        depth += 1;
    }
    Ok((current, depth))
}

/// The goal of the pledge a transaction (a reversal carries its original's) is linked
/// to, if any.
fn goal_behind(
    conn: &mut AnyConnection,
    transaction: &TransactionRow,
) -> Result<Option<crate::domain::ids::GoalId>, LedgerFault> {
    let Some(pledge) = transaction.pledge_id else {
        return Ok(None);
    };
    Ok(crate::store::pledges::find(conn, pledge)?.and_then(|p| p.goal_id))
}

impl From<diesel::result::Error> for LedgerFault {
    fn from(e: diesel::result::Error) -> Self {
        LedgerFault::Db(e.into())
    }
}
