//! Sign in with GitHub (the OAuth web flow) and linking GitHub to an account.
//!
//! Matching a GitHub user to an account, in order: the account already linked to that
//! GitHub id; else, by GitHub's verified primary email, an account with that address:
//! linked if the address was verified here too, or taken over if it never was (whoever
//! registered it could not prove they own it: its password, sessions, API tokens and
//! pending mail links are wiped first, so a pre-registered password never signs in);
//! else a new account without a password.

use chrono::NaiveDateTime;

use super::sessions::{self, Issued, SessionError};
use super::tokens::{self, TokenError};
use super::{Denied, Principal, Services};
use crate::db::{DbError, RowLock, Tx};
use crate::domain::auth::{AuthMethod, OAUTH_STATE_TTL, OAuthMode};
use crate::domain::ids::UserId;
use crate::domain::user::DisplayName;
use crate::github::{GithubError, GithubOAuth, GithubUser};
use crate::security::secrets;
use crate::store::{api_tokens, email_tokens, oauth_states, sessions as session_store, users};

#[derive(Debug, thiserror::Error)]
pub enum GithubSignInError {
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The `state` is unknown, used, expired, or not this browser's.
    #[error("invalid OAuth state")]
    InvalidState,
    /// GitHub refused the code (the user declined, or it expired).
    #[error("GitHub refused: {0}")]
    Refused(String),
    /// GitHub could not be reached or answered something unexpected.
    #[error("GitHub is unavailable: {0}")]
    Unavailable(String),
    /// The GitHub user is linked to another account.
    #[error("this GitHub account is linked to another account")]
    AlreadyLinked,
    /// The account with this address is linked to another GitHub user.
    #[error("the account with this address is linked to another GitHub user")]
    AccountLinkedElsewhere,
    /// GitHub has no verified primary email for the user.
    #[error("GitHub has no verified primary email for this user")]
    EmailUnverified,
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("could not create a state: {0}")]
    Secret(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl GithubSignInError {
    /// The stable code the web app shows on `/signin/github?error=<code>`.
    pub fn code(&self) -> &'static str {
        match self {
            GithubSignInError::Denied(_) | GithubSignInError::InvalidState => "invalid_state",
            GithubSignInError::Refused(_) => "github_denied",
            GithubSignInError::Unavailable(_) => "github_unavailable",
            GithubSignInError::AlreadyLinked => "github_already_linked",
            GithubSignInError::AccountLinkedElsewhere => "account_linked_elsewhere",
            GithubSignInError::EmailUnverified => "github_email_unverified",
            GithubSignInError::Session(_)
            | GithubSignInError::Secret(_)
            | GithubSignInError::Db(_) => "internal",
        }
    }
}

impl From<GithubError> for GithubSignInError {
    fn from(e: GithubError) -> Self {
        match e {
            GithubError::Denied(why) => GithubSignInError::Refused(why),
            other => GithubSignInError::Unavailable(other.to_string()),
        }
    }
}

/// Starts a flow: stores a one-time `state` (bound to the caller's account for
/// `link`) and returns its secret, for the authorize URL and the browser's cookie.
pub fn begin(
    tx: &mut Tx<'_>,
    mode: OAuthMode,
    who: Option<&Principal>,
    now: NaiveDateTime,
) -> Result<String, GithubSignInError> {
    let user = match mode {
        OAuthMode::Login => None,
        OAuthMode::Link => {
            let who = who.ok_or(Denied::SessionRequired)?;
            who.session()?;
            Some(who.user_id)
        }
    };
    let (secret, hash) =
        secrets::generate("").map_err(|e| GithubSignInError::Secret(e.to_string()))?;
    oauth_states::purge_expired(tx, now)?;
    oauth_states::insert(tx, &hash, mode, user, now, now + OAUTH_STATE_TTL)?;
    Ok(secret)
}

/// How a flow ended.
#[derive(Debug)]
pub enum Completed {
    /// Signed in (or up): a new session.
    SignedIn(Box<Issued>),
    /// GitHub is now linked to the account that started the flow.
    Linked,
}

/// The credentials the browser completing a callback sent besides the state: a bearer
/// token (a session's access token or a personal API token) and a refresh cookie.
/// They tell who is signed in there, if anyone.
#[derive(Debug, Clone, Default)]
pub struct Presented {
    pub bearer: Option<String>,
    pub refresh: Option<String>,
}

/// Finishes a flow from GitHub's callback: spends the state, trades the code for a
/// token, reads the GitHub user, and links or signs in (see the module's rules).
///
/// A `link` state completes only in a browser that is not signed in as someone else:
/// if the callback carries another account's session (the starter's state cookie
/// planted in a victim's signed-in browser), it is refused and the state is spent, so
/// the GitHub identity of whoever is at that browser is never linked to the account
/// that started the flow. (The account that started it may be signed in there, or
/// nobody: GitHub's redirect is a cross-site navigation, which does not carry the
/// SameSite=Strict refresh cookie.)
pub async fn complete(
    services: &Services,
    github: &GithubOAuth,
    code: &str,
    state_secret: &str,
    redirect_uri: &str,
    presented: &Presented,
) -> Result<Completed, GithubSignInError> {
    let state_hash = secrets::hash(state_secret);
    let (mode, link_user) = services
        .db
        .write(move |tx| {
            Ok::<_, GithubSignInError>(oauth_states::take(tx, &state_hash, crate::db::now())?)
        })
        .await?
        .ok_or(GithubSignInError::InvalidState)?;
    if mode == OAuthMode::Link {
        let signed_in = signed_in_here(services, presented).await?;
        if signed_in.iter().any(|&u| Some(u) != link_user) {
            tracing::warn!(
                started_by = ?link_user.map(|u| u.get()),
                "GitHub link refused: the callback came from another account's browser"
            );
            return Err(GithubSignInError::InvalidState);
        }
    }
    let token = github.exchange_code(code, redirect_uri).await?;
    let (user, verified_email) = github.user(&token).await?;
    let matched = services
        .db
        .write(move |tx| match (mode, link_user) {
            (OAuthMode::Link, Some(me)) => {
                link(tx, me, &user, crate::db::now())?;
                super::claims::claim_for(tx, me)?;
                Ok(None)
            }
            (OAuthMode::Link, None) => Err(GithubSignInError::InvalidState),
            (OAuthMode::Login, _) => {
                let id = sign_in(tx, &user, verified_email.as_deref(), crate::db::now())?;
                super::claims::claim_for(tx, id)?;
                Ok(Some(id))
            }
        })
        .await?;
    match matched {
        None => Ok(Completed::Linked),
        Some(user_id) => Ok(Completed::SignedIn(Box::new(
            sessions::start(services, user_id, AuthMethod::Github).await?,
        ))),
    }
}

/// The accounts the presented credentials belong to. Invalid ones name nobody; a refresh
/// cookie counts whether or not it is still live (it is that account's browser).
async fn signed_in_here(
    services: &Services,
    presented: &Presented,
) -> Result<Vec<UserId>, GithubSignInError> {
    let mut users = Vec::new();
    if let Some(bearer) = &presented.bearer {
        let who = if tokens::is_api_token(bearer) {
            match tokens::authenticate(services, bearer).await {
                Ok(p) => Some(p.user_id),
                Err(TokenError::Db(e)) => return Err(e.into()),
                Err(_) => None,
            }
        } else {
            match sessions::authenticate(services, bearer).await {
                Ok(p) => Some(p.user_id),
                Err(SessionError::Db(e)) => return Err(e.into()),
                Err(_) => None,
            }
        };
        users.extend(who);
    }
    if let Some(refresh) = &presented.refresh {
        let hash = secrets::hash(refresh);
        let found = services
            .db
            .read(move |conn| {
                Ok::<_, GithubSignInError>(session_store::find_refresh_token(conn, &hash)?)
            })
            .await?;
        users.extend(found.map(|f| f.user_id));
    }
    Ok(users)
}

fn link(
    tx: &mut Tx<'_>,
    me: UserId,
    gh: &GithubUser,
    now: NaiveDateTime,
) -> Result<(), GithubSignInError> {
    tx.lock(RowLock::User(me))?;
    if let Some(other) = users::find_by_github_id(tx, gh.id)?
        && other.id != me
    {
        return Err(GithubSignInError::AlreadyLinked);
    }
    let account = users::find(tx, me)?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(GithubSignInError::InvalidState)?;
    if account.github_id.is_some_and(|id| id != gh.id) {
        return Err(GithubSignInError::AccountLinkedElsewhere);
    }
    users::set_github(tx, me, Some((gh.id, &gh.login)), now)?;
    Ok(())
}

/// Finds or creates the account a GitHub user signs in to; returns its id.
fn sign_in(
    tx: &mut Tx<'_>,
    gh: &GithubUser,
    verified_email: Option<&str>,
    now: NaiveDateTime,
) -> Result<UserId, GithubSignInError> {
    if let Some(account) = users::find_by_github_id(tx, gh.id)? {
        // Keep the login current: GitHub users can rename themselves.
        users::set_github(tx, account.id, Some((gh.id, &gh.login)), now)?;
        return Ok(account.id);
    }
    let email = verified_email
        .map(|e| e.trim().to_lowercase())
        .ok_or(GithubSignInError::EmailUnverified)?;
    if users::find_by_email(tx, &email)?.is_none() {
        let name = DisplayName::from_github(gh.name.as_deref(), &gh.login);
        let created = users::insert_if_absent(
            tx,
            &users::NewUser {
                email: &email,
                display_name: name.as_str(),
                password_hash: None,
                email_verified_at: Some(now),
                is_admin: false,
                github_id: Some(gh.id),
                github_login: Some(&gh.login),
                created_at: now,
                updated_at: now,
            },
        )?;
        if let Some(id) = created {
            return Ok(id);
        }
        // Someone registered the address (or linked this GitHub user) meanwhile.
        if let Some(account) = users::find_by_github_id(tx, gh.id)? {
            return Ok(account.id);
        }
    }
    let account = users::find_by_email(tx, &email)?.ok_or(GithubSignInError::EmailUnverified)?;
    tx.lock(RowLock::User(account.id))?;
    if account.github_id.is_some_and(|id| id != gh.id) {
        return Err(GithubSignInError::AccountLinkedElsewhere);
    }
    if account.email_verified_at.is_none() {
        take_over_unverified(tx, account.id, now)?;
    }
    users::set_github(tx, account.id, Some((gh.id, &gh.login)), now)?;
    Ok(account.id)
}

/// The account was registered with this address but never verified, so its holder
/// never proved they own it; GitHub just proved who does. Everything the registrant
/// set up goes before the owner gets the account.
fn take_over_unverified(
    tx: &mut Tx<'_>,
    id: UserId,
    now: NaiveDateTime,
) -> Result<(), GithubSignInError> {
    tracing::warn!(user_id = %id, "GitHub sign-in took over an unverified account");
    users::set_password(tx, id, None, now)?;
    session_store::revoke_all_except(tx, id, None, "taken_over_by_verified_owner", now)?;
    api_tokens::delete_all(tx, id)?;
    email_tokens::invalidate(tx, id, None, now)?;
    users::mark_verified(tx, id, now)?;
    Ok(())
}
