//! Recognition: who contributed what to a project. Maintainers record work GitHub does
//! not see (and delete a record); anyone reads the ranked contributors list and the
//! activity feed. What counts is written once in [`crate::store::contribution_reads`]
//! (merges credit `into`, unlinked repositories and force-pushed commits do not count,
//! bots only where the project counts them).
//!
//! Who may do what: recording and deleting are project edits (owners, maintainers, site
//! admins; an API token needs `write`); archived projects too, since recognising past
//! work is not new business. Reads are public.
//!
//! **People without a GitHub account** (identities kept under an email hash) are
//! listed and credited like everyone else, but anonymously: no login, name, avatar or
//! link, and never the hash ([`Profile::anonymous`]); the web app labels them
//! "Contributor without a GitHub account".
//!
//! **The contributors list** needs every counted row of the project (about 0.4 s for
//! 150,000 on SQLite), so the ranked list is built once per project and kept in a
//! [`ContributorsCache`] until this process writes anything or
//! [`CONTRIBUTORS_TTL`] passes; pages are cut from it by a `(total, id)` cursor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::overview::{Lookup, OverviewCache};
use super::pledges::{Idempotent, Stored, claim_or_replay};
use super::{Denied, Principal};
use crate::db::{AnyConnection, Db, DbError, RowLock, Tx};
use crate::domain::contribution::{
    ContributorRef, PairCursor, Ranked, RecordedWork, feed_cursor, feed_cursor_time, rank,
    rank_cursor, rank_position,
};
use crate::domain::github::kinds::ContributionKind;
use crate::domain::ids::ProjectId;
use crate::store::contribution_reads::{self as reads, ContributorProfile, FeedQuery, FeedRow};
use crate::store::idempotency;
use crate::store::projects::{self, ProjectRow};
use crate::store::recorded_work::{self as recorded, ContributionRow, NewRecorded};

/// How long a built contributors list may serve changes made by other processes (the
/// sync worker, another instance) late. Changes made through this process show at once.
pub const CONTRIBUTORS_TTL: Duration = Duration::from_secs(5);

/// The ranked contributors list per project slug (see [`OverviewCache`] for how entries
/// stay fresh and how one build serves concurrent callers).
pub type ContributorsCache = OverviewCache<Arc<Ranking>>;

/// A new, empty [`ContributorsCache`] with [`CONTRIBUTORS_TTL`].
pub fn contributors_cache() -> ContributorsCache {
    OverviewCache::with_ttl(CONTRIBUTORS_TTL)
}

#[derive(Debug, thiserror::Error)]
pub enum RecognitionError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    /// The contribution named is not one of this project's.
    #[error("this project has no contribution {0}")]
    NotFound(i64),
    /// Contributions from GitHub follow GitHub; only recorded work is deleted by hand.
    #[error(
        "contribution {0} comes from GitHub: only work recorded by a maintainer can be deleted"
    )]
    NotRecorded(i64),
    /// The person to credit is not known (field, and why).
    #[error("{1}")]
    UnknownContributor(&'static str, String),
    /// The same `Idempotency-Key` with another body.
    #[error("this Idempotency-Key was used with another request body")]
    KeyReused,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RecognitionError {
    fn from(e: diesel::result::Error) -> Self {
        RecognitionError::Db(e.into())
    }
}

fn project(conn: &mut AnyConnection, slug: &str) -> Result<ProjectRow, RecognitionError> {
    projects::find_by_slug(conn, slug)?
        .ok_or_else(|| RecognitionError::ProjectNotFound(slug.into()))
}

/// The project, after checking `who` may edit it, under its row lock.
fn edited_project(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
) -> Result<ProjectRow, RecognitionError> {
    let found = project(tx, slug)?;
    super::principal::require_project_editor::<RecognitionError>(tx, who, found.id)?;
    tx.lock(RowLock::Project(found.id))?;
    project(tx, slug)
}

/// The contributor `whom` names. A GitHub login is looked up among the identities
/// GitHub activity introduced, then among OpenFund accounts that signed in with GitHub
/// (whose identity is added, claimed by the account). Anyone else is
/// [`RecognitionError::UnknownContributor`]: OpenFund does not ask GitHub about
/// strangers, and an identity needs GitHub's id.
fn credited(
    conn: &mut AnyConnection,
    whom: &ContributorRef,
    now: NaiveDateTime,
) -> Result<i64, RecognitionError> {
    match whom {
        ContributorRef::Id(id) => {
            if recorded::contributor_exists(conn, *id)? {
                Ok(*id)
            } else {
                Err(RecognitionError::UnknownContributor(
                    "contributor.contributor_id",
                    format!("there is no contributor {id}"),
                ))
            }
        }
        ContributorRef::GithubLogin(login) => {
            if let Some(id) = crate::store::contributions::by_login(conn, login)? {
                return Ok(id.get());
            }
            match recorded::account_by_github_login(conn, login)? {
                Some(account) => Ok(recorded::contributor_for_account(conn, &account, now)?),
                None => Err(RecognitionError::UnknownContributor(
                    "contributor.github_login",
                    format!(
                        "no contributor or OpenFund account is known by the GitHub login \
                         {login:?}: they appear once a synced repository shows their \
                         activity, or once they sign in to OpenFund with GitHub"
                    ),
                )),
            }
        }
    }
}

/// Records `work` in project `slug` (editors only). With `request` (an
/// `Idempotency-Key` and the body's hash) a retry with the same key and body gets the
/// first response again, and the same key with another body
/// [`RecognitionError::KeyReused`]. `render` turns the new row into the response body
/// that is stored and sent. One unit of work: nothing is stored when anything fails.
pub fn record(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    work: RecordedWork,
    request: Option<Idempotent<'_>>,
    render: impl FnOnce(&ContributionRow, &ContributorProfile) -> String,
    now: NaiveDateTime,
) -> Result<Stored, RecognitionError> {
    let project = edited_project(tx, who, slug)?;
    let now = crate::db::truncate_micros(now);
    let scope = format!("record_contribution:{}", project.id);
    if let Some(request) = request
        && let Some(stored) = claim_or_replay(tx, who, &scope, request, now, || {
            RecognitionError::KeyReused
        })?
    {
        return Ok(stored);
    }
    let contributor = credited(tx, &work.contributor, now)?;
    let source_key = format!("recorded:{}", uuid::Uuid::new_v4().simple());
    let row = recorded::insert(
        tx,
        &NewRecorded {
            project: project.id,
            contributor,
            kind: work.kind,
            source_key: &source_key,
            occurred_at: work.occurred_at(),
            description: &work.description,
            url: work.url.as_deref(),
            recorded_by: who.user_id,
            now,
        },
    )?;
    let profile = reads::profiles(tx, &[contributor])?
        .into_iter()
        .next()
        .ok_or_else(|| DbError::Corrupt("a credited contributor vanished".into()))?;
    let body = render(&row, &profile);
    if let Some(request) = request {
        idempotency::complete(tx, who.user_id, &scope, request.key, 201, &body)?;
    }
    Ok(Stored {
        status: 201,
        body,
        replayed: false,
    })
}

/// Deletes recorded contribution `id` of project `slug` (editors only). A GitHub
/// contribution is [`RecognitionError::NotRecorded`]; another project's or none,
/// [`RecognitionError::NotFound`].
pub fn delete(
    tx: &mut Tx<'_>,
    who: &Principal,
    slug: &str,
    id: i64,
) -> Result<(), RecognitionError> {
    let project = edited_project(tx, who, slug)?;
    let row = recorded::find_in(tx, project.id, id)?.ok_or(RecognitionError::NotFound(id))?;
    if row.repository_id.is_some() {
        return Err(RecognitionError::NotRecorded(id));
    }
    if !recorded::delete_recorded(tx, id)? {
        return Err(RecognitionError::NotFound(id));
    }
    Ok(())
}

/// A contributor as public lists show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: i64,
    /// True for people without a GitHub account: everything below is then `None`.
    pub anonymous: bool,
    pub login: Option<String>,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub html_url: Option<String>,
    pub is_bot: bool,
}

impl Profile {
    /// What may be shown of `p`: a GitHub identity as GitHub shows it; an identity kept
    /// under an email hash as nothing but its id.
    pub fn public(p: ContributorProfile) -> Profile {
        if p.github_user_id.is_none() {
            return Profile::anonymous(p.id, p.is_bot);
        }
        Profile {
            id: p.id,
            anonymous: false,
            login: p.login,
            name: p.name,
            avatar_url: p.avatar_url,
            html_url: p.html_url,
            is_bot: p.is_bot,
        }
    }

    /// Contributor `id` without a GitHub account: no identifying data.
    pub fn anonymous(id: i64, is_bot: bool) -> Profile {
        Profile {
            id,
            anonymous: true,
            login: None,
            name: None,
            avatar_url: None,
            html_url: None,
            is_bot,
        }
    }
}

/// One line of the contributors list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedContributor {
    pub profile: Profile,
    pub line: Ranked,
}

/// A project's whole contributors list, in order (most contributions first, then by
/// contributor id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranking {
    pub project: ProjectId,
    pub lines: Vec<RankedContributor>,
}

/// Builds project `slug`'s ranked contributors list from the database (see the module
/// doc for its cost).
pub fn build_ranking(conn: &mut AnyConnection, slug: &str) -> Result<Ranking, RecognitionError> {
    let project = project(conn, slug)?;
    let ranked = rank(reads::tallies(conn, project.id, project.count_bots)?);
    let ids: Vec<i64> = ranked.iter().map(|r| r.contributor).collect();
    let mut profiles: std::collections::HashMap<i64, ContributorProfile> =
        reads::profiles(conn, &ids)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let lines = ranked
        .into_iter()
        .map(|line| {
            let profile = profiles
                .remove(&line.contributor)
                .map(Profile::public)
                .unwrap_or_else(|| Profile::anonymous(line.contributor, false));
            RankedContributor { profile, line }
        })
        .collect();
    Ok(Ranking {
        project: project.id,
        lines,
    })
}

/// Project `slug`'s ranked contributors list, from `cache` when it is fresh, else built
/// (one build per project at a time; callers that waited take the new build).
pub async fn ranking(
    db: &Db,
    cache: &ContributorsCache,
    slug: &str,
) -> Result<Arc<Ranking>, RecognitionError> {
    let arrived = db.write_generation();
    match cache.lookup(slug, arrived) {
        Lookup::Fresh(r) => Ok(r),
        Lookup::Aged(r, building) => match building.try_lock_owned() {
            Err(_) => Ok(r),
            Ok(_guard) => build_and_keep(db, cache, slug).await,
        },
        Lookup::Missing(building) => {
            let _guard = building.lock_owned().await;
            match cache.built_since(slug, arrived) {
                Some(r) => Ok(r),
                None => build_and_keep(db, cache, slug).await,
            }
        }
    }
}

async fn build_and_keep(
    db: &Db,
    cache: &ContributorsCache,
    slug: &str,
) -> Result<Arc<Ranking>, RecognitionError> {
    // Both taken before the build's first read (see `OverviewCache`).
    let generation = db.write_generation();
    let started = Instant::now();
    let key = slug.to_owned();
    let built = Arc::new(db.read(move |conn| build_ranking(conn, &key)).await?);
    cache.put(slug, generation, started, built.clone());
    Ok(built)
}

/// One page of a ranking: the lines after `after` (a contributors-list cursor), at most
/// `limit`, and the cursor of the next page.
pub fn ranking_page(
    ranking: &Ranking,
    after: Option<PairCursor>,
    limit: usize,
) -> (&[RankedContributor], Option<String>) {
    let start = rank_position(&ranking.lines, after, |r| {
        (r.line.total, r.line.contributor)
    });
    let end = start.saturating_add(limit).min(ranking.lines.len());
    let page = &ranking.lines[start.min(end)..end];
    let next = (end < ranking.lines.len())
        .then(|| page.last().map(|r| rank_cursor(&r.line)))
        .flatten();
    (page, next)
}

/// An item of the activity feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    pub row: FeedRow,
    pub contributor: Profile,
}

/// One page of project `slug`'s activity, newest first, optionally of one `kind`, after
/// `before` (a feed cursor); and the cursor of the next page.
pub fn activity(
    conn: &mut AnyConnection,
    slug: &str,
    kind: Option<ContributionKind>,
    before: Option<PairCursor>,
    limit: u32,
) -> Result<(Vec<FeedItem>, Option<String>), RecognitionError> {
    let project = project(conn, slug)?;
    let mut rows = reads::feed(
        conn,
        &FeedQuery {
            project: project.id,
            count_bots: project.count_bots,
            kind,
            before: before.map(|PairCursor(micros, id)| (feed_cursor_time(micros), id)),
            limit: i64::from(limit) + 1,
        },
    )?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| feed_cursor(r.occurred_at, r.id))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|row| FeedItem {
            contributor: Profile::public(row.profile()),
            row,
        })
        .collect();
    Ok((items, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn line(contributor: i64, total: i64) -> RankedContributor {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        RankedContributor {
            profile: Profile::anonymous(contributor, false),
            line: Ranked {
                contributor,
                total,
                counts: BTreeMap::new(),
                first_at: t,
                last_at: t,
            },
        }
    }

    #[test]
    fn pages_are_cut_by_total_then_id() {
        let ranking = Ranking {
            project: ProjectId(1),
            lines: vec![line(4, 9), line(1, 5), line(2, 5), line(3, 5), line(8, 1)],
        };
        let ids = |p: &[RankedContributor]| p.iter().map(|r| r.profile.id).collect::<Vec<_>>();
        let (page, next) = ranking_page(&ranking, None, 2);
        assert_eq!(ids(page), [4, 1]);
        let next = PairCursor::decode(&next.unwrap());
        let (page, next) = ranking_page(&ranking, next, 2);
        assert_eq!(ids(page), [2, 3]);
        let next = PairCursor::decode(&next.unwrap());
        let (page, next) = ranking_page(&ranking, next, 2);
        assert_eq!((ids(page), next), (vec![8], None));
        let (page, next) = ranking_page(&ranking, Some(PairCursor(0, 0)), 2);
        assert_eq!((ids(page), next), (vec![], None));
        let (page, next) = ranking_page(&ranking, None, 5);
        assert_eq!((page.len(), next), (5, None));
    }

    #[test]
    fn people_without_github_are_anonymous() {
        let p = Profile::public(ContributorProfile {
            id: 3,
            github_user_id: None,
            login: Some("leak".into()),
            name: Some("Leaky Name".into()),
            avatar_url: Some("https://x".into()),
            html_url: None,
            is_bot: false,
        });
        assert_eq!(p, Profile::anonymous(3, false));
    }
}
