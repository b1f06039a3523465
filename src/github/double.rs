//! A development and test double of GitHub's REST API for one repository's ACTIVITY.
//!
//! **Never used by the product's own paths**: it exists so the integration tests (in
//! process, through [`GithubActivityDouble`]), the browser tests and the benchmark (as a
//! process, through the hidden `openfund github-double` subcommand) can drive the sync
//! engine against a real HTTP server on a random port.
//!
//! What it serves, in GitHub's shapes (GitHub Docs, REST reference, "Repositories",
//! "Commits", "Pulls", "Reviews", "Issues", "Issue comments", "Review comments",
//! "Releases"), both under `/repos/{owner}/{name}/…` and under
//! `/repositories/{id}/…` (the form GitHub writes in its `Link` headers):
//!
//! | route | order |
//! |---|---|
//! | `GET /repos/{o}/{r}` | the repository |
//! | `GET …/commits?sha=&since=&until=` | newest first (committer date) |
//! | `GET …/pulls?state=&sort=created\|updated&direction=` | default `created desc`, `state=open` |
//! | `GET …/pulls/{n}/reviews` | submitted order |
//! | `GET …/issues?state=&since=&sort=&direction=` | pull requests included with a `pull_request` member |
//! | `GET …/issues/comments?since=&sort=&direction=` | default `created asc` |
//! | `GET …/pulls/comments?since=&sort=&direction=` | default `created asc` |
//! | `GET …/releases` | newest first |
//! | `POST /graphql` | the sync's reviews query only: pull requests by `updatedAt` desc, 100 reviews each |
//! | `GET /repos/{o}/{r}/installation` | GitHub App JWT (after [`GithubActivityDouble::enable_app`]) |
//! | `POST /app/installations/{id}/access_tokens` | GitHub App JWT: an installation token |
//! | `GET /_double/stats` | counters (not counted, never faulted) |
//! | `POST /_double/faults` | queue a [`Fault`] (JSON) in the process form |
//!
//! Behaviour, as GitHub documents it ("Using pagination in the REST API", "Best practices
//! for using the REST API", "Rate limits for the REST API"):
//! - `per_page` (default 30, at most 100) and `page`; a `Link` header with absolute URLs
//!   (`/repositories/{id}/…`, the request's whole query with `page` replaced) for
//!   `prev`, `next`, `last`, `first`.
//! - A strong `ETag` (`"` + hex SHA-256 of the body + `"`); `If-None-Match` naming it
//!   (also in `W/` form or in a list) → 304 with no body, which does not count against
//!   the rate limit; every other answer the double gives (200, 404) counts.
//! - `x-ratelimit-limit`, `-remaining`, `-used`, `-reset` (epoch seconds), `-resource:
//!   core` on every answer; when `remaining` reaches 0 every request is 403 ("API rate
//!   limit exceeded") until the reset, then the window refills.
//! - Faults ([`Fault`]) queued from the handle or the CLI: a primary-limit 403 with a
//!   reset a few seconds ahead, a secondary-limit 403/429 with `retry-after`, 5xx, slow
//!   answers; at request number K, on the next request whose path contains a string, or
//!   on the next request.
//!
//! Data: [`History`], either generated deterministically from a seed
//! ([`History::generate`]: hundreds of authors, a renamed user, noreply emails, authors
//! without an account, `Co-authored-by:` trailers, `dependabot[bot]`, a human named
//! `botanist`, `ghost`) or built explicitly with its builder methods, and mutable between
//! syncs through [`GithubActivityDouble::mutate`] (add commits, force-push, rename).
//!
//! Lists are served from vectors kept in order plus sorted index views cached per
//! filter until the next mutation, so a page costs O(per_page) after the first.
//!
//! Not served: GraphQL beyond the sync's one reviews query; GitHub Enterprise's
//! `/api/v3` prefix.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::repository::RepoFullName;

/// GitHub's REST docs root, used in error bodies' `documentation_url`.
const DOCS: &str = "https://docs.github.com/rest";

// ---------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------

/// A GitHub account as an item showed it when served: id, login, and whether it is a bot
/// (`type: Bot`) or a user (`type: User`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// GitHub's numeric user id (stable across renames).
    pub id: i64,
    /// The login shown with the item.
    pub login: String,
    /// `type: Bot` when true, else `type: User`.
    pub bot: bool,
}

impl Actor {
    /// A user account (`type: User`).
    pub fn user(id: i64, login: &str) -> Actor {
        Actor {
            id,
            login: login.to_owned(),
            bot: false,
        }
    }

    /// A bot account (`type: Bot`), e.g. `dependabot[bot]` (id 49699333).
    pub fn bot(id: i64, login: &str) -> Actor {
        Actor {
            id,
            login: login.to_owned(),
            bot: true,
        }
    }

    /// The `ghost` account GitHub substitutes for deleted users (id 10137).
    pub fn ghost() -> Actor {
        Actor::user(10137, "ghost")
    }

    /// The noreply address GitHub gives this account:
    /// `{id}+{login}@users.noreply.github.com`.
    pub fn noreply(&self) -> String {
        format!("{}+{}@users.noreply.github.com", self.id, self.login)
    }
}

/// The git identity of a commit's author or committer (`commit.author`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The name written in the commit.
    pub name: String,
    /// The email written in the commit.
    pub email: String,
    /// When (UTC, served as RFC 3339 with `Z`).
    pub date: DateTime<Utc>,
}

/// One commit on the default branch.
#[derive(Debug, Clone)]
pub struct Commit {
    /// 40 lowercase hex digits.
    pub sha: String,
    /// `commit.author`.
    pub author: Signature,
    /// `commit.committer`.
    pub committer: Signature,
    /// The full message, trailers included.
    pub message: String,
    /// Top-level `author`: the account GitHub matched the author email to, or `None`
    /// (served as `null`) for an author without an account.
    pub author_user: Option<Actor>,
    /// Top-level `committer`, likewise.
    pub committer_user: Option<Actor>,
}

/// A review's `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewState {
    /// `APPROVED`.
    Approved,
    /// `CHANGES_REQUESTED`.
    ChangesRequested,
    /// `COMMENTED`.
    Commented,
}

impl ReviewState {
    fn as_str(self) -> &'static str {
        match self {
            ReviewState::Approved => "APPROVED",
            ReviewState::ChangesRequested => "CHANGES_REQUESTED",
            ReviewState::Commented => "COMMENTED",
        }
    }
}

/// One pull-request review.
#[derive(Debug, Clone)]
pub struct Review {
    /// GitHub id.
    pub id: i64,
    /// The reviewer.
    pub user: Actor,
    /// Its state.
    pub state: ReviewState,
    /// `submitted_at`.
    pub submitted_at: DateTime<Utc>,
    /// The review's text.
    pub body: String,
}

/// One pull request (also served by the issues list, with a `pull_request` member).
#[derive(Debug, Clone)]
pub struct Pull {
    /// The number, shared with issues.
    pub number: u64,
    /// GitHub id of the pull request.
    pub id: i64,
    /// GitHub id of the issue behind it (what the issues list shows as `id`).
    pub issue_id: i64,
    /// Title.
    pub title: String,
    /// Author.
    pub user: Actor,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
    /// Closed (merged or not).
    pub closed_at: Option<DateTime<Utc>>,
    /// Merged (then `closed_at` is the same instant).
    pub merged_at: Option<DateTime<Utc>>,
    /// A draft.
    pub draft: bool,
    /// Reviews, in submitted order.
    pub reviews: Vec<Review>,
}

/// One issue (not a pull request).
#[derive(Debug, Clone)]
pub struct Issue {
    /// The number, shared with pull requests.
    pub number: u64,
    /// GitHub id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Author.
    pub user: Actor,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
    /// Closed.
    pub closed_at: Option<DateTime<Utc>>,
}

/// A conversation comment on an issue or a pull request.
#[derive(Debug, Clone)]
pub struct IssueComment {
    /// GitHub id.
    pub id: i64,
    /// The issue or pull request it is on.
    pub issue_number: u64,
    /// Author.
    pub user: Actor,
    /// Text.
    pub body: String,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Last edited.
    pub updated_at: DateTime<Utc>,
}

/// A diff comment on a pull request.
#[derive(Debug, Clone)]
pub struct ReviewComment {
    /// GitHub id.
    pub id: i64,
    /// The pull request.
    pub pull_number: u64,
    /// Author.
    pub user: Actor,
    /// Text.
    pub body: String,
    /// File commented on.
    pub path: String,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Last edited.
    pub updated_at: DateTime<Utc>,
}

/// A published release.
#[derive(Debug, Clone)]
pub struct Release {
    /// GitHub id.
    pub id: i64,
    /// Tag, e.g. `v1.2.0`.
    pub tag_name: String,
    /// Who published it.
    pub author: Actor,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Published.
    pub published_at: DateTime<Utc>,
    /// A prerelease.
    pub prerelease: bool,
}

/// One repository's whole activity, kept in creation order (commits oldest first).
///
/// Build one with [`History::new`] and the `add_*` methods (each new item is one minute
/// after the previous, see [`History::advance`]), or [`History::generate`].
#[derive(Debug, Clone)]
pub struct History {
    owner: String,
    name: String,
    repo_id: i64,
    default_branch: String,
    /// Commits on the default branch, oldest first.
    pub commits: Vec<Commit>,
    /// Pull requests by number (ascending).
    pub pulls: Vec<Pull>,
    /// Issues by number (ascending).
    pub issues: Vec<Issue>,
    /// Conversation comments, oldest first.
    pub issue_comments: Vec<IssueComment>,
    /// Diff comments, oldest first.
    pub review_comments: Vec<ReviewComment>,
    /// Releases, oldest first.
    pub releases: Vec<Release>,
    clock: DateTime<Utc>,
    next_id: i64,
    next_number: u64,
    sha_counter: u64,
    seed: u64,
}

/// What [`History::generate`] makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateSpec {
    /// The repository served.
    pub repo: RepoFullName,
    /// Commits on the default branch.
    pub commits: usize,
    /// Pull requests (each with 0–3 reviews).
    pub pulls: usize,
    /// Issues (besides pull requests).
    pub issues: usize,
    /// Seed: the same seed gives the same history.
    pub seed: u64,
}

/// Well-known accounts of a generated history, for tests to assert on.
pub mod known {
    /// `dependabot[bot]`'s real GitHub id.
    pub const DEPENDABOT_ID: i64 = 49_699_333;
    /// The human whose login contains "bot".
    pub const BOTANIST_ID: i64 = 7_000_001;
    /// The user renamed half way through the history.
    pub const RENAMED_ID: i64 = 7_000_002;
    /// Their login before the rename.
    pub const RENAMED_OLD_LOGIN: &str = "octo-before";
    /// Their login after the rename.
    pub const RENAMED_NEW_LOGIN: &str = "octo-after";
    /// `ghost`'s id.
    pub const GHOST_ID: i64 = 10_137;
    /// How many ordinary generated users (ids `1_000_001..`).
    pub const USERS: usize = 400;
    /// How many distinct authors without a GitHub account.
    pub const NO_ACCOUNT_AUTHORS: usize = 40;
}

/// SplitMix64: a small deterministic generator (Steele, Lea, Flood 2014), enough for
/// test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// 2020-01-01T00:00:00Z in seconds since the Unix epoch: where a new history's clock starts.
const CLOCK_START_SECS: i64 = 1_577_836_800;

/// A pull request or issue number the history does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no pull request or issue #{0} in this history")]
pub struct NoSuchNumber(pub u64);

impl History {
    /// An empty history of `repo` (default branch `main`), its clock at
    /// 2020-01-01T00:00:00Z.
    pub fn new(repo: &RepoFullName) -> History {
        History {
            owner: repo.owner().to_owned(),
            name: repo.name().to_owned(),
            repo_id: 100_000_000,
            default_branch: "main".to_owned(),
            commits: Vec::new(),
            pulls: Vec::new(),
            issues: Vec::new(),
            issue_comments: Vec::new(),
            review_comments: Vec::new(),
            releases: Vec::new(),
            clock: DateTime::UNIX_EPOCH + chrono::Duration::seconds(CLOCK_START_SECS),
            next_id: 1_000_000_000,
            next_number: 1,
            sha_counter: 0,
            seed: 0,
        }
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The repository's GitHub id (what `/repositories/{id}` Link URLs carry).
    pub fn repo_id(&self) -> i64 {
        self.repo_id
    }

    /// The instant the next item gets (then the clock moves on by `step`).
    pub fn advance(&mut self, step: chrono::Duration) -> DateTime<Utc> {
        self.clock += step;
        self.clock
    }

    /// The history's clock: the time of the newest item.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock
    }

    fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    fn new_sha(&mut self) -> String {
        self.sha_counter += 1;
        let digest = Sha256::digest(format!(
            "{}:{}:{}",
            self.seed, self.repo_id, self.sha_counter
        ));
        hex::encode(digest)[..40].to_owned()
    }

    /// Adds a commit on top of the default branch, one minute after the last item,
    /// authored and committed by `name <email>`; `user` is the account GitHub matched
    /// (`None`: no account, `author: null`). Returns its SHA.
    pub fn add_commit(
        &mut self,
        name: &str,
        email: &str,
        user: Option<&Actor>,
        message: &str,
    ) -> String {
        let date = self.advance(chrono::Duration::minutes(1));
        let sig = Signature {
            name: name.to_owned(),
            email: email.to_owned(),
            date,
        };
        let sha = self.new_sha();
        self.commits.push(Commit {
            sha: sha.clone(),
            author: sig.clone(),
            committer: sig,
            message: message.to_owned(),
            author_user: user.cloned(),
            committer_user: user.cloned(),
        });
        sha
    }

    /// A force-push that drops the newest `n` commits of the default branch; returns
    /// their SHAs (newest first).
    pub fn force_push_drop(&mut self, n: usize) -> Vec<String> {
        let keep = self.commits.len().saturating_sub(n);
        self.commits.drain(keep..).rev().map(|c| c.sha).collect()
    }

    /// Opens a pull request; returns its number.
    pub fn add_pull(&mut self, user: &Actor, title: &str) -> u64 {
        let at = self.advance(chrono::Duration::minutes(1));
        let number = self.next_number;
        self.next_number += 1;
        let (id, issue_id) = (self.id(), self.id());
        self.pulls.push(Pull {
            number,
            id,
            issue_id,
            title: title.to_owned(),
            user: user.clone(),
            created_at: at,
            updated_at: at,
            closed_at: None,
            merged_at: None,
            draft: false,
            reviews: Vec::new(),
        });
        number
    }

    fn pull_mut(&mut self, number: u64) -> Result<&mut Pull, NoSuchNumber> {
        let i = self
            .pulls
            .binary_search_by_key(&number, |p| p.number)
            .map_err(|_| NoSuchNumber(number))?;
        Ok(&mut self.pulls[i])
    }

    /// Merges pull request `number` now (closes it too).
    pub fn merge_pull(&mut self, number: u64) -> Result<(), NoSuchNumber> {
        let at = self.advance(chrono::Duration::minutes(1));
        let p = self.pull_mut(number)?;
        p.merged_at = Some(at);
        p.closed_at = Some(at);
        p.updated_at = at;
        Ok(())
    }

    /// Closes pull request `number` unmerged now.
    pub fn close_pull(&mut self, number: u64) -> Result<(), NoSuchNumber> {
        let at = self.advance(chrono::Duration::minutes(1));
        let p = self.pull_mut(number)?;
        p.closed_at = Some(at);
        p.updated_at = at;
        Ok(())
    }

    /// Submits a review on pull request `number`; returns its id.
    pub fn add_review(
        &mut self,
        number: u64,
        user: &Actor,
        state: ReviewState,
    ) -> Result<i64, NoSuchNumber> {
        let at = self.advance(chrono::Duration::minutes(1));
        let id = self.id();
        let p = self.pull_mut(number)?;
        p.reviews.push(Review {
            id,
            user: user.clone(),
            state,
            submitted_at: at,
            body: String::new(),
        });
        p.updated_at = at;
        Ok(id)
    }

    /// Opens an issue; returns its number.
    pub fn add_issue(&mut self, user: &Actor, title: &str) -> u64 {
        let at = self.advance(chrono::Duration::minutes(1));
        let number = self.next_number;
        self.next_number += 1;
        let id = self.id();
        self.issues.push(Issue {
            number,
            id,
            title: title.to_owned(),
            user: user.clone(),
            created_at: at,
            updated_at: at,
            closed_at: None,
        });
        number
    }

    /// Closes issue `number` now.
    pub fn close_issue(&mut self, number: u64) -> Result<(), NoSuchNumber> {
        let at = self.advance(chrono::Duration::minutes(1));
        let i = self
            .issues
            .binary_search_by_key(&number, |i| i.number)
            .map_err(|_| NoSuchNumber(number))?;
        self.issues[i].closed_at = Some(at);
        self.issues[i].updated_at = at;
        Ok(())
    }

    /// Comments on issue or pull request `number` (which bumps its `updated_at`);
    /// returns the comment id.
    pub fn add_issue_comment(&mut self, number: u64, user: &Actor, body: &str) -> i64 {
        let at = self.advance(chrono::Duration::minutes(1));
        let id = self.id();
        self.touch(number, at);
        self.issue_comments.push(IssueComment {
            id,
            issue_number: number,
            user: user.clone(),
            body: body.to_owned(),
            created_at: at,
            updated_at: at,
        });
        id
    }

    /// A diff comment on pull request `number`; returns its id.
    pub fn add_review_comment(&mut self, number: u64, user: &Actor, body: &str) -> i64 {
        let at = self.advance(chrono::Duration::minutes(1));
        let id = self.id();
        self.touch(number, at);
        self.review_comments.push(ReviewComment {
            id,
            pull_number: number,
            user: user.clone(),
            body: body.to_owned(),
            path: "src/lib.rs".to_owned(),
            created_at: at,
            updated_at: at,
        });
        id
    }

    /// Publishes a release; returns its id.
    pub fn add_release(&mut self, tag: &str, author: &Actor) -> i64 {
        let at = self.advance(chrono::Duration::minutes(1));
        let id = self.id();
        self.releases.push(Release {
            id,
            tag_name: tag.to_owned(),
            author: author.clone(),
            created_at: at,
            published_at: at,
            prerelease: tag.contains('-'),
        });
        id
    }

    fn touch(&mut self, number: u64, at: DateTime<Utc>) {
        if let Ok(i) = self.pulls.binary_search_by_key(&number, |p| p.number) {
            self.pulls[i].updated_at = at;
        } else if let Ok(i) = self.issues.binary_search_by_key(&number, |i| i.number) {
            self.issues[i].updated_at = at;
        }
    }

    /// Renames account `id` to `new_login` everywhere, as GitHub does: every item served
    /// from now on shows the new login (same id). Returns how many items changed.
    pub fn rename_user(&mut self, id: i64, new_login: &str) -> usize {
        let mut n = 0;
        let mut fix = |a: &mut Actor| {
            if a.id == id {
                a.login = new_login.to_owned();
                n += 1;
            }
        };
        for c in &mut self.commits {
            if let Some(a) = c.author_user.as_mut() {
                fix(a);
            }
            if let Some(a) = c.committer_user.as_mut() {
                fix(a);
            }
        }
        for p in &mut self.pulls {
            fix(&mut p.user);
            for r in &mut p.reviews {
                fix(&mut r.user);
            }
        }
        for i in &mut self.issues {
            fix(&mut i.user);
        }
        for c in &mut self.issue_comments {
            fix(&mut c.user);
        }
        for c in &mut self.review_comments {
            fix(&mut c.user);
        }
        for r in &mut self.releases {
            fix(&mut r.author);
        }
        n
    }

    /// A deterministic history (same spec, same history): [`known::USERS`] users plus
    /// `dependabot[bot]`, `botanist`, `ghost` and a user renamed half way (items before
    /// the middle show [`known::RENAMED_OLD_LOGIN`], later ones
    /// [`known::RENAMED_NEW_LOGIN`], as a sync that ran before the rename saw them);
    /// about a quarter of commits use noreply emails, one in ten has an author without
    /// an account (`author: null`), one in eight has `Co-authored-by:` trailers (some
    /// repeating the author, some quoted in the body where they do not count); one in
    /// twenty is by dependabot. Items are spread over time, a few hours apart.
    pub fn generate(spec: &GenerateSpec) -> Result<History, NoSuchNumber> {
        let mut h = History::new(&spec.repo);
        h.seed = spec.seed;
        let mut rng = Rng(spec.seed ^ SEED_SALT);
        let users: Vec<Actor> = (0..known::USERS)
            .map(|i| {
                Actor::user(
                    1_000_001 + i as i64,
                    &format!("{}-{i}", NAMES[i % NAMES.len()]),
                )
            })
            .collect();
        let dependabot = Actor::bot(known::DEPENDABOT_ID, "dependabot[bot]");
        let botanist = Actor::user(known::BOTANIST_ID, "botanist");
        let ghost = Actor::ghost();
        let renamed_old = Actor::user(known::RENAMED_ID, known::RENAMED_OLD_LOGIN);
        let renamed_new = Actor::user(known::RENAMED_ID, known::RENAMED_NEW_LOGIN);
        let total = (spec.commits + spec.pulls + spec.issues).max(1);
        let mut made = 0usize;
        // Who acts next: mostly ordinary users, sometimes the special accounts.
        let pick = |rng: &mut Rng, made: usize| -> Actor {
            match rng.below(100) {
                0..=3 => botanist.clone(),
                4..=7 => {
                    if made * 2 < total {
                        renamed_old.clone()
                    } else {
                        renamed_new.clone()
                    }
                }
                8 => ghost.clone(),
                _ => users[rng.below(users.len() as u64) as usize].clone(),
            }
        };
        // Interleave commits, pulls and issues over time.
        let (mut c, mut p, mut i) = (0usize, 0usize, 0usize);
        while c < spec.commits || p < spec.pulls || i < spec.issues {
            let left = (spec.commits - c) + (spec.pulls - p) + (spec.issues - i);
            let r = rng.below(left as u64) as usize;
            h.clock += chrono::Duration::minutes(30 + rng.below(240) as i64);
            made += 1;
            if r < spec.commits - c {
                c += 1;
                if rng.chance(5) {
                    let email = dependabot.noreply();
                    h.add_commit(
                        "dependabot[bot]",
                        &email,
                        Some(&dependabot),
                        "Bump serde from 1.0.1 to 1.0.2\n\nBumps serde.\n\nSigned-off-by: dependabot[bot] <support@github.com>",
                    );
                    continue;
                }
                if rng.chance(10) {
                    let k = rng.below(known::NO_ACCOUNT_AUTHORS as u64);
                    let name = format!("Outside Author {k}");
                    let email = format!("outside{k}@example.org");
                    h.add_commit(&name, &email, None, &format!("Fix typo in docs ({k})"));
                    continue;
                }
                let mut who = pick(&mut rng, made);
                if who.id == known::GHOST_ID {
                    who = users[0].clone();
                }
                let name = display_name(&who);
                let email = if rng.chance(25) {
                    who.noreply()
                } else {
                    format!("{}@example.com", who.login)
                };
                let mut message =
                    format!("{} {}", VERBS[rng.below(VERBS.len() as u64) as usize], c);
                match rng.below(16) {
                    0 => {
                        let co = &users[rng.below(users.len() as u64) as usize];
                        message.push_str(&format!(
                            "\n\nDetails.\n\nCo-authored-by: {} <{}>",
                            display_name(co),
                            co.noreply()
                        ));
                    }
                    1 => {
                        let k = rng.below(known::NO_ACCOUNT_AUTHORS as u64);
                        message.push_str(&format!(
                            "\n\nPaired.\n\nCo-authored-by: Outside Author {k} <outside{k}@example.org>\nCo-authored-by: {name} <{email}>"
                        ));
                    }
                    2 => {
                        message.push_str(
                            "\n\nAs the template says:\n> Co-authored-by: Quoted Person <quoted@example.com>\nnot a trailer.",
                        );
                    }
                    _ => {}
                }
                h.add_commit(&name, &email, Some(&who), &message);
            } else if r < spec.commits - c + spec.pulls - p {
                p += 1;
                let who = if rng.chance(8) {
                    dependabot.clone()
                } else {
                    pick(&mut rng, made)
                };
                let n = h.add_pull(&who, &format!("Pull request {p}"));
                if rng.chance(10) {
                    h.pull_mut(n)?.draft = true;
                }
                for _ in 0..rng.below(4) {
                    let reviewer = pick(&mut rng, made);
                    let state = match rng.below(3) {
                        0 => ReviewState::Approved,
                        1 => ReviewState::ChangesRequested,
                        _ => ReviewState::Commented,
                    };
                    h.add_review(n, &reviewer, state)?;
                }
                if rng.chance(50) {
                    let who = pick(&mut rng, made);
                    h.add_issue_comment(n, &who, "Looks good to me.");
                }
                if rng.chance(30) {
                    let who = pick(&mut rng, made);
                    h.add_review_comment(n, &who, "Nit: rename this.");
                }
                match rng.below(100) {
                    0..=59 => h.merge_pull(n)?,
                    60..=74 => h.close_pull(n)?,
                    _ => {}
                }
            } else {
                i += 1;
                let who = pick(&mut rng, made);
                let n = h.add_issue(&who, &format!("Issue {i}"));
                for _ in 0..rng.below(3) {
                    let who = pick(&mut rng, made);
                    h.add_issue_comment(n, &who, "Same here.");
                }
                if rng.chance(50) {
                    h.close_issue(n)?;
                }
            }
            if c > 0 && c % 200 == 0 && h.releases.len() < c / 200 {
                let who = pick(&mut rng, made);
                h.add_release(&format!("v0.{}.0", c / 200), &who);
            }
        }
        Ok(h)
    }
}

/// Mixed into the seed so seed 0 is not SplitMix64's own zero state ("openfund").
const SEED_SALT: u64 = 0x6F70_656E_6675_6E64;

const NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki", "zoe",
    "amara", "bao", "chen", "dmitri", "elif", "fatima", "goran", "hana",
];

const VERBS: &[&str] = &[
    "Fix", "Add", "Refactor", "Speed up", "Document", "Test", "Remove", "Rename", "Update",
];

/// The name a generated account writes in its commits.
fn display_name(a: &Actor) -> String {
    let mut name = a.login.replace('-', " ");
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    name
}

// ---------------------------------------------------------------------------------------
// Rendering (GitHub's JSON shapes)
// ---------------------------------------------------------------------------------------

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn opt_ts(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(ts(t)))
}

/// GitHub's legacy global node id: base64 of `{len:02}:{Type}{id}`.
fn node_id(kind: &str, id: impl std::fmt::Display) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{:02}:{kind}{id}", kind.len()))
}

/// A simple user object, with every field octocrab's `Author` requires.
fn user_json(base: &str, a: &Actor) -> Value {
    let l = &a.login;
    json!({
        "login": l,
        "id": a.id,
        "node_id": node_id(if a.bot { "Bot" } else { "User" }, a.id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", a.id),
        "gravatar_id": "",
        "url": format!("{base}/users/{l}"),
        "html_url": format!("https://github.com/{}", if a.bot { format!("apps/{}", l.trim_end_matches("[bot]")) } else { l.clone() }),
        "followers_url": format!("{base}/users/{l}/followers"),
        "following_url": format!("{base}/users/{l}/following{{/other_user}}"),
        "gists_url": format!("{base}/users/{l}/gists{{/gist_id}}"),
        "starred_url": format!("{base}/users/{l}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{base}/users/{l}/subscriptions"),
        "organizations_url": format!("{base}/users/{l}/orgs"),
        "repos_url": format!("{base}/users/{l}/repos"),
        "events_url": format!("{base}/users/{l}/events{{/privacy}}"),
        "received_events_url": format!("{base}/users/{l}/received_events"),
        "type": if a.bot { "Bot" } else { "User" },
        "user_view_type": "public",
        "site_admin": false
    })
}

fn opt_user(base: &str, a: Option<&Actor>) -> Value {
    a.map_or(Value::Null, |a| user_json(base, a))
}

fn association(a: &Actor) -> &'static str {
    if a.id == known::GHOST_ID {
        "NONE"
    } else {
        "CONTRIBUTOR"
    }
}

impl History {
    fn api(&self, base: &str) -> String {
        format!("{base}/repos/{}/{}", self.owner, self.name)
    }
    fn html(&self) -> String {
        format!("https://github.com/{}/{}", self.owner, self.name)
    }

    /// The full repository object (`GET /repos/{owner}/{repo}`).
    fn repo_json(&self, base: &str) -> Value {
        let api = self.api(base);
        let owner = json!({
            "login": self.owner, "id": 90_000_001, "node_id": node_id("Organization", 90_000_001),
            "avatar_url": "https://avatars.githubusercontent.com/u/90000001?v=4", "gravatar_id": "",
            "url": format!("{base}/users/{}", self.owner), "html_url": format!("https://github.com/{}", self.owner),
            "followers_url": format!("{base}/users/{}/followers", self.owner),
            "following_url": format!("{base}/users/{}/following{{/other_user}}", self.owner),
            "gists_url": format!("{base}/users/{}/gists{{/gist_id}}", self.owner),
            "starred_url": format!("{base}/users/{}/starred{{/owner}}{{/repo}}", self.owner),
            "subscriptions_url": format!("{base}/users/{}/subscriptions", self.owner),
            "organizations_url": format!("{base}/users/{}/orgs", self.owner),
            "repos_url": format!("{base}/users/{}/repos", self.owner),
            "events_url": format!("{base}/users/{}/events{{/privacy}}", self.owner),
            "received_events_url": format!("{base}/users/{}/received_events", self.owner),
            "type": "Organization", "user_view_type": "public", "site_admin": false
        });
        let open_issues = self.issues.iter().filter(|i| i.closed_at.is_none()).count()
            + self.pulls.iter().filter(|p| p.closed_at.is_none()).count();
        let pushed = self.commits.last().map_or(self.clock, |c| c.committer.date);
        let mut urls = json!({
            "id": self.repo_id, "node_id": node_id("Repository", self.repo_id),
            "name": self.name, "full_name": self.full_name(), "private": false, "owner": owner,
            "html_url": self.html(), "description": "A repository served by OpenFund's GitHub double",
            "fork": false, "url": api,
        });
        if let Value::Object(m) = &mut urls {
            for (key, suffix) in REPO_URLS {
                // `{{`/`}}` in the table are literal braces of GitHub's URI templates.
                let suffix = suffix.replace("{{", "{").replace("}}", "}");
                m.insert((*key).to_owned(), Value::String(format!("{api}{suffix}")));
            }
        }
        let rest = json!({
            "created_at": "2019-12-31T00:00:00Z", "updated_at": ts(self.clock), "pushed_at": ts(pushed),
            "git_url": format!("git://github.com/{}.git", self.full_name()),
            "ssh_url": format!("git@github.com:{}.git", self.full_name()),
            "clone_url": format!("{}.git", self.html()), "svn_url": self.html(),
            "homepage": null, "size": 1024, "stargazers_count": 42, "watchers_count": 42,
            "language": "Python", "has_issues": true, "has_projects": true, "has_downloads": true,
            "has_wiki": false, "has_pages": false, "has_discussions": false, "forks_count": 7,
            "mirror_url": null, "archived": false, "disabled": false, "open_issues_count": open_issues,
            "license": null, "allow_forking": true, "is_template": false,
            "web_commit_signoff_required": false, "topics": [], "visibility": "public",
            "forks": 7, "open_issues": open_issues, "watchers": 42,
            "default_branch": self.default_branch, "network_count": 7, "subscribers_count": 3
        });
        if let (Value::Object(m), Value::Object(r)) = (&mut urls, rest) {
            m.extend(r);
        }
        urls
    }

    /// Commit `i` (oldest first) as the commits list shows it; its parent is commit
    /// `i - 1`.
    fn commit_json(&self, base: &str, i: usize) -> Value {
        let api = self.api(base);
        let sig = |s: &Signature| json!({"name": s.name, "email": s.email, "date": ts(s.date)});
        let parent = i.checked_sub(1).map(|p| &self.commits[p].sha);
        self.commit_json_with_parent(base, &api, &self.commits[i], parent, sig)
    }

    fn commit_json_with_parent(
        &self,
        base: &str,
        api: &str,
        c: &Commit,
        parent: Option<&String>,
        sig: impl Fn(&Signature) -> Value,
    ) -> Value {
        let tree = hex::encode(Sha256::digest(c.sha.as_bytes()))[..40].to_owned();
        json!({
            "sha": c.sha,
            "node_id": node_id("Commit", format!("{}:{}", self.repo_id, c.sha)),
            "commit": {
                "author": sig(&c.author),
                "committer": sig(&c.committer),
                "message": c.message,
                "tree": {"sha": tree, "url": format!("{api}/git/trees/{tree}")},
                "url": format!("{api}/git/commits/{}", c.sha),
                "comment_count": 0,
                "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}
            },
            "url": format!("{api}/commits/{}", c.sha),
            "html_url": format!("{}/commit/{}", self.html(), c.sha),
            "comments_url": format!("{api}/commits/{}/comments", c.sha),
            "author": opt_user(base, c.author_user.as_ref()),
            "committer": opt_user(base, c.committer_user.as_ref()),
            "parents": parent.map_or_else(Vec::new, |p| vec![json!({
                "sha": p, "url": format!("{api}/commits/{p}"), "html_url": format!("{}/commit/{p}", self.html())
            })])
        })
    }

    /// Pull request `p`; `repo` is [`History::repo_json`], rendered once per page.
    fn pull_json(&self, base: &str, p: &Pull, repo: &Value) -> Value {
        let api = self.api(base);
        let n = p.number;
        let head_sha = hex::encode(Sha256::digest(format!("head{}", p.id)))[..40].to_owned();
        let base_sha = self
            .commits
            .last()
            .map_or_else(|| "0".repeat(40), |c| c.sha.clone());
        let links = json!({
            "self": {"href": format!("{api}/pulls/{n}")},
            "html": {"href": format!("{}/pull/{n}", self.html())},
            "issue": {"href": format!("{api}/issues/{n}")},
            "comments": {"href": format!("{api}/issues/{n}/comments")},
            "review_comments": {"href": format!("{api}/pulls/{n}/comments")},
            "review_comment": {"href": format!("{api}/pulls/comments{{/number}}")},
            "commits": {"href": format!("{api}/pulls/{n}/commits")},
            "statuses": {"href": format!("{api}/statuses/{head_sha}")}
        });
        json!({
            "url": format!("{api}/pulls/{n}"), "id": p.id, "node_id": node_id("PullRequest", p.id),
            "html_url": format!("{}/pull/{n}", self.html()),
            "diff_url": format!("{}/pull/{n}.diff", self.html()),
            "patch_url": format!("{}/pull/{n}.patch", self.html()),
            "issue_url": format!("{api}/issues/{n}"),
            "number": n, "state": if p.closed_at.is_some() { "closed" } else { "open" },
            "locked": false, "title": p.title, "user": user_json(base, &p.user),
            "body": format!("{}\n\nThis changes things.", p.title),
            "created_at": ts(p.created_at), "updated_at": ts(p.updated_at),
            "closed_at": opt_ts(p.closed_at), "merged_at": opt_ts(p.merged_at),
            "merge_commit_sha": p.merged_at.map(|_| head_sha.clone()),
            "assignee": null, "assignees": [], "requested_reviewers": [], "requested_teams": [],
            "labels": [], "milestone": null, "draft": p.draft,
            "commits_url": format!("{api}/pulls/{n}/commits"),
            "review_comments_url": format!("{api}/pulls/{n}/comments"),
            "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
            "comments_url": format!("{api}/issues/{n}/comments"),
            "statuses_url": format!("{api}/statuses/{head_sha}"),
            "head": {"label": format!("{}:feature-{n}", p.user.login), "ref": format!("feature-{n}"), "sha": head_sha, "user": user_json(base, &p.user), "repo": repo},
            "base": {"label": format!("{}:{}", self.owner, self.default_branch), "ref": self.default_branch, "sha": base_sha, "user": repo["owner"], "repo": repo},
            "_links": links,
            "author_association": association(&p.user), "auto_merge": null, "active_lock_reason": null
        })
    }

    fn review_json(&self, base: &str, p: &Pull, r: &Review) -> Value {
        let api = self.api(base);
        let n = p.number;
        let html = format!("{}/pull/{n}#pullrequestreview-{}", self.html(), r.id);
        json!({
            "id": r.id, "node_id": node_id("PullRequestReview", r.id), "user": user_json(base, &r.user),
            "body": r.body, "state": r.state.as_str(), "html_url": html,
            "pull_request_url": format!("{api}/pulls/{n}"),
            "author_association": association(&r.user),
            "_links": {"html": {"href": html}, "pull_request": {"href": format!("{api}/pulls/{n}")}},
            "submitted_at": ts(r.submitted_at),
            "commit_id": hex::encode(Sha256::digest(format!("head{}", p.id)))[..40].to_owned()
        })
    }

    fn issue_like_json(&self, base: &str, item: IssueRef, comments: usize) -> Value {
        let api = self.api(base);
        let (number, id, title, user, created, updated, closed, pull) = match item {
            IssueRef::Issue(i) => {
                let i = &self.issues[i];
                (
                    i.number,
                    i.id,
                    &i.title,
                    &i.user,
                    i.created_at,
                    i.updated_at,
                    i.closed_at,
                    None,
                )
            }
            IssueRef::Pull(p) => {
                let p = &self.pulls[p];
                (
                    p.number,
                    p.issue_id,
                    &p.title,
                    &p.user,
                    p.created_at,
                    p.updated_at,
                    p.closed_at,
                    Some(p),
                )
            }
        };
        let mut v = json!({
            "url": format!("{api}/issues/{number}"), "repository_url": api,
            "labels_url": format!("{api}/issues/{number}/labels{{/name}}"),
            "comments_url": format!("{api}/issues/{number}/comments"),
            "events_url": format!("{api}/issues/{number}/events"),
            "html_url": format!("{}/{}/{number}", self.html(), if pull.is_some() { "pull" } else { "issues" }),
            "id": id, "node_id": node_id(if pull.is_some() { "PullRequest" } else { "Issue" }, id),
            "number": number, "title": title, "user": user_json(base, user), "labels": [],
            "state": if closed.is_some() { "closed" } else { "open" },
            "state_reason": if closed.is_some() && pull.is_none() { Value::from("completed") } else { Value::Null },
            "locked": false, "assignee": null, "assignees": [], "milestone": null,
            "comments": comments, "created_at": ts(created), "updated_at": ts(updated),
            "closed_at": opt_ts(closed), "author_association": association(user),
            "active_lock_reason": null, "body": format!("{title}\n\nDescription."),
            "timeline_url": format!("{api}/issues/{number}/timeline"),
            "performed_via_github_app": null,
            "reactions": {"url": format!("{api}/issues/{number}/reactions"), "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0}
        });
        if let Some(p) = pull {
            v["draft"] = Value::Bool(p.draft);
            v["pull_request"] = json!({
                "url": format!("{api}/pulls/{number}"),
                "html_url": format!("{}/pull/{number}", self.html()),
                "diff_url": format!("{}/pull/{number}.diff", self.html()),
                "patch_url": format!("{}/pull/{number}.patch", self.html()),
                "merged_at": opt_ts(p.merged_at)
            });
        }
        v
    }

    fn issue_comment_json(&self, base: &str, c: &IssueComment) -> Value {
        let api = self.api(base);
        let is_pull = self
            .pulls
            .binary_search_by_key(&c.issue_number, |p| p.number)
            .is_ok();
        json!({
            "url": format!("{api}/issues/comments/{}", c.id),
            "html_url": format!("{}/{}/{}#issuecomment-{}", self.html(), if is_pull { "pull" } else { "issues" }, c.issue_number, c.id),
            "issue_url": format!("{api}/issues/{}", c.issue_number),
            "id": c.id, "node_id": node_id("IssueComment", c.id), "user": user_json(base, &c.user),
            "created_at": ts(c.created_at), "updated_at": ts(c.updated_at),
            "author_association": association(&c.user), "body": c.body,
            "performed_via_github_app": null,
            "reactions": {"url": format!("{api}/issues/comments/{}/reactions", c.id), "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0}
        })
    }

    fn review_comment_json(&self, base: &str, c: &ReviewComment) -> Value {
        let api = self.api(base);
        let n = c.pull_number;
        let html = format!("{}/pull/{n}#discussion_r{}", self.html(), c.id);
        let sha = hex::encode(Sha256::digest(format!("rc{}", c.id)))[..40].to_owned();
        json!({
            "url": format!("{api}/pulls/comments/{}", c.id), "pull_request_review_id": null,
            "id": c.id, "node_id": node_id("PullRequestReviewComment", c.id),
            "diff_hunk": "@@ -1,3 +1,4 @@\n fn main() {", "path": c.path,
            "commit_id": sha, "original_commit_id": sha, "user": user_json(base, &c.user),
            "body": c.body, "created_at": ts(c.created_at), "updated_at": ts(c.updated_at),
            "html_url": html, "pull_request_url": format!("{api}/pulls/{n}"),
            "author_association": association(&c.user),
            "_links": {"self": {"href": format!("{api}/pulls/comments/{}", c.id)}, "html": {"href": html}, "pull_request": {"href": format!("{api}/pulls/{n}")}},
            "start_line": null, "original_start_line": null, "start_side": null,
            "line": 2, "original_line": 2, "side": "RIGHT", "subject_type": "line"
        })
    }

    fn release_json(&self, base: &str, r: &Release) -> Value {
        let api = self.api(base);
        json!({
            "url": format!("{api}/releases/{}", r.id),
            "html_url": format!("{}/releases/tag/{}", self.html(), r.tag_name),
            "assets_url": format!("{api}/releases/{}/assets", r.id),
            "upload_url": format!("https://uploads.github.com/repos/{}/releases/{}/assets{{?name,label}}", self.full_name(), r.id),
            "tarball_url": format!("{api}/tarball/{}", r.tag_name),
            "zipball_url": format!("{api}/zipball/{}", r.tag_name),
            "id": r.id, "node_id": node_id("Release", r.id), "tag_name": r.tag_name,
            "target_commitish": self.default_branch, "name": r.tag_name,
            "body": format!("Release {}", r.tag_name), "draft": false, "prerelease": r.prerelease,
            "immutable": false,
            "created_at": ts(r.created_at), "published_at": ts(r.published_at),
            "author": user_json(base, &r.author), "assets": []
        })
    }
}

/// The `*_url` members of a repository object: key and suffix after its API URL.
const REPO_URLS: &[(&str, &str)] = &[
    ("forks_url", "/forks"),
    ("keys_url", "/keys{{/key_id}}"),
    ("collaborators_url", "/collaborators{{/collaborator}}"),
    ("teams_url", "/teams"),
    ("hooks_url", "/hooks"),
    ("issue_events_url", "/issues/events{{/number}}"),
    ("events_url", "/events"),
    ("assignees_url", "/assignees{{/user}}"),
    ("branches_url", "/branches{{/branch}}"),
    ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{{/sha}}"),
    ("git_tags_url", "/git/tags{{/sha}}"),
    ("git_refs_url", "/git/refs{{/sha}}"),
    ("trees_url", "/git/trees{{/sha}}"),
    ("statuses_url", "/statuses/{{sha}}"),
    ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"),
    ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("commits_url", "/commits{{/sha}}"),
    ("git_commits_url", "/git/commits{{/sha}}"),
    ("comments_url", "/comments{{/number}}"),
    ("issue_comment_url", "/issues/comments{{/number}}"),
    ("contents_url", "/contents/{{+path}}"),
    ("compare_url", "/compare/{{base}}...{{head}}"),
    ("merges_url", "/merges"),
    ("archive_url", "/{{archive_format}}{{/ref}}"),
    ("downloads_url", "/downloads"),
    ("issues_url", "/issues{{/number}}"),
    ("pulls_url", "/pulls{{/number}}"),
    ("milestones_url", "/milestones{{/number}}"),
    (
        "notifications_url",
        "/notifications{{?since,all,participating}}",
    ),
    ("labels_url", "/labels{{/name}}"),
    ("releases_url", "/releases{{/id}}"),
    ("deployments_url", "/deployments"),
];

/// An entry of the issues list: an issue or a pull request shown as an issue.
#[derive(Debug, Clone, Copy)]
enum IssueRef {
    Issue(usize),
    Pull(usize),
}

// ---------------------------------------------------------------------------------------
// Faults, counters, state
// ---------------------------------------------------------------------------------------

/// Which requests a [`Fault`] applies to. Requests to `/_double/…` are never counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Request number K (1-based, counting every API request the double received) and,
    /// while the fault's `times` last, the requests after it.
    AtRequest(u64),
    /// The next requests whose path and query contain this string (e.g. `/commits`,
    /// `page=3`).
    PathContains(String),
    /// The next requests, whatever they are.
    Next,
}

/// What a [`Fault`] makes the double answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// The primary rate limit runs out: 403 "API rate limit exceeded" with
    /// `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this many seconds ahead; every
    /// request until then gets the same 403, then the window refills.
    RateLimit {
        /// Seconds until the reset.
        reset_in_secs: u64,
    },
    /// A secondary rate limit: `status` (403 or 429) with `retry-after` and GitHub's
    /// "You have exceeded a secondary rate limit" message; the primary count is untouched.
    SecondaryLimit {
        /// 403 or 429.
        status: u16,
        /// The `retry-after` value, in seconds.
        retry_after_secs: u64,
    },
    /// An error status, e.g. 502 with GitHub's `{"message": "Server Error"}`.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// Answers normally after this delay.
    Slow {
        /// Milliseconds.
        delay_ms: u64,
    },
}

/// A fault queued on the double: `kind` for the next `times` requests `trigger` selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Which requests.
    pub trigger: Trigger,
    /// What they get.
    pub kind: FaultKind,
    /// How many requests it applies to (at least 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// The kinds of request the double counts separately (keys of [`Stats::by_kind`]).
pub mod kinds {
    /// `GET /repos/{o}/{r}`.
    pub const REPO: &str = "repo";
    /// The commits list.
    pub const COMMITS: &str = "commits";
    /// The pulls list.
    pub const PULLS: &str = "pulls";
    /// A pull request's reviews.
    pub const REVIEWS: &str = "reviews";
    /// The issues list.
    pub const ISSUES: &str = "issues";
    /// Issue comments, repository-wide.
    pub const ISSUE_COMMENTS: &str = "issue_comments";
    /// Review (diff) comments, repository-wide.
    pub const REVIEW_COMMENTS: &str = "review_comments";
    /// The releases list.
    pub const RELEASES: &str = "releases";
    /// `POST /graphql` (the reviews query).
    pub const GRAPHQL: &str = "graphql";
    /// GitHub App endpoints: a repository's installation, an installation token.
    pub const APP: &str = "app";
    /// Anything else (answered 404).
    pub const OTHER: &str = "other";
}

/// What the double has answered so far (`GET /_double/stats` serves the same JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Every API request received (faulted ones included).
    pub requests: u64,
    /// Requests per kind (see [`kinds`]).
    pub by_kind: std::collections::BTreeMap<String, u64>,
    /// 200 answers.
    pub ok: u64,
    /// 304 answers.
    pub not_modified: u64,
    /// 403s for the primary rate limit.
    pub rate_limited: u64,
    /// 403/429s for a secondary rate limit.
    pub secondary_limited: u64,
    /// Injected error statuses (5xx and others).
    pub errors: u64,
    /// 404 answers.
    pub not_found: u64,
    /// Primary limit per window (`x-ratelimit-limit`).
    pub rate_limit: u64,
    /// Left in this window (`x-ratelimit-remaining`).
    pub rate_limit_remaining: u64,
    /// Spent in this window (`x-ratelimit-used`).
    pub rate_limit_used: u64,
    /// When the window resets (epoch seconds).
    pub rate_limit_reset: i64,
    /// API requests that carried a bearer token other than an installation token.
    #[serde(default)]
    pub with_token: u64,
    /// API requests that carried an installation token this double issued.
    #[serde(default)]
    pub with_installation_token: u64,
    /// Installation tokens issued (`POST /app/installations/{id}/access_tokens`).
    #[serde(default)]
    pub installation_tokens_issued: u64,
}

/// How installation tokens the double issues start (GitHub's start `ghs_`).
const INSTALLATION_TOKEN_PREFIX: &str = "ghs_double_";
/// The installation id the double reports for its repository.
pub const INSTALLATION_ID: i64 = 4_200_042;

/// A GitHub App the double accepts JWTs from.
#[derive(Clone)]
struct AppDouble {
    app_id: i64,
    key: jsonwebtoken::DecodingKey,
}

/// The default primary limit (an authenticated token's, per hour).
pub const DEFAULT_RATE_LIMIT: u64 = 5000;
/// Length of a rate-limit window.
const WINDOW_SECS: i64 = 3600;

struct Inner {
    history: History,
    base: String,
    /// Sorted/filtered index views, by query; cleared on every mutation.
    views: HashMap<String, Arc<Vec<usize>>>,
    /// Conversation comments per issue/pull number; `None` after a mutation.
    comment_counts: Option<Arc<HashMap<u64, usize>>>,
    faults: Vec<Fault>,
    limit: u64,
    remaining: u64,
    reset_at: i64,
    /// A primary-limit fault: every request until then is refused.
    exhausted_until: Option<i64>,
    stats: Stats,
    /// The GitHub App whose JWTs are accepted, once [`GithubActivityDouble::enable_app`].
    app: Option<AppDouble>,
    /// Issued installation tokens and when they expire (epoch seconds).
    installation_tokens: HashMap<String, i64>,
    /// Lifetime of the installation tokens it issues, in seconds (GitHub: one hour).
    installation_token_secs: i64,
}

fn now_secs() -> i64 {
    Utc::now().timestamp()
}

impl Inner {
    fn new(history: History, limit: u64) -> Inner {
        Inner {
            history,
            base: String::new(),
            views: HashMap::new(),
            comment_counts: None,
            faults: Vec::new(),
            limit,
            remaining: limit,
            reset_at: now_secs() + WINDOW_SECS,
            exhausted_until: None,
            stats: Stats::default(),
            app: None,
            installation_tokens: HashMap::new(),
            installation_token_secs: 3600,
        }
    }

    fn refill(&mut self, now: i64) {
        if now >= self.reset_at {
            self.remaining = self.limit;
            self.reset_at = now + WINDOW_SECS;
        }
        if self.exhausted_until.is_some_and(|t| now >= t) {
            // The injected window ended: a fresh window starts, as at a real reset.
            self.exhausted_until = None;
            self.remaining = self.limit;
            self.reset_at = now + WINDOW_SECS;
        }
    }

    fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        s.rate_limit = self.limit;
        s.rate_limit_remaining = self.remaining_now();
        s.rate_limit_used = self.limit - self.remaining;
        s.rate_limit_reset = self.reset_now();
        s
    }

    fn remaining_now(&self) -> u64 {
        if self.exhausted_until.is_some() {
            0
        } else {
            self.remaining
        }
    }

    fn reset_now(&self) -> i64 {
        self.exhausted_until.unwrap_or(self.reset_at)
    }

    /// The fault for request number `n` at `target` (path and query), if any; consumes
    /// one of its `times`.
    fn take_fault(&mut self, n: u64, target: &str) -> Option<FaultKind> {
        let i = self.faults.iter().position(|f| match &f.trigger {
            Trigger::AtRequest(k) => n >= *k,
            Trigger::PathContains(p) => target.contains(p.as_str()),
            Trigger::Next => true,
        })?;
        let f = &mut self.faults[i];
        let kind = f.kind.clone();
        f.times = f.times.saturating_sub(1);
        if f.times == 0 {
            self.faults.remove(i);
        }
        Some(kind)
    }

    fn comment_counts(&mut self) -> Arc<HashMap<u64, usize>> {
        if let Some(c) = &self.comment_counts {
            return c.clone();
        }
        let mut m = HashMap::new();
        for c in &self.history.issue_comments {
            *m.entry(c.issue_number).or_insert(0) += 1;
        }
        let m = Arc::new(m);
        self.comment_counts = Some(m.clone());
        m
    }

    fn view(&mut self, key: String, build: impl FnOnce(&History) -> Vec<usize>) -> Arc<Vec<usize>> {
        if let Some(v) = self.views.get(&key) {
            return v.clone();
        }
        let v = Arc::new(build(&self.history));
        self.views.insert(key, v.clone());
        v
    }
}

/// The shared state behind a running double.
#[derive(Clone)]
struct Shared(Arc<Mutex<Inner>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: keep serving.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

// ---------------------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------------------

/// The route a request names, after its repository prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Repo,
    Commits,
    Pulls,
    Reviews(u64),
    Issues,
    IssueComments,
    ReviewComments,
    Releases,
}

impl Route {
    fn kind(self) -> &'static str {
        match self {
            Route::Repo => kinds::REPO,
            Route::Commits => kinds::COMMITS,
            Route::Pulls => kinds::PULLS,
            Route::Reviews(_) => kinds::REVIEWS,
            Route::Issues => kinds::ISSUES,
            Route::IssueComments => kinds::ISSUE_COMMENTS,
            Route::ReviewComments => kinds::REVIEW_COMMENTS,
            Route::Releases => kinds::RELEASES,
        }
    }
}

/// Splits `/repos/{o}/{r}/{tail}` or `/repositories/{id}/{tail}` into the repository it
/// names (`Ok(true)`: this double's one) and the route; `None` for any other path.
fn route(h: &History, path: &str) -> Option<(bool, Option<Route>)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (ours, tail) = match segs.as_slice() {
        ["repos", o, r, tail @ ..] => (
            o.eq_ignore_ascii_case(&h.owner) && r.eq_ignore_ascii_case(&h.name),
            tail,
        ),
        ["repositories", id, tail @ ..] => (*id == h.repo_id.to_string(), tail),
        _ => return None,
    };
    let r = match tail {
        [] => Some(Route::Repo),
        ["commits"] => Some(Route::Commits),
        ["pulls"] => Some(Route::Pulls),
        ["pulls", "comments"] => Some(Route::ReviewComments),
        ["pulls", n, "reviews"] => n.parse().ok().map(Route::Reviews),
        ["issues"] => Some(Route::Issues),
        ["issues", "comments"] => Some(Route::IssueComments),
        ["releases"] => Some(Route::Releases),
        _ => None,
    };
    Some((ours, r))
}

/// The query of a list request.
struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn parse(raw: &str) -> Query {
        Query {
            pairs: url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        }
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn number(&self, name: &str) -> Option<usize> {
        self.get(name).and_then(|v| v.parse().ok())
    }
    /// `per_page`: default 30, at most 100 (GitHub clamps larger values).
    fn per_page(&self) -> usize {
        self.number("per_page").unwrap_or(30).clamp(1, 100)
    }
    fn page(&self) -> usize {
        self.number("page").unwrap_or(1).max(1)
    }
    /// An ISO 8601 instant (`YYYY-MM-DDTHH:MM:SSZ`); `Err` when present and unreadable.
    fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, String> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => DateTime::parse_from_rfc3339(v)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|_| format!("Invalid value for parameter '{name}': {v}")),
        }
    }
    /// The page's absolute URL on `base` + `path`, with this query and `page` set.
    fn url_for_page(&self, base: &str, path: &str, page: usize) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        let mut placed = false;
        for (k, v) in &self.pairs {
            if k == "page" {
                if !placed {
                    ser.append_pair("page", &page.to_string());
                    placed = true;
                }
            } else {
                ser.append_pair(k, v);
            }
        }
        if !placed {
            ser.append_pair("page", &page.to_string());
        }
        format!("{base}{path}?{}", ser.finish())
    }
}

/// What a route produced, before conditional-request handling.
struct Answer {
    status: StatusCode,
    body: Value,
    link: Option<String>,
}

fn not_found(doc: &str) -> Answer {
    Answer {
        status: StatusCode::NOT_FOUND,
        body: json!({"message": "Not Found", "documentation_url": format!("{DOCS}/{doc}"), "status": "404"}),
        link: None,
    }
}

fn unprocessable(message: String) -> Answer {
    Answer {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        body: json!({"message": message, "documentation_url": DOCS, "status": "422"}),
        link: None,
    }
}

/// The `Link` header for page `page` of `total` items, as GitHub writes it: `prev`,
/// `next`, `last`, `first`, each an absolute URL; none when everything fits on page 1.
fn link_header(
    q: &Query,
    base: &str,
    path: &str,
    page: usize,
    per_page: usize,
    total: usize,
) -> Option<String> {
    let last = total.div_ceil(per_page).max(1);
    if last == 1 && page == 1 {
        return None;
    }
    let mut parts = Vec::new();
    if page > 1 {
        let prev = (page - 1).min(last);
        parts.push(format!(
            "<{}>; rel=\"prev\"",
            q.url_for_page(base, path, prev)
        ));
    }
    if page < last {
        parts.push(format!(
            "<{}>; rel=\"next\"",
            q.url_for_page(base, path, page + 1)
        ));
        parts.push(format!(
            "<{}>; rel=\"last\"",
            q.url_for_page(base, path, last)
        ));
    }
    if page > 1 {
        parts.push(format!(
            "<{}>; rel=\"first\"",
            q.url_for_page(base, path, 1)
        ));
    }
    Some(parts.join(", "))
}

/// Sorts `items` by `key` ascending, or descending when `desc` (stable, so ties keep
/// creation order, newest first when descending).
fn ordered<K: Ord>(mut items: Vec<usize>, key: impl Fn(usize) -> K, desc: bool) -> Vec<usize> {
    items.sort_by_key(|&i| key(i));
    if desc {
        items.reverse();
    }
    items
}

fn state_matches(state: &str, closed: bool) -> bool {
    match state {
        "all" => true,
        "closed" => closed,
        _ => !closed,
    }
}

/// Serves one list or object for `route` (under the lock).
fn answer(inner: &mut Inner, route: Route, q: &Query, tail_path: &str) -> Answer {
    let base = inner.base.clone();
    let (page, per_page) = (q.page(), q.per_page());
    let link_path = format!("/repositories/{}/{tail_path}", inner.history.repo_id);
    let since = match q.time("since") {
        Ok(t) => t,
        Err(m) => return unprocessable(m),
    };
    let key = |name: &str| {
        format!("{name}|{}", {
            let mut p: Vec<String> = q
                .pairs
                .iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            p.sort();
            p.join("&")
        })
    };
    let sort = q.get("sort").unwrap_or("created").to_owned();
    let direction = q.get("direction").map(str::to_owned);
    let state = q.get("state").unwrap_or("open").to_owned();
    let view: Arc<Vec<usize>> = match route {
        Route::Repo => {
            return Answer {
                status: StatusCode::OK,
                body: inner.history.repo_json(&base),
                link: None,
            };
        }
        Route::Commits => {
            let until = match q.time("until") {
                Ok(t) => t,
                Err(m) => return unprocessable(m),
            };
            let sha = q.get("sha").unwrap_or("").to_owned();
            let h = &inner.history;
            let head = if sha.is_empty() || sha == h.default_branch {
                Some(h.commits.len())
            } else {
                h.commits.iter().position(|c| c.sha == sha).map(|i| i + 1)
            };
            let Some(head) = head else {
                return Answer {
                    status: StatusCode::NOT_FOUND,
                    body: json!({"message": format!("No commit found for SHA: {sha}"), "documentation_url": format!("{DOCS}/commits/commits#list-commits"), "status": "404"}),
                    link: None,
                };
            };
            inner.view(key("commits"), |h| {
                // Newest first; dates ascend with the index, so `since`/`until` cut ranges.
                (0..head)
                    .rev()
                    .filter(|&i| {
                        let d = h.commits[i].committer.date;
                        since.is_none_or(|s| d >= s) && until.is_none_or(|u| d <= u)
                    })
                    .collect()
            })
        }
        Route::Pulls => {
            let desc = direction.as_deref() != Some("asc");
            inner.view(key("pulls"), |h| {
                let all = (0..h.pulls.len())
                    .filter(|&i| state_matches(&state, h.pulls[i].closed_at.is_some()))
                    .collect();
                if sort == "updated" {
                    ordered(all, |i| h.pulls[i].updated_at, desc)
                } else {
                    ordered(all, |i| h.pulls[i].created_at, desc)
                }
            })
        }
        Route::Reviews(n) => {
            let Ok(pi) = inner.history.pulls.binary_search_by_key(&n, |p| p.number) else {
                return not_found("pulls/reviews#list-reviews-for-a-pull-request");
            };
            let p = &inner.history.pulls[pi];
            let total = p.reviews.len();
            let items = p
                .reviews
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|r| inner.history.review_json(&base, p, r))
                .collect();
            return Answer {
                status: StatusCode::OK,
                body: Value::Array(items),
                link: link_header(q, &base, &link_path, page, per_page, total),
            };
        }
        Route::Issues => {
            let desc = direction.as_deref() != Some("asc");
            inner.view(key("issues"), |h| {
                // Issues first, then pull requests (offset by the number of issues).
                let ni = h.issues.len();
                let all: Vec<usize> = (0..ni + h.pulls.len())
                    .filter(|&i| {
                        let (closed, updated) = if i < ni {
                            (h.issues[i].closed_at.is_some(), h.issues[i].updated_at)
                        } else {
                            (
                                h.pulls[i - ni].closed_at.is_some(),
                                h.pulls[i - ni].updated_at,
                            )
                        };
                        state_matches(&state, closed) && since.is_none_or(|s| updated >= s)
                    })
                    .collect();
                let at = |i: usize| {
                    if i < ni {
                        (
                            h.issues[i].created_at,
                            h.issues[i].updated_at,
                            h.issues[i].number,
                        )
                    } else {
                        let p = &h.pulls[i - ni];
                        (p.created_at, p.updated_at, p.number)
                    }
                };
                if sort == "updated" {
                    ordered(all, |i| (at(i).1, at(i).2), desc)
                } else {
                    ordered(all, |i| at(i).2, desc)
                }
            })
        }
        Route::IssueComments => {
            let desc = direction.as_deref() == Some("desc");
            inner.view(key("issue_comments"), |h| {
                let all = (0..h.issue_comments.len())
                    .filter(|&i| since.is_none_or(|s| h.issue_comments[i].updated_at >= s))
                    .collect();
                if sort == "updated" {
                    ordered(
                        all,
                        |i| (h.issue_comments[i].updated_at, h.issue_comments[i].id),
                        desc,
                    )
                } else {
                    ordered(all, |i| h.issue_comments[i].id, desc)
                }
            })
        }
        Route::ReviewComments => {
            let desc = direction.as_deref() == Some("desc");
            inner.view(key("review_comments"), |h| {
                let all = (0..h.review_comments.len())
                    .filter(|&i| since.is_none_or(|s| h.review_comments[i].updated_at >= s))
                    .collect();
                if sort == "updated" {
                    ordered(
                        all,
                        |i| (h.review_comments[i].updated_at, h.review_comments[i].id),
                        desc,
                    )
                } else {
                    ordered(all, |i| h.review_comments[i].id, desc)
                }
            })
        }
        Route::Releases => inner.view(key("releases"), |h| {
            ordered(
                (0..h.releases.len()).collect(),
                |i| h.releases[i].created_at,
                true,
            )
        }),
    };
    let total = view.len();
    let slice = view.iter().skip((page - 1) * per_page).take(per_page);
    let h = &inner.history;
    let items: Vec<Value> = match route {
        Route::Commits => slice.map(|&i| h.commit_json(&base, i)).collect(),
        Route::Pulls => {
            let repo = h.repo_json(&base);
            slice
                .map(|&i| h.pull_json(&base, &h.pulls[i], &repo))
                .collect()
        }
        Route::Issues => {
            let slice: Vec<usize> = slice.copied().collect();
            let counts = inner.comment_counts();
            let h = &inner.history;
            let ni = h.issues.len();
            slice
                .into_iter()
                .map(|i| {
                    let (r, n) = if i < ni {
                        (IssueRef::Issue(i), h.issues[i].number)
                    } else {
                        (IssueRef::Pull(i - ni), h.pulls[i - ni].number)
                    };
                    h.issue_like_json(&base, r, counts.get(&n).copied().unwrap_or(0))
                })
                .collect()
        }
        Route::IssueComments => slice
            .map(|&i| h.issue_comment_json(&base, &h.issue_comments[i]))
            .collect(),
        Route::ReviewComments => slice
            .map(|&i| h.review_comment_json(&base, &h.review_comments[i]))
            .collect(),
        Route::Releases => slice
            .map(|&i| h.release_json(&base, &h.releases[i]))
            .collect(),
        Route::Repo | Route::Reviews(_) => unreachable!("answered above"),
    };
    Answer {
        status: StatusCode::OK,
        body: Value::Array(items),
        link: link_header(q, &base, &link_path, page, per_page, total),
    }
}

/// `"` + hex SHA-256 of the body + `"`: a strong validator (RFC 9110 §8.8.3).
fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Sha256::digest(body)))
}

/// Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2: `W/` is
/// ignored; `*` matches).
fn none_match(header: Option<&str>, etag: &str) -> bool {
    header.is_some_and(|h| {
        h.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
    })
}

fn with_rate_headers(
    mut b: actix_web::HttpResponseBuilder,
    limit: u64,
    remaining: u64,
    reset: i64,
) -> actix_web::HttpResponseBuilder {
    b.insert_header(("x-ratelimit-limit", limit.to_string()))
        .insert_header(("x-ratelimit-remaining", remaining.to_string()))
        .insert_header((
            "x-ratelimit-used",
            (limit - remaining.min(limit)).to_string(),
        ))
        .insert_header(("x-ratelimit-reset", reset.to_string()))
        .insert_header(("x-ratelimit-resource", "core"))
        .insert_header(("x-github-api-version-selected", "2022-11-28"))
        .insert_header(("x-github-media-type", "github.v3; format=json"));
    b
}

/// Counts an API request of `kind`, records how it was authenticated, and answers it
/// with its injected fault, a 401 for an installation token the double never issued,
/// or the primary limit's 403 when the window is used up; `None`: serve it normally.
async fn gate(req: &HttpRequest, shared: &Shared, kind: &str) -> Option<HttpResponse> {
    let path = req.path().to_owned();
    let target = match req.query_string() {
        "" => path.clone(),
        q => format!("{path}?{q}"),
    };
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
        })
        .map(str::to_owned);
    // Count the request and pick its fault.
    let (fault, n) = {
        let mut inner = shared.lock();
        let now = now_secs();
        inner.refill(now);
        inner.stats.requests += 1;
        let n = inner.stats.requests;
        *inner.stats.by_kind.entry(kind.to_owned()).or_insert(0) += 1;
        match &bearer {
            None => {}
            Some(t) if t.starts_with(INSTALLATION_TOKEN_PREFIX) => {
                if inner
                    .installation_tokens
                    .get(t)
                    .is_some_and(|&exp| exp > now)
                {
                    inner.stats.with_installation_token += 1;
                } else {
                    return Some(HttpResponse::Unauthorized().json(json!({
                        "message": "Bad credentials",
                        "documentation_url": DOCS,
                        "status": "401"
                    })));
                }
            }
            Some(_) => inner.stats.with_token += 1,
        }
        (inner.take_fault(n, &target), n)
    };
    tracing::debug!(request = n, %target, ?fault, "github double");
    match fault {
        Some(FaultKind::Slow { delay_ms }) => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        Some(FaultKind::RateLimit { reset_in_secs }) => {
            let mut inner = shared.lock();
            inner.exhausted_until = Some(now_secs() + reset_in_secs as i64);
        }
        Some(FaultKind::SecondaryLimit {
            status,
            retry_after_secs,
        }) => {
            let mut inner = shared.lock();
            inner.stats.secondary_limited += 1;
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
            let mut b = with_rate_headers(
                HttpResponse::build(status),
                inner.limit,
                inner.remaining_now(),
                inner.reset_now(),
            );
            return Some(b
                .insert_header(("retry-after", retry_after_secs.to_string()))
                .json(json!({
                    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                    "status": status.as_u16().to_string()
                })));
        }
        Some(FaultKind::Status { status }) => {
            let mut inner = shared.lock();
            inner.stats.errors += 1;
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut b = with_rate_headers(
                HttpResponse::build(status),
                inner.limit,
                inner.remaining_now(),
                inner.reset_now(),
            );
            return Some(
                b.json(json!({"message": "Server Error", "status": status.as_u16().to_string()})),
            );
        }
        None => {}
    }
    let mut inner = shared.lock();
    inner.refill(now_secs());
    if inner.exhausted_until.is_some() || inner.remaining == 0 {
        inner.stats.rate_limited += 1;
        let mut b = with_rate_headers(HttpResponse::Forbidden(), inner.limit, 0, inner.reset_now());
        return Some(b.json(json!({
            "message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
            "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
            "status": "403"
        })));
    }
    None
}

async fn handle(req: HttpRequest, shared: web::Data<Shared>) -> HttpResponse {
    let path = req.path().to_owned();
    let kind = {
        let inner = shared.lock();
        route(&inner.history, &path)
            .and_then(|(_, r)| r)
            .map_or(kinds::OTHER, Route::kind)
    };
    if let Some(early) = gate(&req, &shared, kind).await {
        return early;
    }
    let mut inner = shared.lock();
    let q = Query::parse(req.query_string());
    let a = match route(&inner.history, &path) {
        Some((true, Some(r))) => {
            let tail = path
                .trim_matches('/')
                .splitn(
                    if path.trim_matches('/').starts_with("repos/") {
                        4
                    } else {
                        3
                    },
                    '/',
                )
                .last()
                .unwrap_or("")
                .to_owned();
            let tail = if r == Route::Repo {
                String::new()
            } else {
                tail
            };
            answer(&mut inner, r, &q, &tail)
        }
        _ => not_found("repos/repos#get-a-repository"),
    };
    let body = serde_json::to_vec(&a.body).unwrap_or_default();
    let etag = etag_of(&body);
    let inm = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok());
    if a.status == StatusCode::OK && none_match(inm, &etag) {
        // GitHub: a 304 does not count against the primary rate limit.
        inner.stats.not_modified += 1;
        let mut b = with_rate_headers(
            HttpResponse::NotModified(),
            inner.limit,
            inner.remaining,
            inner.reset_at,
        );
        return b.insert_header(("etag", etag)).finish();
    }
    inner.remaining = inner.remaining.saturating_sub(1);
    if a.status == StatusCode::OK {
        inner.stats.ok += 1;
    } else if a.status == StatusCode::NOT_FOUND {
        inner.stats.not_found += 1;
    } else {
        inner.stats.errors += 1;
    }
    let mut b = with_rate_headers(
        HttpResponse::build(a.status),
        inner.limit,
        inner.remaining,
        inner.reset_at,
    );
    b.content_type("application/json; charset=utf-8")
        .insert_header(("cache-control", "private, max-age=60, s-maxage=60"))
        .insert_header(("vary", "Accept, Authorization, Cookie, X-GitHub-OTP"));
    if a.status == StatusCode::OK {
        b.insert_header(("etag", etag));
    }
    if let Some(link) = a.link {
        b.insert_header(("link", link));
    }
    b.body(body)
}

/// GraphQL's view of an account: `null` for a deleted user (GitHub shows `ghost` in
/// REST but no author in GraphQL); a bot's login has no `[bot]` suffix there.
fn graphql_actor(a: &Actor) -> Value {
    if a.id == known::GHOST_ID {
        return Value::Null;
    }
    let login = if a.bot {
        a.login.trim_end_matches("[bot]")
    } else {
        &a.login
    };
    json!({
        "__typename": if a.bot { "Bot" } else { "User" },
        "login": login,
        "databaseId": a.id,
        "avatarUrl": format!("https://avatars.githubusercontent.com/u/{}?v=4", a.id),
        "url": format!("https://github.com/{}", if a.bot { format!("apps/{login}") } else { login.to_owned() })
    })
}

/// A GraphQL request body.
#[derive(Deserialize)]
struct GraphqlRequest {
    query: String,
    #[serde(default)]
    variables: Value,
}

fn graphql_cursor(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("cursor:{offset}"))
}

fn graphql_offset(cursor: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("cursor:")?
        .parse()
        .ok()
}

/// `POST /graphql`: only the query the sync sends for reviews (a repository's pull
/// requests, newest updated first, `first`/`after` from the variables, each with its
/// first 100 reviews), counted against the same window as REST (GitHub keeps a
/// separate GraphQL budget; the double does not). Needs a token, as GitHub's does.
async fn graphql_route(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    if let Some(early) = gate(&req, &shared, kinds::GRAPHQL).await {
        return early;
    }
    if req.headers().get("authorization").is_none() {
        return HttpResponse::Unauthorized().json(json!({
            "message": "This endpoint requires you to be authenticated.",
            "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
            "status": "401"
        }));
    }
    let Ok(request) = serde_json::from_slice::<GraphqlRequest>(&body) else {
        return HttpResponse::BadRequest().json(json!({
            "message": "Problems parsing JSON",
            "documentation_url": "https://docs.github.com/graphql",
            "status": "400"
        }));
    };
    let mut inner = shared.lock();
    let limits = (
        inner.limit,
        inner.remaining.saturating_sub(1),
        inner.reset_at,
    );
    inner.remaining = inner.remaining.saturating_sub(1);
    inner.stats.ok += 1;
    let reply = |body: Value| {
        let mut b = with_rate_headers(HttpResponse::Ok(), limits.0, limits.1, limits.2);
        b.insert_header(("x-ratelimit-resource", "graphql"))
            .json(body)
    };
    if !(request.query.contains("pullRequests") && request.query.contains("reviews")) {
        return reply(
            json!({"errors": [{"message": "the GitHub double serves only the reviews query of the sync"}]}),
        );
    }
    let v = &request.variables;
    let (owner, name) = (
        v["owner"].as_str().unwrap_or_default(),
        v["name"].as_str().unwrap_or_default(),
    );
    if !(owner.eq_ignore_ascii_case(&inner.history.owner)
        && name.eq_ignore_ascii_case(&inner.history.name))
    {
        return reply(json!({
            "data": {"repository": null},
            "errors": [{"type": "NOT_FOUND", "path": ["repository"], "message": format!("Could not resolve to a Repository with the name '{owner}/{name}'.")}]
        }));
    }
    let first = v["first"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let offset = match v["after"].as_str() {
        Some(c) => graphql_offset(c).map_or(usize::MAX, |o| o + 1),
        None => 0,
    };
    let view = inner.view("graphql|pulls".to_owned(), |h| {
        ordered(
            (0..h.pulls.len()).collect(),
            |i| h.pulls[i].updated_at,
            true,
        )
    });
    let h = &inner.history;
    let nodes: Vec<Value> = view
        .iter()
        .skip(offset)
        .take(first)
        .map(|&i| {
            let p = &h.pulls[i];
            let reviews: Vec<Value> = p
                .reviews
                .iter()
                .take(100)
                .map(|r| {
                    json!({
                        "databaseId": r.id,
                        "state": r.state.as_str(),
                        "submittedAt": ts(r.submitted_at),
                        "url": format!("{}/pull/{}#pullrequestreview-{}", h.html(), p.number, r.id),
                        "author": graphql_actor(&r.user)
                    })
                })
                .collect();
            json!({
                "number": p.number,
                "updatedAt": ts(p.updated_at),
                "reviews": {
                    "totalCount": p.reviews.len(),
                    "pageInfo": {"hasNextPage": p.reviews.len() > 100, "endCursor": if reviews.is_empty() { Value::Null } else { Value::from(graphql_cursor(reviews.len() - 1)) }},
                    "nodes": reviews
                }
            })
        })
        .collect();
    let end = offset.saturating_add(nodes.len());
    let has_next = end < view.len();
    let end_cursor = if nodes.is_empty() {
        Value::Null
    } else {
        Value::from(graphql_cursor(end - 1))
    };
    reply(json!({
        "data": {"repository": {"pullRequests": {
            "totalCount": view.len(),
            "pageInfo": {"hasNextPage": has_next, "endCursor": end_cursor},
            "nodes": nodes
        }}}
    }))
}

/// The JWT of a request to a GitHub App endpoint, checked: RS256 under the app's key,
/// `iss` the app id, `exp` at most ten minutes ahead (GitHub's rule). The error
/// message is GitHub's kind of answer.
fn check_app_jwt(req: &HttpRequest, app: &AppDouble) -> Result<(), &'static str> {
    #[derive(Deserialize)]
    struct Claims {
        iss: Value,
        exp: i64,
    }
    let jwt = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or("A JSON web token could not be decoded")?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_required_spec_claims(&["exp", "iss"]);
    let claims = jsonwebtoken::decode::<Claims>(jwt, &app.key, &validation)
        .map_err(|_| "A JSON web token could not be decoded")?
        .claims;
    let iss_ok = claims.iss.as_i64() == Some(app.app_id)
        || claims.iss.as_str() == Some(app.app_id.to_string().as_str());
    if !iss_ok {
        return Err("Integration not found");
    }
    if claims.exp > now_secs() + 600 + 30 {
        return Err("'Expiration time' claim ('exp') is too far in the future");
    }
    Ok(())
}

fn app_refusal(message: &str) -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest",
        "status": "401"
    }))
}

/// `GET /repos/{o}/{r}/installation` (GitHub App JWT): the installation on the
/// double's repository.
async fn installation_route(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let mut inner = shared.lock();
    inner.stats.requests += 1;
    *inner
        .stats
        .by_kind
        .entry(kinds::APP.to_owned())
        .or_insert(0) += 1;
    let Some(app) = inner.app.clone() else {
        return app_refusal("A JSON web token could not be decoded");
    };
    if let Err(m) = check_app_jwt(&req, &app) {
        return app_refusal(m);
    }
    let (owner, name) = path.into_inner();
    if !(owner.eq_ignore_ascii_case(&inner.history.owner)
        && name.eq_ignore_ascii_case(&inner.history.name))
    {
        inner.stats.not_found += 1;
        return HttpResponse::NotFound().json(json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app", "status": "404"}));
    }
    inner.stats.ok += 1;
    HttpResponse::Ok().json(json!({
        "id": INSTALLATION_ID,
        "app_id": app.app_id,
        "target_type": "Organization",
        "account": {"login": inner.history.owner, "id": 9_000_001, "type": "Organization"},
        "repository_selection": "selected",
        "access_tokens_url": format!("{}/app/installations/{INSTALLATION_ID}/access_tokens", inner.base),
        "permissions": {"contents": "read", "pull_requests": "read", "issues": "read", "metadata": "read"},
        "events": [],
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z"
    }))
}

/// `POST /app/installations/{id}/access_tokens` (GitHub App JWT): a new installation
/// token.
async fn access_token_route(
    req: HttpRequest,
    path: web::Path<i64>,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let mut inner = shared.lock();
    inner.stats.requests += 1;
    *inner
        .stats
        .by_kind
        .entry(kinds::APP.to_owned())
        .or_insert(0) += 1;
    let Some(app) = inner.app.clone() else {
        return app_refusal("A JSON web token could not be decoded");
    };
    if let Err(m) = check_app_jwt(&req, &app) {
        return app_refusal(m);
    }
    if path.into_inner() != INSTALLATION_ID {
        inner.stats.not_found += 1;
        return HttpResponse::NotFound().json(json!({"message": "Not Found", "status": "404"}));
    }
    inner.stats.installation_tokens_issued += 1;
    let n = inner.stats.installation_tokens_issued;
    let token = format!("{INSTALLATION_TOKEN_PREFIX}{n:08}");
    let expires = now_secs() + inner.installation_token_secs;
    inner.installation_tokens.insert(token.clone(), expires);
    let expires_at = DateTime::from_timestamp(expires, 0)
        .map(ts)
        .unwrap_or_default();
    HttpResponse::Created().json(json!({
        "token": token,
        "expires_at": expires_at,
        "permissions": {"contents": "read", "pull_requests": "read", "issues": "read", "metadata": "read"},
        "repository_selection": "selected"
    }))
}

async fn stats_route(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(shared.lock().stats())
}

async fn fault_route(shared: web::Data<Shared>, fault: web::Json<Fault>) -> HttpResponse {
    let mut f = fault.into_inner();
    f.times = f.times.max(1);
    shared.lock().faults.push(f);
    HttpResponse::NoContent().finish()
}

// ---------------------------------------------------------------------------------------
// The handle
// ---------------------------------------------------------------------------------------

/// A running GitHub activity double: a real HTTP server on `127.0.0.1` and the handle
/// tests steer it with. Dropping the handle leaves the server running until the runtime
/// ends; call [`GithubActivityDouble::stop`] to stop it earlier.
pub struct GithubActivityDouble {
    url: String,
    shared: Shared,
    server: actix_web::dev::ServerHandle,
}

impl GithubActivityDouble {
    /// Starts serving `history` on a random port of 127.0.0.1 with the default limit of
    /// [`DEFAULT_RATE_LIMIT`], on the current tokio runtime; an error if no port can be
    /// bound.
    pub fn start(history: History) -> std::io::Result<GithubActivityDouble> {
        let (double, server) = GithubActivityDouble::bind(history, "127.0.0.1:0", false)?;
        tokio::spawn(server);
        Ok(double)
    }

    /// Binds `addr` and builds the server without running it (the caller awaits or
    /// spawns the returned server). `signals`: stop on Ctrl-C/SIGTERM (the CLI form).
    pub fn bind(
        history: History,
        addr: &str,
        signals: bool,
    ) -> std::io::Result<(GithubActivityDouble, actix_web::dev::Server)> {
        let listener = TcpListener::bind(addr)?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut inner = Inner::new(history, DEFAULT_RATE_LIMIT);
        inner.base = url.clone();
        let shared = Shared(Arc::new(Mutex::new(inner)));
        let data = web::Data::new(shared.clone());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024))
                .route("/_double/stats", web::get().to(stats_route))
                .route("/_double/faults", web::post().to(fault_route))
                .route("/graphql", web::post().to(graphql_route))
                .route(
                    "/repos/{owner}/{name}/installation",
                    web::get().to(installation_route),
                )
                .route(
                    "/app/installations/{id}/access_tokens",
                    web::post().to(access_token_route),
                )
                .default_service(web::to(handle))
        })
        .workers(2)
        .listen(listener)?;
        if !signals {
            server = server.disable_signals();
        }
        let server = server.run();
        Ok((
            GithubActivityDouble {
                url,
                shared,
                server: server.handle(),
            },
            server,
        ))
    }

    /// The API base URL, e.g. `http://127.0.0.1:41234` (what `OPENFUND_GITHUB_API_URL`
    /// is set to).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A copy of the history being served.
    pub fn history(&self) -> History {
        self.shared.lock().history.clone()
    }

    /// Changes the history between syncs (add items, [`History::force_push_drop`],
    /// [`History::rename_user`]…); returns what `change` returns.
    pub fn mutate<R>(&self, change: impl FnOnce(&mut History) -> R) -> R {
        let mut inner = self.shared.lock();
        let r = change(&mut inner.history);
        inner.views.clear();
        inner.comment_counts = None;
        r
    }

    /// Queues a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        let mut f = fault;
        f.times = f.times.max(1);
        self.shared.lock().faults.push(f);
    }

    /// Request number `k` (1-based) runs out of the primary limit: 403 with
    /// `x-ratelimit-remaining: 0` and a reset `reset_in` ahead (whole seconds, at least 1).
    pub fn rate_limit_at_request(&self, k: u64, reset_in: Duration) {
        self.inject(Fault {
            trigger: Trigger::AtRequest(k),
            kind: FaultKind::RateLimit {
                reset_in_secs: reset_in.as_secs().max(1),
            },
            times: 1,
        });
    }

    /// The next request whose path and query contain `path_contains` runs out of the
    /// primary limit (see [`GithubActivityDouble::rate_limit_at_request`]).
    pub fn rate_limit_next(&self, path_contains: &str, reset_in: Duration) {
        self.inject(Fault {
            trigger: Trigger::PathContains(path_contains.to_owned()),
            kind: FaultKind::RateLimit {
                reset_in_secs: reset_in.as_secs().max(1),
            },
            times: 1,
        });
    }

    /// The next request hits a secondary limit: `status` (403 or 429) with `retry-after`.
    pub fn secondary_limit_next(&self, status: u16, retry_after: Duration) {
        self.inject(Fault {
            trigger: Trigger::Next,
            kind: FaultKind::SecondaryLimit {
                status,
                retry_after_secs: retry_after.as_secs(),
            },
            times: 1,
        });
    }

    /// The next `n` requests answer `status` (e.g. 502).
    pub fn fail_next(&self, n: u32, status: u16) {
        self.inject(Fault {
            trigger: Trigger::Next,
            kind: FaultKind::Status { status },
            times: n,
        });
    }

    /// The next request answers normally after `delay`.
    pub fn slow_next(&self, delay: Duration) {
        self.inject(Fault {
            trigger: Trigger::Next,
            kind: FaultKind::Slow {
                delay_ms: delay.as_millis() as u64,
            },
            times: 1,
        });
    }

    /// Accepts GitHub App `app_id`'s JWTs (RS256, checked with `public_key_pem`) at
    /// `GET /repos/{o}/{r}/installation` and `POST /app/installations/{id}/access_tokens`,
    /// which issues installation tokens valid for `token_lifetime`; from then on a
    /// request with an installation token it did not issue (or that expired) is 401.
    pub fn enable_app(
        &self,
        app_id: i64,
        public_key_pem: &[u8],
        token_lifetime: Duration,
    ) -> Result<(), jsonwebtoken::errors::Error> {
        let key = jsonwebtoken::DecodingKey::from_rsa_pem(public_key_pem)?;
        let mut inner = self.shared.lock();
        inner.app = Some(AppDouble { app_id, key });
        inner.installation_token_secs = token_lifetime.as_secs().max(1) as i64;
        Ok(())
    }

    /// Sets the primary limit per window and refills the window.
    pub fn set_rate_limit(&self, limit: u64) {
        let mut inner = self.shared.lock();
        inner.limit = limit;
        inner.remaining = limit;
        inner.reset_at = now_secs() + WINDOW_SECS;
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.shared.lock().stats()
    }

    /// Requests of one kind (see [`kinds`]) so far.
    pub fn requests_of(&self, kind: &str) -> u64 {
        self.shared
            .lock()
            .stats
            .by_kind
            .get(kind)
            .copied()
            .unwrap_or(0)
    }

    /// Zeroes the counters (not the rate limit), e.g. between two syncs.
    pub fn reset_stats(&self) {
        self.shared.lock().stats = Stats::default();
    }

    /// Stops the server (in-flight requests finish first).
    pub async fn stop(self) {
        self.server.stop(true).await;
    }
}

// ---------------------------------------------------------------------------------------
// The hidden CLI subcommand
// ---------------------------------------------------------------------------------------

/// `openfund github-double`: serves a generated history until killed; prints its base
/// URL as stdout's first line. Faults count API requests from 1.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct DoubleArgs {
    /// Port on 127.0.0.1 (0: a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The repository served, `owner/name`.
    #[arg(long, default_value = "openfund-demo/model")]
    pub repo: String,
    /// Commits on the default branch.
    #[arg(long, default_value_t = 300)]
    pub commits: usize,
    /// Pull requests.
    #[arg(long, default_value_t = 100)]
    pub pulls: usize,
    /// Issues (default: half the pull requests).
    #[arg(long)]
    pub issues: Option<usize>,
    /// Seed of the generated history.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Primary rate limit per hour.
    #[arg(long, default_value_t = DEFAULT_RATE_LIMIT)]
    pub rate_limit: u64,
    /// Request number K runs out of the primary limit (403, remaining 0).
    #[arg(long, value_name = "K")]
    pub rate_limit_at: Option<u64>,
    /// Seconds from that 403 to its reset.
    #[arg(long, default_value_t = 3)]
    pub rate_limit_reset_secs: u64,
    /// Request number K hits a secondary limit.
    #[arg(long, value_name = "K")]
    pub secondary_limit_at: Option<u64>,
    /// Its status: 403 or 429.
    #[arg(long, default_value_t = 403)]
    pub secondary_status: u16,
    /// Its `retry-after`, in seconds.
    #[arg(long, default_value_t = 2)]
    pub retry_after_secs: u64,
    /// From request number K on, `--fail-count` requests answer `--fail-status`.
    #[arg(long, value_name = "K")]
    pub fail_at: Option<u64>,
    /// How many requests fail.
    #[arg(long, default_value_t = 1)]
    pub fail_count: u32,
    /// The failing status.
    #[arg(long, default_value_t = 502)]
    pub fail_status: u16,
    /// Request number K answers after `--slow-ms`.
    #[arg(long, value_name = "K")]
    pub slow_at: Option<u64>,
    /// The delay of the slow answer, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub slow_ms: u64,
}

/// Runs `openfund github-double`: generates the history, binds, prints the URL, serves
/// until Ctrl-C/SIGTERM.
pub async fn run_cli(args: DoubleArgs) -> anyhow::Result<()> {
    use std::io::Write;
    let repo = RepoFullName::parse("--repo", &args.repo)
        .map_err(|v| anyhow::anyhow!("--repo {:?}: {}", args.repo, v.message))?;
    let history = History::generate(&GenerateSpec {
        repo,
        commits: args.commits,
        pulls: args.pulls,
        issues: args.issues.unwrap_or(args.pulls / 2),
        seed: args.seed,
    })?;
    let (double, server) =
        GithubActivityDouble::bind(history, &format!("127.0.0.1:{}", args.port), true)?;
    double.set_rate_limit(args.rate_limit);
    if let Some(k) = args.rate_limit_at {
        double.rate_limit_at_request(k, Duration::from_secs(args.rate_limit_reset_secs));
    }
    if let Some(k) = args.secondary_limit_at {
        double.inject(Fault {
            trigger: Trigger::AtRequest(k),
            kind: FaultKind::SecondaryLimit {
                status: args.secondary_status,
                retry_after_secs: args.retry_after_secs,
            },
            times: 1,
        });
    }
    if let Some(k) = args.fail_at {
        double.inject(Fault {
            trigger: Trigger::AtRequest(k),
            kind: FaultKind::Status {
                status: args.fail_status,
            },
            times: args.fail_count,
        });
    }
    if let Some(k) = args.slow_at {
        double.inject(Fault {
            trigger: Trigger::AtRequest(k),
            kind: FaultKind::Slow {
                delay_ms: args.slow_ms,
            },
            times: 1,
        });
    }
    let mut out = std::io::stdout();
    writeln!(out, "{}", double.url())?;
    out.flush()?;
    server.await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_reads_lists() {
        let tag = "\"abc\"";
        assert!(none_match(Some("\"abc\""), tag));
        assert!(none_match(Some("W/\"abc\""), tag));
        assert!(none_match(Some("\"x\", W/\"abc\""), tag));
        assert!(none_match(Some("*"), tag));
        assert!(!none_match(Some("\"abd\""), tag));
        assert!(!none_match(None, tag));
    }

    #[test]
    fn link_urls_keep_the_query_and_replace_page() {
        let q = Query::parse("sha=main&page=2&per_page=10&since=2020-01-01T00%3A00%3A00Z");
        let link = link_header(&q, "http://h", "/repositories/1/commits", 2, 10, 35).unwrap();
        let parsed = crate::domain::github::link::parse(&link);
        assert_eq!(
            parsed.next.as_deref(),
            Some(
                "http://h/repositories/1/commits?sha=main&page=3&per_page=10&since=2020-01-01T00%3A00%3A00Z"
            )
        );
        assert!(parsed.last.unwrap().contains("page=4"));
        assert!(parsed.prev.unwrap().contains("page=1"));
        assert!(parsed.first.unwrap().contains("page=1"));
        // One page: no header; beyond the last page: back links only.
        assert!(link_header(&q, "http://h", "/x", 1, 10, 10).is_none());
        let beyond = crate::domain::github::link::parse(
            &link_header(&q, "http://h", "/x", 9, 10, 35).unwrap(),
        );
        assert!(beyond.next.is_none() && beyond.prev.unwrap().contains("page=4"));
    }

    #[test]
    fn node_ids_use_githubs_legacy_form() {
        assert_eq!(node_id("User", 1), "MDQ6VXNlcjE=");
        assert_eq!(node_id("Bot", 49_699_333), "MDM6Qm90NDk2OTkzMzM=");
    }

    #[test]
    fn faults_fire_in_order_and_wear_out() {
        let mut inner = Inner::new(
            History::new(&RepoFullName::parse("repo", "a/b").unwrap()),
            10,
        );
        inner.faults.push(Fault {
            trigger: Trigger::AtRequest(3),
            kind: FaultKind::Status { status: 502 },
            times: 2,
        });
        inner.faults.push(Fault {
            trigger: Trigger::PathContains("/pulls".to_owned()),
            kind: FaultKind::Slow { delay_ms: 5 },
            times: 1,
        });
        assert_eq!(inner.take_fault(1, "/repos/a/b/commits"), None);
        assert_eq!(
            inner.take_fault(2, "/repos/a/b/pulls"),
            Some(FaultKind::Slow { delay_ms: 5 })
        );
        assert_eq!(
            inner.take_fault(3, "/repos/a/b/pulls"),
            Some(FaultKind::Status { status: 502 })
        );
        assert_eq!(
            inner.take_fault(4, "/x"),
            Some(FaultKind::Status { status: 502 })
        );
        assert_eq!(inner.take_fault(5, "/x"), None);
    }

    #[test]
    fn the_generated_history_has_the_awkward_accounts() {
        let h = History::generate(&GenerateSpec {
            repo: RepoFullName::parse("repo", "a/b").unwrap(),
            commits: 2000,
            pulls: 300,
            issues: 100,
            seed: 1,
        })
        .unwrap();
        let authors: Vec<&Actor> = h
            .commits
            .iter()
            .filter_map(|c| c.author_user.as_ref())
            .collect();
        assert!(
            authors
                .iter()
                .any(|a| a.bot && a.login == "dependabot[bot]")
        );
        assert!(authors.iter().any(|a| !a.bot && a.login == "botanist"));
        assert!(authors.iter().any(|a| a.login == known::RENAMED_OLD_LOGIN));
        assert!(authors.iter().any(|a| a.login == known::RENAMED_NEW_LOGIN));
        assert!(h.commits.iter().any(|c| c.author_user.is_none()));
        assert!(
            h.commits
                .iter()
                .any(|c| c.message.contains("\n> Co-authored-by:"))
        );
        assert!(h.pulls.iter().any(|p| p.user.id == known::GHOST_ID));
        // Dates strictly ascend, so `since` cuts a suffix.
        assert!(
            h.commits
                .windows(2)
                .all(|w| w[0].committer.date < w[1].committer.date)
        );
    }
}
