//! Sign in with GitHub (OAuth web flow): start, and the callback GitHub redirects to.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::accounts;
use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::db;
use crate::security::secrets;
use crate::store::{self, oauth_states};

const STATE_COOKIE: &str = "openfund_oauth_state";
const STATE_TTL_MINUTES: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GithubMode {
    /// Sign in (or sign up) with GitHub.
    Login,
    /// Link GitHub to the signed-in account.
    Link,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GithubStartRequest {
    pub mode: GithubMode,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GithubStart {
    /// Send the browser here.
    pub authorize_url: String,
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}/api/v1/auth/github/callback", state.mail.public_url)
}

/// Begin the GitHub OAuth flow; `link` needs a signed-in session.
#[utoipa::path(
    tag = "auth",
    request_body = GithubStartRequest,
    responses(
        (status = 200, description = "Where to send the browser", body = GithubStart),
        (status = 401, description = "Linking needs a signed-in session", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "GitHub sign-in is not configured", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/github/start")]
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<GithubStartRequest>,
) -> Result<HttpResponse, ApiError> {
    let github = state.github.clone().ok_or_else(|| {
        ApiError::new(actix_web::http::StatusCode::NOT_FOUND, "github_disabled")
            .with_detail("GitHub sign-in is not configured here")
    })?;
    let account_id = match body.mode {
        GithubMode::Login => None,
        GithubMode::Link => {
            let caller = <Caller as actix_web::FromRequest>::extract(&req).await?;
            caller.require_session()?;
            Some(caller.account_id)
        }
    };
    let (state_secret, state_hash) = secrets::generate("").map_err(ApiError::internal)?;
    let mode = match body.mode {
        GithubMode::Login => "login",
        GithubMode::Link => "link",
    };
    state
        .write(move |conn| {
            let now = db::now();
            oauth_states::purge_expired(conn, now)?;
            oauth_states::insert(
                conn,
                &state_hash,
                mode,
                account_id,
                now,
                now + chrono::Duration::minutes(STATE_TTL_MINUTES),
            )?;
            Ok(())
        })
        .await?;
    // The state also goes into a cookie, so the callback only completes in the browser
    // that started it (no login CSRF). Lax: the callback is a top-level navigation.
    let cookie = Cookie::build(STATE_COOKIE, state_secret.clone())
        .path("/api/v1/auth/github")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::minutes(STATE_TTL_MINUTES))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(GithubStart {
        authorize_url: github.authorize_url(&state_secret, &redirect_uri(&state)),
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
            .path("/api/v1/auth/github")
            .finish(),
    );
    res
}

fn fail(code: &str) -> HttpResponse {
    to_page(&format!("/signin/github?error={code}"))
}

enum Outcome {
    SignIn(store::accounts::AccountRow),
    Linked,
    Failed(&'static str),
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
    let (Some(code), Some(state_param)) = (query.code.clone(), query.state.clone()) else {
        return Ok(fail("invalid_state"));
    };
    let cookie_matches = req
        .cookie(STATE_COOKIE)
        .is_some_and(|c| secrets::constant_time_eq(c.value().as_bytes(), state_param.as_bytes()));
    if !cookie_matches {
        return Ok(fail("invalid_state"));
    }
    let state_hash = secrets::hash(&state_param);
    let Some((mode, link_account)) = state
        .write(move |conn| Ok(oauth_states::take(conn, &state_hash, db::now())?))
        .await?
    else {
        return Ok(fail("invalid_state"));
    };

    let token = match github.exchange_code(&code, &redirect_uri(&state)).await {
        Ok(t) => t,
        Err(crate::github::GithubError::Denied(why)) => {
            tracing::info!(%why, "GitHub refused the OAuth code");
            return Ok(fail("github_denied"));
        }
        Err(e) => {
            tracing::warn!(error = %e, "GitHub OAuth exchange failed");
            return Ok(fail("github_unavailable"));
        }
    };
    let (user, verified_email) = match github.user(&token).await {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = ?e, "GitHub user lookup failed");
            return Ok(fail("github_unavailable"));
        }
    };

    let outcome = state
        .write(move |conn| {
            use store::accounts as acc;
            let now = db::now();
            let existing = acc::find_by_github_id(conn, user.id)?;
            if mode == "link" {
                let Some(me) = link_account else {
                    return Ok(Outcome::Failed("invalid_state"));
                };
                return match existing {
                    Some(other) if other.id != me => Ok(Outcome::Failed("github_already_linked")),
                    _ => {
                        acc::set_github(conn, me, Some((user.id, &user.login)), now)?;
                        Ok(Outcome::Linked)
                    }
                };
            }
            if let Some(account) = existing {
                // Keep the login current: GitHub users can rename themselves.
                acc::set_github(conn, account.id, Some((user.id, &user.login)), now)?;
                return Ok(Outcome::SignIn(account));
            }
            let Some(email) = verified_email else {
                return Ok(Outcome::Failed("github_email_unverified"));
            };
            let email = email.trim().to_lowercase();
            if let Some(account) = acc::find_by_email(conn, &email)? {
                // GitHub vouches for the address: link the identity to its account.
                acc::set_github(conn, account.id, Some((user.id, &user.login)), now)?;
                acc::mark_verified(conn, account.id, now)?;
                return Ok(Outcome::SignIn(
                    acc::find(conn, account.id)?.ok_or_else(|| ApiError::not_found("account"))?,
                ));
            }
            let display = user
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| user.login.clone());
            let display =
                accounts::parse_display_name(&display).unwrap_or_else(|_| user.login.clone());
            let id = acc::insert(
                conn,
                &acc::NewAccount {
                    email: &email,
                    display_name: &display,
                    password_hash: None,
                    email_verified_at: Some(now),
                    is_admin: false,
                    github: Some((user.id, &user.login)),
                },
                now,
            )?;
            Ok(Outcome::SignIn(
                acc::find(conn, id)?.ok_or_else(|| ApiError::not_found("account"))?,
            ))
        })
        .await?;

    match outcome {
        Outcome::Failed(code) => Ok(fail(code)),
        Outcome::Linked => Ok(to_page("/settings?github=linked")),
        Outcome::SignIn(account) => {
            let session = accounts::start_session(&state, account).await?;
            // Carry the refresh cookie over to the redirect; the page then calls refresh.
            let mut res = to_page("/signin/github");
            for cookie in session.cookies() {
                let _ = res.add_cookie(&cookie.into_owned());
            }
            Ok(res)
        }
    }
}
