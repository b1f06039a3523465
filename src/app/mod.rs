//! The application layer: one module per group of use cases. A use case takes
//! validated domain input and a unit of work (`&mut Tx`), or, when it must do slow work
//! outside any transaction (password hashing, calls to GitHub), the [`Services`] it
//! opens its units of work from. Each group returns its own error type; `api/` maps
//! them to problems, and jobs and CLI commands call the same functions.

pub mod accelerators;
pub mod activity;
pub mod admin;
pub mod auth;
pub mod claims;
pub mod compute;
pub mod expenses;
pub mod exports;
pub mod github;
pub mod goals;
pub mod hasher;
pub mod identities;
pub mod instalments;
pub mod ledger;
pub mod limits;
pub mod notify;
pub mod overview;
pub mod pledges;
pub mod principal;
pub mod projects;
pub mod recognition;
pub mod repositories;
pub mod sessions;
pub mod sponsors;
pub mod sync;
pub mod tokens;
pub mod users;
pub mod webhook_processing;
pub mod webhooks;

use std::sync::Arc;

use crate::db::{Db, DbError};
use crate::mail::MailContext;
use crate::security::jwt::JwtKeys;

pub use hasher::Hasher;
pub use principal::{Credential, Denied, Principal};

/// What use cases reach besides a unit of work. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub hasher: Hasher,
    pub mail: MailContext,
    pub jwt: JwtKeys,
    /// Lifetime of a refresh token (a session lasts as long as it keeps refreshing).
    pub refresh_ttl: chrono::Duration,
    pub project_count: projects::CountCache,
    /// Limits on what guesses passwords or sends mail.
    pub limiter: Arc<limits::Limiter>,
}

/// Implements `From<diesel::result::Error>` for a use-case error with a
/// `Db(#[from] DbError)` variant, so store calls can use `?` directly.
macro_rules! db_error_from_diesel {
    ($($error:ty),+ $(,)?) => {
        $(impl From<diesel::result::Error> for $error {
            fn from(e: diesel::result::Error) -> Self {
                <$error>::from(DbError::from(e))
            }
        })+
    };
}

db_error_from_diesel!(
    auth::AuthError,
    sessions::SessionError,
    tokens::TokenError,
    users::UserError,
    projects::ProjectError,
    admin::AdminError,
    github::GithubSignInError,
);
