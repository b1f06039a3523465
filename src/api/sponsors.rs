//! Sponsors in public: `/api/v1/me/sponsor-profile`, a project's sponsor wall
//! (`/api/v1/projects/{slug}/sponsors`), the sponsors waiting for a maintainer's
//! decision (`…/sponsors/pending`) and the decision (`…/sponsors/{user_id}/approve`,
//! `…/reject`). Parse, call `app::sponsors`, answer.
//!
//! The web app renders a sponsor's link with `rel="sponsored nofollow noopener"`; the
//! API only ever hands out http(s) links.

use crate::api::body::JsonObject;
use actix_web::{get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::ledger::MoneyView;
use super::{ApiError, AppState, Problem};
use crate::app::sponsors::{self, ListedSponsor, Profile};
use crate::domain::ids::UserId;
use crate::domain::ledger::Commodity;
use crate::domain::sponsors::{ApprovalState, SponsorProfile};

/// The signed-in user's public face as a sponsor.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SponsorProfileView {
    /// The name shown on sponsor walls (the account's display name until a profile is
    /// saved).
    pub display_name: String,
    /// An http(s) link to the sponsor's site, or null.
    #[schema(required = true)]
    pub url: Option<String>,
    /// An http(s) link to the sponsor's logo, or null.
    #[schema(required = true)]
    pub logo_url: Option<String>,
    /// When the profile was last saved; null if it never was.
    #[schema(required = true)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<Profile> for SponsorProfileView {
    fn from(p: Profile) -> Self {
        SponsorProfileView {
            display_name: p.display_name,
            url: p.url,
            logo_url: p.logo_url,
            updated_at: p.updated_at.map(|t| t.and_utc()),
        }
    }
}

/// A new sponsor profile. Links are absolute http(s) URLs (`javascript:`, `data:` and
/// relative links → 422); null (or leaving one out) removes it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateSponsorProfile {
    /// Surrounding spaces are trimmed.
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Acme Compute"
    )]
    pub display_name: String,
    /// An absolute http(s) URL of a named host (the pattern is the whole rule).
    #[schema(
        max_length = 2000,
        pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$",
        example = "https://acme.example"
    )]
    pub url: Option<String>,
    #[schema(
        max_length = 2000,
        pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?)?$",
        example = "https://acme.example/logo.png"
    )]
    pub logo_url: Option<String>,
}

/// The caller's sponsor profile.
#[utoipa::path(
    tag = "sponsors",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = SponsorProfileView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/me/sponsor-profile")]
pub async fn my_sponsor_profile(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<web::Json<SponsorProfileView>, ApiError> {
    let who = caller.0;
    let profile = state
        .services
        .db
        .read(move |conn| sponsors::profile(conn, &who))
        .await?;
    Ok(web::Json(profile.into()))
}

/// Saves the caller's sponsor profile: what sponsor walls show once a project's
/// maintainers approve the sponsor.
#[utoipa::path(
    tag = "sponsors",
    security(("bearer" = [])),
    request_body = UpdateSponsorProfile,
    responses(
        (status = 200, description = "Saved", body = SponsorProfileView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or a link that is not http(s)", body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/me/sponsor-profile")]
pub async fn update_sponsor_profile(
    caller: Caller,
    state: web::Data<AppState>,
    body: JsonObject<UpdateSponsorProfile>,
) -> Result<web::Json<SponsorProfileView>, ApiError> {
    let who = caller.0;
    who.require_write()?;
    let body = body.into_inner();
    let profile = SponsorProfile::parse(
        &body.display_name,
        body.url.as_deref(),
        body.logo_url.as_deref(),
    )
    .map_err(ApiError::validation)?;
    let saved = state
        .services
        .db
        .write(move |tx| sponsors::save_profile(tx, &who, profile, crate::db::now()))
        .await?;
    Ok(web::Json(saved.into()))
}

/// Compute as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComputeTotal {
    #[schema(example = "H100-80GB")]
    pub accelerator: String,
    #[schema(example = 60000)]
    pub gpu_minutes: i64,
}

/// What a sponsor gave through public pledges: money per currency (minor units) and
/// compute per accelerator class (GPU-minutes).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SponsorTotals {
    pub money: Vec<MoneyView>,
    pub compute: Vec<ComputeTotal>,
}

fn totals(s: &ListedSponsor) -> SponsorTotals {
    let mut out = SponsorTotals::default();
    for (commodity, amount) in &s.totals {
        match commodity {
            Commodity::Money(c) => out.money.push(MoneyView {
                currency: c.code().to_owned(),
                amount_minor: *amount,
            }),
            Commodity::Compute(class) => out.compute.push(ComputeTotal {
                accelerator: class.as_str().to_owned(),
                gpu_minutes: *amount,
            }),
        }
    }
    out
}

/// A sponsor on a project's public wall.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WallSponsor {
    pub display_name: String,
    /// An http(s) link; render it with `rel="sponsored nofollow noopener"`.
    #[schema(required = true)]
    pub url: Option<String>,
    #[schema(required = true)]
    pub logo_url: Option<String>,
    pub totals: SponsorTotals,
}

impl From<&ListedSponsor> for WallSponsor {
    fn from(s: &ListedSponsor) -> Self {
        WallSponsor {
            display_name: s.display_name.clone(),
            url: s.url.clone(),
            logo_url: s.logo_url.clone(),
            totals: totals(s),
        }
    }
}

/// A project's sponsor wall.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SponsorWall {
    /// The project's currency, which orders the wall.
    pub currency: String,
    pub sponsors: Vec<WallSponsor>,
}

/// A project's public sponsor wall: sponsors with a public pledge whom a maintainer
/// approved (or, while auto-approval is on, whom nobody rejected), largest
/// contribution in the project's currency first, then most GPU-minutes. Anonymous
/// pledges never put their sponsor here, and totals count public pledges only.
#[utoipa::path(
    tag = "sponsors",
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The wall", body = SponsorWall),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/sponsors")]
pub async fn sponsor_wall(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<SponsorWall>, ApiError> {
    let slug = slug.into_inner();
    let (currency, shown) = state
        .services
        .db
        .read(move |conn| sponsors::wall(conn, &slug))
        .await?;
    Ok(web::Json(SponsorWall {
        currency,
        sponsors: shown.iter().map(WallSponsor::from).collect(),
    }))
}

/// A sponsor as the project's maintainers see them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectSponsor {
    pub user_id: UserId,
    pub display_name: String,
    #[schema(required = true)]
    pub url: Option<String>,
    #[schema(required = true)]
    pub logo_url: Option<String>,
    #[schema(inline)]
    pub state: ApprovalState,
    pub totals: SponsorTotals,
}

impl From<&ListedSponsor> for ProjectSponsor {
    fn from(s: &ListedSponsor) -> Self {
        ProjectSponsor {
            user_id: s.user_id,
            display_name: s.display_name.clone(),
            url: s.url.clone(),
            logo_url: s.logo_url.clone(),
            state: s.state,
            totals: totals(s),
        }
    }
}

/// Sponsors waiting for a decision.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PendingSponsors {
    pub items: Vec<ProjectSponsor>,
}

/// Sponsors with a public pledge whom no maintainer has approved or rejected yet (empty
/// while the project approves sponsors automatically). Owners, maintainers and site
/// admins.
#[utoipa::path(
    tag = "sponsors",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "Waiting sponsors", body = PendingSponsors),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/sponsors/pending")]
pub async fn pending_sponsors(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<PendingSponsors>, ApiError> {
    let (who, slug) = (caller.0, slug.into_inner());
    let rows = state
        .services
        .db
        .read(move |conn| sponsors::pending(conn, &who, &slug))
        .await?;
    Ok(web::Json(PendingSponsors {
        items: rows.iter().map(ProjectSponsor::from).collect(),
    }))
}

async fn decide(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    decision: ApprovalState,
) -> Result<web::Json<ProjectSponsor>, ApiError> {
    let (slug, user) = path.into_inner();
    let who = caller.0;
    let sponsor = state
        .services
        .db
        .write(move |tx| {
            sponsors::decide(tx, &who, &slug, UserId(user), decision, crate::db::now())
        })
        .await?;
    Ok(web::Json(ProjectSponsor::from(&sponsor)))
}

/// Show a sponsor on the project's wall. Owners, maintainers and site admins; a
/// decision can be changed later.
#[utoipa::path(
    tag = "sponsors",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("user_id" = i64, Path, description = "The sponsor's user id")
    ),
    responses(
        (status = 200, description = "Approved", body = ProjectSponsor),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or no public pledge by this user", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/sponsors/{user_id}/approve")]
pub async fn approve_sponsor(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<ProjectSponsor>, ApiError> {
    decide(caller, state, path, ApprovalState::Approved).await
}

/// Keep a sponsor off the project's wall (also while auto-approval is on). Owners,
/// maintainers and site admins.
#[utoipa::path(
    tag = "sponsors",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("user_id" = i64, Path, description = "The sponsor's user id")
    ),
    responses(
        (status = 200, description = "Rejected", body = ProjectSponsor),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or no public pledge by this user", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/sponsors/{user_id}/reject")]
pub async fn reject_sponsor(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<ProjectSponsor>, ApiError> {
    decide(caller, state, path, ApprovalState::Rejected).await
}
