//! `/api/v1/me`: the signed-in account, its settings and its personal API tokens.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accounts::{Me, StatusResponse, new_email_token, parse_display_name};
use super::auth::{self, Caller, PAT_PREFIX};
use super::{ApiError, AppState, Problem};
use crate::db;
use crate::domain::{Email, Violation, password};
use crate::mail::{self, Template};
use crate::security::{passwords, secrets};
use crate::store::{accounts, api_tokens, email_tokens, sessions};

pub const MAX_TOKENS: i64 = 50;
pub const TOKEN_NAME_MAX: usize = 64;

async fn load(state: &AppState, id: i64) -> Result<accounts::AccountRow, ApiError> {
    state
        .read(move |conn| Ok(accounts::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "the account no longer exists"))
}

/// The signed-in account.
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
    Ok(web::Json(Me::from(load(&state, caller.account_id).await?)))
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
    body: web::Json<UpdateMe>,
) -> Result<web::Json<Me>, ApiError> {
    caller.require_session()?;
    let name = parse_display_name(&body.display_name).map_err(|v| ApiError::validation(vec![v]))?;
    let id = caller.account_id;
    state
        .write(move |conn| Ok(accounts::set_display_name(conn, id, &name, db::now())?))
        .await?;
    Ok(web::Json(Me::from(load(&state, id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePassword {
    /// Required when the account has a password.
    pub current_password: Option<String>,
    /// 12–128 characters; not a common password; not containing the email's name.
    #[schema(min_length = 12, max_length = 128, pattern = r"^(?!([\s\S])\1*$)")]
    pub new_password: String,
}

fn check_current_password(
    account: &accounts::AccountRow,
    given: Option<&str>,
) -> Result<(), ApiError> {
    match &account.password_hash {
        None => Ok(()),
        Some(hash) => {
            if passwords::verify(given.unwrap_or_default(), Some(hash)) {
                Ok(())
            } else {
                Err(ApiError::unauthorized(
                    "invalid_credentials",
                    "the current password is wrong",
                ))
            }
        }
    }
}

/// Change the password; other sessions are signed out.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in, or wrong current password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password breaks a rule", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/me/password")]
pub async fn change_password(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let session_id = caller.require_session()?;
    let body = body.into_inner();
    let id = caller.account_id;
    state
        .write(move |conn| {
            let account =
                accounts::find(conn, id)?.ok_or_else(|| ApiError::not_found("no such account"))?;
            check_current_password(&account, body.current_password.as_deref())?;
            password::check("new_password", &body.new_password, Some(&account.email))
                .map_err(ApiError::validation)?;
            let hash = passwords::hash(&body.new_password)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
            let now = db::now();
            accounts::set_password(conn, id, &hash, now)?;
            // Other sessions end; this one stays, its holder just proved who they are.
            sessions::revoke_all_except(conn, id, Some(session_id), "password_changed", now)?;
            Ok(())
        })
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
/// change happens when it is opened.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = ChangeEmail,
    responses(
        (status = 202, description = "Verification sent to the new address", body = StatusResponse),
        (status = 401, description = "Not signed in, or wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Address in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid address", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/me/email")]
pub async fn change_email(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<ChangeEmail>,
) -> Result<HttpResponse, ApiError> {
    caller.require_session()?;
    let body = body.into_inner();
    let new_email =
        Email::parse("new_email", &body.new_email).map_err(|v| ApiError::validation(vec![v]))?;
    let id = caller.account_id;
    let ctx = state.mail.clone();
    state
        .write(move |conn| {
            let account =
                accounts::find(conn, id)?.ok_or_else(|| ApiError::not_found("no such account"))?;
            check_current_password(&account, body.password.as_deref())?;
            if accounts::find_by_email(conn, new_email.as_str())?.is_some() {
                return Err(ApiError::conflict(
                    "email_taken",
                    "another account uses this address",
                ));
            }
            let now = db::now();
            email_tokens::invalidate(conn, id, email_tokens::CHANGE_EMAIL, now)?;
            let token = new_email_token(
                conn,
                id,
                email_tokens::CHANGE_EMAIL,
                Some(new_email.as_str()),
                chrono::Duration::hours(24),
            )?;
            mail::queue(
                conn,
                &ctx,
                new_email.as_str(),
                &Template::ChangeEmail {
                    name: account.display_name,
                    token,
                },
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Accepted().json(StatusResponse {
        status: "verification_sent".to_owned(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteAccount {
    /// Required when the account has a password.
    pub password: Option<String>,
}

/// Delete the account and everything that belongs to it.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = DeleteAccount,
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in, or wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs a session", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/me")]
pub async fn delete_me(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<DeleteAccount>,
) -> Result<HttpResponse, ApiError> {
    caller.require_session()?;
    let id = caller.account_id;
    let given = body.into_inner().password;
    state
        .write(move |conn| {
            let account =
                accounts::find(conn, id)?.ok_or_else(|| ApiError::not_found("no such account"))?;
            check_current_password(&account, given.as_deref())?;
            accounts::delete(conn, id)?;
            Ok(())
        })
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
    caller.require_session()?;
    let id = caller.account_id;
    state
        .write(move |conn| {
            let account =
                accounts::find(conn, id)?.ok_or_else(|| ApiError::not_found("no such account"))?;
            if account.password_hash.is_none() {
                return Err(ApiError::conflict(
                    "last_sign_in_method",
                    "set a password before unlinking GitHub",
                ));
            }
            accounts::set_github(conn, id, None, db::now())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

/// A personal API token (without its secret).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<api_tokens::ApiTokenRow> for ApiToken {
    fn from(r: api_tokens::ApiTokenRow) -> Self {
        let scopes = auth::Scopes::parse(&r.scopes);
        let mut list = Vec::new();
        if scopes.read {
            list.push(TokenScope::Read);
        }
        if scopes.write {
            list.push(TokenScope::Write);
        }
        ApiToken {
            id: r.id,
            name: r.name,
            scopes: list,
            prefix: r.prefix,
            created_at: r.created_at.and_utc(),
            last_used_at: r.last_used_at.map(|t| t.and_utc()),
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
    #[schema(min_items = 1)]
    pub scopes: Vec<TokenScope>,
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
    caller.require_session()?;
    let id = caller.account_id;
    let rows = state
        .read(move |conn| Ok(api_tokens::list(conn, id)?))
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
        (status = 403, description = "Needs a session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many tokens", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or scopes", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/me/tokens")]
pub async fn create_token(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<CreateApiToken>,
) -> Result<HttpResponse, ApiError> {
    caller.require_session()?;
    let body = body.into_inner();
    let mut problems = Vec::new();
    let name = crate::domain::project::parse_label("name", &body.name, TOKEN_NAME_MAX)
        .map_err(|v| problems.push(v))
        .unwrap_or_default();
    if body.scopes.is_empty() {
        problems.push(Violation::new(
            "scopes",
            "empty",
            "choose read, write or both",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let scopes = if body.scopes.contains(&TokenScope::Write) {
        "read,write"
    } else {
        "read"
    };
    let id = caller.account_id;
    let (secret, hash) = secrets::generate(PAT_PREFIX).map_err(ApiError::internal)?;
    let prefix: String = secret.chars().take(PAT_PREFIX.len() + 5).collect();
    let row = state
        .write(move |conn| {
            if api_tokens::count(conn, id)? >= MAX_TOKENS {
                return Err(ApiError::conflict(
                    "too_many_tokens",
                    format!("an account may hold {MAX_TOKENS} tokens; revoke one first"),
                ));
            }
            Ok(api_tokens::insert(
                conn,
                id,
                &name,
                &hash,
                &prefix,
                scopes,
                db::now(),
            )?)
        })
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
    caller.require_session()?;
    let (account, id) = (caller.account_id, path.into_inner());
    let deleted = state
        .write(move |conn| Ok(api_tokens::delete(conn, account, id)?))
        .await?;
    if !deleted {
        return Err(ApiError::not_found("no such token"));
    }
    Ok(HttpResponse::NoContent().finish())
}
