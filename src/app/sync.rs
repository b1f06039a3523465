//! Syncing one linked repository's activity from GitHub (issue 8 §3): the same code
//! runs in the `sync_repository` job and in `openfund sync`. The design and what each
//! resource costs are in docs/github-sync.md; in short:
//!
//! - Every resource is a **newest-first walk with a fixed first page**: commits of the
//!   default branch, pulls, issues, issue comments and review comments by `updated`
//!   descending, releases by creation. A pass stops at the first page holding an item
//!   older than the stored watermark (or at the last page). Because the first page's
//!   URL never changes, its stored `ETag` is always comparable: an unchanged
//!   repository answers every first page `304 Not Modified`, which costs no primary
//!   rate limit. (`since` would move the URL with the watermark and make the first
//!   request after every change a full-price 200.)
//! - Reviews have no repository-wide REST list: with credentials they come from one
//!   GraphQL query per 100 pull requests (newest updated first, 100 reviews each; a pull
//!   request with more is completed over REST); skipped when the pulls' first page was
//!   `304` (no pull request changed, so no review did). Without credentials GraphQL is
//!   closed, and one REST request per pull request would spend the 60-an-hour budget on
//!   one resource: reviews are skipped and the status says so.
//! - Each page's activities go through [`super::activity::ingest`] in one unit of work
//!   with [`sync_state::record_page`]: the watermark and first-page `ETag` of a pass
//!   wait in `pass_watermark`/`pass_etag` until its last page is stored, and
//!   `resume_url` always names the next page to read. A rate-limit wait longer than the
//!   client's inline wait ends the sync as [`SyncOutcome::Paused`]; the next run
//!   resumes on the page it stopped on. Items are keyed by GitHub's ids, so a page
//!   stored twice stores nothing new.
//! - A **full pass** of commits (every page, no watermark, no `ETag`) runs when the
//!   last one is older than the configured number of days, or on `--full`; when it ran
//!   start to end in one go, commit credits of the repository it did not see get
//!   `removed_at` (a force-push dropped them), and removed ones it saw are restored. A
//!   full pass interrupted by a long rate-limit wait still completes its walk on
//!   resume, but cannot know the SHAs of its first half: it leaves removal to the next
//!   full pass.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Deserialize;

use crate::db::{Db, DbError};
use crate::domain::github::activity::Activity;
#[cfg(test)]
use crate::domain::github::activity::Actor;
use crate::domain::github::kinds::ContributionKind;
use crate::domain::github::payload::{
    self, RestComment, RestCommit, RestIssue, RestPull, RestRelease, RestReview,
};
use crate::domain::github::ratelimit::RateLimit;
use crate::domain::ids::{ProjectId, RepositoryId};
use crate::domain::repository::{RepoFullName, SyncResource};
use crate::github::rest::{AuthMode, FetchError, GithubApi};
use crate::store::projects;
use crate::store::repositories::{self, RepositoryRow};
use crate::store::sync_state::{self, PageProgress, Reconciled, SyncStateRow};

/// Items a page asks for (GitHub's maximum).
pub const PER_PAGE: u32 = 100;

/// Why reviews are left out without credentials (shown per resource).
pub const REVIEWS_NEED_CREDENTIALS: &str = "reviews need GitHub credentials: GraphQL, which lists them 100 pull requests a request, requires a token, and one REST request per pull request would spend the unauthenticated 60 requests an hour; set OPENFUND_GITHUB_TOKEN or a GitHub App";

/// The order resources are synced in (pulls before reviews: a `304` on pulls means no
/// review changed).
pub const ORDER: [SyncResource; 7] = [
    SyncResource::Commits,
    SyncResource::Pulls,
    SyncResource::Reviews,
    SyncResource::Issues,
    SyncResource::IssueComments,
    SyncResource::ReviewComments,
    SyncResource::Releases,
];

/// What drives a sync: the database, the GitHub client and when a full commits pass is due.
#[derive(Clone)]
pub struct Syncer {
    pub db: Db,
    pub api: Arc<GithubApi>,
    /// A full walk of the commits runs when the last one is older than this.
    pub full_pass_every: chrono::Duration,
}

/// How one sync runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Walk every resource's whole history (no watermark, no `ETag`, no resume point).
    pub full: bool,
}

/// Progress of a sync, for a terminal or the log. Called from the sync's task.
pub trait Progress: Send + Sync {
    /// A resource's pass starts.
    fn resource(&self, _resource: SyncResource) {}
    /// One answer was used: `items` on the page (0 for a 304), `requests` it took.
    fn page(&self, resource: SyncResource, items: i64, requests: i64, not_modified: bool);
    /// The sync waits for GitHub until `until`.
    fn waiting(&self, _until: NaiveDateTime) {}
}

/// A [`Progress`] that reports nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn page(&self, _: SyncResource, _: i64, _: i64, _: bool) {}
}

/// One resource's share of a sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Items handled (stored or already stored).
    pub items: i64,
    /// Requests sent, retries and 304s included.
    pub requests: i64,
    /// Requests answered 304.
    pub not_modified: i64,
    /// Credits newly stored.
    pub inserted: i64,
}

/// What a sync did, per resource (in [`ORDER`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub resources: Vec<(SyncResource, Tally)>,
    /// What a full commits pass changed (force-push).
    pub reconciled: Option<Reconciled>,
    /// Resources that failed, with why (the others were synced).
    pub errors: Vec<(SyncResource, String)>,
    /// Whether an error is worth retrying soon (a 5xx, a timeout) rather than a refusal.
    pub transient: bool,
}

impl SyncSummary {
    fn tally(&mut self, resource: SyncResource) -> &mut Tally {
        if let Some(i) = self.resources.iter().position(|(r, _)| *r == resource) {
            return &mut self.resources[i].1;
        }
        self.resources.push((resource, Tally::default()));
        let last = self.resources.len() - 1;
        &mut self.resources[last].1
    }

    /// Requests sent in all.
    pub fn requests(&self) -> i64 {
        self.resources.iter().map(|(_, t)| t.requests).sum()
    }

    /// Items handled in all.
    pub fn items(&self) -> i64 {
        self.resources.iter().map(|(_, t)| t.items).sum()
    }
}

/// How a sync ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Every resource was walked (some may have failed: see `errors`).
    Done(SyncSummary),
    /// GitHub asked to wait until `until` (UTC); the place is saved.
    Paused {
        until: NaiveDateTime,
        summary: SyncSummary,
    },
    /// Nothing to do: the repository is unlinked or its project archived.
    Skipped(&'static str),
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no repository #{0}")]
    NotFound(RepositoryId),
    #[error("the stored name {0:?} is not a GitHub repository name")]
    BadName(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for SyncError {
    fn from(e: diesel::result::Error) -> Self {
        SyncError::Db(e.into())
    }
}

/// The stored form of a watermark: RFC 3339 in UTC.
fn stamp(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn parse_stamp(s: Option<&str>) -> Option<NaiveDateTime> {
    payload::parse_time(s)
}

fn epoch_to_naive(secs: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_else(crate::db::now)
}

/// One page read into what the sync needs.
#[derive(Default)]
struct PageItems {
    /// Items handled (an issue that is a pull request is not one).
    count: i64,
    /// Each item's ordering time (what the watermark compares).
    times: Vec<NaiveDateTime>,
    activities: Vec<Activity>,
    /// Commit SHAs (commits only).
    shas: Vec<String>,
}

fn read_page(resource: SyncResource, body: &str) -> Result<PageItems, String> {
    fn list<T: for<'de> Deserialize<'de>>(body: &str) -> Result<Vec<T>, String> {
        serde_json::from_str(body).map_err(|e| format!("unreadable page from GitHub: {e}"))
    }
    let mut p = PageItems::default();
    match resource {
        SyncResource::Commits => {
            let items: Vec<RestCommit> = list(body)?;
            for c in &items {
                let date = c
                    .commit
                    .as_ref()
                    .and_then(|g| g.committer.as_ref().or(g.author.as_ref()))
                    .and_then(|s| parse_stamp(s.date.as_deref()));
                p.times.extend(date);
                p.shas.extend(payload::parse_sha(c.sha.as_deref()));
                p.activities.extend(payload::commit_activities(c));
            }
            p.count = items.len() as i64;
        }
        SyncResource::Pulls => {
            let items: Vec<RestPull> = list(body)?;
            for pull in &items {
                p.times.extend(parse_stamp(pull.updated_at.as_deref()));
                p.activities.extend(payload::pull_activities(pull));
            }
            p.count = items.len() as i64;
        }
        SyncResource::Issues => {
            let items: Vec<RestIssue> = list(body)?;
            for issue in &items {
                p.times.extend(parse_stamp(issue.updated_at.as_deref()));
                if issue.pull_request.as_ref().is_some_and(|v| !v.is_null()) {
                    // Counted once, as a pull request.
                    continue;
                }
                p.count += 1;
                p.activities.extend(payload::issue_activities(issue));
            }
        }
        SyncResource::IssueComments | SyncResource::ReviewComments => {
            let kind = if resource == SyncResource::IssueComments {
                ContributionKind::IssueComment
            } else {
                ContributionKind::ReviewComment
            };
            let items: Vec<RestComment> = list(body)?;
            for c in &items {
                p.times.extend(parse_stamp(c.updated_at.as_deref()));
                p.activities.extend(payload::comment_activity(kind, c));
            }
            p.count = items.len() as i64;
        }
        SyncResource::Releases => {
            let items: Vec<RestRelease> = list(body)?;
            for r in &items {
                p.times.extend(parse_stamp(
                    r.created_at.as_deref().or(r.published_at.as_deref()),
                ));
                p.activities.extend(payload::release_activity(r));
            }
            p.count = items.len() as i64;
        }
        SyncResource::Reviews => {
            let items: Vec<RestReview> = list(body)?;
            p.activities
                .extend(items.iter().filter_map(payload::review_activity));
            p.count = items.len() as i64;
        }
    }
    Ok(p)
}

/// The first page of a resource's walk: a fixed URL (see the module documentation).
fn first_url(api: &GithubApi, name: &RepoFullName, resource: SyncResource, branch: &str) -> String {
    let repo = format!("/repos/{}/{}", name.owner(), name.name());
    let query = match resource {
        SyncResource::Commits => {
            let sha: String = url::form_urlencoded::byte_serialize(branch.as_bytes()).collect();
            format!("/commits?sha={sha}&per_page={PER_PAGE}")
        }
        SyncResource::Pulls => {
            format!("/pulls?state=all&sort=updated&direction=desc&per_page={PER_PAGE}")
        }
        SyncResource::Issues => {
            format!("/issues?state=all&sort=updated&direction=desc&per_page={PER_PAGE}")
        }
        SyncResource::IssueComments => {
            format!("/issues/comments?sort=updated&direction=desc&per_page={PER_PAGE}")
        }
        SyncResource::ReviewComments => {
            format!("/pulls/comments?sort=updated&direction=desc&per_page={PER_PAGE}")
        }
        SyncResource::Releases => format!("/releases?per_page={PER_PAGE}"),
        // Not a REST walk; see `reviews_pass`.
        SyncResource::Reviews => String::new(),
    };
    api.url(&format!("{repo}{query}"))
}

/// Everything one sync of one repository shares.
struct Run<'a> {
    syncer: &'a Syncer,
    name: RepoFullName,
    repository: RepositoryId,
    project: ProjectId,
    progress: &'a dyn Progress,
    summary: SyncSummary,
    rate: Option<RateLimit>,
}

/// How one resource's pass ended.
enum PassEnd {
    /// Walked to its end; `unchanged` when the first page was a 304.
    Complete { unchanged: bool },
    /// Waiting for GitHub until then (epoch seconds); the place is saved.
    Paused(i64),
    /// Failed; the other resources still run.
    Failed { message: String, transient: bool },
}

/// Syncs repository `id` once (see the module documentation).
pub async fn sync_repository(
    syncer: &Syncer,
    id: RepositoryId,
    options: SyncOptions,
    progress: &dyn Progress,
) -> Result<SyncOutcome, SyncError> {
    let db = &syncer.db;
    let (row, archived) = db
        .read(move |conn| {
            let row = repositories::find(conn, id)?.ok_or(SyncError::NotFound(id))?;
            let archived =
                projects::find_by_id(conn, row.project_id)?.is_none_or(|p| p.archived_at.is_some());
            Ok::<_, SyncError>((row, archived))
        })
        .await?;
    if row.unlinked_at.is_some() {
        return Ok(SyncOutcome::Skipped("the repository is unlinked"));
    }
    if archived {
        return Ok(SyncOutcome::Skipped("the project is archived"));
    }
    let name = RepoFullName::parse("full_name", &row.full_name)
        .map_err(|_| SyncError::BadName(row.full_name.clone()))?;
    db.write(move |tx| {
        repositories::record_sync_started(tx, id, crate::db::now())?;
        Ok::<_, DbError>(())
    })
    .await?;
    let mut run = Run {
        syncer,
        name,
        repository: id,
        project: row.project_id,
        progress,
        summary: SyncSummary::default(),
        rate: None,
    };
    let outcome = run.all(&row, options).await;
    run.finish(outcome).await
}

impl Run<'_> {
    async fn all(
        &mut self,
        row: &RepositoryRow,
        options: SyncOptions,
    ) -> Result<Option<i64>, SyncError> {
        let id = self.repository;
        let states = self
            .syncer
            .db
            .read(move |conn| Ok::<_, DbError>(sync_state::for_repository(conn, id)?))
            .await?;
        let state_of = |r: SyncResource| states.iter().find(|s| s.resource == r).cloned();
        let now = crate::db::now();
        let commits = state_of(SyncResource::Commits);
        let full_commits = options.full
            || commits.as_ref().is_none_or(|s| {
                s.resume_url.is_none()
                    && s.full_pass_at
                        .is_none_or(|t| now - t >= self.syncer.full_pass_every)
            });
        // The repository itself: its id and default branch, on the first sync and on
        // every full pass (the default branch can be renamed).
        let branch = match (&row.default_branch, row.github_id) {
            (Some(b), Some(_)) if !full_commits => b.clone(),
            _ => match self.learn_repository().await? {
                Ok(branch) => branch,
                Err(PassEnd::Paused(until)) => return Ok(Some(until)),
                Err(PassEnd::Failed { message, transient }) => {
                    self.summary.errors.push((SyncResource::Commits, message));
                    self.summary.transient = transient;
                    return Ok(None);
                }
                Err(PassEnd::Complete { .. }) => return Ok(None),
            },
        };
        let mut pulls_unchanged = false;
        for resource in ORDER {
            let state = state_of(resource);
            let full = options.full || (resource == SyncResource::Commits && full_commits);
            self.progress.resource(resource);
            let end = if resource == SyncResource::Reviews {
                self.reviews_pass(state, full, pulls_unchanged).await?
            } else {
                let first = first_url(&self.syncer.api, &self.name, resource, &branch);
                self.list_pass(resource, first, state, full).await?
            };
            match end {
                PassEnd::Complete { unchanged } => {
                    if resource == SyncResource::Pulls {
                        pulls_unchanged = unchanged;
                    }
                }
                PassEnd::Paused(until) => return Ok(Some(until)),
                PassEnd::Failed { message, transient } => {
                    tracing::warn!(repository = %self.name, %resource, error = %message, "sync of a resource failed");
                    self.summary.transient |= transient;
                    self.summary.errors.push((resource, message));
                }
            }
        }
        Ok(None)
    }

    /// Records the outcome on the repository's row.
    async fn finish(
        mut self,
        outcome: Result<Option<i64>, SyncError>,
    ) -> Result<SyncOutcome, SyncError> {
        let paused = outcome?;
        let id = self.repository;
        let rate = self.rate.take().and_then(|r| {
            Some(repositories::RateLimit {
                remaining: r.remaining?,
                limit: r.limit?,
                reset_at: epoch_to_naive(r.reset_at?),
            })
        });
        let errors = self
            .summary
            .errors
            .iter()
            .map(|(r, e)| format!("{r}: {e}"))
            .collect::<Vec<_>>()
            .join("; ");
        let until = paused.map(epoch_to_naive);
        self.syncer
            .db
            .write(move |tx| {
                let now = crate::db::now();
                if let Some(rate) = rate {
                    repositories::record_rate_limit(tx, id, rate)?;
                }
                if let Some(until) = until {
                    repositories::record_error(
                        tx,
                        id,
                        &format!(
                            "paused for GitHub's rate limit until {}; the sync resumes where it stopped",
                            stamp(until)
                        ),
                        now,
                    )?;
                } else if errors.is_empty() {
                    repositories::record_success(tx, id, now)?;
                } else {
                    repositories::record_error(tx, id, &errors, now)?;
                }
                Ok::<_, DbError>(())
            })
            .await?;
        Ok(match until {
            Some(until) => SyncOutcome::Paused {
                until,
                summary: self.summary,
            },
            None => SyncOutcome::Done(self.summary),
        })
    }

    fn note_rate(&mut self, rate: &RateLimit) {
        if rate.remaining.is_some() && rate.reset_at.is_some() && rate.limit.is_some() {
            self.rate = Some(rate.clone());
        }
    }

    fn end_of(&mut self, e: FetchError) -> PassEnd {
        self.note_rate(e.rate());
        match e {
            FetchError::Wait { until, .. } => {
                self.progress.waiting(epoch_to_naive(until));
                PassEnd::Paused(until)
            }
            FetchError::Failed {
                status, message, ..
            } => PassEnd::Failed {
                message,
                transient: status.is_none_or(|s| s >= 500),
            },
        }
    }

    /// `GET /repos/{o}/{r}`: stores GitHub's id and the default branch; the branch.
    async fn learn_repository(&mut self) -> Result<Result<String, PassEnd>, SyncError> {
        #[derive(Deserialize)]
        struct Repo {
            id: i64,
            default_branch: String,
        }
        let url = self.syncer.api.url(&format!(
            "/repos/{}/{}",
            self.name.owner(),
            self.name.name()
        ));
        let fetched = match self.syncer.api.get(&url, None, &self.name).await {
            Ok(f) => f,
            Err(e) => {
                self.summary.tally(SyncResource::Commits).requests += e.requests();
                return Ok(Err(self.end_of(e)));
            }
        };
        self.note_rate(&fetched.rate);
        self.summary.tally(SyncResource::Commits).requests += fetched.requests;
        let repo: Repo = match serde_json::from_str(&fetched.body) {
            Ok(r) => r,
            Err(e) => {
                return Ok(Err(PassEnd::Failed {
                    message: format!("unreadable repository from GitHub: {e}"),
                    transient: false,
                }));
            }
        };
        let id = self.repository;
        let branch = repo.default_branch.clone();
        let stored = self
            .syncer
            .db
            .write(move |tx| {
                repositories::set_github_identity(tx, id, repo.id, &repo.default_branch)
            })
            .await;
        match stored {
            Ok(()) => Ok(Ok(branch)),
            Err(e) if e.is_unique_violation() => Ok(Err(PassEnd::Failed {
                message: "another linked repository is this one under its old name (GitHub redirects renamed repositories): unlink one of them".to_owned(),
                transient: false,
            })),
            Err(e) => Err(e.into()),
        }
    }

    /// One REST resource's pass (see the module documentation).
    async fn list_pass(
        &mut self,
        resource: SyncResource,
        first: String,
        state: Option<SyncStateRow>,
        full: bool,
    ) -> Result<PassEnd, SyncError> {
        let id = self.repository;
        let project = self.project;
        let state = self.begin(resource, state, full).await?;
        let old_watermark = state
            .as_ref()
            .and_then(|s| parse_stamp(s.watermark.as_deref()));
        let resumed = state.as_ref().and_then(|s| s.resume_url.clone());
        let first_of_walk = first.clone();
        let (mut url, mut etag, mut pass_watermark, mut pass_etag) = match (&state, resumed) {
            (Some(s), Some(resume)) => {
                (resume, None, s.pass_watermark.clone(), s.pass_etag.clone())
            }
            (s, _) => (first, s.as_ref().and_then(|s| s.etag.clone()), None, None),
        };
        // The SHAs on the branch, when this run walks the commits from their first page
        // without a watermark (a full walk it can see whole).
        let mut seen: Option<HashSet<String>> = (resource == SyncResource::Commits
            && old_watermark.is_none()
            && state.as_ref().is_none_or(|s| s.resume_url.is_none()))
        .then(HashSet::new);
        let walking_all = old_watermark.is_none();
        // The answer to `url`, asked for while the previous page was stored.
        let mut prefetched = None;
        // A pass paused on its first page resumes there: that page's ETag is the one to keep.
        let mut first_page = url == first_of_walk;
        loop {
            let answer = match prefetched.take() {
                Some(answer) => answer,
                None => self.syncer.api.get(&url, etag.as_deref(), &self.name).await,
            };
            let fetched = match answer {
                Ok(f) => f,
                Err(e) => {
                    return self
                        .stopped(resource, e, Some(url), pass_watermark, pass_etag)
                        .await;
                }
            };
            self.note_rate(&fetched.rate);
            let tally = self.summary.tally(resource);
            tally.requests += fetched.requests;
            if fetched.not_modified() {
                tally.not_modified += 1;
                let progress = PageProgress {
                    requests: fetched.requests,
                    not_modified: 1,
                    ..PageProgress::default()
                };
                self.syncer
                    .db
                    .write(move |tx| {
                        sync_state::record_page(tx, id, resource, &progress, crate::db::now())
                    })
                    .await?;
                self.progress.page(resource, 0, fetched.requests, true);
                return Ok(PassEnd::Complete { unchanged: true });
            }
            let page = match read_page(resource, &fetched.body) {
                Ok(p) => p,
                Err(message) => {
                    return Ok(PassEnd::Failed {
                        message,
                        transient: false,
                    });
                }
            };
            if first_page {
                pass_etag = fetched.etag.clone();
                first_page = false;
            }
            let newest = page.times.iter().max().copied();
            let pending = parse_stamp(pass_watermark.as_deref());
            if let Some(n) = newest
                && pending.is_none_or(|p| n > p)
            {
                pass_watermark = Some(stamp(n));
            }
            let reached = old_watermark.is_some_and(|w| page.times.iter().any(|t| *t < w));
            if let Some(seen) = seen.as_mut() {
                seen.extend(page.shas.iter().cloned());
            }
            let next = if reached { None } else { fetched.next.clone() };
            let done = next.is_none();
            let now = crate::db::now();
            let progress = if done {
                PageProgress {
                    // An empty history has no watermark yet: keep walking it whole.
                    watermark: pass_watermark.clone(),
                    etag: pass_etag.clone(),
                    resume_url: None,
                    items: page.count,
                    requests: fetched.requests,
                    full_pass_at: walking_all.then_some(now),
                    ..PageProgress::default()
                }
            } else {
                PageProgress {
                    resume_url: next.clone(),
                    pass_watermark: pass_watermark.clone(),
                    pass_etag: pass_etag.clone(),
                    items: page.count,
                    requests: fetched.requests,
                    ..PageProgress::default()
                }
            };
            let activities = page.activities;
            let reconcile = if done { seen.take() } else { None };
            let store = self.syncer.db.write(move |tx| {
                let stored = super::activity::ingest(tx, project, id, &activities, now)?;
                sync_state::record_page(tx, id, resource, &progress, now)?;
                let reconciled = match reconcile {
                    Some(on_branch) => {
                        Some(sync_state::reconcile_commits(tx, id, &on_branch, now)?)
                    }
                    None => None,
                };
                Ok::<_, DbError>((stored.inserted, reconciled))
            });
            // The next page is asked for while this one is stored (its answer is only
            // used after the store committed, so the resume point stays exact).
            let (stored, next_answer) = match next.as_deref() {
                Some(n) => {
                    let (stored, answer) =
                        tokio::join!(store, self.syncer.api.get(n, None, &self.name));
                    (stored, Some(answer))
                }
                None => (store.await, None),
            };
            let (inserted, reconciled) = stored?;
            prefetched = next_answer;
            let tally = self.summary.tally(resource);
            tally.items += page.count;
            tally.inserted += inserted as i64;
            if reconciled.is_some() {
                self.summary.reconciled = reconciled;
            }
            self.progress
                .page(resource, page.count, fetched.requests, false);
            match next {
                Some(n) => {
                    url = n;
                    etag = None;
                }
                None => return Ok(PassEnd::Complete { unchanged: false }),
            }
        }
    }

    /// For a pass that must walk everything (`full`): forgets the resource's
    /// watermark, `ETag` and resume point first; the state the pass starts from.
    async fn begin(
        &self,
        resource: SyncResource,
        state: Option<SyncStateRow>,
        full: bool,
    ) -> Result<Option<SyncStateRow>, SyncError> {
        if !full || state.is_none() {
            return Ok(state);
        }
        let id = self.repository;
        self.syncer
            .db
            .write(move |tx| {
                Ok::<_, DbError>(sync_state::begin_full_pass(
                    tx,
                    id,
                    resource,
                    crate::db::now(),
                )?)
            })
            .await?;
        Ok(None)
    }

    /// Records a pass that stopped on an error or a wait: its place is kept (`keep`)
    /// unless the error was a refusal.
    async fn stopped(
        &mut self,
        resource: SyncResource,
        e: FetchError,
        resume: Option<String>,
        pass_watermark: Option<String>,
        pass_etag: Option<String>,
    ) -> Result<PassEnd, SyncError> {
        let id = self.repository;
        let requests = e.requests();
        self.summary.tally(resource).requests += requests;
        let end = self.end_of(e);
        let keep = match &end {
            PassEnd::Paused(_) => true,
            PassEnd::Failed { transient, .. } => *transient,
            PassEnd::Complete { .. } => false,
        } && resume.is_some();
        let progress = PageProgress {
            resume_url: if keep { resume } else { None },
            pass_watermark: if keep { pass_watermark } else { None },
            pass_etag: if keep { pass_etag } else { None },
            requests,
            ..PageProgress::default()
        };
        self.syncer
            .db
            .write(move |tx| sync_state::record_page(tx, id, resource, &progress, crate::db::now()))
            .await?;
        Ok(end)
    }

    /// Reviews (see the module documentation): GraphQL, 100 pull requests a request,
    /// newest updated first until the watermark.
    async fn reviews_pass(
        &mut self,
        state: Option<SyncStateRow>,
        full: bool,
        pulls_unchanged: bool,
    ) -> Result<PassEnd, SyncError> {
        let resource = SyncResource::Reviews;
        let (id, project) = (self.repository, self.project);
        if self.syncer.api.auth_mode() == AuthMode::Unauthenticated {
            let progress = PageProgress {
                skipped: Some(REVIEWS_NEED_CREDENTIALS.to_owned()),
                ..PageProgress::default()
            };
            self.syncer
                .db
                .write(move |tx| {
                    sync_state::record_page(tx, id, resource, &progress, crate::db::now())
                })
                .await?;
            return Ok(PassEnd::Complete { unchanged: true });
        }
        let state = self.begin(resource, state, full).await?;
        let resume = state.as_ref().and_then(|s| s.resume_url.clone());
        let old_watermark = state
            .as_ref()
            .and_then(|s| parse_stamp(s.watermark.as_deref()));
        if pulls_unchanged && resume.is_none() && old_watermark.is_some() {
            // No pull request changed, so no review did: nothing to ask.
            return Ok(PassEnd::Complete { unchanged: true });
        }
        let mut after = resume
            .as_deref()
            .and_then(|r| r.strip_prefix(GRAPHQL_RESUME))
            .map(str::to_owned);
        let mut pass_watermark = if resume.is_some() {
            state.as_ref().and_then(|s| s.pass_watermark.clone())
        } else {
            None
        };
        let walking_all = old_watermark.is_none();
        loop {
            let variables = serde_json::json!({
                "owner": self.name.owner(),
                "name": self.name.name(),
                "first": PER_PAGE,
                "after": after,
            });
            let place = after.as_ref().map(|a| format!("{GRAPHQL_RESUME}{a}"));
            let (data, fetched) = match self
                .syncer
                .api
                .graphql(REVIEWS_QUERY, variables, &self.name)
                .await
            {
                Ok(answer) => answer,
                Err(e) => return self.stopped(resource, e, place, pass_watermark, None).await,
            };
            self.note_rate(&fetched.rate);
            let mut requests = fetched.requests;
            let pulls = match serde_json::from_value::<GqlData>(data) {
                Ok(GqlData {
                    repository: Some(repo),
                }) => repo.pull_requests,
                Ok(GqlData { repository: None }) => {
                    self.summary.tally(resource).requests += requests;
                    return Ok(PassEnd::Failed {
                        message: "GitHub's GraphQL API does not find the repository".to_owned(),
                        transient: false,
                    });
                }
                Err(e) => {
                    self.summary.tally(resource).requests += requests;
                    return Ok(PassEnd::Failed {
                        message: format!("unreadable GraphQL answer: {e}"),
                        transient: false,
                    });
                }
            };
            let mut activities = Vec::new();
            let mut count = 0i64;
            let mut times = Vec::new();
            for pull in pulls.nodes.into_iter().flatten() {
                times.extend(parse_stamp(pull.updated_at.as_deref()));
                let Some(reviews) = pull.reviews else {
                    continue;
                };
                if reviews.page_info.has_next_page {
                    // More than 100 reviews: this pull request's list over REST.
                    match self.rest_reviews(pull.number).await {
                        Ok((acts, n, spent)) => {
                            requests += spent;
                            count += n;
                            activities.extend(acts);
                        }
                        Err(e) => {
                            self.summary.tally(resource).requests += requests;
                            return self.stopped(resource, e, place, pass_watermark, None).await;
                        }
                    }
                    continue;
                }
                for review in reviews.nodes.into_iter().flatten() {
                    count += 1;
                    activities.extend(payload::review_activity(&review.into_rest()));
                }
            }
            if let Some(n) = times.iter().max().copied()
                && parse_stamp(pass_watermark.as_deref()).is_none_or(|p| n > p)
            {
                pass_watermark = Some(stamp(n));
            }
            let reached = old_watermark.is_some_and(|w| times.iter().any(|t| *t < w));
            let next = (!reached && pulls.page_info.has_next_page)
                .then_some(pulls.page_info.end_cursor)
                .flatten();
            let now = crate::db::now();
            let progress = match &next {
                None => PageProgress {
                    watermark: pass_watermark.clone(),
                    items: count,
                    requests,
                    full_pass_at: walking_all.then_some(now),
                    ..PageProgress::default()
                },
                Some(cursor) => PageProgress {
                    resume_url: Some(format!("{GRAPHQL_RESUME}{cursor}")),
                    pass_watermark: pass_watermark.clone(),
                    items: count,
                    requests,
                    ..PageProgress::default()
                },
            };
            let inserted = self
                .syncer
                .db
                .write(move |tx| {
                    let stored = super::activity::ingest(tx, project, id, &activities, now)?;
                    sync_state::record_page(tx, id, resource, &progress, now)?;
                    Ok::<_, DbError>(stored.inserted)
                })
                .await?;
            let tally = self.summary.tally(resource);
            tally.items += count;
            tally.requests += requests;
            tally.inserted += inserted as i64;
            self.progress.page(resource, count, requests, false);
            match next {
                Some(cursor) => after = Some(cursor),
                None => return Ok(PassEnd::Complete { unchanged: false }),
            }
        }
    }

    /// Every review of pull request `number` over REST: activities, reviews, requests.
    async fn rest_reviews(&mut self, number: i64) -> Result<(Vec<Activity>, i64, i64), FetchError> {
        let mut url = Some(self.syncer.api.url(&format!(
            "/repos/{}/{}/pulls/{number}/reviews?per_page={PER_PAGE}",
            self.name.owner(),
            self.name.name()
        )));
        let (mut activities, mut count, mut requests) = (Vec::new(), 0, 0);
        while let Some(u) = url.take() {
            let fetched = self
                .syncer
                .api
                .get(&u, None, &self.name)
                .await
                .map_err(|e| {
                    // Count what the failed call spent with the calls before it.
                    match e {
                        FetchError::Failed {
                            status,
                            message,
                            rate,
                            requests: r,
                        } => FetchError::Failed {
                            status,
                            message,
                            rate,
                            requests: requests + r,
                        },
                        FetchError::Wait {
                            until,
                            reason,
                            rate,
                            requests: r,
                        } => FetchError::Wait {
                            until,
                            reason,
                            rate,
                            requests: requests + r,
                        },
                    }
                })?;
            requests += fetched.requests;
            self.note_rate(&fetched.rate);
            let page = read_page(SyncResource::Reviews, &fetched.body).map_err(|m| {
                FetchError::Failed {
                    status: Some(fetched.status),
                    message: m,
                    rate: fetched.rate.clone(),
                    requests,
                }
            })?;
            count += page.count;
            activities.extend(page.activities);
            url = fetched.next;
        }
        Ok((activities, count, requests))
    }
}

/// How a paused reviews pass names its place in `resume_url`: the GraphQL cursor.
const GRAPHQL_RESUME: &str = "graphql:after=";

/// The one GraphQL query of the sync: a page of pull requests, newest updated first,
/// each with its first 100 reviews.
pub const REVIEWS_QUERY: &str = "query OpenFundReviews($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number
        updatedAt
        reviews(first: 100) {
          pageInfo { hasNextPage }
          nodes {
            databaseId
            state
            submittedAt
            url
            author { __typename login avatarUrl url ... on User { databaseId } ... on Bot { databaseId } }
          }
        }
      }
    }
  }
}";

#[derive(Deserialize)]
struct GqlData {
    repository: Option<GqlRepository>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlRepository {
    pull_requests: GqlPulls,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlPageInfo {
    has_next_page: bool,
    #[serde(default)]
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlPulls {
    page_info: GqlPageInfo,
    #[serde(default)]
    nodes: Vec<Option<GqlPull>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlPull {
    number: i64,
    updated_at: Option<String>,
    reviews: Option<GqlReviews>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlReviews {
    page_info: GqlPageInfo,
    #[serde(default)]
    nodes: Vec<Option<GqlReview>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlReview {
    database_id: Option<i64>,
    state: Option<String>,
    submitted_at: Option<String>,
    url: Option<String>,
    author: Option<GqlActor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlActor {
    #[serde(rename = "__typename")]
    typename: Option<String>,
    login: Option<String>,
    database_id: Option<i64>,
    avatar_url: Option<String>,
    url: Option<String>,
}

impl GqlReview {
    /// The review as REST shows it, so one rule ([`payload::review_activity`]) credits
    /// both. GraphQL shows a bot's login without REST's `[bot]` suffix, and a deleted
    /// account as no author at all.
    fn into_rest(self) -> RestReview {
        let user = self.author.map(|a| {
            let bot = a.typename.as_deref() == Some("Bot");
            payload::RestUser {
                id: a.database_id,
                login: a.login.map(|l| {
                    if bot && !l.ends_with("[bot]") {
                        format!("{l}[bot]")
                    } else {
                        l
                    }
                }),
                account_type: a.typename,
                avatar_url: a.avatar_url,
                html_url: a.url,
                ..payload::RestUser::default()
            }
        });
        RestReview {
            id: self.database_id,
            html_url: self.url,
            user,
            state: self.state,
            submitted_at: self.submitted_at,
        }
    }
}

/// Maps a GraphQL actor the way [`GqlReview::into_rest`] does, for tests.
#[cfg(test)]
fn actor_of(review: GqlReview) -> Option<Actor> {
    payload::review_activity(&review.into_rest()).map(|a| a.actor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::github::identity::GithubUserId;

    fn review(typename: &str, login: &str, id: i64) -> GqlReview {
        GqlReview {
            database_id: Some(77),
            state: Some("APPROVED".into()),
            submitted_at: Some("2024-05-01T12:00:00Z".into()),
            url: Some("https://github.com/o/r/pull/1#pullrequestreview-77".into()),
            author: Some(GqlActor {
                typename: Some(typename.into()),
                login: Some(login.into()),
                database_id: Some(id),
                avatar_url: None,
                url: None,
            }),
        }
    }

    #[test]
    fn graphql_reviews_credit_like_rest_ones() {
        let person = actor_of(review("User", "botanist", 7)).unwrap();
        assert_eq!(person.github_user_id, GithubUserId::new(7));
        assert!(!person.is_bot());
        let bot = actor_of(review("Bot", "dependabot", 49_699_333)).unwrap();
        assert_eq!(bot.login.as_deref(), Some("dependabot[bot]"));
        assert!(bot.is_bot());
        let mut deleted = review("User", "x", 1);
        deleted.author = None;
        assert!(actor_of(deleted).is_none());
        let mut pending = review("User", "x", 1);
        pending.state = Some("PENDING".into());
        pending.submitted_at = None;
        assert!(actor_of(pending).is_none());
    }

    #[test]
    fn watermarks_round_trip_in_utc() {
        let t = payload::parse_time(Some("2024-05-01T12:00:00Z")).unwrap();
        assert_eq!(stamp(t), "2024-05-01T12:00:00Z");
        assert_eq!(parse_stamp(Some(&stamp(t))), Some(t));
    }

    #[test]
    fn pages_read_times_and_skip_pull_requests_among_issues() {
        let body = r#"[
            {"id": 1, "number": 1, "title": "bug", "user": {"id": 5, "login": "a", "type": "User"},
             "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-03T00:00:00Z"},
            {"id": 2, "number": 2, "title": "pr", "user": {"id": 5, "login": "a", "type": "User"},
             "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z",
             "pull_request": {"url": "x"}}
        ]"#;
        let p = read_page(SyncResource::Issues, body).unwrap();
        assert_eq!(p.count, 1);
        assert_eq!(p.times.len(), 2);
        assert_eq!(p.activities.len(), 1);
        assert!(read_page(SyncResource::Issues, "{\"message\": \"x\"}").is_err());
    }
}
