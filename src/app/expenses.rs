//! Expenses: a maintainer records money the project spent (description, amount, receipt
//! link). Each is one unit of work: the expense row and its ledger transaction
//! (`Expenses:Spending` debited, the project's `Held` credited), refused with
//! `insufficient_funds` if the project does not hold that much, so two concurrent
//! expenses can never together overdraw it (see [`super::ledger::post`]).

use chrono::NaiveDateTime;

use super::ledger::{self, LedgerFault, Links};
use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::Violation;
use crate::domain::cursor::KeysetPage;
use crate::domain::ids::{ExpenseId, TransactionId};
use crate::domain::ledger::{Commodity, Entry, LedgerAccount, NewTransaction, TransactionKind};
use crate::domain::money::Money;

use crate::domain::project::{parse_label, parse_web_link};
use crate::store::expenses::{self as store, ExpenseRow, NewExpenseRow};
use crate::store::projects;

/// The longest expense description, in characters.
pub const DESCRIPTION_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum ExpenseError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    NotFound(String),
    #[error("invalid expense")]
    Invalid(Vec<Violation>),
    /// The amount is in another currency than the project's.
    #[error("this project keeps its accounts in {expected}; the expense is in {given}")]
    CurrencyMismatch { expected: String, given: String },
    /// The project is archived: it records no new expenses.
    #[error("this project is archived and records no new expenses")]
    ProjectArchived,
    #[error(transparent)]
    Ledger(#[from] LedgerFault),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A validated expense: what it was for, how much, and where the receipt is.
#[derive(Debug, Clone)]
pub struct NewExpense {
    pub description: String,
    pub amount: Money,
    pub receipt_url: Option<String>,
}

impl NewExpense {
    /// Checks every field and reports all broken rules at once: `description` (1–500
    /// printable characters), `amount` (see [`Money::parse`]), `receipt_url` (an
    /// http(s) URL, see [`parse_web_link`]).
    pub fn parse(
        description: &str,
        currency: &str,
        amount_minor: &serde_json::Value,
        receipt_url: Option<&str>,
    ) -> Result<Self, Vec<Violation>> {
        let mut errors = Vec::new();
        let description = parse_label("description", description, DESCRIPTION_MAX)
            .map_err(|v| errors.push(v))
            .ok();
        let amount = Money::parse(currency, amount_minor)
            .map_err(|v| errors.extend(v))
            .ok();
        let receipt_url = match receipt_url {
            Some(raw) => parse_web_link("receipt_url", raw)
                .map(Some)
                .map_err(|v| errors.push(v))
                .unwrap_or(None),
            None => None,
        };
        match (description, amount) {
            (Some(description), Some(amount)) if errors.is_empty() => Ok(NewExpense {
                description,
                amount,
                receipt_url,
            }),
            _ => Err(errors),
        }
    }
}

/// Records an expense of project `slug` and its ledger transaction; returns both.
/// Owners, maintainers and site admins only (with an API token, the `write` scope).
pub fn record(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    new: NewExpense,
    now: NaiveDateTime,
) -> Result<(ExpenseRow, TransactionId), ExpenseError> {
    who.require_write()?;
    let project =
        projects::find_by_slug(tx, slug)?.ok_or_else(|| ExpenseError::NotFound(slug.into()))?;
    super::principal::require_project_editor::<ExpenseError>(tx, who, project.id)?;
    // Before any write: concurrent expenses of this project queue here, and the balance
    // `ledger::post` reads stays true until this unit commits.
    tx.lock(RowLock::Project(project.id))?;
    // Read under the lock: an archive that committed first is seen.
    let project =
        projects::find_by_slug(tx, slug)?.ok_or_else(|| ExpenseError::NotFound(slug.into()))?;
    if project.archived_at.is_some() {
        return Err(ExpenseError::ProjectArchived);
    }
    let currency = new.amount.currency();
    if currency.code() != project.currency {
        return Err(ExpenseError::CurrencyMismatch {
            expected: project.currency,
            given: currency.code().to_owned(),
        });
    }
    let minor = new.amount.amount_minor();
    let row = store::insert(
        tx,
        &NewExpenseRow {
            project_id: project.id,
            description: &new.description,
            currency: currency.code(),
            amount_minor: minor,
            receipt_url: new.receipt_url.as_deref(),
            recorded_by: who.user_id,
            created_at: crate::db::truncate_micros(now),
        },
    )?;
    let commodity = Commodity::Money(currency);
    let transaction = NewTransaction::new(
        &new.description,
        vec![
            Entry {
                account: LedgerAccount::ExternalSpending,
                commodity: commodity.clone(),
                amount: minor,
            },
            Entry {
                account: LedgerAccount::ProjectHeld(project.id),
                commodity,
                amount: -minor,
            },
        ],
    )
    .map_err(LedgerFault::Invalid)?;
    let id = ledger::post(
        tx,
        Some(project.id),
        TransactionKind::Expense,
        &transaction,
        Links {
            expense: Some(row.id),
            ..Links::default()
        },
        Some(who.user_id),
        now,
    )?;
    Ok((row, id))
}

/// One page of project `slug`'s expenses, newest first (public).
pub fn page(
    conn: &mut AnyConnection,
    slug: &str,
    page: KeysetPage,
) -> Result<(Vec<ExpenseRow>, Option<String>), ExpenseError> {
    let project =
        projects::find_by_slug(conn, slug)?.ok_or_else(|| ExpenseError::NotFound(slug.into()))?;
    let rows = store::page(
        conn,
        project.id,
        page.before_id().map(ExpenseId),
        page.fetch(),
    )?;
    Ok(page.finish(rows, |r| r.id.get()))
}

impl From<diesel::result::Error> for ExpenseError {
    fn from(e: diesel::result::Error) -> Self {
        ExpenseError::Db(e.into())
    }
}
