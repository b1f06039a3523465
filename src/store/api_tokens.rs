//! Personal API tokens: named, scoped, stored as hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{accounts, api_tokens};
use crate::store::accounts::AccountRow;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut AnyConnection,
    account_id: i64,
    name: &str,
    token_hash: &str,
    prefix: &str,
    scopes: &str,
    now: NaiveDateTime,
) -> QueryResult<ApiTokenRow> {
    let id: i64 = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::account_id.eq(account_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::prefix.eq(prefix),
            api_tokens::scopes.eq(scopes),
            api_tokens::created_at.eq(now),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?;
    api_tokens::table
        .find(id)
        .select(ApiTokenRow::as_select())
        .first(conn)
}

pub fn list(conn: &mut AnyConnection, account_id: i64) -> QueryResult<Vec<ApiTokenRow>> {
    api_tokens::table
        .filter(api_tokens::account_id.eq(account_id))
        .order(api_tokens::id.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut AnyConnection, account_id: i64) -> QueryResult<i64> {
    api_tokens::table
        .filter(api_tokens::account_id.eq(account_id))
        .count()
        .get_result(conn)
}

pub fn delete(conn: &mut AnyConnection, account_id: i64, id: i64) -> QueryResult<bool> {
    let n = diesel::delete(
        api_tokens::table
            .find(id)
            .filter(api_tokens::account_id.eq(account_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// The token with this hash, and its owner.
pub fn find_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> QueryResult<Option<(ApiTokenRow, AccountRow)>> {
    api_tokens::table
        .inner_join(accounts::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .select((ApiTokenRow::as_select(), AccountRow::as_select()))
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}
