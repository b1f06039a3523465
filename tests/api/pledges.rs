//! Money pledges: idempotent creation (a retry never pledges twice, also 50 at once),
//! receipt into the public ledger, cancellation, and an anonymous sponsor never named
//! in public. Run on both backends.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::db::schema::{ledger_transactions, pledges};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app_with};

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
    let slug = format!("p{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Pledged", "kind": "dataset"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    Setup {
        app,
        owner,
        sponsor,
        slug,
    }
}

impl Setup {
    async fn pledge_raw(&self, key: Option<&str>, body: String) -> reqwest::Response {
        let mut req = self
            .app
            .client
            .post(
                self.app
                    .url(&format!("/api/v1/projects/{}/pledges", self.slug)),
            )
            .bearer_auth(&self.sponsor.token)
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
        }
        req.send().await.unwrap()
    }

    async fn pledge(&self, key: &str, body: &Value) -> reqwest::Response {
        self.pledge_raw(Some(key), body.to_string()).await
    }

    async fn post_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.app
            .send_json_as(Method::POST, path, token, &json!({}))
            .await
    }

    fn pledge_rows(&self) -> i64 {
        pledges::table
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    async fn public(&self, what: &str) -> String {
        self.app
            .get(&format!("/api/v1/projects/{}/{what}", self.slug))
            .await
            .text()
            .await
            .unwrap()
    }
}

fn money(amount_minor: i64) -> Value {
    json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": amount_minor}})
}

#[tokio::test]
async fn a_pledge_is_received_into_the_ledger_once() {
    let s = setup().await;
    let res = s.pledge("k-1", &money(12_500)).await;
    assert_eq!(res.status().as_u16(), 201);
    let pledge: Value = res.json().await.unwrap();
    assert_eq!(pledge["state"], "pledged");
    assert_eq!(pledge["recurrence"], "one_time");
    assert_eq!(
        pledge["amount"],
        json!({"currency": "USD", "amount_minor": 12_500})
    );
    let id = pledge["id"].as_i64().unwrap();

    // The sponsor sees it; nothing is in the ledger until the money arrives.
    let mine = s.app.json_as("/api/v1/me/pledges", &s.sponsor.token).await;
    assert_eq!(mine["items"][0]["id"], id);
    assert_eq!(mine["items"][0]["project_slug"], s.slug.as_str());
    assert_eq!(mine["items"][0]["project_name"], "Pledged");
    let ledger: Value = serde_json::from_str(&s.public("ledger").await).unwrap();
    assert_eq!(ledger["items"].as_array().unwrap().len(), 0);

    // Only the project's people confirm it.
    let confirm = format!("/api/v1/pledges/{id}/confirm");
    assert_problem(
        s.post_as(&s.sponsor.token, &confirm).await,
        403,
        "forbidden",
    )
    .await;
    let res = s.post_as(&s.owner.token, &confirm).await;
    assert_eq!(res.status().as_u16(), 200);
    let received: Value = res.json().await.unwrap();
    assert_eq!(received["state"], "received");

    let ledger: Value = serde_json::from_str(&s.public("ledger").await).unwrap();
    let items = ledger["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "receipt");
    let entries: Vec<(String, i64)> = items[0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["account"].as_str().unwrap().to_owned(),
                e["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(entries.contains(&("Income:Sponsors".to_owned(), -12_500)));
    assert_eq!(entries.iter().map(|e| e.1).sum::<i64>(), 0);

    // Received once: a second confirmation, or a cancellation, is refused.
    assert_problem(
        s.post_as(&s.owner.token, &confirm).await,
        409,
        "invalid_state",
    )
    .await;
    assert_problem(
        s.post_as(&s.sponsor.token, &format!("/api/v1/pledges/{id}/cancel"))
            .await,
        409,
        "invalid_state",
    )
    .await;
    let receipts: i64 = ledger_transactions::table
        .filter(ledger_transactions::pledge_id.eq(id))
        .count()
        .get_result(&mut s.app.conn())
        .unwrap();
    assert_eq!(receipts, 1);
}

#[tokio::test]
async fn two_concurrent_confirmations_receive_once() {
    let s = setup().await;
    let pledge: Value = s.pledge("k", &money(900)).await.json().await.unwrap();
    let confirm = format!("/api/v1/pledges/{}/confirm", pledge["id"]);
    let (a, b) = tokio::join!(
        s.post_as(&s.owner.token, &confirm),
        s.post_as(&s.owner.token, &confirm)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let ledger: Value = serde_json::from_str(&s.public("ledger").await).unwrap();
    assert_eq!(ledger["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_same_key_and_body_replays_the_first_response() {
    let s = setup().await;
    let first = s
        .pledge_raw(
            Some("retry-me"),
            r#"{"kind":"money","amount":{"currency":"USD","amount_minor":700},"message":"hi"}"#
                .into(),
        )
        .await;
    assert_eq!(first.status().as_u16(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body = first.text().await.unwrap();

    // The same request, its members reordered and spaced differently.
    let again = s
        .pledge_raw(
            Some("retry-me"),
            r#"{ "message": "hi", "amount": {"amount_minor": 700, "currency": "USD"}, "kind": "money" }"#
                .into(),
        )
        .await;
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), first_body);
    assert_eq!(s.pledge_rows(), 1);

    // The same key with another body: refused, nothing written.
    assert_problem(
        s.pledge("retry-me", &money(701)).await,
        409,
        "idempotency_key_reused",
    )
    .await;
    // No key, or a bad one: refused before anything happens.
    assert_problem(
        s.pledge_raw(None, money(1).to_string()).await,
        400,
        "idempotency_key_required",
    )
    .await;
    assert_problem(
        s.pledge("has space", &money(1)).await,
        400,
        "invalid_idempotency_key",
    )
    .await;
    // A new key is a new pledge.
    assert_eq!(
        s.pledge("another", &money(700)).await.status().as_u16(),
        201
    );
    assert_eq!(s.pledge_rows(), 2);
}

#[tokio::test]
async fn fifty_concurrent_requests_with_one_key_make_one_pledge() {
    let s = setup().await;
    let body = money(4_200);
    let responses = futures_util::future::join_all(
        (0..50).map(|_| async { s.pledge("one-key-for-all", &body).await }),
    )
    .await;
    let mut bodies = Vec::new();
    for res in responses {
        assert_eq!(res.status().as_u16(), 201);
        bodies.push(res.text().await.unwrap());
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "identical bodies");
    assert_eq!(s.pledge_rows(), 1);
}

#[tokio::test]
async fn bad_pledges_are_refused_with_nothing_stored() {
    let s = setup().await;
    for (body, code) in [
        (
            json!({"kind": "money", "amount": {"currency": "EUR", "amount_minor": 100}}),
            "currency_mismatch",
        ),
        (money(0), "validation_failed"),
        (
            json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 2.5}}),
            "validation_failed",
        ),
        (
            json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 100}, "message": "x".repeat(2001)}),
            "validation_failed",
        ),
    ] {
        let key = uuid::Uuid::new_v4().to_string();
        assert_problem(s.pledge(&key, &body).await, 422, code).await;
    }
    // A body that fits neither kind (since request bodies are JsonObject): 422 invalid_body.
    let res = s.pledge("k", &json!({"kind": "barter"})).await;
    assert_problem(res, 422, "invalid_body").await;
    assert_eq!(s.pledge_rows(), 0);
}

#[tokio::test]
async fn only_the_sponsor_cancels_and_then_it_cannot_be_received() {
    let s = setup().await;
    let pledge: Value = s.pledge("k", &money(300)).await.json().await.unwrap();
    let id = pledge["id"].as_i64().unwrap();
    let cancel = format!("/api/v1/pledges/{id}/cancel");
    let stranger = s.app.user().await;
    assert_problem(s.post_as(&stranger.token, &cancel).await, 404, "not_found").await;
    let res = s.post_as(&s.sponsor.token, &cancel).await;
    assert_eq!(res.status().as_u16(), 200);
    let cancelled: Value = res.json().await.unwrap();
    assert_eq!(cancelled["state"], "cancelled");
    assert_problem(
        s.post_as(&s.owner.token, &format!("/api/v1/pledges/{id}/confirm"))
            .await,
        409,
        "invalid_state",
    )
    .await;
}

#[tokio::test]
async fn an_anonymous_sponsor_is_never_named_in_public() {
    let s = setup().await;
    let mut body = money(5_000);
    body["anonymous"] = json!(true);
    let pledge: Value = s.pledge("anon", &body).await.json().await.unwrap();
    assert_eq!(pledge["anonymous"], true);
    let res = s
        .post_as(
            &s.owner.token,
            &format!("/api/v1/pledges/{}/confirm", pledge["id"]),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let me = s.app.json_as("/api/v1/me", &s.sponsor.token).await;
    let name = me["display_name"].as_str().unwrap().to_owned();
    for what in ["ledger", "balances", "expenses"] {
        let text = s.public(what).await;
        for secret in [
            s.sponsor.email.clone(),
            name.clone(),
            format!("U{}", s.sponsor.id),
        ] {
            assert!(!text.contains(&secret), "{what} names the sponsor: {text}");
        }
    }
    let project = s
        .app
        .get(&format!("/api/v1/projects/{}", s.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(!project.contains(&s.sponsor.email));
}

#[tokio::test]
async fn maintainers_list_pledges_to_confirm_without_naming_anonymous_sponsors() {
    let s = setup().await;
    let named: Value = s.pledge("named", &money(1_000)).await.json().await.unwrap();
    let mut body = money(2_000);
    body["anonymous"] = json!(true);
    let anon: Value = s.pledge("anon", &body).await.json().await.unwrap();
    let received: Value = s.pledge("third", &money(3_000)).await.json().await.unwrap();
    let res = s
        .post_as(
            &s.owner.token,
            &format!("/api/v1/pledges/{}/confirm", received["id"]),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);

    let list = format!("/api/v1/projects/{}/pledges", s.slug);
    // Everyone else is refused: other users, and anonymous callers.
    let stranger = s.app.user().await;
    assert_problem(s.app.get_as(&list, &stranger.token).await, 403, "forbidden").await;
    assert_problem(
        s.app.get_as(&list, &s.sponsor.token).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(s.app.get(&list).await, 401, "unauthenticated").await;
    assert_problem(
        s.app
            .get_as("/api/v1/projects/no-such-project/pledges", &s.owner.token)
            .await,
        404,
        "not_found",
    )
    .await;

    // Waiting for confirmation: the two still pledged, newest first, one page at a time.
    let first = s
        .app
        .json_as(&format!("{list}?state=pledged&limit=1"), &s.owner.token)
        .await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], anon["id"]);
    assert_eq!(items[0]["anonymous"], true);
    assert_eq!(items[0]["sponsor_name"], Value::Null);
    assert_eq!(items[0]["amount"]["amount_minor"], 2_000);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = s
        .app
        .json_as(
            &format!("{list}?state=pledged&limit=1&cursor={cursor}"),
            &s.owner.token,
        )
        .await;
    let items = second["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], named["id"]);
    let me = s.app.json_as("/api/v1/me", &s.sponsor.token).await;
    assert_eq!(items[0]["sponsor_name"], me["display_name"]);
    assert_eq!(second["next_cursor"], Value::Null);

    // Without a state: all three. The anonymous sponsor appears nowhere in the page.
    let all = s
        .app
        .get_as(&list, &s.owner.token)
        .await
        .text()
        .await
        .unwrap();
    let all: Value = serde_json::from_str(&all).unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let anon_item = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == anon["id"])
        .unwrap()
        .to_string();
    assert!(!anon_item.contains(me["display_name"].as_str().unwrap()));
    assert!(!anon_item.contains(&s.sponsor.email));
    assert_problem(
        s.app
            .get_as(&format!("{list}?state=bogus"), &s.owner.token)
            .await,
        400,
        "invalid_query",
    )
    .await;
}

/// Each funding event reaches the outbox once, addressed to whom it concerns: the
/// sponsor's confirmation and the maintainers' "new pledge" when pledged (an anonymous
/// pledge names no sponsor to them), the sponsor's receipt when received.
#[tokio::test]
async fn pledge_events_are_mailed_once_to_whom_they_concern() {
    use openfund::db::schema::outbox;
    let s = setup().await;
    let mut body = money(2_500);
    body["anonymous"] = json!(true);
    let res = s.pledge("mail-1", &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // A replay announces nothing new.
    assert_eq!(s.pledge("mail-1", &body).await.status().as_u16(), 201);
    let res = s
        .post_as(&s.owner.token, &format!("/api/v1/pledges/{id}/confirm"))
        .await;
    assert_eq!(res.status().as_u16(), 200);

    let sent = |app: &TestApp| -> Vec<(String, String, String)> {
        outbox::table
            .select((outbox::template, outbox::to_address, outbox::text_body))
            .order(outbox::id)
            .load::<(String, String, Option<String>)>(&mut app.conn())
            .unwrap()
            .into_iter()
            .map(|(t, to, body)| (t, to, body.unwrap_or_default()))
            .filter(|(t, ..)| t.starts_with("pledge"))
            .collect()
    };
    crate::helpers::wait_until(
        "three pledge mails",
        std::time::Duration::from_secs(20),
        || {
            let n = sent(&s.app).len();
            async move { n >= 3 }
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = sent(&s.app);
    let find = |template: &str| -> Vec<&(String, String, String)> {
        mails.iter().filter(|m| m.0 == template).collect()
    };
    let created = find("pledge_created");
    assert_eq!(created.len(), 1, "{mails:?}");
    assert_eq!(created[0].1, s.sponsor.email);
    assert!(created[0].2.contains("25.00 USD"), "{}", created[0].2);
    let new = find("pledge_new");
    assert_eq!(new.len(), 1, "{mails:?}");
    assert_eq!(new[0].1, s.owner.email);
    assert!(new[0].2.contains("An anonymous sponsor"), "{}", new[0].2);
    assert!(!new[0].2.contains(&s.sponsor.email));
    let received = find("pledge_received");
    assert_eq!(received.len(), 1, "{mails:?}");
    assert_eq!(received[0].1, s.sponsor.email);
    assert_eq!(mails.len(), 3, "{mails:?}");
}

/// A `goal_id` follows the amounts' rule for JSON integers: `356.0` or `"356"` is a
/// field error (422 `validation_failed`, `not_an_integer`), never a 400, and stores
/// nothing.
#[tokio::test]
async fn a_goal_id_that_is_not_a_json_integer_is_a_field_error() {
    let s = setup().await;
    for (i, goal) in [json!(356.0), json!("356"), json!(-1)]
        .into_iter()
        .enumerate()
    {
        let mut body = money(1_000);
        body["goal_id"] = goal;
        let problem = assert_problem(
            s.pledge(&format!("goal-{i}"), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "goal_id", "{problem}");
    }
    assert_eq!(s.pledge_rows(), 0);
}
