//! The GitHub activity double itself (`openfund::github::double`): pagination by `Link`,
//! conditional requests, rate-limit headers, injected faults, counters, generated and
//! hand-built histories.

use std::collections::HashSet;
use std::time::Duration;

use openfund::domain::github::link;
use openfund::domain::repository::RepoFullName;
use openfund::github::double::{
    Actor, GenerateSpec, GithubActivityDouble, History, ReviewState, kinds, known,
};
use serde_json::Value;

/// `owner/name` as the double takes it.
fn repo(full_name: &str) -> RepoFullName {
    RepoFullName::parse("repo", full_name).unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Follows `rel="next"` from `first` as given; returns every item and the responses.
async fn walk(first: String) -> (Vec<Value>, Vec<reqwest::header::HeaderMap>) {
    let c = client();
    let mut url = Some(first);
    let (mut items, mut heads) = (Vec::new(), Vec::new());
    while let Some(u) = url.take() {
        let res = c.get(&u).send().await.expect("request");
        assert_eq!(res.status(), 200, "{u}");
        let headers = res.headers().clone();
        url = headers
            .get("link")
            .map(|l| link::parse(l.to_str().unwrap()))
            .and_then(|l| l.next);
        let page: Vec<Value> = res.json().await.expect("json array");
        assert!(page.len() <= 100);
        items.extend(page);
        heads.push(headers);
        assert!(heads.len() < 1000, "pagination does not end");
    }
    (items, heads)
}

/// A small hand-built history: 250 commits by two people, 3 pulls, 2 issues.
fn small_history() -> (History, Actor, Actor) {
    let mut h = History::new(&repo("acme/model"));
    let alice = Actor::user(101, "alice");
    let bob = Actor::user(102, "bob");
    for i in 0..250 {
        let who = if i % 2 == 0 { &alice } else { &bob };
        h.add_commit(
            &who.login,
            &who.noreply(),
            Some(who),
            &format!("change {i}"),
        );
    }
    let p1 = h.add_pull(&alice, "first");
    h.add_review(p1, &bob, ReviewState::Approved).unwrap();
    h.merge_pull(p1).unwrap();
    let i1 = h.add_issue(&bob, "bug");
    h.add_issue_comment(i1, &alice, "confirmed");
    h.add_pull(&bob, "second");
    h.add_issue(&alice, "idea");
    let p3 = h.add_pull(&alice, "third");
    h.add_review_comment(p3, &bob, "nit");
    h.add_release("v1.0.0", &alice);
    (h, alice, bob)
}

#[tokio::test]
async fn pagination_follows_absolute_links_and_yields_each_item_once() {
    let (h, _, _) = small_history();
    let expected: Vec<String> = h.commits.iter().rev().map(|c| c.sha.clone()).collect();
    let d = GithubActivityDouble::start(h).expect("bind the double");
    let (items, heads) = walk(format!(
        "{}/repos/acme/model/commits?sha=main&per_page=100",
        d.url()
    ))
    .await;
    let shas: Vec<String> = items
        .iter()
        .map(|c| c["sha"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(shas, expected, "newest first, each once");
    assert_eq!(heads.len(), 3);
    let first = link::parse(heads[0]["link"].to_str().unwrap());
    let next = first.next.expect("next on page 1");
    assert!(
        next.starts_with(&format!("{}/repositories/", d.url())),
        "{next}"
    );
    assert!(next.contains("sha=main") && next.contains("per_page=100") && next.contains("page=2"));
    assert!(first.last.unwrap().contains("page=3"));
    assert!(first.prev.is_none() && first.first.is_none());
    let middle = link::parse(heads[1]["link"].to_str().unwrap());
    assert!(middle.prev.is_some() && middle.first.is_some() && middle.next.is_some());
    let last = link::parse(heads[2]["link"].to_str().unwrap());
    assert!(last.next.is_none() && last.last.is_none() && last.prev.is_some());

    // Default page size 30; larger than 100 is clamped.
    let c = client();
    let page: Vec<Value> = c
        .get(format!("{}/repos/acme/model/commits", d.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.len(), 30);
    let page: Vec<Value> = c
        .get(format!("{}/repos/acme/model/commits?per_page=500", d.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.len(), 100);
    assert_eq!(d.requests_of(kinds::COMMITS), 5);
}

#[tokio::test]
async fn issues_include_pulls_with_a_pull_request_member_and_objects_have_github_shapes() {
    let (h, _, _) = small_history();
    let d = GithubActivityDouble::start(h).expect("bind the double");
    let (issues, _) = walk(format!(
        "{}/repos/acme/model/issues?state=all&sort=updated&direction=asc&per_page=2",
        d.url()
    ))
    .await;
    assert_eq!(issues.len(), 5, "2 issues + 3 pulls");
    let pulls = issues
        .iter()
        .filter(|i| i.get("pull_request").is_some())
        .count();
    assert_eq!(pulls, 3);
    let updated: Vec<&str> = issues
        .iter()
        .map(|i| i["updated_at"].as_str().unwrap())
        .collect();
    assert!(
        updated.windows(2).all(|w| w[0] <= w[1]),
        "ascending by updated_at"
    );
    // Default state is open: the merged pull and nothing closed.
    let (open, _) = walk(format!("{}/repos/acme/model/issues", d.url())).await;
    assert_eq!(open.len(), 4);

    let (pulls, _) = walk(format!(
        "{}/repos/acme/model/pulls?state=all&sort=updated&direction=desc&per_page=100",
        d.url()
    ))
    .await;
    assert_eq!(pulls.len(), 3);
    let merged = pulls.iter().find(|p| p["number"] == 1).unwrap();
    assert_eq!(merged["state"], "closed");
    assert!(merged["merged_at"].is_string());
    for field in [
        "login",
        "id",
        "node_id",
        "avatar_url",
        "gravatar_id",
        "url",
        "html_url",
        "followers_url",
        "following_url",
        "gists_url",
        "starred_url",
        "subscriptions_url",
        "organizations_url",
        "repos_url",
        "events_url",
        "received_events_url",
        "type",
        "site_admin",
    ] {
        assert!(merged["user"].get(field).is_some(), "user.{field}");
    }
    let (reviews, _) = walk(format!("{}/repos/acme/model/pulls/1/reviews", d.url())).await;
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["state"], "APPROVED");
    assert_eq!(reviews[0]["user"]["login"], "bob");
    let (comments, _) = walk(format!("{}/repos/acme/model/issues/comments", d.url())).await;
    assert_eq!(comments.len(), 1);
    let (rc, _) = walk(format!("{}/repos/acme/model/pulls/comments", d.url())).await;
    assert_eq!(rc.len(), 1);
    let (releases, _) = walk(format!("{}/repos/acme/model/releases", d.url())).await;
    assert_eq!(releases[0]["tag_name"], "v1.0.0");
    let repo: Value = client()
        .get(format!("{}/repos/ACME/Model", d.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(repo["full_name"], "acme/model");
    assert_eq!(repo["default_branch"], "main");
    assert_eq!(repo["private"], false);
    let missing = client()
        .get(format!("{}/repos/acme/other/commits", d.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let missing = client()
        .get(format!("{}/repos/acme/model/pulls/99/reviews", d.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn a_matching_etag_gets_304_without_spending_the_rate_limit() {
    let (h, alice, _) = small_history();
    let d = GithubActivityDouble::start(h).expect("bind the double");
    let c = client();
    let url = format!("{}/repos/acme/model/commits?per_page=100", d.url());
    let first = c.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 66,
        "{etag}"
    );
    assert_eq!(first.headers()["x-ratelimit-remaining"], "4999");
    assert_eq!(first.headers()["x-ratelimit-used"], "1");
    assert_eq!(first.headers()["x-ratelimit-resource"], "core");

    for inm in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
    ] {
        let again = c
            .get(&url)
            .header("if-none-match", inm)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["x-ratelimit-remaining"], "4999");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let s = d.stats();
    assert_eq!((s.ok, s.not_modified, s.rate_limit_remaining), (1, 3, 4999));

    // A new commit changes the first page: 200 with another ETag, one more spent.
    d.mutate(|h| h.add_commit("alice", &alice.noreply(), Some(&alice), "more"));
    let changed = c
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(changed.headers()["x-ratelimit-remaining"], "4998");
}

#[tokio::test]
async fn an_injected_rate_limit_refuses_until_its_reset_then_serves_again() {
    let (h, _, _) = small_history();
    let d = GithubActivityDouble::start(h).expect("bind the double");
    d.rate_limit_next("page=2", Duration::from_secs(2));
    let c = client();
    let p1 = c
        .get(format!("{}/repos/acme/model/commits?per_page=100", d.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(p1.status(), 200);
    let next = link::parse(p1.headers()["link"].to_str().unwrap())
        .next
        .unwrap();
    let refused = c.get(&next).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.headers()["x-ratelimit-remaining"], "0");
    let reset: i64 = refused.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(
        reset > now - 1 && reset <= now + 3,
        "reset {reset}, now {now}"
    );
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("API rate limit exceeded")
    );
    // Still refused before the reset, whatever the path.
    let still = c
        .get(format!("{}/repos/acme/model", d.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 403);
    assert_eq!(d.stats().rate_limited, 2);

    let wait = (reset - chrono::Utc::now().timestamp()).max(0) as u64 + 1;
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let ok = c.get(&next).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    // A fresh window after the reset.
    assert_eq!(ok.headers()["x-ratelimit-remaining"], "4999");
    let page: Vec<Value> = ok.json().await.unwrap();
    assert_eq!(page.len(), 100);
}

#[tokio::test]
async fn the_primary_limit_runs_out_by_counting() {
    let (h, _, _) = small_history();
    let d = GithubActivityDouble::start(h).expect("bind the double");
    d.set_rate_limit(2);
    let c = client();
    let url = format!("{}/repos/acme/model", d.url());
    assert_eq!(c.get(&url).send().await.unwrap().status(), 200);
    let second = c.get(&url).send().await.unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["x-ratelimit-remaining"], "0");
    let third = c.get(&url).send().await.unwrap();
    assert_eq!(third.status(), 403);
    assert_eq!(third.headers()["x-ratelimit-remaining"], "0");
}

#[tokio::test]
async fn secondary_limits_5xx_and_counters() {
    let (h, _, _) = small_history();
    let d = GithubActivityDouble::start(h).expect("bind the double");
    let c = client();
    let url = format!("{}/repos/acme/model/pulls?state=all", d.url());
    d.secondary_limit_next(429, Duration::from_secs(7));
    let limited = c.get(&url).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    let body: Value = limited.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("secondary rate limit")
    );

    d.fail_next(2, 502);
    assert_eq!(c.get(&url).send().await.unwrap().status(), 502);
    assert_eq!(c.get(&url).send().await.unwrap().status(), 502);
    assert_eq!(c.get(&url).send().await.unwrap().status(), 200);

    d.slow_next(Duration::from_millis(600));
    let started = std::time::Instant::now();
    assert_eq!(c.get(&url).send().await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(600));

    let s = d.stats();
    assert_eq!(s.requests, 5);
    assert_eq!(s.by_kind[kinds::PULLS], 5);
    assert_eq!((s.secondary_limited, s.errors, s.ok), (1, 2, 2));
    assert_eq!(s.rate_limit_remaining, 4998, "only the 200s counted");
    // The process form reads the same counters.
    let json: Value = c
        .get(format!("{}/_double/stats", d.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["requests"], 5);
    assert_eq!(json["by_kind"]["pulls"], 5);
    // Faults can be queued over HTTP too; request number 6 is the next one.
    let queued = c
        .post(format!("{}/_double/faults", d.url()))
        .json(&serde_json::json!({"trigger": {"at_request": 6}, "kind": {"kind": "status", "status": 503}}))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 204);
    assert_eq!(c.get(&url).send().await.unwrap().status(), 503);
    assert_eq!(c.get(&url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn force_push_and_rename_between_syncs() {
    let (h, alice, _) = small_history();
    let d = GithubActivityDouble::start(h).expect("bind the double");
    let dropped = d.mutate(|h| h.force_push_drop(10));
    assert_eq!(dropped.len(), 10);
    d.mutate(|h| h.rename_user(alice.id, "alice-renamed"));
    let (items, _) = walk(format!("{}/repos/acme/model/commits?per_page=100", d.url())).await;
    assert_eq!(items.len(), 240);
    let shas: HashSet<&str> = items.iter().map(|c| c["sha"].as_str().unwrap()).collect();
    assert!(dropped.iter().all(|s| !shas.contains(s.as_str())));
    assert!(
        items
            .iter()
            .any(|c| c["author"]["login"] == "alice-renamed")
    );
    assert!(items.iter().all(|c| c["author"]["login"] != "alice"));
}

#[tokio::test]
async fn a_generated_history_of_10000_commits_and_5000_pulls_is_complete_and_varied() {
    let h = History::generate(&GenerateSpec {
        repo: repo("big/model"),
        commits: 10_000,
        pulls: 5_000,
        issues: 2_500,
        seed: 7,
    })
    .unwrap();
    assert_eq!(
        (h.commits.len(), h.pulls.len(), h.issues.len()),
        (10_000, 5_000, 2_500)
    );
    // Same seed, same history.
    let again = History::generate(&GenerateSpec {
        repo: repo("big/model"),
        commits: 10_000,
        pulls: 5_000,
        issues: 2_500,
        seed: 7,
    })
    .unwrap();
    assert_eq!(h.commits[9_999].sha, again.commits[9_999].sha);
    let d = GithubActivityDouble::start(h).expect("bind the double");

    let started = std::time::Instant::now();
    let (commits, heads) = walk(format!("{}/repos/big/model/commits?per_page=100", d.url())).await;
    assert_eq!(heads.len(), 100);
    let unique: HashSet<&str> = commits.iter().map(|c| c["sha"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), 10_000);
    let logins: HashSet<&str> = commits
        .iter()
        .filter_map(|c| c["author"]["login"].as_str())
        .collect();
    assert!(logins.len() > 300, "hundreds of authors: {}", logins.len());
    assert!(logins.contains(known::RENAMED_OLD_LOGIN) && logins.contains(known::RENAMED_NEW_LOGIN));
    assert!(logins.contains("botanist"));
    let bot = commits
        .iter()
        .find(|c| c["author"]["login"] == "dependabot[bot]")
        .expect("a dependabot commit");
    assert_eq!(bot["author"]["type"], "Bot");
    assert_eq!(bot["author"]["id"], known::DEPENDABOT_ID);
    assert!(
        commits.iter().any(|c| c["author"].is_null()),
        "authors without an account"
    );
    assert!(commits.iter().any(|c| {
        c["commit"]["author"]["email"]
            .as_str()
            .unwrap()
            .ends_with("@users.noreply.github.com")
    }));
    assert!(commits.iter().any(|c| {
        c["commit"]["message"]
            .as_str()
            .unwrap()
            .contains("\nCo-authored-by: ")
    }));

    let (pulls, _) = walk(format!(
        "{}/repos/big/model/pulls?state=all&sort=updated&direction=desc&per_page=100",
        d.url()
    ))
    .await;
    assert_eq!(pulls.len(), 5_000);
    let numbers: HashSet<i64> = pulls
        .iter()
        .map(|p| p["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers.len(), 5_000);
    let updated: Vec<&str> = pulls
        .iter()
        .map(|p| p["updated_at"].as_str().unwrap())
        .collect();
    assert!(
        updated.windows(2).all(|w| w[0] >= w[1]),
        "newest updated first"
    );
    assert!(pulls.iter().any(|p| p["user"]["login"] == "ghost"));
    // Debug build, two cores: generous, but an O(n²) page would blow it.
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
}

/// The process form the browser tests and the benchmark use: `openfund github-double`
/// prints its URL first, honours its fault flags and serves `/_double/stats`.
#[tokio::test]
async fn the_cli_form_prints_its_url_and_honours_fault_flags() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_openfund"))
        .args([
            "github-double",
            "--port",
            "0",
            "--repo",
            "acme/cli",
            "--commits",
            "150",
            "--pulls",
            "20",
            "--seed",
            "3",
            "--rate-limit-at",
            "2",
            "--rate-limit-reset-secs",
            "30",
            "--fail-at",
            "4",
            "--fail-count",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn openfund github-double");
    let stdout = child.stdout.take().unwrap();
    // Killed even when an assertion below fails.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _child = KillOnDrop(child);
    let url = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    })
    .await
    .unwrap()
    .expect("first line");
    let url = url.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let c = client();
    let commits = format!("{url}/repos/acme/cli/commits?per_page=100");
    let first = c.get(&commits).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let page: Vec<Value> = first.json().await.unwrap();
    assert_eq!(page.len(), 100);
    let limited = c.get(&commits).send().await.unwrap();
    assert_eq!(limited.status(), 403, "request 2 is the rate-limit fault");
    assert_eq!(limited.headers()["x-ratelimit-remaining"], "0");
    let stats: Value = c
        .get(format!("{url}/_double/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"], 2);
    assert_eq!(stats["rate_limited"], 1);
    assert_eq!(stats["ok"], 1);
}

/// Every object deserialises into octocrab's models, which the sync engine will use.
#[tokio::test]
async fn every_object_deserialises_into_octocrab_models() {
    use octocrab::models;
    let h = History::generate(&GenerateSpec {
        repo: repo("acme/shapes"),
        commits: 400,
        pulls: 150,
        issues: 80,
        seed: 11,
    })
    .unwrap();
    let d = GithubActivityDouble::start(h).expect("bind the double");
    let base = format!("{}/repos/acme/shapes", d.url());
    async fn all<T: serde::de::DeserializeOwned>(url: String) -> Vec<T> {
        let (items, _) = walk(url).await;
        items
            .into_iter()
            .map(|v| serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}")))
            .collect()
    }
    let commits: Vec<models::repos::RepoCommit> = all(format!("{base}/commits?per_page=100")).await;
    assert_eq!(commits.len(), 400);
    assert!(commits.iter().any(|c| c.author.is_none()));
    let pulls: Vec<models::pulls::PullRequest> =
        all(format!("{base}/pulls?state=all&per_page=100")).await;
    assert_eq!(pulls.len(), 150);
    let issues: Vec<models::issues::Issue> =
        all(format!("{base}/issues?state=all&per_page=100")).await;
    assert_eq!(issues.len(), 230);
    assert_eq!(
        issues.iter().filter(|i| i.pull_request.is_some()).count(),
        150
    );
    let with_reviews = pulls
        .iter()
        .find(|p| {
            let n = p.number;
            d.history()
                .pulls
                .iter()
                .any(|q| q.number == n && !q.reviews.is_empty())
        })
        .expect("a reviewed pull request");
    let reviews: Vec<models::pulls::Review> =
        all(format!("{base}/pulls/{}/reviews", with_reviews.number)).await;
    assert!(!reviews.is_empty());
    let comments: Vec<models::issues::Comment> =
        all(format!("{base}/issues/comments?per_page=100")).await;
    assert!(!comments.is_empty());
    let review_comments: Vec<models::pulls::Comment> =
        all(format!("{base}/pulls/comments?per_page=100")).await;
    assert!(!review_comments.is_empty());
    let releases: Vec<models::repos::Release> = all(format!("{base}/releases")).await;
    assert_eq!(releases.len(), 2);
    let repo: models::Repository = client()
        .get(&base)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(repo.default_branch.as_deref(), Some("main"));
}
