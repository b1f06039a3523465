//! `Idempotency-Key` records: per caller and operation, the first request's body hash
//! and its response.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::UserId;
use crate::per_backend;

/// A stored key: the hash of the body it was first used with, and the response.
/// `response_status` is 0 while the first request's unit of work is still running
/// (nobody else can see that: the row commits with the response).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct KeyRow {
    pub id: i64,
    pub request_hash: String,
    pub response_status: i32,
    pub response_body: String,
}

/// Claims `key` for this unit of work; `true` if this unit inserted it. When another
/// unit holds the same key uncommitted, PostgreSQL makes this insert wait for it, so a
/// `false` always comes with a committed row to read.
pub fn claim(
    conn: &mut AnyConnection,
    user: UserId,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = per_backend!(conn, |c| diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user),
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::response_status.eq(0),
            idempotency_keys::response_body.eq(""),
            idempotency_keys::created_at.eq(now),
        ))
        .on_conflict((
            idempotency_keys::user_id,
            idempotency_keys::scope,
            idempotency_keys::key,
        ))
        .do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

pub fn find(
    conn: &mut AnyConnection,
    user: UserId,
    scope: &str,
    key: &str,
) -> QueryResult<Option<KeyRow>> {
    idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user))
        .filter(idempotency_keys::scope.eq(scope))
        .filter(idempotency_keys::key.eq(key))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

/// Stores the response of the request that claimed the key.
pub fn complete(
    conn: &mut AnyConnection,
    user: UserId,
    scope: &str,
    key: &str,
    status: i32,
    body: &str,
) -> QueryResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user))
            .filter(idempotency_keys::scope.eq(scope))
            .filter(idempotency_keys::key.eq(key)),
    )
    .set((
        idempotency_keys::response_status.eq(status),
        idempotency_keys::response_body.eq(body),
    ))
    .execute(conn)?;
    Ok(())
}
