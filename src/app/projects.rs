//! Projects: the public list (search, kind filter, sort, counts), one project, creating
//! one (the creator becomes its owner), editing its settings, archiving, and its
//! members.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, RowLock, Tx};
use crate::domain::ids::{ProjectId, UserId};
use crate::domain::policy::{self, ProjectRole};
use crate::domain::project::{ListAfter, ListOrder, ProjectPatch};
use crate::domain::{Email, NewProject, ProjectKind, Slug, Violation};
use crate::store::members::{self, MemberRow};
use crate::store::projects::{self as store, ListFilter, ProjectChanges, ProjectRow};
use crate::store::users;

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("the slug {0:?} is already in use")]
    SlugTaken(String),
    #[error("no project with slug {0:?}")]
    NotFound(String),
    #[error("invalid project settings")]
    Invalid(Vec<Violation>),
    /// The base currency changes only before any money is pledged or booked.
    #[error(
        "the currency cannot change once the project has pledges, ledger transactions, money goals or compute values"
    )]
    CurrencyLocked,
    /// Adding a member by an email address or id that names no account.
    #[error("no account with that email address or id")]
    NoSuchUser,
    #[error("that user is already a member of this project")]
    AlreadyMember,
    #[error("that user is not a member of this project")]
    NotMember,
    /// Every project keeps at least one owner.
    #[error("the last owner cannot leave; add another owner first")]
    LastOwner,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The kind counts of the unfiltered public list (no `q`, archived projects hidden),
/// computed at most every [`CountCache::TTL`] per process instead of on every page
/// request, and dropped at once after a local create, edit or archive. Searches count
/// live (their `LIKE` runs over the same rows the page does).
#[derive(Clone, Default)]
pub struct CountCache(Arc<Mutex<Option<(Instant, KindCounts)>>>);

/// How many projects there are of each kind (kinds with none left out).
pub type KindCounts = Vec<(ProjectKind, i64)>;

impl CountCache {
    pub const TTL: Duration = Duration::from_secs(5);

    fn get(&self, conn: &mut AnyConnection) -> Result<KindCounts, DbError> {
        if let Some((at, n)) = &*self.0.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < Self::TTL
        {
            return Ok(n.clone());
        }
        let n = store::count_by_kind(conn, &ListFilter::default())?;
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), n.clone()));
        Ok(n)
    }

    fn invalidate(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// A request for one page of the public list.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub filter: ListFilter,
    pub order: ListOrder,
    pub after: Option<ListAfter>,
    /// 1–100.
    pub limit: u32,
}

/// One page of the public list and the counts over the whole filtered list.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub rows: Vec<ProjectRow>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<ListAfter>,
    /// Projects that pass the whole filter (`q`, `kind`, archived or not).
    pub total: i64,
    /// Projects that pass the filter but its `kind`, per kind: what the kind chips show.
    pub by_kind: KindCounts,
}

/// One page of projects: `q` matched case-insensitively anywhere in the name, `kind`,
/// archived projects only if asked for; counts as [`ListPage`] says.
pub fn list(
    conn: &mut AnyConnection,
    counts: &CountCache,
    req: ListRequest,
) -> Result<ListPage, ProjectError> {
    let mut rows = store::list(
        conn,
        &req.filter,
        req.order,
        req.after.as_ref(),
        i64::from(req.limit) + 1,
    )?;
    let more = rows.len() > req.limit as usize;
    rows.truncate(req.limit as usize);
    let next = match rows.last() {
        Some(last) if more => Some(match req.order {
            ListOrder::Newest => ListAfter::Time(last.created_at, last.id.get()),
            ListOrder::Updated => ListAfter::Time(last.updated_at, last.id.get()),
            ListOrder::Name => ListAfter::Name(
                crate::domain::project::search_key(&last.name),
                last.id.get(),
            ),
        }),
        _ => None,
    };
    let by_kind = if req.filter.q.is_none() && !req.filter.include_archived {
        counts.get(conn)?
    } else {
        store::count_by_kind(conn, &req.filter)?
    };
    let total = match req.filter.kind {
        Some(kind) => by_kind
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| *n)
            .sum(),
        None => by_kind.iter().map(|(_, n)| *n).sum(),
    };
    Ok(ListPage {
        rows,
        next,
        total,
        by_kind,
    })
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

/// The project `slug`, locked for this unit of work.
fn find_locked(tx: &mut Tx<'_>, slug: &str) -> Result<ProjectRow, ProjectError> {
    let project = get(tx, slug)?;
    tx.lock(RowLock::Project(project.id))?;
    // Read again under the lock: what the checks below see stays true until commit.
    get(tx, slug)
}

/// Refuses unless `who` may manage the project's members or archive it: owners and
/// site admins ([`policy::can_manage_project_members`]), with the `write` scope.
fn require_owner(
    conn: &mut AnyConnection,
    who: &Principal,
    project: ProjectId,
) -> Result<Option<ProjectRole>, ProjectError> {
    who.require_write()?;
    let role = members::role_of(conn, project, who.user_id)?;
    if !policy::can_manage_project_members(who.standing, role) {
        return Err(Denied::Forbidden.into());
    }
    Ok(role)
}

/// Changes the settings `patch` names (owners, maintainers, site admins; with a token,
/// the `write` scope). The currency changes only while
/// [`store::has_money_in_currency`] is false, else [`ProjectError::CurrencyLocked`].
pub fn update(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    patch: ProjectPatch,
    counts: &CountCache,
    now: NaiveDateTime,
) -> Result<ProjectRow, ProjectError> {
    who.require_write()?;
    let project = find_locked(tx, slug)?;
    super::principal::require_project_editor::<ProjectError>(tx, who, project.id)?;
    if patch.is_empty() {
        return Ok(project);
    }
    let new_currency = patch
        .currency
        .map(|c| c.code().to_owned())
        .filter(|c| *c != project.currency);
    if new_currency.is_some() && store::has_money_in_currency(tx, project.id)? {
        return Err(ProjectError::CurrencyLocked);
    }
    let mut changes = ProjectChanges {
        summary: patch.summary,
        description: patch.description,
        kind: patch.kind,
        homepage: patch.homepage,
        license: patch.license,
        repository_url: patch.repository_url,
        model_card_url: patch.model_card_url,
        currency: new_currency,
        auto_approve_sponsors: patch.auto_approve_sponsors,
        count_bots: patch.count_bots,
        contact_name: patch.contact_name,
        contact_email: patch
            .contact_email
            .map(|e| e.map(|e| e.as_str().to_owned())),
        updated_at: Some(crate::db::truncate_micros(now)),
        ..ProjectChanges::default()
    };
    if let Some(name) = patch.name {
        changes.rename(name);
    }
    let row = store::update(tx, project.id, &changes)?;
    counts.invalidate();
    Ok(row)
}

/// Archives (`archived`) or restores the project: owners and site admins. Archived
/// projects refuse new pledges and expenses and leave the public list (unless asked
/// for); doing it twice changes nothing.
pub fn set_archived(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    archived: bool,
    counts: &CountCache,
    now: NaiveDateTime,
) -> Result<ProjectRow, ProjectError> {
    who.require_write()?;
    let project = find_locked(tx, slug)?;
    require_owner(tx, who, project.id)?;
    if project.archived_at.is_some() == archived {
        return Ok(project);
    }
    let now = crate::db::truncate_micros(now);
    let row = store::update(
        tx,
        project.id,
        &ProjectChanges {
            archived_at: Some(archived.then_some(now)),
            updated_at: Some(now),
            ..ProjectChanges::default()
        },
    )?;
    counts.invalidate();
    Ok(row)
}

/// Whom to add to a project.
#[derive(Debug, Clone)]
pub enum MemberRef {
    Email(Email),
    Id(UserId),
}

/// The project's members (public).
pub fn members(conn: &mut AnyConnection, slug: &str) -> Result<Vec<MemberRow>, ProjectError> {
    let project = get(conn, slug)?;
    Ok(members::list(conn, project.id)?)
}

/// Adds an account to the project with `role` (owners and site admins). An address or
/// id with no (live) account is [`ProjectError::NoSuchUser`]; a member already,
/// [`ProjectError::AlreadyMember`].
pub fn add_member(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    member: MemberRef,
    role: ProjectRole,
    now: NaiveDateTime,
) -> Result<MemberRow, ProjectError> {
    who.require_write()?;
    let project = find_locked(tx, slug)?;
    require_owner(tx, who, project.id)?;
    let user = match &member {
        MemberRef::Email(email) => users::find_by_email(tx, email.as_str())?,
        MemberRef::Id(id) => users::find(tx, *id)?,
    }
    .filter(|u| u.deleted_at.is_none())
    .ok_or(ProjectError::NoSuchUser)?;
    if members::role_of(tx, project.id, user.id)?.is_some() {
        return Err(ProjectError::AlreadyMember);
    }
    let now = crate::db::truncate_micros(now);
    members::add(tx, project.id, user.id, role, now)?;
    Ok(MemberRow {
        user_id: user.id,
        display_name: user.display_name,
        github_login: user.github_login,
        role,
        created_at: now,
    })
}

/// Removes `user` from the project: owners and site admins, or a member removing
/// themself. The last owner stays ([`ProjectError::LastOwner`]).
pub fn remove_member(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    user: UserId,
) -> Result<(), ProjectError> {
    who.require_write()?;
    let project = find_locked(tx, slug)?;
    if user != who.user_id {
        require_owner(tx, who, project.id)?;
    }
    let role = members::role_of(tx, project.id, user)?.ok_or(ProjectError::NotMember)?;
    if role == ProjectRole::Owner && members::count_owners(tx, project.id)? <= 1 {
        return Err(ProjectError::LastOwner);
    }
    members::remove(tx, project.id, user)?;
    Ok(())
}

/// The caller's projects with their role in each, by name.
pub fn mine(
    conn: &mut AnyConnection,
    who: &Principal,
) -> Result<Vec<(ProjectRow, ProjectRole)>, ProjectError> {
    Ok(store::of_member(conn, who.user_id)?)
}
