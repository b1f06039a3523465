//! Single-use, expiring tokens sent by mail (verification, password reset, email change).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::email_tokens;
use crate::domain::auth::EmailPurpose;
use crate::domain::ids::{SessionId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_tokens)]
pub struct EmailTokenRow {
    pub id: i64,
    pub user_id: UserId,
    pub purpose: EmailPurpose,
    pub token_hash: String,
    pub new_email: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub session_id: Option<SessionId>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = email_tokens)]
pub struct NewEmailToken<'a> {
    pub user_id: UserId,
    pub purpose: EmailPurpose,
    pub token_hash: &'a str,
    pub new_email: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub session_id: Option<SessionId>,
}

pub fn insert(conn: &mut AnyConnection, token: &NewEmailToken<'_>) -> QueryResult<()> {
    diesel::insert_into(email_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

/// The token with this hash, whatever its state.
pub fn find(conn: &mut AnyConnection, token_hash: &str) -> QueryResult<Option<EmailTokenRow>> {
    email_tokens::table
        .filter(email_tokens::token_hash.eq(token_hash))
        .select(EmailTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Spends the token if it is unused, unexpired and one of `purposes`; `None` otherwise.
pub fn consume(
    conn: &mut AnyConnection,
    token_hash: &str,
    purposes: &[EmailPurpose],
    now: NaiveDateTime,
) -> QueryResult<Option<EmailTokenRow>> {
    let Some(row) = find(conn, token_hash)? else {
        return Ok(None);
    };
    if !purposes.contains(&row.purpose) || row.used_at.is_some() || row.expires_at <= now {
        return Ok(None);
    }
    let n = diesel::update(
        email_tokens::table
            .find(row.id)
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok((n == 1).then_some(row))
}

/// Invalidates the user's outstanding tokens of one purpose, or of every purpose.
pub fn invalidate(
    conn: &mut AnyConnection,
    user_id: UserId,
    purpose: Option<EmailPurpose>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut query = diesel::update(email_tokens::table)
        .filter(email_tokens::user_id.eq(user_id))
        .filter(email_tokens::used_at.is_null())
        .into_boxed();
    if let Some(purpose) = purpose {
        query = query.filter(email_tokens::purpose.eq(purpose));
    }
    query.set(email_tokens::used_at.eq(now)).execute(conn)
}

/// Deletes tokens used or expired before `before`.
pub fn purge(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        email_tokens::table.filter(
            email_tokens::used_at
                .lt(before)
                .or(email_tokens::expires_at.lt(before)),
        ),
    )
    .execute(conn)
}
