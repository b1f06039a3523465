//! Recognition over HTTP: `/api/v1/projects/{slug}/contributors` (the ranked list, per
//! kind), `/activity` (the feed) and `/contributions` (work a maintainer records, and
//! deleting a record). Parse, call `app::recognition`, answer.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::api::body::JsonObject;
use crate::app::pledges::Idempotent;
use crate::app::recognition::{self as flow, FeedItem, Profile, RankedContributor};
use crate::domain::contribution::{PairCursor, RecordedWork, RecordedWorkInput};
use crate::domain::cursor::{KeysetPage, PageError};
use crate::domain::github::kinds::ContributionKind;
use crate::security::secrets;
use crate::store::contribution_reads::ContributorProfile;
use crate::store::recorded_work::ContributionRow;

/// A contributor as public lists show them. People without a GitHub account (known
/// only by a commit email, which is never shown) are `anonymous`: their login, name,
/// avatar and link are null; show them as "Contributor without a GitHub account".
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContributorSummary {
    /// The identity credited (after identity merges: the identity merged into).
    pub id: i64,
    /// No GitHub account: nothing identifying is shown.
    pub anonymous: bool,
    /// The GitHub login as last seen.
    #[schema(required = true)]
    pub login: Option<String>,
    /// The name on the GitHub profile, if public.
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true, format = "uri")]
    pub avatar_url: Option<String>,
    /// The GitHub profile page.
    #[schema(required = true, format = "uri")]
    pub html_url: Option<String>,
    /// GitHub marks the account as a bot (or its login ends in `[bot]`).
    pub is_bot: bool,
}

impl From<Profile> for ContributorSummary {
    fn from(p: Profile) -> Self {
        ContributorSummary {
            id: p.id,
            anonymous: p.anonymous,
            login: p.login,
            name: p.name,
            avatar_url: p.avatar_url,
            html_url: p.html_url,
            is_bot: p.is_bot,
        }
    }
}

/// One line of a project's contributors list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContributorEntry {
    pub contributor: ContributorSummary,
    /// Distinct contributions of every kind (the sum of `counts`).
    pub total: i64,
    /// Distinct contributions per kind; kinds with none are left out.
    #[schema(value_type = BTreeMap<String, i64>, example = json!({"commit": 12, "pull_request_merged": 3, "data": 1}))]
    pub counts: BTreeMap<ContributionKind, i64>,
    /// When their first counted contribution happened.
    pub first_contribution_at: DateTime<Utc>,
    /// When their latest counted contribution happened.
    pub last_contribution_at: DateTime<Utc>,
}

impl From<&RankedContributor> for ContributorEntry {
    fn from(r: &RankedContributor) -> Self {
        ContributorEntry {
            contributor: ContributorSummary::from(r.profile.clone()),
            total: r.line.total,
            counts: r.line.counts.clone(),
            first_contribution_at: r.line.first_at.and_utc(),
            last_contribution_at: r.line.last_at.and_utc(),
        }
    }
}

/// One page of a project's contributors.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContributorPage {
    pub items: Vec<ContributorEntry>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `?limit=&cursor=` of the contributors list and the feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContributorsQuery {
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}\\.[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

fn cursor(raw: Option<&str>) -> Result<Option<PairCursor>, ApiError> {
    raw.map(|c| PairCursor::decode(c).ok_or(PageError::Cursor))
        .transpose()
        .map_err(ApiError::from)
}

/// A project's contributors (public), most contributions first, ties by contributor id:
/// each with distinct contributions per kind, credited after identity merges, counting
/// linked repositories and recorded work only (an unlinked repository's activity and
/// commits a force-push dropped do not count), without bots unless the project's
/// `count_bots` is on. People without a GitHub account are listed anonymously.
/// Changes made through this server show at once; those of another instance or
/// worker process within 5 seconds.
#[utoipa::path(
    tag = "recognition",
    params(("slug" = String, Path, description = "The project's slug"), ContributorsQuery),
    responses(
        (status = 200, description = "One page of contributors", body = ContributorPage),
        (status = 400, description = "`limit` out of range (`invalid_parameter`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/contributors")]
pub async fn list_contributors(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ContributorsQuery>,
) -> Result<web::Json<ContributorPage>, ApiError> {
    let limit = KeysetPage::parse(query.limit, None)?.limit();
    let after = cursor(query.cursor.as_deref())?;
    let ranking = flow::ranking(
        &state.services.db,
        &state.contributors_cache,
        &slug.into_inner(),
    )
    .await?;
    let (page, next_cursor) = flow::ranking_page(&ranking, after, limit as usize);
    Ok(web::Json(ContributorPage {
        items: page.iter().map(ContributorEntry::from).collect(),
        next_cursor,
    }))
}

/// One item of a project's activity feed: a contribution, credited after identity
/// merges.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActivityItem {
    /// The contribution's id (a maintainer deletes recorded work by it).
    pub id: i64,
    pub kind: ContributionKind,
    /// When it happened (recorded work: midnight UTC of its day).
    pub occurred_at: DateTime<Utc>,
    /// The commit's first line, the pull request's or issue's title, the release's
    /// name; null for recorded work and where GitHub gives none.
    #[schema(required = true)]
    pub title: Option<String>,
    /// Where to see it (on GitHub, or the link a maintainer gave).
    #[schema(required = true, format = "uri")]
    pub url: Option<String>,
    /// The repository's `owner/name`; null for recorded work.
    #[schema(required = true)]
    pub repository: Option<String>,
    /// Recorded by a maintainer rather than seen on GitHub.
    pub recorded: bool,
    /// What the work was (recorded work only; else null).
    #[schema(required = true)]
    pub description: Option<String>,
    pub contributor: ContributorSummary,
}

impl From<FeedItem> for ActivityItem {
    fn from(item: FeedItem) -> Self {
        let recorded = item.row.repository.is_none() && item.row.recorded_by.is_some();
        let (title, description) = if recorded {
            (None, item.row.title)
        } else {
            (item.row.title, None)
        };
        ActivityItem {
            id: item.row.id,
            kind: item.row.kind,
            occurred_at: item.row.occurred_at.and_utc(),
            title,
            url: item.row.url,
            repository: item.row.repository,
            recorded,
            description,
            contributor: item.contributor.into(),
        }
    }
}

/// One page of a project's activity.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<ActivityItem>,
    /// Pass as `cursor` (with the same `kind`) for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `?kind=&limit=&cursor=` of the feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// Only contributions of this kind.
    pub kind: Option<ContributionKind>,
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}\\.[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// A project's activity (public), newest first: what counts in its contributors list
/// (the same rules: merges, linked repositories, force-pushes, bots), GitHub activity
/// and recorded work in one stream, optionally of one `kind`. An item credited to two
/// identities merged into one person shows once.
#[utoipa::path(
    tag = "recognition",
    params(("slug" = String, Path, description = "The project's slug"), ActivityQuery),
    responses(
        (status = 200, description = "One page of activity", body = ActivityPage),
        (status = 400, description = "An unknown `kind` (`invalid_query`) or `limit` out of range (`invalid_parameter`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/activity")]
pub async fn list_activity(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ActivityQuery>,
) -> Result<web::Json<ActivityPage>, ApiError> {
    let limit = KeysetPage::parse(query.limit, None)?.limit();
    let before = cursor(query.cursor.as_deref())?;
    let (slug, kind) = (slug.into_inner(), query.kind);
    let (items, next_cursor) = state
        .services
        .db
        .read(move |conn| flow::activity(conn, &slug, kind, before, limit))
        .await?;
    Ok(web::Json(ActivityPage {
        items: items.into_iter().map(ActivityItem::from).collect(),
        next_cursor,
    }))
}

/// The kinds a maintainer records (GitHub's kinds come from GitHub only).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RecordableKind {
    Data,
    Evaluation,
    Infra,
    ComputeOperations,
    Doc,
    Design,
    Security,
    Research,
    Community,
}

/// Whom recorded work credits: exactly one of the two.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContributorInput {
    /// A contributor's `id` (as the contributors list and feed show it).
    #[schema(minimum = 1)]
    pub contributor_id: Option<i64>,
    /// A GitHub login (any case) that a synced repository has shown, or that an
    /// OpenFund account signed in with.
    #[schema(pattern = "^[A-Za-z0-9-]{1,39}$", example = "octocat")]
    pub github_login: Option<String>,
}

/// Work GitHub does not see, recorded by a maintainer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RecordContribution {
    #[schema(value_type = RecordableKind)]
    pub kind: String,
    pub contributor: ContributorInput,
    /// The day of the work (`YYYY-MM-DD`), from 2000-01-01 to tomorrow.
    #[schema(format = Date, example = "2026-11-30")]
    pub occurred_on: String,
    /// What the work was: 1–1000 characters (trimmed).
    #[schema(
        min_length = 1,
        max_length = 1000,
        example = "Curated and deduplicated the 2024 web crawl"
    )]
    pub description: String,
    /// A link to the work (absolute http(s)).
    #[schema(
        format = "uri",
        max_length = 2000,
        pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$"
    )]
    pub url: Option<String>,
}

/// The optional `Idempotency-Key` request header of recording work.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct OptionalIdempotencyHeader {
    /// 1 to 255 visible ASCII characters, e.g. a UUID, one per record: a retry with the
    /// same key records nothing more.
    #[serde(rename = "Idempotency-Key")]
    #[param(required = false, value_type = String, pattern = "^[!-~]{1,255}$", min_length = 1, max_length = 255)]
    pub idempotency_key: Option<String>,
}

fn recorded_view(row: &ContributionRow, profile: &ContributorProfile) -> ActivityItem {
    ActivityItem {
        id: row.id,
        kind: row.kind,
        occurred_at: row.occurred_at.and_utc(),
        title: None,
        url: row.url.clone(),
        repository: None,
        recorded: true,
        description: row.title.clone(),
        contributor: Profile::public(profile.clone()).into(),
    }
}

/// Record work GitHub does not see (data, evaluation, infrastructure, compute
/// operations, documentation, design, security and red-teaming, research, community):
/// it appears in the activity feed and counts in the contributors list like the rest.
/// Owners, maintainers and site admins (an API token needs `write`). The person is a
/// contributor id or a GitHub login already known (422 `validation_failed` with code
/// `unknown_contributor` on `contributor.…` otherwise). With an `Idempotency-Key` header, a retry
/// with the same key and body gets the first response again (`Idempotent-Replayed:
/// true`) and records nothing more; the same key with another body is 409
/// `idempotency_key_reused`.
#[utoipa::path(
    tag = "recognition",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug"), OptionalIdempotencyHeader),
    request_body = RecordContribution,
    responses(
        (status = 201, description = "Recorded (or the first response, replayed)", body = ActivityItem),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key was used with another body (`idempotency_key_reused`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (every one listed in `errors`), or an unknown contributor", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/contributions")]
pub async fn record_contribution(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: JsonObject<serde_json::Map<String, serde_json::Value>>,
) -> Result<HttpResponse, ApiError> {
    let key = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => Some(
            crate::domain::pledge::idempotency_key(v.to_str().ok())
                .map_err(|v| ApiError::bad_request("invalid_idempotency_key", v.message))?,
        ),
    };
    let body = serde_json::Value::Object(body.into_inner());
    let request_hash = secrets::hash(&super::pledges::canonical(&body));
    let parsed: RecordContribution = serde_json::from_value(body).map_err(|e| {
        ApiError::invalid_body(format!("the JSON body does not fit the schema: {e}"))
    })?;
    let today = crate::db::now().date();
    let work = RecordedWork::parse(
        &RecordedWorkInput {
            kind: &parsed.kind,
            contributor_id: parsed.contributor.contributor_id,
            github_login: parsed.contributor.github_login.as_deref(),
            occurred_on: &parsed.occurred_on,
            description: &parsed.description,
            url: parsed.url.as_deref(),
        },
        today,
    )
    .map_err(ApiError::validation)?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let stored = state
        .services
        .db
        .write(move |tx| {
            let request = key.as_deref().map(|key| Idempotent {
                key,
                request_hash: &request_hash,
            });
            flow::record(
                tx,
                &who,
                &slug,
                work,
                request,
                |row, profile| {
                    serde_json::to_string(&recorded_view(row, profile)).unwrap_or_default()
                },
                crate::db::now(),
            )
        })
        .await?;
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    let mut res = HttpResponse::build(status);
    res.content_type("application/json");
    if stored.replayed {
        res.insert_header(("idempotent-replayed", "true"));
    }
    Ok(res.body(stored.body))
}

/// Delete work a maintainer recorded (to correct it, delete it and record it again).
/// Owners, maintainers and site admins. Activity from GitHub follows GitHub: 409
/// `not_recorded`.
#[utoipa::path(
    tag = "recognition",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("id" = i64, Path, description = "The contribution's id (from the activity feed)")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or it has no such contribution", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A contribution from GitHub (`not_recorded`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/projects/{slug}/contributions/{id}")]
pub async fn delete_contribution(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let who = caller.0;
    state
        .services
        .db
        .write(move |tx| flow::delete(tx, &who, &slug, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordable_kinds_are_the_domains() {
        let documented: Vec<String> = [
            RecordableKind::Data,
            RecordableKind::Evaluation,
            RecordableKind::Infra,
            RecordableKind::ComputeOperations,
            RecordableKind::Doc,
            RecordableKind::Design,
            RecordableKind::Security,
            RecordableKind::Research,
            RecordableKind::Community,
        ]
        .iter()
        .map(|k| {
            serde_json::to_value(k)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
        let domain: Vec<String> = ContributionKind::ALL
            .iter()
            .filter(|k| k.is_recordable())
            .map(|k| k.as_str().to_owned())
            .collect();
        assert_eq!(documented, domain);
    }

    #[test]
    fn documented_cursor_patterns_are_the_domains() {
        let doc = serde_json::to_value(crate::api::openapi()).unwrap();
        for path in [
            "/api/v1/projects/{slug}/contributors",
            "/api/v1/projects/{slug}/activity",
        ] {
            let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
            let cursor = params.iter().find(|p| p["name"] == "cursor").unwrap();
            assert_eq!(
                cursor["schema"]["pattern"],
                crate::domain::contribution::PAIR_CURSOR_PATTERN,
                "{path}"
            );
        }
    }
}
