//! GitHub webhook intake (`POST /api/v1/webhooks/github`): authenticate a delivery by
//! its linked repository's secret, store it once per `X-GitHub-Delivery`, and queue a
//! [`jobs::kinds::ProcessWebhook`] job; the answer goes back at once (GitHub wants a
//! 2xx within 10 seconds). Turning deliveries into contributions is that job's work.
//!
//! There is no [`super::Principal`]: GitHub calls anonymously, and the signature is the
//! permission. Two units of work, so that the HMAC over a body of up to 25 MB is not
//! computed while holding the write lock: [`authenticate`] (a read) and [`record`] (a
//! write).
//!
//! The order of checks (each refusal stores nothing):
//! 1. the body's size and media type (done by the handler: 413, 415);
//! 2. the *shape* of the signature headers: missing, SHA-1 only, malformed
//!    ([`WebhookError::Signature`], 401): no secret is needed to refuse these, and a
//!    request without a well-formed signature learns nothing more (so fuzzers and
//!    strangers sending junk get 401, whatever else is wrong);
//! 3. `X-GitHub-Delivery` and `X-GitHub-Event` ([`WebhookError::Header`], 400);
//! 4. the body as JSON with a `repository` object ([`WebhookError::Payload`], 400): the
//!    secret is the repository's, so the repository must be read (from unverified
//!    bytes) before anything can be verified;
//! 5. the repository among the *linked* ones, by GitHub id first (stable across
//!    renames), else by `full_name` case-insensitively;
//! 6. the HMAC ([`crate::domain::github::signature::verify_headers`]) with its secret.
//!
//! A repository that is not linked (never, or no longer) is refused exactly like a wrong
//! signature ([`WebhookError::UnknownRepository`] answers the same 401 and code as a
//! mismatch, after computing an HMAC all the same), so a stranger cannot probe which
//! repositories are linked here. Deliveries for a linked repository of an archived
//! project are accepted and stored; the processing job decides what they earn.

use chrono::NaiveDateTime;

use crate::db::{AnyConnection, DbError, Tx};
use crate::domain::github::signature::{self, SignatureError, SignatureHeaders};
use crate::domain::github::webhook::{self, Disposition, EnvelopeError, HeaderError};
use crate::domain::ids::{RepositoryId, WebhookDeliveryId};
use crate::jobs;
use crate::store::repositories::{self as repos, RepositoryRow};
use crate::store::webhook_deliveries::{self as store, NewDelivery};

/// The HMAC key used when no linked repository matches, only so that refusing an
/// unknown repository costs the same time as refusing a wrong signature; whatever it
/// verifies, the delivery is refused.
const DECOY_SECRET: &[u8] = b"openfund: no linked repository has this name or id";

/// One delivery as received: the headers that matter (values; `None` when absent or
/// not visible ASCII) and the raw body bytes.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// `X-GitHub-Delivery`.
    pub delivery: Option<String>,
    /// `X-GitHub-Event`.
    pub event: Option<String>,
    /// `X-Hub-Signature-256`.
    pub signature_256: Option<String>,
    /// `X-Hub-Signature` (legacy SHA-1; only used to explain a refusal).
    pub signature_1: Option<String>,
    /// The body exactly as received: what the signature covers.
    pub body: Vec<u8>,
}

/// A delivery whose signature verified against a linked repository.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub delivery: String,
    pub event: String,
    pub action: Option<String>,
    pub repository_id: RepositoryId,
    pub disposition: Disposition,
}

/// What became of an authenticated delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// A `ping`: answered, not stored.
    Pong,
    /// An event or action nothing credits: answered, not stored.
    Ignored,
    /// Stored now, and its processing job queued.
    Queued(WebhookDeliveryId),
    /// A delivery with this GUID was stored already (a redelivery): nothing done.
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// `X-GitHub-Delivery` or `X-GitHub-Event` is missing or not valid.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The signature is missing, SHA-1 only, malformed or does not match.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The body is not JSON, or names no repository.
    #[error(transparent)]
    Payload(#[from] EnvelopeError),
    /// No linked repository has the payload's id or name. Answered like
    /// [`SignatureError::Mismatch`].
    #[error("no linked repository matches the delivery")]
    UnknownRepository,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for WebhookError {
    fn from(e: diesel::result::Error) -> Self {
        WebhookError::Db(e.into())
    }
}

/// Refuses signature headers that no secret could verify: absent, SHA-1 only, or not
/// `sha256=` + 64 lowercase hex digits (the checks of
/// [`signature::verify_headers`] that come before the HMAC).
fn check_signature_shape(headers: SignatureHeaders<'_>) -> Result<(), SignatureError> {
    match (headers.sha256, headers.sha1) {
        (Some(value), _) => {
            signature::parse_header(value)?;
            Ok(())
        }
        (None, Some(_)) => Err(SignatureError::Sha1Only),
        (None, None) => Err(SignatureError::Missing),
    }
}

/// The linked repository a payload names: by GitHub id if a linked row has it, else by
/// `full_name` (case-insensitively).
fn linked_repository(
    conn: &mut AnyConnection,
    envelope: &webhook::Envelope,
) -> Result<Option<RepositoryRow>, DbError> {
    if let Some(id) = envelope.repository_id
        && let Some(row) = repos::find_linked_by_github_id(conn, id)?
    {
        return Ok(Some(row));
    }
    match &envelope.full_name {
        // Longer than any `owner/name` can be: no lookup.
        Some(name) if name.len() <= 200 => Ok(repos::find_linked(conn, &name.to_lowercase())?),
        _ => Ok(None),
    }
}

/// Steps 2 to 6 of the module's order of checks (a read): the signature's shape, the
/// delivery's headers, its payload's repository among the linked ones, and its signature under that
/// repository's secret, over the raw body bytes.
///
/// Errors: [`WebhookError::Header`], [`WebhookError::Signature`] (any of its variants),
/// [`WebhookError::Payload`], [`WebhookError::UnknownRepository`], [`WebhookError::Db`].
pub fn authenticate(
    conn: &mut AnyConnection,
    incoming: &Incoming,
) -> Result<Authenticated, WebhookError> {
    let headers = SignatureHeaders {
        sha256: incoming.signature_256.as_deref(),
        sha1: incoming.signature_1.as_deref(),
    };
    check_signature_shape(headers)?;
    let delivery = webhook::delivery_id(incoming.delivery.as_deref())?;
    let event = webhook::event_name(incoming.event.as_deref())?;
    let envelope = webhook::envelope(&incoming.body)?;
    let Some(repository) = linked_repository(conn, &envelope)? else {
        // The same work as a wrong signature, then the same refusal.
        let _ = signature::verify_headers(DECOY_SECRET, &incoming.body, headers);
        return Err(WebhookError::UnknownRepository);
    };
    signature::verify_headers(
        repository.webhook_secret.as_bytes(),
        &incoming.body,
        headers,
    )?;
    let disposition = webhook::classify(event, envelope.action.as_deref());
    Ok(Authenticated {
        delivery: delivery.to_owned(),
        event: event.to_owned(),
        action: envelope.action,
        repository_id: repository.id,
        disposition,
    })
}

/// Acts on an authenticated delivery (a write): a handled event is stored with its raw
/// `payload` and a [`jobs::kinds::ProcessWebhook`] job queued, in one unit of work,
/// unless its GUID is stored already ([`Receipt::Duplicate`]: the UNIQUE key decides,
/// so ten concurrent redeliveries store one row and queue one job). `ping` and ignored
/// events store nothing.
///
/// `payload` must be the body [`authenticate`] read (it parsed as JSON, so it is
/// UTF-8).
pub fn record(
    tx: &mut Tx<'_>,
    delivery: &Authenticated,
    payload: &str,
    now: NaiveDateTime,
) -> Result<Receipt, WebhookError> {
    match delivery.disposition {
        Disposition::Ping => return Ok(Receipt::Pong),
        Disposition::Ignored => return Ok(Receipt::Ignored),
        Disposition::Handled => {}
    }
    let now = crate::db::truncate_micros(now);
    let new = NewDelivery {
        delivery_guid: &delivery.delivery,
        repository_id: delivery.repository_id,
        event: &delivery.event,
        action: delivery.action.as_deref(),
        payload,
    };
    let Some(id) = store::insert(tx, &new, now)? else {
        return Ok(Receipt::Duplicate);
    };
    jobs::enqueue(tx, &jobs::kinds::ProcessWebhook { delivery_id: id }, now)?;
    Ok(Receipt::Queued(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_shapes_are_refused_before_any_secret() {
        let h = |sha256, sha1| SignatureHeaders { sha256, sha1 };
        assert_eq!(
            check_signature_shape(h(None, None)),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            check_signature_shape(h(None, Some("sha1=00"))),
            Err(SignatureError::Sha1Only)
        );
        assert!(matches!(
            check_signature_shape(h(Some("sha256=zz"), None)),
            Err(SignatureError::Malformed(_))
        ));
        let good = signature::sign(b"k", b"{}");
        assert_eq!(check_signature_shape(h(Some(&good), None)), Ok(()));
        // Well-formed under a shape check is not verified: the HMAC decides later.
        assert_eq!(
            signature::verify_headers(b"other", b"{}", h(Some(&good), None)),
            Err(SignatureError::Mismatch)
        );
    }
}
