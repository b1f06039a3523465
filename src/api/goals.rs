//! Goals and fair-market values: `/api/v1/projects/{slug}/goals`, `/api/v1/goals/{id}`
//! (+ `/close`), `/api/v1/projects/{slug}/accelerator-values[/{code}]`. Parse, call
//! `app::goals`, answer.

use crate::api::body::JsonObject;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::ledger::{MoneyInput, MoneyView};
use super::{ApiError, AppState, Problem};
use crate::app::goals::{self, GoalPatch, GoalView, NewGoal, RawComputeTarget};
use crate::domain::cursor::KeysetPage;
use crate::domain::goal::{GoalStatus, Tally};
use crate::domain::ids::{GoalId, ProjectId};
use crate::store::goals::ValueRow;

/// GPU-minutes of one accelerator class, as sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ComputeInput {
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", example = "H100-80GB")]
    pub accelerator: String,
    /// Whole GPU-minutes: a JSON integer.
    #[schema(value_type = i64, minimum = 1, maximum = 1_000_000_000_000_i64, example = 60000)]
    pub gpu_minutes: serde_json::Value,
}

/// GPU-minutes of one accelerator class.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComputeView {
    #[schema(example = "H100-80GB")]
    pub accelerator: String,
    #[schema(example = 60000)]
    pub gpu_minutes: i64,
}

/// A new goal: a money target, compute targets, or both.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateGoal {
    /// Surrounding spaces are trimmed.
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Train the 7B model"
    )]
    pub title: String,
    /// Markdown.
    #[serde(default)]
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    pub description: String,
    /// When the goal expires if not met (RFC 3339, in the future), or null.
    pub deadline: Option<DateTime<Utc>>,
    /// In the project's currency.
    pub money_target: Option<MoneyInput>,
    /// GPU-minutes per accelerator class, each class once.
    #[serde(default)]
    #[schema(max_items = 32)]
    pub compute_targets: Vec<ComputeInput>,
}

/// `Some(None)` for an explicit `null`, `None` (by `default`) for an absent member.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Changes to a goal: members left out stay as they are; `null` removes the deadline or
/// the money target. Deadline and targets change only while the goal is open.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateGoal {
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub title: Option<String>,
    /// Markdown.
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
    )]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub deadline: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<MoneyInput>)]
    pub money_target: Option<Option<MoneyInput>>,
    /// Replaces every compute target.
    #[schema(max_items = 32)]
    pub compute_targets: Option<Vec<ComputeInput>>,
}

/// Progress toward the money target, in the project's currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MoneyProgress {
    pub target: MoneyView,
    /// Pledges not cancelled: one-time pledges in full, monthly pledges by what their
    /// instalments so far come to (at least one month while they run).
    pub pledged: MoneyView,
    /// What the ledger holds from the goal's pledges: their receipts (one-time pledges
    /// and instalments) net of reversals, so a reversed receipt counts nothing.
    pub received: MoneyView,
    /// Pledged as basis points of the target (10000 = 100 %), rounded down, not capped.
    pub pledged_basis_points: i64,
    /// Received as basis points of the target, rounded down, not capped.
    pub received_basis_points: i64,
}

/// Progress toward one compute target, in GPU-minutes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComputeProgress {
    #[schema(example = "H100-80GB")]
    pub accelerator: String,
    pub target_gpu_minutes: i64,
    /// Compute pledges still running or delivered in full; of a cancelled or expired
    /// pledge, only what was delivered.
    pub pledged_gpu_minutes: i64,
    /// What the ledger holds as used from the goal's pledges: confirmed deliveries net
    /// of reversals.
    pub delivered_gpu_minutes: i64,
    pub pledged_basis_points: i64,
    pub delivered_basis_points: i64,
}

/// Money and compute as one figure in the project's currency, compute valued at the
/// project's fair-market value per GPU-hour. Each part counts up to its own target, so
/// 10000 basis points means every target is reached; values are exact in sixtieths of
/// a minor unit and rounded down once (to minor units, to basis points).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CombinedProgress {
    pub target: MoneyView,
    pub pledged: MoneyView,
    pub received: MoneyView,
    /// 0–10000, rounded down.
    pub pledged_basis_points: i64,
    /// 0–10000, rounded down; 10000 exactly when every target is reached.
    pub received_basis_points: i64,
}

/// How far a goal got.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GoalProgress {
    /// Null without a money target.
    #[schema(required = true)]
    pub money: Option<MoneyProgress>,
    /// One per compute target.
    pub compute: Vec<ComputeProgress>,
    /// Null unless the project values every targeted class (see
    /// `/projects/{slug}/accelerator-values`).
    #[schema(required = true)]
    pub combined: Option<CombinedProgress>,
    /// Every target is reached by money received and compute delivered.
    pub reached: bool,
}

/// A goal with its targets and progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Goal {
    pub id: GoalId,
    pub project_id: ProjectId,
    pub title: String,
    /// Markdown (render it safely).
    pub description: String,
    #[schema(required = true)]
    pub deadline: Option<DateTime<Utc>>,
    #[schema(inline)]
    pub status: GoalStatus,
    /// When every target was first reached, or null.
    #[schema(required = true)]
    pub met_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub money_target: Option<MoneyView>,
    pub compute_targets: Vec<ComputeView>,
    pub progress: GoalProgress,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn money(currency: &str, amount_minor: i64) -> MoneyView {
    MoneyView {
        currency: currency.to_owned(),
        amount_minor,
    }
}

impl From<&GoalView> for Goal {
    fn from(v: &GoalView) -> Self {
        let c = v.currency.as_str();
        let p = &v.progress;
        let money_progress = |t: &Tally| MoneyProgress {
            target: money(c, t.target),
            pledged: money(c, t.pledged),
            received: money(c, t.received),
            pledged_basis_points: t.pledged_basis_points(),
            received_basis_points: t.received_basis_points(),
        };
        Goal {
            id: v.goal.id,
            project_id: v.goal.project_id,
            title: v.goal.title.clone(),
            description: v.goal.description.clone(),
            deadline: v.goal.deadline.map(|d| d.and_utc()),
            status: v.goal.status,
            met_at: v.goal.met_at.map(|d| d.and_utc()),
            money_target: v.goal.money_target_minor.map(|m| money(c, m)),
            compute_targets: v
                .targets
                .iter()
                .map(|t| ComputeView {
                    accelerator: t.accelerator.clone(),
                    gpu_minutes: t.gpu_minutes,
                })
                .collect(),
            progress: GoalProgress {
                money: p.money.as_ref().map(money_progress),
                compute: p
                    .compute
                    .iter()
                    .map(|(class, t)| ComputeProgress {
                        accelerator: class.clone(),
                        target_gpu_minutes: t.target,
                        pledged_gpu_minutes: t.pledged,
                        delivered_gpu_minutes: t.received,
                        pledged_basis_points: t.pledged_basis_points(),
                        delivered_basis_points: t.received_basis_points(),
                    })
                    .collect(),
                combined: p.combined.map(|k| CombinedProgress {
                    target: money(c, k.target_minor),
                    pledged: money(c, k.pledged_minor),
                    received: money(c, k.received_minor),
                    pledged_basis_points: k.pledged_basis_points,
                    received_basis_points: k.received_basis_points,
                }),
                reached: p.reached(),
            },
            created_at: v.goal.created_at.and_utc(),
            updated_at: v.goal.updated_at.and_utc(),
        }
    }
}

fn raw_targets(inputs: &[ComputeInput]) -> Vec<RawComputeTarget<'_>> {
    inputs
        .iter()
        .map(|t| RawComputeTarget {
            accelerator: &t.accelerator,
            gpu_minutes: &t.gpu_minutes,
        })
        .collect()
}

/// Post a goal. Owners, maintainers and site admins (an API token needs `write`).
#[utoipa::path(
    tag = "goals",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = CreateGoal,
    responses(
        (status = 201, description = "Posted", body = Goal),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`validation_failed`, e.g. no target, an unknown class), or another currency (`currency_mismatch`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/goals")]
pub async fn create_goal(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: JsonObject<CreateGoal>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let now = crate::db::now();
    let new = NewGoal::parse(
        &body.title,
        &body.description,
        body.deadline.map(|d| d.naive_utc()),
        body.money_target
            .as_ref()
            .map(|m| (m.currency.as_str(), &m.amount_minor)),
        &raw_targets(&body.compute_targets),
        now,
    )
    .map_err(ApiError::validation)?;
    let (slug, who) = (slug.into_inner(), caller.0);
    let view = state
        .services
        .db
        .write(move |tx| goals::create(tx, &who, &slug, new, now))
        .await?;
    Ok(HttpResponse::Created().json(Goal::from(&view)))
}

/// One page of goals, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GoalPage {
    pub items: Vec<Goal>,
    /// Pass as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GoalQuery {
    /// Only goals in this status (`open`: what the project raises toward now).
    #[param(inline)]
    pub status: Option<GoalStatus>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-z]{1,12}$")]
    pub cursor: Option<String>,
}

/// A project's goals with their progress, newest first (public); `status=open` for the
/// ones it raises toward now.
#[utoipa::path(
    tag = "goals",
    params(("slug" = String, Path, description = "The project's slug"), GoalQuery),
    responses(
        (status = 200, description = "One page of goals", body = GoalPage),
        (status = 400, description = "Invalid query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/goals")]
pub async fn list_goals(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<GoalQuery>,
) -> Result<web::Json<GoalPage>, ApiError> {
    let query = query.into_inner();
    let page = KeysetPage::parse(query.limit, query.cursor.as_deref())?;
    let slug = slug.into_inner();
    let (views, next_cursor) = state
        .services
        .db
        .read(move |conn| goals::page(conn, &slug, query.status, page))
        .await?;
    Ok(web::Json(GoalPage {
        items: views.iter().map(Goal::from).collect(),
        next_cursor,
    }))
}

/// One goal with its progress (public).
#[utoipa::path(
    tag = "goals",
    params(("id" = i64, Path, description = "The goal")),
    responses(
        (status = 200, description = "The goal", body = Goal),
        (status = 404, description = "No such goal", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/goals/{id}")]
pub async fn get_goal(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<Goal>, ApiError> {
    let id = GoalId(id.into_inner());
    let view = state
        .services
        .db
        .read(move |conn| goals::get(conn, id))
        .await?;
    Ok(web::Json(Goal::from(&view)))
}

/// Change a goal. Owners, maintainers and site admins. Title and description change in
/// any status; deadline and targets only while it is open (409 `goal_not_open`).
#[utoipa::path(
    tag = "goals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The goal")),
    request_body = UpdateGoal,
    responses(
        (status = 200, description = "Changed", body = Goal),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such goal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "New deadline or targets for a goal that is not open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, no target left, or another currency", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/goals/{id}")]
pub async fn update_goal(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonObject<UpdateGoal>,
) -> Result<web::Json<Goal>, ApiError> {
    let body = body.into_inner();
    let now = crate::db::now();
    let compute = body.compute_targets.as_deref().map(raw_targets);
    let patch = GoalPatch::parse(
        body.title.as_deref(),
        body.description.as_deref(),
        body.deadline.map(|d| d.map(|d| d.naive_utc())),
        body.money_target
            .as_ref()
            .map(|m| m.as_ref().map(|m| (m.currency.as_str(), &m.amount_minor))),
        compute.as_deref(),
        now,
    )
    .map_err(ApiError::validation)?;
    let (id, who) = (GoalId(id.into_inner()), caller.0);
    let view = state
        .services
        .db
        .write(move |tx| goals::update(tx, &who, id, patch, now))
        .await?;
    Ok(web::Json(Goal::from(&view)))
}

/// Close an open goal: it stops collecting (pledges made toward it stay). Owners,
/// maintainers and site admins; 409 `goal_not_open` unless it is open.
#[utoipa::path(
    tag = "goals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The goal")),
    responses(
        (status = 200, description = "Closed", body = Goal),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such goal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Met, closed or expired already", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/goals/{id}/close")]
pub async fn close_goal(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<Goal>, ApiError> {
    let (id, who) = (GoalId(id.into_inner()), caller.0);
    let view = state
        .services
        .db
        .write(move |tx| goals::close(tx, &who, id, crate::db::now()))
        .await?;
    Ok(web::Json(Goal::from(&view)))
}

/// What one GPU-hour of a class is worth to a project.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AcceleratorValue {
    #[schema(example = "H100-80GB")]
    pub accelerator: String,
    pub display_name: String,
    /// In the project's currency.
    pub value_per_gpu_hour: MoneyView,
}

fn value_view(currency: &str, row: &ValueRow) -> AcceleratorValue {
    AcceleratorValue {
        accelerator: row.accelerator.clone(),
        display_name: row.display_name.clone(),
        value_per_gpu_hour: money(currency, row.minor_per_gpu_hour),
    }
}

/// A project's fair-market values.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AcceleratorValues {
    pub items: Vec<AcceleratorValue>,
}

/// A project's fair-market value per GPU-hour of each class it set one for (public).
#[utoipa::path(
    tag = "goals",
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The values, by class", body = AcceleratorValues),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/accelerator-values")]
pub async fn list_accelerator_values(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<AcceleratorValues>, ApiError> {
    let slug = slug.into_inner();
    let (currency, rows) = state
        .services
        .db
        .read(move |conn| goals::values(conn, &slug))
        .await?;
    Ok(web::Json(AcceleratorValues {
        items: rows.iter().map(|r| value_view(&currency, r)).collect(),
    }))
}

/// A fair-market value to set.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetAcceleratorValue {
    /// In the project's currency.
    pub value_per_gpu_hour: MoneyInput,
}

/// Set what one GPU-hour of a catalogue class is worth to the project (replacing any
/// earlier value). Owners, maintainers and site admins; 422 `currency_mismatch` unless
/// in the project's currency; 404 for a class not in the catalogue.
#[utoipa::path(
    tag = "goals",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("code" = String, Path, description = "The accelerator class, e.g. H100-80GB")
    ),
    request_body = SetAcceleratorValue,
    responses(
        (status = 200, description = "Set", body = AcceleratorValue),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project or class", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid amount, or another currency", body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/projects/{slug}/accelerator-values/{code}")]
pub async fn set_accelerator_value(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: JsonObject<SetAcceleratorValue>,
) -> Result<web::Json<AcceleratorValue>, ApiError> {
    let body = body.into_inner();
    let value = goals::parse_value(
        &body.value_per_gpu_hour.currency,
        &body.value_per_gpu_hour.amount_minor,
    )
    .map_err(ApiError::validation)?;
    let ((slug, code), who) = (path.into_inner(), caller.0);
    let (currency, row) = state
        .services
        .db
        .write(move |tx| goals::set_value(tx, &who, &slug, &code, value))
        .await?;
    Ok(web::Json(value_view(&currency, &row)))
}

/// Remove the project's value of a class: compute of that class then counts toward no
/// combined figure. Owners, maintainers and site admins; 404 when there is none.
#[utoipa::path(
    tag = "goals",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("code" = String, Path, description = "The accelerator class")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, class or value", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/projects/{slug}/accelerator-values/{code}")]
pub async fn delete_accelerator_value(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let ((slug, code), who) = (path.into_inner(), caller.0);
    state
        .services
        .db
        .write(move |tx| goals::delete_value(tx, &who, &slug, &code))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
