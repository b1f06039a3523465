//! Linked GitHub repositories: maintainers link `owner/name` to a project (one project
//! per repository), rotate its webhook secret, unlink it, and ask for a sync; anyone
//! reads which repositories a project has linked, its maintainers also how their syncs
//! go. The data model is described in [`crate::store::repositories`].
//!
//! Who may do what: linking, rotating, unlinking and syncing are project edits (owners,
//! maintainers, site admins; an API token needs `write`). The list is public, since
//! which repositories a project draws on is public on GitHub too; the sync details
//! (last error text, GitHub's rate limit, per-resource counters, when a sync was asked
//! for) are for those who may edit the project (a `read` token will do), as they can
//! reveal the instance's GitHub credentials' budget and private error text.
//!
//! An archived project links nothing new and is not synced (409 `project_archived`);
//! its repositories can still be unlinked and their secrets rotated.

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::ids::RepositoryId;
use crate::domain::policy;
use crate::domain::repository::RepoFullName;
use crate::jobs::{self, Job};
use crate::store::projects::{self, ProjectRow};
use crate::store::repositories::{self as store, RepositoryRow};
use crate::store::sync_state::{self, SyncStateRow};

/// Random bytes in a webhook secret (shown as 64 hex digits). GitHub accepts any
/// string; 256 bits cannot be guessed.
pub const SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    /// The project has no linked repository of that name.
    #[error("this project has no linked repository {0}")]
    NotFound(String),
    /// Some project (this one or another) has the repository linked.
    #[error("{full_name} is already linked to {}", if *.same_project { "this project" } else { "another project" })]
    Linked {
        full_name: String,
        same_project: bool,
    },
    #[error("this project is archived: it links and syncs no repositories")]
    ProjectArchived,
    /// The system's random source failed.
    #[error("could not generate a webhook secret: {0}")]
    Secret(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RepositoryError {
    fn from(e: diesel::result::Error) -> Self {
        RepositoryError::Db(e.into())
    }
}

/// A repository as just linked or rotated: the row, its sync state (a relinked
/// repository keeps its own) and its secret, shown this once.
#[derive(Debug, Clone)]
pub struct WithSecret {
    pub repository: RepositoryRow,
    pub sync: Vec<SyncStateRow>,
    pub webhook_secret: String,
}

/// A linked repository as a list shows it: the row, and for callers who may edit the
/// project, the sync state of each resource synced so far (`None` for others).
#[derive(Debug, Clone)]
pub struct Listed {
    pub repository: RepositoryRow,
    pub sync: Option<Vec<SyncStateRow>>,
}

/// What a sync request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncRequested {
    pub requested_at: NaiveDateTime,
    /// False when a sync of the repository was already queued or running (then no
    /// second one is queued; a queued one is moved to now).
    pub queued: bool,
}

/// A new webhook secret: [`SECRET_BYTES`] bytes from the operating system, as
/// lower-case hex.
pub fn new_secret() -> Result<String, RepositoryError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| RepositoryError::Secret(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn project(conn: &mut AnyConnection, slug: &str) -> Result<ProjectRow, RepositoryError> {
    projects::find_by_slug(conn, slug)?.ok_or_else(|| RepositoryError::ProjectNotFound(slug.into()))
}

/// The project, after checking `who` may edit it, read again under its row lock (so an
/// archive that committed first is seen).
fn edited_project(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
) -> Result<ProjectRow, RepositoryError> {
    let found = project(tx, slug)?;
    super::principal::require_project_editor::<RepositoryError>(tx, who, found.id)?;
    tx.lock(RowLock::Project(found.id))?;
    project(tx, slug)
}

/// The repository `name` linked to `project`.
fn linked_in(
    conn: &mut AnyConnection,
    project: &ProjectRow,
    name: &RepoFullName,
) -> Result<RepositoryRow, RepositoryError> {
    store::find_linked(conn, &name.key())?
        .filter(|r| r.project_id == project.id)
        .ok_or_else(|| RepositoryError::NotFound(name.to_string()))
}

/// Links `name` to project `slug` with a new webhook secret. Editors only; refused for
/// an archived project. If the project linked the same repository before (any case),
/// that row is linked again, keeping its sync state and history; if any project has it
/// linked now, [`RepositoryError::Linked`] (also when two links race: the database's
/// unique index decides).
pub fn link(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    name: &RepoFullName,
    now: NaiveDateTime,
) -> Result<WithSecret, RepositoryError> {
    let project = edited_project(tx, who, slug)?;
    if project.archived_at.is_some() {
        return Err(RepositoryError::ProjectArchived);
    }
    let key = name.key();
    let linked = |same_project: bool| RepositoryError::Linked {
        full_name: name.to_string(),
        same_project,
    };
    if let Some(existing) = store::find_linked(tx, &key)? {
        return Err(linked(existing.project_id == project.id));
    }
    let secret = new_secret()?;
    let now = crate::db::truncate_micros(now);
    let row = match store::find_unlinked(tx, project.id, &key)? {
        Some(old) => match store::revive(tx, old.id, name.as_str(), &secret, who.user_id) {
            Ok(row) => row,
            // Linked meanwhile by someone else, under this name or (renamed) its id.
            Err(e) if e.is_unique_violation() => return Err(linked(false)),
            Err(e) => return Err(e.into()),
        },
        None => store::insert_linked(
            tx,
            project.id,
            name.as_str(),
            &key,
            &secret,
            who.user_id,
            now,
        )?
        .ok_or_else(|| linked(false))?,
    };
    let sync = sync_state::for_repository(tx, row.id)?;
    Ok(WithSecret {
        repository: row,
        sync,
        webhook_secret: secret,
    })
}

/// The repositories project `slug` has linked, by name. `who` (if anyone) sees each
/// one's per-resource sync state when they may edit the project.
pub fn list(
    conn: &mut AnyConnection,
    who: Option<&Principal>,
    slug: &str,
) -> Result<Vec<Listed>, RepositoryError> {
    let project = project(conn, slug)?;
    let rows = store::list_linked(conn, project.id)?;
    let detailed = match who {
        Some(who) => {
            let role = crate::store::members::role_of(conn, project.id, who.user_id)?;
            policy::can_edit_project(who.standing, role)
        }
        None => false,
    };
    let mut states = if detailed {
        let ids: Vec<RepositoryId> = rows.iter().map(|r| r.id).collect();
        sync_state::for_repositories(conn, &ids)?
    } else {
        Vec::new()
    };
    Ok(rows
        .into_iter()
        .map(|repository| {
            let sync = detailed.then(|| {
                let (mine, rest) = std::mem::take(&mut states)
                    .into_iter()
                    .partition(|s| s.repository_id == repository.id);
                states = rest;
                mine
            });
            Listed { repository, sync }
        })
        .collect())
}

/// Gives repository `name` of project `slug` a new webhook secret (the old one stops
/// verifying at once). Editors only, archived projects too.
pub fn rotate_secret(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    name: &RepoFullName,
) -> Result<WithSecret, RepositoryError> {
    let project = edited_project(tx, who, slug)?;
    let row = linked_in(tx, &project, name)?;
    let secret = new_secret()?;
    let repository = store::set_secret(tx, row.id, &secret)?
        .ok_or_else(|| RepositoryError::NotFound(name.to_string()))?;
    let sync = sync_state::for_repository(tx, repository.id)?;
    Ok(WithSecret {
        repository,
        sync,
        webhook_secret: secret,
    })
}

/// Unlinks repository `name` from project `slug`: its contributions stay in the
/// project's history but no longer count, webhooks for it are no longer accepted and
/// it is no longer synced. Editors only, archived projects too.
pub fn unlink(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    name: &RepoFullName,
    now: NaiveDateTime,
) -> Result<(), RepositoryError> {
    let project = edited_project(tx, who, slug)?;
    let row = linked_in(tx, &project, name)?;
    if !store::unlink(tx, row.id, crate::db::truncate_micros(now))? {
        return Err(RepositoryError::NotFound(name.to_string()));
    }
    Ok(())
}

/// Asks for a sync of repository `name` of project `slug` now: records the request and
/// queues a [`jobs::kinds::SyncRepository`] job, unless one is queued or running
/// already (its unique key is the repository: however many requests come at once, one
/// job). Editors only; refused for an archived project.
pub fn request_sync(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    name: &RepoFullName,
    now: NaiveDateTime,
) -> Result<SyncRequested, RepositoryError> {
    let project = edited_project(tx, who, slug)?;
    if project.archived_at.is_some() {
        return Err(RepositoryError::ProjectArchived);
    }
    let row = linked_in(tx, &project, name)?;
    let now = crate::db::truncate_micros(now);
    store::request_sync(tx, row.id, now)?;
    let job = jobs::kinds::SyncRepository {
        repository_id: row.id,
    };
    let queued = jobs::enqueue(tx, &job, now)?.is_some();
    if !queued && let Some(key) = job.unique_key() {
        crate::store::jobs::bring_forward(tx, jobs::kinds::SyncRepository::NAME, &key, now)?;
    }
    Ok(SyncRequested {
        requested_at: now,
        queued,
    })
}
