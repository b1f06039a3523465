//! Sign in with GitHub (OAuth web flow): start, and the callback GitHub redirects to.
//! The `state` also travels in a cookie, so a callback only completes in the browser
//! that started the flow (no login CSRF).

use crate::api::body::JsonObject;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::app::github::{self as flow, Completed, GithubSignInError};
use crate::domain::auth::{OAUTH_STATE_TTL, OAuthMode};
use crate::github::GithubOAuth;
use crate::security::secrets;

const STATE_COOKIE: &str = "openfund_oauth_state";
const STATE_COOKIE_PATH: &str = "/api/v1/auth/github";

#[derive(Debug, Deserialize, ToSchema)]
pub struct GithubStartRequest {
    pub mode: OAuthMode,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GithubStart {
    /// Send the browser here.
    pub authorize_url: String,
}

fn redirect_uri(state: &AppState) -> String {
    format!(
        "{}/api/v1/auth/github/callback",
        state.services.mail.public_url
    )
}

fn configured(state: &AppState) -> Result<GithubOAuth, ApiError> {
    state.github.clone().ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "github_disabled")
            .with_detail("GitHub sign-in is not configured here")
    })
}

/// Begin the GitHub OAuth flow; `link` needs a signed-in session.
#[utoipa::path(
    tag = "auth",
    request_body = GithubStartRequest,
    responses(
        (status = 200, description = "Where to send the browser", body = GithubStart),
        (status = 401, description = "Linking needs a signed-in session", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Linking needs a session, not an API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "GitHub sign-in is not configured", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/github/start")]
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonObject<GithubStartRequest>,
) -> Result<HttpResponse, ApiError> {
    let github = configured(&state)?;
    let mode = body.mode;
    let who = match mode {
        OAuthMode::Login => None,
        OAuthMode::Link => Some(<Caller as actix_web::FromRequest>::extract(&req).await?.0),
    };
    let secret = state
        .services
        .db
        .write(move |tx| flow::begin(tx, mode, who.as_ref(), crate::db::now()))
        .await?;
    // Lax: the callback is a top-level navigation from GitHub.
    let cookie = Cookie::build(STATE_COOKIE, secret.clone())
        .path(STATE_COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(OAUTH_STATE_TTL.num_seconds()))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(GithubStart {
        authorize_url: github.authorize_url(&secret, &redirect_uri(&state)),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set by GitHub when the user declined.
    pub error: Option<String>,
}

fn to_page(path: &str) -> HttpResponse {
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, path.to_owned()))
        .finish();
    let _ = res.add_removal_cookie(
        &Cookie::build(STATE_COOKIE, "")
            .path(STATE_COOKIE_PATH)
            .finish(),
    );
    res
}

fn fail(code: &str) -> HttpResponse {
    to_page(&format!("/signin/github?error={code}"))
}

/// Where GitHub sends the browser back. Always redirects to a page of the web app:
/// `/signin/github` (signed in, or `?error=<code>`), or `/settings?github=linked`.
#[utoipa::path(
    tag = "auth",
    params(CallbackQuery),
    responses((status = 303, description = "Back to the web app"))
)]
#[get("/auth/github/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(github) = state.github.clone() else {
        return Ok(fail("github_disabled"));
    };
    if query.error.is_some() {
        return Ok(fail("github_denied"));
    }
    let (Some(code), Some(state_param)) = (query.code.as_deref(), query.state.as_deref()) else {
        return Ok(fail("invalid_state"));
    };
    let cookie_matches = req
        .cookie(STATE_COOKIE)
        .is_some_and(|c| secrets::constant_time_eq(c.value().as_bytes(), state_param.as_bytes()));
    if !cookie_matches {
        return Ok(fail("invalid_state"));
    }
    let presented = flow::Presented {
        bearer: super::auth::bearer_token(&req).ok().map(str::to_owned),
        refresh: super::auth::presented_refresh(&req),
    };
    match flow::complete(
        &state.services,
        &github,
        code,
        state_param,
        &redirect_uri(&state),
        &presented,
    )
    .await
    {
        Ok(Completed::Linked) => Ok(to_page("/settings?github=linked")),
        Ok(Completed::SignedIn(issued)) => {
            // The refresh cookie rides on the redirect; the page then calls refresh.
            let session = super::accounts::session_response(&state, *issued);
            let mut res = to_page("/signin/github");
            for cookie in session.cookies() {
                let _ = res.add_cookie(&cookie.into_owned());
            }
            Ok(res)
        }
        Err(
            e @ (GithubSignInError::Db(_)
            | GithubSignInError::Session(_)
            | GithubSignInError::Secret(_)),
        ) => Err(match e {
            GithubSignInError::Db(d) => d.into(),
            other => ApiError::internal(other),
        }),
        Err(e) => {
            tracing::info!(error = %e, "GitHub sign-in did not complete");
            Ok(fail(e.code()))
        }
    }
}
