//! Contributor identities claimed by the accounts that prove them: who did the work
//! GitHub shows becomes an OpenFund user's recognition once that user proves to be them.
//!
//! The rule ([`claim_for`]), run in the unit of work of each proof:
//! - a **verified address** (a password sign-in, which requires one; following a
//!   verification or email-change link; a password reset, which proves the mailbox; a
//!   GitHub sign-in, whose account address GitHub verified) claims the person known
//!   only by that address (`contributors.email_hash` =
//!   [`EmailKey`](crate::domain::github::identity::EmailKey) of it) and the GitHub
//!   account GitHub attributed the address to (`contributor_emails`);
//! - a **GitHub account** linked to the user (a GitHub sign-in, or linking GitHub to an
//!   account) claims the identity with that `github_user_id`.
//!
//! Only unclaimed identities are claimed: the first account to prove an identity keeps
//! it (an address that moves to another account does not carry its claim along).
//! Claiming changes no credit; it says whose credit it is.

use crate::db::{DbError, Tx};
use crate::domain::github::identity::NormalizedEmail;
use crate::domain::ids::UserId;
use crate::store::{contributor_claims, users};

/// Claims for user `id` what their verified address and linked GitHub account prove
/// (module rule). Returns how many identities were newly claimed. A deleted or unknown
/// account claims nothing.
pub fn claim_for(tx: &mut Tx<'_>, id: UserId) -> Result<usize, DbError> {
    let Some(user) = users::find(tx, id)?.filter(|u| u.deleted_at.is_none()) else {
        return Ok(0);
    };
    let mut claimed = 0;
    if user.email_verified_at.is_some()
        && let Some(email) = NormalizedEmail::parse(&user.email)
    {
        claimed += contributor_claims::claim_by_email_hash(tx, email.key().as_str(), user.id)?;
    }
    if let Some(github_id) = user.github_id {
        claimed += contributor_claims::claim_by_github_id(tx, github_id, user.id)?;
    }
    if claimed > 0 {
        tracing::info!(user_id = %user.id, claimed, "contributor identities claimed");
    }
    Ok(claimed)
}
