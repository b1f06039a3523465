//! Queries on `webhook_deliveries`: GitHub webhook deliveries as received, once per
//! `X-GitHub-Delivery` (the table's UNIQUE key decides, on both backends), for the
//! `process_webhook` job. See [`super::repositories`] for the data model.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::db::schema::webhook_deliveries;
use crate::db::{AnyConnection, DbError};
use crate::domain::ids::{RepositoryId, WebhookDeliveryId};

/// A row of `webhook_deliveries`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct WebhookDeliveryRow {
    pub id: WebhookDeliveryId,
    /// `X-GitHub-Delivery`.
    pub delivery_guid: String,
    pub repository_id: Option<RepositoryId>,
    /// `X-GitHub-Event`.
    pub event: String,
    /// The payload's `action`, if any.
    pub action: Option<String>,
    /// The raw body, as signed.
    pub payload: String,
    pub received_at: NaiveDateTime,
    pub processed_at: Option<NaiveDateTime>,
    pub error: Option<String>,
}

/// A delivery about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewDelivery<'a> {
    pub delivery_guid: &'a str,
    pub repository_id: RepositoryId,
    pub event: &'a str,
    pub action: Option<&'a str>,
    pub payload: &'a str,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: WebhookDeliveryId,
}

/// Stores a delivery unless one with the same GUID is stored already: then `None`.
/// Decided by the UNIQUE key (`ON CONFLICT DO NOTHING`), so concurrent redeliveries
/// store one row on either backend (PostgreSQL makes the later insert wait for the
/// first one's commit; SQLite admits one writer at a time).
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewDelivery<'_>,
    now: NaiveDateTime,
) -> Result<Option<WebhookDeliveryId>, DbError> {
    Ok(diesel::sql_query(
        "INSERT INTO webhook_deliveries (delivery_guid, repository_id, event, action, payload, \
                                         received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (delivery_guid) DO NOTHING RETURNING id",
    )
    .bind::<Text, _>(new.delivery_guid)
    .bind::<BigInt, _>(new.repository_id)
    .bind::<Text, _>(new.event)
    .bind::<Nullable<Text>, _>(new.action)
    .bind::<Text, _>(new.payload)
    .bind::<Timestamp, _>(now)
    .get_result::<Id>(conn)
    .optional()?
    .map(|r| r.id))
}

/// Delivery `id`, if stored.
pub fn find(
    conn: &mut AnyConnection,
    id: WebhookDeliveryId,
) -> QueryResult<Option<WebhookDeliveryRow>> {
    webhook_deliveries::table
        .find(id)
        .select(WebhookDeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// Records why processing delivery `id` failed (it stays unprocessed).
pub fn record_error(
    conn: &mut AnyConnection,
    id: WebhookDeliveryId,
    error: &str,
) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.find(id))
        .set(webhook_deliveries::error.eq(error))
        .execute(conn)?;
    Ok(())
}

/// Marks delivery `id` processed at `now` (clearing an error a failed attempt left),
/// unless it was processed already; returns whether this call marked it.
pub fn mark_processed(
    conn: &mut AnyConnection,
    id: WebhookDeliveryId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        webhook_deliveries::table
            .find(id)
            .filter(webhook_deliveries::processed_at.is_null()),
    )
    .set((
        webhook_deliveries::processed_at.eq(now),
        webhook_deliveries::error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// `(repository_id, processed_at)` of delivery `id`, if stored: what processing checks
/// without reading the payload again.
pub fn state(
    conn: &mut AnyConnection,
    id: WebhookDeliveryId,
) -> QueryResult<Option<(Option<RepositoryId>, Option<NaiveDateTime>)>> {
    webhook_deliveries::table
        .find(id)
        .select((
            webhook_deliveries::repository_id,
            webhook_deliveries::processed_at,
        ))
        .first(conn)
        .optional()
}
