//! The `process_webhook` job on both backends: each handled event credits the right
//! people (payloads shaped like GitHub's, with nulls, the `ghost`, an organisation
//! sender and a bot), the repository's GitHub id and default branch are learned, the
//! same content redelivered under ten GUIDs at once is credited once, a push to another
//! branch credits nothing, a 5 MB push is credited in full, a malformed payload fails
//! for good with its reason recorded, and a repository unlinked before processing
//! credits nothing.

use std::time::Duration;

use diesel::prelude::*;
use openfund::app::webhook_processing::{Processed, process};
use openfund::db::Db;
use openfund::db::schema::{contributions, contributors, jobs, repositories, webhook_deliveries};
use openfund::domain::ids::WebhookDeliveryId;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with, wait_until};
use crate::webhooks::{Delivery, compact, linked, push, receipt};

const SHA: &str = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

/// (kind, item, login, GitHub id, bot) of every credit, sorted.
type Credit = (String, String, Option<String>, Option<i64>, bool);

fn credits(app: &TestApp) -> Vec<Credit> {
    let mut rows: Vec<Credit> = contributions::table
        .inner_join(contributors::table)
        .select((
            contributions::kind,
            contributions::source_key,
            contributors::login,
            contributors::github_user_id,
            contributors::is_bot,
        ))
        .load(&mut app.conn())
        .unwrap();
    rows.sort();
    rows
}

fn credit(kind: &str, key: &str, login: Option<&str>, id: Option<i64>, bot: bool) -> Credit {
    (kind.into(), key.into(), login.map(Into::into), id, bot)
}

/// Waits until every `process_webhook` job has ended; returns their states.
async fn jobs_ended(app: &TestApp, expected: usize) -> Vec<String> {
    wait_until(
        "the webhook jobs to end",
        Duration::from_secs(60),
        || async {
            let states: Vec<String> = jobs::table
                .filter(jobs::kind.eq("process_webhook"))
                .select(jobs::state)
                .load(&mut app.conn())
                .unwrap();
            states.len() == expected && states.iter().all(|s| s == "done" || s == "failed")
        },
    )
    .await;
    jobs::table
        .filter(jobs::kind.eq("process_webhook"))
        .select(jobs::state)
        .load(&mut app.conn())
        .unwrap()
}

/// (processed, error) of every delivery, by id.
fn outcomes(app: &TestApp) -> Vec<(bool, Option<String>)> {
    webhook_deliveries::table
        .order(webhook_deliveries::id)
        .select((
            webhook_deliveries::processed_at.is_not_null(),
            webhook_deliveries::error,
        ))
        .load(&mut app.conn())
        .unwrap()
}

fn repo(full_name: &str) -> Value {
    json!({
        "id": 186853002, "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
        "name": full_name.split('/').nth(1).unwrap(), "full_name": full_name, "private": false,
        "owner": {"login": "org", "id": 9, "type": "Organization"},
        "description": null, "homepage": null, "license": null, "default_branch": "main"
    })
}

fn user(id: i64, login: &str, kind: &str) -> Value {
    json!({
        "login": login, "id": id, "node_id": "MDQ6VXNlcjE=", "type": kind, "site_admin": false,
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "html_url": format!("https://github.com/{login}"), "gravatar_id": ""
    })
}

fn pull_request(action: &str, merged_at: Option<&str>, full_name: &str) -> Value {
    json!({
        "action": action,
        "number": 7,
        "pull_request": {
            "id": 9001, "number": 7, "state": if action == "opened" { "open" } else { "closed" },
            "title": "Add an evaluation harness", "body": null,
            "html_url": format!("https://github.com/{full_name}/pull/7"),
            "user": user(501, "prauthor", "User"),
            "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-02T10:00:00Z",
            "closed_at": merged_at, "merged_at": merged_at, "merged": merged_at.is_some(),
            "merged_by": merged_at.map(|_| user(9, "org", "Organization")),
            "milestone": null, "assignee": null, "requested_reviewers": [],
            "head": {"ref": "feature", "sha": SHA}, "base": {"ref": "main"}
        },
        "repository": repo(full_name),
        "organization": {"login": "org", "id": 9},
        "sender": user(9, "org", "Organization")
    })
}

#[tokio::test]
async fn each_handled_event_credits_the_right_people() {
    let app = spawn_app().await;
    let full_name = "org/credit";
    let secret = linked(&app, "credit", full_name).await;
    let ghost = user(10137891, "ghost", "User");
    let bot = user(49699333, "dependabot[bot]", "Bot");
    let deliveries: Vec<(&str, Value)> = vec![
        ("push", {
            let mut p = push(full_name);
            p["repository"] = repo(full_name);
            p
        }),
        ("pull_request", pull_request("opened", None, full_name)),
        (
            "pull_request",
            pull_request("closed", Some("2026-12-03T10:00:00Z"), full_name),
        ),
        (
            "pull_request_review",
            json!({
                "action": "submitted",
                "review": {"id": 9101, "user": bot, "body": null, "state": "approved",
                           "submitted_at": "2026-12-02T12:00:00Z", "commit_id": SHA,
                           "html_url": format!("https://github.com/{full_name}/pull/7#pullrequestreview-9101")},
                "pull_request": {"id": 9001, "number": 7, "user": user(501, "prauthor", "User")},
                "repository": repo(full_name), "sender": bot
            }),
        ),
        (
            "issues",
            json!({
                "action": "opened",
                "issue": {"id": 9201, "number": 8, "title": "Tokenizer drops emoji", "body": null,
                          "user": user(601, "issuer", "User"), "labels": [], "assignee": null,
                          "created_at": "2026-12-04T09:00:00Z", "closed_at": null,
                          "html_url": format!("https://github.com/{full_name}/issues/8")},
                "repository": repo(full_name), "organization": {"login": "org", "id": 9},
                "sender": user(9, "org", "Organization")
            }),
        ),
        (
            "issue_comment",
            json!({
                "action": "created",
                "issue": {"id": 9201, "number": 8, "user": user(601, "issuer", "User"), "pull_request": null},
                "comment": {"id": 9301, "user": ghost, "body": "old comment", "created_at": "2026-12-04T10:00:00Z"},
                "repository": repo(full_name), "sender": ghost
            }),
        ),
        (
            "issue_comment",
            json!({
                "action": "created",
                "issue": {"id": 9201, "number": 8, "user": user(601, "issuer", "User"), "pull_request": null},
                "comment": {"id": 9302, "user": user(602, "botanist", "User"), "body": null,
                            "created_at": "2026-12-04T11:00:00Z", "performed_via_github_app": null},
                "repository": repo(full_name), "sender": user(602, "botanist", "User")
            }),
        ),
        (
            "release",
            json!({
                "action": "published",
                "release": {"id": 9401, "tag_name": "v1.0", "name": null, "body": null, "draft": false,
                            "prerelease": false, "author": user(701, "releaser", "User"),
                            "created_at": "2026-12-05T09:00:00Z", "published_at": "2026-12-05T10:00:00Z"},
                "repository": repo(full_name), "sender": user(701, "releaser", "User")
            }),
        ),
        (
            "release",
            json!({
                "action": "released",
                "release": {"id": 9401, "tag_name": "v1.0", "name": null, "draft": false,
                            "author": user(701, "releaser", "User"), "published_at": "2026-12-05T10:00:00Z"},
                "repository": repo(full_name), "sender": user(701, "releaser", "User")
            }),
        ),
    ];
    for (event, body) in &deliveries {
        receipt(
            Delivery::signed(event, &secret, compact(body))
                .send(&app)
                .await,
            202,
            "queued",
        )
        .await;
    }
    let states = jobs_ended(&app, deliveries.len()).await;
    assert!(states.iter().all(|s| s == "done"), "{states:?}");
    assert!(
        outcomes(&app).iter().all(|(done, e)| *done && e.is_none()),
        "{:?}",
        outcomes(&app)
    );
    assert_eq!(
        credits(&app),
        vec![
            // The push's author is known by address and a login no account has yet;
            // the co-author by a noreply address.
            credit("commit", SHA, None, None, false),
            credit("commit", SHA, Some("alice"), Some(12345), false),
            credit("issue_comment", "9302", Some("botanist"), Some(602), false),
            credit("issue_opened", "9201", Some("issuer"), Some(601), false),
            credit(
                "pull_request_merged",
                "9001",
                Some("prauthor"),
                Some(501),
                false
            ),
            credit(
                "pull_request_opened",
                "9001",
                Some("prauthor"),
                Some(501),
                false
            ),
            credit(
                "pull_request_review",
                "9101",
                Some("dependabot[bot]"),
                Some(49699333),
                true
            ),
            credit("release", "9401", Some("releaser"), Some(701), false),
        ]
    );
    // What the payloads said about the repository is learned.
    let (github_id, branch): (Option<i64>, Option<String>) = repositories::table
        .select((repositories::github_id, repositories::default_branch))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(github_id, Some(186853002));
    assert_eq!(branch.as_deref(), Some("main"));
}

#[tokio::test]
async fn the_same_content_under_ten_guids_at_once_is_credited_once() {
    let app = spawn_app().await;
    let secret = linked(&app, "again", "org/again").await;
    let body = compact(&pull_request(
        "closed",
        Some("2026-12-03T10:00:00Z"),
        "org/again",
    ));
    let sends = (0..10).map(|_| {
        let d = Delivery::signed("pull_request", &secret, body.clone());
        let app = &app;
        async move { d.send(app).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    let states = jobs_ended(&app, 10).await;
    assert!(states.iter().all(|s| s == "done"), "{states:?}");
    assert_eq!(outcomes(&app).len(), 10);
    assert!(outcomes(&app).iter().all(|(done, _)| *done));
    assert_eq!(
        credits(&app),
        vec![
            credit(
                "pull_request_merged",
                "9001",
                Some("prauthor"),
                Some(501),
                false
            ),
            credit(
                "pull_request_opened",
                "9001",
                Some("prauthor"),
                Some(501),
                false
            ),
        ]
    );
    let people: i64 = contributors::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(people, 1);
}

#[tokio::test]
async fn a_push_to_another_branch_credits_nothing() {
    let app = spawn_app().await;
    let secret = linked(&app, "branches", "org/branches").await;
    let mut feature = push("org/branches");
    feature["ref"] = json!("refs/heads/feature/eval");
    let mut tag = push("org/branches");
    tag["ref"] = json!("refs/tags/main");
    for body in [&feature, &tag] {
        receipt(
            Delivery::signed("push", &secret, compact(body))
                .send(&app)
                .await,
            202,
            "queued",
        )
        .await;
    }
    let states = jobs_ended(&app, 2).await;
    assert!(states.iter().all(|s| s == "done"), "{states:?}");
    assert!(credits(&app).is_empty());
    assert_eq!(outcomes(&app), vec![(true, None), (true, None)]);

    // The same commits pushed to the default branch (not distinct any more: they were
    // pushed before) are credited.
    let mut merged = push("org/branches");
    merged["commits"][0]["distinct"] = json!(false);
    receipt(
        Delivery::signed("push", &secret, compact(&merged))
            .send(&app)
            .await,
        202,
        "queued",
    )
    .await;
    jobs_ended(&app, 3).await;
    assert_eq!(credits(&app).len(), 2);
}

#[tokio::test]
async fn a_5_mb_push_is_credited_in_full() {
    let app = spawn_app().await;
    let secret = linked(&app, "bigpush", "org/monorepo").await;
    let mut payload = push("org/monorepo");
    let commit = payload["commits"][0].clone();
    let mut commits = Vec::new();
    let mut size = 0;
    while size < 5_000_000 {
        let mut c = commit.clone();
        c["id"] = json!(format!("{:040x}", commits.len() + 1));
        c["modified"] = json!(
            (0..200)
                .map(|i| format!("src/module_{}/file_{i}.py", commits.len()))
                .collect::<Vec<_>>()
        );
        size += compact(&c).len();
        commits.push(c);
    }
    let n = commits.len();
    payload["commits"] = json!(commits);
    let raw = compact(&payload);
    assert!(raw.len() > 5_000_000);
    receipt(
        Delivery::signed("push", &secret, raw).send(&app).await,
        202,
        "queued",
    )
    .await;
    let states = jobs_ended(&app, 1).await;
    assert_eq!(states, ["done"]);
    let stored: i64 = contributions::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    // Each commit credits its author and its co-author.
    assert_eq!(stored, 2 * n as i64);
}

#[tokio::test]
async fn a_malformed_payload_fails_for_good_with_its_reason() {
    let app = spawn_app().await;
    let secret = linked(&app, "malformed", "org/malformed").await;
    // Accepted by the intake (a JSON object naming the repository), but not what the
    // event says.
    let bodies = [
        (
            "issues",
            json!({"action": "opened", "issue": {"id": "nine"}, "repository": repo("org/malformed")}),
        ),
        (
            "pull_request",
            json!({"action": "opened", "repository": repo("org/malformed")}),
        ),
    ];
    for (event, body) in &bodies {
        receipt(
            Delivery::signed(event, &secret, compact(body))
                .send(&app)
                .await,
            202,
            "queued",
        )
        .await;
    }
    let states = jobs_ended(&app, 2).await;
    assert_eq!(states, ["failed", "failed"]);
    let got = outcomes(&app);
    assert!(!got[0].0 && !got[1].0, "not processed: {got:?}");
    assert!(
        got[0]
            .1
            .as_deref()
            .unwrap()
            .starts_with("malformed issues payload"),
        "{got:?}"
    );
    assert_eq!(
        got[1].1.as_deref(),
        Some("malformed pull_request payload: no pull_request object")
    );
    assert!(credits(&app).is_empty());
}

#[tokio::test]
async fn a_repository_unlinked_before_processing_credits_nothing() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let secret = linked(&app, "unlinked", "org/unlinked").await;
    let d = Delivery::signed(
        "pull_request",
        &secret,
        compact(&pull_request("opened", None, "org/unlinked")),
    );
    receipt(d.send(&app).await, 202, "queued").await;
    diesel::update(repositories::table)
        .set(repositories::unlinked_at.eq(Some(openfund::db::now())))
        .execute(&mut app.conn())
        .unwrap();
    let id: i64 = webhook_deliveries::table
        .select(webhook_deliveries::id)
        .first(&mut app.conn())
        .unwrap();
    let db = Db::new(app.database_url.clone(), 2).unwrap();
    let done = process(&db, WebhookDeliveryId(id)).await.unwrap();
    assert_eq!(
        done,
        Processed::NotCounted("the repository is no longer linked")
    );
    assert_eq!(outcomes(&app), vec![(true, None)]);
    assert!(credits(&app).is_empty());
    // Processing again does nothing.
    assert_eq!(
        process(&db, WebhookDeliveryId(id)).await.unwrap(),
        Processed::AlreadyProcessed
    );
}
