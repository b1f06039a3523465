//! The public ledger and expenses: money a project holds can be spent once, never
//! twice (also when two expenses race), amounts are exact integers, a transaction is
//! reversed once, and a refused request writes nothing. Run on both backends.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::app::ledger::{self, Links};
use openfund::db::Db;
use openfund::db::schema::{expenses, ledger_transactions, projects};
use openfund::domain::ids::{ProjectId, TransactionId};
use openfund::domain::ledger::{Commodity, Entry, LedgerAccount, NewTransaction, TransactionKind};
use openfund::domain::money::Currency;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app_with};

/// Posts a gift of `amount_minor` US cents from outside to the project, through the
/// ledger's own use case (pledges, which bring money in through the API, come later);
/// returns the transaction's id.
pub fn gift(app: &TestApp, project: ProjectId, amount_minor: i64) -> TransactionId {
    let db = Db::new(app.database_url.clone(), 1).expect("pool");
    let usd = Commodity::Money(Currency::USD);
    let transaction = NewTransaction::new(
        "Gift",
        vec![
            Entry {
                account: LedgerAccount::ProjectHeld(project),
                commodity: usd.clone(),
                amount: amount_minor,
            },
            Entry {
                account: LedgerAccount::ExternalIncome,
                commodity: usd,
                amount: -amount_minor,
            },
        ],
    )
    .expect("a balanced gift");
    db.write_blocking(|tx| {
        ledger::post(
            tx,
            Some(project),
            TransactionKind::Gift,
            &transaction,
            Links::default(),
            None,
            openfund::db::now(),
        )
    })
    .expect("post the gift")
}

struct Funded {
    app: TestApp,
    owner: TestUser,
    slug: String,
    project: ProjectId,
}

/// A project holding `held` US cents, owned by a signed-in user.
async fn funded(held: i64) -> Funded {
    let app = spawn_app_with(|c| {
        c.workers = Some(4);
        c.db_pool_size = 8;
    })
    .await;
    let owner = app.user().await;
    let slug = format!("p{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Funded", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let id: i64 = projects::table
        .filter(projects::slug.eq(&slug))
        .select(projects::id)
        .first(&mut app.conn())
        .unwrap();
    let project = ProjectId(id);
    gift(&app, project, held);
    Funded {
        app,
        owner,
        slug,
        project,
    }
}

impl Funded {
    async fn expense(&self, token: &str, amount: Value) -> reqwest::Response {
        self.app
            .send_json_as(
                Method::POST,
                &format!("/api/v1/projects/{}/expenses", self.slug),
                token,
                &json!({
                    "description": "GPU rental, March",
                    "amount": amount,
                    "receipt_url": "https://example.org/receipts/42",
                }),
            )
            .await
    }

    async fn held(&self) -> i64 {
        let body: Value = self
            .app
            .get(&format!("/api/v1/projects/{}/balances", self.slug))
            .await
            .json()
            .await
            .unwrap();
        let path = format!("Assets:Projects:P{}:Held", self.project.get());
        body["balances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["account"] == path.as_str() && b["commodity"] == "USD")
            .map_or(0, |b| b["amount"].as_i64().unwrap())
    }

    fn expense_rows(&self) -> i64 {
        expenses::table
            .filter(expenses::project_id.eq(self.project))
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    fn transactions(&self) -> i64 {
        ledger_transactions::table
            .filter(ledger_transactions::project_id.eq(self.project))
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }
}

fn usd(amount_minor: i64) -> Value {
    json!({"currency": "USD", "amount_minor": amount_minor})
}

#[tokio::test]
async fn an_expense_is_recorded_in_the_ledger_and_cannot_overdraw() {
    let f = funded(5_000).await;
    assert_eq!(f.held().await, 5_000);

    let res = f.expense(&f.owner.token, usd(3_000)).await;
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["expense"]["amount"], usd(3_000));
    assert_eq!(
        body["expense"]["receipt_url"],
        "https://example.org/receipts/42"
    );
    assert_eq!(f.held().await, 2_000);

    // The ledger shows it, newest first, balanced, with the expense linked.
    let ledger: Value = f
        .app
        .get(&format!("/api/v1/projects/{}/ledger", f.slug))
        .await
        .json()
        .await
        .unwrap();
    let items = ledger["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "expense");
    assert_eq!(items[0]["id"], body["transaction_id"]);
    assert_eq!(items[0]["expense_id"], body["expense"]["id"]);
    assert_eq!(items[1]["kind"], "gift");
    let entries = items[0]["entries"].as_array().unwrap();
    let sum: i64 = entries.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
    assert_eq!(sum, 0);
    assert!(
        entries
            .iter()
            .any(|e| e["account"] == "Expenses:Spending" && e["amount"] == 3_000)
    );

    // 3,000 more than the 2,000 left: refused, and nothing written.
    let (rows, transactions) = (f.expense_rows(), f.transactions());
    let problem = assert_problem(
        f.expense(&f.owner.token, usd(3_000)).await,
        422,
        "insufficient_funds",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("2000"));
    assert_eq!((f.expense_rows(), f.transactions()), (rows, transactions));
    assert_eq!(f.held().await, 2_000);

    // Exactly what is left is fine.
    assert_eq!(
        f.expense(&f.owner.token, usd(2_000))
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(f.held().await, 0);
}

#[tokio::test]
async fn two_concurrent_expenses_against_one_balance_give_one_201_and_one_422() {
    for round in 0..3 {
        let f = funded(5_000).await;
        let (a, b) = tokio::join!(
            f.expense(&f.owner.token, usd(3_000)),
            f.expense(&f.owner.token, usd(3_000))
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 422], "round {round}");
        let refused = if a.status().as_u16() == 422 { a } else { b };
        assert_problem(refused, 422, "insufficient_funds").await;
        assert_eq!(f.expense_rows(), 1);
        assert_eq!(f.held().await, 2_000);
    }
}

#[tokio::test]
async fn bad_amounts_and_other_currencies_are_refused_with_nothing_stored() {
    let f = funded(10_000).await;
    let (rows, transactions) = (f.expense_rows(), f.transactions());
    for (amount, code) in [
        (
            json!({"currency": "USD", "amount_minor": 0}),
            "validation_failed",
        ),
        (
            json!({"currency": "USD", "amount_minor": -5}),
            "validation_failed",
        ),
        (
            json!({"currency": "USD", "amount_minor": 1.5}),
            "validation_failed",
        ),
        (
            json!({"currency": "USD", "amount_minor": "100"}),
            "validation_failed",
        ),
        (
            json!({"currency": "USD", "amount_minor": null}),
            "validation_failed",
        ),
        (
            json!({"currency": "USD", "amount_minor": 10_000_000_000_001_i64}),
            "validation_failed",
        ),
        (
            json!({"currency": "usd", "amount_minor": 100}),
            "validation_failed",
        ),
        (
            json!({"currency": "ZZZ", "amount_minor": 100}),
            "validation_failed",
        ),
        (
            json!({"currency": "EUR", "amount_minor": 100}),
            "currency_mismatch",
        ),
    ] {
        let res = f.expense(&f.owner.token, amount.clone()).await;
        assert_problem(res, 422, code).await;
    }
    // A receipt link must be http(s).
    let res = f
        .app
        .send_json_as(
            Method::POST,
            &format!("/api/v1/projects/{}/expenses", f.slug),
            &f.owner.token,
            &json!({
                "description": "x",
                "amount": usd(1),
                "receipt_url": "javascript:alert(1)"
            }),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "receipt_url");
    assert_eq!((f.expense_rows(), f.transactions()), (rows, transactions));
}

#[tokio::test]
async fn a_transaction_is_reversed_exactly_once() {
    let f = funded(5_000).await;
    let res = f.expense(&f.owner.token, usd(1_250)).await;
    let body: Value = res.json().await.unwrap();
    let id = body["transaction_id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{}/ledger/{id}/reverse", f.slug);

    // Two at once: one reversal, one 409.
    let empty = json!({});
    let (a, b) = tokio::join!(
        f.app
            .send_json_as(Method::POST, &path, &f.owner.token, &empty),
        f.app
            .send_json_as(Method::POST, &path, &f.owner.token, &empty)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let (done, refused) = if a.status().as_u16() == 201 {
        (a, b)
    } else {
        (b, a)
    };
    assert_problem(refused, 409, "already_reversed").await;
    let reversal: Value = done.json().await.unwrap();
    assert_eq!(reversal["kind"], "reversal");
    assert_eq!(reversal["reverses_id"], id);
    let amounts: Vec<i64> = reversal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [-1_250, 1_250], "the original's entries, negated");
    assert_eq!(f.held().await, 5_000);

    // Later, still 409.
    assert_problem(
        f.app
            .send_json_as(Method::POST, &path, &f.owner.token, &json!({}))
            .await,
        409,
        "already_reversed",
    )
    .await;
}

#[tokio::test]
async fn undoing_money_already_spent_is_refused() {
    let f = funded(1_000).await;
    // The gift is the project's first transaction.
    let gift: i64 = ledger_transactions::table
        .filter(ledger_transactions::project_id.eq(f.project))
        .select(ledger_transactions::id)
        .first(&mut f.app.conn())
        .unwrap();
    assert_eq!(
        f.expense(&f.owner.token, usd(600)).await.status().as_u16(),
        201
    );
    let path = format!("/api/v1/projects/{}/ledger/{gift}/reverse", f.slug);
    assert_problem(
        f.app
            .send_json_as(Method::POST, &path, &f.owner.token, &json!({}))
            .await,
        422,
        "insufficient_funds",
    )
    .await;
    assert_eq!(f.held().await, 400);
}

#[tokio::test]
async fn ledger_pages_by_cursor_and_filters_by_kind() {
    let f = funded(10_000).await;
    for _ in 0..4 {
        assert_eq!(
            f.expense(&f.owner.token, usd(100)).await.status().as_u16(),
            201
        );
    }
    let mut seen = Vec::new();
    let mut next = format!("/api/v1/projects/{}/ledger?limit=2", f.slug);
    loop {
        let page: Value = f.app.get(&next).await.json().await.unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => next = format!("/api/v1/projects/{}/ledger?limit=2&cursor={c}", f.slug),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seen:?}"
    );

    let gifts: Value = f
        .app
        .get(&format!("/api/v1/projects/{}/ledger?kind=gift", f.slug))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(gifts["items"].as_array().unwrap().len(), 1);

    let res = f
        .app
        .get(&format!("/api/v1/projects/{}/ledger?cursor=!!", f.slug))
        .await;
    assert_eq!(res.status().as_u16(), 400);
    let res = f.app.get("/api/v1/projects/no-such-project/ledger").await;
    assert_problem(res, 404, "not_found").await;
    // A NUL byte in the slug (PostgreSQL refuses such text) names no project: 404, not
    // a 500, on every route that takes a slug.
    for path in ["", "/ledger", "/balances", "/expenses"] {
        let res = f.app.get(&format!("/api/v1/projects/a%00b{path}")).await;
        assert_problem(res, 404, "not_found").await;
    }
    let res = f.app.get("/projects/a%00b").await;
    assert_eq!(res.status().as_u16(), 404);
}
