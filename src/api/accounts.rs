//! `/api/v1/auth/*`: registration, email verification, sign-in, token refresh and
//! rotation, sign-out and password reset.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{self, REFRESH_COOKIE};
use super::{ApiError, AppState, Problem};
use crate::db::{self, AnyConnection};
use crate::domain::{Email, Violation, password};
use crate::mail::{self, Template};
use crate::security::{passwords, secrets};
use crate::store::{accounts, email_tokens, sessions};

pub const VERIFY_TTL_HOURS: i64 = 24;
pub const RESET_TTL_HOURS: i64 = 1;
pub const DISPLAY_NAME_MAX: usize = 80;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusResponse {
    /// What happened, e.g. `verification_sent`, `verified`, `password_changed`.
    pub status: String,
}

fn status(s: &str) -> StatusResponse {
    StatusResponse {
        status: s.to_owned(),
    }
}

/// The signed-in account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub email_verified: bool,
    pub is_admin: bool,
    #[schema(required = true)]
    pub github_login: Option<String>,
    /// False for accounts created through GitHub that never set a password.
    pub has_password: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<accounts::AccountRow> for Me {
    fn from(a: accounts::AccountRow) -> Self {
        Me {
            id: a.id,
            email: a.email,
            display_name: a.display_name,
            email_verified: a.email_verified_at.is_some(),
            is_admin: a.is_admin,
            github_login: a.github_login,
            has_password: a.password_hash.is_some(),
            created_at: a.created_at.and_utc(),
        }
    }
}

/// An access token for `Authorization: Bearer`, and who it is for. The refresh token
/// travels only in the `openfund_refresh` cookie.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub account: Me,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(
        max_length = 254,
        pattern = r#"^[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:"]{1,64}@([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-]([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-])?\.)+[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-]([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-])?$"#,
        example = "ada@example.org"
    )]
    pub email: String,
    /// 12–128 characters, not one character repeated, not a common password, not
    /// containing the email's name.
    #[schema(
        min_length = 12,
        max_length = 128,
        pattern = r"^(?!([\s\S])\1*$)",
        example = "correct-violet-harbour-engine"
    )]
    pub password: String,
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Ada"
    )]
    pub display_name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// The token from the emailed link.
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetConfirmRequest {
    pub token: String,
    #[schema(min_length = 12, max_length = 128, pattern = r"^(?!([\s\S])\1*$)")]
    pub password: String,
}

/// Display names: 1–80 characters, no control characters, not blank; trimmed.
pub fn parse_display_name(raw: &str) -> Result<String, Violation> {
    crate::domain::project::parse_label("display_name", raw, DISPLAY_NAME_MAX)
}

/// Creates a single-use mail token and returns the secret for the link.
pub fn new_email_token(
    conn: &mut AnyConnection,
    account_id: i64,
    purpose: &str,
    new_email: Option<&str>,
    ttl: chrono::Duration,
) -> Result<String, ApiError> {
    let (secret, hash) = secrets::generate("").map_err(ApiError::internal)?;
    let now = db::now();
    email_tokens::insert(conn, account_id, purpose, &hash, new_email, now, now + ttl)?;
    Ok(secret)
}

/// Create an account. The answer is the same whether or not the address already has
/// an account (the owner of an existing one gets a notice by mail instead).
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Verification mail queued", body = StatusResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email, display name or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip_key = format!("register:ip:{}", auth::client_ip(&req));
    state.limiter.consume(&ip_key)?;

    let body = body.into_inner();
    let mut problems = Vec::new();
    let email = Email::parse("email", &body.email)
        .map_err(|v| problems.push(v))
        .ok();
    let name = parse_display_name(&body.display_name)
        .map_err(|v| problems.push(v))
        .ok();
    if let Err(mut v) = password::check(
        "password",
        &body.password,
        email.as_ref().map(Email::as_str),
    ) {
        problems.append(&mut v);
    }
    let (Some(email), Some(name), true) = (email, name, problems.is_empty()) else {
        return Err(ApiError::validation(problems));
    };

    let password = body.password;
    let ctx = state.mail.clone();
    state
        .write(move |conn| {
            // Hash before looking: both paths cost the same.
            let hash = passwords::hash(&password)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
            let now = db::now();
            if let Some(existing) = accounts::find_by_email(conn, email.as_str())? {
                mail::queue(
                    conn,
                    &ctx,
                    &existing.email,
                    &Template::AccountExists {
                        name: existing.display_name,
                    },
                    now,
                )?;
                return Ok(());
            }
            let id = accounts::insert(
                conn,
                &accounts::NewAccount {
                    email: email.as_str(),
                    display_name: &name,
                    password_hash: Some(&hash),
                    email_verified_at: None,
                    is_admin: false,
                    github: None,
                },
                now,
            )?;
            let token = new_email_token(
                conn,
                id,
                email_tokens::VERIFY_EMAIL,
                None,
                chrono::Duration::hours(VERIFY_TTL_HOURS),
            )?;
            mail::queue(
                conn,
                &ctx,
                email.as_str(),
                &Template::VerifyEmail { name, token },
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Accepted().json(status("verification_sent")))
}

/// 404: no live link with this token exists (never issued, expired or used).
fn invalid_link() -> ApiError {
    ApiError::not_found("this link is invalid, expired or already used")
        .with_code("invalid_or_expired_link")
}

/// Confirm an email address (a new account's, or a changed one) from the mailed link.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Verified", body = StatusResponse),
        (status = 404, description = "Invalid, expired or used link", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new address was taken meanwhile", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    body: web::Json<TokenRequest>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let hash = secrets::hash(body.token.trim());
    state
        .write(move |conn| {
            let now = db::now();
            let token = email_tokens::consume(
                conn,
                &hash,
                &[email_tokens::VERIFY_EMAIL, email_tokens::CHANGE_EMAIL],
                now,
            )?
            .ok_or_else(invalid_link)?;
            match token.new_email {
                Some(new_email) => {
                    if accounts::find_by_email(conn, &new_email)?.is_some() {
                        return Err(ApiError::conflict(
                            "email_taken",
                            "another account uses this address now",
                        ));
                    }
                    accounts::set_email(conn, token.account_id, &new_email, now)?;
                }
                None => accounts::mark_verified(conn, token.account_id, now)?,
            }
            Ok(())
        })
        .await?;
    Ok(web::Json(status("verified")))
}

/// Send a new verification link, if the address has an unverified account.
#[utoipa::path(
    tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Queued if applicable", body = StatusResponse),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/verify-email/resend")]
pub async fn resend_verification(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip_key = format!("register:ip:{}", auth::client_ip(&req));
    state.limiter.consume(&ip_key)?;
    if let Ok(email) = Email::parse("email", &body.email) {
        let ctx = state.mail.clone();
        state
            .write(move |conn| {
                let Some(account) = accounts::find_by_email(conn, email.as_str())? else {
                    return Ok(());
                };
                if account.email_verified_at.is_some() {
                    return Ok(());
                }
                let now = db::now();
                email_tokens::invalidate(conn, account.id, email_tokens::VERIFY_EMAIL, now)?;
                let token = new_email_token(
                    conn,
                    account.id,
                    email_tokens::VERIFY_EMAIL,
                    None,
                    chrono::Duration::hours(VERIFY_TTL_HOURS),
                )?;
                mail::queue(
                    conn,
                    &ctx,
                    &account.email,
                    &Template::VerifyEmail {
                        name: account.display_name,
                        token,
                    },
                    now,
                )?;
                Ok(())
            })
            .await?;
    }
    Ok(HttpResponse::Accepted().json(status("verification_sent")))
}

/// Opens a session for `account` and answers with the access token and refresh cookie.
pub async fn start_session(
    state: &AppState,
    account: accounts::AccountRow,
) -> Result<HttpResponse, ApiError> {
    let ttl = state.refresh_ttl;
    let account_id = account.id;
    let (session_id, refresh_secret) = state
        .write(move |conn| {
            let now = db::now();
            let session_id = sessions::create(conn, account_id, now)?;
            let (refresh_secret, hash) = secrets::generate("").map_err(ApiError::internal)?;
            sessions::add_refresh_token(conn, session_id, &hash, now, now + ttl)?;
            Ok((session_id, refresh_secret))
        })
        .await?;
    session_response(state, account, session_id, &refresh_secret)
}

fn session_response(
    state: &AppState,
    account: accounts::AccountRow,
    session_id: i64,
    refresh_secret: &str,
) -> Result<HttpResponse, ApiError> {
    let now = chrono::Utc::now().timestamp();
    let access_token = state
        .jwt
        .issue(account.id, session_id, now)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .cookie(auth::refresh_cookie(
            refresh_secret,
            state.refresh_ttl.num_seconds(),
        ))
        .insert_header(("cache-control", "no-store"))
        .json(Session {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in: state.jwt.ttl_secs(),
            account: Me::from(account),
        }))
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "the email or password is wrong")
}

/// Sign in with email and password. Unknown addresses and wrong passwords take the
/// same path and get the same answer.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the refresh token is in the `openfund_refresh` cookie", body = Session),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Email not verified yet", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = body.email.trim().to_lowercase();
    let ip_key = format!("login:ip:{}", auth::client_ip(&req));
    let email_key = format!("login:email:{email}");
    state.limiter.check(&[&ip_key, &email_key])?;

    let password = body.password;
    let account = state
        .read(move |conn| {
            let account = accounts::find_by_email(conn, &email)?;
            let stored = account.as_ref().and_then(|a| a.password_hash.as_deref());
            Ok(passwords::verify(&password, stored)
                .then_some(account)
                .flatten())
        })
        .await?;
    let Some(account) = account else {
        let now = Instant::now();
        state.limiter.hit(&ip_key, now);
        state.limiter.hit(&email_key, now);
        return Err(invalid_credentials());
    };
    if account.email_verified_at.is_none() {
        return Err(ApiError::forbidden(
            "email_not_verified",
            "confirm your email address first; we can send the link again",
        ));
    }
    start_session(&state, account).await
}

enum Refreshed {
    Rotated(accounts::AccountRow, i64, String),
    Rejected(&'static str),
}

fn invalid_refresh(detail: &str) -> ApiError {
    ApiError::unauthorized("invalid_refresh_token", detail.to_owned())
}

/// Trade the refresh cookie for a new access token and a new refresh token. Presenting
/// a refresh token that was already spent revokes the whole session.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "New access token; the cookie is rotated", body = Session),
        (status = 401, description = "Missing, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let presented = req
        .cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_refresh("no refresh token; sign in"))?;
    let hash = secrets::hash(&presented);
    let ttl = state.refresh_ttl;
    let outcome = state
        .write(move |conn| {
            let now = db::now();
            let Some(found) = sessions::find_refresh_token(conn, &hash)? else {
                return Ok(Refreshed::Rejected("unknown refresh token"));
            };
            if found.session_revoked_at.is_some() {
                return Ok(Refreshed::Rejected("the session was signed out"));
            }
            if found.used_at.is_some() || !sessions::spend_refresh_token(conn, found.token_id, now)?
            {
                // A spent token came back: it was copied. End the whole family.
                sessions::revoke(conn, found.session_id, "refresh_token_reuse", now)?;
                tracing::warn!(
                    session_id = found.session_id,
                    "refresh token reuse: session revoked"
                );
                return Ok(Refreshed::Rejected(
                    "refresh token reuse detected; the session was revoked",
                ));
            }
            if found.expires_at <= now {
                return Ok(Refreshed::Rejected(
                    "the refresh token expired; sign in again",
                ));
            }
            let Some(account) = accounts::find(conn, found.account_id)? else {
                return Ok(Refreshed::Rejected("the account no longer exists"));
            };
            let (fresh, fresh_hash) = secrets::generate("").map_err(ApiError::internal)?;
            sessions::add_refresh_token(conn, found.session_id, &fresh_hash, now, now + ttl)?;
            Ok(Refreshed::Rotated(account, found.session_id, fresh))
        })
        .await?;
    match outcome {
        Refreshed::Rotated(account, session_id, fresh) => {
            session_response(&state, account, session_id, &fresh)
        }
        Refreshed::Rejected(why) => {
            let mut res = actix_web::ResponseError::error_response(&invalid_refresh(why));
            let _ = res.add_cookie(&auth::clear_refresh_cookie());
            Ok(res)
        }
    }
}

/// Sign out: revokes the session of the refresh cookie (and of the bearer token, if
/// one is sent) and clears the cookie.
#[utoipa::path(tag = "auth", responses((status = 204, description = "Signed out")))]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cookie_hash = req.cookie(REFRESH_COOKIE).map(|c| secrets::hash(c.value()));
    let bearer_session = auth::bearer_token(&req)
        .ok()
        .and_then(|t| state.jwt.verify(t).ok())
        .map(|claims| claims.sid);
    state
        .write(move |conn| {
            let now = db::now();
            if let Some(hash) = cookie_hash
                && let Some(found) = sessions::find_refresh_token(conn, &hash)?
            {
                sessions::revoke(conn, found.session_id, "logout", now)?;
            }
            if let Some(sid) = bearer_session {
                sessions::revoke(conn, sid, "logout", now)?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(auth::clear_refresh_cookie())
        .finish())
}

/// Mail a password-reset link, if the address has an account.
#[utoipa::path(
    tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Queued if the account exists", body = StatusResponse),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/password-reset")]
pub async fn password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip_key = format!("reset:ip:{}", auth::client_ip(&req));
    state.limiter.consume(&ip_key)?;
    if let Ok(email) = Email::parse("email", &body.email) {
        let ctx = state.mail.clone();
        state
            .write(move |conn| {
                let Some(account) = accounts::find_by_email(conn, email.as_str())? else {
                    return Ok(());
                };
                let now = db::now();
                let token = new_email_token(
                    conn,
                    account.id,
                    email_tokens::RESET_PASSWORD,
                    None,
                    chrono::Duration::hours(RESET_TTL_HOURS),
                )?;
                mail::queue(
                    conn,
                    &ctx,
                    &account.email,
                    &Template::ResetPassword {
                        name: account.display_name,
                        token,
                    },
                    now,
                )?;
                Ok(())
            })
            .await?;
    }
    Ok(HttpResponse::Accepted().json(status("reset_sent")))
}

/// Set a new password with the mailed link; signs out every session of the account.
#[utoipa::path(
    tag = "auth",
    request_body = ResetConfirmRequest,
    responses(
        (status = 200, description = "Password changed", body = StatusResponse),
        (status = 404, description = "Invalid, expired or used link", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password breaks a rule", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn password_reset_confirm(
    state: web::Data<AppState>,
    body: web::Json<ResetConfirmRequest>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let body = body.into_inner();
    let hash = secrets::hash(body.token.trim());
    state
        .write(move |conn| {
            let now = db::now();
            let token = email_tokens::consume(conn, &hash, &[email_tokens::RESET_PASSWORD], now)?
                .ok_or_else(invalid_link)?;
            let account = accounts::find(conn, token.account_id)?.ok_or_else(invalid_link)?;
            // A rule violation rolls back, so the link stays usable for a second try.
            password::check("password", &body.password, Some(&account.email))
                .map_err(ApiError::validation)?;
            let new_hash = passwords::hash(&body.password)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
            accounts::set_password(conn, account.id, &new_hash, now)?;
            // Proving control of the mailbox also proves the address.
            accounts::mark_verified(conn, account.id, now)?;
            email_tokens::invalidate(conn, account.id, email_tokens::RESET_PASSWORD, now)?;
            sessions::revoke_all(conn, account.id, "password_reset", now)?;
            Ok(())
        })
        .await?;
    Ok(web::Json(status("password_changed")))
}
