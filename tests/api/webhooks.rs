//! `POST /api/v1/webhooks/github`: GitHub's published signature vector over HTTP, a
//! re-serialised body refused, bad/missing/SHA-1-only signatures refused with nothing
//! stored, an unknown repository answered like a wrong signature, ten concurrent
//! redeliveries stored once, a 5 MB push accepted and a 30 MB body refused, unknown
//! events ignored, malformed payloads 400, and real-world payload oddities (nulls, the
//! `ghost` user, organisation and bot senders) accepted. Run on both backends.

use diesel::prelude::*;
use openfund::db::schema::{jobs, repositories, webhook_deliveries};
use openfund::domain::github::signature::sign;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};

const PATH: &str = "/api/v1/webhooks/github";
/// GitHub's published test secret ("Validating webhook deliveries").
const GITHUB_SECRET: &str = "It's a Secret to Everybody";

/// A project `slug` owned by a new user, with `full_name` linked; returns the secret
/// the link answered with.
pub async fn linked(app: &TestApp, slug: &str, full_name: &str) -> String {
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Webhook Test", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let res = app
        .send_json_as(
            Method::POST,
            &format!("/api/v1/projects/{slug}/repositories"),
            &owner.token,
            &json!({ "full_name": full_name }),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.unwrap();
    body["webhook_secret"].as_str().unwrap().to_owned()
}

/// Overwrites `full_name`'s secret with GitHub's published one. That secret has 26
/// characters, under the 32 the schema asks of the secrets this server generates, so
/// the CHECK is set aside for this one write (SQLite: `ignore_check_constraints` on
/// this connection; PostgreSQL: the constraint is dropped in this test's database).
fn use_githubs_secret(app: &TestApp, full_name: &str) {
    let mut conn = app.conn();
    match &mut conn {
        openfund::db::AnyConnection::Sqlite(c) => {
            diesel::sql_query("PRAGMA ignore_check_constraints = ON")
                .execute(c)
                .unwrap();
        }
        openfund::db::AnyConnection::Postgresql(c) => {
            diesel::sql_query(
                "ALTER TABLE repositories DROP CONSTRAINT repositories_webhook_secret_check",
            )
            .execute(c)
            .unwrap();
        }
    }
    let n = diesel::update(
        repositories::table.filter(repositories::full_name_key.eq(full_name.to_lowercase())),
    )
    .set(repositories::webhook_secret.eq(GITHUB_SECRET))
    .execute(&mut conn)
    .unwrap();
    assert_eq!(n, 1);
}

/// A delivery: `body` exactly as given, with these headers (`None` leaves one out).
pub struct Delivery<'a> {
    pub event: Option<&'a str>,
    pub guid: Option<String>,
    sha256: Option<String>,
    sha1: Option<&'a str>,
    content_type: &'a str,
    body: Vec<u8>,
}

impl<'a> Delivery<'a> {
    /// `body` signed with `secret`, as GitHub sends it.
    pub fn signed(event: &'a str, secret: &str, body: Vec<u8>) -> Delivery<'a> {
        Delivery {
            event: Some(event),
            guid: Some(guid()),
            sha256: Some(sign(secret.as_bytes(), &body)),
            sha1: Some("sha1=0000000000000000000000000000000000000000"),
            content_type: "application/json",
            body,
        }
    }

    pub async fn send(&self, app: &TestApp) -> reqwest::Response {
        let mut req = app
            .client
            .post(app.url(PATH))
            .header("content-type", self.content_type)
            .header("user-agent", "GitHub-Hookshot/abc123")
            .body(self.body.clone());
        if let Some(e) = self.event {
            req = req.header("x-github-event", e);
        }
        if let Some(g) = &self.guid {
            req = req.header("x-github-delivery", g);
        }
        if let Some(s) = &self.sha256 {
            req = req.header("x-hub-signature-256", s);
        }
        if let Some(s) = self.sha1 {
            req = req.header("x-hub-signature", s);
        }
        req.send().await.expect("request failed")
    }
}

pub fn guid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    format!(
        "72d3162e-cc78-11e3-81ab-{:012x}",
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A `push` payload for `full_name`, shaped like GitHub's (compact JSON, as GitHub
/// sends it).
pub fn push(full_name: &str) -> Value {
    json!({
        "ref": "refs/heads/main",
        "before": "0000000000000000000000000000000000000000",
        "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        "repository": {
            "id": 186853002,
            "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
            "name": full_name.split('/').nth(1).unwrap(),
            "full_name": full_name,
            "private": false,
            "owner": {"login": full_name.split('/').next().unwrap(), "id": 21031067, "type": "Organization"},
            "description": null,
            "homepage": null,
            "default_branch": "main"
        },
        "pusher": {"name": "octocat", "email": "octocat@github.com"},
        "sender": {"login": "octocat", "id": 21031067, "type": "User", "site_admin": false},
        "created": false,
        "deleted": false,
        "forced": false,
        "base_ref": null,
        "compare": "https://github.com/o/r/compare/000000000000...6113728f27ae",
        "commits": [{
            "id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            "tree_id": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            "distinct": true,
            "message": "Add a thing\n\nCo-authored-by: Alice <12345+alice@users.noreply.github.com>",
            "timestamp": "2026-12-07T10:00:00Z",
            "author": {"name": "Octo Cat", "email": "octocat@github.com", "username": "octocat"},
            "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
            "added": [], "removed": [], "modified": ["README.md"]
        }],
        "head_commit": null
    })
}

pub fn compact(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn stored(app: &TestApp) -> Vec<(String, String, Option<String>, String)> {
    webhook_deliveries::table
        .order(webhook_deliveries::id)
        .select((
            webhook_deliveries::delivery_guid,
            webhook_deliveries::event,
            webhook_deliveries::action,
            webhook_deliveries::payload,
        ))
        .load(&mut app.conn())
        .unwrap()
}

pub fn webhook_jobs(app: &TestApp) -> Vec<(String, String)> {
    jobs::table
        .filter(jobs::kind.eq("process_webhook"))
        .select((jobs::state, jobs::payload))
        .load(&mut app.conn())
        .unwrap()
}

pub async fn receipt(res: reqwest::Response, status: u16, what: &str) -> Value {
    let got = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], what, "{v}");
    v
}

#[tokio::test]
async fn githubs_secret_verifies_a_real_payload_and_a_reserialised_one_fails() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    linked(&app, "vector", "Octo-Org/Hello.World").await;
    use_githubs_secret(&app, "Octo-Org/Hello.World");
    // The published vector itself, as a check of the helper the payloads are signed with.
    assert_eq!(
        sign(GITHUB_SECRET.as_bytes(), b"Hello, World!"),
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    );

    // The name in another case: GitHub names are case-insensitive.
    let payload = push("octo-org/hello.world");
    let raw = compact(&payload);
    let d = Delivery::signed("push", GITHUB_SECRET, raw.clone());
    let v = receipt(d.send(&app).await, 202, "queued").await;
    assert_eq!(v["delivery"], d.guid.clone().unwrap());
    assert_eq!(v["event"], "push");
    let rows = stored(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, d.guid.unwrap());
    assert_eq!(rows[0].1, "push");
    assert_eq!(rows[0].2, None);
    assert_eq!(
        rows[0].3.as_bytes(),
        &raw[..],
        "the body is stored byte for byte"
    );
    let jobs = webhook_jobs(&app);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].0, "queued");

    // The same JSON value re-serialised (other bytes) under the original signature.
    let pretty = serde_json::to_vec_pretty(&payload).unwrap();
    assert_ne!(pretty, raw);
    let mut resent = Delivery::signed("push", GITHUB_SECRET, raw.clone());
    resent.body = pretty;
    assert_problem(resent.send(&app).await, 401, "signature_mismatch").await;
    // Signed with another secret.
    let other = Delivery::signed("push", "It's a Secret to Everybody!", raw);
    assert_problem(other.send(&app).await, 401, "signature_mismatch").await;
    assert_eq!(stored(&app).len(), 1);
    assert_eq!(webhook_jobs(&app).len(), 1);
}

#[tokio::test]
async fn bad_missing_or_sha1_only_signatures_are_401_and_store_nothing() {
    let app = spawn_app().await;
    let secret = linked(&app, "sigs", "org/repo").await;
    let raw = compact(&push("org/repo"));
    let good = sign(secret.as_bytes(), &raw);
    let cases: Vec<(Option<String>, Option<&str>, &str)> = vec![
        (None, None, "signature_missing"),
        (
            None,
            Some("sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"),
            "signature_sha1_only",
        ),
        (Some(good.to_uppercase()), None, "signature_malformed"),
        (
            Some(good.replace("sha256=", "sha1=")),
            None,
            "signature_malformed",
        ),
        (
            Some(good[..good.len() - 1].to_owned()),
            None,
            "signature_malformed",
        ),
        (Some(String::new()), None, "signature_malformed"),
        (
            Some(format!("sha256={}", "0".repeat(64))),
            None,
            "signature_mismatch",
        ),
    ];
    for (sha256, sha1, code) in cases {
        let mut d = Delivery::signed("push", &secret, raw.clone());
        d.sha256 = sha256;
        d.sha1 = sha1;
        assert_problem(d.send(&app).await, 401, code).await;
    }
    assert!(stored(&app).is_empty());
    assert!(webhook_jobs(&app).is_empty());
    // The good one still goes through.
    let d = Delivery::signed("push", &secret, raw);
    receipt(d.send(&app).await, 202, "queued").await;
    assert_eq!(stored(&app).len(), 1);
}

#[tokio::test]
async fn an_unknown_or_unlinked_repository_is_answered_like_a_wrong_signature() {
    let app = spawn_app().await;
    let secret = linked(&app, "strangers", "org/linked").await;
    let res = Delivery::signed("push", &secret, compact(&push("org/elsewhere")))
        .send(&app)
        .await;
    let unknown: Value = {
        assert_eq!(res.status().as_u16(), 401);
        res.json().await.unwrap()
    };
    let res = Delivery::signed("push", "not the secret", compact(&push("org/linked")))
        .send(&app)
        .await;
    let wrong: Value = {
        assert_eq!(res.status().as_u16(), 401);
        res.json().await.unwrap()
    };
    assert_eq!(unknown, wrong, "nothing tells the two apart");
    assert_eq!(unknown["code"], "signature_mismatch");

    // Unlinked: its old secret no longer opens the door.
    diesel::update(repositories::table)
        .set(repositories::unlinked_at.eq(openfund::db::now()))
        .execute(&mut app.conn())
        .unwrap();
    assert_problem(
        Delivery::signed("push", &secret, compact(&push("org/linked")))
            .send(&app)
            .await,
        401,
        "signature_mismatch",
    )
    .await;
    assert!(stored(&app).is_empty());
}

#[tokio::test]
async fn a_renamed_repository_is_found_by_its_github_id() {
    let app = spawn_app().await;
    let secret = linked(&app, "renamed", "org/old-name").await;
    diesel::update(repositories::table)
        .set(repositories::github_id.eq(186853002_i64))
        .execute(&mut app.conn())
        .unwrap();
    // `push` carries repository.id 186853002 and the new name.
    let d = Delivery::signed("push", &secret, compact(&push("org/new-name")));
    receipt(d.send(&app).await, 202, "queued").await;
    assert_eq!(stored(&app).len(), 1);
}

#[tokio::test]
async fn ten_concurrent_redeliveries_store_one_row_and_queue_one_job() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let secret = linked(&app, "redeliver", "org/busy").await;
    let d = Delivery::signed("push", &secret, compact(&push("org/busy")));
    let answers = futures_util::future::join_all((0..10).map(|_| d.send(&app))).await;
    let mut queued = 0;
    for res in answers {
        assert_eq!(res.status().as_u16(), 202);
        let v: Value = res.json().await.unwrap();
        assert!(v["status"] == "queued" || v["status"] == "duplicate", "{v}");
        queued += usize::from(v["status"] == "queued");
    }
    assert_eq!(queued, 1);
    assert_eq!(stored(&app).len(), 1);
    assert_eq!(webhook_jobs(&app).len(), 1);
    // Later redeliveries (GitHub's "Redeliver" keeps the GUID) add nothing either.
    receipt(d.send(&app).await, 202, "duplicate").await;
    assert_eq!(stored(&app).len(), 1);
    assert_eq!(webhook_jobs(&app).len(), 1);
}

#[tokio::test]
async fn a_5_mb_push_is_accepted_and_a_30_mb_body_is_413() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let secret = linked(&app, "big", "org/monorepo").await;
    let mut payload = push("org/monorepo");
    let commit = payload["commits"][0].clone();
    let mut commits = Vec::new();
    let mut size = 0;
    let mut n = 0;
    while size < 5_000_000 {
        let mut c = commit.clone();
        c["id"] = json!(format!("{n:040x}"));
        c["modified"] = json!(
            (0..200)
                .map(|i| format!("src/module_{n}/file_{i}.py"))
                .collect::<Vec<_>>()
        );
        size += compact(&c).len();
        commits.push(c);
        n += 1;
    }
    payload["commits"] = json!(commits);
    let raw = compact(&payload);
    assert!(raw.len() > 5_000_000 && raw.len() < 6_000_000);
    let d = Delivery::signed("push", &secret, raw.clone());
    receipt(d.send(&app).await, 202, "queued").await;
    let rows = stored(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].3.len(), raw.len());

    // Over the route's limit (25 MiB + 1 MiB), signed or not: 413, nothing stored.
    let huge = vec![b' '; 30 * 1024 * 1024];
    let d = Delivery::signed("push", &secret, huge);
    assert_problem(d.send(&app).await, 413, "payload_too_large").await;
    assert_eq!(stored(&app).len(), 1);
    // Every other route keeps the small server-wide limit.
    let user = app.user().await;
    let res = app
        .client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body(vec![b' '; 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
}

#[tokio::test]
async fn ping_and_unhandled_events_or_actions_are_answered_and_not_stored() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let secret = linked(&app, "events", "org/events").await;
    let repo = json!({"id": 1, "full_name": "org/events"});
    let ping = json!({"zen": "Design for failure.", "hook_id": 1, "hook": {"type": "Repository", "events": ["*"]}, "repository": repo, "sender": {"login": "octocat", "id": 1, "type": "User"}});
    receipt(
        Delivery::signed("ping", &secret, compact(&ping))
            .send(&app)
            .await,
        200,
        "pong",
    )
    .await;
    for (event, action) in [
        ("star", Some("created")),
        ("workflow_run", Some("completed")),
        ("pull_request", Some("labeled")),
        ("issues", Some("closed")),
        ("issue_comment", Some("deleted")),
        ("release", Some("created")),
        ("create", None),
    ] {
        let mut body =
            json!({"repository": repo, "sender": {"login": "octocat", "id": 1, "type": "User"}});
        if let Some(a) = action {
            body["action"] = json!(a);
        }
        receipt(
            Delivery::signed(event, &secret, compact(&body))
                .send(&app)
                .await,
            202,
            "ignored",
        )
        .await;
    }
    assert!(stored(&app).is_empty());
    assert!(webhook_jobs(&app).is_empty());
    // An ignored event still needs a good signature.
    let mut d = Delivery::signed(
        "star",
        &secret,
        compact(&json!({"action": "created", "repository": repo})),
    );
    d.sha256 = Some(sign(b"wrong", &d.body));
    assert_problem(d.send(&app).await, 401, "signature_mismatch").await;
}

#[tokio::test]
async fn malformed_deliveries_are_400_or_415_never_500() {
    let app = spawn_app().await;
    let secret = linked(&app, "junk", "org/junk").await;
    let good = compact(&push("org/junk"));
    // Bodies that are not JSON objects, signed (so only the body is wrong).
    for (body, code) in [
        (&b"Hello, World!"[..], "malformed_json"),
        (b"{\"repository\":", "malformed_json"),
        (b"[1,2]", "malformed_json"),
        (b"", "malformed_json"),
        (b"\xff\xfe{}", "malformed_json"),
        (b"{}", "no_repository"),
        (b"{\"repository\":null}", "no_repository"),
        (b"{\"repository\":{\"name\":\"junk\"}}", "no_repository"),
    ] {
        let d = Delivery::signed("push", &secret, body.to_vec());
        assert_problem(d.send(&app).await, 400, code).await;
    }
    // Headers.
    let mut d = Delivery::signed("push", &secret, good.clone());
    d.guid = None;
    assert_problem(d.send(&app).await, 400, "invalid_delivery_header").await;
    d.guid = Some("not a guid!".into());
    assert_problem(d.send(&app).await, 400, "invalid_delivery_header").await;
    d.guid = Some("x".repeat(101));
    assert_problem(d.send(&app).await, 400, "invalid_delivery_header").await;
    let mut d = Delivery::signed("push", &secret, good.clone());
    d.event = None;
    assert_problem(d.send(&app).await, 400, "invalid_event_header").await;
    d.event = Some("Push Event");
    assert_problem(d.send(&app).await, 400, "invalid_event_header").await;
    // GitHub's other content type.
    let mut d = Delivery::signed("push", &secret, b"payload=%7B%7D".to_vec());
    d.content_type = "application/x-www-form-urlencoded";
    assert_problem(d.send(&app).await, 415, "unsupported_media_type").await;
    assert!(stored(&app).is_empty());
}

#[tokio::test]
async fn nulls_the_ghost_user_organisation_and_bot_senders_are_accepted() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let secret = linked(&app, "oddities", "org/odd").await;
    let repo = json!({"id": 42, "full_name": "org/odd", "owner": {"login": "org", "id": 9, "type": "Organization"}, "description": null, "license": null});
    let ghost = json!({"login": "ghost", "id": 10137, "type": "User", "avatar_url": "https://avatars.githubusercontent.com/u/10137?v=4", "name": null, "email": null});
    let org = json!({"login": "org", "id": 9, "type": "Organization"});
    let bot = json!({"login": "dependabot[bot]", "id": 49699333, "type": "Bot"});
    let payloads = [
        (
            "pull_request",
            json!({"action": "closed", "number": 7, "pull_request": {"id": 1, "user": ghost, "merged": true, "merged_by": null, "body": null, "milestone": null, "closed_at": "2026-12-07T10:00:00Z"}, "repository": repo, "sender": ghost}),
        ),
        (
            "issues",
            json!({"action": "opened", "issue": {"id": 2, "user": null, "body": null, "labels": []}, "repository": repo, "sender": org, "organization": org}),
        ),
        (
            "pull_request_review",
            json!({"action": "submitted", "review": {"id": 3, "user": bot, "body": null, "state": "approved"}, "pull_request": {"id": 1, "user": ghost}, "repository": repo, "sender": bot}),
        ),
        (
            "issue_comment",
            json!({"action": "created", "comment": {"id": 4, "user": bot, "body": "LGTM"}, "issue": {"id": 2, "user": ghost, "pull_request": null}, "repository": repo, "sender": bot, "installation": null}),
        ),
        (
            "release",
            json!({"action": "published", "release": {"id": 5, "author": ghost, "name": null, "body": null, "tag_name": "v1"}, "repository": repo, "sender": org}),
        ),
        ("push", {
            let mut p = push("org/odd");
            p["repository"] = repo.clone();
            p["sender"] = bot.clone();
            p["pusher"] = json!({"name": "dependabot[bot]", "email": null});
            p["commits"] = json!([]);
            p
        }),
    ];
    for (event, body) in &payloads {
        receipt(
            Delivery::signed(event, &secret, compact(body))
                .send(&app)
                .await,
            202,
            "queued",
        )
        .await;
    }
    let rows = stored(&app);
    assert_eq!(rows.len(), payloads.len());
    let actions: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|r| (r.1.as_str(), r.2.as_deref()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("pull_request", Some("closed")),
            ("issues", Some("opened")),
            ("pull_request_review", Some("submitted")),
            ("issue_comment", Some("created")),
            ("release", Some("published")),
            ("push", None),
        ]
    );
    assert_eq!(webhook_jobs(&app).len(), payloads.len());
}

#[tokio::test]
async fn a_chunked_body_without_a_length_is_cut_off_at_the_limit() {
    // No Content-Length to refuse up front: the route stops reading past 26 MiB.
    let app = spawn_app().await;
    let secret = linked(&app, "chunked", "org/chunked").await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let signature = sign(secret.as_bytes(), b"{}");
    let head = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&address).unwrap();
        write!(
            s,
            "POST {PATH} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nX-GitHub-Event: push\r\n\
             X-GitHub-Delivery: {}\r\nX-Hub-Signature-256: {signature}\r\n\
             Connection: close\r\n\r\n",
            guid()
        )
        .unwrap();
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..30 {
            // The server may answer and close before all of it is sent.
            if write!(s, "{:x}\r\n", chunk.len()).is_err()
                || s.write_all(&chunk).is_err()
                || s.write_all(b"\r\n").is_err()
            {
                break;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
        let mut answer = vec![0u8; 4096];
        let n = s.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("payload_too_large"), "{head}");
    assert!(stored(&app).is_empty());
}

#[tokio::test]
async fn junk_without_a_well_formed_signature_is_always_401() {
    // What a fuzzer sends: whatever else is wrong, no signature is the first refusal.
    let app = spawn_app().await;
    linked(&app, "fuzzed", "org/fuzzed").await;
    for body in [
        &b"{}"[..],
        b"[]",
        b"Hello, World!",
        b"{\"repository\":{\"full_name\":\"org/fuzzed\"}}",
    ] {
        let d = Delivery {
            event: Some(""),
            guid: Some(String::new()),
            sha256: Some("x".into()),
            sha1: None,
            content_type: "application/json",
            body: body.to_vec(),
        };
        assert_problem(d.send(&app).await, 401, "signature_malformed").await;
        let d = Delivery {
            event: None,
            guid: None,
            sha256: None,
            sha1: None,
            content_type: "application/json",
            body: body.to_vec(),
        };
        assert_problem(d.send(&app).await, 401, "signature_missing").await;
    }
    assert!(stored(&app).is_empty());
}
