//! `/api/v1/auth/*`: registration, email verification, sign-in, token refresh and
//! rotation, sign-out and password reset. Parse, call `app::auth`/`app::sessions`,
//! answer.

use crate::api::body::JsonObject;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{self, client_key, presented_refresh};
use super::{ApiError, AppState, Problem};
use crate::app::auth::{self as accounts, Verified};
use crate::app::sessions::{self, Issued};
use crate::domain::ids::UserId;
use crate::security::secrets;
use crate::store::users::UserRow;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusResponse {
    /// What happened, e.g. `verification_sent`, `verified`, `already_verified`,
    /// `password_changed`.
    pub status: String,
}

pub fn status(s: &str) -> StatusResponse {
    StatusResponse {
        status: s.to_owned(),
    }
}

/// The signed-in user.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: UserId,
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

impl From<UserRow> for Me {
    fn from(u: UserRow) -> Self {
        Me {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            email_verified: u.email_verified_at.is_some(),
            is_admin: u.is_admin,
            github_login: u.github_login,
            has_password: u.password_hash.is_some(),
            created_at: u.created_at.and_utc(),
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
    /// Keep personal API tokens working (by default a reset revokes them all, since
    /// whoever knew the old password may have made some).
    #[serde(default)]
    pub keep_api_tokens: bool,
}

/// The answer to a sign-in or refresh: the session in the body, the refresh token in
/// its cookie.
pub fn session_response(state: &AppState, issued: Issued) -> HttpResponse {
    HttpResponse::Ok()
        .cookie(auth::refresh_cookie(
            &issued.refresh_secret,
            state.services.refresh_ttl.num_seconds(),
        ))
        .insert_header(("cache-control", "no-store"))
        .json(Session {
            access_token: issued.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: state.services.jwt.ttl_secs(),
            account: Me::from(issued.user),
        })
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
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to check passwords right now", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonObject<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_key(&req, &state);
    accounts::register(
        &state.services,
        client,
        &body.email,
        &body.display_name,
        &body.password,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(status("verification_sent")))
}

/// Confirm an email address (a new account's, or a changed one) from the mailed link.
/// Opening a used link again for an address that is confirmed answers
/// `already_verified`.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "`verified`, or `already_verified`", body = StatusResponse),
        (status = 404, description = "Invalid, expired or used link", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new address was taken meanwhile", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    body: JsonObject<TokenRequest>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let token = body.into_inner().token;
    let mail = state.services.mail.clone();
    let outcome = state
        .services
        .db
        .write(move |tx| accounts::verify_email(tx, &mail, &token, crate::db::now()))
        .await?;
    Ok(web::Json(status(match outcome {
        Verified::Verified => "verified",
        Verified::AlreadyVerified => "already_verified",
    })))
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
    body: JsonObject<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::request_verification(&state.services, client_key(&req, &state), &body.email).await?;
    Ok(HttpResponse::Accepted().json(status("verification_sent")))
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
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to check passwords right now", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonObject<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let issued = accounts::login(
        &state.services,
        client_key(&req, &state),
        &body.email,
        body.password,
    )
    .await?;
    Ok(session_response(&state, issued))
}

/// Trade the refresh cookie for a new access token and a new refresh token. A spent
/// refresh token presented again within 30 s is a retry and is answered the same way;
/// later, it revokes the whole session.
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
    let Some(presented) = presented_refresh(&req) else {
        return Err(ApiError::unauthorized(
            "invalid_refresh_token",
            "no refresh token; sign in",
        ));
    };
    match sessions::refresh(&state.services, presented).await {
        Ok(issued) => Ok(session_response(&state, issued)),
        Err(e @ sessions::SessionError::RefreshRejected(_)) => {
            let mut res = actix_web::ResponseError::error_response(&ApiError::from(e));
            let _ = res.add_cookie(&auth::clear_refresh_cookie());
            Ok(res)
        }
        Err(e) => Err(e.into()),
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
    let refresh_hash = presented_refresh(&req).map(|c| secrets::hash(&c));
    let access_session = auth::bearer_token(&req)
        .ok()
        .and_then(|t| state.services.jwt.verify(t).ok())
        .map(|claims| crate::domain::ids::SessionId(claims.sid));
    state
        .services
        .db
        .write(move |tx| {
            sessions::sign_out(
                tx,
                refresh_hash.as_deref(),
                access_session,
                crate::db::now(),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(auth::clear_refresh_cookie())
        .finish())
}

/// Mail a password-reset link, if the address has an account. The answer is the same,
/// and takes the same time, either way.
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
    body: JsonObject<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::request_password_reset(&state.services, client_key(&req, &state), &body.email)
        .await?;
    Ok(HttpResponse::Accepted().json(status("reset_sent")))
}

/// Set a new password with the mailed link; signs out every session and, unless
/// `keep_api_tokens`, revokes every personal API token.
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
    body: JsonObject<ResetConfirmRequest>,
) -> Result<web::Json<StatusResponse>, ApiError> {
    let body = body.into_inner();
    accounts::reset_password(
        &state.services,
        &body.token,
        body.password,
        body.keep_api_tokens,
    )
    .await?;
    Ok(web::Json(status("password_changed")))
}
