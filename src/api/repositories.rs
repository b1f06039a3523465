//! `/api/v1/projects/{slug}/repositories`: the GitHub repositories a project draws its
//! contributors' activity from. Parse, call `app::repositories`, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::api::body::JsonObject;
use crate::app::repositories::{self as flow, Listed, WithSecret};
use crate::domain::repository::{RepoFullName, SyncResource};
use crate::github::rest::AuthMode;
use crate::store::repositories::RepositoryRow;
use crate::store::sync_state::SyncStateRow;

/// Where GitHub delivers a repository's webhooks, under the instance's public URL.
pub const WEBHOOK_PATH: &str = "/api/v1/webhooks/github";

fn utc(t: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(|t| t.and_utc())
}

/// A repository linked to a project. Everyone sees its name and when it last synced;
/// `status` is for the project's owners, maintainers and site admins (null for others).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Repository {
    /// `owner/name` as it was linked.
    #[schema(example = "huggingface/transformers")]
    pub full_name: String,
    pub owner: String,
    pub name: String,
    /// When it was linked (or linked again).
    pub linked_at: DateTime<Utc>,
    /// When a sync last completed; null if none has.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The maintainers' view of its sync; null unless the caller may edit the project.
    pub status: Option<SyncStatus>,
}

/// How a repository's sync goes (for the project's maintainers).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SyncStatus {
    /// GitHub's id of the repository, once a sync has seen it.
    pub github_id: Option<i64>,
    pub default_branch: Option<String>,
    /// When a sync was last asked for (by a maintainer or the schedule).
    pub sync_requested_at: Option<DateTime<Utc>>,
    pub last_sync_started_at: Option<DateTime<Utc>>,
    /// Why the last sync stopped, if it failed after the last success.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// GitHub's primary rate limit as the last answer reported it.
    pub rate_limit: Option<RateLimitStatus>,
    /// Progress per resource synced so far.
    pub resources: Vec<ResourceStatus>,
}

/// GitHub's rate limit as last seen (`x-ratelimit-*` headers).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RateLimitStatus {
    /// Requests left in the window.
    pub remaining: i64,
    /// Requests per window.
    pub limit: i64,
    /// When the window resets.
    pub reset_at: DateTime<Utc>,
}

/// The sync of one resource of a repository.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResourceStatus {
    pub resource: SyncResource,
    /// Items stored (handled) so far.
    pub items_stored: i64,
    /// Requests sent to GitHub, 304s included.
    pub requests_spent: i64,
    /// Requests answered 304 Not Modified (free of rate limit).
    pub not_modified: i64,
    /// Whether a pass stopped part-way and will resume where it stopped.
    pub resuming: bool,
    /// Why the last sync left this resource out (e.g. reviews without GitHub
    /// credentials); null when it was synced.
    pub skipped: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<SyncStateRow> for ResourceStatus {
    fn from(s: SyncStateRow) -> Self {
        ResourceStatus {
            resource: s.resource,
            items_stored: s.items_stored,
            requests_spent: s.requests_spent,
            not_modified: s.not_modified,
            resuming: s.resume_url.is_some(),
            skipped: s.skipped,
            updated_at: s.updated_at.and_utc(),
        }
    }
}

fn view(r: RepositoryRow, sync: Option<Vec<SyncStateRow>>) -> Repository {
    let (owner, name) = match r.full_name.split_once('/') {
        Some((o, n)) => (o.to_owned(), n.to_owned()),
        None => (r.full_name.clone(), String::new()),
    };
    let status = sync.map(|states| SyncStatus {
        github_id: r.github_id,
        default_branch: r.default_branch.clone(),
        sync_requested_at: utc(r.sync_requested_at),
        last_sync_started_at: utc(r.last_sync_started_at),
        last_error: r.last_error.clone(),
        last_error_at: utc(r.last_error_at),
        rate_limit: match (
            r.rate_limit_remaining,
            r.rate_limit_limit,
            r.rate_limit_reset_at,
        ) {
            (Some(remaining), Some(limit), Some(reset_at)) => Some(RateLimitStatus {
                remaining,
                limit,
                reset_at: reset_at.and_utc(),
            }),
            _ => None,
        },
        resources: states.into_iter().map(ResourceStatus::from).collect(),
    });
    Repository {
        full_name: r.full_name,
        owner,
        name,
        linked_at: r.created_at.and_utc(),
        last_success_at: utc(r.last_success_at),
        status,
    }
}

/// A project's linked repositories.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RepositoryList {
    pub items: Vec<Repository>,
    /// How this instance authenticates to GitHub when it syncs: `token`, `app` (a
    /// GitHub App's installation tokens) or `unauthenticated` (60 requests an hour, no
    /// reviews).
    pub github_auth: AuthMode,
    /// What `github_auth` means for syncing, in a sentence.
    #[schema(
        example = "Syncing without GitHub credentials: 60 requests an hour, and pull-request reviews are skipped. Set OPENFUND_GITHUB_TOKEN or a GitHub App."
    )]
    pub github_auth_note: String,
}

/// A repository with its webhook's settings, as GitHub's "Add webhook" form asks for
/// them. The secret is shown in this answer only (and again only by rotating it).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RepositoryWebhook {
    pub repository: Repository,
    /// The Payload URL.
    #[schema(example = "https://openfund.example.org/api/v1/webhooks/github")]
    pub webhook_url: String,
    /// The Secret: 64 hex digits (256 random bits).
    pub webhook_secret: String,
}

fn with_webhook(state: &AppState, linked: WithSecret) -> RepositoryWebhook {
    RepositoryWebhook {
        // The caller may edit the project: they see the status too.
        repository: view(linked.repository, Some(linked.sync)),
        webhook_url: format!(
            "{}{WEBHOOK_PATH}",
            state.services.mail.public_url.trim_end_matches('/')
        ),
        webhook_secret: linked.webhook_secret,
    }
}

/// A repository to link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkRepository {
    /// `owner/name`: GitHub's owner (1–39 letters, digits, single inner hyphens) and
    /// repository name (1–100 of letters, digits, `.`, `-`, `_`; not `.` or `..`).
    #[schema(
        pattern = "^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$",
        example = "huggingface/transformers"
    )]
    pub full_name: String,
}

/// The repository named by the path; one no repository could have is not found.
fn path_name(owner: &str, name: &str) -> Result<RepoFullName, ApiError> {
    RepoFullName::from_parts("repository", owner, name).map_err(|_| {
        ApiError::not_found(format!(
            "this project has no linked repository {owner}/{name}"
        ))
    })
}

/// Link a GitHub repository to the project. Owners, maintainers and site admins (an API
/// token needs `write`). Answers the webhook's URL and secret, shown this once. A
/// repository belongs to one project: linked here or elsewhere already (names compare
/// case-insensitively) → 409 `repository_linked`. An archived project → 409
/// `project_archived`.
#[utoipa::path(
    tag = "repositories",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = LinkRepository,
    responses(
        (status = 201, description = "Linked; the secret is shown this once", body = RepositoryWebhook),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Linked already (`repository_linked`), or the project is archived (`project_archived`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a valid `owner/name`", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/repositories")]
pub async fn link_repository(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: JsonObject<LinkRepository>,
) -> Result<HttpResponse, ApiError> {
    let name = RepoFullName::parse("full_name", &body.full_name)
        .map_err(|v| ApiError::validation(vec![v]))?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let linked = state
        .services
        .db
        .write(move |tx| flow::link(tx, &who, &slug, &name, crate::db::now()))
        .await?;
    Ok(HttpResponse::Created().json(with_webhook(&state, linked)))
}

/// The project's linked repositories, by name (public). Callers who may edit the
/// project (a `read` token will do) also get each one's `status`: last error, GitHub's
/// rate limit, per-resource progress. Unlinked repositories are not listed. Never the
/// webhook secret.
#[utoipa::path(
    tag = "repositories",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The linked repositories", body = RepositoryList),
        (status = 401, description = "A credential was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/repositories")]
pub async fn list_repositories(
    req: HttpRequest,
    caller: Result<Caller, ApiError>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<RepositoryList>, ApiError> {
    // Anonymous callers are welcome; a credential that does not hold is refused as
    // everywhere else, rather than quietly read as anonymous.
    let who = match caller {
        Ok(caller) => Some(caller.0),
        Err(_) if !req.headers().contains_key(header::AUTHORIZATION) => None,
        Err(e) => return Err(e),
    };
    let slug = slug.into_inner();
    let rows: Vec<Listed> = state
        .services
        .db
        .read(move |conn| flow::list(conn, who.as_ref(), &slug))
        .await?;
    Ok(web::Json(RepositoryList {
        items: rows
            .into_iter()
            .map(|l| view(l.repository, l.sync))
            .collect(),
        github_auth: state.github_auth,
        github_auth_note: state.github_auth.note().to_owned(),
    }))
}

/// Give a linked repository a new webhook secret, shown this once; the old one stops
/// verifying at once (paste the new one into GitHub's webhook settings). Owners,
/// maintainers and site admins.
#[utoipa::path(
    tag = "repositories",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("owner" = String, Path, description = "The repository's owner"),
        ("name" = String, Path, description = "The repository's name")
    ),
    responses(
        (status = 200, description = "The new secret, shown this once", body = RepositoryWebhook),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or the project has no such linked repository", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/repositories/{owner}/{name}/rotate-secret")]
pub async fn rotate_repository_secret(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<web::Json<RepositoryWebhook>, ApiError> {
    let (slug, owner, name) = path.into_inner();
    let name = path_name(&owner, &name)?;
    let who = caller.0;
    let rotated = state
        .services
        .db
        .write(move |tx| flow::rotate_secret(tx, &who, &slug, &name))
        .await?;
    Ok(web::Json(with_webhook(&state, rotated)))
}

/// Unlink a repository: its contributions stay in the project's history but no longer
/// count, it is no longer synced and its webhooks are refused. Linking it again later
/// picks up where it left. Owners, maintainers and site admins.
#[utoipa::path(
    tag = "repositories",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("owner" = String, Path, description = "The repository's owner"),
        ("name" = String, Path, description = "The repository's name")
    ),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or the project has no such linked repository", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/projects/{slug}/repositories/{owner}/{name}")]
pub async fn unlink_repository(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, owner, name) = path.into_inner();
    let name = path_name(&owner, &name)?;
    let who = caller.0;
    state
        .services
        .db
        .write(move |tx| flow::unlink(tx, &who, &slug, &name, crate::db::now()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What a sync request did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SyncQueued {
    pub full_name: String,
    pub sync_requested_at: DateTime<Utc>,
    /// False when a sync of this repository was already queued or running: no second
    /// one is queued (a queued one is moved to now).
    pub queued: bool,
}

/// Sync a linked repository from GitHub now: queues a `sync_repository` job unless one
/// is queued or running for it (one repository never syncs twice at once). Its progress
/// shows in the list's `status`. Owners, maintainers and site admins; an archived
/// project → 409 `project_archived`.
#[utoipa::path(
    tag = "repositories",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("owner" = String, Path, description = "The repository's owner"),
        ("name" = String, Path, description = "The repository's name")
    ),
    responses(
        (status = 202, description = "Asked for", body = SyncQueued),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or the project has no such linked repository", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project is archived (`project_archived`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/repositories/{owner}/{name}/sync")]
pub async fn sync_repository(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, owner, name) = path.into_inner();
    let name = path_name(&owner, &name)?;
    let full_name = name.to_string();
    let who = caller.0;
    let requested = state
        .services
        .db
        .write(move |tx| flow::request_sync(tx, &who, &slug, &name, crate::db::now()))
        .await?;
    Ok(HttpResponse::Accepted().json(SyncQueued {
        full_name,
        sync_requested_at: requested.requested_at.and_utc(),
        queued: requested.queued,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_documented_pattern_is_the_domains() {
        let doc = serde_json::to_value(crate::api::openapi()).unwrap();
        let pattern =
            &doc["components"]["schemas"]["LinkRepository"]["properties"]["full_name"]["pattern"];
        assert_eq!(pattern, crate::domain::repository::PATTERN);
    }
}
