//! Identity merges: a project's maintainers say that two contributor identities are one
//! person (say, a GitHub account and the address-keyed identity of commits made from a
//! work laptop), and can undo it. The data model is in [`crate::store::repositories`]:
//! a merge is a row "in this project, `from` is `into`"; contributions are never
//! rewritten, readers credit `COALESCE(into, contributor_id)` through the active merge,
//! so undoing restores exactly what was.
//!
//! Rules (all checked under the project's row lock, so concurrent merges of one
//! project are decided one after the other; the partial unique index on active merges
//! backs the "one merge per `from`" rule on both backends all the same):
//! - who: the project's owners, maintainers and site admins (an API token needs
//!   `write` to merge or undo; a `read` one may list);
//! - both identities must exist and have at least one contribution in the project
//!   (counted or not), else [`IdentityError::UnknownContributor`]; merging one into
//!   itself is [`IdentityError::SelfMerge`];
//! - `from` must not be merged already ([`IdentityError::AlreadyMerged`]: undo that
//!   merge first);
//! - **no chains**, so one join resolves every credit: `into` must not itself be merged
//!   away, and `from` must not have others merged into it
//!   ([`IdentityError::Chain`]). To fold A into B into C, merge A into C and B into C;
//!   to move a group, undo its merges and redo them into the new target;
//! - merges are allowed in archived projects (correcting history is not new activity).

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::ids::{ContributorId, IdentityMergeId, ProjectId};
use crate::domain::policy;
use crate::store::identity_merges::{self as store, ContributorCard, IdentityMergeRow};
use crate::store::projects::{self, ProjectRow};

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    /// No such merge in this project.
    #[error("this project has no identity merge {0}")]
    MergeNotFound(IdentityMergeId),
    /// `field` names a contributor that does not exist or has no contribution in the
    /// project.
    #[error("{field}: contributor {id} has no contribution in this project")]
    UnknownContributor {
        field: &'static str,
        id: ContributorId,
    },
    #[error("a contributor cannot be merged into themself")]
    SelfMerge,
    /// `from` has an active merge already.
    #[error("contributor {0} is already merged into someone; undo that merge first")]
    AlreadyMerged(ContributorId),
    /// The merge would make a chain.
    #[error("{0}")]
    Chain(&'static str),
    /// The merge was undone already.
    #[error("identity merge {0} is undone already")]
    AlreadyUndone(IdentityMergeId),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for IdentityError {
    fn from(e: diesel::result::Error) -> Self {
        IdentityError::Db(e.into())
    }
}

/// A merge with both identities as a maintainer sees them.
#[derive(Debug, Clone)]
pub struct MergeView {
    pub merge: IdentityMergeRow,
    pub from: ContributorCard,
    pub into: ContributorCard,
}

fn project(conn: &mut AnyConnection, slug: &str) -> Result<ProjectRow, IdentityError> {
    projects::find_by_slug(conn, slug)?.ok_or_else(|| IdentityError::ProjectNotFound(slug.into()))
}

/// The project after checking `who` may edit it (write scope), read again under its row
/// lock so that merges of one project are decided one at a time.
fn edited_project(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
) -> Result<ProjectRow, IdentityError> {
    let found = project(tx, slug)?;
    super::principal::require_project_editor::<IdentityError>(tx, who, found.id)?;
    tx.lock(RowLock::Project(found.id))?;
    project(tx, slug)
}

/// Attaches both identities' cards to each merge.
fn views(
    conn: &mut AnyConnection,
    merges: Vec<IdentityMergeRow>,
) -> Result<Vec<MergeView>, IdentityError> {
    let ids: Vec<ContributorId> = merges
        .iter()
        .flat_map(|m| [m.from_contributor_id, m.into_contributor_id])
        .collect();
    let cards: std::collections::HashMap<ContributorId, ContributorCard> =
        store::cards(conn, &ids)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    merges
        .into_iter()
        .map(|merge| {
            let card = |id: ContributorId| {
                cards.get(&id).cloned().ok_or_else(|| {
                    IdentityError::Db(DbError::from(diesel::result::Error::NotFound))
                })
            };
            Ok(MergeView {
                from: card(merge.from_contributor_id)?,
                into: card(merge.into_contributor_id)?,
                merge,
            })
        })
        .collect()
}

fn one_view(conn: &mut AnyConnection, merge: IdentityMergeRow) -> Result<MergeView, IdentityError> {
    views(conn, vec![merge])?
        .pop()
        .ok_or(IdentityError::Db(DbError::from(
            diesel::result::Error::NotFound,
        )))
}

fn require_contributed(
    conn: &mut AnyConnection,
    project: ProjectId,
    field: &'static str,
    id: ContributorId,
) -> Result<(), IdentityError> {
    if store::has_contribution(conn, project, id)? {
        Ok(())
    } else {
        Err(IdentityError::UnknownContributor { field, id })
    }
}

/// Merges contributor `from` into `into` in project `slug` (module rules). Returns the
/// merge.
///
/// Errors: [`IdentityError::ProjectNotFound`], [`IdentityError::Denied`],
/// [`IdentityError::SelfMerge`], [`IdentityError::UnknownContributor`],
/// [`IdentityError::AlreadyMerged`], [`IdentityError::Chain`], [`IdentityError::Db`].
pub fn merge(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    from: ContributorId,
    into: ContributorId,
    now: NaiveDateTime,
) -> Result<MergeView, IdentityError> {
    let project = edited_project(tx, who, slug)?;
    if from == into {
        return Err(IdentityError::SelfMerge);
    }
    require_contributed(tx, project.id, "from", from)?;
    require_contributed(tx, project.id, "into", into)?;
    if store::active_from(tx, project.id, from)?.is_some() {
        return Err(IdentityError::AlreadyMerged(from));
    }
    if store::active_from(tx, project.id, into)?.is_some() {
        return Err(IdentityError::Chain(
            "into: that contributor is merged into someone else; merge into that one instead",
        ));
    }
    if store::active_into_count(tx, project.id, from)? > 0 {
        return Err(IdentityError::Chain(
            "from: others are merged into that contributor; undo those merges first, or merge them into the new target directly",
        ));
    }
    let now = crate::db::truncate_micros(now);
    // `None`: merged by a concurrent request that committed first (the index decided).
    let row = store::insert(tx, project.id, from, into, who.user_id, now)?
        .ok_or(IdentityError::AlreadyMerged(from))?;
    one_view(tx, row)
}

/// Undoes merge `id` of project `slug`: from now on each identity is credited with its
/// own contributions again, exactly as before the merge (nothing was rewritten). The
/// row stays, as history.
///
/// Errors: [`IdentityError::ProjectNotFound`], [`IdentityError::Denied`],
/// [`IdentityError::MergeNotFound`], [`IdentityError::AlreadyUndone`],
/// [`IdentityError::Db`].
pub fn undo(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    id: IdentityMergeId,
    now: NaiveDateTime,
) -> Result<MergeView, IdentityError> {
    let project = edited_project(tx, who, slug)?;
    let found = store::find(tx, project.id, id)?.ok_or(IdentityError::MergeNotFound(id))?;
    if found.undone_at.is_some() {
        return Err(IdentityError::AlreadyUndone(id));
    }
    let now = crate::db::truncate_micros(now);
    let row = store::undo(tx, id, who.user_id, now)?.ok_or(IdentityError::AlreadyUndone(id))?;
    one_view(tx, row)
}

/// Project `slug`'s active merges, newest first, for its maintainers (owners,
/// maintainers, site admins; a `read` token will do): they show identities known only
/// by address, which the public never sees.
///
/// Errors: [`IdentityError::ProjectNotFound`], [`IdentityError::Denied`]
/// ([`Denied::Forbidden`]), [`IdentityError::Db`].
pub fn list(
    conn: &mut AnyConnection,
    who: &Principal,
    slug: &str,
) -> Result<Vec<MergeView>, IdentityError> {
    let project = project(conn, slug)?;
    let role = crate::store::members::role_of(conn, project.id, who.user_id)?;
    if who.pledge_scope().is_some() || !policy::can_edit_project(who.standing, role) {
        return Err(Denied::Forbidden.into());
    }
    let merges = store::list_active(conn, project.id)?;
    views(conn, merges)
}
