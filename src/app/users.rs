//! The signed-in user's own account: profile, password, email address, GitHub link,
//! and deletion. Changes need a session (not an API token); the password, email and
//! deletion need proof of identity: the current password, or, for an account without
//! one, a sign-in with GitHub within
//! [`REAUTH_WINDOW`](crate::domain::auth::REAUTH_WINDOW).

use chrono::NaiveDateTime;

use super::hasher::HashError;
use super::limits::{Action, Key, LimitError};
use super::{Denied, Principal, Services};
use crate::db::{DbError, RowLock, Tx};
use crate::domain::auth::{self, AuthMethod, EmailPurpose};
use crate::domain::ids::UserId;
use crate::domain::net::ClientKey;
use crate::domain::user::{self as user_rules, DisplayName};
use crate::domain::{Email, Violation, password};
use crate::mail::{self, Template};
use crate::store::{api_tokens, email_tokens, members, sessions, users};

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("invalid input")]
    Invalid(Vec<Violation>),
    /// The current password was wrong (or missing).
    #[error("the current password is wrong")]
    WrongPassword,
    /// Unlinking GitHub would leave no way to sign in.
    #[error("set a password before unlinking GitHub")]
    LastSignInMethod,
    #[error("the account no longer exists")]
    Gone,
    #[error(transparent)]
    Limited(#[from] LimitError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Auth(#[from] super::auth::AuthError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The caller's account.
pub fn me(
    conn: &mut crate::db::AnyConnection,
    who: &Principal,
) -> Result<users::UserRow, UserError> {
    users::find(conn, who.user_id)?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(UserError::Gone)
}

/// Changes the display name.
pub fn rename(
    tx: &mut Tx<'_>,
    who: &Principal,
    name: DisplayName,
    now: NaiveDateTime,
) -> Result<users::UserRow, UserError> {
    who.session()?;
    users::set_display_name(tx, who.user_id, name.as_str(), now)?;
    me(tx, who)
}

/// Proof the caller is who they claim, for sensitive changes: the current password if
/// the account has one, else a recent GitHub sign-in on this session. Each attempt
/// counts against the user's and the client's limit for `action`.
async fn confirm_identity(
    services: &Services,
    client: ClientKey,
    action: Action,
    who: &Principal,
    given_password: Option<String>,
) -> Result<users::UserRow, UserError> {
    let session_id = who.session()?;
    services
        .limiter
        .consume(&[Key::user(action, who.user_id), Key::client(action, client)])
        .await?;
    let id = who.user_id;
    let (user, session) = services
        .db
        .read(move |conn| {
            let user = users::find(conn, id)?
                .filter(|u| u.deleted_at.is_none())
                .ok_or(UserError::Gone)?;
            let session = sessions::find_live(conn, session_id)?.ok_or(UserError::Gone)?;
            Ok::<_, UserError>((user, session))
        })
        .await?;
    match &user.password_hash {
        Some(hash) => {
            let ok = services
                .hasher
                .verify(given_password.unwrap_or_default(), Some(hash.clone()))
                .await?;
            if !ok {
                return Err(UserError::WrongPassword);
            }
        }
        None => {
            let fresh = session.auth_method == AuthMethod::Github
                && auth::recently_authenticated(session.authenticated_at, crate::db::now());
            if !fresh {
                return Err(Denied::ReauthenticationRequired.into());
            }
        }
    }
    Ok(user)
}

/// Sets a new password (or a first one, for an account that only had GitHub). Other
/// sessions end; personal API tokens are revoked unless `keep_api_tokens`.
pub async fn change_password(
    services: &Services,
    client: ClientKey,
    who: &Principal,
    current: Option<String>,
    new_password: String,
    keep_api_tokens: bool,
) -> Result<(), UserError> {
    let user = confirm_identity(services, client, Action::ChangePassword, who, current).await?;
    password::check("new_password", &new_password, Some(&user.email))
        .map_err(UserError::Invalid)?;
    let hash = services.hasher.hash(new_password).await?;
    let keep_session = who.session()?;
    let previous = user.password_hash.clone();
    services
        .db
        .write(move |tx| {
            let now = crate::db::now();
            tx.lock(RowLock::User(user.id))?;
            // Refuse if the password changed while this request was hashing.
            let current = users::find(tx, user.id)?.ok_or(UserError::Gone)?;
            if current.password_hash != previous {
                return Err(UserError::WrongPassword);
            }
            users::set_password(tx, user.id, Some(&hash), now)?;
            // Other sessions end; this one stays, its holder just proved who they are.
            sessions::revoke_all_except(tx, user.id, Some(keep_session), "password_changed", now)?;
            if !keep_api_tokens {
                api_tokens::delete_all(tx, user.id)?;
            }
            Ok(())
        })
        .await
}

/// Starts moving the account to `new_email`: a link goes to the new address, and the
/// change happens when it is opened. If the address belongs to another account, that
/// account's owner is told someone tried, and the caller gets the same answer.
pub async fn change_email(
    services: &Services,
    client: ClientKey,
    who: &Principal,
    new_email: Email,
    password: Option<String>,
) -> Result<(), UserError> {
    let user = confirm_identity(services, client, Action::ChangeEmail, who, password).await?;
    if user.email == new_email.as_str() {
        return Err(UserError::Invalid(vec![Violation::new(
            "new_email",
            "unchanged",
            "this is already your address",
        )]));
    }
    let session_id = who.session()?;
    let ctx = services.mail.clone();
    services
        .db
        .write(move |tx| {
            let now = crate::db::now();
            if let Some(owner) = users::find_by_email(tx, new_email.as_str())? {
                mail::queue(
                    tx,
                    &ctx,
                    &owner.email,
                    &Template::AddressInUse {
                        name: owner.display_name,
                    },
                    now,
                )?;
                return Ok(());
            }
            email_tokens::invalidate(tx, user.id, Some(EmailPurpose::ChangeEmail), now)?;
            let token = super::auth::new_link(
                tx,
                user.id,
                EmailPurpose::ChangeEmail,
                Some(new_email.as_str()),
                Some(session_id),
                now,
            )?;
            mail::queue(
                tx,
                &ctx,
                new_email.as_str(),
                &Template::ChangeEmail {
                    name: user.display_name,
                    token,
                },
                now,
            )?;
            Ok(())
        })
        .await
}

/// Deletes the account: the row stays (ledger and contribution rows reference it) with
/// its email and name tombstoned, every session revoked, every API token and mail link
/// removed, and its project roles given up.
pub async fn delete(
    services: &Services,
    client: ClientKey,
    who: &Principal,
    password: Option<String>,
) -> Result<(), UserError> {
    let user = confirm_identity(services, client, Action::DeleteAccount, who, password).await?;
    services
        .db
        .write(move |tx| anonymise(tx, user.id, crate::db::now()))
        .await
}

/// The deletion itself, in the caller's unit of work.
pub fn anonymise(tx: &mut Tx<'_>, id: UserId, now: NaiveDateTime) -> Result<(), UserError> {
    tx.lock(RowLock::User(id))?;
    users::anonymise(
        tx,
        id,
        &user_rules::tombstone_email(id),
        user_rules::DELETED_NAME,
        now,
    )?;
    sessions::revoke_all_except(tx, id, None, "account_deleted", now)?;
    api_tokens::delete_all(tx, id)?;
    email_tokens::invalidate(tx, id, None, now)?;
    members::remove_all(tx, id)?;
    Ok(())
}

/// Unlinks the GitHub identity, if the account can still sign in with a password.
pub fn unlink_github(
    tx: &mut Tx<'_>,
    who: &Principal,
    now: NaiveDateTime,
) -> Result<(), UserError> {
    who.session()?;
    tx.lock(RowLock::User(who.user_id))?;
    let user = me(tx, who)?;
    if user.password_hash.is_none() {
        return Err(UserError::LastSignInMethod);
    }
    users::set_github(tx, user.id, None, now)?;
    Ok(())
}
