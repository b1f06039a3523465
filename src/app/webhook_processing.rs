//! Turning a stored webhook delivery into credit (the `process_webhook` job's work; the
//! intake is [`super::webhooks`]).
//!
//! Two steps, so that reading and parsing a payload of up to 25 MB holds no write lock:
//! 1. a read: the delivery, parsed by [`crate::domain::github::events::credit`] into
//!    activities (what each event credits is decided there);
//! 2. one unit of work: if the delivery is still unprocessed and its repository still
//!    linked to a project that is not archived, the repository's GitHub id and default
//!    branch are filled in if unknown, the activities stored with
//!    [`super::activity::ingest`] (who is who is resolved there), and the delivery
//!    marked processed (`processed_at`). A delivery for a repository unlinked meanwhile,
//!    or of an archived project (which is not synced either), is marked processed with
//!    nothing credited.
//!
//! Credit is keyed by GitHub's own ids, so a redelivery under a new GUID, or the sync
//! seeing the same items, credits nothing twice. A payload that is not what its event
//! says is [`ProcessError::Malformed`]: nothing is credited, and the caller records the
//! reason on the delivery (it stays unprocessed).

use chrono::NaiveDateTime;

use super::activity::{IngestOutcome, ingest};
use crate::db::{Db, DbError, Tx};
use crate::domain::github::events::{self, EventCredit, EventError};
use crate::domain::ids::WebhookDeliveryId;
use crate::store::webhook_deliveries as store;
use crate::store::{projects, repositories as repos};

/// What processing a delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processed {
    /// No such delivery (purged): nothing to do.
    Missing,
    /// Processed before (a repeated job): nothing done.
    AlreadyProcessed,
    /// Marked processed with nothing credited, for this reason (the repository is no
    /// longer linked, or its project is archived).
    NotCounted(&'static str),
    /// Stored; `skipped` says why nothing was credited when that is by rule (a push to
    /// another branch).
    Credited {
        outcome: IngestOutcome,
        skipped: Option<&'static str>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The stored payload is not what its event says; no retry can fix it.
    #[error(transparent)]
    Malformed(#[from] EventError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ProcessError {
    fn from(e: diesel::result::Error) -> Self {
        ProcessError::Db(e.into())
    }
}

/// Step 1: the delivery's credit, or `None` when there is nothing left to do (no such
/// delivery, or processed already).
fn read_credit(
    conn: &mut crate::db::AnyConnection,
    id: WebhookDeliveryId,
) -> Result<Option<EventCredit>, ProcessError> {
    let Some(delivery) = store::find(conn, id)? else {
        return Ok(None);
    };
    if delivery.processed_at.is_some() {
        return Ok(None);
    }
    let known_branch = match delivery.repository_id {
        Some(r) => repos::find(conn, r)?.and_then(|row| row.default_branch),
        None => None,
    };
    Ok(Some(events::credit(
        &delivery.event,
        delivery.action.as_deref(),
        &delivery.payload,
        known_branch.as_deref(),
    )?))
}

/// Step 2, in the caller's unit of work (see the module documentation).
pub fn apply(
    tx: &mut Tx<'_>,
    id: WebhookDeliveryId,
    credit: &EventCredit,
    now: NaiveDateTime,
) -> Result<Processed, DbError> {
    let now = crate::db::truncate_micros(now);
    let Some((repository_id, processed_at)) = store::state(tx, id)? else {
        return Ok(Processed::Missing);
    };
    if processed_at.is_some() {
        return Ok(Processed::AlreadyProcessed);
    }
    let repository = match repository_id {
        Some(r) => repos::find(tx, r)?.filter(|row| row.unlinked_at.is_none()),
        None => None,
    };
    let not_counted = |tx: &mut Tx<'_>, why| -> Result<Processed, DbError> {
        store::mark_processed(tx, id, now)?;
        Ok(Processed::NotCounted(why))
    };
    let Some(repository) = repository else {
        return not_counted(tx, "the repository is no longer linked");
    };
    let archived =
        projects::find_by_id(tx, repository.project_id)?.is_none_or(|p| p.archived_at.is_some());
    if archived {
        return not_counted(tx, "the project is archived");
    }
    repos::learn_unknown_identity(
        tx,
        repository.id,
        credit.repository.id,
        credit.repository.default_branch.as_deref(),
    )?;
    let outcome = ingest(
        tx,
        repository.project_id,
        repository.id,
        &credit.activities,
        now,
    )?;
    store::mark_processed(tx, id, now)?;
    Ok(Processed::Credited {
        outcome,
        skipped: credit.skipped,
    })
}

/// Processes delivery `id`: [`read_credit`], then [`apply`] in one unit of work.
///
/// Errors: [`ProcessError::Malformed`] (nothing stored; the caller records it with
/// [`record_malformed`]), [`ProcessError::Db`] (worth retrying).
pub async fn process(db: &Db, id: WebhookDeliveryId) -> Result<Processed, ProcessError> {
    let Some(credit) = db.read(move |conn| read_credit(conn, id)).await? else {
        return Ok(Processed::AlreadyProcessed);
    };
    Ok(db
        .write(move |tx| apply(tx, id, &credit, crate::db::now()))
        .await?)
}

/// Records on delivery `id` why it could not be processed (it stays unprocessed).
pub async fn record_malformed(
    db: &Db,
    id: WebhookDeliveryId,
    error: &EventError,
) -> Result<(), DbError> {
    let message = error.to_string();
    db.write(move |tx| Ok::<_, DbError>(store::record_error(tx, id, &message)?))
        .await
}
