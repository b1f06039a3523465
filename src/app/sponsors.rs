//! Sponsors in public: a sponsor's profile (name, link, logo), the maintainers'
//! approval per project, and the public sponsor wall.
//!
//! Rules: the wall lists only sponsors with a public (not anonymous), not cancelled
//! pledge to the project whom a maintainer approved, or whom nobody decided on while
//! the project's `auto_approve_sponsors` is on (a decision always wins). Totals count
//! only what came through the sponsor's public pledges, so a sponsor who also pledged
//! anonymously is never revealed by a larger number. A sponsor without a profile is
//! shown by their account's display name, without links.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, Tx};
use crate::domain::Violation;
use crate::domain::ids::{ProjectId, UserId};
use crate::domain::ledger::Commodity;
use crate::domain::policy;
use crate::domain::sponsors::{ApprovalState, SponsorProfile, is_shown};
use crate::store::sponsors::{self as store, PublicSponsorRow};
use crate::store::{members, projects, users};

#[derive(Debug, thiserror::Error)]
pub enum SponsorError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    /// Not a sponsor with a public pledge to the project.
    #[error("user {0} has no public pledge to this project")]
    SponsorNotFound(UserId),
    #[error("invalid sponsor profile")]
    Invalid(Vec<Violation>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for SponsorError {
    fn from(e: diesel::result::Error) -> Self {
        SponsorError::Db(e.into())
    }
}

/// A profile as shown to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub display_name: String,
    pub url: Option<String>,
    pub logo_url: Option<String>,
    /// When it was last saved; `None` while the sponsor never saved one (the name is
    /// then the account's display name).
    pub updated_at: Option<NaiveDateTime>,
}

/// The caller's sponsor profile.
pub fn profile(conn: &mut AnyConnection, who: &Principal) -> Result<Profile, SponsorError> {
    if let Some(row) = store::find_profile(conn, who.user_id)? {
        return Ok(Profile {
            display_name: row.public_name,
            url: row.link,
            logo_url: row.logo_url,
            updated_at: Some(row.updated_at),
        });
    }
    let user = users::find(conn, who.user_id)?.ok_or(Denied::Forbidden)?;
    Ok(Profile {
        display_name: user.display_name,
        url: None,
        logo_url: None,
        updated_at: None,
    })
}

/// Saves the caller's sponsor profile (the `write` scope with a token).
pub fn save_profile(
    tx: &mut Tx<'_>,
    who: &Principal,
    new: SponsorProfile,
    now: NaiveDateTime,
) -> Result<Profile, SponsorError> {
    who.require_write()?;
    store::upsert_profile(tx, who.user_id, &new, now)?;
    profile(tx, who)
}

/// A sponsor as a project lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedSponsor {
    pub user_id: UserId,
    pub display_name: String,
    pub url: Option<String>,
    pub logo_url: Option<String>,
    pub state: ApprovalState,
    /// Per commodity (in its stored form), what came through public pledges.
    pub totals: BTreeMap<Commodity, i64>,
}

fn project(conn: &mut AnyConnection, slug: &str) -> Result<projects::ProjectRow, SponsorError> {
    projects::find_by_slug(conn, slug)?.ok_or_else(|| SponsorError::ProjectNotFound(slug.into()))
}

fn auto_approves(conn: &mut AnyConnection, project: ProjectId) -> Result<bool, SponsorError> {
    use crate::db::schema::projects as p;
    use diesel::prelude::*;
    Ok(p::table
        .find(project)
        .select(p::auto_approve_sponsors)
        .first(conn)?)
}

/// Every sponsor with a public pledge to `project`, with the effective decision.
fn listed(
    conn: &mut AnyConnection,
    project: ProjectId,
) -> Result<Vec<ListedSponsor>, SponsorError> {
    let auto = auto_approves(conn, project)?;
    let mut totals: BTreeMap<i64, BTreeMap<Commodity, i64>> = BTreeMap::new();
    for t in store::public_totals(conn, project)? {
        let commodity = Commodity::parse("commodity", &t.commodity)
            .map_err(|_| DbError::Corrupt("ledger entry: commodity".into()))?;
        totals
            .entry(t.user_id)
            .or_default()
            .insert(commodity, t.total);
    }
    let rows = store::public_sponsors(conn, project)?;
    Ok(rows
        .into_iter()
        .map(|row: PublicSponsorRow| {
            let decision = row
                .decision
                .as_deref()
                .and_then(|d| d.parse::<ApprovalState>().ok());
            let state = match decision {
                Some(ApprovalState::Rejected) => ApprovalState::Rejected,
                d if is_shown(d, auto) => ApprovalState::Approved,
                _ => ApprovalState::Pending,
            };
            ListedSponsor {
                user_id: UserId(row.user_id),
                display_name: row.public_name.unwrap_or(row.account_name),
                url: row.link,
                logo_url: row.logo_url,
                state,
                totals: totals.remove(&row.user_id).unwrap_or_default(),
            }
        })
        .collect())
}

/// The public sponsor wall of project `slug`: approved sponsors, largest contribution
/// in the project's currency first, then most GPU-minutes, then by name.
pub fn wall(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<(String, Vec<ListedSponsor>), SponsorError> {
    let project = project(conn, slug)?;
    let shown = wall_of(conn, &project)?;
    Ok((project.currency, shown))
}

/// [`wall`] for a project already read.
pub fn wall_of(
    conn: &mut AnyConnection,
    project: &projects::ProjectRow,
) -> Result<Vec<ListedSponsor>, SponsorError> {
    let currency = Commodity::parse("currency", &project.currency)
        .map_err(|_| DbError::Corrupt("project currency".into()))?;
    let mut shown: Vec<ListedSponsor> = listed(conn, project.id)?
        .into_iter()
        .filter(|s| s.state == ApprovalState::Approved)
        .collect();
    shown.sort_by(|a, b| {
        let money = |s: &ListedSponsor| s.totals.get(&currency).copied().unwrap_or(0);
        let compute = |s: &ListedSponsor| {
            s.totals
                .iter()
                .filter(|(c, _)| matches!(c, Commodity::Compute(_)))
                .fold(0_i64, |sum, (_, m)| sum.saturating_add(*m))
        };
        money(b)
            .cmp(&money(a))
            .then(compute(b).cmp(&compute(a)))
            .then_with(|| a.display_name.cmp(&b.display_name))
            .then(a.user_id.get().cmp(&b.user_id.get()))
    });
    Ok(shown)
}

/// Sponsors of project `slug` waiting for a decision (none while auto-approval is on).
/// Owners, maintainers and site admins.
pub fn pending(
    conn: &mut AnyConnection,
    who: &Principal,
    slug: &str,
) -> Result<Vec<ListedSponsor>, SponsorError> {
    let project = project(conn, slug)?;
    let role = members::role_of(conn, project.id, who.user_id)?;
    if !policy::can_edit_project(who.standing, role) {
        return Err(Denied::Forbidden.into());
    }
    Ok(listed(conn, project.id)?
        .into_iter()
        .filter(|s| s.state == ApprovalState::Pending)
        .collect())
}

/// A maintainer approves or rejects showing `sponsor` on project `slug`'s wall (owners,
/// maintainers and site admins; a decision can be changed). Errors:
/// [`SponsorError::SponsorNotFound`] unless the user has a public pledge to the project.
pub fn decide(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    sponsor: UserId,
    state: ApprovalState,
    now: NaiveDateTime,
) -> Result<ListedSponsor, SponsorError> {
    let project = project(tx, slug)?;
    super::principal::require_project_editor::<SponsorError>(tx, who, project.id)?;
    if !listed(tx, project.id)?.iter().any(|s| s.user_id == sponsor) {
        return Err(SponsorError::SponsorNotFound(sponsor));
    }
    store::decide(tx, project.id, sponsor, state, who.user_id, now)?;
    listed(tx, project.id)?
        .into_iter()
        .find(|s| s.user_id == sponsor)
        .ok_or(SponsorError::SponsorNotFound(sponsor))
}
