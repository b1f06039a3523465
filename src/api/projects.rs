//! `/api/v1/projects`: the public list (search, filter, sort, counts), one project,
//! creating and editing projects, archiving them, and their members; and
//! `/api/v1/me/projects`. Parse, call `app::projects`, answer.

use crate::api::body::JsonObject;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::app::projects::{self, ListRequest, MemberRef};
use crate::domain::ids::{ProjectId, UserId};
use crate::domain::policy::ProjectRole;
use crate::domain::project::{ListAfter, ListOrder, ProjectInput, ProjectPatch, search_key};
use crate::domain::{Email, NewProject, ProjectKind, Violation};
use crate::store::members::MemberRow;
use crate::store::projects::{ListFilter, ProjectRow};

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
    pub created_at: DateTime<Utc>,
    /// The long description, Markdown (CommonMark); clients render it without raw HTML.
    pub description: String,
    /// An SPDX license expression, e.g. `Apache-2.0 OR MIT`, or null.
    #[schema(required = true, example = "Apache-2.0")]
    pub license: Option<String>,
    /// Absolute http(s) URL of the source repository, or null.
    #[schema(format = "uri", required = true)]
    pub repository_url: Option<String>,
    /// Absolute http(s) URL of the model or data card, or null.
    #[schema(format = "uri", required = true)]
    pub model_card_url: Option<String>,
    /// The ISO 4217 code every money amount of the project is in.
    #[schema(example = "USD")]
    pub currency: String,
    /// Sponsors' public names appear without a maintainer's approval.
    pub auto_approve_sponsors: bool,
    /// The public contact (shown in the funding manifest), or null.
    #[schema(required = true)]
    pub contact_name: Option<String>,
    #[schema(format = "email", required = true)]
    pub contact_email: Option<String>,
    /// When the project was archived (it takes no new pledges or expenses), or null.
    #[schema(required = true)]
    pub archived_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Bots' activity (accounts GitHub marks as bots, logins ending in `[bot]`) counts
    /// in the project's contributors list and activity feed. Off by default.
    pub count_bots: bool,
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
            created_at: row.created_at.and_utc(),
            description: row.description,
            license: row.license,
            repository_url: row.repository_url,
            model_card_url: row.model_card_url,
            currency: row.currency,
            auto_approve_sponsors: row.auto_approve_sponsors,
            contact_name: row.contact_name,
            contact_email: row.contact_email,
            archived_at: row.archived_at.map(|t| t.and_utc()),
            updated_at: row.updated_at.and_utc(),
            count_bots: row.count_bots,
        }
    }
}

/// How many projects of one kind pass the list's filter (ignoring `kind`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KindCount {
    pub kind: ProjectKind,
    pub count: i64,
}

/// One page of projects, and counts over the whole filtered list (not only this page).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<Project>,
    /// Pass as `cursor` (with the same `q`, `kind`, `sort`) for the next page; null on
    /// the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// Projects that pass every filter (`q`, `kind`, `include_archived`).
    pub total: i64,
    /// Per kind, every kind listed (zero included), projects that pass `q` and
    /// `include_archived`: what the kind filter's chips show.
    pub kinds: Vec<KindCount>,
}

/// How to order the list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProjectSort {
    /// Newest first (the default).
    Newest,
    /// Most recently changed first.
    Updated,
    /// By name, case-insensitively, A→Z.
    Name,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only projects whose name contains this text, ignoring case (`%` and `_` are
    /// plain characters).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only projects of this kind.
    #[param(inline)]
    pub kind: Option<ProjectKind>,
    #[param(inline)]
    pub sort: Option<ProjectSort>,
    /// Items per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (of the same `sort`).
    #[param(pattern = "^[A-Za-z0-9_-]{1,1000}$")]
    pub cursor: Option<String>,
    /// Also list archived projects.
    pub include_archived: Option<bool>,
}

const DEFAULT_LIMIT: u32 = 20;
const Q_MAX: usize = 100;

fn list_request(query: ListQuery) -> Result<ListRequest, ApiError> {
    let mut errors = Vec::new();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=100).contains(&limit) {
        errors.push(Violation::new(
            "limit",
            "out_of_range",
            "must be between 1 and 100",
        ));
    }
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = q
        && (q.chars().count() > Q_MAX || q.chars().any(char::is_control))
    {
        errors.push(Violation::new(
            "q",
            "format",
            format!("must be at most {Q_MAX} characters, without control characters"),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_parameters(errors));
    }
    let order = match query.sort.unwrap_or(ProjectSort::Newest) {
        ProjectSort::Newest => ListOrder::Newest,
        ProjectSort::Updated => ListOrder::Updated,
        ProjectSort::Name => ListOrder::Name,
    };
    let after = match &query.cursor {
        None => None,
        Some(c) => Some(ListAfter::decode(c, order).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_cursor",
                "the cursor is not one this server handed out for this sort; start from the first page",
            )
        })?),
    };
    Ok(ListRequest {
        filter: ListFilter {
            q: q.map(search_key),
            kind: query.kind,
            include_archived: query.include_archived.unwrap_or(false),
        },
        order,
        after,
        limit,
    })
}

/// List projects: search by name, filter by kind, sort, keyset cursor; with counts
/// over the whole filtered list. Archived projects only with `include_archived=true`.
#[utoipa::path(
    tag = "projects",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of projects", body = ProjectList),
        (status = 400, description = "Invalid query parameters or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects")]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<ProjectList>, ApiError> {
    let req = list_request(query.into_inner())?;
    let order = req.order;
    let counts = state.services.project_count.clone();
    let page = state
        .services
        .db
        .read(move |conn| projects::list(conn, &counts, req))
        .await?;
    let kinds = ProjectKind::ALL
        .iter()
        .map(|k| KindCount {
            kind: *k,
            count: page
                .by_kind
                .iter()
                .filter(|(c, _)| c == k)
                .map(|(_, n)| *n)
                .sum(),
        })
        .collect();
    Ok(web::Json(ProjectList {
        items: page.rows.into_iter().map(Project::from).collect(),
        next_cursor: page.next.map(|a| a.encode(order)),
        total: page.total,
        kinds,
    }))
}

/// Read one project by its slug (archived ones too).
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

/// A field of a partial update: absent (`None`), `null` (`Some(None)`) or a value.
fn sent<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
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
        pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$"
    )]
    pub homepage: Option<String>,
    /// Markdown (CommonMark), at most 20,000 characters; raw HTML is never rendered.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = String, max_length = 20000, pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$")]
    pub description: Option<Option<String>>,
    /// An SPDX license expression (checked against the SPDX License List), at most 200
    /// characters, e.g. `Apache-2.0 OR MIT`.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, max_length = 200, example = "Apache-2.0")]
    pub license: Option<Option<String>>,
    /// Absolute http(s) URL of the source repository.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, format = "uri", max_length = 2000, pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$")]
    pub repository_url: Option<Option<String>>,
    /// Absolute http(s) URL of the model or data card.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, format = "uri", max_length = 2000, pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$")]
    pub model_card_url: Option<Option<String>>,
    /// ISO 4217 code (default `USD`); changes only before any money is pledged or
    /// booked (else 409 `currency_locked`).
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = String, pattern = "^[A-Z]{3}$", example = "EUR")]
    pub currency: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = bool)]
    pub auto_approve_sponsors: Option<Option<bool>>,
    /// The public contact's name (for the funding manifest).
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 120, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$")]
    pub contact_name: Option<Option<String>>,
    /// The public contact's email address.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, format = "email", max_length = 254)]
    pub contact_email: Option<Option<String>>,
}

/// The settings fields of a create or a patch, as sent.
macro_rules! details_input {
    ($body:expr) => {
        ProjectInput {
            description: $body.description,
            license: $body.license,
            repository_url: $body.repository_url,
            model_card_url: $body.model_card_url,
            currency: $body.currency,
            auto_approve_sponsors: $body.auto_approve_sponsors,
            contact_name: $body.contact_name,
            contact_email: $body.contact_email,
            ..ProjectInput::default()
        }
    };
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
    body: JsonObject<CreateProject>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let basics = NewProject::parse(
        &body.slug,
        &body.name,
        &body.summary,
        body.kind,
        body.homepage.as_deref(),
    );
    let details = ProjectPatch::parse(&details_input!(body));
    let new = match (basics, details) {
        (Ok(mut new), Ok(details)) => {
            new.details = details.into_details();
            new
        }
        (basics, details) => {
            let mut errors = basics.err().unwrap_or_default();
            errors.extend(details.err().unwrap_or_default());
            return Err(ApiError::validation(errors));
        }
    };
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

/// A partial update of a project's settings (JSON merge patch: an absent field stays
/// as it is, `null` clears an optional one). The slug never changes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateProject {
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = String, min_length = 1, max_length = 120, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = String, max_length = 1000, pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$")]
    pub summary: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = ProjectKind)]
    pub kind: Option<Option<ProjectKind>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, format = "uri", max_length = 2000, pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$")]
    pub homepage: Option<Option<String>>,
    /// Markdown (CommonMark), at most 20,000 characters; raw HTML is never rendered.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = String, max_length = 20000, pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$")]
    pub description: Option<Option<String>>,
    /// An SPDX license expression (checked against the SPDX License List), at most 200
    /// characters, e.g. `Apache-2.0 OR MIT`.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, max_length = 200, example = "Apache-2.0")]
    pub license: Option<Option<String>>,
    /// Absolute http(s) URL of the source repository.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, format = "uri", max_length = 2000, pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$")]
    pub repository_url: Option<Option<String>>,
    /// Absolute http(s) URL of the model or data card.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, format = "uri", max_length = 2000, pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$")]
    pub model_card_url: Option<Option<String>>,
    /// ISO 4217 code (default `USD`); changes only before any money is pledged or
    /// booked (else 409 `currency_locked`).
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = String, pattern = "^[A-Z]{3}$", example = "EUR")]
    pub currency: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = bool)]
    pub auto_approve_sponsors: Option<Option<bool>>,
    /// The public contact's name (for the funding manifest).
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 120, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$")]
    pub contact_name: Option<Option<String>>,
    /// The public contact's email address.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable, format = "email", max_length = 254)]
    pub contact_email: Option<Option<String>>,
    /// Count bots' activity in the contributors list and the activity feed (owners,
    /// maintainers and site admins, like every setting). Off by default.
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = bool)]
    pub count_bots: Option<Option<bool>>,
}

/// Change a project's settings (its owners and maintainers, and site admins; with an
/// API token, the `write` scope). Answers the project as it is now.
#[utoipa::path(
    tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    request_body(content = UpdateProject, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Project),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner, maintainer or admin, or read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`currency_locked`: money was pledged or booked", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/projects/{slug}")]
pub async fn update_project(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: JsonObject<UpdateProject>,
) -> Result<web::Json<Project>, ApiError> {
    let body = body.into_inner();
    let input = ProjectInput {
        name: body.name,
        summary: body.summary,
        kind: body.kind,
        homepage: body.homepage,
        count_bots: body.count_bots,
        ..details_input!(body)
    };
    let patch = ProjectPatch::parse(&input).map_err(ApiError::validation)?;
    let (who, counts, slug) = (
        caller.0,
        state.services.project_count.clone(),
        slug.into_inner(),
    );
    let row = state
        .services
        .db
        .write(move |tx| projects::update(tx, &who, &slug, patch, &counts, crate::db::now()))
        .await?;
    Ok(web::Json(Project::from(row)))
}

async fn set_archived(
    caller: Caller,
    state: web::Data<AppState>,
    slug: String,
    archived: bool,
) -> Result<web::Json<Project>, ApiError> {
    let (who, counts) = (caller.0, state.services.project_count.clone());
    let row = state
        .services
        .db
        .write(move |tx| {
            projects::set_archived(tx, &who, &slug, archived, &counts, crate::db::now())
        })
        .await?;
    Ok(web::Json(Project::from(row)))
}

/// Archive a project (owners and site admins): it takes no new pledges or expenses
/// (409 `project_archived`) and leaves the public list unless `include_archived`.
/// Archiving an archived project changes nothing.
#[utoipa::path(
    tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Archived", body = Project),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner or admin, or read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/archive")]
pub async fn archive_project(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<Project>, ApiError> {
    set_archived(caller, state, slug.into_inner(), true).await
}

/// Restore an archived project (owners and site admins).
#[utoipa::path(
    tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored", body = Project),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner or admin, or read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/unarchive")]
pub async fn unarchive_project(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<Project>, ApiError> {
    set_archived(caller, state, slug.into_inner(), false).await
}

/// A member of a project, as anyone may see them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectMember {
    pub user_id: UserId,
    pub display_name: String,
    /// The linked GitHub login, or null.
    #[schema(required = true)]
    pub github_login: Option<String>,
    #[schema(value_type = String, example = "maintainer", pattern = "^(owner|maintainer)$")]
    pub role: ProjectRole,
    pub since: DateTime<Utc>,
}

impl From<MemberRow> for ProjectMember {
    fn from(m: MemberRow) -> Self {
        ProjectMember {
            user_id: m.user_id,
            display_name: m.display_name,
            github_login: m.github_login,
            role: m.role,
            since: m.created_at.and_utc(),
        }
    }
}

/// The project's members, owners first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectMembers {
    pub items: Vec<ProjectMember>,
}

/// List a project's owners and maintainers (public).
#[utoipa::path(
    tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The members", body = ProjectMembers),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/members")]
pub async fn list_project_members(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<ProjectMembers>, ApiError> {
    let slug = slug.into_inner();
    let rows = state
        .services
        .db
        .read(move |conn| projects::members(conn, &slug))
        .await?;
    Ok(web::Json(ProjectMembers {
        items: rows.into_iter().map(ProjectMember::from).collect(),
    }))
}

/// The role of a new member.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    Owner,
    Maintainer,
}

/// Whom to add: exactly one of `email` and `user_id`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMember {
    /// The email address of an existing account.
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    /// An account's id.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub user_id: Option<serde_json::Value>,
    /// Default `maintainer`.
    pub role: Option<MemberRole>,
}

/// Add an owner or maintainer (owners and site admins). An email address or id without
/// an account is 422 `no_such_user`; a member already, 409 `already_member`.
#[utoipa::path(
    tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = AddMember,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = ProjectMember),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner or admin, or read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_member`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or `no_such_user`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/members")]
pub async fn add_project_member(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: JsonObject<AddMember>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user_id = match &body.user_id {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .or_else(|| {
                    v.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    ApiError::validation(vec![Violation::new(
                        "user_id",
                        "format",
                        "must be a positive whole number",
                    )])
                })?,
        ),
    };
    let member = match (body.email.as_deref(), user_id) {
        (Some(email), None) => MemberRef::Email(
            Email::parse("email", email).map_err(|v| ApiError::validation(vec![v]))?,
        ),
        (None, Some(id)) => MemberRef::Id(UserId(id)),
        _ => {
            return Err(ApiError::validation(vec![Violation::new(
                "email",
                "one_of",
                "give exactly one of email and user_id",
            )]));
        }
    };
    let role = match body.role.unwrap_or(MemberRole::Maintainer) {
        MemberRole::Owner => ProjectRole::Owner,
        MemberRole::Maintainer => ProjectRole::Maintainer,
    };
    let (who, slug) = (caller.0, slug.into_inner());
    let row = state
        .services
        .db
        .write(move |tx| projects::add_member(tx, &who, &slug, member, role, crate::db::now()))
        .await?;
    Ok(HttpResponse::Created().json(ProjectMember::from(row)))
}

/// Remove a member (owners and site admins; any member may remove themself). The last
/// owner cannot be removed: 409 `last_owner`.
#[utoipa::path(
    tag = "projects",
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("user_id" = i64, Path, description = "The member's user id")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner or admin, or read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or not a member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_owner`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/projects/{slug}/members/{user_id}")]
pub async fn remove_project_member(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, user_id) = path.into_inner();
    let who = caller.0;
    state
        .services
        .db
        .write(move |tx| projects::remove_member(tx, &who, &slug, UserId(user_id)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One of the caller's projects and their role in it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MyProject {
    pub project: Project,
    #[schema(value_type = String, example = "owner", pattern = "^(owner|maintainer)$")]
    pub role: ProjectRole,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MyProjects {
    pub items: Vec<MyProject>,
}

/// The projects the caller owns or maintains (archived ones too), by name.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's projects", body = MyProjects),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/me/projects")]
pub async fn my_projects(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<web::Json<MyProjects>, ApiError> {
    let who = caller.0;
    let rows = state
        .services
        .db
        .read(move |conn| projects::mine(conn, &who))
        .await?;
    Ok(web::Json(MyProjects {
        items: rows
            .into_iter()
            .map(|(p, role)| MyProject {
                project: Project::from(p),
                role,
            })
            .collect(),
    }))
}
