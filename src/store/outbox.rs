//! Queries on the mail `outbox`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::outbox;
use crate::mail::templates::Rendered;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub fn insert(
    conn: &mut AnyConnection,
    to: &str,
    mail: &Rendered,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::to_address.eq(to),
            outbox::subject.eq(&mail.subject),
            outbox::text_body.eq(&mail.text),
            outbox::html_body.eq(&mail.html),
            outbox::created_at.eq(now),
            outbox::attempts.eq(0),
        ))
        .returning(outbox::id)
        .get_result(conn)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

pub fn mark_sent(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(now),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed_attempt(conn: &mut AnyConnection, id: i64, error: &str) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Newest first; only unsent messages unless `all`.
pub fn list(
    conn: &mut AnyConnection,
    all: bool,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<OutboxRow>, i64)> {
    let mut count = outbox::table.into_boxed();
    let mut rows = outbox::table.select(OutboxRow::as_select()).into_boxed();
    if !all {
        count = count.filter(outbox::sent_at.is_null());
        rows = rows.filter(outbox::sent_at.is_null());
    }
    let total = count.count().get_result(conn)?;
    let rows = rows
        .order(outbox::id.desc())
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    Ok((rows, total))
}
