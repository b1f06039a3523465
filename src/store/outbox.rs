//! Queries on the mail `outbox`. A message's body can carry a live link, so it is kept
//! only until it is delivered or `purge_body_at` passes; the metadata stays.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::outbox;
use crate::domain::ids::OutboxId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: OutboxId,
    pub to_address: String,
    pub subject: String,
    /// `None` once delivered or purged.
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Which template rendered it, e.g. `reset_password`.
    pub template: String,
    pub purge_body_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewMessage<'a> {
    pub to_address: &'a str,
    pub subject: &'a str,
    pub text_body: Option<&'a str>,
    pub html_body: Option<&'a str>,
    pub template: &'a str,
    pub created_at: NaiveDateTime,
    pub purge_body_at: Option<NaiveDateTime>,
    pub attempts: i32,
}

pub fn insert(conn: &mut AnyConnection, message: &NewMessage<'_>) -> QueryResult<OutboxId> {
    diesel::insert_into(outbox::table)
        .values(message)
        .returning(outbox::id)
        .get_result(conn)
}

pub fn find(conn: &mut AnyConnection, id: OutboxId) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a message delivered and drops its body.
pub fn mark_sent(conn: &mut AnyConnection, id: OutboxId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(now),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(None::<String>),
            outbox::text_body.eq(None::<String>),
            outbox::html_body.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed_attempt(conn: &mut AnyConnection, id: OutboxId, error: &str) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Newest first; only unsent messages unless `all`; `limit` rows with ids below
/// `before_id`.
pub fn list(
    conn: &mut AnyConnection,
    all: bool,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut rows = outbox::table.select(OutboxRow::as_select()).into_boxed();
    if !all {
        rows = rows.filter(outbox::sent_at.is_null());
    }
    if let Some(before) = before_id {
        rows = rows.filter(outbox::id.lt(OutboxId(before)));
    }
    rows.order(outbox::id.desc()).limit(limit).load(conn)
}

/// Unsent messages created at or after `not_before` that still have a body and whose
/// delivery has not failed for good, oldest first: what to hand to a worker once SMTP
/// is configured. A message whose delivery job (`job_kind`, unique key the message id)
/// failed waits for an admin to retry that job instead.
pub fn deliverable(
    conn: &mut AnyConnection,
    job_kind: &str,
    not_before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxId>> {
    use diesel::sql_types::{Nullable, Text};

    use crate::db::schema::jobs;
    use crate::store::jobs::JobState;
    let failed_delivery = jobs::table
        .filter(jobs::kind.eq(job_kind))
        .filter(jobs::state.eq(JobState::Failed))
        .filter(jobs::unique_key.eq(diesel::dsl::sql::<Nullable<Text>>(
            "CAST(outbox.id AS TEXT)",
        )));
    outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::text_body.is_not_null())
        .filter(outbox::created_at.ge(not_before))
        .filter(diesel::dsl::not(diesel::dsl::exists(failed_delivery)))
        .order(outbox::id.asc())
        .limit(limit)
        .select(outbox::id)
        .load(conn)
}

/// Recorded as `last_error` of a message whose link expired before delivery.
pub const LINK_EXPIRED: &str = "not delivered before its link expired; the body was removed";

/// Drops the bodies of unsent messages whose link has expired; returns how many.
pub fn purge_expired_bodies(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::sent_at.is_null())
            .filter(outbox::text_body.is_not_null())
            .filter(outbox::purge_body_at.le(now)),
    )
    .set((
        outbox::text_body.eq(None::<String>),
        outbox::html_body.eq(None::<String>),
        outbox::last_error.eq(LINK_EXPIRED),
    ))
    .execute(conn)
}

/// [`purge_expired_bodies`] for one message (its link expired before it could be
/// sent); returns whether it dropped a body.
pub fn drop_expired_body(
    conn: &mut AnyConnection,
    id: OutboxId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::sent_at.is_null())
            .filter(outbox::text_body.is_not_null())
            .filter(outbox::purge_body_at.le(now)),
    )
    .set((
        outbox::text_body.eq(None::<String>),
        outbox::html_body.eq(None::<String>),
        outbox::last_error.eq(LINK_EXPIRED),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes messages (metadata included) created before `before`.
pub fn purge(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(outbox::table.filter(outbox::created_at.lt(before))).execute(conn)
}
