//! Who is asking: the `Caller` extractor (a session's JWT access token, or a personal
//! API token), scope checks, the refresh cookie, and per-client rate limits.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::{ApiError, AppState};
use crate::db;
use crate::domain::policy::Standing;
use crate::security::secrets;
use crate::store::{accounts, api_tokens, sessions};

pub const PAT_PREFIX: &str = "of_pat_";
pub const REFRESH_COOKIE: &str = "openfund_refresh";
pub const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub read: bool,
    pub write: bool,
}

impl Scopes {
    pub fn parse(stored: &str) -> Scopes {
        let has = |s: &str| stored.split(',').any(|x| x.trim() == s);
        Scopes {
            read: has("read") || has("write"),
            write: has("write"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Credential {
    Session { session_id: i64 },
    ApiToken { token_id: i64, scopes: Scopes },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub standing: Standing,
    pub credential: Credential,
}

impl Caller {
    /// Account management (password, email, tokens, deletion) needs a signed-in
    /// session, not a personal API token.
    pub fn require_session(&self) -> Result<i64, ApiError> {
        match self.credential {
            Credential::Session { session_id } => Ok(session_id),
            Credential::ApiToken { .. } => {
                Err(ApiError::new(StatusCode::FORBIDDEN, "session_required")
                    .with_detail("this action needs a signed-in session, not an API token"))
            }
        }
    }

    /// Changes need the `write` scope when the caller uses an API token.
    pub fn require_write(&self) -> Result<(), ApiError> {
        match self.credential {
            Credential::ApiToken { scopes, .. } if !scopes.write => {
                Err(ApiError::new(StatusCode::FORBIDDEN, "insufficient_scope")
                    .with_detail("this API token has the read scope only"))
            }
            _ => Ok(()),
        }
    }

    pub fn require(&self, allowed: bool) -> Result<(), ApiError> {
        if allowed {
            Ok(())
        } else {
            Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden")
                .with_detail("you may not do this"))
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req).map(str::to_owned);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token?;
            let state =
                state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("state missing")))?;
            authenticate(&state, token).await
        })
    }
}

fn invalid_token() -> ApiError {
    ApiError::unauthorized("invalid_token", "the access token is invalid or expired")
}

async fn authenticate(state: &AppState, token: String) -> Result<Caller, ApiError> {
    if token.starts_with(PAT_PREFIX) {
        let hash = secrets::hash(&token);
        let found = state
            .read(move |conn| Ok(api_tokens::find_by_hash(conn, &hash)?))
            .await?;
        let (row, account) = found.ok_or_else(invalid_token)?;
        // Record use at most once a minute: a busy automation should not turn every
        // read into a write.
        let now = db::now();
        if row
            .last_used_at
            .is_none_or(|t| now - t > chrono::Duration::seconds(60))
        {
            let id = row.id;
            state
                .write(move |conn| Ok(api_tokens::touch(conn, id, now)?))
                .await?;
        }
        return Ok(Caller {
            account_id: account.id,
            standing: standing(&account),
            credential: Credential::ApiToken {
                token_id: row.id,
                scopes: Scopes::parse(&row.scopes),
            },
        });
    }
    let claims = state.jwt.verify(&token).map_err(|_| invalid_token())?;
    let account_id: i64 = claims.sub.parse().map_err(|_| invalid_token())?;
    let session_id = claims.sid;
    let account = state
        .read(move |conn| {
            if sessions::active_account(conn, session_id)? != Some(account_id) {
                return Ok(None);
            }
            Ok(accounts::find(conn, account_id)?)
        })
        .await?
        .ok_or_else(invalid_token)?;
    Ok(Caller {
        account_id,
        standing: standing(&account),
        credential: Credential::Session { session_id },
    })
}

pub fn standing(account: &accounts::AccountRow) -> Standing {
    Standing {
        is_admin: account.is_admin,
        email_verified: account.email_verified_at.is_some(),
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

/// The client address used to key rate limits.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Fixed-window counters per key (e.g. `login:ip:1.2.3.4`), in this process.
pub struct RateLimiter {
    max: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        RateLimiter {
            max,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until `key` may try again, if it is over its limit.
    pub fn blocked_for(&self, key: &str, now: Instant) -> Option<u64> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let (start, count) = windows.get(key)?;
        let elapsed = now.saturating_duration_since(*start);
        (elapsed < self.window && *count >= self.max)
            .then(|| (self.window - elapsed).as_secs().max(1))
    }

    pub fn hit(&self, key: &str, now: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 50_000 {
            let window = self.window;
            windows.retain(|_, (start, _)| now.saturating_duration_since(*start) < window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    /// Counts one attempt against `key`, refusing it (429) when the key is over its limit.
    pub fn consume(&self, key: &str) -> Result<(), ApiError> {
        self.check(&[key])?;
        self.hit(key, Instant::now());
        Ok(())
    }

    /// 429 with Retry-After when any of `keys` is over its limit.
    pub fn check(&self, keys: &[&str]) -> Result<(), ApiError> {
        let now = Instant::now();
        match keys.iter().filter_map(|k| self.blocked_for(k, now)).max() {
            Some(secs) => Err(ApiError::rate_limited(secs)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_blocks_after_max_hits_until_the_window_passes() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.blocked_for("k", t0), None);
            limiter.hit("k", t0);
        }
        assert_eq!(
            limiter.blocked_for("k", t0 + Duration::from_secs(10)),
            Some(50)
        );
        assert_eq!(limiter.blocked_for("other", t0), None);
        assert_eq!(limiter.blocked_for("k", t0 + Duration::from_secs(61)), None);
        limiter.hit("k", t0 + Duration::from_secs(61));
        assert_eq!(limiter.blocked_for("k", t0 + Duration::from_secs(62)), None);
    }

    #[test]
    fn consume_counts_each_attempt_and_refuses_past_the_limit() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.consume("register:ip:1").is_ok());
        assert!(limiter.consume("register:ip:1").is_ok());
        let refused = limiter.consume("register:ip:1").unwrap_err();
        assert_eq!(
            (refused.status().as_u16(), refused.code()),
            (429, "rate_limited")
        );
        assert!(limiter.consume("register:ip:2").is_ok());
    }

    #[test]
    fn scopes_parse_and_write_implies_read() {
        assert_eq!(
            Scopes::parse("read"),
            Scopes {
                read: true,
                write: false
            }
        );
        assert_eq!(
            Scopes::parse("read,write"),
            Scopes {
                read: true,
                write: true
            }
        );
        assert_eq!(
            Scopes::parse("write"),
            Scopes {
                read: true,
                write: true
            }
        );
    }
}
