//! Compute pledges (issue 7 §6): creation with its grant in the ledger, delivery
//! reports and their confirmation (never past the pledge, also when confirmations
//! race), pledge-scoped tokens, the expiry job, and Slurm uploads. Run on both
//! backends (`OPENFUND_TEST_BACKEND=postgres` for the second).

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::db::schema::{deliveries, ledger_transactions, outbox, pledges};
use openfund::db::{Db, now};
use openfund::domain::ids::PledgeId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app_with};

const H100: &str = "H100-80GB";
const A100: &str = "A100-40GB";

struct Setup {
    app: TestApp,
    owner: TestUser,
    sponsor: TestUser,
    slug: String,
}

async fn setup() -> Setup {
    let app = spawn_app_with(|c| {
        c.workers = Some(4);
        c.db_pool_size = 8;
    })
    .await;
    let owner = app.user().await;
    let sponsor = app.user().await;
    let slug = format!("c{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Computed", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let mut conn = app.conn();
    for (code, name) in [(H100, "NVIDIA H100 80GB"), (A100, "NVIDIA A100 40GB")] {
        openfund::store::accelerators::insert_if_absent(&mut conn, code, name, now()).unwrap();
    }
    Setup {
        app,
        owner,
        sponsor,
        slug,
    }
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

fn compute(class: &str, minutes: Value) -> Value {
    json!({
        "kind": "compute",
        "compute": {"accelerator": class, "gpu_minutes": minutes},
        "provider": "Lab cluster",
        "window_start": null,
        "window_end": in_days(30),
        "goal_id": null,
        "anonymous": false,
        "message": null,
    })
}

/// Status and `code` (for problems) of a response.
async fn outcome(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

impl Setup {
    async fn pledge_as(&self, token: &str, key: &str, body: &Value) -> reqwest::Response {
        self.app
            .client
            .post(
                self.app
                    .url(&format!("/api/v1/projects/{}/pledges", self.slug)),
            )
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A compute pledge of `minutes` of H100 by the sponsor; returns its id.
    async fn pledge(&self, minutes: i64) -> i64 {
        let key = uuid::Uuid::new_v4().to_string();
        let res = self
            .pledge_as(&self.sponsor.token, &key, &compute(H100, json!(minutes)))
            .await;
        assert_eq!(res.status().as_u16(), 201);
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.app.send_json_as(Method::POST, path, token, body).await
    }

    async fn report(&self, token: &str, pledge: i64, minutes: i64) -> reqwest::Response {
        self.post(
            token,
            &format!("/api/v1/pledges/{pledge}/deliveries"),
            &json!({"gpu_minutes": minutes, "evidence": "https://cluster.example/runs/1"}),
        )
        .await
    }

    /// Reports `minutes` as the sponsor; returns the delivery's id.
    async fn reported(&self, pledge: i64, minutes: i64) -> i64 {
        let res = self.report(&self.sponsor.token, pledge, minutes).await;
        assert_eq!(res.status().as_u16(), 201);
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    async fn confirm(&self, token: &str, delivery: i64) -> reqwest::Response {
        self.post(
            token,
            &format!("/api/v1/deliveries/{delivery}/confirm"),
            &json!({}),
        )
        .await
    }

    async fn ledger(&self) -> Vec<Value> {
        let page: Value = self
            .app
            .get(&format!("/api/v1/projects/{}/ledger", self.slug))
            .await
            .json()
            .await
            .unwrap();
        page["items"].as_array().unwrap().clone()
    }

    fn count_pledges(&self) -> i64 {
        pledges::table
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    fn count_deliveries(&self) -> i64 {
        deliveries::table
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    fn count_transactions(&self) -> i64 {
        ledger_transactions::table
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    fn mail_to(&self, to: &str, template: &str) -> i64 {
        outbox::table
            .filter(outbox::to_address.eq(to))
            .filter(outbox::template.eq(template))
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    /// Waits for the `notify` job to write one message of `template` to `to`.
    async fn wait_mail(&self, to: &str, template: &str) {
        crate::helpers::wait_until(template, std::time::Duration::from_secs(20), || async {
            self.mail_to(to, template) == 1
        })
        .await;
    }

    fn pledge_state(&self, id: i64) -> String {
        pledges::table
            .find(id)
            .select(pledges::state)
            .first(&mut self.app.conn())
            .unwrap()
    }
}

/// Entries of a transaction as (account, commodity, amount).
fn entries(tx: &Value) -> Vec<(String, String, i64)> {
    tx["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["account"].as_str().unwrap().to_owned(),
                e["commodity"].as_str().unwrap().to_owned(),
                e["amount"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn invalid_compute_pledges_are_refused_and_nothing_is_stored() {
    let s = setup().await;
    let cases: Vec<(Value, &str)> = vec![
        (compute("B200-999GB", json!(60)), "validation_failed"),
        (compute("no spaces", json!(60)), "validation_failed"),
        (compute(H100, json!(0)), "validation_failed"),
        (compute(H100, json!(-60)), "validation_failed"),
        (compute(H100, json!(1.5)), "validation_failed"),
        (compute(H100, json!("60")), "validation_failed"),
        (
            compute(H100, json!(10_000_000_000_000_i64)),
            "validation_failed",
        ),
        (compute(H100, json!(1e30)), "validation_failed"),
        (
            {
                let mut b = compute(H100, json!(60));
                b["window_end"] = json!(in_days(-1));
                b
            },
            "validation_failed",
        ),
        (
            {
                let mut b = compute(H100, json!(60));
                b.as_object_mut().unwrap().remove("window_end");
                b
            },
            "invalid_body",
        ),
        (
            {
                let mut b = compute(H100, json!(60));
                b["provider"] = json!("a\u{0}b");
                b
            },
            "validation_failed",
        ),
        (
            {
                let mut b = compute(H100, json!(60));
                b["goal_id"] = json!(424242);
                b
            },
            "unknown_goal",
        ),
    ];
    for (i, (body, code)) in cases.iter().enumerate() {
        let res = s
            .pledge_as(&s.sponsor.token, &format!("bad-{i}"), body)
            .await;
        assert_problem(res, 422, code).await;
    }
    let unknown = s
        .pledge_as(
            &s.sponsor.token,
            "bad-class",
            &compute("B200-999GB", json!(60)),
        )
        .await;
    let problem = assert_problem(unknown, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "accelerator");
    assert_eq!(problem["errors"][0]["code"], "unknown");
    assert_eq!(s.count_pledges(), 0);
    assert_eq!(s.count_transactions(), 0);
}

#[tokio::test]
async fn reports_are_confirmed_into_the_ledger_and_never_past_the_pledge() {
    let s = setup().await;
    // Created once per key: the grant is in the ledger at once.
    let body = compute(H100, json!(1000));
    let res = s.pledge_as(&s.sponsor.token, "grant-1", &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let first = res.text().await.unwrap();
    let pledge: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(pledge["kind"], "compute");
    assert_eq!(pledge["state"], "pledged");
    assert_eq!(
        pledge["compute"],
        json!({"accelerator": H100, "gpu_minutes": 1000})
    );
    assert_eq!(pledge["provider"], "Lab cluster");
    let id = pledge["id"].as_i64().unwrap();
    let again = s.pledge_as(&s.sponsor.token, "grant-1", &body).await;
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(again.text().await.unwrap(), first);
    let other = s
        .pledge_as(&s.sponsor.token, "grant-1", &compute(H100, json!(999)))
        .await;
    assert_problem(other, 409, "idempotency_key_reused").await;
    assert_eq!(s.count_pledges(), 1);
    let ledger = s.ledger().await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["kind"], "pledge");
    let project_id = pledge["project_id"].as_i64().unwrap();
    let receivable = format!("Assets:Projects:P{project_id}:Receivable:Compute");
    assert_eq!(
        entries(&ledger[0]),
        [
            (receivable.clone(), format!("GPU:{H100}"), 1000),
            ("Income:Sponsors".into(), format!("GPU:{H100}"), -1000)
        ]
    );
    // The sponsor's own list shows it with its class.
    let mine = s.app.json_as("/api/v1/me/pledges", &s.sponsor.token).await;
    assert_eq!(mine["items"][0]["compute"]["accelerator"], H100);
    // So does the maintainers' list of the project's pledges.
    let listed = s
        .app
        .json_as(
            &format!("/api/v1/projects/{}/pledges?state=pledged", s.slug),
            &s.owner.token,
        )
        .await;
    assert_eq!(
        listed["items"][0]["compute"],
        json!({"accelerator": H100, "gpu_minutes": 1000})
    );
    assert_eq!(listed["items"][0]["provider"], "Lab cluster");
    // Compute is delivered, not received or cancelled.
    for what in ["confirm", "cancel"] {
        let token = if what == "confirm" {
            &s.owner.token
        } else {
            &s.sponsor.token
        };
        let res = s
            .post(token, &format!("/api/v1/pledges/{id}/{what}"), &json!({}))
            .await;
        assert_problem(res, 409, "invalid_state").await;
    }

    // A report the pledge has no room for is refused at once.
    assert_problem(
        s.report(&s.sponsor.token, id, 1001).await,
        422,
        "exceeds_pledge",
    )
    .await;
    for bad in [json!(0), json!(-5), json!(2.5), json!("60")] {
        let res = s
            .post(
                &s.sponsor.token,
                &format!("/api/v1/pledges/{id}/deliveries"),
                &json!({"gpu_minutes": bad, "evidence": "x"}),
            )
            .await;
        assert_problem(res, 422, "validation_failed").await;
    }
    let res = s
        .post(
            &s.sponsor.token,
            &format!("/api/v1/pledges/{id}/deliveries"),
            &json!({"gpu_minutes": 5, "evidence": "javascript:alert(1)"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    // A stranger may not report.
    let stranger = s.app.user().await;
    assert_problem(s.report(&stranger.token, id, 10).await, 403, "forbidden").await;

    let first = s.reported(id, 600).await;
    s.wait_mail(&s.owner.email, "delivery_reported").await;
    let pending = s
        .app
        .json_as(
            &format!("/api/v1/projects/{}/deliveries?state=reported", s.slug),
            &s.owner.token,
        )
        .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    assert_eq!(pending["items"][0]["id"], first);
    assert_problem(
        s.app
            .get_as(
                &format!("/api/v1/projects/{}/deliveries", s.slug),
                &s.sponsor.token,
            )
            .await,
        403,
        "forbidden",
    )
    .await;

    // Only the project's people confirm; once.
    assert_problem(s.confirm(&s.sponsor.token, first).await, 403, "forbidden").await;
    let res = s.confirm(&s.owner.token, first).await;
    assert_eq!(res.status().as_u16(), 200);
    let confirmed: Value = res.json().await.unwrap();
    assert_eq!(confirmed["delivery"]["state"], "confirmed");
    assert_eq!(confirmed["pledge"]["state"], "pledged");
    assert_problem(s.confirm(&s.owner.token, first).await, 409, "invalid_state").await;
    s.wait_mail(&s.sponsor.email, "delivery_confirmed").await;
    let ledger = s.ledger().await;
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[0]["kind"], "delivery");
    assert_eq!(
        entries(&ledger[0]),
        [
            ("Expenses:Compute:Used".into(), format!("GPU:{H100}"), 600),
            (receivable.clone(), format!("GPU:{H100}"), -600)
        ]
    );

    // 600 confirmed: 401 more do not fit, 400 do.
    assert_problem(
        s.report(&s.sponsor.token, id, 401).await,
        422,
        "exceeds_pledge",
    )
    .await;
    let rejected = s.reported(id, 400).await;
    let res = s
        .post(
            &s.owner.token,
            &format!("/api/v1/deliveries/{rejected}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["state"], "rejected");
    assert_problem(
        s.confirm(&s.owner.token, rejected).await,
        409,
        "invalid_state",
    )
    .await;
    let last = s.reported(id, 400).await;
    let done: Value = s.confirm(&s.owner.token, last).await.json().await.unwrap();
    assert_eq!(done["pledge"]["state"], "delivered");
    assert_problem(
        s.report(&s.sponsor.token, id, 1).await,
        409,
        "invalid_state",
    )
    .await;

    let list = s
        .app
        .json_as(
            &format!("/api/v1/pledges/{id}/deliveries"),
            &s.sponsor.token,
        )
        .await;
    assert_eq!(list["confirmed_gpu_minutes"], 1000);
    assert_eq!(list["pending_gpu_minutes"], 0);
    assert_eq!(list["remaining_gpu_minutes"], 0);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert_problem(
        s.app
            .get_as(&format!("/api/v1/pledges/{id}/deliveries"), &stranger.token)
            .await,
        403,
        "forbidden",
    )
    .await;
    let balances: Value = s
        .app
        .get(&format!("/api/v1/projects/{}/balances", s.slug))
        .await
        .json()
        .await
        .unwrap();
    let text = balances.to_string();
    assert!(!text.contains(&s.sponsor.email), "{text}");
}

#[tokio::test]
async fn a_pledge_token_reports_deliveries_and_does_nothing_else() {
    let s = setup().await;
    let id = s.pledge(1000).await;
    let other = s.pledge(1000).await;
    // Only the sponsor and the project's people make one, from a session.
    let stranger = s.app.user().await;
    let path = format!("/api/v1/pledges/{id}/tokens");
    assert_problem(
        s.post(&stranger.token, &path, &json!({"name": "x"})).await,
        403,
        "forbidden",
    )
    .await;
    let res = s
        .post(
            &s.sponsor.token,
            &path,
            &json!({"name": "cluster reporter"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["token"]["pledge_id"], id);
    assert_eq!(created["token"]["scopes"], json!([]));
    let token = created["secret"].as_str().unwrap().to_owned();
    // A maintainer may make one too.
    let res = s
        .post(&s.owner.token, &path, &json!({"name": "owner's reporter"}))
        .await;
    assert_eq!(res.status().as_u16(), 201);

    let res = s.report(&token, id, 120).await;
    assert_eq!(res.status().as_u16(), 201);
    let delivery: Value = res.json().await.unwrap();
    assert!(delivery["reported_by_token"].as_bool().unwrap());
    assert_eq!(delivery["state"], "reported");

    // Everything else is refused.
    assert_problem(s.report(&token, other, 1).await, 403, "forbidden").await;
    for path in [
        "/api/v1/me".to_owned(),
        "/api/v1/me/pledges".to_owned(),
        "/api/v1/me/tokens".to_owned(),
        format!("/api/v1/pledges/{id}/deliveries"),
        format!("/api/v1/projects/{}/deliveries", s.slug),
    ] {
        assert_problem(s.app.get_as(&path, &token).await, 403, "insufficient_scope").await;
    }
    let delivery_id = delivery["id"].as_i64().unwrap();
    for (path, body) in [
        (
            format!("/api/v1/deliveries/{delivery_id}/confirm"),
            json!({}),
        ),
        (
            format!("/api/v1/deliveries/{delivery_id}/reject"),
            json!({}),
        ),
        (
            format!("/api/v1/pledges/{id}/tokens"),
            json!({"name": "more"}),
        ),
        (
            "/api/v1/projects".to_owned(),
            json!({"slug": "tok-made", "name": "T", "kind": "tool"}),
        ),
        (
            format!("/api/v1/projects/{}/pledges", s.slug),
            compute(H100, json!(60)),
        ),
    ] {
        assert_problem(
            s.post(&token, &path, &body).await,
            403,
            "insufficient_scope",
        )
        .await;
    }
    // The report is still only reported; the owner can confirm it.
    assert_eq!(
        s.confirm(&s.owner.token, delivery_id)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn concurrent_confirmations_never_take_delivered_past_pledged() {
    let s = setup().await;
    let id = s.pledge(1000).await;
    // Eight reports of 300 each fit alone; together only three do.
    let mut reports = Vec::new();
    for _ in 0..8 {
        reports.push(s.reported(id, 300).await);
    }
    let outcomes = futures_util::future::join_all(
        reports
            .iter()
            .map(|d| async { outcome(s.confirm(&s.owner.token, *d).await).await }),
    )
    .await;
    let ok = outcomes.iter().filter(|o| o.0 == 200).count();
    assert_eq!(ok, 3, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .filter(|o| o.0 != 200)
            .all(|o| *o == (422, "exceeds_pledge".to_owned())),
        "{outcomes:?}"
    );
    let confirmed: Vec<i64> = deliveries::table
        .filter(deliveries::pledge_id.eq(id))
        .filter(deliveries::state.eq("confirmed"))
        .select(deliveries::gpu_minutes)
        .load(&mut s.app.conn())
        .unwrap();
    assert_eq!(confirmed.iter().sum::<i64>(), 900);
    let used: Vec<Value> = s
        .ledger()
        .await
        .into_iter()
        .filter(|t| t["kind"] == "delivery")
        .collect();
    assert_eq!(used.len(), 3);

    // Two confirmations whose sum exceeds what is left: exactly one wins.
    let id = s.pledge(1000).await;
    let a = s.reported(id, 700).await;
    let b = s.reported(id, 700).await;
    let (ra, rb) = tokio::join!(
        async { outcome(s.confirm(&s.owner.token, a).await).await },
        async { outcome(s.confirm(&s.owner.token, b).await).await }
    );
    let mut got = vec![ra, rb];
    got.sort();
    assert_eq!(
        got,
        [(200, String::new()), (422, "exceeds_pledge".to_owned())]
    );
}

#[tokio::test]
async fn the_expiry_job_lapses_the_rest_once() {
    let s = setup().await;
    let id = s.pledge(1000).await;
    let done = s.reported(id, 300).await;
    assert_eq!(s.confirm(&s.owner.token, done).await.status().as_u16(), 200);
    let pending = s.reported(id, 200).await;
    // The window ends.
    diesel::update(pledges::table.find(id))
        .set(pledges::window_end.eq(now() - chrono::Duration::minutes(1)))
        .execute(&mut s.app.conn())
        .unwrap();
    let db = Db::new(s.app.database_url.clone(), 1).unwrap();
    let first = db
        .write_blocking(|tx| openfund::app::compute::expire(tx, PledgeId(id), now()))
        .unwrap();
    assert_eq!(first, Some(700));
    let second = db
        .write_blocking(|tx| openfund::app::compute::expire(tx, PledgeId(id), now()))
        .unwrap();
    assert_eq!(second, None);
    assert_eq!(s.pledge_state(id), "expired");
    let expiries: Vec<Value> = s
        .ledger()
        .await
        .into_iter()
        .filter(|t| t["kind"] == "expiry")
        .collect();
    assert_eq!(expiries.len(), 1);
    assert_eq!(
        entries(&expiries[0])[0],
        (
            "Expenses:Compute:Expired".into(),
            format!("GPU:{H100}"),
            700
        )
    );
    // A pending report of an expired pledge is not confirmed any more.
    assert_problem(
        s.confirm(&s.owner.token, pending).await,
        409,
        "invalid_state",
    )
    .await;
    assert_problem(
        s.report(&s.sponsor.token, id, 1).await,
        409,
        "invalid_state",
    )
    .await;

    // The job does the same for another pledge, and running it again adds nothing.
    let other = s.pledge(500).await;
    diesel::update(pledges::table.find(other))
        .set(pledges::window_end.eq(now() - chrono::Duration::minutes(1)))
        .execute(&mut s.app.conn())
        .unwrap();
    {
        db.write_blocking(|tx| {
            openfund::jobs::enqueue_or_bring_forward(
                tx,
                &openfund::jobs::kinds::ExpireCompute,
                now(),
            )
        })
        .unwrap();
        crate::helpers::wait_until(
            "the expiry job",
            std::time::Duration::from_secs(20),
            || async { s.pledge_state(other) == "expired" },
        )
        .await;
    }
    let transactions: i64 = ledger_transactions::table
        .filter(ledger_transactions::pledge_id.eq(other))
        .filter(ledger_transactions::kind.eq("expiry"))
        .count()
        .get_result(&mut s.app.conn())
        .unwrap();
    assert_eq!(transactions, 1);
}

/// A day of accounting: typed and untyped GPUs, steps, an array, a running job.
const SACCT: &str = "\
1001|2024-05-01T10:00:00|2024-05-01T11:00:00|3600|billing=16,cpu=16,gres/gpu:h100=4,gres/gpu=4,mem=128G,node=1|COMPLETED
1001.batch|2024-05-01T10:00:00|2024-05-01T11:00:00|3600|cpu=16,gres/gpu:h100=4,gres/gpu=4,mem=128G,node=1|COMPLETED
1001.extern|2024-05-01T10:00:00|2024-05-01T11:00:00|3600|billing=16,cpu=16,gres/gpu:h100=4,gres/gpu=4,mem=128G,node=1|COMPLETED
1002_1|2024-05-01T12:00:00|2024-05-01T12:01:30|90|cpu=4,gres/gpu:a100=1,gres/gpu=1,node=1|FAILED
1003|2024-05-01T13:00:00|2024-05-01T13:10:00|600|cpu=32,gres/gpu:h100=2,gres/gpu=3,node=2|TIMEOUT
1004|2024-05-01T14:00:00|2024-05-01T14:10:00|600|cpu=8,gres/gpu=2,node=1|CANCELLED by 1234
1005|2024-05-01T16:00:00|Unknown|500|cpu=16,gres/gpu:h100=2,gres/gpu=2,node=1|RUNNING
1005.batch|2024-05-01T16:00:00|Unknown|500|cpu=16,gres/gpu:h100=2,gres/gpu=2,node=1|RUNNING
";

#[tokio::test]
async fn slurm_uploads_are_previewed_then_recorded_whole() {
    let s = setup().await;
    let id = s.pledge(1000).await;
    let types = format!("/api/v1/projects/{}/slurm-gpu-types", s.slug);
    let put = |t: &str, class: &str| {
        let (s, types, t, class) = (&s, &types, t.to_owned(), class.to_owned());
        async move {
            s.app
                .send_json_as(
                    Method::PUT,
                    &format!("{types}/{t}"),
                    &s.owner.token,
                    &json!({"accelerator": class}),
                )
                .await
        }
    };
    assert_eq!(put("h100", H100).await.status().as_u16(), 200);
    assert_problem(put("b200", "B200-999GB").await, 422, "validation_failed").await;
    assert_problem(put("bad%20type", H100).await, 422, "validation_failed").await;
    let map = s.app.json_as(&types, &s.owner.token).await;
    assert_eq!(map, json!([{"slurm_type": "h100", "accelerator": H100}]));
    assert_problem(
        s.app.get_as(&types, &s.sponsor.token).await,
        403,
        "forbidden",
    )
    .await;

    let preview_path = format!("/api/v1/projects/{}/deliveries/slurm", s.slug);
    let confirm_path = format!("{preview_path}/confirm");
    let upload = json!({"pledge_id": id, "sacct": SACCT});
    let res = s.post(&s.owner.token, &preview_path, &upload).await;
    assert_eq!(res.status().as_u16(), 200);
    let preview: Value = res.json().await.unwrap();
    // h100: 4×3600 + 2×600 = 15600 s = 260 min; a100 1×90 s = 1 min (unmapped); the
    // untyped GPUs: 1×600 (job 1003's third) + 2×600 (job 1004) = 1800 s = 30 min.
    assert_eq!(
        preview["types"],
        json!([
            {"slurm_type": "a100", "gpu_minutes": 1, "accelerator": null, "pledge_id": null},
            {"slurm_type": "h100", "gpu_minutes": 260, "accelerator": H100, "pledge_id": id},
        ])
    );
    assert_eq!(preview["unmapped"], json!(["a100"]));
    assert_eq!(preview["untyped_gpu_minutes"], 30);
    assert_eq!(preview["allocations_counted"], 4);
    assert_eq!(preview["allocations_skipped"], 1);
    assert_eq!(preview["steps_ignored"], 3);
    assert_eq!(preview["gpu_minutes"], 260);
    assert_eq!(preview["fits"], true);
    // Nothing stored by a preview; an unmapped type blocks the confirmation.
    assert_eq!(s.count_deliveries(), 0);
    let before = s.count_transactions();
    assert_problem(
        s.post(&s.owner.token, &confirm_path, &upload).await,
        422,
        "unmapped_gpu_types",
    )
    .await;
    assert_eq!(put("a100", A100).await.status().as_u16(), 200);

    // A bad line: its number, and nothing stored.
    let broken = SACCT.replacen("|3600|billing=16", "|36x0|billing=16", 1);
    let bad = json!({"pledge_id": id, "sacct": broken});
    for path in [&preview_path, &confirm_path] {
        let problem = assert_problem(
            s.post(&s.owner.token, path, &bad).await,
            422,
            "invalid_sacct",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "sacct:1");
        assert_eq!(problem["errors"][0]["code"], "bad_elapsed");
    }
    let wrong_digest = json!({"pledge_id": id, "sacct": SACCT, "digest": "0".repeat(64)});
    assert_problem(
        s.post(&s.owner.token, &confirm_path, &wrong_digest).await,
        422,
        "digest_mismatch",
    )
    .await;
    assert_eq!(s.count_deliveries(), 0);
    assert_eq!(s.count_transactions(), before);
    // The sponsor may not upload.
    assert_problem(
        s.post(&s.sponsor.token, &preview_path, &upload).await,
        403,
        "forbidden",
    )
    .await;

    let with_digest = json!({"pledge_id": id, "sacct": SACCT, "digest": preview["digest"]});
    let res = s.post(&s.owner.token, &confirm_path, &with_digest).await;
    assert_eq!(res.status().as_u16(), 201);
    let recorded: Value = res.json().await.unwrap();
    assert_eq!(recorded["delivery"]["source"], "slurm");
    assert_eq!(recorded["delivery"]["state"], "confirmed");
    assert_eq!(recorded["delivery"]["gpu_minutes"], 260);
    assert_eq!(s.count_deliveries(), 1);
    let ledger = s.ledger().await;
    assert_eq!(ledger[0]["kind"], "delivery");
    assert_eq!(entries(&ledger[0])[0].2, 260);
    s.wait_mail(&s.sponsor.email, "delivery_confirmed").await;

    // Two more uploads of 260 fit (780); a third would pass the pledge of 1000.
    for _ in 0..2 {
        let res = s.post(&s.owner.token, &confirm_path, &upload).await;
        assert_eq!(res.status().as_u16(), 201);
    }
    assert_problem(
        s.post(&s.owner.token, &confirm_path, &upload).await,
        422,
        "exceeds_pledge",
    )
    .await;
    let list = s
        .app
        .json_as(&format!("/api/v1/pledges/{id}/deliveries"), &s.owner.token)
        .await;
    assert!(list["confirmed_gpu_minutes"].as_i64().unwrap() <= 1000);
    assert_eq!(list["confirmed_gpu_minutes"], 780);

    // Removing a mapping; an unknown one is 404.
    let res = s
        .app
        .client
        .delete(s.app.url(&format!("{types}/a100")))
        .bearer_auth(&s.owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let res = s
        .app
        .client
        .delete(s.app.url(&format!("{types}/a100")))
        .bearer_auth(&s.owner.token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    let res = s
        .app
        .client
        .delete(s.app.url(&format!("{types}/a%00b")))
        .bearer_auth(&s.owner.token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn slurm_uploads_may_exceed_the_usual_body_limit_up_to_5_mib() {
    let s = setup().await;
    let id = s.pledge(1_000_000).await;
    let path = format!("/api/v1/projects/{}/deliveries/slurm", s.slug);
    // About 200 kB: over the server-wide 64 kB body limit, under this route's 5 MiB.
    let sacct: String = (1..=2000)
        .map(|j| format!("{j}|2024-05-01T10:00:00|2024-05-01T11:00:00|60|cpu=1,gres/gpu:h100=1,gres/gpu=1|COMPLETED\n"))
        .collect();
    assert!(sacct.len() > 64 * 1024);
    let res = s
        .post(
            &s.owner.token,
            &path,
            &json!({"pledge_id": id, "sacct": sacct}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let preview: Value = res.json().await.unwrap();
    assert_eq!(preview["allocations_counted"], 2000);
    assert_eq!(preview["unmapped"], json!(["h100"]));
    let huge = "x".repeat(5 * 1024 * 1024 + 1);
    let res = s
        .post(
            &s.owner.token,
            &path,
            &json!({"pledge_id": id, "sacct": huge}),
        )
        .await;
    assert_problem(res, 413, "payload_too_large").await;
    let res = s
        .app
        .client
        .post(s.app.url(&path))
        .bearer_auth(&s.owner.token)
        .header("content-type", "text/plain")
        .body("1|2|3")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
    let res = s
        .app
        .client
        .post(s.app.url(&path))
        .bearer_auth(&s.owner.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json").await;
}
