//! One-time OAuth `state` values for the GitHub sign-in flow.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::oauth_states;
use crate::domain::auth::OAuthMode;
use crate::domain::ids::UserId;

pub fn insert(
    conn: &mut AnyConnection,
    state_hash: &str,
    mode: OAuthMode,
    user_id: Option<UserId>,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(oauth_states::table)
        .values((
            oauth_states::state_hash.eq(state_hash),
            oauth_states::mode.eq(mode),
            oauth_states::user_id.eq(user_id),
            oauth_states::created_at.eq(now),
            oauth_states::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes and returns `(mode, user)` of a live state; `None` if unknown, already
/// taken, or expired (an expired one is removed too).
pub fn take(
    conn: &mut AnyConnection,
    state_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(OAuthMode, Option<UserId>)>> {
    let found: Option<(i64, OAuthMode, Option<UserId>, NaiveDateTime)> = oauth_states::table
        .filter(oauth_states::state_hash.eq(state_hash))
        .select((
            oauth_states::id,
            oauth_states::mode,
            oauth_states::user_id,
            oauth_states::expires_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, mode, user_id, expires_at)) = found else {
        return Ok(None);
    };
    let n = diesel::delete(oauth_states::table.find(id)).execute(conn)?;
    Ok((n == 1 && expires_at > now).then_some((mode, user_id)))
}

pub fn purge_expired(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(oauth_states::table.filter(oauth_states::expires_at.le(now))).execute(conn)
}
