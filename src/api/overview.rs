//! `/api/v1/projects/{slug}/overview`: everything a project's page shows, in one call.
//! Read by `app::overview`; the serialized answer is cached per project until this
//! process writes anything (see [`crate::app::overview::OverviewCache`]).

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::goals::Goal;
use super::ledger::{Balance, LedgerTransaction, balances_view};
use super::projects::Project;
use super::sponsors::WallSponsor;
use super::{ApiError, AppState, Problem};
use crate::app::overview::{self, Lookup, Overview};

/// A project's page in one answer. Each list is bounded; the cursors continue them
/// through the project's own lists.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectOverview {
    pub project: Project,
    /// The newest 20 goals (any status) with their progress.
    pub goals: Vec<Goal>,
    /// Pass as `cursor` to `/projects/{slug}/goals` for the older goals; null if none.
    #[schema(required = true)]
    pub goals_next_cursor: Option<String>,
    /// The first 50 sponsors of the public wall, in its order (see
    /// `/projects/{slug}/sponsors`: approved sponsors of public pledges only; anonymous
    /// pledges never name their sponsor).
    pub sponsors: Vec<WallSponsor>,
    /// How many sponsors the whole wall has.
    pub sponsor_count: i64,
    /// The project's balances per ledger account and commodity (as
    /// `/projects/{slug}/balances`).
    pub balances: Vec<Balance>,
    /// The newest 10 ledger transactions, newest first (as `/projects/{slug}/ledger`).
    pub recent_transactions: Vec<LedgerTransaction>,
    /// Pass as `cursor` to `/projects/{slug}/ledger` for the older transactions; null
    /// if none.
    #[schema(required = true)]
    pub ledger_next_cursor: Option<String>,
}

impl From<Overview> for ProjectOverview {
    fn from(o: Overview) -> Self {
        ProjectOverview {
            project: Project::from(o.project),
            goals: o.goals.iter().map(Goal::from).collect(),
            goals_next_cursor: o.goals_next_cursor,
            sponsors: o.sponsors.iter().map(WallSponsor::from).collect(),
            sponsor_count: i64::try_from(o.sponsor_count).unwrap_or(i64::MAX),
            balances: balances_view(&o.balances),
            recent_transactions: o.recent.into_iter().map(LedgerTransaction::from).collect(),
            ledger_next_cursor: o.ledger_next_cursor,
        }
    }
}

/// Everything a project's page shows, in one call (public): the project, its newest
/// goals with progress, the first sponsors of its wall, its balances and its newest
/// ledger transactions. Changes made through this server show at once; changes made by
/// another instance within about a second.
#[utoipa::path(
    tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The project's page", body = ProjectOverview),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/overview")]
pub async fn project_overview(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let cache = &state.overview_cache;
    let arrived = state.services.db.write_generation();
    let body = match cache.lookup(&slug, arrived) {
        Lookup::Fresh(body) => body,
        Lookup::Aged(body, building) => match building.try_lock_owned() {
            // Someone else is rebuilding it: the entry of this generation meanwhile.
            Err(_) => body,
            Ok(_guard) => build(&state, slug).await?,
        },
        Lookup::Missing(building) => {
            let _guard = building.lock_owned().await;
            // Whoever held the lock may have built it since this request arrived: it
            // then reads every write this request could have seen.
            match cache.built_since(&slug, arrived) {
                Some(body) => body,
                None => build(&state, slug).await?,
            }
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(body))
}

/// Builds project `slug`'s answer from the database and caches it.
async fn build(state: &AppState, slug: String) -> Result<web::Bytes, ApiError> {
    // Both taken before the build's first read (see `OverviewCache`).
    let generation = state.services.db.write_generation();
    let started = std::time::Instant::now();
    let key = slug.clone();
    let built = state
        .services
        .db
        .read(move |conn| overview::load(conn, &key))
        .await?;
    let body = web::Bytes::from(
        serde_json::to_vec(&ProjectOverview::from(built)).map_err(ApiError::internal)?,
    );
    state
        .overview_cache
        .put(&slug, generation, started, body.clone());
    Ok(body)
}
