//! Liveness, readiness and Prometheus metrics.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiError, AppState};

#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Health {
    /// `ok` when the check passed.
    pub status: String,
}

/// The process is up and serving HTTP.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".to_owned(),
    })
}

/// The database is reachable and migrated.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database is not reachable", body = super::Problem, content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    let db = state.services.db.clone();
    web::block(move || db.check_ready()).await?.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::unavailable(e)
    })?;
    Ok(web::Json(Health {
        status: "ok".to_owned(),
    }))
}

/// Request counts and latency histograms by route and status, in Prometheus text format.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus exposition format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let body = state.metrics.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}

/// What a client needs to know about this instance before signing in.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Instance {
    /// The instance's display name.
    pub name: String,
    /// Whether "Sign in with GitHub" is configured.
    pub github_sign_in: bool,
    /// Whether outgoing mail is configured (otherwise it waits in the outbox).
    pub mail_delivery: bool,
}

/// Public facts about this instance.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The instance", body = Instance)))]
#[get("/instance")]
pub async fn instance(state: web::Data<AppState>) -> web::Json<Instance> {
    web::Json(Instance {
        name: state.services.mail.instance_name.clone(),
        github_sign_in: state.github.is_some(),
        mail_delivery: state.mail_delivery,
    })
}
