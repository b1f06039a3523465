//! The GitHub activity sync against the GitHub double over HTTP (issue 8 §3): a
//! multi-page history stored once; an unchanged re-sync sent only conditional requests
//! and got only 304s; a rate limit in the middle of pagination paused the job and the
//! resumed run ended with exactly the repository's commits; 502s retried; identities
//! (a rename, noreply addresses, co-authors, bots and `botanist`); a force-push on a
//! full pass; reviews from GraphQL (and skipped without credentials); a GitHub App's
//! installation tokens; the `openfund sync` command. Run on both backends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use openfund::app::sync::{self, Quiet, SyncOptions, SyncOutcome, Syncer};
use openfund::config::{Config, Secret};
use openfund::db::Db;
use openfund::db::schema::{jobs, repositories, repository_sync_state};
use openfund::domain::ids::RepositoryId;
use openfund::domain::repository::RepoFullName;
use openfund::github::double::{
    Actor, GenerateSpec, GithubActivityDouble, History, ReviewState, kinds, known,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, spawn_app_with, wait_until};

const REPO: &str = "acme/model";

fn name(full: &str) -> RepoFullName {
    RepoFullName::parse("repo", full).unwrap()
}

/// A server (worker or not) synced against `double`, a project `demo` owned by
/// `owner` with [`REPO`] linked, and the configuration the server runs with.
struct Fixture {
    app: TestApp,
    owner: TestUser,
    double: GithubActivityDouble,
    /// The sync as `openfund sync` runs it, with one client (and so one token cache)
    /// for the fixture's life, as a server has.
    syncer: Syncer,
}

async fn fixture(history: History, worker: bool, customise: impl FnOnce(&mut Config)) -> Fixture {
    let double = GithubActivityDouble::start(history).expect("start the double");
    let seen: Arc<Mutex<Option<Config>>> = Arc::default();
    let keep = seen.clone();
    let url = double.url().to_owned();
    let app = spawn_app_with(move |c| {
        c.github_api_url = url;
        c.github_token = Some(Secret::new("ghp_test_token"));
        c.embedded_worker = worker;
        c.github_retry_base_ms = 20;
        customise(c);
        *keep.lock().unwrap() = Some(c.clone());
    })
    .await;
    let config: Config = seen.lock().unwrap().take().expect("config");
    let db = Db::new(app.database_url.clone(), 2).unwrap();
    let syncer = openfund::startup::build_syncer(&config, db).unwrap();
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": "demo", "name": "Sync Test", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let res = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/demo/repositories",
            &owner.token,
            &json!({ "full_name": REPO }),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    Fixture {
        app,
        owner,
        double,
        syncer,
    }
}

impl Fixture {
    fn repository(&self) -> RepositoryId {
        repositories::table
            .filter(repositories::full_name_key.eq(REPO))
            .select(repositories::id)
            .first(&mut self.app.conn())
            .unwrap()
    }

    /// The sync, run in the test's process as `openfund sync` runs it.
    async fn sync(&self, full: bool) -> SyncOutcome {
        sync::sync_repository(
            &self.syncer,
            self.repository(),
            SyncOptions { full },
            &Quiet,
        )
        .await
        .unwrap()
    }

    async fn sync_done(&self, full: bool) -> sync::SyncSummary {
        match self.sync(full).await {
            SyncOutcome::Done(s) => {
                assert!(s.errors.is_empty(), "{:?}", s.errors);
                s
            }
            other => panic!("expected a finished sync, got {other:?}"),
        }
    }

    /// Asks for a sync over the API and waits for its job to finish.
    async fn sync_by_job(&self) {
        let before = self.jobs_done();
        let res = self
            .app
            .client
            .post(
                self.app
                    .url(&format!("/api/v1/projects/demo/repositories/{REPO}/sync")),
            )
            .bearer_auth(&self.owner.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 202);
        wait_until(
            "the sync job to finish",
            Duration::from_secs(60),
            || async { self.jobs_done() > before },
        )
        .await;
    }

    fn jobs_done(&self) -> i64 {
        jobs::table
            .filter(jobs::kind.eq("sync_repository"))
            .filter(jobs::state.eq("done"))
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    /// Distinct items credited as `kind` (not removed).
    fn credited(&self, kind: &str) -> i64 {
        count(
            &self.app,
            "SELECT COUNT(DISTINCT source_key) AS n FROM contributions \
             WHERE kind = $1 AND removed_at IS NULL",
            kind,
        )
    }

    /// Credit rows of `kind` (one per person per item).
    fn credits(&self, kind: &str) -> i64 {
        count(
            &self.app,
            "SELECT COUNT(*) AS n FROM contributions WHERE kind = $1",
            kind,
        )
    }

    async fn listed(&self) -> Value {
        self.app
            .json_as("/api/v1/projects/demo/repositories", &self.owner.token)
            .await
    }
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    diesel::sql_query(sql)
        .bind::<Text, _>(bind)
        .get_result::<N>(&mut app.conn())
        .unwrap()
        .n
}

/// `n` commits by `people` in turn, each with their noreply address.
fn commits(h: &mut History, n: usize, people: &[Actor]) {
    for i in 0..n {
        let who = &people[i % people.len()];
        h.add_commit(
            &who.login,
            &who.noreply(),
            Some(who),
            &format!("change {i}"),
        );
    }
}

fn generated(commits: usize, pulls: usize, issues: usize) -> History {
    History::generate(&GenerateSpec {
        repo: name(REPO),
        commits,
        pulls,
        issues,
        seed: 7,
    })
    .unwrap()
}

fn state_of(app: &TestApp, resource: &str) -> (i64, i64, i64, Option<String>) {
    repository_sync_state::table
        .filter(repository_sync_state::resource.eq(resource))
        .select((
            repository_sync_state::items_stored,
            repository_sync_state::requests_spent,
            repository_sync_state::not_modified,
            repository_sync_state::resume_url,
        ))
        .first(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn a_multi_page_history_is_stored_once_and_an_unchanged_resync_costs_only_304s() {
    let history = generated(250, 130, 60);
    let h = history.clone();
    let fx = fixture(history, true, |_| {}).await;
    fx.sync_by_job().await;

    assert_eq!(fx.credited("commit"), 250);
    let identifiable = |a: &Actor| a.id != known::GHOST_ID;
    let opened = h.pulls.iter().filter(|p| identifiable(&p.user)).count() as i64;
    let merged = h
        .pulls
        .iter()
        .filter(|p| p.merged_at.is_some() && identifiable(&p.user))
        .count() as i64;
    let issues = h.issues.iter().filter(|i| identifiable(&i.user)).count() as i64;
    let reviews = h
        .pulls
        .iter()
        .flat_map(|p| &p.reviews)
        .filter(|r| identifiable(&r.user))
        .count() as i64;
    let issue_comments = h
        .issue_comments
        .iter()
        .filter(|c| identifiable(&c.user))
        .count() as i64;
    let review_comments = h
        .review_comments
        .iter()
        .filter(|c| identifiable(&c.user))
        .count() as i64;
    assert_eq!(fx.credited("pull_request_opened"), opened);
    assert_eq!(fx.credited("pull_request_merged"), merged);
    assert_eq!(
        fx.credited("issue_opened"),
        issues,
        "pull requests are not issues"
    );
    assert_eq!(fx.credited("pull_request_review"), reviews);
    assert_eq!(fx.credited("issue_comment"), issue_comments);
    assert_eq!(fx.credited("review_comment"), review_comments);
    let releases = h
        .releases
        .iter()
        .filter(|r| identifiable(&r.author))
        .count() as i64;
    assert_eq!(fx.credited("release"), releases);

    // One request per 100 items per resource (the repository itself once).
    let pages = |n: usize| n.div_ceil(100).max(1) as u64;
    let s = fx.double.stats();
    assert_eq!(fx.double.requests_of(kinds::COMMITS), pages(250), "{s:?}");
    assert_eq!(fx.double.requests_of(kinds::PULLS), pages(130));
    assert_eq!(fx.double.requests_of(kinds::GRAPHQL), pages(130));
    assert_eq!(
        fx.double.requests_of(kinds::REVIEWS),
        0,
        "no per-pull review requests"
    );
    assert_eq!(fx.double.requests_of(kinds::ISSUES), pages(130 + 60));
    assert_eq!(fx.double.requests_of(kinds::REPO), 1);
    assert_eq!(s.with_token, s.requests, "every request carried the token");
    let listed = fx.listed().await;
    let repo = &listed["items"][0];
    assert!(repo["last_success_at"].is_string(), "{listed}");
    assert_eq!(repo["status"]["last_error"], Value::Null);
    assert_eq!(repo["status"]["rate_limit"]["limit"], 5000);
    assert_eq!(listed["github_auth"], "token");

    // Nothing changed: each resource asks its first page conditionally and gets 304;
    // reviews ask nothing (no pull request changed).
    fx.double.reset_stats();
    fx.sync_by_job().await;
    let s = fx.double.stats();
    assert_eq!(s.requests, 6, "{s:?}");
    assert_eq!(s.not_modified, s.requests, "only 304s: {s:?}");
    assert_eq!(s.ok, 0);
    assert_eq!(fx.credited("commit"), 250);
    let (items, requests, not_modified, resume) = state_of(&fx.app, "commits");
    assert_eq!((items, requests, not_modified, resume), (250, 4, 1, None));

    // New work: only the new first pages are read; the new items are stored.
    let alice = Actor::user(555, "alice");
    fx.double.mutate(|h| {
        h.add_commit("Alice", &alice.noreply(), Some(&alice), "one more");
        let n = h.add_pull(&alice, "late change");
        h.add_review(n, &Actor::user(556, "bob"), ReviewState::Approved)
            .unwrap();
    });
    fx.double.reset_stats();
    fx.sync_by_job().await;
    assert_eq!(fx.credited("commit"), 251);
    assert_eq!(fx.credited("pull_request_opened"), opened + 1);
    assert_eq!(fx.credited("pull_request_review"), reviews + 1);
    assert_eq!(fx.double.requests_of(kinds::COMMITS), 1);
    assert_eq!(fx.double.requests_of(kinds::GRAPHQL), 1);
}

#[tokio::test]
async fn a_rate_limit_mid_pagination_pauses_the_job_and_the_resumed_run_stores_exactly_300_commits()
{
    let mut h = History::new(&name(REPO));
    let people: Vec<Actor> = (0..7)
        .map(|i| Actor::user(2000 + i, &format!("dev{i}")))
        .collect();
    commits(&mut h, 300, &people);
    // Nothing is waited out in place: the job saves its place and is queued again.
    let fx = fixture(h, true, |c| c.github_max_inline_wait_secs = 0).await;
    fx.double.rate_limit_next(
        "commits?sha=main&per_page=100&page=2",
        Duration::from_secs(2),
    );
    fx.sync_by_job().await;

    assert_eq!(fx.credited("commit"), 300);
    assert_eq!(fx.credits("commit"), 300, "nothing doubled");
    let s = fx.double.stats();
    assert_eq!(s.rate_limited, 1, "{s:?}");
    // Page 1, page 2 refused, page 2 again, page 3.
    assert_eq!(fx.double.requests_of(kinds::COMMITS), 4);
    let (items, requests, _, resume) = state_of(&fx.app, "commits");
    assert_eq!((items, requests, resume), (300, 4, None));
    // The pause used no attempt of the job.
    let attempts: i32 = jobs::table
        .filter(jobs::kind.eq("sync_repository"))
        .select(jobs::attempts)
        .first(&mut fx.app.conn())
        .unwrap();
    assert_eq!(attempts, 1);
    let listed = fx.listed().await;
    assert_eq!(
        listed["items"][0]["status"]["last_error"],
        Value::Null,
        "{listed}"
    );
}

#[tokio::test]
async fn a_secondary_limit_and_502s_are_waited_out_and_retried() {
    let mut h = History::new(&name(REPO));
    commits(&mut h, 120, &[Actor::user(3001, "carol")]);
    let fx = fixture(h, false, |_| {}).await;
    fx.double.fail_next(2, 502);
    fx.double.secondary_limit_next(429, Duration::from_secs(1));
    let summary = fx.sync_done(false).await;
    let s = fx.double.stats();
    assert_eq!((s.errors, s.secondary_limited), (2, 1), "{s:?}");
    assert_eq!(fx.credited("commit"), 120);
    assert!(summary.requests() >= 4 + 2);
}

#[tokio::test]
async fn people_stay_one_across_renames_noreply_addresses_and_co_authors_and_bots_do_not_count() {
    let mut h = History::new(&name(REPO));
    let alice = Actor::user(12345, "alice");
    let bob = Actor::user(23456, "bob");
    let botanist = Actor::user(known::BOTANIST_ID, "botanist");
    let dependabot = Actor::bot(known::DEPENDABOT_ID, "dependabot[bot]");
    // GitHub did not link this noreply address to an account (`author: null`).
    let a1 = h.add_commit("Alice", &alice.noreply(), None, "noreply only");
    let a2 = h.add_commit(
        "Alice",
        "alice@example.com",
        Some(&alice),
        &format!(
            "Pair on the tokenizer\n\nCo-authored-by: Bob <{}>\nCo-authored-by: Alice <alice@example.com>",
            bob.noreply()
        ),
    );
    let a3 = h.add_commit(
        "Alice",
        "alice@example.com",
        Some(&alice),
        "Quote the template\n\n> Co-authored-by: Mallory <mallory@example.com>\nnot a trailer",
    );
    h.add_commit("botanist", &botanist.noreply(), Some(&botanist), "plants");
    h.add_commit(
        "dependabot[bot]",
        &dependabot.noreply(),
        Some(&dependabot),
        "Bump serde",
    );
    h.add_pull(&dependabot, "Bump serde");
    h.add_pull(&botanist, "More plants");
    let fx = fixture(h, false, |_| {}).await;
    fx.sync_done(false).await;

    let mut conn = fx.app.conn();
    let who = |sha: &str, conn: &mut openfund::db::AnyConnection| -> Vec<Option<i64>> {
        diesel::sql_query(
            "SELECT c.github_user_id AS id FROM contributions k \
             JOIN contributors c ON c.id = k.contributor_id \
             WHERE k.kind = 'commit' AND k.source_key = $1 ORDER BY c.github_user_id",
        )
        .bind::<Text, _>(sha)
        .load::<Gid>(conn)
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect()
    };
    assert_eq!(
        who(&a1, &mut conn),
        vec![Some(12345)],
        "noreply → the account"
    );
    assert_eq!(
        who(&a2, &mut conn),
        vec![Some(12345), Some(23456)],
        "the co-author once, the author not twice"
    );
    assert_eq!(
        who(&a3, &mut conn),
        vec![Some(12345)],
        "a quoted trailer earns nothing"
    );

    // Renamed on GitHub, then more work: still one person, with the new login.
    fx.double.mutate(|h| {
        h.rename_user(12345, "alice-renamed");
        let alice = Actor::user(12345, "alice-renamed");
        h.add_commit("Alice", &alice.noreply(), Some(&alice), "after the rename");
    });
    fx.sync_done(false).await;
    let alices: Vec<(Option<String>, bool)> =
        diesel::sql_query("SELECT login, is_bot FROM contributors WHERE github_user_id = 12345")
            .load::<LoginBot>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| (r.login, r.is_bot))
            .collect();
    assert_eq!(alices, vec![(Some("alice-renamed".to_owned()), false)]);

    // What the read side counts (bots left out unless the project counts them).
    let counted: Vec<(Option<String>, i64)> = diesel::sql_query(
        "SELECT c.login AS login, COUNT(DISTINCT k.source_key) AS n FROM contributions k \
         JOIN contributors c ON c.id = k.contributor_id \
         WHERE k.removed_at IS NULL AND NOT c.is_bot GROUP BY c.login ORDER BY c.login",
    )
    .load::<LoginCount>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|r| (r.login, r.n))
    .collect();
    assert!(
        counted.contains(&(Some("botanist".to_owned()), 2)),
        "botanist is a person: {counted:?}"
    );
    assert!(
        !counted
            .iter()
            .any(|(l, _)| l.as_deref() == Some("dependabot[bot]")),
        "{counted:?}"
    );
    let bots: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM contributors WHERE is_bot")
        .get_result::<N>(&mut conn)
        .unwrap()
        .n;
    assert_eq!(bots, 1, "dependabot is the only bot");

    // The public contributors list agrees: botanist counted, dependabot not.
    let page = fx
        .app
        .json_as(
            "/api/v1/projects/demo/contributors?limit=100",
            &fx.owner.token,
        )
        .await;
    let entry = |login: &str| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["contributor"]["login"] == login)
            .cloned()
    };
    let botanist = entry("botanist").unwrap_or_else(|| panic!("{page}"));
    assert_eq!(botanist["total"], 2, "{botanist}");
    assert!(entry("dependabot[bot]").is_none(), "{page}");
    assert!(
        entry("alice-renamed").is_some() && entry("alice").is_none(),
        "{page}"
    );
}

#[derive(QueryableByName)]
struct Gid {
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    id: Option<i64>,
}

#[derive(QueryableByName)]
struct LoginBot {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    login: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_bot: bool,
}

#[derive(QueryableByName)]
struct LoginCount {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    login: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn a_full_pass_removes_the_credit_of_commits_a_force_push_dropped() {
    let mut h = History::new(&name(REPO));
    commits(
        &mut h,
        150,
        &[Actor::user(4001, "dan"), Actor::user(4002, "eve")],
    );
    let fx = fixture(h, false, |_| {}).await;
    fx.sync_done(false).await;
    assert_eq!(fx.credited("commit"), 150);

    let dropped = fx.double.mutate(|h| h.force_push_drop(3));
    // An incremental sync cannot tell: it reads only the newest page.
    fx.sync_done(false).await;
    assert_eq!(fx.credited("commit"), 150);
    let summary = fx.sync_done(true).await;
    let reconciled = summary.reconciled.expect("a full pass reconciles");
    assert_eq!((reconciled.removed, reconciled.restored), (3, 0));
    assert_eq!(fx.credited("commit"), 147);
    for sha in &dropped {
        let removed = count(
            &fx.app,
            "SELECT COUNT(*) AS n FROM contributions WHERE source_key = $1 AND removed_at IS NOT NULL",
            sha,
        );
        assert_eq!(removed, 1, "{sha}");
    }
    // History is kept: the rows are still there.
    assert_eq!(fx.credits("commit"), 150);
}

#[tokio::test]
async fn reviews_of_busy_pull_requests_are_complete_and_are_skipped_without_credentials() {
    let mut h = History::new(&name(REPO));
    let author = Actor::user(5001, "frank");
    let n = h.add_pull(&author, "big change");
    for i in 0..105 {
        h.add_review(
            n,
            &Actor::user(6000 + i, &format!("reviewer{i}")),
            ReviewState::Commented,
        )
        .unwrap();
    }
    let fx = fixture(h.clone(), false, |_| {}).await;
    fx.sync_done(false).await;
    assert_eq!(fx.credited("pull_request_review"), 105);
    assert_eq!(fx.double.requests_of(kinds::GRAPHQL), 1);
    assert_eq!(
        fx.double.requests_of(kinds::REVIEWS),
        2,
        "the 101st onwards over REST"
    );

    let anon = fixture(h, false, |c| c.github_token = None).await;
    anon.sync_done(false).await;
    assert_eq!(anon.credited("pull_request_review"), 0);
    assert_eq!(anon.double.requests_of(kinds::GRAPHQL), 0);
    assert_eq!(anon.double.stats().with_token, 0);
    let listed = anon.listed().await;
    assert_eq!(listed["github_auth"], "unauthenticated");
    assert!(
        listed["github_auth_note"]
            .as_str()
            .unwrap()
            .contains("60 requests an hour"),
        "{listed}"
    );
    let reviews = listed["items"][0]["status"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "reviews")
        .cloned()
        .unwrap();
    assert!(
        reviews["skipped"].as_str().unwrap().contains("credentials"),
        "{reviews}"
    );
}

#[tokio::test]
async fn a_github_app_syncs_with_one_installation_token() {
    let mut h = History::new(&name(REPO));
    commits(&mut h, 30, &[Actor::user(7001, "gina")]);
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let fx = fixture(h, false, |c| {
        c.github_token = None;
        c.github_app_id = Some(424_242);
        c.github_app_private_key_file = Some(format!("{fixtures}/github-app-test-key.pem").into());
    })
    .await;
    let public = std::fs::read(format!("{fixtures}/github-app-test-key.pub.pem")).unwrap();
    fx.double
        .enable_app(424_242, &public, Duration::from_secs(3600))
        .unwrap();
    fx.sync_done(false).await;
    fx.sync_done(false).await;
    let s = fx.double.stats();
    assert_eq!(
        s.installation_tokens_issued, 1,
        "cached between syncs: {s:?}"
    );
    assert_eq!(
        s.with_installation_token,
        s.requests - fx.double.requests_of(kinds::APP),
        "every API request used the installation token: {s:?}"
    );
    assert_eq!(s.with_token, 0);
    assert_eq!(fx.credited("commit"), 30);
    assert_eq!(fx.listed().await["github_auth"], "app");

    // A key GitHub does not know is refused, and the sync says why.
    let other = fixture(History::new(&name(REPO)), false, |c| {
        c.github_token = None;
        c.github_app_id = Some(1);
        c.github_app_private_key_file = Some(format!("{fixtures}/github-app-test-key.pem").into());
    })
    .await;
    other
        .double
        .enable_app(424_242, &public, Duration::from_secs(3600))
        .unwrap();
    match other.sync(false).await {
        SyncOutcome::Done(s) => assert!(!s.errors.is_empty() && !s.transient, "{s:?}"),
        o => panic!("{o:?}"),
    }
    let listed = other.listed().await;
    assert!(
        listed["items"][0]["status"]["last_error"]
            .as_str()
            .unwrap()
            .contains("not installed"),
        "{listed}"
    );
}

#[tokio::test]
async fn openfund_sync_runs_the_same_sync_and_prints_plain_lines_when_piped() {
    let mut h = History::new(&name(REPO));
    commits(&mut h, 210, &[Actor::user(8001, "hank")]);
    let fx = fixture(h, false, |_| {}).await;
    // A one-second reset is waited out in place.
    fx.double.rate_limit_next("page=2", Duration::from_secs(1));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_openfund"))
        .args(["sync", "--project", "demo", "--repo", REPO])
        .env(
            "OPENFUND_DATABASE_URL",
            crate::jobs::url_string(&fx.app.database_url),
        )
        .env("OPENFUND_GITHUB_API_URL", fx.double.url())
        .env("OPENFUND_GITHUB_TOKEN", "ghp_cli")
        .env("OPENFUND_LOG", "warn")
        .output()
        .expect("run openfund sync");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("acme/model commits: 100 items in 1 request(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("synced in"), "{stdout}");
    assert_eq!(fx.credited("commit"), 210);
    assert_eq!(fx.double.stats().rate_limited, 1);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_openfund"))
        .args(["sync", "--repo", "acme/unknown"])
        .env(
            "OPENFUND_DATABASE_URL",
            crate::jobs::url_string(&fx.app.database_url),
        )
        .env("OPENFUND_GITHUB_API_URL", fx.double.url())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no linked repository matches"));
}
