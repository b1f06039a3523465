//! `/api/v1/admin/*`: what an operator needs to see: jobs (retry one, or every failed
//! job of a kind) and the mail outbox. Lists page by keyset cursor.

use crate::api::body::JsonObject;
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::app::admin;
use crate::domain::cursor::KeysetPage;
use crate::domain::ids::{JobId, OutboxId};
use crate::store::jobs::{JobRow, JobState};
use crate::store::outbox::OutboxRow;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Job {
    pub id: JobId,
    /// The job's kind, e.g. `send_mail`.
    pub kind: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<JobRow> for Job {
    fn from(j: JobRow) -> Self {
        Job {
            id: j.id,
            kind: j.kind,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at.and_utc(),
            last_error: j.last_error,
            created_at: j.created_at.and_utc(),
            updated_at: j.updated_at.and_utc(),
        }
    }
}

/// One page of jobs, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<Job>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// Only jobs in this state (e.g. `failed`).
    #[param(inline)]
    pub state: Option<JobState>,
    /// Only jobs of this kind (e.g. `send_mail`).
    #[param(max_length = 64, pattern = "^[a-z0-9_]{0,64}$")]
    pub kind: Option<String>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// Jobs, newest first; `state=failed` lists the ones that gave up.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(JobQuery),
    responses(
        (status = 200, description = "Jobs", body = JobPage),
        (status = 400, description = "Invalid query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a site admin", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/admin/jobs")]
pub async fn list_jobs(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<JobQuery>,
) -> Result<web::Json<JobPage>, ApiError> {
    let query = query.into_inner();
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    if let Some(kind) = &query.kind {
        admin::check_kind("kind", kind, true).map_err(|v| ApiError::invalid_parameters(vec![v]))?;
    }
    let who = caller.0;
    let (rows, next_cursor) = state
        .services
        .db
        .read(move |conn| admin::jobs(conn, &who, query.state, query.kind.as_deref(), page))
        .await?;
    Ok(web::Json(JobPage {
        items: rows.into_iter().map(Job::from).collect(),
        next_cursor,
    }))
}

/// Put a failed job back in the queue with a fresh attempt budget.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 204, description = "Re-queued"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a site admin, or read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No failed job with this id", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/admin/jobs/{id}/retry")]
pub async fn retry_job(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (who, id) = (caller.0, JobId(path.into_inner()));
    state
        .services
        .db
        .write(move |tx| admin::retry_job(tx, &who, id, crate::db::now()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RetryKind {
    /// Every failed job of this kind is re-queued, e.g. `send_mail` after an outage.
    #[schema(min_length = 1, max_length = 64, pattern = "^[a-z0-9_]{1,64}$")]
    pub kind: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Retried {
    /// How many failed jobs went back in the queue.
    pub retried: u64,
}

/// Put every failed job of one kind back in the queue.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = RetryKind,
    responses(
        (status = 200, description = "Re-queued", body = Retried),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a site admin, or read-only token", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/admin/jobs/retry")]
pub async fn retry_jobs(
    caller: Caller,
    state: web::Data<AppState>,
    body: JsonObject<RetryKind>,
) -> Result<web::Json<Retried>, ApiError> {
    let (who, kind) = (caller.0, body.into_inner().kind);
    let retried = state
        .services
        .db
        .write(move |tx| admin::retry_kind(tx, &who, &kind, crate::db::now()))
        .await?;
    Ok(web::Json(Retried {
        retried: retried as u64,
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutboxMessage {
    pub id: OutboxId,
    pub to: String,
    pub subject: String,
    /// Which message it is, e.g. `verify_email`, `reset_password`.
    pub template: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub attempts: i32,
    #[schema(required = true)]
    pub last_error: Option<String>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(m: OutboxRow) -> Self {
        OutboxMessage {
            id: m.id,
            to: m.to_address,
            subject: m.subject,
            template: m.template,
            created_at: m.created_at.and_utc(),
            sent_at: m.sent_at.map(|t| t.and_utc()),
            attempts: m.attempts,
            last_error: m.last_error,
        }
    }
}

/// One page of the outbox, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxMessage>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Include sent messages.
    pub all: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// The mail outbox: unsent messages (all with `all=true`), newest first. Bodies are
/// never shown: they may carry live links.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "Messages", body = OutboxPage),
        (status = 400, description = "Invalid query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a site admin", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/admin/outbox")]
pub async fn list_outbox(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<OutboxQuery>,
) -> Result<web::Json<OutboxPage>, ApiError> {
    let query = query.into_inner();
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    let (who, all) = (caller.0, query.all.unwrap_or(false));
    let (rows, next_cursor) = state
        .services
        .db
        .read(move |conn| admin::outbox(conn, &who, all, page))
        .await?;
    Ok(web::Json(OutboxPage {
        items: rows.into_iter().map(OutboxMessage::from).collect(),
        next_cursor,
    }))
}
