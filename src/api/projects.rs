//! `/api/v1/projects`: list, read and create projects. Parse, call `app::projects`,
//! answer.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::app::projects;
use crate::domain::ids::ProjectId;
use crate::domain::{NewProject, PageRequest, ProjectKind};
use crate::store::projects::ProjectRow;

/// An open AI project raising money and compute.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    /// URL-safe handle, unique on this instance.
    #[schema(example = "bloom")]
    pub slug: String,
    #[schema(example = "BLOOM")]
    pub name: String,
    pub summary: String,
    pub kind: ProjectKind,
    /// Absolute http(s) URL, or null.
    #[schema(format = "uri", required = true)]
    pub homepage: Option<String>,
    /// The ISO 4217 code of the currency the project takes money pledges and records
    /// expenses in.
    #[schema(example = "USD")]
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

impl From<ProjectRow> for Project {
    fn from(row: ProjectRow) -> Self {
        Project {
            id: row.id,
            slug: row.slug,
            name: row.name,
            summary: row.summary,
            kind: row.kind,
            homepage: row.homepage,
            currency: row.currency,
            created_at: row.created_at.and_utc(),
        }
    }
}

/// One page of projects, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<Project>,
    /// This page's number, from 1.
    #[schema(minimum = 1)]
    pub page: u32,
    #[schema(minimum = 1, maximum = 100)]
    pub per_page: u32,
    /// Projects in all pages.
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// List projects, newest first.
#[utoipa::path(
    tag = "projects",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of projects", body = ProjectPage),
        (status = 400, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects")]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<ProjectPage>, ApiError> {
    let page =
        PageRequest::new(query.page, query.per_page).map_err(ApiError::invalid_parameters)?;
    let counts = state.services.project_count.clone();
    let (rows, total) = state
        .services
        .db
        .read(move |conn| projects::list(conn, &counts, page))
        .await?;
    Ok(web::Json(ProjectPage {
        items: rows.into_iter().map(Project::from).collect(),
        page: page.page(),
        per_page: page.per_page(),
        total,
    }))
}

/// Read one project by its slug.
#[utoipa::path(
    tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The project", body = Project),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}")]
pub async fn get(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<Project>, ApiError> {
    let slug = slug.into_inner();
    let row = state
        .services
        .db
        .read(move |conn| projects::get(conn, &slug))
        .await?;
    Ok(web::Json(Project::from(row)))
}

/// A request to create a project.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateProject {
    #[schema(
        min_length = 2,
        max_length = 64,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "pythia"
    )]
    pub slug: String,
    /// Display name; surrounding spaces are trimmed.
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Pythia"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    pub summary: String,
    pub kind: ProjectKind,
    /// Absolute http(s) URL.
    #[schema(
        format = "uri",
        max_length = 2000,
        pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/[!-~]*)?$"
    )]
    pub homepage: Option<String>,
}

/// Create a project; the caller becomes its owner. Needs a verified email address
/// and, with an API token, the `write` scope.
#[utoipa::path(
    tag = "projects",
    request_body = CreateProject,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Project,
         headers(("Location" = String, description = "URL of the new project"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Email not verified, or read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects")]
pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<CreateProject>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewProject::parse(
        &body.slug,
        &body.name,
        &body.summary,
        body.kind,
        body.homepage.as_deref(),
    )
    .map_err(ApiError::validation)?;
    let slug = new.slug.clone();
    let (who, counts) = (caller.0, state.services.project_count.clone());
    let row = state
        .services
        .db
        .write(move |tx| projects::create(tx, &who, new, &counts, crate::db::now()))
        .await?;
    let project = Project::from(row);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/projects/{slug}")))
        .json(project))
}
