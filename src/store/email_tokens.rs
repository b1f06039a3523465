//! Single-use, expiring tokens sent by mail (verification, password reset, email change).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::email_tokens;

pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";
pub const CHANGE_EMAIL: &str = "change_email";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_tokens)]
pub struct EmailTokenRow {
    pub id: i64,
    pub account_id: i64,
    pub purpose: String,
    pub token_hash: String,
    pub new_email: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut AnyConnection,
    account_id: i64,
    purpose: &str,
    token_hash: &str,
    new_email: Option<&str>,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::account_id.eq(account_id),
            email_tokens::purpose.eq(purpose),
            email_tokens::token_hash.eq(token_hash),
            email_tokens::new_email.eq(new_email),
            email_tokens::created_at.eq(now),
            email_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Spends an unused, unexpired token of one of `purposes`; `None` if there is none.
pub fn consume(
    conn: &mut AnyConnection,
    token_hash: &str,
    purposes: &[&str],
    now: NaiveDateTime,
) -> QueryResult<Option<EmailTokenRow>> {
    let Some(row) = email_tokens::table
        .filter(email_tokens::token_hash.eq(token_hash))
        .filter(
            email_tokens::purpose
                .eq_any(purposes.iter().map(|p| p.to_string()).collect::<Vec<_>>()),
        )
        .filter(email_tokens::used_at.is_null())
        .filter(email_tokens::expires_at.gt(now))
        .select(EmailTokenRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let n = diesel::update(
        email_tokens::table
            .find(row.id)
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok((n == 1).then_some(row))
}

/// Invalidates the account's outstanding tokens of a purpose (e.g. after a reset).
pub fn invalidate(
    conn: &mut AnyConnection,
    account_id: i64,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        email_tokens::table
            .filter(email_tokens::account_id.eq(account_id))
            .filter(email_tokens::purpose.eq(purpose))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(())
}
