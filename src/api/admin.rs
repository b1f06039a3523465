//! `/api/v1/admin/*`: what an operator needs to see — failed jobs and the mail outbox.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::db;
use crate::domain::{PageRequest, policy};
use crate::store::{jobs, outbox};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<Job>,
    #[schema(minimum = 1)]
    pub page: u32,
    #[schema(minimum = 1, maximum = 100)]
    pub per_page: u32,
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// Only jobs in this state (e.g. `failed`).
    #[param(inline)]
    pub state: Option<JobState>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    if policy::can_operate_instance(caller.standing) {
        Ok(())
    } else {
        Err(ApiError::forbidden("forbidden", "site admins only"))
    }
}

/// Jobs, newest first; `state=failed` lists the ones that gave up.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(JobQuery),
    responses(
        (status = 200, description = "Jobs", body = JobPage),
        (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
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
    require_admin(&caller)?;
    let page =
        PageRequest::new(query.page, query.per_page).map_err(ApiError::invalid_parameters)?;
    let filter = query.state.map(JobState::as_str);
    let (rows, total) = state
        .read(move |conn| Ok(jobs::list(conn, filter, page.limit(), page.offset())?))
        .await?;
    let items = rows
        .into_iter()
        .map(|j| Job {
            id: j.id,
            kind: j.kind,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at.and_utc(),
            last_error: j.last_error,
            created_at: j.created_at.and_utc(),
            updated_at: j.updated_at.and_utc(),
        })
        .collect();
    Ok(web::Json(JobPage {
        items,
        page: page.page(),
        per_page: page.per_page(),
        total,
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
    require_admin(&caller)?;
    caller.require_write()?;
    let id = path.into_inner();
    if !state
        .write(move |conn| Ok(jobs::retry(conn, id, db::now())?))
        .await?
    {
        return Err(ApiError::not_found("no failed job with this id"));
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutboxMessage {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub attempts: i32,
    #[schema(required = true)]
    pub last_error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxMessage>,
    #[schema(minimum = 1)]
    pub page: u32,
    #[schema(minimum = 1, maximum = 100)]
    pub per_page: u32,
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Include sent messages.
    pub all: Option<bool>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// The mail outbox: unsent messages (all with `all=true`), newest first.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "Messages", body = OutboxPage),
        (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
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
    require_admin(&caller)?;
    let page =
        PageRequest::new(query.page, query.per_page).map_err(ApiError::invalid_parameters)?;
    let all = query.all.unwrap_or(false);
    let (rows, total) = state
        .read(move |conn| Ok(outbox::list(conn, all, page.limit(), page.offset())?))
        .await?;
    let items = rows
        .into_iter()
        .map(|m| OutboxMessage {
            id: m.id,
            to: m.to_address,
            subject: m.subject,
            created_at: m.created_at.and_utc(),
            sent_at: m.sent_at.map(|t| t.and_utc()),
            attempts: m.attempts,
            last_error: m.last_error,
        })
        .collect();
    Ok(web::Json(OutboxPage {
        items,
        page: page.page(),
        per_page: page.per_page(),
        total,
    }))
}
