//! Personal API tokens: named, scoped, optionally expiring, stored as hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{api_tokens, pledge_tokens, users};
use crate::domain::ids::{ApiTokenId, PledgeId, UserId};
use crate::store::users::UserRow;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    /// Comma-separated, see `domain::auth::Scopes`.
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    /// Set for a token scoped to one compute pledge (a `pledge_tokens` row): it may
    /// only report that pledge's deliveries. Every query of this row left-joins
    /// `pledge_tokens`.
    #[diesel(select_expression = pledge_tokens::pledge_id.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<pledge_tokens::pledge_id>)]
    pub pledge_id: Option<PledgeId>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub user_id: UserId,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub scopes: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, token: &NewApiToken<'_>) -> QueryResult<ApiTokenRow> {
    let id: ApiTokenId = diesel::insert_into(api_tokens::table)
        .values(token)
        .returning(api_tokens::id)
        .get_result(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut AnyConnection, id: ApiTokenId) -> QueryResult<ApiTokenRow> {
    api_tokens::table
        .left_join(pledge_tokens::table)
        .filter(api_tokens::id.eq(id))
        .select(ApiTokenRow::as_select())
        .first(conn)
}

/// Scopes token `token` to compute pledge `pledge` (see [`ApiTokenRow::pledge_id`]).
pub fn scope_to_pledge(
    conn: &mut AnyConnection,
    token: ApiTokenId,
    pledge: PledgeId,
) -> QueryResult<()> {
    diesel::insert_into(pledge_tokens::table)
        .values((
            pledge_tokens::token_id.eq(token),
            pledge_tokens::pledge_id.eq(pledge),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut AnyConnection, user_id: UserId) -> QueryResult<Vec<ApiTokenRow>> {
    api_tokens::table
        .left_join(pledge_tokens::table)
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut AnyConnection, user_id: UserId) -> QueryResult<i64> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .count()
        .get_result(conn)
}

pub fn delete(conn: &mut AnyConnection, user_id: UserId, id: ApiTokenId) -> QueryResult<bool> {
    let n = diesel::delete(
        api_tokens::table
            .find(id)
            .filter(api_tokens::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every token of the user; returns how many there were.
pub fn delete_all(conn: &mut AnyConnection, user_id: UserId) -> QueryResult<usize> {
    diesel::delete(api_tokens::table.filter(api_tokens::user_id.eq(user_id))).execute(conn)
}

/// The token with this hash, and its owner.
pub fn find_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> QueryResult<Option<(ApiTokenRow, UserRow)>> {
    api_tokens::table
        .inner_join(users::table)
        .left_join(pledge_tokens::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .select((ApiTokenRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut AnyConnection, id: ApiTokenId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}
