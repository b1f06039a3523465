//! Compute deliveries: `POST/GET /api/v1/pledges/{id}/deliveries`,
//! `POST /api/v1/pledges/{id}/tokens`, `GET /api/v1/projects/{slug}/deliveries`,
//! `POST /api/v1/deliveries/{id}/confirm`, `…/reject`, the Slurm GPU type map
//! (`/api/v1/projects/{slug}/slurm-gpu-types`) and the Slurm upload
//! (`POST /api/v1/projects/{slug}/deliveries/slurm` and `…/slurm/confirm`). Parse, call
//! `app::compute`, answer. (Creating a compute pledge is `POST …/pledges` in
//! `api::pledges`.)

use crate::api::body::JsonObject;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{Caller, Reporter};
use super::me::{ApiToken, CreatedApiToken};
use super::pledges::Pledge;
use super::{ApiError, AppState, Problem};
use crate::app::compute::{self, PledgeDeliveries, SlurmPreview};
use crate::domain::AcceleratorClass;
use crate::domain::cursor::KeysetPage;
use crate::domain::delivery::{DeliverySource, DeliveryState, NewDelivery};
use crate::domain::ids::{DeliveryId, PledgeId};
use crate::store::deliveries::DeliveryRow;

/// The largest Slurm upload body accepted, in bytes (5 MiB, about 50,000 typical sacct
/// lines); every other route takes at most the server's `max_body_bytes`. Larger
/// periods are uploaded in parts.
pub const SLURM_BODY_MAX: usize = 5 * 1024 * 1024;

/// One report of compute delivered against a pledge.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub id: DeliveryId,
    pub pledge_id: PledgeId,
    /// Whole GPU-minutes of the pledge's class.
    pub gpu_minutes: i64,
    /// A note, or an http(s) link to a log or invoice (Slurm uploads: a summary and
    /// the SHA-256 of the accounting text).
    pub evidence: String,
    #[schema(inline)]
    pub source: DeliverySource,
    #[schema(inline)]
    pub state: DeliveryState,
    /// Whether a pledge-scoped API token reported it.
    pub reported_by_token: bool,
    pub created_at: DateTime<Utc>,
    /// When a maintainer confirmed or rejected it.
    #[schema(required = true)]
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<&DeliveryRow> for Delivery {
    fn from(r: &DeliveryRow) -> Self {
        Delivery {
            id: r.id,
            pledge_id: r.pledge_id,
            gpu_minutes: r.gpu_minutes,
            evidence: r.evidence.clone(),
            source: r.source,
            state: r.state,
            reported_by_token: r.reported_token_id.is_some(),
            created_at: r.created_at.and_utc(),
            decided_at: r.decided_at.map(|t| t.and_utc()),
        }
    }
}

/// A delivery report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportDelivery {
    /// Whole GPU-minutes delivered, `1..=10^12`; with what is confirmed already, at
    /// most the pledge.
    #[schema(value_type = i64, minimum = 1, maximum = 1_000_000_000_000_i64, example = 600)]
    pub gpu_minutes: serde_json::Value,
    /// A note, or an http(s) link (1 to 2000 characters).
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://cluster.example/reports/2026-11"
    )]
    pub evidence: String,
}

/// Report compute delivered against a compute pledge. The sponsor, the project's
/// owners, maintainers and site admins (an API token needs `write`), or an API token
/// scoped to this pledge (`POST /api/v1/pledges/{id}/tokens`). A maintainer then
/// confirms it; the project's people are mailed. 422 `exceeds_pledge` when the minutes
/// plus what is confirmed exceed the pledge; 409 `invalid_state` unless `pledged`.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The compute pledge")),
    request_body = ReportDelivery,
    responses(
        (status = 201, description = "Reported, waiting for a maintainer", body = Delivery),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the sponsor or one of the project's people, a read-only token, or a token of another pledge", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such compute pledge", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pledge is delivered or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or more than the pledge has room for (`exceeds_pledge`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/pledges/{id}/deliveries")]
pub async fn report_delivery(
    reporter: Reporter,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonObject<ReportDelivery>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new =
        NewDelivery::parse(&body.gpu_minutes, &body.evidence).map_err(ApiError::validation)?;
    let (id, who) = (PledgeId(id.into_inner()), reporter.0);
    let row = state
        .services
        .db
        .write(move |tx| compute::report(tx, &who, id, new, crate::db::now()))
        .await?;
    Ok(HttpResponse::Created().json(Delivery::from(&row)))
}

/// A compute pledge's deliveries and where it stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PledgeDeliveryList {
    pub pledge: Pledge,
    /// GPU-minutes confirmed so far (never more than pledged).
    pub confirmed_gpu_minutes: i64,
    /// GPU-minutes reported and not yet confirmed or rejected.
    pub pending_gpu_minutes: i64,
    /// GPU-minutes the pledge still has room for.
    pub remaining_gpu_minutes: i64,
    /// Newest first.
    pub items: Vec<Delivery>,
}

impl From<PledgeDeliveries> for PledgeDeliveryList {
    fn from(d: PledgeDeliveries) -> Self {
        let pledged = d.pledge.pledged();
        PledgeDeliveryList {
            pledge: Pledge::of(&d.pledge.row, Some(d.pledge.class.as_str())),
            confirmed_gpu_minutes: d.confirmed,
            pending_gpu_minutes: d.pending,
            remaining_gpu_minutes: crate::domain::delivery::lapsed(pledged, d.confirmed),
            items: d.items.iter().map(Delivery::from).collect(),
        }
    }
}

/// A compute pledge's deliveries, newest first, with its confirmed and pending totals.
/// The sponsor, and the project's owners, maintainers and site admins.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The compute pledge")),
    responses(
        (status = 200, description = "The pledge's deliveries", body = PledgeDeliveryList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the sponsor or one of the project's people", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such compute pledge", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/pledges/{id}/deliveries")]
pub async fn pledge_deliveries(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<PledgeDeliveryList>, ApiError> {
    let (id, who) = (PledgeId(id.into_inner()), caller.0);
    let found = state
        .services
        .db
        .read(move |conn| compute::of_pledge(conn, &who, id))
        .await?;
    Ok(web::Json(PledgeDeliveryList::from(found)))
}

/// A request for a pledge-scoped API token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePledgeToken {
    #[schema(min_length = 1, max_length = 64, example = "cluster reporter")]
    pub name: String,
    /// Days until it stops working (1 to 365); none: never.
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<u32>,
}

/// Create an API token whose only power is reporting deliveries for this compute
/// pledge (for a cluster that reports automatically). The sponsor, or the project's
/// owners, maintainers and site admins, from a signed-in session. The secret is shown
/// once; the token is listed and revoked with the creator's personal tokens
/// (`/api/v1/me/tokens`). With it, every other operation answers 403
/// `insufficient_scope`.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The compute pledge")),
    request_body = CreatePledgeToken,
    responses(
        (status = 201, description = "Created; the secret is in the body, once", body = CreatedApiToken),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session; not the sponsor or one of the project's people", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such compute pledge", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many tokens, or the pledge is delivered or expired", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/pledges/{id}/tokens")]
pub async fn create_pledge_token(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonObject<CreatePledgeToken>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (id, who) = (PledgeId(id.into_inner()), caller.0);
    let (row, secret) = state
        .services
        .db
        .write(move |tx| {
            compute::create_token(
                tx,
                &who,
                id,
                &body.name,
                body.expires_in_days,
                crate::db::now(),
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(CreatedApiToken {
            token: ApiToken::from(row),
            secret,
        }))
}

/// One page of a project's deliveries, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state (`reported`: waiting for confirmation).
    #[param(inline)]
    pub state: Option<DeliveryState>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// A project's compute deliveries, e.g. `state=reported` for those waiting for
/// confirmation. Owners, maintainers and site admins.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug"), DeliveryQuery),
    responses(
        (status = 200, description = "One page of deliveries", body = DeliveryPage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of the project's people", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/deliveries")]
pub async fn project_deliveries(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<DeliveryQuery>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    let query = query.into_inner();
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let (rows, next_cursor) = state
        .services
        .db
        .read(move |conn| compute::page_of_project(conn, &who, &slug, query.state, page))
        .await?;
    Ok(web::Json(DeliveryPage {
        items: rows.iter().map(Delivery::from).collect(),
        next_cursor,
    }))
}

/// A confirmed delivery and its pledge as it is now (`delivered` once the confirmed
/// total reaches the pledge).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConfirmedDelivery {
    pub delivery: Delivery,
    pub pledge: Pledge,
}

/// A maintainer confirms a reported delivery: it becomes `confirmed` and the public
/// ledger records the compute used, in one unit of work. Owners, maintainers and site
/// admins. 422 `exceeds_pledge` if it would take the confirmed total past the pledge
/// (also when two confirmations race); 409 `invalid_state` unless the delivery is
/// `reported` and the pledge `pledged` (an expired pledge's reports cannot be
/// confirmed).
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The delivery")),
    responses(
        (status = 200, description = "Confirmed", body = ConfirmedDelivery),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of the project's people, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, or the pledge is delivered or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Would exceed the pledge (`exceeds_pledge`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/deliveries/{id}/confirm")]
pub async fn confirm_delivery(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<ConfirmedDelivery>, ApiError> {
    let (id, who) = (DeliveryId(id.into_inner()), caller.0);
    let (delivery, pledge) = state
        .services
        .db
        .write(move |tx| compute::confirm(tx, &who, id, crate::db::now()))
        .await?;
    Ok(web::Json(ConfirmedDelivery {
        delivery: Delivery::from(&delivery),
        pledge: Pledge::of(&pledge.row, Some(pledge.class.as_str())),
    }))
}

/// A maintainer rejects a reported delivery; nothing enters the ledger. Owners,
/// maintainers and site admins; 409 `invalid_state` unless `reported`.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The delivery")),
    responses(
        (status = 200, description = "Rejected", body = Delivery),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of the project's people, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/deliveries/{id}/reject")]
pub async fn reject_delivery(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<Delivery>, ApiError> {
    let (id, who) = (DeliveryId(id.into_inner()), caller.0);
    let row = state
        .services
        .db
        .write(move |tx| compute::reject(tx, &who, id, crate::db::now()))
        .await?;
    Ok(web::Json(Delivery::from(&row)))
}

/// How one Slurm GPU type name maps to a catalogue class.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SlurmGpuType {
    /// As Slurm writes it in `gres/gpu:<type>=N`, e.g. `a100`.
    pub slurm_type: String,
    /// A class of the catalogue, e.g. `A100-40GB`.
    pub accelerator: String,
}

/// A project's Slurm GPU type map, by Slurm type. Owners, maintainers and site admins.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The map", body = [SlurmGpuType]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of the project's people", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/slurm-gpu-types")]
pub async fn list_slurm_gpu_types(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<Vec<SlurmGpuType>>, ApiError> {
    let (slug, who) = (slug.into_inner(), caller.0);
    let rows = state
        .services
        .db
        .read(move |conn| compute::slurm_types(conn, &who, &slug))
        .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|(slurm_type, accelerator)| SlurmGpuType {
                slurm_type,
                accelerator,
            })
            .collect(),
    ))
}

/// The class a Slurm GPU type counts as.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PutSlurmGpuType {
    /// A class of the catalogue.
    #[schema(value_type = String, example = "H100-80GB", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub accelerator: AcceleratorClass,
}

/// Map a Slurm GPU type to a catalogue class (replacing an earlier mapping). Owners,
/// maintainers and site admins. 422 if the type name breaks the rule or the class is
/// not in the catalogue.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("slurm_type" = String, Path, description = "The Slurm GPU type, as in gres/gpu:<type>", pattern = "^[A-Za-z0-9._-]{1,64}$")
    ),
    request_body = PutSlurmGpuType,
    responses(
        (status = 200, description = "Mapped", body = SlurmGpuType),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of the project's people, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid type name or unknown class", body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/projects/{slug}/slurm-gpu-types/{slurm_type}")]
pub async fn put_slurm_gpu_type(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: JsonObject<PutSlurmGpuType>,
) -> Result<web::Json<SlurmGpuType>, ApiError> {
    let ((slug, slurm_type), who) = (path.into_inner(), caller.0);
    let class = body.into_inner().accelerator;
    let view = SlurmGpuType {
        slurm_type: slurm_type.clone(),
        accelerator: class.to_string(),
    };
    state
        .services
        .db
        .write(move |tx| compute::put_slurm_type(tx, &who, &slug, &slurm_type, &class))
        .await?;
    Ok(web::Json(view))
}

/// Remove a Slurm GPU type's mapping. Owners, maintainers and site admins; 404 if the
/// type is not mapped.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("slurm_type" = String, Path, description = "The Slurm GPU type")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of the project's people, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project or mapping", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/projects/{slug}/slurm-gpu-types/{slurm_type}")]
pub async fn delete_slurm_gpu_type(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let ((slug, slurm_type), who) = (path.into_inner(), caller.0);
    state
        .services
        .db
        .write(move |tx| compute::delete_slurm_type(tx, &who, &slug, &slurm_type))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Slurm accounting output to add up for one compute pledge.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SlurmUpload {
    /// The compute pledge (of this project) the usage is delivered against.
    pub pledge_id: i64,
    /// The output of `sacct --parsable2 --noheader
    /// --format=JobID,Start,End,ElapsedRaw,AllocTRES,State`; the whole request body is
    /// at most 5 MiB.
    #[schema(max_length = 5242880)]
    pub sacct: String,
    /// Confirm only: the preview's `digest`, so that exactly what was previewed is
    /// recorded (422 `digest_mismatch` otherwise).
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub digest: Option<String>,
}

/// One GPU type of an upload.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlurmTypeLine {
    pub slurm_type: String,
    /// Whole GPU-minutes (seconds summed over every counted allocation, then rounded
    /// down).
    pub gpu_minutes: i64,
    /// The class it maps to; null when unmapped.
    #[schema(required = true)]
    pub accelerator: Option<String>,
    /// The pledge these minutes are recorded against; null when the class is not the
    /// pledge's (or unmapped).
    #[schema(required = true)]
    pub pledge_id: Option<PledgeId>,
}

/// What an upload adds up to (nothing is stored by a preview).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlurmPreviewView {
    pub pledge_id: PledgeId,
    /// The pledge's class.
    pub accelerator: String,
    pub types: Vec<SlurmTypeLine>,
    /// Typed GPU types the project has not mapped: map them before confirming.
    pub unmapped: Vec<String>,
    /// GPU-minutes of GPUs allocated without a type (`gres/gpu=N` beyond the typed
    /// entries): shown, never recorded.
    pub untyped_gpu_minutes: i64,
    /// Job allocations that ended and were added up.
    pub allocations_counted: i64,
    /// Job allocations still pending or running: left for a later upload.
    pub allocations_skipped: i64,
    /// Job step lines (`123.batch`, `123.0`): never counted.
    pub steps_ignored: i64,
    /// GPU-minutes that confirming records against the pledge.
    pub gpu_minutes: i64,
    pub confirmed_gpu_minutes: i64,
    pub pledged_gpu_minutes: i64,
    /// Whether confirming would stay within the pledge (and records something).
    pub fits: bool,
    /// SHA-256 of `sacct`, hex; pass it to confirm.
    pub digest: String,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl From<&SlurmPreview> for SlurmPreviewView {
    fn from(p: &SlurmPreview) -> Self {
        let pledged = p.pledge.pledged();
        SlurmPreviewView {
            pledge_id: p.pledge.row.id,
            accelerator: p.pledge.class.to_string(),
            types: p
                .types
                .iter()
                .map(|t| SlurmTypeLine {
                    slurm_type: t.slurm_type.clone(),
                    gpu_minutes: t.gpu_minutes,
                    accelerator: t.accelerator.clone(),
                    pledge_id: t.pledge_id,
                })
                .collect(),
            unmapped: p.unmapped.clone(),
            untyped_gpu_minutes: count(p.usage.untyped_minutes),
            allocations_counted: count(p.usage.allocations_counted),
            allocations_skipped: count(p.usage.allocations_skipped),
            steps_ignored: count(p.usage.steps_ignored),
            gpu_minutes: p.gpu_minutes,
            confirmed_gpu_minutes: p.confirmed,
            pledged_gpu_minutes: pledged,
            fits: crate::domain::delivery::fits(pledged, p.confirmed, p.gpu_minutes).is_ok(),
            digest: p.digest.clone(),
        }
    }
}

/// Reads a JSON body of up to `limit` bytes (for the routes that take more than the
/// server-wide limit), answering as the JSON extractor does: 415
/// `unsupported_media_type`, 413 `payload_too_large`, 400 `malformed_json`, 422
/// `invalid_body`.
async fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !(essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json"))
    {
        return Err(
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                .with_detail("send the body as application/json"),
        );
    }
    let too_large = || {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            .with_detail(format!("the request body is over {limit} bytes"))
    };
    let bytes = payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| too_large())?
        .map_err(|_| ApiError::bad_request("bad_body", "the request body could not be read"))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        if e.is_data() {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
                .with_detail(format!("the JSON body does not fit the schema: {e}"))
        } else {
            ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
        }
    })
}

/// Preview a Slurm accounting upload for a compute pledge of this project: GPU-minutes
/// per Slurm GPU type (ended job allocations only, never steps, never the untyped
/// `gres/gpu=N` on top of typed entries), the class each maps to, which minutes go to
/// the pledge, and the digest to confirm with. Stores nothing. 422 `invalid_sacct` with
/// every bad line in `errors` (`field` is `sacct:<line number>`). Owners, maintainers
/// and site admins; the body may be up to 5 MiB.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = SlurmUpload,
    responses(
        (status = 200, description = "What the upload adds up to", body = SlurmPreviewView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of the project's people, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or no such compute pledge of it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad lines (`invalid_sacct`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/deliveries/slurm")]
pub async fn preview_slurm(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<SlurmPreviewView>, ApiError> {
    let body: SlurmUpload = json_body(&req, payload, SLURM_BODY_MAX).await?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let preview = state
        .services
        .db
        .read(move |conn| {
            compute::slurm_preview(conn, &who, &slug, PledgeId(body.pledge_id), &body.sacct)
        })
        .await?;
    Ok(web::Json(SlurmPreviewView::from(&preview)))
}

/// A recorded Slurm upload: its delivery (source `slurm`, confirmed) and what it
/// added up to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlurmRecorded {
    pub delivery: Delivery,
    pub preview: SlurmPreviewView,
}

/// Record a Slurm accounting upload as the preview showed it: one confirmed delivery
/// and its ledger entries, in one unit of work (nothing partial). Owners, maintainers
/// and site admins. 422: `invalid_sacct`, `unmapped_gpu_types` (map them first),
/// `nothing_to_record`, `exceeds_pledge`, `digest_mismatch`; 409 `invalid_state` unless
/// the pledge is `pledged`.
#[utoipa::path(
    tag = "compute",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = SlurmUpload,
    responses(
        (status = 201, description = "Recorded", body = SlurmRecorded),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of the project's people, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or no such compute pledge of it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pledge is delivered or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused; see the code", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/deliveries/slurm/confirm")]
pub async fn confirm_slurm(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: SlurmUpload = json_body(&req, payload, SLURM_BODY_MAX).await?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let (row, preview) = state
        .services
        .db
        .write(move |tx| {
            compute::slurm_confirm(
                tx,
                &who,
                &slug,
                compute::SlurmUpload {
                    pledge_id: PledgeId(body.pledge_id),
                    sacct: &body.sacct,
                    digest: body.digest.as_deref(),
                },
                crate::db::now(),
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(SlurmRecorded {
        delivery: Delivery::from(&row),
        preview: SlurmPreviewView::from(&preview),
    }))
}
