//! `/api/v1/me`: the signed-in user's account, its settings and its personal API
//! tokens. Parse, call `app::users`/`app::tokens`, answer.

use crate::api::body::JsonObject;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accounts::{Me, StatusResponse, status};
use super::auth::{self, Caller, client_key};
use super::{ApiError, AppState, Problem};
use crate::app::{tokens, users};
use crate::domain::Email;
use crate::domain::auth::{Scopes, TokenScope};
use crate::domain::ids::ApiTokenId;
use crate::domain::user::DisplayName;
use crate::store::api_tokens::ApiTokenRow;

/// The signed-in user.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/me")]
pub async fn me(caller: Caller, state: web::Data<AppState>) -> Result<web::Json<Me>, ApiError> {
    let who = caller.0;
    let user = state
        .services
        .db
        .read(move |conn| users::me(conn, &who))
        .await?;
    Ok(web::Json(Me::from(user)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMe {
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub display_name: String,
}

/// Change the display name.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = UpdateMe,
    responses(
        (status = 200, description = "Updated", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session, not an API token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid display name", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/me")]
pub async fn update_me(
    caller: Caller,
    state: web::Data<AppState>,
    body: JsonObject<UpdateMe>,
) -> Result<web::Json<Me>, ApiError> {
    let name = DisplayName::parse(&body.display_name).map_err(|v| ApiError::validation(vec![v]))?;
    let who = caller.0;
    let user = state
        .services
        .db
        .write(move |tx| users::rename(tx, &who, name, crate::db::now()))
        .await?;
    Ok(web::Json(Me::from(user)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePassword {
    /// Required when the account has a password.
    pub current_password: Option<String>,
    /// 12–128 characters; not a common password; not containing the email's name.
    #[schema(min_length = 12, max_length = 128, pattern = r"^(?!([\s\S])\1*$)")]
    pub new_password: String,
    /// Keep personal API tokens working (by default a password change revokes them all).
    #[serde(default)]
    pub keep_api_tokens: bool,
}

/// Change the password (or set a first one). Other sessions are signed out, and unless
/// `keep_api_tokens` every personal API token is revoked. An account without a
/// password must have signed in with GitHub in the last 10 minutes.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in, or wrong current password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session, or a recent sign-in with GitHub", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/me/password")]
pub async fn change_password(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: JsonObject<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    users::change_password(
        &state.services,
        client_key(&req, &state),
        &caller,
        body.current_password,
        body.new_password,
        body.keep_api_tokens,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeEmail {
    #[schema(
        max_length = 254,
        pattern = r#"^[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:"]{1,64}@([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-]([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-])?\.)+[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-]([^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff@<>()\[\]\\,;:".\-])?$"#
    )]
    pub new_email: String,
    /// Required when the account has a password.
    pub password: Option<String>,
}

/// Start moving the account to a new address: a link goes to the new address, and the
/// change happens when it is opened (the old address then gets a notice, and other
/// sessions are signed out). The answer is the same whether or not the address is
/// taken; its owner is told someone tried.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = ChangeEmail,
    responses(
        (status = 202, description = "Verification sent to the new address (if it is free)", body = StatusResponse),
        (status = 401, description = "Not signed in, or wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session, or a recent sign-in with GitHub", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid address", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/me/email")]
pub async fn change_email(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: JsonObject<ChangeEmail>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new_email =
        Email::parse("new_email", &body.new_email).map_err(|v| ApiError::validation(vec![v]))?;
    users::change_email(
        &state.services,
        client_key(&req, &state),
        &caller,
        new_email,
        body.password,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(status("verification_sent")))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteAccount {
    /// Required when the account has a password.
    pub password: Option<String>,
}

/// Delete the account. Its name and email are removed and it can no longer sign in;
/// what it contributed stays in the public record, anonymised. An account without a
/// password must have signed in with GitHub in the last 10 minutes.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = DeleteAccount,
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in, or wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session, or a recent sign-in with GitHub", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/me")]
pub async fn delete_me(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: JsonObject<DeleteAccount>,
) -> Result<HttpResponse, ApiError> {
    users::delete(
        &state.services,
        client_key(&req, &state),
        &caller,
        body.into_inner().password,
    )
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(auth::clear_refresh_cookie())
        .finish())
}

/// Unlink the GitHub identity (only when the account can still sign in with a password).
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "GitHub is the only way to sign in", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/me/github")]
pub async fn unlink_github(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    state
        .services
        .db
        .write(move |tx| users::unlink_github(tx, &who, crate::db::now()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A personal API token (without its secret).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it stops working; null: never.
    #[schema(required = true)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// For a token scoped to one compute pledge (its only power is reporting that
    /// pledge's deliveries; `scopes` is then empty); null for a personal token.
    #[schema(required = true)]
    pub pledge_id: Option<crate::domain::ids::PledgeId>,
}

impl From<ApiTokenRow> for ApiToken {
    fn from(r: ApiTokenRow) -> Self {
        ApiToken {
            id: r.id,
            name: r.name,
            scopes: if r.pledge_id.is_some() {
                Vec::new()
            } else {
                Scopes::from_db(&r.scopes).list()
            },
            prefix: r.prefix,
            created_at: r.created_at.and_utc(),
            last_used_at: r.last_used_at.map(|t| t.and_utc()),
            expires_at: r.expires_at.map(|t| t.and_utc()),
            pledge_id: r.pledge_id,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateApiToken {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\u0000-\u001f\u007f-\u009f]*$",
        example = "cluster reporter"
    )]
    pub name: String,
    /// `read`, `write` (implies read) and, for site admins only, `admin` (the token may
    /// use the admin's powers; without it an admin's token acts as a plain user).
    #[schema(min_items = 1)]
    pub scopes: Vec<TokenScope>,
    /// Days until the token stops working (1–366); leave out for no expiry.
    #[schema(minimum = 1, maximum = 366)]
    #[serde(default, deserialize_with = "whole_number")]
    pub expires_in_days: Option<u32>,
}

/// The new token with its secret, shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`. It is not stored and cannot be shown again.
    pub secret: String,
}

/// List personal API tokens.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tokens, newest first", body = [ApiToken]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/me/tokens")]
pub async fn list_tokens(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<ApiToken>>, ApiError> {
    let who = caller.0;
    let rows = state
        .services
        .db
        .read(move |conn| tokens::list(conn, &who))
        .await?;
    Ok(web::Json(rows.into_iter().map(ApiToken::from).collect()))
}

/// Create a personal API token for automation, e.g. a cluster reporting compute delivery.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = CreateApiToken,
    responses(
        (status = 201, description = "Created; the secret is in the body, once", body = CreatedApiToken),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session; the admin scope needs a site admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many tokens", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name, scopes or lifetime", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/me/tokens")]
pub async fn create_token(
    caller: Caller,
    state: web::Data<AppState>,
    body: JsonObject<CreateApiToken>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = tokens::NewToken::parse(&body.name, &body.scopes, body.expires_in_days)?;
    let who = caller.0;
    let (row, secret) = state
        .services
        .db
        .write(move |tx| tokens::create(tx, &who, new, crate::db::now()))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(CreatedApiToken {
            token: ApiToken::from(row),
            secret,
        }))
}

/// Revoke a personal API token.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token of yours", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/me/tokens/{id}")]
pub async fn revoke_token(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (who, id) = (caller.0, ApiTokenId(path.into_inner()));
    state
        .services
        .db
        .write(move |tx| tokens::revoke(tx, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An optional whole number that JSON may write as `30` or `30.0`: JSON Schema (and so
/// the OpenAPI document) counts both as integers, serde alone would refuse the second.
fn whole_number<'de, D>(d: D) -> Result<Option<u32>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = match (n.as_u64(), n.as_f64()) {
        (Some(u), _) => Some(u),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => {
            Some(f as u64)
        }
        _ => None,
    };
    whole
        .and_then(|u| u32::try_from(u).ok())
        .map(Some)
        .ok_or_else(|| {
            D::Error::custom(format!(
                "expected a whole number from 0 to {}, got {n}",
                u32::MAX
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiry(json: &str) -> Result<Option<u32>, serde_json::Error> {
        serde_json::from_str::<CreateApiToken>(&format!(
            r#"{{"name": "ci", "scopes": ["read"]{json}}}"#
        ))
        .map(|t| t.expires_in_days)
    }

    #[test]
    fn expiry_days_take_any_json_integer() {
        assert_eq!(expiry("").unwrap(), None);
        assert_eq!(expiry(r#", "expires_in_days": null"#).unwrap(), None);
        assert_eq!(expiry(r#", "expires_in_days": 30"#).unwrap(), Some(30));
        assert_eq!(expiry(r#", "expires_in_days": 77.0"#).unwrap(), Some(77));
        for bad in ["30.5", "-1", "1e20", "\"30\""] {
            assert!(
                expiry(&format!(r#", "expires_in_days": {bad}"#)).is_err(),
                "{bad}"
            );
        }
    }
}
