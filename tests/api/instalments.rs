//! Monthly pledges: instalments fall due on the pledge's day of the month, clamped to
//! the month's end (Jan 31 → Feb 29 in a leap year → Mar 31 → Apr 30), the job that
//! creates them never creates one twice, and each is received into the ledger once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::app::instalments;
use openfund::db::Db;
use openfund::db::schema::{instalments as instalment_rows, pledges};
use openfund::domain::ids::PledgeId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app, wait_until};

struct Monthly {
    app: TestApp,
    owner: TestUser,
    sponsor: TestUser,
    slug: String,
    pledge: i64,
}

async fn monthly_pledge() -> Monthly {
    let app = spawn_app().await;
    let owner = app.user().await;
    let sponsor = app.user().await;
    let slug = format!("m{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Monthly", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let res = app
        .client
        .post(app.url(&format!("/api/v1/projects/{slug}/pledges")))
        .bearer_auth(&sponsor.token)
        .header("idempotency-key", "monthly-1")
        .json(&json!({
            "kind": "money",
            "amount": {"currency": "USD", "amount_minor": 2_000},
            "recurrence": "monthly"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.unwrap();
    Monthly {
        app,
        owner,
        sponsor,
        slug,
        pledge: body["id"].as_i64().unwrap(),
    }
}

impl Monthly {
    /// Runs the instalment job's unit of work for this pledge as if today were `today`.
    fn run_job(&self, today: &str) -> usize {
        let db = Db::new(self.app.database_url.clone(), 1).unwrap();
        let today: NaiveDate = today.parse().unwrap();
        db.write_blocking(|tx| {
            instalments::create_due(tx, PledgeId(self.pledge), today, openfund::db::now())
        })
        .unwrap()
    }

    fn due_dates(&self) -> Vec<String> {
        instalment_rows::table
            .filter(instalment_rows::pledge_id.eq(self.pledge))
            .order(instalment_rows::seq)
            .select(instalment_rows::due_at)
            .load::<NaiveDateTime>(&mut self.app.conn())
            .unwrap()
            .into_iter()
            .map(|d| d.date().to_string())
            .collect()
    }

    fn started(&self, at: &str) {
        let at: NaiveDateTime = at.parse().unwrap();
        diesel::update(pledges::table.find(self.pledge))
            .set(pledges::created_at.eq(at))
            .execute(&mut self.app.conn())
            .unwrap();
    }
}

#[tokio::test]
async fn instalments_fall_due_on_the_anchor_day_clamped_to_the_month_end() {
    let m = monthly_pledge().await;
    m.started("2028-01-31T10:00:00");
    assert_eq!(m.run_job("2028-04-30"), 4);
    assert_eq!(
        m.due_dates(),
        ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30"]
    );
    // Running again, or before the next due date, creates nothing.
    assert_eq!(m.run_job("2028-04-30"), 0);
    assert_eq!(m.run_job("2028-05-30"), 0);
    assert_eq!(m.run_job("2028-05-31"), 1);
    // Even if the watermark were lost, the unique (pledge, month) key holds.
    diesel::update(pledges::table.find(m.pledge))
        .set(pledges::instalments_created.eq(0))
        .execute(&mut m.app.conn())
        .unwrap();
    assert_eq!(m.run_job("2028-05-31"), 0);
    assert_eq!(m.due_dates().len(), 5);
    // 2029 is not a leap year.
    assert_eq!(m.run_job("2029-03-01"), 9);
    assert!(m.due_dates().contains(&"2029-02-28".to_owned()));
}

#[tokio::test]
async fn each_instalment_is_received_into_the_ledger_once() {
    let m = monthly_pledge().await;
    m.started("2028-02-29T00:00:00");
    assert_eq!(m.run_job("2028-04-29"), 3);

    // A monthly pledge is not received as a whole.
    assert_problem(
        m.app
            .send_json_as(
                Method::POST,
                &format!("/api/v1/pledges/{}/confirm", m.pledge),
                &m.owner.token,
                &json!({}),
            )
            .await,
        409,
        "invalid_state",
    )
    .await;

    // The maintainers see what is due; the sponsor may not look.
    let path = format!("/api/v1/projects/{}/instalments?state=due", m.slug);
    assert_problem(
        m.app.get_as(&path, &m.sponsor.token).await,
        403,
        "forbidden",
    )
    .await;
    let due = m.app.json_as(&path, &m.owner.token).await;
    let items = due["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[2]["number"], 1);
    assert_eq!(items[2]["due_at"], "2028-02-29T00:00:00Z");
    assert_eq!(items[1]["due_at"], "2028-03-29T00:00:00Z");
    assert_eq!(
        items[0]["amount"],
        json!({"currency": "USD", "amount_minor": 2_000})
    );

    let first = items[2]["id"].as_i64().unwrap();
    let confirm = format!("/api/v1/instalments/{first}/confirm");
    let res = m
        .app
        .send_json_as(Method::POST, &confirm, &m.owner.token, &json!({}))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let received: Value = res.json().await.unwrap();
    assert_eq!(received["state"], "received");
    assert_problem(
        m.app
            .send_json_as(Method::POST, &confirm, &m.owner.token, &json!({}))
            .await,
        409,
        "invalid_state",
    )
    .await;

    let ledger: Value = m
        .app
        .get(&format!("/api/v1/projects/{}/ledger", m.slug))
        .await
        .json()
        .await
        .unwrap();
    let items = ledger["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "receipt");
    let due = m.app.json_as(&path, &m.owner.token).await;
    assert_eq!(due["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_worker_creates_the_first_instalment_of_a_new_monthly_pledge() {
    let m = monthly_pledge().await;
    // The recurring job ran when the worker started, before the pledge existed; run it
    // now instead of in an hour.
    let db = Db::new(m.app.database_url.clone(), 1).unwrap();
    db.write_blocking(|tx| {
        openfund::jobs::enqueue_or_bring_forward(
            tx,
            &openfund::jobs::kinds::CreateInstalments,
            openfund::db::now(),
        )
    })
    .unwrap();
    wait_until(
        "the first instalment",
        std::time::Duration::from_secs(20),
        || async { m.due_dates().len() == 1 },
    )
    .await;
    let today = openfund::db::now().date().to_string();
    assert_eq!(m.due_dates(), [today]);
}
