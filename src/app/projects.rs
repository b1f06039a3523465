//! Projects: the public list, one project, and creating one (the creator becomes its
//! owner).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, Tx};
use crate::domain::policy::{self, ProjectRole};
use crate::domain::{NewProject, PageRequest, Slug};
use crate::store::members;
use crate::store::projects::{self as store, ProjectRow};

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("the slug {0:?} is already in use")]
    SlugTaken(String),
    #[error("no project with slug {0:?}")]
    NotFound(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The number of projects, counted at most every [`CountCache::TTL`] per process
/// instead of on every page request (and refreshed at once after a local create).
#[derive(Clone, Default)]
pub struct CountCache(Arc<Mutex<Option<(Instant, i64)>>>);

impl CountCache {
    pub const TTL: Duration = Duration::from_secs(5);

    fn get(&self, conn: &mut AnyConnection) -> Result<i64, DbError> {
        if let Some((at, n)) = *self.0.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < Self::TTL
        {
            return Ok(n);
        }
        let n = store::count(conn)?;
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), n));
        Ok(n)
    }

    fn invalidate(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// One page of projects, newest first, and the total (cached, see [`CountCache`]).
pub fn list(
    conn: &mut AnyConnection,
    counts: &CountCache,
    page: PageRequest,
) -> Result<(Vec<ProjectRow>, i64), ProjectError> {
    let rows = store::page(conn, page)?;
    let total = counts.get(conn)?;
    Ok((rows, total))
}

pub fn get(conn: &mut AnyConnection, slug: &str) -> Result<ProjectRow, ProjectError> {
    store::find_by_slug(conn, slug)?.ok_or_else(|| ProjectError::NotFound(slug.to_owned()))
}

/// Creates a project owned by the caller: needs a verified email address and, with an
/// API token, the `write` scope. Two creates of one slug at once: one wins, the other
/// gets [`ProjectError::SlugTaken`], on both backends.
pub fn create(
    tx: &mut Tx<'_>,
    who: &Principal,
    new: NewProject,
    counts: &CountCache,
    now: NaiveDateTime,
) -> Result<ProjectRow, ProjectError> {
    who.require_write()?;
    if !policy::can_create_project(who.standing) {
        return Err(Denied::EmailNotVerified.into());
    }
    let slug: Slug = new.slug.clone();
    let row = store::insert_if_absent(tx, new, now)?
        .ok_or_else(|| ProjectError::SlugTaken(slug.as_str().to_owned()))?;
    members::add(tx, row.id, who.user_id, ProjectRole::Owner, now)?;
    counts.invalidate();
    Ok(row)
}
