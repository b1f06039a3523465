//! Queries on the ledger tables. Accounts are rows created on first use (keyed by their
//! path, see [`LedgerAccount::path`]); a transaction is one `ledger_transactions` row and
//! its `ledger_entries`; balances are sums of entries, never stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::db::schema::{ledger_accounts, ledger_entries, ledger_transactions};
use crate::db::{AnyConnection, DbError};
use crate::domain::exports::LedgerFilter;
use crate::domain::ids::{
    DeliveryId, ExpenseId, InstalmentId, LedgerAccountId, PledgeId, ProjectId, TransactionId,
    UserId,
};
use crate::domain::ledger::{AccountKind, Commodity, Entry, LedgerAccount, TransactionKind};
use crate::per_backend;

/// A row of `ledger_transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ledger_transactions)]
pub struct TransactionRow {
    pub id: TransactionId,
    pub project_id: Option<ProjectId>,
    pub kind: TransactionKind,
    pub description: String,
    pub occurred_at: NaiveDateTime,
    pub created_by: Option<UserId>,
    pub reverses_id: Option<TransactionId>,
    pub pledge_id: Option<PledgeId>,
    /// The instalment a receipt records (monthly pledges).
    pub instalment_id: Option<InstalmentId>,
    /// The delivery report a delivery transaction records.
    pub delivery_id: Option<DeliveryId>,
    pub expense_id: Option<ExpenseId>,
    pub created_at: NaiveDateTime,
}

/// What a new transaction row records besides its entries.
#[derive(Debug, Clone)]
pub struct NewTransactionRow<'a> {
    /// The project it concerns, which lists it in its public ledger.
    pub project_id: Option<ProjectId>,
    pub kind: TransactionKind,
    pub description: &'a str,
    pub occurred_at: NaiveDateTime,
    pub created_by: Option<UserId>,
    pub reverses_id: Option<TransactionId>,
    pub pledge_id: Option<PledgeId>,
    pub instalment_id: Option<InstalmentId>,
    pub delivery_id: Option<DeliveryId>,
    pub expense_id: Option<ExpenseId>,
}

#[derive(Insertable)]
#[diesel(table_name = ledger_transactions)]
struct TransactionInsert<'a> {
    project_id: Option<ProjectId>,
    kind: TransactionKind,
    description: &'a str,
    occurred_at: NaiveDateTime,
    created_by: Option<UserId>,
    reverses_id: Option<TransactionId>,
    pledge_id: Option<PledgeId>,
    instalment_id: Option<InstalmentId>,
    delivery_id: Option<DeliveryId>,
    expense_id: Option<ExpenseId>,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = ledger_entries)]
struct EntryInsert {
    transaction_id: TransactionId,
    account_id: LedgerAccountId,
    commodity: String,
    amount: i64,
}

#[derive(Insertable)]
#[diesel(table_name = ledger_accounts)]
struct AccountInsert {
    path: String,
    kind: AccountKind,
    project_id: Option<ProjectId>,
    user_id: Option<UserId>,
    created_at: NaiveDateTime,
}

/// The id of `account`'s row, creating the row on first use. Safe when two units create
/// the same account at once (the path is unique; the loser inserts nothing).
pub fn account_id(
    conn: &mut AnyConnection,
    account: &LedgerAccount,
    now: NaiveDateTime,
) -> Result<LedgerAccountId, DbError> {
    let row = AccountInsert {
        path: account.path(),
        kind: account.kind(),
        project_id: account.project(),
        user_id: account.sponsor(),
        created_at: now,
    };
    per_backend!(conn, |c| diesel::insert_into(ledger_accounts::table)
        .values(&row)
        .on_conflict(ledger_accounts::path)
        .do_nothing()
        .execute(c))?;
    Ok(ledger_accounts::table
        .filter(ledger_accounts::path.eq(&row.path))
        .select(ledger_accounts::id)
        .first(conn)?)
}

/// Writes a transaction and its entries (already checked to balance, see
/// [`crate::domain::ledger::NewTransaction`]); returns its id.
pub fn insert_transaction(
    conn: &mut AnyConnection,
    row: &NewTransactionRow<'_>,
    entries: &[Entry],
    now: NaiveDateTime,
) -> Result<TransactionId, DbError> {
    let id: TransactionId = diesel::insert_into(ledger_transactions::table)
        .values(&TransactionInsert {
            project_id: row.project_id,
            kind: row.kind,
            description: row.description,
            occurred_at: crate::db::truncate_micros(row.occurred_at),
            created_by: row.created_by,
            reverses_id: row.reverses_id,
            pledge_id: row.pledge_id,
            instalment_id: row.instalment_id,
            delivery_id: row.delivery_id,
            expense_id: row.expense_id,
            created_at: crate::db::truncate_micros(now),
        })
        .returning(ledger_transactions::id)
        .get_result(conn)?;
    // One statement per entry: a transaction has a handful, and diesel cannot send a
    // multi-row insert through the backend enum.
    for e in entries {
        let entry = EntryInsert {
            transaction_id: id,
            account_id: account_id(conn, &e.account, now)?,
            commodity: e.commodity.to_string(),
            amount: e.amount,
        };
        diesel::insert_into(ledger_entries::table)
            .values(&entry)
            .execute(conn)?;
    }
    Ok(id)
}

/// One transaction by id.
pub fn find_transaction(
    conn: &mut AnyConnection,
    id: TransactionId,
) -> QueryResult<Option<TransactionRow>> {
    ledger_transactions::table
        .find(id)
        .select(TransactionRow::as_select())
        .first(conn)
        .optional()
}

/// Whether `id` has been reversed.
pub fn is_reversed(conn: &mut AnyConnection, id: TransactionId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        ledger_transactions::table.filter(ledger_transactions::reverses_id.eq(id)),
    ))
    .get_result(conn)
}

/// An entry as stored, with its account spelled out.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct StoredEntry {
    #[diesel(sql_type = BigInt)]
    pub transaction_id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub project_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub user_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub commodity: String,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
}

impl StoredEntry {
    /// The entry as a domain value. Errors: a row no valid posting could have written.
    pub fn to_entry(&self) -> Result<Entry, DbError> {
        entry(
            &self.kind,
            self.project_id,
            self.user_id,
            &self.commodity,
            self.amount,
        )
    }
}

/// An entry from the stored spelling of its account (kind and owner), commodity and
/// amount. Errors: a row no valid posting could have written.
fn entry(
    kind: &str,
    project_id: Option<i64>,
    user_id: Option<i64>,
    commodity: &str,
    amount: i64,
) -> Result<Entry, DbError> {
    let bad = |what: &str| DbError::Corrupt(format!("ledger entry: {what}"));
    let kind: AccountKind = kind.parse().map_err(|_| bad("account kind"))?;
    let account = LedgerAccount::from_parts(kind, project_id.map(ProjectId), user_id.map(UserId))
        .map_err(|_| bad("account owner"))?;
    let commodity = Commodity::parse("commodity", commodity).map_err(|_| bad("commodity"))?;
    Ok(Entry {
        account,
        commodity,
        amount,
    })
}

const ENTRY_COLUMNS: &str = "e.transaction_id, a.kind, a.project_id, a.user_id, e.commodity, e.amount \
     FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id";

/// The entries of the transactions `ids`, in entry order.
pub fn entries_of(
    conn: &mut AnyConnection,
    ids: &[TransactionId],
) -> Result<Vec<StoredEntry>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are integers, so listing them in the statement is safe; a page holds at most
    // a hundred.
    let list = ids
        .iter()
        .map(|i| i.get().to_string())
        .collect::<Vec<_>>()
        .join(",");
    Ok(diesel::sql_query(format!(
        "SELECT {ENTRY_COLUMNS} WHERE e.transaction_id IN ({list}) ORDER BY e.transaction_id, e.id"
    ))
    .load(conn)?)
}

/// A balance: the sum of every entry of one account in one commodity.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct StoredBalance {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub project_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub user_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub commodity: String,
    #[diesel(sql_type = BigInt)]
    pub balance: i64,
}

impl StoredBalance {
    /// The balance as an entry of its account (the sum of every entry posted to it).
    /// Errors: a row no valid posting could have written.
    pub fn to_entry(&self) -> Result<Entry, DbError> {
        entry(
            &self.kind,
            self.project_id,
            self.user_id,
            &self.commodity,
            self.balance,
        )
    }
}

/// The balances of a project's own accounts, per account and commodity. The sum is
/// computed by the database over integers (BIGINT on PostgreSQL, INTEGER on SQLite; a
/// sum outside the `i64` range is an error there, never a wrap).
pub fn project_balances(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> Result<Vec<StoredBalance>, DbError> {
    Ok(diesel::sql_query(
        "SELECT a.kind, a.project_id, a.user_id, e.commodity, \
                CAST(SUM(e.amount) AS BIGINT) AS balance \
         FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id \
         WHERE a.project_id = $1 \
         GROUP BY a.kind, a.project_id, a.user_id, e.commodity \
         ORDER BY a.kind, e.commodity",
    )
    .bind::<BigInt, _>(project.get())
    .load(conn)?)
}

/// One page of a project's transactions, newest first, after the keyset cursor `before`
/// (a transaction id), filtered by `filter`.
pub fn project_transactions(
    conn: &mut AnyConnection,
    project: ProjectId,
    filter: &LedgerFilter,
    before: Option<TransactionId>,
    limit: i64,
) -> QueryResult<Vec<TransactionRow>> {
    transactions(conn, project, filter, Walk::NewestFirst { before }, limit)
}

/// Up to `limit` of a project's transactions in ascending id order, after `after` and
/// up to `last` inclusive (the exports page through a fixed range, so rows posted while
/// they run are left out), filtered by `filter`.
pub fn project_transactions_ascending(
    conn: &mut AnyConnection,
    project: ProjectId,
    filter: &LedgerFilter,
    after: Option<TransactionId>,
    last: TransactionId,
    limit: i64,
) -> QueryResult<Vec<TransactionRow>> {
    transactions(
        conn,
        project,
        filter,
        Walk::OldestFirst { after, last },
        limit,
    )
}

/// The newest transaction id of a project, if it has any.
pub fn last_transaction_id(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> QueryResult<Option<TransactionId>> {
    ledger_transactions::table
        .filter(ledger_transactions::project_id.eq(project))
        .select(diesel::dsl::max(ledger_transactions::id))
        .first(conn)
}

enum Walk {
    NewestFirst {
        before: Option<TransactionId>,
    },
    OldestFirst {
        after: Option<TransactionId>,
        last: TransactionId,
    },
}

fn transactions(
    conn: &mut AnyConnection,
    project: ProjectId,
    filter: &LedgerFilter,
    walk: Walk,
    limit: i64,
) -> QueryResult<Vec<TransactionRow>> {
    let mut query = ledger_transactions::table
        .filter(ledger_transactions::project_id.eq(project))
        .select(TransactionRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(ledger_transactions::kind.eq(kind));
    }
    if let Some(commodity) = &filter.commodity {
        query = query.filter(
            ledger_transactions::id.eq_any(
                ledger_entries::table
                    .filter(ledger_entries::commodity.eq(commodity.clone()))
                    .select(ledger_entries::transaction_id),
            ),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(ledger_transactions::occurred_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(ledger_transactions::occurred_at.lt(until));
    }
    match walk {
        Walk::NewestFirst { before } => {
            query = query.order(ledger_transactions::id.desc());
            if let Some(before) = before {
                query = query.filter(ledger_transactions::id.lt(before));
            }
        }
        Walk::OldestFirst { after, last } => {
            query = query
                .order(ledger_transactions::id.asc())
                .filter(ledger_transactions::id.le(last));
            if let Some(after) = after {
                query = query.filter(ledger_transactions::id.gt(after));
            }
        }
    }
    query.load(conn)
}
