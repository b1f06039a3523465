//! Personal API tokens, for automation (a cluster reporting compute delivery, a CI
//! job): created and revoked from a signed-in session, shown once, stored as hashes,
//! scoped, optionally expiring.

use chrono::NaiveDateTime;

use super::{Denied, Principal, Services};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::Violation;
use crate::domain::auth::{self, MAX_TOKENS, Scopes, TOKEN_NAME_MAX, TokenScope};
use crate::domain::ids::ApiTokenId;
use crate::domain::project::parse_label;
use crate::security::secrets;
use crate::store::api_tokens;

/// Every token secret starts with this, so leaked tokens are easy to scan for.
pub const PAT_PREFIX: &str = "of_pat_";

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("invalid input")]
    Invalid(Vec<Violation>),
    #[error("a user may hold {MAX_TOKENS} tokens; revoke one first")]
    TooMany,
    #[error("no such token")]
    NotFound,
    /// Unknown, revoked, expired, or its user was deleted.
    #[error("the API token is invalid, revoked or expired")]
    InvalidToken,
    #[error("could not create a token: {0}")]
    Secret(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A request for a new token, validated.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scopes: Scopes,
    pub expires_in_days: Option<u32>,
}

impl NewToken {
    pub fn parse(
        name: &str,
        scopes: &[TokenScope],
        expires_in_days: Option<u32>,
    ) -> Result<Self, TokenError> {
        let mut problems = Vec::new();
        let name = parse_label("name", name, TOKEN_NAME_MAX)
            .map_err(|v| problems.push(v))
            .ok();
        let scopes = Scopes::from_list(scopes).map_err(|v| problems.push(v)).ok();
        if let Err(v) = auth::token_expiry(expires_in_days, crate::db::now()) {
            problems.push(v);
        }
        match (name, scopes) {
            (Some(name), Some(scopes)) if problems.is_empty() => Ok(NewToken {
                name,
                scopes,
                expires_in_days,
            }),
            _ => Err(TokenError::Invalid(problems)),
        }
    }
}

/// The caller's tokens, newest first.
pub fn list(
    conn: &mut AnyConnection,
    who: &Principal,
) -> Result<Vec<api_tokens::ApiTokenRow>, TokenError> {
    who.session()?;
    Ok(api_tokens::list(conn, who.user_id)?)
}

/// Creates a token; returns it and its secret (shown once, never stored).
pub fn create(
    tx: &mut Tx<'_>,
    who: &Principal,
    new: NewToken,
    now: NaiveDateTime,
) -> Result<(api_tokens::ApiTokenRow, String), TokenError> {
    who.session()?;
    if new.scopes.admin && !who.standing.is_admin {
        return Err(Denied::NotAdmin.into());
    }
    issue(
        tx,
        who,
        &new.name,
        &new.scopes.to_db(),
        new.expires_in_days,
        None,
        now,
    )
}

/// The stored scopes of a pledge-scoped token: none of `read`, `write`, `admin` (see
/// [`Scopes::from_db`]), so even read as a personal token it could not write.
pub const PLEDGE_TOKEN_SCOPES: &str = "deliveries";

/// Creates a token owned by the caller whose only power is reporting deliveries for
/// compute pledge `pledge` (the caller's right to do that is checked by the caller of
/// this function). It counts toward the caller's [`MAX_TOKENS`] and is listed and
/// revoked with the others. Needs a signed-in session.
pub fn create_for_pledge(
    tx: &mut Tx<'_>,
    who: &Principal,
    pledge: crate::domain::ids::PledgeId,
    name: &str,
    expires_in_days: Option<u32>,
    now: NaiveDateTime,
) -> Result<(api_tokens::ApiTokenRow, String), TokenError> {
    who.session()?;
    let mut problems = Vec::new();
    let name = parse_label("name", name, TOKEN_NAME_MAX)
        .map_err(|v| problems.push(v))
        .ok();
    if let Err(v) = auth::token_expiry(expires_in_days, now) {
        problems.push(v);
    }
    let Some(name) = name.filter(|_| problems.is_empty()) else {
        return Err(TokenError::Invalid(problems));
    };
    issue(
        tx,
        who,
        &name,
        PLEDGE_TOKEN_SCOPES,
        expires_in_days,
        Some(pledge),
        now,
    )
}

fn issue(
    tx: &mut Tx<'_>,
    who: &Principal,
    name: &str,
    scopes: &str,
    expires_in_days: Option<u32>,
    pledge_id: Option<crate::domain::ids::PledgeId>,
    now: NaiveDateTime,
) -> Result<(api_tokens::ApiTokenRow, String), TokenError> {
    // Two concurrent creates must not both pass the count below.
    tx.lock(RowLock::User(who.user_id))?;
    if api_tokens::count(tx, who.user_id)? >= MAX_TOKENS {
        return Err(TokenError::TooMany);
    }
    let (secret, hash) =
        secrets::generate(PAT_PREFIX).map_err(|e| TokenError::Secret(e.to_string()))?;
    let prefix: String = secret.chars().take(PAT_PREFIX.len() + 5).collect();
    let expires_at =
        auth::token_expiry(expires_in_days, now).map_err(|v| TokenError::Invalid(vec![v]))?;
    let row = api_tokens::insert(
        tx,
        &api_tokens::NewApiToken {
            user_id: who.user_id,
            name,
            token_hash: &hash,
            prefix: &prefix,
            scopes,
            created_at: now,
            expires_at,
        },
    )?;
    let row = match pledge_id {
        Some(pledge) => {
            api_tokens::scope_to_pledge(tx, row.id, pledge)?;
            api_tokens::find(tx, row.id)?
        }
        None => row,
    };
    Ok((row, secret))
}

/// Revokes one of the caller's tokens.
pub fn revoke(tx: &mut Tx<'_>, who: &Principal, id: ApiTokenId) -> Result<(), TokenError> {
    who.session()?;
    if api_tokens::delete(tx, who.user_id, id)? {
        Ok(())
    } else {
        Err(TokenError::NotFound)
    }
}

/// The caller behind a personal API token. Records its use at most once a minute, so
/// a busy automation does not turn every read into a write.
pub async fn authenticate(services: &Services, secret: &str) -> Result<Principal, TokenError> {
    let hash = secrets::hash(secret);
    let (row, user) = services
        .db
        .read(move |conn| Ok::<_, TokenError>(api_tokens::find_by_hash(conn, &hash)?))
        .await?
        .ok_or(TokenError::InvalidToken)?;
    let now = crate::db::now();
    if user.deleted_at.is_some() || row.expires_at.is_some_and(|at| at <= now) {
        return Err(TokenError::InvalidToken);
    }
    if row
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::seconds(60))
    {
        let id = row.id;
        services
            .db
            .write(move |tx| Ok::<_, TokenError>(api_tokens::touch(tx, id, now)?))
            .await?;
    }
    if let Some(pledge_id) = row.pledge_id {
        return Ok(Principal::for_pledge_token(&user, row.id, pledge_id));
    }
    Ok(Principal::for_token(
        &user,
        row.id,
        Scopes::from_db(&row.scopes),
    ))
}

/// Is this bearer credential a personal API token (rather than a session's JWT)?
pub fn is_api_token(credential: &str) -> bool {
    credential.starts_with(PAT_PREFIX)
}
