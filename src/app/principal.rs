//! Who is calling: a user, with the credential they used and what it allows. Every use
//! case that changes something takes a `Principal` and checks it with the rules here
//! and in `domain::policy`.

use crate::domain::auth::Scopes;
use crate::domain::ids::{ApiTokenId, PledgeId, SessionId, UserId};
use crate::domain::policy::Standing;
use crate::store::users::UserRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A signed-in session's access token.
    Session { session_id: SessionId },
    /// A personal API token.
    ApiToken {
        token_id: ApiTokenId,
        scopes: Scopes,
    },
    /// An API token scoped to one compute pledge: its only power is reporting that
    /// pledge's deliveries (`POST /api/v1/pledges/{id}/deliveries`). It reads nothing,
    /// changes nothing else, and the `Caller` extractor refuses it everywhere else.
    PledgeToken {
        token_id: ApiTokenId,
        pledge_id: PledgeId,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub standing: Standing,
    pub credential: Credential,
}

/// Why a caller may not do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Account management needs a signed-in session, not a personal API token.
    #[error("this action needs a signed-in session, not an API token")]
    SessionRequired,
    /// A read-only API token tried to change something.
    #[error("this API token has the read scope only")]
    InsufficientScope,
    /// A site-admin action by someone who is not one (or by a token without the `admin`
    /// scope).
    #[error("site admins only")]
    NotAdmin,
    #[error("verify your email address first")]
    EmailNotVerified,
    /// The caller has no role that allows it.
    #[error("you may not do this")]
    Forbidden,
    /// A sensitive change on an account without a password needs a recent sign-in with
    /// GitHub.
    #[error("sign in with GitHub again to confirm it is you")]
    ReauthenticationRequired,
}

impl Principal {
    /// A session's principal: a site admin keeps their powers.
    pub fn for_session(user: &UserRow, session_id: SessionId) -> Self {
        Principal {
            user_id: user.id,
            standing: Standing {
                is_admin: user.is_admin,
                email_verified: user.email_verified_at.is_some(),
            },
            credential: Credential::Session { session_id },
        }
    }

    /// An API token's principal: admin powers only with the `admin` scope.
    pub fn for_token(user: &UserRow, token_id: ApiTokenId, scopes: Scopes) -> Self {
        Principal {
            user_id: user.id,
            standing: Standing {
                is_admin: user.is_admin && scopes.admin,
                email_verified: user.email_verified_at.is_some(),
            },
            credential: Credential::ApiToken { token_id, scopes },
        }
    }

    /// A pledge-scoped token's principal: never an admin, never a writer.
    pub fn for_pledge_token(user: &UserRow, token_id: ApiTokenId, pledge_id: PledgeId) -> Self {
        Principal {
            user_id: user.id,
            standing: Standing {
                is_admin: false,
                email_verified: user.email_verified_at.is_some(),
            },
            credential: Credential::PledgeToken {
                token_id,
                pledge_id,
            },
        }
    }

    /// The pledge a pledge-scoped token may report on, if this is one.
    pub fn pledge_scope(&self) -> Option<PledgeId> {
        match self.credential {
            Credential::PledgeToken { pledge_id, .. } => Some(pledge_id),
            _ => None,
        }
    }

    /// The session, or [`Denied::SessionRequired`] for an API token.
    pub fn session(&self) -> Result<SessionId, Denied> {
        match self.credential {
            Credential::Session { session_id } => Ok(session_id),
            Credential::ApiToken { .. } | Credential::PledgeToken { .. } => {
                Err(Denied::SessionRequired)
            }
        }
    }

    /// Changes need the `write` scope when the caller uses an API token.
    pub fn require_write(&self) -> Result<(), Denied> {
        match self.credential {
            Credential::ApiToken { scopes, .. } if !scopes.write => Err(Denied::InsufficientScope),
            Credential::PledgeToken { .. } => Err(Denied::InsufficientScope),
            _ => Ok(()),
        }
    }

    /// Site-admin views.
    pub fn require_admin(&self) -> Result<(), Denied> {
        if crate::domain::policy::can_operate_instance(self.standing) {
            Ok(())
        } else {
            Err(Denied::NotAdmin)
        }
    }
}

/// Refuses unless `who` may edit project `project`: its owners and maintainers and site
/// admins ([`crate::domain::policy::can_edit_project`]), with an API token only if it has
/// the `write` scope. Returns the caller's role in the project (`None` for an admin
/// without one). Errors: [`Denied::InsufficientScope`], [`Denied::Forbidden`], or the
/// store's error.
pub fn require_project_editor<E>(
    conn: &mut crate::db::AnyConnection,
    who: &Principal,
    project: crate::domain::ids::ProjectId,
) -> Result<Option<crate::domain::policy::ProjectRole>, E>
where
    E: From<Denied> + From<crate::db::DbError>,
{
    who.require_write()?;
    let role = crate::store::members::role_of(conn, project, who.user_id)
        .map_err(crate::db::DbError::from)?;
    if !crate::domain::policy::can_edit_project(who.standing, role) {
        return Err(Denied::Forbidden.into());
    }
    Ok(role)
}
