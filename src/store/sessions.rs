//! Sessions (refresh-token families) and their rotating refresh tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{refresh_tokens, sessions};
use crate::domain::auth::AuthMethod;
use crate::domain::ids::{SessionId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
    pub auth_method: AuthMethod,
    pub authenticated_at: NaiveDateTime,
}

pub fn create(
    conn: &mut AnyConnection,
    user_id: UserId,
    method: AuthMethod,
    now: NaiveDateTime,
) -> QueryResult<SessionId> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::auth_method.eq(method),
            sessions::authenticated_at.eq(now),
        ))
        .returning(sessions::id)
        .get_result(conn)
}

/// The session if it is live (not revoked).
pub fn find_live(conn: &mut AnyConnection, id: SessionId) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .filter(sessions::revoked_at.is_null())
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn revoke(
    conn: &mut AnyConnection,
    id: SessionId,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoke_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(())
}

/// Revokes every live session of the user but `keep`; returns how many.
pub fn revoke_all_except(
    conn: &mut AnyConnection,
    user_id: UserId,
    keep: Option<SessionId>,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut query = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(sessions::id.ne(keep));
    }
    query
        .set((
            sessions::revoked_at.eq(now),
            sessions::revoke_reason.eq(reason),
        ))
        .execute(conn)
}

pub fn add_refresh_token(
    conn: &mut AnyConnection,
    session_id: SessionId,
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

/// A refresh token with the session it belongs to.
#[derive(Debug, Queryable)]
pub struct RefreshLookup {
    pub token_id: i64,
    pub session_id: SessionId,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub user_id: UserId,
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
            sessions::user_id,
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

/// When the token was spent (after a concurrent request spent it).
pub fn refresh_token_used_at(
    conn: &mut AnyConnection,
    token_id: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    refresh_tokens::table
        .find(token_id)
        .select(refresh_tokens::used_at)
        .first(conn)
}

/// Deletes refresh tokens spent or expired before `before`, sessions revoked before it
/// (with their tokens), and sessions started before it that have no refresh token
/// left (their last one expired: nobody can use them again); returns the rows removed.
pub fn purge(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let tokens = diesel::delete(
        refresh_tokens::table.filter(
            refresh_tokens::used_at
                .lt(before)
                .or(refresh_tokens::expires_at.lt(before)),
        ),
    )
    .execute(conn)?;
    let revoked =
        diesel::delete(sessions::table.filter(sessions::revoked_at.lt(before))).execute(conn)?;
    let ended = diesel::delete(
        sessions::table
            .filter(sessions::created_at.lt(before))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                refresh_tokens::table.filter(refresh_tokens::session_id.eq(sessions::id)),
            ))),
    )
    .execute(conn)?;
    Ok(tokens + revoked + ended)
}
