//! Accounts with a password: registration, email verification, sign-in and password
//! reset. Answers never tell whether an address has an account: a taken address gets
//! the same reply as a new one (its owner is mailed instead), and the mail of a reset
//! or resend is prepared by a job, so the request costs the same either way.

use chrono::NaiveDateTime;

use super::Services;
use super::hasher::HashError;
use super::limits::{Action, Key, LimitError};
use super::sessions::{self, Issued, SessionError};
use crate::db::{DbError, Tx};
use crate::domain::auth::{AuthMethod, EmailPurpose, RESET_TTL, VERIFY_TTL};
use crate::domain::ids::{SessionId, UserId};
use crate::domain::net::ClientKey;
use crate::domain::user::DisplayName;
use crate::domain::{Email, Violation, password};
use crate::jobs::{self, kinds};
use crate::mail::{self, MailContext, Template};
use crate::security::secrets;
use crate::store::{api_tokens, email_tokens, sessions as session_store, users};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid input")]
    Invalid(Vec<Violation>),
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("confirm your email address first")]
    EmailNotVerified,
    /// The mailed link was never issued, expired, or was used.
    #[error("this link is invalid, expired or already used")]
    InvalidLink,
    /// An email change completed after someone else took the address.
    #[error("another account uses this address now")]
    EmailTaken,
    #[error(transparent)]
    Limited(#[from] LimitError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("could not create a link: {0}")]
    Secret(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A registration request, validated.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: Email,
    pub display_name: DisplayName,
    pub password: String,
}

impl Registration {
    /// Checks every field and reports every broken rule at once.
    pub fn parse(email: &str, display_name: &str, password: &str) -> Result<Self, AuthError> {
        let mut problems = Vec::new();
        let email = Email::parse("email", email)
            .map_err(|v| problems.push(v))
            .ok();
        let name = DisplayName::parse(display_name)
            .map_err(|v| problems.push(v))
            .ok();
        if let Err(mut v) = password::check("password", password, email.as_ref().map(Email::as_str))
        {
            problems.append(&mut v);
        }
        match (email, name) {
            (Some(email), Some(display_name)) if problems.is_empty() => Ok(Registration {
                email,
                display_name,
                password: password.to_owned(),
            }),
            _ => Err(AuthError::Invalid(problems)),
        }
    }
}

/// Rate-limit keys for a request naming an address: the client, and the address.
fn keys(action: Action, client: ClientKey, email: Option<&Email>) -> Vec<Key> {
    let mut keys = vec![Key::client(action, client)];
    keys.extend(email.map(|e| Key::email(action, e)));
    keys
}

/// Creates an unverified account and mails its verification link; for a taken address
/// it mails the owner a notice instead. Either way the caller learns nothing. Every
/// attempt counts against the client's registration limit, valid or not.
pub async fn register(
    services: &Services,
    client: ClientKey,
    email: &str,
    display_name: &str,
    password: &str,
) -> Result<(), AuthError> {
    services
        .limiter
        .consume(&[Key::client(Action::Register, client)])
        .await?;
    let r = Registration::parse(email, display_name, password)?;
    // Hash first, outside any transaction: both paths cost the same.
    let hash = services.hasher.hash(r.password.clone()).await?;
    let ctx = services.mail.clone();
    services
        .db
        .write(move |tx| {
            let now = crate::db::now();
            let inserted = users::insert_if_absent(
                tx,
                &users::NewUser {
                    email: r.email.as_str(),
                    display_name: r.display_name.as_str(),
                    password_hash: Some(&hash),
                    email_verified_at: None,
                    is_admin: false,
                    github_id: None,
                    github_login: None,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            match inserted {
                Some(id) => {
                    let token = new_link(tx, id, EmailPurpose::VerifyEmail, None, None, now)?;
                    mail::queue(
                        tx,
                        &ctx,
                        r.email.as_str(),
                        &Template::VerifyEmail {
                            name: r.display_name.into_inner(),
                            token,
                        },
                        now,
                    )?;
                }
                None => {
                    if let Some(existing) = users::find_by_email(tx, r.email.as_str())? {
                        mail::queue(
                            tx,
                            &ctx,
                            &existing.email,
                            &Template::AccountExists {
                                name: existing.display_name,
                            },
                            now,
                        )?;
                    }
                }
            }
            Ok(())
        })
        .await
}

/// Creates a single-use mail link and returns its secret (only the hash is stored).
pub fn new_link(
    tx: &mut Tx<'_>,
    user_id: UserId,
    purpose: EmailPurpose,
    new_email: Option<&str>,
    session_id: Option<SessionId>,
    now: NaiveDateTime,
) -> Result<String, AuthError> {
    let ttl = match purpose {
        EmailPurpose::VerifyEmail => VERIFY_TTL,
        EmailPurpose::ResetPassword => RESET_TTL,
        EmailPurpose::ChangeEmail => crate::domain::auth::CHANGE_EMAIL_TTL,
    };
    let (secret, hash) = secrets::generate("").map_err(|e| AuthError::Secret(e.to_string()))?;
    email_tokens::insert(
        tx,
        &email_tokens::NewEmailToken {
            user_id,
            purpose,
            token_hash: &hash,
            new_email,
            created_at: now,
            expires_at: now + ttl,
            session_id,
        },
    )?;
    Ok(secret)
}

/// What opening a verification link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// The address is confirmed now.
    Verified,
    /// The link was used before and the address it confirms is confirmed: a second
    /// click, or a mail scanner that opened it first.
    AlreadyVerified,
}

/// Confirms an address from a mailed link: a new account's, or the new address of an
/// email change (which then moves the account, mails the old address a notice and
/// signs out every other session).
pub fn verify_email(
    tx: &mut Tx<'_>,
    ctx: &MailContext,
    token: &str,
    now: NaiveDateTime,
) -> Result<Verified, AuthError> {
    let hash = secrets::hash(token.trim());
    let purposes = [EmailPurpose::VerifyEmail, EmailPurpose::ChangeEmail];
    let Some(link) = email_tokens::consume(tx, &hash, &purposes, now)? else {
        return already_verified(tx, &hash);
    };
    let user = users::find(tx, link.user_id)?.ok_or(AuthError::InvalidLink)?;
    if user.deleted_at.is_some() {
        return Err(AuthError::InvalidLink);
    }
    match link.new_email {
        None => users::mark_verified(tx, user.id, now)?,
        Some(new_email) => {
            if users::find_by_email(tx, &new_email)?.is_some() {
                return Err(AuthError::EmailTaken);
            }
            users::set_email(tx, user.id, &new_email, now)?;
            email_tokens::invalidate(tx, user.id, Some(EmailPurpose::ChangeEmail), now)?;
            // Reset links went to the old address.
            email_tokens::invalidate(tx, user.id, Some(EmailPurpose::ResetPassword), now)?;
            session_store::revoke_all_except(tx, user.id, link.session_id, "email_changed", now)?;
            mail::queue(
                tx,
                ctx,
                &user.email,
                &Template::EmailChanged {
                    name: user.display_name,
                    new_email,
                },
                now,
            )?;
        }
    }
    // The address (new or first) is proven: what it identifies is this user's.
    super::claims::claim_for(tx, user.id)?;
    Ok(Verified::Verified)
}

/// A link that cannot be spent: was it already spent on the address now confirmed?
fn already_verified(tx: &mut Tx<'_>, hash: &str) -> Result<Verified, AuthError> {
    let Some(link) = email_tokens::find(tx, hash)? else {
        return Err(AuthError::InvalidLink);
    };
    if link.used_at.is_none() {
        // Unused, so it expired (or has another purpose).
        return Err(AuthError::InvalidLink);
    }
    let Some(user) = users::find(tx, link.user_id)? else {
        return Err(AuthError::InvalidLink);
    };
    let confirmed = match (link.purpose, &link.new_email) {
        (EmailPurpose::VerifyEmail, None) => user.email_verified_at.is_some(),
        (EmailPurpose::ChangeEmail, Some(new_email)) => &user.email == new_email,
        _ => false,
    };
    if confirmed && user.deleted_at.is_none() {
        Ok(Verified::AlreadyVerified)
    } else {
        Err(AuthError::InvalidLink)
    }
}

/// Asks for a new verification link for `email` (see [`request_link_mail`]; the job
/// runs [`resend_verification`]).
pub async fn request_verification(
    services: &Services,
    client: ClientKey,
    email: &str,
) -> Result<(), AuthError> {
    request_link_mail(
        services,
        client,
        email,
        Action::ResendVerification,
        |email| kinds::ResendVerification { email },
    )
    .await
}

/// The front half of every "mail me a link" request: the attempt counts against the
/// client's and the address's limits, then `job` for the address is queued and the
/// request is done. Whether the address has an account is only looked at by the job,
/// so the answer takes the same time either way (no address enumeration by timing).
/// A malformed address counts against the client and queues nothing.
async fn request_link_mail<J>(
    services: &Services,
    client: ClientKey,
    email: &str,
    action: Action,
    job: impl FnOnce(String) -> J + Send + 'static,
) -> Result<(), AuthError>
where
    J: jobs::Job,
{
    let email = Email::parse("email", email).ok();
    services
        .limiter
        .consume(&keys(action, client, email.as_ref()))
        .await?;
    let Some(email) = email else { return Ok(()) };
    services
        .db
        .write(move |tx| {
            jobs::enqueue(tx, &job(email.as_str().to_owned()), crate::db::now())?;
            Ok(())
        })
        .await
}

/// Mails a new verification link if `email` has an unverified account (run by a job).
pub fn resend_verification(
    tx: &mut Tx<'_>,
    ctx: &MailContext,
    email: &Email,
    now: NaiveDateTime,
) -> Result<(), AuthError> {
    let Some(user) = users::find_by_email(tx, email.as_str())? else {
        return Ok(());
    };
    if user.email_verified_at.is_some() || user.deleted_at.is_some() {
        return Ok(());
    }
    email_tokens::invalidate(tx, user.id, Some(EmailPurpose::VerifyEmail), now)?;
    let token = new_link(tx, user.id, EmailPurpose::VerifyEmail, None, None, now)?;
    mail::queue(
        tx,
        ctx,
        &user.email,
        &Template::VerifyEmail {
            name: user.display_name,
            token,
        },
        now,
    )?;
    Ok(())
}

/// Asks for a password-reset link for `email` (see [`request_link_mail`]; the job runs
/// [`send_password_reset`]).
pub async fn request_password_reset(
    services: &Services,
    client: ClientKey,
    email: &str,
) -> Result<(), AuthError> {
    request_link_mail(services, client, email, Action::PasswordReset, |email| {
        kinds::SendPasswordReset { email }
    })
    .await
}

/// Mails a password-reset link if `email` has an account (run by a job).
pub fn send_password_reset(
    tx: &mut Tx<'_>,
    ctx: &MailContext,
    email: &Email,
    now: NaiveDateTime,
) -> Result<(), AuthError> {
    let Some(user) = users::find_by_email(tx, email.as_str())? else {
        return Ok(());
    };
    if user.deleted_at.is_some() {
        return Ok(());
    }
    let token = new_link(tx, user.id, EmailPurpose::ResetPassword, None, None, now)?;
    mail::queue(
        tx,
        ctx,
        &user.email,
        &Template::ResetPassword {
            name: user.display_name,
            token,
        },
        now,
    )?;
    Ok(())
}

/// Sets a new password with a mailed reset link. Every session ends; personal API
/// tokens are revoked too unless `keep_api_tokens`. Proving control of the mailbox also
/// confirms the address.
pub async fn reset_password(
    services: &Services,
    token: &str,
    new_password: String,
    keep_api_tokens: bool,
) -> Result<(), AuthError> {
    let hash = secrets::hash(token.trim());
    // Check the link and the password's rules before hashing; nothing is spent yet, so
    // a password that breaks a rule leaves the link usable.
    let lookup = hash.clone();
    let email = services
        .db
        .read(move |conn| {
            let link = email_tokens::find(conn, &lookup)?
                .filter(|l| l.purpose == EmailPurpose::ResetPassword && l.used_at.is_none())
                .filter(|l| l.expires_at > crate::db::now())
                .ok_or(AuthError::InvalidLink)?;
            let user = users::find(conn, link.user_id)?.ok_or(AuthError::InvalidLink)?;
            Ok::<_, AuthError>(user.email)
        })
        .await?;
    password::check("password", &new_password, Some(&email)).map_err(AuthError::Invalid)?;
    let new_hash = services.hasher.hash(new_password).await?;
    services
        .db
        .write(move |tx| {
            let now = crate::db::now();
            let link = email_tokens::consume(tx, &hash, &[EmailPurpose::ResetPassword], now)?
                .ok_or(AuthError::InvalidLink)?;
            let user = users::find(tx, link.user_id)?.ok_or(AuthError::InvalidLink)?;
            users::set_password(tx, user.id, Some(&new_hash), now)?;
            users::mark_verified(tx, user.id, now)?;
            super::claims::claim_for(tx, user.id)?;
            email_tokens::invalidate(tx, user.id, Some(EmailPurpose::ResetPassword), now)?;
            session_store::revoke_all_except(tx, user.id, None, "password_reset", now)?;
            if !keep_api_tokens {
                api_tokens::delete_all(tx, user.id)?;
            }
            Ok(())
        })
        .await
}

/// Signs in with email and password and opens a session. An unknown address and a
/// wrong password cost the same (a dummy hash is checked) and get the same error.
/// Failures count against the client's and the address's limits.
pub async fn login(
    services: &Services,
    client: ClientKey,
    email: &str,
    password: String,
) -> Result<Issued, AuthError> {
    let limit = keys(
        Action::Login,
        client,
        Email::parse("email", email.trim()).ok().as_ref(),
    );
    services.limiter.check(&limit).await?;
    match check_password(services, email, password).await {
        Err(AuthError::InvalidCredentials) => {
            services.limiter.hit(&limit).await?;
            Err(AuthError::InvalidCredentials)
        }
        other => other,
    }
}

async fn check_password(
    services: &Services,
    email: &str,
    password: String,
) -> Result<Issued, AuthError> {
    let email = email.trim().to_lowercase();
    let user = services
        .db
        .read(move |conn| Ok::<_, AuthError>(users::find_by_email(conn, &email)?))
        .await?
        .filter(|u| u.deleted_at.is_none());
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    // No connection is held while the hash is checked.
    let matches = services.hasher.verify(password, stored.clone()).await?;
    let Some(user) = user.filter(|_| matches) else {
        return Err(AuthError::InvalidCredentials);
    };
    if user.email_verified_at.is_none() {
        return Err(AuthError::EmailNotVerified);
    }
    let ttl = services.refresh_ttl;
    let (user, session_id, refresh_secret) = services
        .db
        .write(move |tx| {
            let now = crate::db::now();
            // The password may have changed while it was being checked.
            let current = users::find(tx, user.id)?.filter(|u| u.deleted_at.is_none());
            let Some(current) = current.filter(|u| u.password_hash == stored) else {
                return Err(AuthError::InvalidCredentials);
            };
            let (session_id, refresh) =
                sessions::open(tx, current.id, AuthMethod::Password, ttl, now)?;
            super::claims::claim_for(tx, current.id)?;
            Ok((current, session_id, refresh))
        })
        .await?;
    let access_token = sessions::access_token(services, user.id, session_id)?;
    Ok(Issued {
        user,
        session_id,
        refresh_secret,
        access_token,
    })
}
