//! Goals and fair-market values: CRUD and validation, progress after pledges, receipts,
//! instalments and confirmed deliveries, the combined figure's rounding, the goal-met
//! mail sent once (also when two confirmations race), and the expiry job. Run on both
//! backends.

use std::time::Duration;

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::db::Db;
use openfund::db::schema::{goals, instalments, outbox, pledges, project_members};
use openfund::domain::ids::GoalId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app_with, wait_until};

struct Setup {
    app: TestApp,
    owner: TestUser,
    slug: String,
    project_id: i64,
}

async fn setup() -> Setup {
    let app = spawn_app_with(|c| {
        c.workers = Some(4);
        c.db_pool_size = 8;
    })
    .await;
    let owner = app.user().await;
    let slug = format!("g{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Goal Project", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let project_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    Setup {
        app,
        owner,
        slug,
        project_id,
    }
}

impl Setup {
    /// A class in the catalogue; returns its id.
    fn accelerator(&self, code: &str) -> i64 {
        openfund::store::accelerators::insert_if_absent(
            &mut self.app.conn(),
            code,
            code,
            openfund::db::now(),
        )
        .unwrap()
        .unwrap()
        .id
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> reqwest::Response {
        self.app.send_json_as(method, path, token, &body).await
    }

    async fn create_goal(&self, body: Value) -> reqwest::Response {
        self.send(
            Method::POST,
            &format!("/api/v1/projects/{}/goals", self.slug),
            &self.owner.token,
            body,
        )
        .await
    }

    async fn goal(&self, body: Value) -> i64 {
        let res = self.create_goal(body).await;
        assert_eq!(res.status().as_u16(), 201);
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    async fn read_goal(&self, id: i64) -> Value {
        let res = self.app.get(&format!("/api/v1/goals/{id}")).await;
        assert_eq!(res.status().as_u16(), 200);
        res.json().await.unwrap()
    }

    async fn pledge(&self, sponsor: &TestUser, body: Value) -> reqwest::Response {
        self.app
            .client
            .post(
                self.app
                    .url(&format!("/api/v1/projects/{}/pledges", self.slug)),
            )
            .bearer_auth(&sponsor.token)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A one-time USD pledge toward `goal`; returns its id.
    async fn money_pledge(
        &self,
        sponsor: &TestUser,
        goal: i64,
        cents: i64,
        anonymous: bool,
    ) -> i64 {
        let res = self
            .pledge(
                sponsor,
                json!({
                    "kind": "money",
                    "amount": {"currency": "USD", "amount_minor": cents},
                    "anonymous": anonymous,
                    "goal_id": goal
                }),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["goal_id"], goal);
        body["id"].as_i64().unwrap()
    }

    async fn confirm(&self, pledge: i64) -> reqwest::Response {
        self.send(
            Method::POST,
            &format!("/api/v1/pledges/{pledge}/confirm"),
            &self.owner.token,
            json!({}),
        )
        .await
    }

    /// A compute pledge of `minutes` of `class` toward `goal` by `sponsor`, through the
    /// API (which posts its grant); returns its id.
    async fn compute_pledge(
        &self,
        sponsor: &TestUser,
        goal: i64,
        class: &str,
        minutes: i64,
    ) -> i64 {
        let window_end = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
        let res = self
            .pledge(
                sponsor,
                json!({
                    "kind": "compute",
                    "compute": {"accelerator": class, "gpu_minutes": minutes},
                    "provider": "Lab cluster",
                    "window_end": window_end,
                    "goal_id": goal
                }),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// `sponsor` reports `minutes` delivered on compute pledge `pledge`; returns the
    /// delivery's id.
    async fn report(&self, sponsor: &TestUser, pledge: i64, minutes: i64) -> i64 {
        let res = self
            .send(
                Method::POST,
                &format!("/api/v1/pledges/{pledge}/deliveries"),
                &sponsor.token,
                json!({"gpu_minutes": minutes, "evidence": "https://cluster.example/runs/1"}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// The owner confirms delivery `delivery` (the ledger records the use).
    async fn confirm_delivery(&self, delivery: i64) {
        let res = self
            .send(
                Method::POST,
                &format!("/api/v1/deliveries/{delivery}/confirm"),
                &self.owner.token,
                json!({}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 200);
    }

    /// The owner reverses ledger transaction `id`.
    async fn reverse(&self, id: i64) -> reqwest::Response {
        self.send(
            Method::POST,
            &format!("/api/v1/projects/{}/ledger/{id}/reverse", self.slug),
            &self.owner.token,
            json!({}),
        )
        .await
    }

    /// The id of the ledger transaction of `kind` linked to pledge `pledge` (the newest).
    fn transaction_of(&self, pledge: i64, kind: &str) -> i64 {
        use openfund::db::schema::ledger_transactions as t;
        t::table
            .filter(t::pledge_id.eq(pledge))
            .filter(t::kind.eq(kind))
            .order(t::id.desc())
            .select(t::id)
            .first(&mut self.app.conn())
            .unwrap()
    }

    fn db(&self) -> Db {
        Db::new(self.app.database_url.clone(), 1).unwrap()
    }

    /// `(recipient, subject)` of every goal-met message in the outbox.
    fn goal_mail(&self) -> Vec<(String, String)> {
        outbox::table
            .filter(outbox::template.eq("goal_met"))
            .select((outbox::to_address, outbox::subject))
            .order(outbox::id)
            .load(&mut self.app.conn())
            .unwrap()
    }
}

#[tokio::test]
async fn goals_are_created_read_changed_and_closed_with_their_rules() {
    let s = setup().await;
    s.accelerator("H100-80GB");
    let stranger = s.app.user().await;

    let created = s
        .create_goal(json!({
            "title": "  Train the 7B model ",
            "description": "## Why\nBecause.",
            "deadline": "2099-01-01T00:00:00Z",
            "money_target": {"currency": "USD", "amount_minor": 500_000},
            "compute_targets": [{"accelerator": "H100-80GB", "gpu_minutes": 60_000}]
        }))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let goal: Value = created.json().await.unwrap();
    assert_eq!(goal["title"], "Train the 7B model");
    assert_eq!(goal["status"], "open");
    assert_eq!(goal["deadline"], "2099-01-01T00:00:00Z");
    assert_eq!(goal["met_at"], Value::Null);
    assert_eq!(
        goal["money_target"],
        json!({"currency": "USD", "amount_minor": 500_000})
    );
    assert_eq!(
        goal["compute_targets"],
        json!([{"accelerator": "H100-80GB", "gpu_minutes": 60_000}])
    );
    assert_eq!(goal["progress"]["money"]["received_basis_points"], 0);
    assert_eq!(goal["progress"]["compute"][0]["delivered_gpu_minutes"], 0);
    // No fair-market value for H100 yet: no combined figure.
    assert_eq!(goal["progress"]["combined"], Value::Null);
    assert_eq!(goal["progress"]["reached"], false);
    let id = goal["id"].as_i64().unwrap();

    // Validation: every broken rule at once, nothing stored.
    let res = s
        .create_goal(json!({"title": " ", "deadline": "2001-01-01T00:00:00Z"}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "deadline", "targets"]);
    let res = s
        .create_goal(json!({
            "title": "x",
            "compute_targets": [
                {"accelerator": "NOPE-1", "gpu_minutes": 60},
                {"accelerator": "H100-80GB", "gpu_minutes": 0}
            ]
        }))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"][0]["field"],
        "compute_targets[1].gpu_minutes"
    );
    let res = s
        .create_goal(json!({
            "title": "x",
            "compute_targets": [{"accelerator": "NOPE-1", "gpu_minutes": 60}]
        }))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "unknown_accelerator");
    let res = s
        .create_goal(json!({
            "title": "x",
            "compute_targets": [
                {"accelerator": "H100-80GB", "gpu_minutes": 60},
                {"accelerator": "H100-80GB", "gpu_minutes": 60}
            ]
        }))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "duplicate");
    let res = s
        .create_goal(
            json!({"title": "x\u{0}y", "money_target": {"currency": "USD", "amount_minor": 1}}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = s
        .create_goal(
            json!({"title": "x", "money_target": {"currency": "EUR", "amount_minor": 100}}),
        )
        .await;
    assert_problem(res, 422, "currency_mismatch").await;
    let res = s
        .send(
            Method::POST,
            &format!("/api/v1/projects/{}/goals", s.slug),
            &stranger.token,
            json!({"title": "x", "money_target": {"currency": "USD", "amount_minor": 100}}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let stored: i64 = goals::table.count().get_result(&mut s.app.conn()).unwrap();
    assert_eq!(stored, 1);

    // Public reads.
    let list: Value = s
        .app
        .get(&format!("/api/v1/projects/{}/goals?status=open", s.slug))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(s.read_goal(id).await["title"], "Train the 7B model");
    assert_problem(s.app.get("/api/v1/goals/999999").await, 404, "not_found").await;

    // Changes: a member left out stays; null removes; at least one target stays.
    let path = format!("/api/v1/goals/{id}");
    let res = s
        .send(
            Method::PATCH,
            &path,
            &s.owner.token,
            json!({"title": "Train it", "money_target": null, "deadline": null}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["title"], "Train it");
    assert_eq!(changed["description"], "## Why\nBecause.");
    assert_eq!(changed["money_target"], Value::Null);
    assert_eq!(changed["deadline"], Value::Null);
    assert_eq!(changed["progress"]["money"], Value::Null);
    let res = s
        .send(
            Method::PATCH,
            &path,
            &s.owner.token,
            json!({"compute_targets": []}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "targets");
    let res = s
        .send(
            Method::PATCH,
            &path,
            &stranger.token,
            json!({"title": "Mine"}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;

    // Closing: once; a closed goal keeps its targets but may be retitled.
    let close = format!("/api/v1/goals/{id}/close");
    let res = s
        .send(Method::POST, &close, &s.owner.token, json!({}))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "closed");
    let res = s
        .send(Method::POST, &close, &s.owner.token, json!({}))
        .await;
    assert_problem(res, 409, "goal_not_open").await;
    let res = s
        .send(
            Method::PATCH,
            &path,
            &s.owner.token,
            json!({"deadline": "2099-06-01T00:00:00Z"}),
        )
        .await;
    assert_problem(res, 409, "goal_not_open").await;
    let res = s
        .send(
            Method::PATCH,
            &path,
            &s.owner.token,
            json!({"description": "Done."}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn fair_market_values_are_set_in_the_project_currency_and_removed() {
    let s = setup().await;
    s.accelerator("A100-40GB");
    let path = format!("/api/v1/projects/{}/accelerator-values/A100-40GB", s.slug);
    let res = s
        .send(
            Method::PUT,
            &path,
            &s.owner.token,
            json!({"value_per_gpu_hour": {"currency": "EUR", "amount_minor": 150}}),
        )
        .await;
    assert_problem(res, 422, "currency_mismatch").await;
    let res = s
        .send(
            Method::PUT,
            &path,
            &s.owner.token,
            json!({"value_per_gpu_hour": {"currency": "USD", "amount_minor": 0}}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = s
        .send(
            Method::PUT,
            &format!("/api/v1/projects/{}/accelerator-values/NOPE", s.slug),
            &s.owner.token,
            json!({"value_per_gpu_hour": {"currency": "USD", "amount_minor": 150}}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    for amount in [150, 175] {
        let res = s
            .send(
                Method::PUT,
                &path,
                &s.owner.token,
                json!({"value_per_gpu_hour": {"currency": "USD", "amount_minor": amount}}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 200);
    }
    let list: Value = s
        .app
        .get(&format!("/api/v1/projects/{}/accelerator-values", s.slug))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"],
        json!([{
            "accelerator": "A100-40GB",
            "display_name": "A100-40GB",
            "value_per_gpu_hour": {"currency": "USD", "amount_minor": 175}
        }])
    );
    let res = s
        .send(Method::DELETE, &path, &s.owner.token, json!({}))
        .await;
    assert_eq!(res.status().as_u16(), 204);
    let res = s
        .send(Method::DELETE, &path, &s.owner.token, json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn progress_counts_pledges_receipts_instalments_and_deliveries() {
    let s = setup().await;
    s.accelerator("H100-80GB");
    let sponsor = s.app.user().await;
    // $1,000 and 100 H100-hours.
    let goal = s
        .goal(json!({
            "title": "Mixed",
            "money_target": {"currency": "USD", "amount_minor": 100_000},
            "compute_targets": [{"accelerator": "H100-80GB", "gpu_minutes": 6_000}]
        }))
        .await;

    // Pledges name an open goal of their own project.
    let other = s
        .goal(json!({"title": "Closed", "money_target": {"currency": "USD", "amount_minor": 1}}))
        .await;
    s.send(
        Method::POST,
        &format!("/api/v1/goals/{other}/close"),
        &s.owner.token,
        json!({}),
    )
    .await;
    let money = |goal: i64| json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 5}, "goal_id": goal});
    assert_problem(s.pledge(&sponsor, money(other)).await, 422, "goal_not_open").await;
    assert_problem(
        s.pledge(&sponsor, money(999_999)).await,
        422,
        "unknown_goal",
    )
    .await;
    let elsewhere = s.app.user().await;
    let res = s
        .app
        .create_project(
            &elsewhere.token,
            &json!({"slug": format!("{}-x", s.slug), "name": "Elsewhere", "kind": "tool"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let res = s
        .send(
            Method::POST,
            &format!("/api/v1/projects/{}-x/goals", s.slug),
            &elsewhere.token,
            json!({"title": "Theirs", "money_target": {"currency": "USD", "amount_minor": 9}}),
        )
        .await;
    let theirs = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_problem(s.pledge(&sponsor, money(theirs)).await, 422, "unknown_goal").await;

    let one_time = s.money_pledge(&sponsor, goal, 33_333, false).await;
    let cancelled = s.money_pledge(&sponsor, goal, 50_000, false).await;
    s.send(
        Method::POST,
        &format!("/api/v1/pledges/{cancelled}/cancel"),
        &sponsor.token,
        json!({}),
    )
    .await;
    let res = s
        .pledge(
            &sponsor,
            json!({
                "kind": "money",
                "amount": {"currency": "USD", "amount_minor": 1_000},
                "recurrence": "monthly",
                "goal_id": goal
            }),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let monthly = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let p = s.read_goal(goal).await;
    let m = &p["progress"]["money"];
    // One-time 33,333 + the monthly pledge's first month; the cancelled one not at all.
    assert_eq!(m["pledged"]["amount_minor"], 34_333);
    assert_eq!(m["received"]["amount_minor"], 0);
    assert_eq!(m["pledged_basis_points"], 3_433);

    assert_eq!(s.confirm(one_time).await.status().as_u16(), 200);
    // Two months of the monthly pledge fell due; one is received.
    s.db()
        .write_blocking(|tx| {
            diesel::update(pledges::table.find(monthly))
                .set(pledges::created_at.eq(openfund::db::now() - chrono::Duration::days(40)))
                .execute(&mut **tx)?;
            openfund::app::instalments::create_due(
                tx,
                openfund::domain::ids::PledgeId(monthly),
                openfund::db::now().date(),
                openfund::db::now(),
            )
        })
        .unwrap();
    let first: i64 = instalments::table
        .filter(instalments::pledge_id.eq(monthly))
        .order(instalments::seq)
        .select(instalments::id)
        .first(&mut s.app.conn())
        .unwrap();
    let res = s
        .send(
            Method::POST,
            &format!("/api/v1/instalments/{first}/confirm"),
            &s.owner.token,
            json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);

    // Compute: 3,000 minutes pledged, 7 delivered and confirmed, 50 still unconfirmed.
    let compute = s.compute_pledge(&sponsor, goal, "H100-80GB", 3_000).await;
    let delivered = s.report(&sponsor, compute, 7).await;
    s.confirm_delivery(delivered).await;
    s.report(&sponsor, compute, 50).await;

    let p = s.read_goal(goal).await;
    let m = &p["progress"]["money"];
    assert_eq!(m["pledged"]["amount_minor"], 33_333 + 2_000);
    assert_eq!(m["received"]["amount_minor"], 33_333 + 1_000);
    assert_eq!(m["received_basis_points"], 3_433);
    let c = &p["progress"]["compute"][0];
    assert_eq!(c["accelerator"], "H100-80GB");
    assert_eq!(c["pledged_gpu_minutes"], 3_000);
    assert_eq!(c["delivered_gpu_minutes"], 7);
    assert_eq!(c["delivered_basis_points"], 11);
    assert_eq!(p["progress"]["combined"], Value::Null);

    // $2.50 an H100-hour: the target is $1,000 + 100 h × $2.50 = $1,250.
    let res = s
        .send(
            Method::PUT,
            &format!("/api/v1/projects/{}/accelerator-values/H100-80GB", s.slug),
            &s.owner.token,
            json!({"value_per_gpu_hour": {"currency": "USD", "amount_minor": 250}}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let p = s.read_goal(goal).await;
    let combined = &p["progress"]["combined"];
    assert_eq!(combined["target"]["amount_minor"], 125_000);
    // 34,333 + 7 min × 250/60 = 34,362.1666… → 34,362 cents, 27.48973… % → 2,748 bp.
    assert_eq!(combined["received"]["amount_minor"], 34_362);
    assert_eq!(combined["received_basis_points"], 2_748);
    // 35,333 + 3,000 min × 250/60 = 47,833.33… → 47,833; 38.2666… % → 3,826 bp.
    assert_eq!(combined["pledged"]["amount_minor"], 47_833);
    assert_eq!(combined["pledged_basis_points"], 3_826);
    assert_eq!(p["status"], "open");
}

/// Received and delivered follow the ledger: reversing a receipt or a delivery
/// confirmation lowers them by what it takes out, reversing that reversal brings it back
/// (and can meet the goal), and what was pledged stays pledged.
#[tokio::test]
async fn reversals_move_progress_exactly_as_they_move_the_ledger() {
    let s = setup().await;
    s.accelerator("H100-80GB");
    let sponsor = s.app.user().await;
    let money_goal = s
        .goal(json!({"title": "Money", "money_target": {"currency": "USD", "amount_minor": 5_000}}))
        .await;
    let compute_goal = s
        .goal(json!({
            "title": "Compute",
            "compute_targets": [{"accelerator": "H100-80GB", "gpu_minutes": 600}]
        }))
        .await;
    let money = |p: &Value| {
        let m = &p["progress"]["money"];
        (
            m["pledged"]["amount_minor"].as_i64().unwrap(),
            m["received"]["amount_minor"].as_i64().unwrap(),
        )
    };
    let compute = |p: &Value| {
        let c = &p["progress"]["compute"][0];
        (
            c["pledged_gpu_minutes"].as_i64().unwrap(),
            c["delivered_gpu_minutes"].as_i64().unwrap(),
        )
    };

    let undone = s.money_pledge(&sponsor, money_goal, 3_000, false).await;
    let kept = s.money_pledge(&sponsor, money_goal, 2_000, false).await;
    assert_eq!(s.confirm(undone).await.status().as_u16(), 200);
    assert_eq!(money(&s.read_goal(money_goal).await), (5_000, 3_000));

    // The receipt was a mistake: its reversal takes the money out of the ledger and out
    // of the goal; the promise stands.
    let receipt = s.transaction_of(undone, "receipt");
    let res = s.reverse(receipt).await;
    assert_eq!(res.status().as_u16(), 201);
    let reversal = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let p = s.read_goal(money_goal).await;
    assert_eq!(money(&p), (5_000, 0));
    assert_eq!(p["progress"]["money"]["received_basis_points"], 0);
    assert_problem(s.reverse(receipt).await, 409, "already_reversed").await;
    assert_eq!(money(&s.read_goal(money_goal).await), (5_000, 0));

    assert_eq!(s.confirm(kept).await.status().as_u16(), 200);
    let p = s.read_goal(money_goal).await;
    assert_eq!(money(&p), (5_000, 2_000));
    assert_eq!(p["status"], "open");
    // Undoing the reversal brings the 3,000 back, which meets the goal.
    assert_eq!(s.reverse(reversal).await.status().as_u16(), 201);
    let p = s.read_goal(money_goal).await;
    assert_eq!(money(&p), (5_000, 5_000));
    assert_eq!(p["status"], "met");

    // The same rule for compute: a reversed delivery confirmation is not delivered.
    let pledge = s
        .compute_pledge(&sponsor, compute_goal, "H100-80GB", 600)
        .await;
    let first = s.report(&sponsor, pledge, 100).await;
    s.confirm_delivery(first).await;
    let second = s.report(&sponsor, pledge, 200).await;
    s.confirm_delivery(second).await;
    assert_eq!(compute(&s.read_goal(compute_goal).await), (600, 300));
    let used = s.transaction_of(pledge, "delivery");
    assert_eq!(s.reverse(used).await.status().as_u16(), 201);
    let p = s.read_goal(compute_goal).await;
    assert_eq!(compute(&p), (600, 100));
    assert_eq!(p["progress"]["compute"][0]["delivered_basis_points"], 1_666);

    // The goal's figures are the ledger's: what the project holds is what was received.
    let balances: Value = s
        .app
        .get(&format!("/api/v1/projects/{}/balances", s.slug))
        .await
        .json()
        .await
        .unwrap();
    let held: Vec<i64> = balances["balances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["account"] == format!("Assets:Projects:P{}:Held", s.project_id))
        .map(|b| b["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(held, vec![5_000], "{balances}");

    // Reversals written before migration 8 carried no pledge; its backfill links them
    // (down the chain) so the figures stay the ledger's.
    let mut conn = s.app.conn();
    {
        use diesel_migrations::MigrationHarness;
        use openfund::db::{AnyConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
        // Later migrations first, then migration 8 itself.
        let mut reverted = Vec::new();
        while reverted.last().map(String::as_str) != Some("20261207000008") {
            let version = match &mut conn {
                AnyConnection::Sqlite(c) => c.revert_last_migration(SQLITE_MIGRATIONS),
                AnyConnection::Postgresql(c) => c.revert_last_migration(POSTGRES_MIGRATIONS),
            }
            .unwrap()
            .to_string();
            assert!(
                version.as_str() >= "20261207000008",
                "migration 8 (reversal_pledge_link) was never reverted: {reverted:?}"
            );
            reverted.push(version);
        }
    }
    use openfund::db::schema::ledger_transactions as t;
    let unlinked: i64 = t::table
        .filter(t::reverses_id.is_not_null())
        .filter(t::pledge_id.is_not_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(unlinked, 0, "down.sql unlinks the reversals");
    openfund::db::run_migrations(&mut conn).unwrap();
    let linked: Vec<Option<i64>> = t::table
        .filter(t::reverses_id.is_not_null())
        .order(t::id)
        .select(t::pledge_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(linked, vec![Some(undone), Some(undone), Some(pledge)]);
    assert_eq!(money(&s.read_goal(money_goal).await), (5_000, 5_000));
    assert_eq!(compute(&s.read_goal(compute_goal).await), (600, 100));
}

/// A reversal undoes what the confirmation did to the pledge, not only to the ledger: a
/// reversed receipt leaves the pledge `pledged` (to confirm again when the money really
/// arrives, or to cancel), a reversed delivery leaves its report `reported` and the
/// pledge open. Redoing (reversing the reversal) needs things still where the undo left
/// them: once the pledge is received again, or the report rejected, it is 409.
#[tokio::test]
async fn a_reversed_confirmation_can_be_made_again_and_then_its_reversal_stays() {
    use openfund::db::schema::deliveries;
    let s = setup().await;
    s.accelerator("H100-80GB");
    let sponsor = s.app.user().await;
    let goal = s
        .goal(json!({
            "title": "Both",
            "money_target": {"currency": "USD", "amount_minor": 5_000},
            "compute_targets": [{"accelerator": "H100-80GB", "gpu_minutes": 600}]
        }))
        .await;
    let pledge_state = |id: i64| -> String {
        pledges::table
            .find(id)
            .select(pledges::state)
            .first(&mut s.app.conn())
            .unwrap()
    };
    let delivery_state = |id: i64| -> (String, Option<chrono::NaiveDateTime>) {
        deliveries::table
            .find(id)
            .select((deliveries::state, deliveries::decided_at))
            .first(&mut s.app.conn())
            .unwrap()
    };
    let progress = |p: &Value| {
        (
            p["progress"]["money"]["received"]["amount_minor"]
                .as_i64()
                .unwrap(),
            p["progress"]["compute"][0]["delivered_gpu_minutes"]
                .as_i64()
                .unwrap(),
        )
    };
    let reversal_id = |body: Value| body["id"].as_i64().unwrap();

    let money = s.money_pledge(&sponsor, goal, 3_000, false).await;
    assert_eq!(s.confirm(money).await.status().as_u16(), 200);
    let receipt = s.transaction_of(money, "receipt");
    let res = s.reverse(receipt).await;
    assert_eq!(res.status().as_u16(), 201);
    let undo = reversal_id(res.json().await.unwrap());
    assert_eq!(pledge_state(money), "pledged");
    assert_eq!(progress(&s.read_goal(goal).await), (0, 0));
    // The money arrives after all: confirmed again, a second receipt.
    assert_eq!(s.confirm(money).await.status().as_u16(), 200);
    assert_eq!(pledge_state(money), "received");
    assert_eq!(progress(&s.read_goal(goal).await), (3_000, 0));
    // Redoing the first receipt now would count the money twice.
    assert_problem(s.reverse(undo).await, 409, "invalid_state").await;
    assert_eq!(progress(&s.read_goal(goal).await), (3_000, 0));

    let compute = s.compute_pledge(&sponsor, goal, "H100-80GB", 600).await;
    let report = s.report(&sponsor, compute, 600).await;
    s.confirm_delivery(report).await;
    assert_eq!(pledge_state(compute), "delivered");
    let used = s.transaction_of(compute, "delivery");
    let res = s.reverse(used).await;
    assert_eq!(res.status().as_u16(), 201);
    let undo = reversal_id(res.json().await.unwrap());
    assert_eq!(pledge_state(compute), "pledged");
    assert_eq!(delivery_state(report), ("reported".to_owned(), None));
    assert_eq!(progress(&s.read_goal(goal).await), (3_000, 0));
    // Redone: the report is confirmed again and completes the pledge.
    let res = s.reverse(undo).await;
    assert_eq!(res.status().as_u16(), 201);
    let redo = reversal_id(res.json().await.unwrap());
    assert_eq!(pledge_state(compute), "delivered");
    assert_eq!(delivery_state(report).0, "confirmed");
    assert_eq!(progress(&s.read_goal(goal).await), (3_000, 600));
    // Undone again, then rejected: redoing it is refused and nothing moves.
    assert_eq!(s.reverse(redo).await.status().as_u16(), 201);
    let again = s.transaction_of(compute, "reversal");
    let res = s
        .send(
            Method::POST,
            &format!("/api/v1/deliveries/{report}/reject"),
            &s.owner.token,
            json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_problem(s.reverse(again).await, 409, "invalid_state").await;
    assert_eq!(delivery_state(report).0, "rejected");
    assert_eq!(pledge_state(compute), "pledged");
    assert_eq!(progress(&s.read_goal(goal).await), (3_000, 0));
}

#[tokio::test]
async fn a_goal_is_met_once_and_its_maintainers_and_sponsors_are_mailed_once() {
    let s = setup().await;
    let maintainer = s.app.user().await;
    diesel::insert_into(project_members::table)
        .values((
            project_members::project_id.eq(s.project_id),
            project_members::user_id.eq(maintainer.id),
            project_members::role.eq("maintainer"),
            project_members::created_at.eq(openfund::db::now()),
        ))
        .execute(&mut s.app.conn())
        .unwrap();
    let public = s.app.user().await;
    let anonymous = s.app.user().await;
    let goal = s
        .goal(
            json!({"title": "Servers", "money_target": {"currency": "USD", "amount_minor": 1_000}}),
        )
        .await;
    let first = s.money_pledge(&public, goal, 400, false).await;
    let second = s.money_pledge(&anonymous, goal, 300, true).await;
    let third = s.money_pledge(&public, goal, 300, false).await;

    assert_eq!(s.confirm(first).await.status().as_u16(), 200);
    assert_eq!(s.read_goal(goal).await["status"], "open");
    // The last two confirmations race: the goal is met by whichever commits second,
    // exactly once.
    let (a, b) = tokio::join!(s.confirm(second), s.confirm(third));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let g = s.read_goal(goal).await;
    assert_eq!(g["status"], "met");
    assert!(g["met_at"].is_string());
    assert_eq!(g["progress"]["reached"], true);
    assert_eq!(g["progress"]["combined"]["received_basis_points"], 10_000);

    wait_until("the goal-met mail", Duration::from_secs(20), || async {
        s.goal_mail().len() == 4
    })
    .await;
    let mut to: Vec<String> = s.goal_mail().into_iter().map(|(to, _)| to).collect();
    to.sort();
    let mut want = vec![
        s.owner.email.clone(),
        maintainer.email.clone(),
        public.email.clone(),
        anonymous.email.clone(),
    ];
    want.sort();
    assert_eq!(to, want);
    assert!(s.goal_mail()[0].1.contains("Servers"));

    // Re-evaluating or notifying again does nothing.
    let db = s.db();
    let ctx = openfund::mail::MailContext {
        instance_name: "Test".into(),
        public_url: "http://test".into(),
    };
    db.write_blocking(|tx| {
        assert!(!openfund::app::goals::after_progress(
            tx,
            GoalId(goal),
            openfund::db::now()
        )?);
        assert_eq!(
            openfund::app::goals::deliver_met(tx, &ctx, GoalId(goal), openfund::db::now())?,
            0
        );
        Ok::<_, openfund::db::DbError>(())
    })
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.goal_mail().len(), 4);
    // A met goal takes no new pledges and cannot be closed.
    let res = s
        .pledge(
            &public,
            json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 5}, "goal_id": goal}),
        )
        .await;
    assert_problem(res, 422, "goal_not_open").await;
    let res = s
        .send(
            Method::POST,
            &format!("/api/v1/goals/{goal}/close"),
            &s.owner.token,
            json!({}),
        )
        .await;
    assert_problem(res, 409, "goal_not_open").await;
}

#[tokio::test]
async fn open_goals_past_their_deadline_expire_once() {
    let s = setup().await;
    let soon = s
        .goal(json!({
            "title": "Soon",
            "deadline": "2099-01-01T00:00:00Z",
            "money_target": {"currency": "USD", "amount_minor": 1_000}
        }))
        .await;
    let later = s
        .goal(json!({
            "title": "Later",
            "deadline": "2099-01-01T00:00:00Z",
            "money_target": {"currency": "USD", "amount_minor": 1_000}
        }))
        .await;
    let closed = s
        .goal(json!({"title": "Closed", "money_target": {"currency": "USD", "amount_minor": 1}}))
        .await;
    s.send(
        Method::POST,
        &format!("/api/v1/goals/{closed}/close"),
        &s.owner.token,
        json!({}),
    )
    .await;
    let past = openfund::db::now() - chrono::Duration::hours(1);
    diesel::update(goals::table.filter(goals::id.eq_any([soon, closed])))
        .set(goals::deadline.eq(past))
        .execute(&mut s.app.conn())
        .unwrap();

    let db = s.db();
    let expire = || {
        db.write_blocking(|tx| openfund::app::goals::expire_due(tx, openfund::db::now()))
            .unwrap()
    };
    // The worker's start-up run may have come first; either way, once.
    let first = expire();
    assert!(first <= 1);
    assert_eq!(expire(), 0);
    assert_eq!(s.read_goal(soon).await["status"], "expired");
    assert_eq!(s.read_goal(later).await["status"], "open");
    assert_eq!(s.read_goal(closed).await["status"], "closed");

    // The hourly job does the same.
    diesel::update(goals::table.find(later))
        .set(goals::deadline.eq(past))
        .execute(&mut s.app.conn())
        .unwrap();
    db.write_blocking(|tx| {
        openfund::jobs::enqueue_or_bring_forward(
            tx,
            &openfund::jobs::kinds::ExpireGoals,
            openfund::db::now(),
        )
    })
    .unwrap();
    wait_until("the expiry job", Duration::from_secs(20), || async {
        s.read_goal(later).await["status"] == "expired"
    })
    .await;
    let res = s
        .send(
            Method::PATCH,
            &format!("/api/v1/goals/{soon}"),
            &s.owner.token,
            json!({"deadline": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_problem(res, 409, "goal_not_open").await;
}
