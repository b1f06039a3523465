//! Recognition reads and recorded work: the contributors list counts distinct items per
//! kind after identity merges, leaves out unlinked repositories, force-pushed commits
//! and bots (until the project's switch), shows people without GitHub anonymously and
//! pages stably through ties; the activity feed follows the same rules newest first;
//! maintainers record and delete non-code work (validated, idempotent, permissioned);
//! the cached list shows a new contribution at once. Run on both backends.
//!
//! GitHub's activity is arranged as rows, straight into the tables (the sync and
//! webhook processing that write them are tested on their own).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use openfund::db::schema::{contributions, contributors, identity_merges, repositories, users};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app};

/// A project owned by a new user, with linked repositories `names`; returns the owner,
/// the project id and the repositories' ids in order.
async fn project(app: &TestApp, slug: &str, names: &[&str]) -> (TestUser, i64, Vec<i64>) {
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Recognition", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let project_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut repos = Vec::new();
    for name in names {
        let res = app
            .send_json_as(
                Method::POST,
                &format!("/api/v1/projects/{slug}/repositories"),
                &owner.token,
                &json!({ "full_name": name }),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        repos.push(
            repositories::table
                .filter(repositories::full_name.eq(name))
                .select(repositories::id)
                .first::<i64>(&mut app.conn())
                .unwrap(),
        );
    }
    (owner, project_id, repos)
}

fn t0() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

/// A GitHub identity; returns its id.
fn github_person(app: &TestApp, github_id: i64, login: &str, is_bot: bool) -> i64 {
    let mut conn = app.conn();
    diesel::insert_into(contributors::table)
        .values((
            contributors::github_user_id.eq(github_id),
            contributors::login.eq(login),
            contributors::name.eq(format!("{login} (name)")),
            contributors::avatar_url.eq(format!(
                "https://avatars.githubusercontent.com/u/{github_id}"
            )),
            contributors::html_url.eq(format!("https://github.com/{login}")),
            contributors::is_bot.eq(is_bot),
            contributors::created_at.eq(t0()),
            contributors::updated_at.eq(t0()),
        ))
        .execute(&mut conn)
        .unwrap();
    contributors::table
        .filter(contributors::github_user_id.eq(github_id))
        .select(contributors::id)
        .first(&mut conn)
        .unwrap()
}

/// An identity known only by the hash of a commit email; returns its id.
fn email_person(app: &TestApp, hash: &str) -> i64 {
    let mut conn = app.conn();
    diesel::insert_into(contributors::table)
        .values((
            contributors::email_hash.eq(hash),
            contributors::name.eq("Carol Private"),
            contributors::is_bot.eq(false),
            contributors::created_at.eq(t0()),
            contributors::updated_at.eq(t0()),
        ))
        .execute(&mut conn)
        .unwrap();
    contributors::table
        .filter(contributors::email_hash.eq(hash))
        .select(contributors::id)
        .first(&mut conn)
        .unwrap()
}

/// A contribution seen on GitHub in repository `repo`, `minutes` after [`t0`]; returns
/// its id.
fn credit(
    app: &TestApp,
    project: i64,
    repo: i64,
    who: i64,
    kind: &str,
    key: &str,
    minutes: i64,
) -> i64 {
    let mut conn = app.conn();
    diesel::insert_into(contributions::table)
        .values((
            contributions::project_id.eq(project),
            contributions::repository_id.eq(Some(repo)),
            contributions::contributor_id.eq(who),
            contributions::kind.eq(kind),
            contributions::source_key.eq(key),
            contributions::occurred_at.eq(t0() + Duration::minutes(minutes)),
            contributions::title.eq(Some(format!("{kind} {key}"))),
            contributions::url.eq(Some(format!("https://github.com/o/r/{key}"))),
            contributions::created_at.eq(t0()),
        ))
        .execute(&mut conn)
        .unwrap();
    contributions::table
        .filter(contributions::project_id.eq(project))
        .filter(contributions::source_key.eq(key))
        .filter(contributions::contributor_id.eq(who))
        .select(contributions::id)
        .first(&mut conn)
        .unwrap()
}

/// Records that, in `project`, `from` is `into` (what the merge use case writes).
fn merge(app: &TestApp, project: i64, from: i64, into: i64, by: i64) {
    diesel::insert_into(identity_merges::table)
        .values((
            identity_merges::project_id.eq(project),
            identity_merges::from_contributor_id.eq(from),
            identity_merges::into_contributor_id.eq(into),
            identity_merges::created_by.eq(by),
            identity_merges::created_at.eq(t0()),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

async fn contributors_of(app: &TestApp, slug: &str) -> Vec<Value> {
    let body: Value = app
        .get(&format!("/api/v1/projects/{slug}/contributors"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["next_cursor"], Value::Null);
    body["items"].as_array().unwrap().clone()
}

/// (login or "anonymous", total, counts) per line.
fn lines(items: &[Value]) -> Vec<(String, i64, Value)> {
    items
        .iter()
        .map(|i| {
            let c = &i["contributor"];
            let who = if c["anonymous"] == true {
                "anonymous".to_owned()
            } else {
                c["login"].as_str().unwrap().to_owned()
            };
            (who, i["total"].as_i64().unwrap(), i["counts"].clone())
        })
        .collect()
}

async fn activity(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn counts_follow_merges_links_force_pushes_and_the_bot_switch() {
    let app = spawn_app().await;
    let (owner, p, repos) = project(&app, "rec", &["org/main", "org/fork"]).await;
    let (main, fork) = (repos[0], repos[1]);
    let alice = github_person(&app, 101, "alice", false);
    let alice_old = github_person(&app, 102, "alice-work", false);
    let bob = github_person(&app, 103, "bob", false);
    let carol = email_person(&app, "carol-email-hash-do-not-show");
    let dependabot = github_person(&app, 104, "dependabot[bot]", true);
    let botanist = github_person(&app, 105, "botanist", false);

    // alice: two commits and a pull request; sha1 co-authored with her second identity.
    credit(&app, p, main, alice, "commit", "sha1", 1);
    credit(&app, p, main, alice, "commit", "sha2", 2);
    credit(&app, p, main, alice, "pull_request_opened", "pr1:opened", 3);
    credit(&app, p, main, alice_old, "commit", "sha1", 1);
    credit(&app, p, main, alice_old, "commit", "sha3", 4);
    // bob: a commit in the repository about to be unlinked, an issue, and a commit a
    // force-push dropped.
    credit(&app, p, fork, bob, "commit", "sha4", 5);
    credit(&app, p, main, bob, "issue_opened", "issue1", 6);
    let dropped = credit(&app, p, main, bob, "commit", "sha5", 7);
    diesel::update(contributions::table.find(dropped))
        .set(contributions::removed_at.eq(Some(t0())))
        .execute(&mut app.conn())
        .unwrap();
    credit(&app, p, main, carol, "commit", "sha6", 8);
    credit(&app, p, main, dependabot, "commit", "sha7", 9);
    credit(&app, p, main, botanist, "commit", "sha8", 10);

    // Before the merge, alice's two identities are two lines; sha1 counts for each.
    let before = lines(&contributors_of(&app, "rec").await);
    assert_eq!(
        before[0],
        (
            "alice".into(),
            3,
            json!({"commit": 2, "pull_request_opened": 1})
        )
    );
    assert!(before.contains(&("alice-work".into(), 2, json!({"commit": 2}))));
    assert!(before.contains(&("bob".into(), 2, json!({"commit": 1, "issue_opened": 1}))));

    merge(&app, p, alice_old, alice, owner.id);
    let res = app
        .send_json_as(
            Method::DELETE,
            "/api/v1/projects/rec/repositories/org/fork",
            &owner.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);

    // Written straight into the tables, so the cached list is stale until a write of
    // this process: the unlink above was one.
    let items = contributors_of(&app, "rec").await;
    let mut expected = vec![(
        "alice".to_owned(),
        4,
        json!({"commit": 3, "pull_request_opened": 1}),
    )];
    // Ties by contributor id: bob, carol, botanist were added in that order.
    expected.push(("bob".into(), 1, json!({"issue_opened": 1})));
    expected.push(("anonymous".into(), 1, json!({"commit": 1})));
    expected.push(("botanist".into(), 1, json!({"commit": 1})));
    assert_eq!(lines(&items), expected);
    let alice_line = &items[0];
    assert_eq!(alice_line["contributor"]["id"], alice);
    assert_eq!(alice_line["contributor"]["name"], "alice (name)");
    assert_eq!(
        alice_line["contributor"]["html_url"],
        "https://github.com/alice"
    );
    assert_eq!(alice_line["contributor"]["is_bot"], false);
    let first = alice_line["first_contribution_at"].as_str().unwrap();
    let last = alice_line["last_contribution_at"].as_str().unwrap();
    assert!(first.starts_with("2026-11-01T12:01:00"), "{first}");
    assert!(last.starts_with("2026-11-01T12:04:00"), "{last}");
    // The person without GitHub: nothing identifying, never the hash.
    let anonymous = &items[2]["contributor"];
    assert_eq!(anonymous["id"], carol);
    for field in ["login", "name", "avatar_url", "html_url"] {
        assert_eq!(anonymous[field], Value::Null, "{field}");
    }
    let everything = serde_json::to_string(&items).unwrap();
    assert!(!everything.contains("carol-email-hash"));
    assert!(!everything.contains("Carol Private"));
    assert!(
        !everything.contains("dependabot"),
        "bots are out by default"
    );

    // The feed: the same rules, newest first; sha1 once for alice after the merge.
    let feed = activity(&app, "/api/v1/projects/rec/activity").await;
    let keys: Vec<(String, String)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["contributor"]["login"]
                    .as_str()
                    .unwrap_or("anonymous")
                    .to_owned(),
                i["url"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let expect = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        keys,
        expect(&[
            ("botanist", "sha8"),
            ("anonymous", "sha6"),
            ("bob", "issue1"),
            ("alice", "sha3"),
            ("alice", "pr1:opened"),
            ("alice", "sha2"),
            ("alice", "sha1"),
        ])
    );
    let item = &feed["items"][3];
    assert_eq!(item["kind"], "commit");
    assert_eq!(item["repository"], "org/main");
    assert_eq!(item["title"], "commit sha3");
    assert_eq!(item["recorded"], false);
    assert_eq!(item["description"], Value::Null);
    assert_eq!(
        item["contributor"]["id"], alice,
        "credited to the merge's into"
    );
    let commits = activity(&app, "/api/v1/projects/rec/activity?kind=commit").await;
    assert_eq!(commits["items"].as_array().unwrap().len(), 5);
    assert!(
        commits["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "commit")
    );
    let res = app.get("/api/v1/projects/rec/activity?kind=closed").await;
    assert_problem(res, 400, "invalid_query").await;

    // The switch: bots count, in both the list and the feed, once a maintainer says so.
    let res = app
        .send_json_as(
            Method::PATCH,
            "/api/v1/projects/rec",
            &owner.token,
            &json!({"count_bots": true}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["count_bots"], true);
    let with_bots = lines(&contributors_of(&app, "rec").await);
    assert!(
        with_bots.contains(&("dependabot[bot]".into(), 1, json!({"commit": 1}))),
        "{with_bots:?}"
    );
    let feed = activity(&app, "/api/v1/projects/rec/activity").await;
    assert_eq!(feed["items"][0]["contributor"]["login"], "botanist");
    assert_eq!(feed["items"][1]["contributor"]["login"], "dependabot[bot]");
    assert_eq!(feed["items"][1]["contributor"]["is_bot"], true);

    // Undoing the merge restores the two lines; relinking brings the fork's commit back.
    diesel::update(identity_merges::table)
        .set(identity_merges::undone_at.eq(Some(t0())))
        .execute(&mut app.conn())
        .unwrap();
    let res = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/rec/repositories",
            &owner.token,
            &json!({"full_name": "org/fork"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let after = lines(&contributors_of(&app, "rec").await);
    assert_eq!(
        after[0],
        (
            "alice".into(),
            3,
            json!({"commit": 2, "pull_request_opened": 1})
        )
    );
    assert!(after.contains(&("alice-work".into(), 2, json!({"commit": 2}))));
    assert!(after.contains(&("bob".into(), 2, json!({"commit": 1, "issue_opened": 1}))));

    // Another project sees none of it; an unknown one is 404.
    project(&app, "other", &[]).await;
    assert!(contributors_of(&app, "other").await.is_empty());
    let res = app.get("/api/v1/projects/nope/contributors").await;
    assert_problem(res, 404, "not_found").await;
    let res = app.get("/api/v1/projects/nope/activity").await;
    assert_problem(res, 404, "not_found").await;
}

/// Pages through `path` (which has a `?`) with `limit`, collecting every item.
async fn all_pages(app: &TestApp, path: &str, limit: u32) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&limit={limit}&cursor={c}"),
            None => format!("{path}&limit={limit}"),
        };
        let body = activity(app, &url).await;
        pages += 1;
        let page = body["items"].as_array().unwrap();
        assert!(page.len() <= limit as usize);
        items.extend(page.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 100, "no end");
    }
    (items, pages)
}

#[tokio::test]
async fn pages_are_stable_through_ties() {
    let app = spawn_app().await;
    let (owner, p, repos) = project(&app, "ties", &["org/ties"]).await;
    // Seven people with one commit each at the same instant, two with three.
    let mut people = Vec::new();
    for n in 0..9 {
        people.push(github_person(&app, 200 + n, &format!("person{n}"), false));
    }
    for (n, who) in people.iter().enumerate() {
        let commits = if n == 4 || n == 7 { 3 } else { 1 };
        for c in 0..commits {
            credit(&app, p, repos[0], *who, "commit", &format!("s{n}-{c}"), 0);
        }
    }
    // A write of this process, so the list is built from the rows above.
    let res = app
        .send_json_as(
            Method::PATCH,
            "/api/v1/projects/ties",
            &owner.token,
            &json!({"summary": "ties"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);

    let (items, pages) = all_pages(&app, "/api/v1/projects/ties/contributors?x=1", 2).await;
    assert_eq!(pages, 5);
    let order: Vec<(i64, i64)> = items
        .iter()
        .map(|i| {
            (
                i["contributor"]["id"].as_i64().unwrap(),
                i["total"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut expected: Vec<(i64, i64)> = people
        .iter()
        .enumerate()
        .map(|(n, id)| (*id, if n == 4 || n == 7 { 3 } else { 1 }))
        .collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(order, expected);

    // The feed: 13 items at one instant, paged by id below it, each once.
    let (items, pages) = all_pages(&app, "/api/v1/projects/ties/activity?x=1", 4).await;
    assert_eq!(pages, 4);
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(
        ids, sorted,
        "newest (highest id at one instant) first, none twice"
    );
    assert_eq!(ids.len(), 13);

    // Limits and cursors: out of range → 400; a cursor of the right shape is a place.
    for bad in ["limit=0", "limit=101"] {
        let res = app
            .get(&format!("/api/v1/projects/ties/contributors?{bad}"))
            .await;
        assert_problem(res, 400, "invalid_parameter").await;
    }
    for bad in ["abc", "1.2.3", "A.1"] {
        let res = app
            .get(&format!("/api/v1/projects/ties/activity?cursor={bad}"))
            .await;
        assert_problem(res, 400, "invalid_cursor").await;
    }
    let body = activity(&app, "/api/v1/projects/ties/contributors?cursor=0.0").await;
    assert_eq!(body["items"], json!([]));
}

async fn record(app: &TestApp, token: &str, slug: &str, body: &Value) -> reqwest::Response {
    app.send_json_as(
        Method::POST,
        &format!("/api/v1/projects/{slug}/contributions"),
        token,
        body,
    )
    .await
}

fn stored(app: &TestApp) -> i64 {
    contributions::table
        .filter(contributions::repository_id.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn maintainers_record_non_code_work_that_counts_and_shows() {
    let app = spawn_app().await;
    let (owner, p, repos) = project(&app, "work", &["org/work"]).await;
    let alice = github_person(&app, 301, "Alice", false);
    credit(&app, p, repos[0], alice, "commit", "a1", 0);

    // Cached first, so the recording below must make the list stale.
    let before = lines(&contributors_of(&app, "work").await);
    assert_eq!(before, vec![("Alice".into(), 1, json!({"commit": 1}))]);

    let res = record(
        &app,
        &owner.token,
        "work",
        &json!({
            "kind": "data",
            "contributor": {"contributor_id": alice},
            "occurred_on": "2026-11-20",
            "description": "  Deduplicated the crawl  ",
            "url": "https://example.org/crawl"
        }),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["kind"], "data");
    assert_eq!(created["recorded"], true);
    assert_eq!(created["repository"], Value::Null);
    assert_eq!(created["title"], Value::Null);
    assert_eq!(created["description"], "Deduplicated the crawl");
    assert_eq!(created["occurred_at"], "2026-11-20T00:00:00Z");
    assert_eq!(created["contributor"]["login"], "Alice");
    let (recorded_by, source_key): (Option<i64>, String) = contributions::table
        .find(created["id"].as_i64().unwrap())
        .select((contributions::recorded_by, contributions::source_key))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(recorded_by, Some(owner.id));
    assert!(source_key.starts_with("recorded:"), "{source_key}");

    // Counted at once (the cache went stale with the write), and in the feed.
    assert_eq!(
        lines(&contributors_of(&app, "work").await),
        vec![("Alice".into(), 2, json!({"commit": 1, "data": 1}))]
    );
    let feed = activity(&app, "/api/v1/projects/work/activity?kind=data").await;
    assert_eq!(feed["items"][0], created);

    // By GitHub login, any case.
    let res = record(
        &app,
        &owner.token,
        "work",
        &json!({"kind": "security", "contributor": {"github_login": "alice"},
                "occurred_on": "2026-11-21", "description": "Red-teamed the 7B model"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(
        res.json::<Value>().await.unwrap()["contributor"]["id"],
        alice
    );

    // A login GitHub has not shown yet but an OpenFund account signed in with: its
    // identity is added, claimed by the account.
    let dana = app.insert_account("dana@example.org", true, false);
    diesel::update(users::table.find(dana))
        .set((
            users::github_id.eq(Some(9001_i64)),
            users::github_login.eq(Some("dana-gh")),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let res = record(
        &app,
        &owner.token,
        "work",
        &json!({"kind": "community", "contributor": {"github_login": "Dana-GH"},
                "occurred_on": "2026-11-22", "description": "Ran the reading group"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["contributor"]["login"], "dana-gh");
    let (github_id, user_id): (Option<i64>, Option<i64>) = contributors::table
        .find(body["contributor"]["id"].as_i64().unwrap())
        .select((contributors::github_user_id, contributors::user_id))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((github_id, user_id), (Some(9001), Some(dana)));

    // Nobody known: 422 naming the field, nothing stored.
    let count = stored(&app);
    let res = record(
        &app,
        &owner.token,
        "work",
        &json!({"kind": "doc", "contributor": {"github_login": "stranger"},
                "occurred_on": "2026-11-22", "description": "Docs"}),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "contributor.github_login");
    assert_eq!(problem["errors"][0]["code"], "unknown_contributor");
    let res = record(
        &app,
        &owner.token,
        "work",
        &json!({"kind": "doc", "contributor": {"contributor_id": 999_999},
                "occurred_on": "2026-11-22", "description": "Docs"}),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "contributor.contributor_id");
    assert_eq!(stored(&app), count);

    // Every broken rule at once.
    let res = record(
        &app,
        &owner.token,
        "work",
        &json!({"kind": "commit", "contributor": {"contributor_id": alice, "github_login": "alice"},
                "occurred_on": "2026-02-30", "description": "", "url": "ftp://example.org"}),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("kind", "not_recordable"),
            ("contributor", "one_of"),
            ("occurred_on", "format"),
            ("description", "required"),
            ("url", "format"),
        ]
    );
    let res = record(
        &app,
        &owner.token,
        "work",
        &json!({"kind": "data", "contributor": {}, "occurred_on": 20261122, "description": "x"}),
    )
    .await;
    assert_problem(res, 422, "invalid_body").await;
    assert_eq!(stored(&app), count);

    // Deleting: recorded work only, of this project.
    let id = created["id"].as_i64().unwrap();
    let github_item = contributions::table
        .filter(contributions::source_key.eq("a1"))
        .select(contributions::id)
        .first::<i64>(&mut app.conn())
        .unwrap();
    let res = app
        .send_json_as(
            Method::DELETE,
            &format!("/api/v1/projects/work/contributions/{github_item}"),
            &owner.token,
            &json!({}),
        )
        .await;
    assert_problem(res, 409, "not_recorded").await;
    let (other_owner, _, _) = project(&app, "elsewhere", &[]).await;
    let res = app
        .send_json_as(
            Method::DELETE,
            &format!("/api/v1/projects/elsewhere/contributions/{id}"),
            &other_owner.token,
            &json!({}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .send_json_as(
            Method::DELETE,
            &format!("/api/v1/projects/work/contributions/{id}"),
            &owner.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    let res = app
        .send_json_as(
            Method::DELETE,
            &format!("/api/v1/projects/work/contributions/{id}"),
            &owner.token,
            &json!({}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    assert_eq!(
        lines(&contributors_of(&app, "work").await)[0],
        ("Alice".into(), 2, json!({"commit": 1, "security": 1}))
    );
}

#[tokio::test]
async fn a_double_submit_with_one_key_records_once() {
    let app = spawn_app().await;
    let (owner, p, repos) = project(&app, "idem", &["org/idem"]).await;
    let alice = github_person(&app, 401, "alice", false);
    credit(&app, p, repos[0], alice, "commit", "c1", 0);
    let body = json!({"kind": "evaluation", "contributor": {"contributor_id": alice},
                      "occurred_on": "2026-11-02", "description": "Ran the evals"});
    let send = |body: Value, key: &'static str| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            app.client
                .post(app.url("/api/v1/projects/idem/contributions"))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(body.clone(), "k-1").await;
    assert_eq!(first.status().as_u16(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = first.text().await.unwrap();
    let again = send(body.clone(), "k-1").await;
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), first);
    assert_eq!(stored(&app), 1);
    let mut changed = body.clone();
    changed["description"] = json!("Ran other evals");
    assert_problem(send(changed, "k-1").await, 409, "idempotency_key_reused").await;
    assert_eq!(send(body.clone(), "k-2").await.status().as_u16(), 201);
    assert_eq!(stored(&app), 2);
    let bad = app
        .client
        .post(app.url("/api/v1/projects/idem/contributions"))
        .bearer_auth(&owner.token)
        .header("Idempotency-Key", "has space")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(bad, 400, "invalid_idempotency_key").await;
    assert_eq!(stored(&app), 2);
}

#[tokio::test]
async fn only_the_projects_editors_record_and_delete() {
    let app = spawn_app().await;
    let (owner, p, repos) = project(&app, "perm", &["org/perm"]).await;
    let alice = github_person(&app, 501, "alice", false);
    credit(&app, p, repos[0], alice, "commit", "c1", 0);
    let body = json!({"kind": "design", "contributor": {"contributor_id": alice},
                      "occurred_on": "2026-11-02", "description": "Drew the logo"});

    // A signed-in stranger and a sponsor of the project: 403; nobody: 401.
    let stranger = app.user().await;
    let sponsor = app.user().await;
    let res = app
        .client
        .post(app.url("/api/v1/projects/perm/pledges"))
        .bearer_auth(&sponsor.token)
        .header("Idempotency-Key", "pledge-1")
        .json(&json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 500}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    for who in [&stranger, &sponsor] {
        assert_problem(
            record(&app, &who.token, "perm", &body).await,
            403,
            "forbidden",
        )
        .await;
    }
    let res = app
        .post_json("/api/v1/projects/perm/contributions", &body)
        .await;
    assert_problem(res, 401, "unauthenticated").await;
    assert_eq!(stored(&app), 0);

    // A maintainer may; then strangers may not delete it.
    let maintainer = app.user().await;
    let res = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/perm/members",
            &owner.token,
            &json!({"user_id": maintainer.id, "role": "maintainer"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let res = record(&app, &maintainer.token, "perm", &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/perm/contributions/{id}");
    for who in [&stranger, &sponsor] {
        let res = app
            .send_json_as(Method::DELETE, &path, &who.token, &json!({}))
            .await;
        assert_problem(res, 403, "forbidden").await;
    }
    assert_eq!(stored(&app), 1);

    // The bot switch is a setting: strangers cannot turn it on.
    let res = app
        .send_json_as(
            Method::PATCH,
            "/api/v1/projects/perm",
            &stranger.token,
            &json!({"count_bots": true}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .send_json_as(
            Method::PATCH,
            "/api/v1/projects/perm",
            &owner.token,
            &json!({"count_bots": null}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "count_bots");
}

/// The contributors list and the feed on a project with 150,000 contributions by 500
/// people (eight kinds, a fork's worth of commits in an unlinked repository, merges, a
/// bot): how long the list takes to build, then cached, and the feed's pages. Prints
/// the figures for docs/performance.md; run with
/// `cargo test --test api -- --ignored --nocapture contributors_at_scale` (and with
/// `OPENFUND_TEST_BACKEND=postgres`).
#[tokio::test]
#[ignore = "a measurement (150,000 rows), not a check; see docs/performance.md"]
async fn contributors_at_scale() {
    use openfund::domain::ids::{ContributorId, ProjectId, RepositoryId};
    use openfund::store::contributions::{NewContribution, insert_contributions};
    use std::time::Instant;

    const ROWS: i64 = 150_000;
    const PEOPLE: i64 = 500;
    let app = spawn_app().await;
    let (owner, p, repos) = project(&app, "big", &["org/big", "org/gone"]).await;
    let mut people = Vec::new();
    for n in 0..PEOPLE {
        people.push(github_person(&app, 10_000 + n, &format!("dev{n}"), n == 0));
    }
    let kinds = [
        "commit",
        "commit",
        "commit",
        "pull_request_opened",
        "pull_request_merged",
        "pull_request_review",
        "issue_opened",
        "issue_comment",
    ];
    let res = app
        .send_json_as(
            Method::DELETE,
            "/api/v1/projects/big/repositories/org/gone",
            &owner.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    let seeded = Instant::now();
    let mut conn = app.conn();
    let rows: Vec<NewContribution> = (0..ROWS)
        .map(|i| {
            // A skewed spread: low-numbered people do most of the work.
            let who = people[((i * i) % (PEOPLE * PEOPLE) / PEOPLE) as usize];
            NewContribution {
                project_id: ProjectId(p),
                repository_id: Some(RepositoryId(repos[usize::from(i % 20 == 0)])),
                contributor_id: ContributorId(who),
                kind: kinds[(i % 8) as usize].to_owned(),
                source_key: format!("item-{i}"),
                occurred_at: t0() + Duration::seconds(i * 37),
                title: Some(format!("Item {i}")),
                url: Some(format!("https://github.com/org/big/commit/{i}")),
                recorded_by: None,
                created_at: t0(),
            }
        })
        .collect();
    diesel::sql_query("BEGIN").execute(&mut conn).unwrap();
    insert_contributions(&mut conn, &rows).unwrap();
    diesel::sql_query("COMMIT").execute(&mut conn).unwrap();
    for n in 1..20 {
        merge(&app, p, people[n * 20 + 1], people[n * 20], owner.id);
    }
    if crate::helpers::backend() == openfund::db::Backend::Postgres {
        diesel::sql_query("ANALYZE").execute(&mut conn).unwrap();
    }
    let seeded = seeded.elapsed();
    // A request of a new connection after the long seeding (the server closed idle ones),
    // which also makes the list stale: a write of this process.
    let res = reqwest::Client::new()
        .patch(app.url("/api/v1/projects/big"))
        .bearer_auth(&owner.token)
        .json(&json!({"summary": "big"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    let time = |path: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let res = reqwest::Client::new()
                .get(app.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200);
            let body: Value = res.json().await.unwrap();
            (started.elapsed(), body)
        }
    };
    let (cold, first) = time("/api/v1/projects/big/contributors?limit=100").await;
    let mut cached = Vec::new();
    for _ in 0..20 {
        cached.push(time("/api/v1/projects/big/contributors?limit=100").await.0);
    }
    cached.sort();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let started = Instant::now();
    let res = app
        .get(&format!(
            "/api/v1/projects/big/contributors?limit=100&cursor={cursor}"
        ))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let second_page = started.elapsed();
    let (feed, page) = time("/api/v1/projects/big/activity?limit=50").await;
    let mut feed_times = Vec::new();
    for _ in 0..20 {
        feed_times.push(time("/api/v1/projects/big/activity?limit=50").await.0);
    }
    feed_times.sort();
    let (rare, _) = time("/api/v1/projects/big/activity?limit=50&kind=release").await;
    assert!(page["next_cursor"].is_string());

    let total: i64 = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["total"].as_i64().unwrap())
        .sum();
    eprintln!(
        "contributors_at_scale on {:?}: {ROWS} rows seeded in {seeded:?}; list built (first \
         request) {cold:?}; cached p50 {:?} max {:?}; second page {second_page:?}; feed \
         first page {feed:?} (then p50 {:?}); a kind with no rows (whole-index scan) {rare:?}; \
         top 100 hold {total} contributions",
        crate::helpers::backend(),
        cached[10],
        cached[19],
        feed_times[10],
    );
    assert!(
        cached[10] * 10 < cold,
        "the cached list is not much faster than building it: {cold:?} vs {:?}",
        cached[10]
    );
}
