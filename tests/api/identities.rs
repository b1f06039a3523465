//! Identity merges (`/api/v1/projects/{slug}/identities/...`) on both backends: a merge
//! and its undo (nothing rewritten, the row kept as history), the list, the refusals
//! (self, unknown or not-here contributors, `from` merged already, chains either way,
//! an undone or foreign merge), and concurrent merges decided one at a time.

use diesel::prelude::*;
use openfund::db::schema::{contributions, contributors, identity_merges, projects, users};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app};

/// A project `slug` of a new owner; returns the owner and the project's id.
async fn project(app: &TestApp, slug: &str) -> (TestUser, i64) {
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Identities", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let id = projects::table
        .filter(projects::slug.eq(slug))
        .select(projects::id)
        .first(&mut app.conn())
        .unwrap();
    (owner, id)
}

/// A contributor (GitHub account `github_id`, or keyed by an address hash when `None`)
/// with one commit in project `project_id`; returns the contributor's id.
fn contributor(app: &TestApp, project_id: i64, github_id: Option<i64>, label: &str) -> i64 {
    let now = openfund::db::now();
    let mut conn = app.conn();
    let hash = format!("{label:0>64}");
    diesel::insert_into(contributors::table)
        .values((
            contributors::github_user_id.eq(github_id),
            contributors::login.eq(github_id.map(|_| label.to_owned())),
            contributors::name.eq(Some(label.to_uppercase())),
            contributors::email_hash.eq(github_id.is_none().then_some(&hash)),
            contributors::is_bot.eq(false),
            contributors::created_at.eq(now),
            contributors::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .unwrap();
    let id: i64 = match github_id {
        Some(g) => contributors::table
            .filter(contributors::github_user_id.eq(g))
            .select(contributors::id)
            .first(&mut conn)
            .unwrap(),
        None => contributors::table
            .filter(contributors::email_hash.eq(&hash))
            .select(contributors::id)
            .first(&mut conn)
            .unwrap(),
    };
    credit(app, project_id, id, &format!("{label:a>40}"));
    id
}

/// Credits contributor `id` with work keyed `key` in project `project_id` (recorded by
/// some user: no repository needed).
fn credit(app: &TestApp, project_id: i64, id: i64, key: &str) {
    let recorder: i64 = users::table
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    diesel::insert_into(contributions::table)
        .values((
            contributions::project_id.eq(project_id),
            contributions::contributor_id.eq(id),
            contributions::kind.eq("doc"),
            contributions::source_key.eq(key),
            contributions::recorded_by.eq(Some(recorder)),
            contributions::occurred_at.eq(openfund::db::now()),
            contributions::created_at.eq(openfund::db::now()),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

async fn merge(app: &TestApp, token: &str, slug: &str, from: i64, into: i64) -> reqwest::Response {
    app.send_json_as(
        Method::POST,
        &format!("/api/v1/projects/{slug}/identities/merge"),
        token,
        &json!({"from": from, "into": into}),
    )
    .await
}

async fn undo(app: &TestApp, token: &str, slug: &str, id: i64) -> reqwest::Response {
    app.client
        .post(app.url(&format!(
            "/api/v1/projects/{slug}/identities/merges/{id}/undo"
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn listed(app: &TestApp, token: &str, slug: &str) -> Vec<Value> {
    let res = app
        .get_as(&format!("/api/v1/projects/{slug}/identities/merges"), token)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

/// (from, into, undone) of every merge row, by id.
fn merge_rows(app: &TestApp) -> Vec<(i64, i64, bool)> {
    identity_merges::table
        .order(identity_merges::id)
        .select((
            identity_merges::from_contributor_id,
            identity_merges::into_contributor_id,
            identity_merges::undone_at.is_not_null(),
        ))
        .load(&mut app.conn())
        .unwrap()
}

/// (contributor, source_key) of every contribution: what a merge must never rewrite.
fn credits(app: &TestApp) -> Vec<(i64, String)> {
    contributions::table
        .order(contributions::id)
        .select((contributions::contributor_id, contributions::source_key))
        .load(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn a_merge_is_listed_and_undone_without_rewriting_anything() {
    let app = spawn_app().await;
    let (owner, pid) = project(&app, "merging").await;
    let alice = contributor(&app, pid, Some(101), "alice");
    let laptop = contributor(&app, pid, None, "laptop");
    let before = credits(&app);

    let res = merge(&app, &owner.token, "merging", laptop, alice).await;
    assert_eq!(res.status().as_u16(), 201);
    let made: Value = res.json().await.unwrap();
    assert_eq!(made["from"]["id"], laptop);
    assert_eq!(made["from"]["anonymous"], true);
    assert_eq!(made["from"]["name"], "LAPTOP");
    assert_eq!(made["into"]["id"], alice);
    assert_eq!(made["into"]["login"], "alice");
    assert_eq!(made["into"]["github_user_id"], 101);
    assert_eq!(made["undone_at"], Value::Null);
    let id = made["id"].as_i64().unwrap();

    let items = listed(&app, &owner.token, "merging").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id);
    assert_eq!(credits(&app), before, "contributions are never rewritten");

    // `from` is merged: a second merge of it is refused until undone.
    let other = contributor(&app, pid, Some(102), "bob");
    assert_problem(
        merge(&app, &owner.token, "merging", laptop, other).await,
        409,
        "identity_merged",
    )
    .await;

    let res = undo(&app, &owner.token, "merging", id).await;
    assert_eq!(res.status().as_u16(), 200);
    let undone: Value = res.json().await.unwrap();
    assert_eq!(undone["id"], id);
    assert!(undone["undone_at"].is_string());
    assert_problem(
        undo(&app, &owner.token, "merging", id).await,
        409,
        "merge_undone",
    )
    .await;
    assert!(listed(&app, &owner.token, "merging").await.is_empty());
    assert_eq!(merge_rows(&app), [(laptop, alice, true)], "kept as history");

    // Once undone, the same identity may be merged again (elsewhere).
    let res = merge(&app, &owner.token, "merging", laptop, other).await;
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(
        merge_rows(&app),
        [(laptop, alice, true), (laptop, other, false)]
    );
    assert_eq!(credits(&app).len(), before.len() + 1);
}

#[tokio::test]
async fn self_unknown_and_foreign_contributors_are_refused() {
    let app = spawn_app().await;
    let (owner, pid) = project(&app, "refusals").await;
    let (_, elsewhere) = project(&app, "elsewhere").await;
    let alice = contributor(&app, pid, Some(201), "alice");
    let stranger = contributor(&app, elsewhere, Some(202), "stranger");

    let body = assert_problem(
        merge(&app, &owner.token, "refusals", alice, alice).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "into");
    assert_eq!(body["errors"][0]["code"], "self_merge");

    for (from, into, field) in [
        (alice, 999_999, "into"),
        (999_999, alice, "from"),
        // Contributed to another project only.
        (stranger, alice, "from"),
        (alice, stranger, "into"),
    ] {
        let body = assert_problem(
            merge(&app, &owner.token, "refusals", from, into).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field, "{from} → {into}");
        assert_eq!(body["errors"][0]["code"], "unknown_contributor");
    }
    assert_problem(
        merge(&app, &owner.token, "nosuch", alice, stranger).await,
        404,
        "not_found",
    )
    .await;
    // Not an editor of the other project.
    let res = merge(&app, &owner.token, "elsewhere", stranger, alice).await;
    assert_problem(res, 403, "forbidden").await;
    assert!(merge_rows(&app).is_empty());
}

#[tokio::test]
async fn chains_are_refused_both_ways() {
    let app = spawn_app().await;
    let (owner, pid) = project(&app, "chains").await;
    let a = contributor(&app, pid, Some(301), "a");
    let b = contributor(&app, pid, Some(302), "b");
    let c = contributor(&app, pid, Some(303), "c");
    assert_eq!(
        merge(&app, &owner.token, "chains", a, b)
            .await
            .status()
            .as_u16(),
        201
    );
    // Into someone merged away (c → a, a is b).
    let body = assert_problem(
        merge(&app, &owner.token, "chains", c, a).await,
        409,
        "identity_merge_chain",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().starts_with("into:"));
    // Merging someone others are merged into (b → c while a is b).
    let body = assert_problem(
        merge(&app, &owner.token, "chains", b, c).await,
        409,
        "identity_merge_chain",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().starts_with("from:"));
    // A cycle is a chain too.
    assert_problem(
        merge(&app, &owner.token, "chains", b, a).await,
        409,
        "identity_merge_chain",
    )
    .await;
    // Two into one is fine.
    assert_eq!(
        merge(&app, &owner.token, "chains", c, b)
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(merge_rows(&app), [(a, b, false), (c, b, false)]);
}

#[tokio::test]
async fn merges_of_another_project_are_not_found_through_this_one() {
    let app = spawn_app().await;
    let (owner, pid) = project(&app, "mine").await;
    let (other, oid) = project(&app, "theirs").await;
    let a = contributor(&app, oid, Some(401), "a");
    let b = contributor(&app, oid, Some(402), "b");
    contributor(&app, pid, Some(403), "c");
    let res = merge(&app, &other.token, "theirs", a, b).await;
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_problem(undo(&app, &owner.token, "mine", id).await, 404, "not_found").await;
    assert_problem(
        undo(&app, &owner.token, "mine", 123_456).await,
        404,
        "not_found",
    )
    .await;
    assert!(listed(&app, &owner.token, "mine").await.is_empty());
    assert_eq!(listed(&app, &other.token, "theirs").await.len(), 1);
    assert_eq!(merge_rows(&app), [(a, b, false)]);
}

#[tokio::test]
async fn concurrent_merges_of_one_identity_store_one() {
    let app = spawn_app().await;
    let (owner, pid) = project(&app, "racing").await;
    let from = contributor(&app, pid, Some(501), "from");
    let intos: Vec<i64> = (0..8)
        .map(|i| contributor(&app, pid, Some(510 + i), &format!("into{i}")))
        .collect();
    let statuses = futures_util::future::join_all(intos.iter().map(|&into| {
        let (app, token) = (&app, owner.token.clone());
        async move {
            let res = merge(app, &token, "racing", from, into).await;
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            (status, body["code"].as_str().map(str::to_owned))
        }
    }))
    .await;
    let won = statuses.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(won, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .filter(|(s, _)| *s != 201)
            .all(|(s, c)| *s == 409 && c.as_deref() == Some("identity_merged")),
        "{statuses:?}"
    );
    let rows = merge_rows(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, from);

    // a → b and b → a at once: one wins, the other would be a cycle.
    let a = contributor(&app, pid, Some(601), "a");
    let b = contributor(&app, pid, Some(602), "b");
    let (x, y) = tokio::join!(
        merge(&app, &owner.token, "racing", a, b),
        merge(&app, &owner.token, "racing", b, a)
    );
    let mut statuses = [x.status().as_u16(), y.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    assert_eq!(merge_rows(&app).len(), 2);
}
