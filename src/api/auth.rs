//! Who is asking, from HTTP: the `Caller` extractor (a session's access token or a
//! personal API token, resolved by the application layer), the refresh cookie, and
//! the client's address behind trusted proxies.

use std::future::Future;
use std::net::IpAddr;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::{ApiError, AppState};
use crate::app::{Principal, sessions, tokens};
use crate::domain::net::{ClientKey, ForwardedHeader};

pub const REFRESH_COOKIE: &str = "openfund_refresh";
pub const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

/// An authenticated caller (see [`Principal`]); 401 when there is none or the
/// credential is invalid.
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub Principal);

impl Deref for Caller {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = resolve(req);
        Box::pin(async move {
            let principal = principal.await?;
            if let Some(pledge) = principal.pledge_scope() {
                // A pledge-scoped token does one thing, through `Reporter`.
                return Err(ApiError::forbidden(
                    "insufficient_scope",
                    format!("this API token may only report deliveries for pledge {pledge}"),
                ));
            }
            Ok(Caller(principal))
        })
    }
}

/// A caller that may also be an API token scoped to one compute pledge (see
/// [`crate::app::Credential::PledgeToken`]): only the delivery report takes it.
#[derive(Debug, Clone, Copy)]
pub struct Reporter(pub Principal);

impl FromRequest for Reporter {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = resolve(req);
        Box::pin(async move { Ok(Reporter(principal.await?)) })
    }
}

/// The principal behind the request's bearer credential, any kind.
fn resolve(req: &HttpRequest) -> impl Future<Output = Result<Principal, ApiError>> + 'static {
    let token = bearer_token(req).map(str::to_owned);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    async move {
        let token = token?;
        let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("state missing")))?;
        let principal = if tokens::is_api_token(&token) {
            tokens::authenticate(&state.services, &token).await?
        } else {
            sessions::authenticate(&state.services, &token).await?
        };
        Ok(principal)
    }
}

/// The bearer token, or 401 when there is none.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            "unauthenticated",
            "sign in, or send Authorization: Bearer <token>",
        )
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("invalid_token", "malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::unauthorized(
            "invalid_token",
            "the Authorization header must use the Bearer scheme",
        )),
    }
}

/// The refresh-token cookie: HttpOnly, Secure, SameSite=Strict, scoped to the auth API.
pub fn refresh_cookie(value: &str, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value.to_owned())
        .path(REFRESH_COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

pub fn clear_refresh_cookie() -> Cookie<'static> {
    refresh_cookie("", 0)
}

/// The refresh token the browser sent, if any.
pub fn presented_refresh(req: &HttpRequest) -> Option<String> {
    req.cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The client's address: the peer, or, when the peer is a trusted proxy, what the
/// proxies recorded (see `domain::net`).
pub fn client_ip(req: &HttpRequest, state: &AppState) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if state.proxies.is_empty() {
        return peer;
    }
    let name = match state.forwarded_header {
        ForwardedHeader::XForwardedFor => "x-forwarded-for",
        ForwardedHeader::Forwarded => "forwarded",
    };
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    state.proxies.client(peer, state.forwarded_header, &values)
}

/// What rate limits count this client as.
pub fn client_key(req: &HttpRequest, state: &AppState) -> ClientKey {
    ClientKey::of(client_ip(req, state))
}
