//! A project's public ledger, balances and expenses:
//! `/api/v1/projects/{slug}/ledger`, `…/ledger/{id}/reverse`, `…/balances`,
//! `…/expenses`. Parse, call `app::ledger` / `app::expenses`, answer.

use crate::api::body::JsonObject;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::app::expenses::{self, NewExpense};
use crate::app::ledger::{self, Posted};
use crate::domain::cursor::KeysetPage;
use crate::domain::ids::{ExpenseId, TransactionId};
use crate::domain::ledger::{Balances, Entry, LedgerAccount, TransactionKind};
use crate::domain::money::MAX_AMOUNT_MINOR;
use crate::store::expenses::ExpenseRow;

/// One entry of a transaction: a signed amount of one commodity in one ledger account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    /// The ledger account's path, e.g. `Assets:Projects:P12:Held` or
    /// `Expenses:Spending`. Sponsors' accounts are shown as `Income:Sponsors`, without
    /// saying whose.
    #[schema(example = "Assets:Projects:P12:Held")]
    pub account: String,
    /// An ISO 4217 currency code (`USD`) or `GPU:` and an accelerator class
    /// (`GPU:H100-80GB`).
    #[schema(example = "USD")]
    pub commodity: String,
    /// Signed integer: minor units of the currency (cents for USD, yen for JPY) or
    /// GPU-minutes. Positive is a debit, negative a credit; a transaction's entries sum
    /// to zero per commodity.
    #[schema(example = -150000)]
    pub amount: i64,
}

impl From<&Entry> for LedgerEntry {
    fn from(e: &Entry) -> Self {
        LedgerEntry {
            account: public_account(&e.account),
            commodity: e.commodity.to_string(),
            amount: e.amount,
        }
    }
}

/// An account's public name: its path, except that a sponsor's account never says whose
/// it is (whether a sponsor may be named is decided where pledges are shown).
fn public_account(account: &LedgerAccount) -> String {
    account.public_path()
}

/// A ledger transaction: entries that sum to zero per commodity. Never edited; undone
/// only by a reversal (a transaction of the negated entries).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LedgerTransaction {
    pub id: TransactionId,
    #[schema(inline)]
    pub kind: TransactionKind,
    pub description: String,
    pub occurred_at: DateTime<Utc>,
    /// The transaction this one reverses, or null.
    #[schema(required = true)]
    pub reverses_id: Option<TransactionId>,
    /// The expense this transaction records, or null.
    #[schema(required = true)]
    pub expense_id: Option<ExpenseId>,
    pub entries: Vec<LedgerEntry>,
}

impl From<Posted> for LedgerTransaction {
    fn from(p: Posted) -> Self {
        LedgerTransaction {
            id: p.row.id,
            kind: p.row.kind,
            description: p.row.description,
            occurred_at: p.row.occurred_at.and_utc(),
            reverses_id: p.row.reverses_id,
            expense_id: p.row.expense_id,
            entries: p.entries.iter().map(LedgerEntry::from).collect(),
        }
    }
}

/// One page of a project's ledger, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LedgerPage {
    pub items: Vec<LedgerTransaction>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Only transactions of this kind.
    #[param(inline)]
    pub kind: Option<TransactionKind>,
    /// Only transactions that move this commodity: an ISO 4217 code (`USD`) or `GPU:`
    /// and an accelerator class (`GPU:H100-80GB`).
    #[param(
        pattern = "^([A-Z]{3}|GPU:[A-Za-z0-9][A-Za-z0-9._-]{0,31})$",
        example = "USD"
    )]
    pub commodity: Option<String>,
    /// Only transactions on or after this day (UTC).
    pub from: Option<chrono::NaiveDate>,
    /// Only transactions on or before this day (UTC).
    pub to: Option<chrono::NaiveDate>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// A project's public ledger, newest first, by keyset cursor, filtered by kind,
/// commodity and day range (the same filters as the CSV and Beancount exports).
#[utoipa::path(
    tag = "ledger",
    params(("slug" = String, Path, description = "The project's slug"), LedgerQuery),
    responses(
        (status = 200, description = "One page of transactions", body = LedgerPage),
        (status = 400, description = "Invalid query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/ledger")]
pub async fn list_ledger(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<LedgerQuery>,
) -> Result<web::Json<LedgerPage>, ApiError> {
    let query = query.into_inner();
    let filter = super::exports::ledger_filter(
        query.kind,
        query.commodity.as_deref(),
        query.from,
        query.to,
    )?;
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    let slug = slug.into_inner();
    let (items, next_cursor) = state
        .services
        .db
        .read(move |conn| ledger::page(conn, &slug, &filter, page))
        .await?;
    Ok(web::Json(LedgerPage {
        items: items.into_iter().map(LedgerTransaction::from).collect(),
        next_cursor,
    }))
}

/// Undo a transaction by posting its exact negation. Owners, maintainers and site
/// admins; a transaction is reversed once.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("id" = i64, Path, description = "The transaction to reverse")
    ),
    responses(
        (status = 201, description = "The reversal", body = LedgerTransaction),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project or transaction", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reversed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Undoing it would overdraw the project", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/ledger/{id}/reverse")]
pub async fn reverse_transaction(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let who = caller.0;
    let posted = state
        .services
        .db
        .write(move |tx| ledger::reverse(tx, &who, &slug, TransactionId(id), crate::db::now()))
        .await?;
    Ok(HttpResponse::Created().json(LedgerTransaction::from(posted)))
}

/// A balance: what one of the project's ledger accounts holds of one commodity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Balance {
    #[schema(example = "Assets:Projects:P12:Held")]
    pub account: String,
    #[schema(example = "USD")]
    pub commodity: String,
    /// Signed integer, in the commodity's unit (see [`LedgerEntry::amount`]).
    pub amount: i64,
}

/// A project's balances, derived from its ledger entries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectBalances {
    pub balances: Vec<Balance>,
}

pub(crate) fn balances_view(b: &Balances) -> Vec<Balance> {
    b.iter()
        .map(|(account, commodity, amount)| Balance {
            account: public_account(account),
            commodity: commodity.to_string(),
            amount,
        })
        .collect()
}

/// A project's balances per ledger account and commodity (never stored: summed from
/// the entries).
#[utoipa::path(
    tag = "ledger",
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "Balances", body = ProjectBalances),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/balances")]
pub async fn project_balances(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<ProjectBalances>, ApiError> {
    let slug = slug.into_inner();
    let balances = state
        .services
        .db
        .read(move |conn| ledger::project_balances(conn, &slug))
        .await?;
    Ok(web::Json(ProjectBalances {
        balances: balances_view(&balances),
    }))
}

/// Money in JSON: an ISO 4217 code and a positive integer of its minor units.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MoneyInput {
    #[schema(pattern = "^[A-Z]{3}$", example = "USD")]
    pub currency: String,
    /// Minor units (cents for USD, yen for JPY, fils for KWD): a JSON integer.
    #[schema(value_type = i64, minimum = 1, maximum = 10_000_000_000_000_i64, example = 150000)]
    pub amount_minor: serde_json::Value,
}

/// Money as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MoneyView {
    #[schema(example = "USD")]
    pub currency: String,
    #[schema(example = 150000)]
    pub amount_minor: i64,
}

/// A request to record an expense.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateExpense {
    /// What the money was spent on.
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Cloud storage for the dataset, March"
    )]
    pub description: String,
    /// In the project's currency.
    pub amount: MoneyInput,
    /// Where the receipt is: an absolute http(s) URL.
    #[schema(format = "uri", max_length = 2000)]
    pub receipt_url: Option<String>,
}

/// An expense and the ledger transaction that records it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Expense {
    pub id: ExpenseId,
    pub description: String,
    pub amount: MoneyView,
    #[schema(required = true)]
    pub receipt_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<ExpenseRow> for Expense {
    fn from(r: ExpenseRow) -> Self {
        Expense {
            id: r.id,
            description: r.description,
            amount: MoneyView {
                currency: r.currency,
                amount_minor: r.amount_minor,
            },
            receipt_url: r.receipt_url,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// The answer to recording an expense.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordedExpense {
    pub expense: Expense,
    pub transaction_id: TransactionId,
}

/// Record money the project spent. Owners, maintainers and site admins; refused with
/// 422 `insufficient_funds` if the project holds less than the amount, and
/// `currency_mismatch` unless it is in the project's currency; 409 `project_archived`
/// for an archived project.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = CreateExpense,
    responses(
        (status = 201, description = "Recorded", body = RecordedExpense),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project is archived (`project_archived`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, another currency, or not enough funds", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/expenses")]
pub async fn create_expense(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: JsonObject<CreateExpense>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewExpense::parse(
        &body.description,
        &body.amount.currency,
        &body.amount.amount_minor,
        body.receipt_url.as_deref(),
    )
    .map_err(ApiError::validation)?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let (row, transaction_id) = state
        .services
        .db
        .write(move |tx| expenses::record(tx, &who, &slug, new, crate::db::now()))
        .await?;
    Ok(HttpResponse::Created().json(RecordedExpense {
        expense: Expense::from(row),
        transaction_id,
    }))
}

/// One page of a project's expenses, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExpensePage {
    pub items: Vec<Expense>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// A project's expenses, newest first (public).
#[utoipa::path(
    tag = "ledger",
    params(("slug" = String, Path, description = "The project's slug"), PageQuery),
    responses(
        (status = 200, description = "One page of expenses", body = ExpensePage),
        (status = 400, description = "Invalid query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/expenses")]
pub async fn list_expenses(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<ExpensePage>, ApiError> {
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    let slug = slug.into_inner();
    let (rows, next_cursor) = state
        .services
        .db
        .read(move |conn| expenses::page(conn, &slug, page))
        .await?;
    Ok(web::Json(ExpensePage {
        items: rows.into_iter().map(Expense::from).collect(),
        next_cursor,
    }))
}

const _: () = assert!(MAX_AMOUNT_MINOR == 10_000_000_000_000);
