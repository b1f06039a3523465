//! `/api/v1/projects/{slug}/overview`: the project page in one answer. Each part must be
//! exactly what the project's own list answers (goals, sponsor wall, balances, ledger),
//! bounded, and fresh after a change through the server (the answer is cached). Run on
//! both backends.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::db::schema::projects;
use reqwest::Method;
use serde_json::{Value, json};

use crate::exports::{Fixture, Project};
use crate::helpers::{TestUser, assert_problem, wait_until};

async fn goal(f: &Fixture, p: &Project, title: &str, minor: i64) -> i64 {
    let res = f
        .app
        .send_json_as(
            Method::POST,
            &format!("/api/v1/projects/{}/goals", p.slug),
            &f.owner.token,
            &json!({"title": title,
                    "money_target": {"currency": "USD", "amount_minor": minor}}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A money pledge by `who`, confirmed received by the owner; returns its id.
async fn pledge(
    f: &Fixture,
    who: &TestUser,
    p: &Project,
    minor: i64,
    anonymous: bool,
    goal: Option<i64>,
) -> i64 {
    let res = f
        .app
        .client
        .post(f.app.url(&format!("/api/v1/projects/{}/pledges", p.slug)))
        .bearer_auth(&who.token)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(
            &json!({"kind": "money", "anonymous": anonymous, "goal_id": goal,
                      "amount": {"currency": "USD", "amount_minor": minor}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = f
        .app
        .send_json_as(
            Method::POST,
            &format!("/api/v1/pledges/{id}/confirm"),
            &f.owner.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    id
}

async fn json(f: &Fixture, path: &str) -> Value {
    let res = f.app.get(path).await;
    assert_eq!(res.status().as_u16(), 200, "GET {path}");
    res.json().await.unwrap()
}

async fn overview(f: &Fixture, p: &Project) -> Value {
    json(f, &format!("/api/v1/projects/{}/overview", p.slug)).await
}

#[tokio::test]
async fn the_overview_is_what_the_projects_own_lists_answer() {
    let f = Fixture::new().await;
    let p = f.project("USD").await;
    diesel::update(projects::table.find(p.id.get()))
        .set(projects::auto_approve_sponsors.eq(true))
        .execute(&mut f.app.conn())
        .unwrap();
    let quiet = f.app.user().await;
    let g = goal(&f, &p, "Train the 7B model", 100_000).await;
    goal(&f, &p, "Host the checkpoints", 5_000).await;
    pledge(&f, &f.sponsor, &p, 40_000, false, Some(g)).await;
    pledge(&f, &quiet, &p, 25_000, true, Some(g)).await;
    // More transactions than the overview shows: each pledge's receipt, the compute
    // grant and its delivery, an expense and its reversal.
    for n in 0..5 {
        pledge(&f, &f.sponsor, &p, 1_000 + n, false, None).await;
    }
    f.compute(&p, "H100-80GB", 600, 60);
    f.expense_and_reversal(&p, "USD", 500).await;

    let o = overview(&f, &p).await;
    let base = format!("/api/v1/projects/{}", p.slug);
    assert_eq!(o["project"], json(&f, &base).await);
    let goals = json(&f, &format!("{base}/goals?limit=20")).await;
    assert_eq!(o["goals"], goals["items"]);
    assert_eq!(o["goals_next_cursor"], goals["next_cursor"]);
    assert_eq!(o["goals"].as_array().unwrap().len(), 2);
    let money = &o["goals"][1]["progress"]["money"];
    assert_eq!(money["received"]["amount_minor"], 65_000, "{money}");
    assert_eq!(money["received_basis_points"], 6_500);
    let wall = json(&f, &format!("{base}/sponsors")).await;
    assert_eq!(o["sponsors"], wall["sponsors"]);
    assert_eq!(
        o["sponsor_count"], 1,
        "the anonymous sponsor is not counted"
    );
    assert_eq!(
        o["sponsors"][0]["totals"]["money"][0]["amount_minor"],
        45_010
    );
    assert_eq!(
        o["balances"],
        json(&f, &format!("{base}/balances")).await["balances"]
    );
    let ledger = json(&f, &format!("{base}/ledger?limit=10")).await;
    assert_eq!(o["recent_transactions"], ledger["items"]);
    assert_eq!(o["recent_transactions"].as_array().unwrap().len(), 10);
    assert!(o["ledger_next_cursor"].is_string());
    assert_eq!(o["ledger_next_cursor"], ledger["next_cursor"]);
    let text = o.to_string();
    assert!(
        !text.contains(&quiet.email) && !text.contains(&format!("\"user_id\":{}", quiet.id)),
        "{text}"
    );

    let res = f.app.get("/api/v1/projects/no-such-project/overview").await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn a_change_shows_on_the_next_overview() {
    let f = Fixture::new().await;
    let p = f.project("USD").await;
    let g = goal(&f, &p, "Train the 7B model", 100_000).await;
    let before = overview(&f, &p).await;
    assert_eq!(before["recent_transactions"], json!([]));
    assert_eq!(
        before["goals"][0]["progress"]["money"]["received"]["amount_minor"],
        0
    );
    // Served from the cache while nothing changes.
    assert_eq!(overview(&f, &p).await, before);

    // Through the server: shown at once.
    pledge(&f, &f.sponsor, &p, 30_000, false, Some(g)).await;
    let after = overview(&f, &p).await;
    assert_eq!(
        after["goals"][0]["progress"]["money"]["received"]["amount_minor"],
        30_000
    );
    assert_eq!(after["recent_transactions"].as_array().unwrap().len(), 1);
    let res = f
        .app
        .send_json_as(
            Method::PATCH,
            &format!("/api/v1/projects/{}", p.slug),
            &f.owner.token,
            &json!({"name": "Renamed through the API"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        overview(&f, &p).await["project"]["name"],
        "Renamed through the API"
    );

    // Behind the server's back (as another instance would write): shown within the
    // cache's lifetime.
    diesel::update(projects::table.find(p.id.get()))
        .set(projects::name.eq("Renamed elsewhere"))
        .execute(&mut f.app.conn())
        .unwrap();
    let path = format!("/api/v1/projects/{}/overview", p.slug);
    wait_until(
        "the other writer's change",
        std::time::Duration::from_secs(5),
        || async {
            let o: Value = f.app.get(&path).await.json().await.unwrap();
            o["project"]["name"] == "Renamed elsewhere"
        },
    )
    .await;
}
