//! Sessions (refresh-token families) and their rotating refresh tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{refresh_tokens, sessions};

pub fn create(conn: &mut AnyConnection, account_id: i64, now: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::account_id.eq(account_id),
            sessions::created_at.eq(now),
        ))
        .returning(sessions::id)
        .get_result(conn)
}

/// Is the session live, and whose is it?
pub fn active_account(conn: &mut AnyConnection, session_id: i64) -> QueryResult<Option<i64>> {
    sessions::table
        .find(session_id)
        .filter(sessions::revoked_at.is_null())
        .select(sessions::account_id)
        .first(conn)
        .optional()
}

pub fn revoke(
    conn: &mut AnyConnection,
    session_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(session_id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoke_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn revoke_all(
    conn: &mut AnyConnection,
    account_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    revoke_all_except(conn, account_id, None, reason, now)
}

/// Revokes every live session of the account but `keep`.
pub fn revoke_all_except(
    conn: &mut AnyConnection,
    account_id: i64,
    keep: Option<i64>,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::account_id.eq(account_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep.unwrap_or(-1))),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoke_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn add_refresh_token(
    conn: &mut AnyConnection,
    session_id: i64,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Queryable)]
pub struct RefreshLookup {
    pub token_id: i64,
    pub session_id: i64,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub account_id: i64,
    pub session_revoked_at: Option<NaiveDateTime>,
}

pub fn find_refresh_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> QueryResult<Option<RefreshLookup>> {
    refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            refresh_tokens::id,
            refresh_tokens::session_id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            sessions::account_id,
            sessions::revoked_at,
        ))
        .first(conn)
        .optional()
}

/// Marks a refresh token spent; false when another request spent it first.
pub fn spend_refresh_token(
    conn: &mut AnyConnection,
    token_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .find(token_id)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}
