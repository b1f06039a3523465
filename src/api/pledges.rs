//! Pledges: `POST /api/v1/projects/{slug}/pledges` (with an `Idempotency-Key`),
//! `GET /api/v1/projects/{slug}/pledges`, `POST /api/v1/pledges/{id}/confirm`, `…/cancel`,
//! `GET /api/v1/me/pledges`. Parse, call `app::pledges`, answer.

use crate::api::body::JsonObject;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::ledger::{MoneyInput, MoneyView, PageQuery};
use super::{ApiError, AppState, Problem};
use crate::app::instalments;
use crate::app::pledges::{self, Idempotent};
use crate::domain::cursor::KeysetPage;
use crate::domain::delivery::NewComputePledge;
use crate::domain::ids::{GoalId, InstalmentId, PledgeId, ProjectId};
use crate::domain::pledge::{
    self as rules, InstalmentState, NewMoneyPledge, PledgeKind, PledgeState, Recurrence,
};
use crate::security::secrets;
use crate::store::instalments::InstalmentRow;
use crate::store::pledges::PledgeRow;

/// A pledge as its sponsor (and the project's maintainers) see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Pledge {
    pub id: PledgeId,
    pub project_id: ProjectId,
    #[schema(inline)]
    pub kind: PledgeKind,
    #[schema(inline)]
    pub state: PledgeState,
    /// The money pledged (each instalment, for a monthly pledge).
    #[schema(required = true)]
    pub amount: Option<MoneyView>,
    #[schema(inline, required = true)]
    pub recurrence: Option<Recurrence>,
    /// Whether the sponsor is hidden from every public view.
    pub anonymous: bool,
    #[schema(required = true)]
    pub message: Option<String>,
    /// The compute pledged (compute pledges), in whole GPU-minutes of a class.
    #[schema(required = true)]
    pub compute: Option<ComputeView>,
    /// Who provides the compute, if said (compute pledges).
    #[schema(required = true)]
    pub provider: Option<String>,
    /// The delivery window (compute pledges): what is not delivered by `window_end`
    /// expires.
    #[schema(required = true)]
    pub window_start: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub window_end: Option<DateTime<Utc>>,
    /// The goal it counts toward, if any.
    #[schema(required = true)]
    pub goal_id: Option<GoalId>,
    pub created_at: DateTime<Utc>,
}

/// A quantity of compute: whole GPU-minutes of one accelerator class.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComputeView {
    #[schema(example = "H100-80GB")]
    pub accelerator: String,
    #[schema(example = 60000)]
    pub gpu_minutes: i64,
}

impl From<&PledgeRow> for Pledge {
    /// For money pledges; a compute pledge needs its class, see [`Pledge::of`].
    fn from(r: &PledgeRow) -> Self {
        Pledge::of(r, None)
    }
}

impl Pledge {
    /// The view of a pledge; `class` is the code of a compute pledge's class.
    pub fn of(r: &PledgeRow, class: Option<&str>) -> Self {
        Pledge {
            id: r.id,
            project_id: r.project_id,
            kind: r.kind,
            state: r.state,
            amount: match (&r.currency, r.amount_minor) {
                (Some(currency), Some(amount_minor)) => Some(MoneyView {
                    currency: currency.clone(),
                    amount_minor,
                }),
                _ => None,
            },
            recurrence: r.recurrence,
            anonymous: r.anonymous,
            message: r.message.clone(),
            compute: match (class, r.gpu_minutes) {
                (Some(class), Some(gpu_minutes)) => Some(ComputeView {
                    accelerator: class.to_owned(),
                    gpu_minutes,
                }),
                _ => None,
            },
            provider: r.provider.clone(),
            window_start: r.window_start.map(|t| t.and_utc()),
            window_end: r.window_end.map(|t| t.and_utc()),
            goal_id: r.goal_id,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// A money pledge's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PledgeKindInput {
    Money,
}

/// A compute pledge's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComputeKindInput {
    Compute,
}

/// A compute pledge: GPU-minutes of a catalogue class, delivered within a window.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateComputePledge {
    pub kind: ComputeKindInput,
    /// `{"accelerator": "H100-80GB", "gpu_minutes": 60000}`: a class of the catalogue
    /// and whole GPU-minutes, `1..=10^12` (the web form's hours × 60).
    #[schema(value_type = crate::domain::ComputeAmount)]
    pub compute: serde_json::Value,
    /// Who provides the compute (a cloud, a cluster).
    #[schema(max_length = 200)]
    pub provider: Option<String>,
    /// When delivery may start; the moment of pledging if absent.
    pub window_start: Option<DateTime<Utc>>,
    /// When the window ends: after `window_start`, in the future, at most ten years
    /// ahead. What is not delivered by then expires.
    pub window_end: DateTime<Utc>,
    /// A goal of the project the pledge counts toward (a JSON integer, see
    /// [`goal_id`]).
    #[schema(value_type = Option<i64>, minimum = 1)]
    #[serde(default)]
    pub goal_id: Option<serde_json::Value>,
    /// Hide the sponsor from every public view.
    #[serde(default)]
    pub anonymous: bool,
    #[schema(max_length = 2000)]
    pub message: Option<String>,
}

/// A money or a compute pledge, told apart by `kind`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CreatePledgeRequest {
    Money(CreatePledge),
    Compute(CreateComputePledge),
}

/// The `Idempotency-Key` request header, for the OpenAPI document (the handler reads
/// it from the request; see [`rules::idempotency_key`] for the rule).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyHeader {
    /// 1 to 255 visible ASCII characters, e.g. a UUID; one per pledge.
    #[serde(rename = "Idempotency-Key")]
    #[param(
        required = true,
        pattern = "^[!-~]{1,255}$",
        min_length = 1,
        max_length = 255
    )]
    pub idempotency_key: String,
}

/// A money pledge.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePledge {
    pub kind: PledgeKindInput,
    /// In the project's currency: once, or each month.
    pub amount: MoneyInput,
    // `one_time` (the default) or `monthly`. No doc comment nor other schema attribute:
    // on an inlined enum utoipa would wrap them as `allOf: [enum, {"type": "object", …}]`,
    // which no value satisfies (and which the front end's generated types mangle).
    #[serde(default = "one_time")]
    #[schema(inline)]
    pub recurrence: Recurrence,
    /// Hide the sponsor from every public view.
    #[serde(default)]
    pub anonymous: bool,
    #[schema(max_length = 2000)]
    pub message: Option<String>,
    /// An open goal of this project the pledge counts toward (422 `unknown_goal` for
    /// another project's or none, `goal_not_open` for a met, closed or expired one).
    #[schema(value_type = Option<i64>, minimum = 1)]
    #[serde(default)]
    pub goal_id: Option<serde_json::Value>,
}

/// A JSON value as text with every object's members sorted by name and no spaces, so
/// the same request hashes the same however a client ordered or spaced it.
pub(crate) fn canonical(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = members
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

fn one_time() -> Recurrence {
    Recurrence::OneTime
}

/// Pledge money or compute to a project (`kind`). A compute pledge's class must be in
/// the catalogue; its grant enters the public ledger at once, and what is not delivered
/// by `window_end` expires. Needs a verified email address (an API token needs
/// `write`) and an `Idempotency-Key` header: a retry with the same key and body gets
/// the first response again (same status and body, `Idempotent-Replayed: true`); the
/// same key with another body is 409 `idempotency_key_reused`.
#[utoipa::path(
    tag = "pledges",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug"), IdempotencyHeader),
    request_body = CreatePledgeRequest,
    responses(
        (status = 201, description = "Pledged (or the first response, replayed)", body = Pledge),
        (status = 400, description = "Malformed JSON, or no Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Email not verified, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, another currency than the project's, or a goal that is not an open one of this project", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/pledges")]
pub async fn create_pledge(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: JsonObject<serde_json::Map<String, serde_json::Value>>,
) -> Result<HttpResponse, ApiError> {
    let key = rules::idempotency_key(
        req.headers()
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok()),
    )
    .map_err(|v| {
        let code = if v.code == "required" {
            "idempotency_key_required"
        } else {
            "invalid_idempotency_key"
        };
        ApiError::bad_request(code, v.message)
    })?;
    let body = serde_json::Value::Object(body.into_inner());
    let request_hash = secrets::hash(&canonical(&body));
    let (slug, who) = (slug.into_inner(), caller.0);
    let db = state.services.db.clone();
    let stored = if body.get("kind").and_then(|k| k.as_str()) == Some("compute") {
        let parsed: CreateComputePledge = serde_json::from_value(body).map_err(|e| {
            ApiError::invalid_body(format!("the JSON body does not fit the schema: {e}"))
        })?;
        let new = NewComputePledge::parse(
            &parsed.compute,
            parsed.provider.as_deref(),
            parsed.window_start,
            parsed.window_end,
            parsed.anonymous,
            parsed.message.as_deref(),
            crate::db::now(),
        )
        .map_err(ApiError::validation)?;
        let goal_id = goal_id(parsed.goal_id.as_ref())?;
        let class = new.accelerator.to_string();
        db.write(move |tx| {
            pledges::create_compute(
                tx,
                &who,
                &slug,
                Idempotent {
                    key: &key,
                    request_hash: &request_hash,
                },
                new,
                goal_id,
                |row| serde_json::to_string(&Pledge::of(row, Some(&class))).unwrap_or_default(),
                crate::db::now(),
            )
        })
        .await?
    } else {
        let parsed: CreatePledge = serde_json::from_value(body).map_err(|e| {
            ApiError::invalid_body(format!("the JSON body does not fit the schema: {e}"))
        })?;
        let mut new = NewMoneyPledge::parse(
            &parsed.amount.currency,
            &parsed.amount.amount_minor,
            parsed.recurrence,
            parsed.anonymous,
            parsed.message.as_deref(),
        )
        .map_err(ApiError::validation)?;
        new.goal_id = goal_id(parsed.goal_id.as_ref())?;
        let PledgeKindInput::Money = parsed.kind;
        db.write(move |tx| {
            pledges::create_money(
                tx,
                &who,
                &slug,
                Idempotent {
                    key: &key,
                    request_hash: &request_hash,
                },
                new,
                |row| serde_json::to_string(&Pledge::from(row)).unwrap_or_default(),
                crate::db::now(),
            )
        })
        .await?
    };
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    let mut res = HttpResponse::build(status);
    res.content_type("application/json");
    if stored.replayed {
        res.insert_header(("idempotent-replayed", "true"));
    }
    Ok(res.body(stored.body))
}

/// A maintainer confirms that a one-time money pledge's money arrived: it becomes
/// `received` and the public ledger records the receipt. Owners, maintainers and site
/// admins; 409 `invalid_state` unless the pledge is still `pledged`.
#[utoipa::path(
    tag = "pledges",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The pledge")),
    responses(
        (status = 200, description = "Received", body = Pledge),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer of the project, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pledge", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pledged any more (received or cancelled), or monthly", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/pledges/{id}/confirm")]
pub async fn confirm_pledge(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<Pledge>, ApiError> {
    let (id, who) = (PledgeId(id.into_inner()), caller.0);
    let row = state
        .services
        .db
        .write(move |tx| pledges::confirm_received(tx, &who, id, crate::db::now()))
        .await?;
    Ok(web::Json(Pledge::from(&row)))
}

/// The sponsor cancels a pledge that has not been received. 404 for anyone else's.
#[utoipa::path(
    tag = "pledges",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The pledge")),
    responses(
        (status = 200, description = "Cancelled", body = Pledge),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pledge of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Received or cancelled already", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/pledges/{id}/cancel")]
pub async fn cancel_pledge(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<Pledge>, ApiError> {
    let (id, who) = (PledgeId(id.into_inner()), caller.0);
    let row = state
        .services
        .db
        .write(move |tx| pledges::cancel(tx, &who, id, crate::db::now()))
        .await?;
    Ok(web::Json(Pledge::from(&row)))
}

/// One of the caller's pledges, with the project it went to (slug and name, for links).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MyPledge {
    #[serde(flatten)]
    pub pledge: Pledge,
    #[schema(example = "bloom")]
    pub project_slug: String,
    #[schema(example = "BLOOM")]
    pub project_name: String,
}

/// One page of the caller's pledges, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PledgePage {
    pub items: Vec<MyPledge>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// The caller's own pledges, anonymous ones included, each with its project's slug and
/// name.
#[utoipa::path(
    tag = "pledges",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "One page of pledges", body = PledgePage),
        (status = 400, description = "Invalid query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/me/pledges")]
pub async fn my_pledges(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<PledgePage>, ApiError> {
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    let who = caller.0;
    let (rows, next_cursor) = state
        .services
        .db
        .read(move |conn| pledges::mine(conn, &who, page))
        .await?;
    Ok(web::Json(PledgePage {
        items: rows
            .into_iter()
            .map(|p| MyPledge {
                pledge: Pledge::of(&p.pledge, p.accelerator.as_deref()),
                project_slug: p.project_slug,
                project_name: p.project_name,
            })
            .collect(),
        next_cursor,
    }))
}

/// A pledge in a project's list for its maintainers: the pledge and, unless it is
/// anonymous, its sponsor's display name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjectPledge {
    #[serde(flatten)]
    pub pledge: Pledge,
    /// The sponsor's display name; null for an anonymous pledge (maintainers tell it by
    /// its `id` only) and for a sponsor whose account was deleted.
    #[schema(required = true)]
    pub sponsor_name: Option<String>,
}

/// One page of a project's pledges, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectPledgePage {
    pub items: Vec<ProjectPledge>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectPledgeQuery {
    /// Only pledges in this state (`pledged`: waiting for a maintainer to confirm).
    #[param(inline)]
    pub state: Option<PledgeState>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// A project's pledges, e.g. `state=pledged` for those whose money a maintainer has to
/// confirm. Owners, maintainers and site admins. Anonymous pledges come without their
/// sponsor's name (`sponsor_name` null), to maintainers too.
#[utoipa::path(
    tag = "pledges",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug"), ProjectPledgeQuery),
    responses(
        (status = 200, description = "One page of pledges", body = ProjectPledgePage),
        (status = 400, description = "Invalid query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer of the project", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/pledges")]
pub async fn project_pledges(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ProjectPledgeQuery>,
) -> Result<web::Json<ProjectPledgePage>, ApiError> {
    let query = query.into_inner();
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let (items, next_cursor) = state
        .services
        .db
        .read(move |conn| pledges::page_of_project(conn, &who, &slug, query.state, page))
        .await?;
    Ok(web::Json(ProjectPledgePage {
        items: items
            .into_iter()
            .map(|p| ProjectPledge {
                pledge: Pledge::of(&p.pledge, p.accelerator.as_deref()),
                sponsor_name: p.sponsor_name,
            })
            .collect(),
        next_cursor,
    }))
}

/// One month of a monthly pledge.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Instalment {
    pub id: InstalmentId,
    pub pledge_id: PledgeId,
    /// 1 for the pledge's first month, 2 for the second, …
    pub number: i32,
    /// Midnight UTC of the day it falls due: the pledge's day of the month, or the
    /// month's last day when the month is shorter.
    pub due_at: DateTime<Utc>,
    pub amount: MoneyView,
    #[schema(inline)]
    pub state: InstalmentState,
    #[schema(required = true)]
    pub received_at: Option<DateTime<Utc>>,
}

fn instalment_view(row: &InstalmentRow, currency: &str) -> Instalment {
    Instalment {
        id: row.id,
        pledge_id: row.pledge_id,
        number: row.seq + 1,
        due_at: row.due_at.and_utc(),
        amount: MoneyView {
            currency: currency.to_owned(),
            amount_minor: row.amount_minor,
        },
        state: row.state,
        received_at: row.received_at.map(|t| t.and_utc()),
    }
}

/// One page of a project's instalments, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InstalmentPage {
    pub items: Vec<Instalment>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstalmentQuery {
    /// Only instalments in this state (`due`: waiting for confirmation).
    #[param(inline)]
    pub state: Option<InstalmentState>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// A project's instalments, e.g. `state=due` for those waiting for confirmation.
/// Owners, maintainers and site admins.
#[utoipa::path(
    tag = "pledges",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug"), InstalmentQuery),
    responses(
        (status = 200, description = "One page of instalments", body = InstalmentPage),
        (status = 400, description = "Invalid query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer of the project", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/instalments")]
pub async fn project_instalments(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<InstalmentQuery>,
) -> Result<web::Json<InstalmentPage>, ApiError> {
    let query = query.into_inner();
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let found = state
        .services
        .db
        .read(move |conn| instalments::page_of_project(conn, &who, &slug, query.state, page))
        .await?;
    Ok(web::Json(InstalmentPage {
        items: found
            .rows
            .iter()
            .map(|r| instalment_view(r, &found.currency))
            .collect(),
        next_cursor: found.next_cursor,
    }))
}

/// A maintainer confirms one instalment's money arrived: it becomes `received` and the
/// public ledger records the receipt. 409 `invalid_state` unless it is `due`.
#[utoipa::path(
    tag = "pledges",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The instalment")),
    responses(
        (status = 200, description = "Received", body = Instalment),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer of the project, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instalment", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Received already", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/instalments/{id}/confirm")]
pub async fn confirm_instalment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<Instalment>, ApiError> {
    let (id, who) = (InstalmentId(id.into_inner()), caller.0);
    let (row, currency) = state
        .services
        .db
        .write(move |tx| instalments::confirm(tx, &who, id, crate::db::now()))
        .await?;
    Ok(web::Json(instalment_view(&row, &currency)))
}

/// A pledge's `goal_id`: null or absent for none, else a positive JSON integer by the
/// same rule as amounts ([`crate::domain::decimal::positive_json_integer`]: `356.0` or
/// `"356"` is 422 `not_an_integer`, not a 400).
fn goal_id(raw: Option<&serde_json::Value>) -> Result<Option<GoalId>, ApiError> {
    match raw {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => crate::domain::decimal::positive_json_integer("goal_id", v, i64::MAX)
            .map(|id| Some(GoalId(id)))
            .map_err(|v| ApiError::validation(vec![v])),
    }
}
