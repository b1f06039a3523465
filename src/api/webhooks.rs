//! `POST /api/v1/webhooks/github`: GitHub's webhook deliveries. Reads the raw body (its
//! own size limit, [`WEBHOOK_BODY_LIMIT`]), calls `app::webhooks`, answers fast. The
//! order of checks is documented in [`crate::app::webhooks`].

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, AppState, Problem};
use crate::app::webhooks::{self as flow, Incoming, Receipt};
use crate::domain::github::signature::{SHA1_HEADER, SHA256_HEADER};
use crate::domain::github::webhook::{DELIVERY_HEADER, EVENT_HEADER};

/// The largest webhook body accepted, in bytes: GitHub caps payloads at 25 MB
/// ("Webhook events and payloads": "Payloads are capped at 25 MB"), taken as 25 MiB,
/// plus 1 MiB of margin. Only this route accepts so much; every other keeps the
/// server-wide `OPENFUND_MAX_BODY_BYTES`.
pub const WEBHOOK_BODY_LIMIT: usize = 26 * 1024 * 1024;

crate::text_enum! {
    /// What was done with a delivery.
    #[derive(ToSchema)]
    pub enum ReceiptStatus {
        /// A `ping`: the webhook works; nothing stored.
        Pong = "pong",
        /// Stored, and queued for processing.
        Queued = "queued",
        /// This `X-GitHub-Delivery` was stored already (a redelivery): nothing done.
        Duplicate = "duplicate",
        /// An event or action that credits no one: nothing stored.
        Ignored = "ignored",
    }
}

/// The answer to a delivery GitHub's "Recent deliveries" page shows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookReceipt {
    pub status: ReceiptStatus,
    /// The `X-GitHub-Delivery` answered.
    #[schema(example = "72d3162e-cc78-11e3-81ab-4c9367dc0958")]
    pub delivery: String,
    /// The `X-GitHub-Event` answered.
    #[schema(example = "push")]
    pub event: String,
}

/// A header's value if it is present once and visible ASCII; `None` when absent.
/// Present more than once or unreadable → `Some("")`, which every check refuses.
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut values = headers.get_all(name);
    let first = values.next()?;
    if values.next().is_some() {
        return Some(String::new());
    }
    Some(first.to_str().map(str::to_owned).unwrap_or_default())
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").with_detail(format!(
        "the request body is over {WEBHOOK_BODY_LIMIT} bytes"
    ))
}

/// Reads the body up to [`WEBHOOK_BODY_LIMIT`]: 413 before reading when
/// `Content-Length` says more, or as soon as more arrives.
async fn read_body(req: &HttpRequest, payload: web::Payload) -> Result<web::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > WEBHOOK_BODY_LIMIT as u64) {
        return Err(too_large());
    }
    payload
        .to_bytes_limited(WEBHOOK_BODY_LIMIT)
        .await
        .map_err(|_| too_large())?
        .map_err(|_| ApiError::bad_request("bad_body", "the request body could not be read"))
}

/// Is the body declared as JSON (`application/json` or `…+json`)?
fn is_json(req: &HttpRequest) -> bool {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// Receive a GitHub webhook delivery for a linked repository (set the webhook's content
/// type to `application/json` and its secret to the one shown when linking). No
/// credential: the `X-Hub-Signature-256` HMAC over the raw body, keyed with the
/// repository's secret, is the permission. Checked in this order, nothing stored on a
/// refusal: body over 26 MiB → 413 `payload_too_large`; not JSON → 415
/// `unsupported_media_type`; signature missing, only the SHA-1 `X-Hub-Signature`, or
/// not `sha256=` + 64 lowercase hex digits → 401 `signature_missing` /
/// `signature_sha1_only` / `signature_malformed`; `X-GitHub-Delivery` /
/// `X-GitHub-Event` missing or invalid → 400 `invalid_delivery_header` /
/// `invalid_event_header`; body not JSON or
/// without a `repository` → 400 `malformed_json` / `no_repository`; a repository not
/// linked here, or a signature that does not match → 401 `signature_mismatch` (the same
/// answer for both, so strangers cannot learn which repositories are linked). Then:
/// `ping` → 200 `pong` (nothing stored); `push`, `pull_request` (opened, closed,
/// reopened), `pull_request_review` (submitted), `issues` (opened), `issue_comment`
/// (created), `release` (published, released) → 202 `queued`, stored once per
/// `X-GitHub-Delivery` and processed by a job (a redelivery → 202 `duplicate`); any
/// other event or action → 202 `ignored`, not stored.
#[utoipa::path(
    tag = "repositories",
    security(()),
    params(
        ("X-GitHub-Event" = String, Header, description = "The event's name, e.g. `push`"),
        ("X-GitHub-Delivery" = String, Header, description = "The delivery's GUID (the same on a redelivery)"),
        ("X-Hub-Signature-256" = String, Header, description = "`sha256=` + the lowercase hex HMAC-SHA256 of the raw body, keyed with the repository's webhook secret"),
        ("X-Hub-Signature" = Option<String>, Header, description = "The legacy SHA-1 signature; never accepted on its own")
    ),
    request_body(
        content = Object,
        content_type = "application/json",
        description = "GitHub's payload, exactly as sent (verified byte for byte): a JSON object with a `repository` object"
    ),
    responses(
        (status = 200, description = "A `ping`: the webhook works", body = WebhookReceipt),
        (status = 202, description = "Queued, a duplicate, or ignored", body = WebhookReceipt),
        (status = 400, description = "Bad delivery or event header, malformed JSON, or no repository in the payload", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Signature missing, SHA-1 only, malformed, or not matching a linked repository's secret", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 26 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body not sent as application/json", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/webhooks/github")]
pub async fn github_webhook(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload).await?;
    if !is_json(&req) {
        return Err(
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                .with_detail("send the payload as application/json (the webhook's content type)"),
        );
    }
    let headers = req.headers();
    let incoming = Incoming {
        delivery: header(headers, DELIVERY_HEADER),
        event: header(headers, EVENT_HEADER),
        signature_256: header(headers, SHA256_HEADER),
        signature_1: header(headers, SHA1_HEADER),
        body: body.to_vec(),
    };
    let db = &state.services.db;
    let (delivery, incoming) = db
        .read(move |conn| flow::authenticate(conn, &incoming).map(|d| (d, incoming)))
        .await?;
    let recorded = delivery.clone();
    let receipt = db
        .write(move |tx| {
            // It parsed as JSON, so it is UTF-8.
            let payload = String::from_utf8_lossy(&incoming.body);
            flow::record(tx, &recorded, &payload, crate::db::now())
        })
        .await?;
    let (status, code) = match receipt {
        Receipt::Pong => (ReceiptStatus::Pong, StatusCode::OK),
        Receipt::Queued(_) => (ReceiptStatus::Queued, StatusCode::ACCEPTED),
        Receipt::Duplicate => (ReceiptStatus::Duplicate, StatusCode::ACCEPTED),
        Receipt::Ignored => (ReceiptStatus::Ignored, StatusCode::ACCEPTED),
    };
    Ok(HttpResponse::build(code).json(WebhookReceipt {
        status,
        delivery: delivery.delivery,
        event: delivery.event,
    }))
}
