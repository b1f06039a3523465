//! Queries on the `expenses` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::expenses;
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::{ExpenseId, ProjectId, UserId};
use crate::per_backend;

/// A row of `expenses`: money a project spent, in its currency's minor units.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = expenses)]
pub struct ExpenseRow {
    pub id: ExpenseId,
    pub project_id: ProjectId,
    pub description: String,
    pub currency: String,
    pub amount_minor: i64,
    pub receipt_url: Option<String>,
    pub recorded_by: UserId,
    pub created_at: NaiveDateTime,
}

/// A new expense row.
#[derive(Debug, Insertable)]
#[diesel(table_name = expenses)]
pub struct NewExpenseRow<'a> {
    pub project_id: ProjectId,
    pub description: &'a str,
    pub currency: &'a str,
    pub amount_minor: i64,
    pub receipt_url: Option<&'a str>,
    pub recorded_by: UserId,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &NewExpenseRow<'_>) -> Result<ExpenseRow, DbError> {
    Ok(per_backend!(conn, |c| diesel::insert_into(
        expenses::table
    )
    .values(row)
    .returning(ExpenseRow::as_returning())
    .get_result(c))?)
}

/// One page of a project's expenses, newest first, below the keyset cursor `before`.
pub fn page(
    conn: &mut AnyConnection,
    project: ProjectId,
    before: Option<ExpenseId>,
    limit: i64,
) -> QueryResult<Vec<ExpenseRow>> {
    let mut query = expenses::table
        .filter(expenses::project_id.eq(project))
        .select(ExpenseRow::as_select())
        .order(expenses::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(expenses::id.lt(before));
    }
    query.load(conn)
}
