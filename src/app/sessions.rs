//! Sessions: opening one after a sign-in, rotating its refresh token, signing out, and
//! turning an access token back into a [`Principal`].
//!
//! A session is one refresh-token family. Each refresh spends the presented token and
//! issues the next; a spent token presented again within
//! [`REFRESH_REUSE_GRACE`](crate::domain::auth::REFRESH_REUSE_GRACE) of its first use is
//! a retry (a lost response, two tabs) and gets a fresh token too; later, it means the
//! token was copied, and the whole family is revoked (OAuth 2.0 Security BCP, RFC 9700
//! §4.14.2).

use chrono::NaiveDateTime;

use super::{Principal, Services};
use crate::db::{DbError, RowLock, Tx};
use crate::domain::auth::{self, AuthMethod};
use crate::domain::ids::{SessionId, UserId};
use crate::security::secrets;
use crate::store::{sessions, users};

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The refresh token cannot be used; the reason is safe to show.
    #[error("{0}")]
    RefreshRejected(&'static str),
    /// The access token is not (or no longer) valid.
    #[error("the access token is invalid or expired")]
    InvalidToken,
    #[error("could not issue a token: {0}")]
    Issue(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A new or rotated session, ready to answer with.
#[derive(Debug)]
pub struct Issued {
    pub user: users::UserRow,
    pub session_id: SessionId,
    /// The refresh token's secret, for the cookie; only its hash is stored.
    pub refresh_secret: String,
    /// A signed access token (JWT) for `Authorization: Bearer`.
    pub access_token: String,
}

/// Opens a session for a user who just proved who they are, in the caller's unit of
/// work; returns the session and the refresh token's secret.
pub fn open(
    tx: &mut Tx<'_>,
    user_id: UserId,
    method: AuthMethod,
    refresh_ttl: chrono::Duration,
    now: NaiveDateTime,
) -> Result<(SessionId, String), SessionError> {
    let session_id = sessions::create(tx, user_id, method, now)?;
    let refresh = add_refresh_token(tx, session_id, refresh_ttl, now)?;
    Ok((session_id, refresh))
}

fn add_refresh_token(
    tx: &mut Tx<'_>,
    session_id: SessionId,
    ttl: chrono::Duration,
    now: NaiveDateTime,
) -> Result<String, SessionError> {
    let (secret, hash) = secrets::generate("").map_err(|e| SessionError::Issue(e.to_string()))?;
    sessions::add_refresh_token(tx, session_id, &hash, now, now + ttl)?;
    Ok(secret)
}

/// Signs the access token of a session.
pub fn access_token(
    services: &Services,
    user_id: UserId,
    session_id: SessionId,
) -> Result<String, SessionError> {
    services
        .jwt
        .issue(
            user_id.get(),
            session_id.get(),
            chrono::Utc::now().timestamp(),
        )
        .map_err(|e| SessionError::Issue(e.to_string()))
}

/// Opens a session in its own unit of work and signs its first access token.
pub async fn start(
    services: &Services,
    user_id: UserId,
    method: AuthMethod,
) -> Result<Issued, SessionError> {
    let ttl = services.refresh_ttl;
    let (user, session_id, refresh_secret) = services
        .db
        .write(move |tx| {
            let now = crate::db::now();
            let (session_id, refresh) = open(tx, user_id, method, ttl, now)?;
            let user = users::find(tx, user_id)?.ok_or(SessionError::InvalidToken)?;
            Ok::<_, SessionError>((user, session_id, refresh))
        })
        .await?;
    let access_token = access_token(services, user.id, session_id)?;
    Ok(Issued {
        user,
        session_id,
        refresh_secret,
        access_token,
    })
}

/// Trades a refresh token (its secret, from the cookie) for a new one and a new access
/// token.
pub async fn refresh(services: &Services, presented: String) -> Result<Issued, SessionError> {
    let hash = secrets::hash(&presented);
    let ttl = services.refresh_ttl;
    let rotation = services
        .db
        .write(move |tx| rotate(tx, &hash, ttl, crate::db::now()))
        .await?;
    let (user, session_id, refresh_secret) = match rotation {
        Rotation::Rotated(user, session_id, secret) => (user, session_id, secret),
        Rotation::Rejected(why) => return Err(SessionError::RefreshRejected(why)),
    };
    let access_token = access_token(services, user.id, session_id)?;
    Ok(Issued {
        user,
        session_id,
        refresh_secret,
        access_token,
    })
}

enum Rotation {
    Rotated(users::UserRow, SessionId, String),
    /// Refused; returned as a value so that a revocation made on the way commits.
    Rejected(&'static str),
}

/// The rotation itself, in one unit of work.
fn rotate(
    tx: &mut Tx<'_>,
    token_hash: &str,
    ttl: chrono::Duration,
    now: NaiveDateTime,
) -> Result<Rotation, SessionError> {
    let Some(found) = sessions::find_refresh_token(tx, token_hash)? else {
        return Ok(Rotation::Rejected("unknown refresh token"));
    };
    // Concurrent refreshes of one session queue here (PostgreSQL; SQLite's write lock
    // already serialises them), so each sees what the previous one did.
    tx.lock(RowLock::Session(found.session_id))?;
    // The lock may have been waited for: what happened meanwhile is in the past of now.
    let now = crate::db::now().max(now);
    if found.session_revoked_at.is_some() {
        return Ok(Rotation::Rejected("the session was signed out"));
    }
    if found.expires_at <= now {
        return Ok(Rotation::Rejected(
            "the refresh token expired; sign in again",
        ));
    }
    let first_use =
        found.used_at.is_none() && sessions::spend_refresh_token(tx, found.token_id, now)?;
    if !first_use {
        let used_at = match found.used_at {
            Some(at) => Some(at),
            None => sessions::refresh_token_used_at(tx, found.token_id)?,
        };
        if !used_at.is_some_and(|at| auth::refresh_reuse_is_retry(at, now)) {
            // A spent token came back late: it was copied. End the whole family.
            sessions::revoke(tx, found.session_id, "refresh_token_reuse", now)?;
            tracing::warn!(session_id = %found.session_id, "refresh token reuse: session revoked");
            return Ok(Rotation::Rejected(
                "refresh token reuse detected; the session was revoked",
            ));
        }
    }
    let Some(user) = users::find(tx, found.user_id)? else {
        return Ok(Rotation::Rejected("the account no longer exists"));
    };
    if user.deleted_at.is_some() {
        return Ok(Rotation::Rejected("the account no longer exists"));
    }
    let fresh = add_refresh_token(tx, found.session_id, ttl, now)?;
    Ok(Rotation::Rotated(user, found.session_id, fresh))
}

/// Signs out: revokes the session of the refresh token and of the access token, when
/// given (each is optional and may be invalid; signing out always succeeds).
pub fn sign_out(
    tx: &mut Tx<'_>,
    refresh_hash: Option<&str>,
    access_session: Option<SessionId>,
    now: NaiveDateTime,
) -> Result<(), SessionError> {
    if let Some(hash) = refresh_hash
        && let Some(found) = sessions::find_refresh_token(tx, hash)?
    {
        sessions::revoke(tx, found.session_id, "logout", now)?;
    }
    if let Some(sid) = access_session {
        sessions::revoke(tx, sid, "logout", now)?;
    }
    Ok(())
}

/// The caller behind a session's access token: the signature, expiry, audience and
/// issuer are checked, then that the session is still live and its user not deleted.
pub async fn authenticate(services: &Services, token: &str) -> Result<Principal, SessionError> {
    let claims = services
        .jwt
        .verify(token)
        .map_err(|_| SessionError::InvalidToken)?;
    let user_id = UserId(claims.sub.parse().map_err(|_| SessionError::InvalidToken)?);
    let session_id = SessionId(claims.sid);
    services
        .db
        .read(move |conn| {
            let Some(session) = sessions::find_live(conn, session_id)? else {
                return Err(SessionError::InvalidToken);
            };
            if session.user_id != user_id {
                return Err(SessionError::InvalidToken);
            }
            let user = users::find(conn, user_id)?.ok_or(SessionError::InvalidToken)?;
            if user.deleted_at.is_some() {
                return Err(SessionError::InvalidToken);
            }
            Ok(Principal::for_session(&user, session_id))
        })
        .await
}
