//! The ledger's exports (CSV, Beancount) and the funding manifest: exact amounts in
//! JPY, USD and KWD and compute, journals that `bean-check` accepts, manifests that
//! follow the funding.json v1.0.0 rules, the ledger's filters, and the sponsor wall.
//! Run on both backends.

use std::collections::BTreeSet;

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::app::ledger::{self, Links};
use openfund::db::Db;
use openfund::db::schema::{goals, projects};
use openfund::domain::compute::AcceleratorClass;
use openfund::domain::ids::{ProjectId, TransactionId, UserId};
use openfund::domain::ledger::{Commodity, Entry, LedgerAccount, NewTransaction, TransactionKind};
use openfund::domain::money::Currency;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app};

pub struct Fixture {
    pub app: TestApp,
    pub owner: TestUser,
    pub sponsor: TestUser,
}

pub struct Project {
    pub slug: String,
    pub id: ProjectId,
}

impl Fixture {
    pub async fn new() -> Fixture {
        let app = spawn_app().await;
        let owner = app.user().await;
        let sponsor = app.user().await;
        Fixture {
            app,
            owner,
            sponsor,
        }
    }

    /// A project of the owner's in `currency`, with the settings the manifest needs.
    pub async fn project(&self, currency: &str) -> Project {
        let slug = format!("x{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let res = self
            .app
            .create_project(
                &self.owner.token,
                &json!({"slug": slug, "name": "Tiny \"LM\" \\ exports", "kind": "model",
                        "summary": "Small open language models, trained in the open."}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        let id: i64 = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        diesel::update(projects::table.find(id))
            .set((
                projects::currency.eq(currency),
                projects::contact_name.eq("Mina Maintainer"),
                projects::contact_email.eq("mina@example.org"),
                projects::license.eq("MIT OR Apache-2.0"),
                projects::repository_url.eq("https://github.com/example/tiny-lm"),
                projects::homepage.eq("https://example.org/tiny-lm"),
            ))
            .execute(&mut self.app.conn())
            .unwrap();
        Project {
            slug,
            id: ProjectId(id),
        }
    }

    /// Posts a balanced transaction through the ledger's use case.
    pub fn post(
        &self,
        project: &Project,
        kind: TransactionKind,
        description: &str,
        entries: Vec<Entry>,
    ) -> TransactionId {
        let db = Db::new(self.app.database_url.clone(), 1).expect("pool");
        let t = NewTransaction::new(description, entries).expect("balanced");
        db.write_blocking(|tx| {
            ledger::post(
                tx,
                Some(project.id),
                kind,
                &t,
                Links::default(),
                None,
                openfund::db::now(),
            )
        })
        .expect("post")
    }

    /// `amount` of `commodity` from `sponsor` into what the project holds.
    pub fn receive(
        &self,
        project: &Project,
        commodity: &Commodity,
        amount: i64,
        description: &str,
    ) {
        self.post(
            project,
            TransactionKind::Gift,
            description,
            vec![
                Entry {
                    account: LedgerAccount::ProjectHeld(project.id),
                    commodity: commodity.clone(),
                    amount,
                },
                Entry {
                    account: LedgerAccount::SponsorContributions(UserId(self.sponsor.id)),
                    commodity: commodity.clone(),
                    amount: -amount,
                },
            ],
        );
    }

    /// A compute grant of `minutes` of `class` from the sponsor, `used` of it used.
    pub fn compute(&self, project: &Project, class: &str, minutes: i64, used: i64) {
        let gpu = Commodity::Compute(AcceleratorClass::parse("class", class).unwrap());
        self.post(
            project,
            TransactionKind::Pledge,
            &format!("Compute grant of {class}"),
            vec![
                Entry {
                    account: LedgerAccount::ProjectComputeReceivable(project.id),
                    commodity: gpu.clone(),
                    amount: minutes,
                },
                Entry {
                    account: LedgerAccount::SponsorContributions(UserId(self.sponsor.id)),
                    commodity: gpu.clone(),
                    amount: -minutes,
                },
            ],
        );
        self.post(
            project,
            TransactionKind::Delivery,
            "Training run",
            vec![
                Entry {
                    account: LedgerAccount::ComputeUsed,
                    commodity: gpu.clone(),
                    amount: used,
                },
                Entry {
                    account: LedgerAccount::ProjectComputeReceivable(project.id),
                    commodity: gpu,
                    amount: -used,
                },
            ],
        );
    }

    /// Records an expense through the API and reverses it; returns the expense's
    /// transaction id.
    pub async fn expense_and_reversal(&self, project: &Project, currency: &str, minor: i64) -> i64 {
        let res = self
            .app
            .send_json_as(
                Method::POST,
                &format!("/api/v1/projects/{}/expenses", project.slug),
                &self.owner.token,
                &json!({"description": "GPU rental \"March\" \\ invoice 7",
                        "amount": {"currency": currency, "amount_minor": minor}}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        let id = res.json::<Value>().await.unwrap()["transaction_id"]
            .as_i64()
            .unwrap();
        let res = self
            .app
            .send_json_as(
                Method::POST,
                &format!("/api/v1/projects/{}/ledger/{id}/reverse", project.slug),
                &self.owner.token,
                &json!({}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
        id
    }

    pub async fn text(&self, path: &str) -> (reqwest::header::HeaderMap, String) {
        let res = self.app.get(path).await;
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        let headers = res.headers().clone();
        (headers, res.text().await.unwrap())
    }
}

fn money(code: &str) -> Commodity {
    Commodity::Money(Currency::parse("currency", code).unwrap())
}

/// Runs `bean-check` on a journal. Skips (returns false) when it is not installed,
/// unless `CI` is set, where a missing checker fails the test.
pub fn bean_check(journal: &str) -> bool {
    let found = std::process::Command::new("bean-check")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "bean-check is missing: python3 -m pip install beancount (requirements-dev.txt)"
        );
        eprintln!("bean-check is not installed: skipping the journal check");
        return false;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.beancount");
    std::fs::write(&path, journal).unwrap();
    let out = std::process::Command::new("bean-check")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "bean-check refused the journal:\n{}{}\n--- journal ---\n{journal}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

#[tokio::test]
async fn journals_in_every_currency_pass_bean_check_with_exact_amounts() {
    let f = Fixture::new().await;
    // (currency, received in minor units, its decimal, expense, its decimal)
    let cases = [
        ("JPY", 150_000_i64, "150000", 1_500_i64, "1500"),
        ("USD", 150_001, "1500.01", 1_505, "15.05"),
        ("KWD", 1_500, "1.500", 5, "0.005"),
    ];
    for (code, received, received_text, spent, spent_text) in cases {
        let p = f.project(code).await;
        f.receive(
            &p,
            &money(code),
            received,
            "Gift \"with quotes\" and \\ backslash",
        );
        f.compute(&p, "H100-80GB", 6_000, 61);
        f.compute(&p, "a100_", 120, 120);
        let expense = f.expense_and_reversal(&p, code, spent).await;

        let (headers, journal) = f
            .text(&format!("/api/v1/projects/{}/ledger.beancount", p.slug))
            .await;
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert!(journal.contains(&format!("option \"operating_currency\" \"{code}\"")));
        assert!(journal.contains(&format!(
            "  Assets:Projects:P{}:Held  {received_text} {code}",
            p.id
        )));
        assert!(journal.contains(&format!("  Expenses:Spending  {spent_text} {code}")));
        assert!(journal.contains(&format!("  Expenses:Spending  -{spent_text} {code}")));
        assert!(journal.contains("  Expenses:Compute:Used  61 GPU.H100-80GB"));
        assert!(journal.contains(" commodity GPU.'A100_'0"));
        assert!(journal.contains(&format!("openfund-reverses: {expense}")));
        assert!(journal.contains("Income:Sponsors"));
        assert!(!journal.contains(&format!("U{}", f.sponsor.id)));
        bean_check(&journal);

        // The CSV: the documented header, one row per entry, exact decimals that equal
        // the JSON ledger's integers.
        let (headers, text) = f
            .text(&format!("/api/v1/projects/{}/ledger.csv", p.slug))
            .await;
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            openfund::domain::exports::CSV_HEADER.to_vec()
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let ledger: Value = f
            .app
            .get(&format!("/api/v1/projects/{}/ledger?limit=100", p.slug))
            .await
            .json()
            .await
            .unwrap();
        let entries: usize = ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["entries"].as_array().unwrap().len())
            .sum();
        assert_eq!(rows.len(), entries);
        let held = rows
            .iter()
            .find(|r| r[6] == *format!("Assets:Projects:P{}:Held", p.id) && r[7] == *code)
            .unwrap();
        assert_eq!(&held[8], received_text);
        assert_eq!(held[9].parse::<i64>().unwrap(), received);
        assert!(
            rows.iter()
                .any(|r| r[3].starts_with("GPU rental \"March\""))
        );
        assert!(!text.contains(&format!("U{}", f.sponsor.id)));
    }
}

#[tokio::test]
async fn the_ledger_filters_by_kind_commodity_and_day() {
    let f = Fixture::new().await;
    let p = f.project("USD").await;
    f.receive(&p, &money("USD"), 10_000, "Gift");
    f.compute(&p, "H100-80GB", 600, 60);
    let base = format!("/api/v1/projects/{}", p.slug);
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let all: Value = f
        .app
        .get(&format!("{base}/ledger"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&all), 3);
    let usd: Value = f
        .app
        .get(&format!("{base}/ledger?commodity=USD"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&usd), 1);
    let gpu: Value = f
        .app
        .get(&format!(
            "{base}/ledger?commodity=GPU:H100-80GB&kind=delivery"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&gpu), 1);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let on_day: Value = f
        .app
        .get(&format!("{base}/ledger?from={today}&to={today}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&on_day), 3);
    let unknown: Value = f
        .app
        .get(&format!("{base}/ledger?commodity=ZYJ"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&unknown), 0, "a code ISO 4217 lacks selects nothing");
    let backwards: Value = f
        .app
        .get(&format!("{base}/ledger?from={tomorrow}&to={today}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&backwards), 0);
    let far: Value = f
        .app
        .get(&format!("{base}/ledger?from=0001-01-01&to=9999-12-31"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&far), 3);
    let later: Value = f
        .app
        .get(&format!("{base}/ledger?from={tomorrow}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(&later), 0);
    let (_, csv_text) = f.text(&format!("{base}/ledger.csv?commodity=USD")).await;
    assert_eq!(csv_text.lines().count(), 3, "{csv_text}");
    let (_, journal) = f
        .text(&format!("{base}/ledger.beancount?kind=delivery"))
        .await;
    assert!(!journal.contains("USD\n  name"));
    bean_check(&journal);
    for bad in [
        "ledger?commodity=usd",
        "ledger.csv?commodity=GPU:",
        "ledger.beancount?from=2026-02-30",
        "ledger?kind=bribe",
    ] {
        let res = f.app.get(&format!("{base}/{bad}")).await;
        assert_eq!(res.status().as_u16(), 400, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert!(
            ["invalid_parameter", "invalid_query"].contains(&body["code"].as_str().unwrap()),
            "{bad}: {body}"
        );
    }
    for what in ["ledger.csv", "ledger.beancount", "funding.json", "sponsors"] {
        assert_problem(
            f.app
                .get(&format!("/api/v1/projects/no-such-project/{what}"))
                .await,
            404,
            "not_found",
        )
        .await;
    }
}

/// The checks of funding.json v1.0.0 a JSON schema cannot express: plan channels name
/// declared channels, guids are unique, `spdx:` licences are on the SPDX list.
pub fn assert_funding_rules(manifest: &Value) {
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/funding-json/rules.schema.json")).unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(manifest)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "funding.json breaks the rules: {errors:#?}\n{manifest:#}"
    );
    let guids = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["guid"].as_str().unwrap().to_owned())
            .collect()
    };
    let channels: BTreeSet<String> = guids(&manifest["funding"]["channels"])
        .into_iter()
        .collect();
    for list in [
        &manifest["projects"],
        &manifest["funding"]["channels"],
        &manifest["funding"]["plans"],
    ] {
        let ids = guids(list);
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate guids: {ids:?}");
    }
    for plan in manifest["funding"]["plans"].as_array().unwrap() {
        for c in plan["channels"].as_array().unwrap() {
            assert!(
                channels.contains(c.as_str().unwrap()),
                "unknown channel {c}"
            );
        }
    }
    for project in manifest["projects"].as_array().unwrap() {
        for l in project["licenses"].as_array().unwrap() {
            if let Some(id) = l.as_str().unwrap().strip_prefix("spdx:") {
                assert!(
                    spdx::license_id(id.trim_end_matches('+')).is_some(),
                    "not an SPDX licence: {id}"
                );
            }
        }
    }
}

#[tokio::test]
async fn funding_json_follows_the_v1_rules_with_exact_amounts() {
    let f = Fixture::new().await;
    for (code, target, target_text, received, received_text) in [
        ("USD", 1_500_025_i64, "15000.25", 150_001_i64, "1500.01"),
        ("JPY", 2_000_000, "2000000", 150_000, "150000"),
        ("KWD", 1_500, "1.500", 1_505, "1.505"),
    ] {
        let p = f.project(code).await;
        f.receive(&p, &money(code), received, "Gift");
        f.expense_and_reversal(&p, code, 5).await;
        let now = openfund::db::now();
        diesel::insert_into(goals::table)
            .values((
                goals::project_id.eq(p.id.get()),
                goals::title.eq("A"),
                goals::description.eq("Train the 1B model"),
                goals::money_target_minor.eq(Some(target)),
                goals::status.eq("open"),
                goals::created_by.eq(f.owner.id),
                goals::created_at.eq(now),
                goals::updated_at.eq(now),
            ))
            .execute(&mut f.app.conn())
            .unwrap();
        let (headers, text) = f
            .text(&format!("/api/v1/projects/{}/funding.json", p.slug))
            .await;
        assert_eq!(headers["content-type"], "application/json");
        let manifest: Value = serde_json::from_str(&text).unwrap();
        assert_funding_rules(&manifest);
        assert_eq!(manifest["version"], "v1.0.0");
        assert_eq!(manifest["entity"]["email"], "mina@example.org");
        assert_eq!(
            manifest["projects"][0]["licenses"],
            json!(["spdx:MIT", "spdx:Apache-2.0"])
        );
        // The amounts are written as exact decimal text with the currency's decimals
        // (a KWD target of 1500 fils is 1.500, not 1.5).
        assert!(
            text.contains(&format!("\"amount\":{target_text}")),
            "{text}"
        );
        assert!(
            text.contains(&format!("\"income\":{received_text}")),
            "{text}"
        );
        assert!(
            text.contains("\"expenses\":0"),
            "a reversed expense counts nothing: {text}"
        );
        assert!(!text.contains("Sponsors:U"));
    }
    // Without a public contact the manifest cannot be made.
    let p = f.project("USD").await;
    diesel::update(projects::table.find(p.id.get()))
        .set(projects::contact_email.eq(None::<String>))
        .execute(&mut f.app.conn())
        .unwrap();
    let body = assert_problem(
        f.app
            .get(&format!("/api/v1/projects/{}/funding.json", p.slug))
            .await,
        409,
        "funding_manifest_incomplete",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "contact_email");
}

async fn pledge(f: &Fixture, who: &TestUser, slug: &str, minor: i64, anonymous: bool) -> i64 {
    let res = f
        .app
        .client
        .post(f.app.url(&format!("/api/v1/projects/{slug}/pledges")))
        .bearer_auth(&who.token)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"kind": "money", "anonymous": anonymous,
                      "amount": {"currency": "USD", "amount_minor": minor}}))
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

#[tokio::test]
async fn the_sponsor_wall_shows_approved_public_sponsors_only() {
    let f = Fixture::new().await;
    let p = f.project("USD").await;
    let put = |token: String, body: Value| {
        let app = &f.app;
        async move {
            app.send_json_as(Method::PUT, "/api/v1/me/sponsor-profile", &token, &body)
                .await
        }
    };
    for bad in [
        "javascript:alert(1)",
        "data:text/html,hi",
        "ftp://acme.example",
    ] {
        let res = put(
            f.sponsor.token.clone(),
            json!({"display_name": "Acme", "url": bad}),
        )
        .await;
        assert_problem(res, 422, "validation_failed").await;
        let res = put(
            f.sponsor.token.clone(),
            json!({"display_name": "Acme", "logo_url": bad}),
        )
        .await;
        assert_problem(res, 422, "validation_failed").await;
    }
    let res = put(
        f.sponsor.token.clone(),
        json!({"display_name": "Acme Compute", "url": "https://acme.example",
               "logo_url": "https://acme.example/logo.png"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let me = f
        .app
        .json_as("/api/v1/me/sponsor-profile", &f.sponsor.token)
        .await;
    assert_eq!(me["display_name"], "Acme Compute");

    let wall_path = format!("/api/v1/projects/{}/sponsors", p.slug);
    let wall = || async { f.app.get(&wall_path).await.json::<Value>().await.unwrap() };
    pledge(&f, &f.sponsor, &p.slug, 5_000, false).await;
    pledge(&f, &f.sponsor, &p.slug, 7_000, true).await;
    assert_eq!(wall().await["sponsors"], json!([]), "not approved yet");
    let pending = f
        .app
        .json_as(
            &format!("/api/v1/projects/{}/sponsors/pending", p.slug),
            &f.owner.token,
        )
        .await;
    assert_eq!(pending["items"][0]["user_id"], f.sponsor.id);
    let decide = |what: &'static str, user: i64| {
        let path = format!("/api/v1/projects/{}/sponsors/{user}/{what}", p.slug);
        let app = &f.app;
        let token = f.owner.token.clone();
        async move {
            app.send_json_as(Method::POST, &path, &token, &json!({}))
                .await
        }
    };
    assert_eq!(decide("approve", f.sponsor.id).await.status().as_u16(), 200);
    let shown = wall().await;
    assert_eq!(shown["sponsors"][0]["display_name"], "Acme Compute");
    assert_eq!(shown["sponsors"][0]["url"], "https://acme.example");
    // Only the public pledge counts: the anonymous 70.00 stays hidden.
    assert_eq!(
        shown["sponsors"][0]["totals"]["money"],
        json!([{"currency": "USD", "amount_minor": 5000}])
    );
    assert_eq!(decide("reject", f.sponsor.id).await.status().as_u16(), 200);
    assert_eq!(wall().await["sponsors"], json!([]));

    // Auto-approval shows a sponsor nobody decided on, largest contribution first;
    // a sponsor who only pledged anonymously never appears, and a user without a
    // public pledge cannot be approved.
    diesel::update(projects::table.find(p.id.get()))
        .set(projects::auto_approve_sponsors.eq(true))
        .execute(&mut f.app.conn())
        .unwrap();
    let second = f.app.user().await;
    pledge(&f, &second, &p.slug, 9_000, false).await;
    let hidden = f.app.user().await;
    pledge(&f, &hidden, &p.slug, 90_000, true).await;
    let shown = wall().await;
    assert_eq!(shown["sponsors"].as_array().unwrap().len(), 1, "{shown}");
    assert_eq!(
        shown["sponsors"][0]["totals"]["money"][0]["amount_minor"],
        9000
    );
    assert_problem(decide("approve", hidden.id).await, 404, "not_found").await;
    assert_eq!(decide("approve", f.sponsor.id).await.status().as_u16(), 200);
    let shown = wall().await;
    assert_eq!(
        shown["sponsors"][0]["totals"]["money"][0]["amount_minor"],
        9000
    );
    assert_eq!(shown["sponsors"][1]["display_name"], "Acme Compute");
    let text = f.app.get(&wall_path).await.text().await.unwrap();
    assert!(!text.contains(&hidden.email) && !text.contains("90000"));
}

/// The decimal text a JSON number in the manifest may have in `currency`: digits, then
/// exactly its decimals after a point (none for JPY), optionally negative; or a plain 0.
fn manifest_number_is_exact(text: &str, decimals: usize) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let t = text.strip_prefix('-').unwrap_or(text);
    if t == "0" {
        return true;
    }
    match t.split_once('.') {
        None => decimals == 0 && digits(t),
        Some((whole, fraction)) => digits(whole) && digits(fraction) && fraction.len() == decimals,
    }
}

/// Every number that follows `"key":` in a JSON text, as written.
fn numbers_after(text: &str, key: &str) -> Vec<String> {
    let needle = format!("\"{key}\":");
    text.match_indices(&needle)
        .map(|(at, _)| {
            text[at + needle.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'E' | '+'))
                .collect()
        })
        .collect()
}

/// One money pledge confirmed and one expense, made through the API in a project of
/// each currency, read back through the API's JSON, the CSV export, the Beancount
/// journal and funding.json: the same integers everywhere, and decimals written from
/// them exactly (JPY 0, USD 2, KWD 3 places), never through a float.
#[tokio::test]
async fn money_round_trips_exactly_in_jpy_usd_and_kwd() {
    let f = Fixture::new().await;
    // (currency, decimals, pledge minor, its text, expense minor, its text, goal target
    // minor, its text)
    let cases = [
        (
            "JPY",
            0,
            1_500_i64,
            "1500",
            300_i64,
            "300",
            1_000_000_i64,
            "1000000",
        ),
        ("USD", 2, 1_500, "15.00", 305, "3.05", 100_010, "1000.10"),
        ("KWD", 3, 1_500, "1.500", 5, "0.005", 100_000, "100.000"),
    ];
    for (code, decimals, pledged, pledged_text, spent, spent_text, target, target_text) in cases {
        let slug = format!("c{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let res = f
            .app
            .create_project(
                &f.owner.token,
                &json!({
                    "slug": slug, "name": format!("Priced in {code}"), "kind": "dataset",
                    "currency": code, "license": "MIT",
                    "repository_url": "https://example.org/data.git",
                    "contact_name": "Mina Maintainer", "contact_email": "mina@example.org"
                }),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201, "{code}");
        let project: Value = res.json().await.unwrap();
        assert_eq!(project["currency"], code);
        let base = format!("/api/v1/projects/{slug}");
        let res = f
            .app
            .send_json_as(
                Method::POST,
                &format!("{base}/goals"),
                &f.owner.token,
                &json!({"title": "Next release",
                        "money_target": {"currency": code, "amount_minor": target}}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201, "{code}");
        let goal: Value = res.json().await.unwrap();
        assert_eq!(
            goal["progress"]["money"]["target"],
            json!({"currency": code, "amount_minor": target})
        );

        // The pledge and its receipt.
        let res = f
            .app
            .client
            .post(f.app.url(&format!("{base}/pledges")))
            .bearer_auth(&f.sponsor.token)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&json!({"kind": "money", "goal_id": goal["id"],
                          "amount": {"currency": code, "amount_minor": pledged}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201, "{code}");
        let pledge: Value = res.json().await.unwrap();
        assert_eq!(
            pledge["amount"],
            json!({"currency": code, "amount_minor": pledged})
        );
        let res = f
            .app
            .send_json_as(
                Method::POST,
                &format!("/api/v1/pledges/{}/confirm", pledge["id"]),
                &f.owner.token,
                &json!({}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 200, "{code}");
        let received: Value = res.json().await.unwrap();
        assert_eq!(received["state"], "received");
        assert_eq!(received["amount"], pledge["amount"]);

        // The expense.
        let res = f
            .app
            .send_json_as(
                Method::POST,
                &format!("{base}/expenses"),
                &f.owner.token,
                &json!({"description": "Storage", "receipt_url": "https://example.org/r/1",
                        "amount": {"currency": code, "amount_minor": spent}}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201, "{code}");
        let recorded: Value = res.json().await.unwrap();
        assert_eq!(
            recorded["expense"]["amount"],
            json!({"currency": code, "amount_minor": spent})
        );
        let listed: Value = f
            .app
            .get(&format!("{base}/expenses"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["items"][0]["amount"], recorded["expense"]["amount"]);

        // The JSON ledger, balances and goal: integers in minor units.
        let held = format!("Assets:Projects:P{}:Held", project["id"]);
        let ledger: Value = f
            .app
            .get(&format!("{base}/ledger"))
            .await
            .json()
            .await
            .unwrap();
        let mut moves: Vec<(String, String, i64)> = ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["entries"].as_array().unwrap().clone())
            .map(|e| {
                (
                    e["account"].as_str().unwrap().to_owned(),
                    e["commodity"].as_str().unwrap().to_owned(),
                    e["amount"].as_i64().unwrap(),
                )
            })
            .collect();
        moves.sort();
        let mut expected = vec![
            (held.clone(), code.to_owned(), pledged),
            (held.clone(), code.to_owned(), -spent),
            ("Expenses:Spending".to_owned(), code.to_owned(), spent),
            ("Income:Sponsors".to_owned(), code.to_owned(), -pledged),
        ];
        expected.sort();
        assert_eq!(moves, expected, "{code}");
        let balances: Value = f
            .app
            .get(&format!("{base}/balances"))
            .await
            .json()
            .await
            .unwrap();
        assert!(
            balances["balances"]
                .as_array()
                .unwrap()
                .contains(&json!({"account": held, "commodity": code, "amount": pledged - spent})),
            "{code}: {balances}"
        );
        let goal: Value = f
            .app
            .get(&format!("/api/v1/goals/{}", goal["id"]))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            goal["progress"]["money"]["received"],
            json!({"currency": code, "amount_minor": pledged})
        );

        // ledger.csv, read with a CSV parser by column name: exact decimal text beside
        // the stored integer.
        let (_, text) = f.text(&format!("{base}/ledger.csv")).await;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (account, commodity, amount, minor) = (
            column("account"),
            column("commodity"),
            column("amount"),
            column("amount_minor"),
        );
        let mut rows: Vec<(String, String, String, i64)> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (
                    r[account].to_owned(),
                    r[commodity].to_owned(),
                    r[amount].to_owned(),
                    r[minor].parse().unwrap(),
                )
            })
            .collect();
        rows.sort();
        let mut expected = vec![
            (
                held.clone(),
                code.to_owned(),
                pledged_text.to_owned(),
                pledged,
            ),
            (
                held.clone(),
                code.to_owned(),
                format!("-{spent_text}"),
                -spent,
            ),
            (
                "Expenses:Spending".to_owned(),
                code.to_owned(),
                spent_text.to_owned(),
                spent,
            ),
            (
                "Income:Sponsors".to_owned(),
                code.to_owned(),
                format!("-{pledged_text}"),
                -pledged,
            ),
        ];
        expected.sort();
        assert_eq!(rows, expected, "{code}");

        // ledger.beancount: the same decimals with the commodity, and bean-check agrees.
        let (_, journal) = f.text(&format!("{base}/ledger.beancount")).await;
        for line in [
            format!("  {held}  {pledged_text} {code}"),
            format!("  Income:Sponsors  -{pledged_text} {code}"),
            format!("  Expenses:Spending  {spent_text} {code}"),
            format!("  {held}  -{spent_text} {code}"),
        ] {
            assert!(
                journal.lines().any(|l| l == line),
                "{code}: no line {line:?} in\n{journal}"
            );
        }
        let posting_amounts: Vec<&str> = journal
            .lines()
            .filter(|l| l.starts_with("  ") && l.ends_with(&format!(" {code}")))
            .map(|l| {
                l.trim_end_matches(&format!(" {code}"))
                    .rsplit(' ')
                    .next()
                    .unwrap()
            })
            .collect();
        assert_eq!(posting_amounts.len(), 4, "{code}: {journal}");
        for a in posting_amounts {
            assert!(manifest_number_is_exact(a, decimals), "{code}: {a}");
        }
        bean_check(&journal);

        // funding.json: amounts in major units, exact decimal JSON numbers.
        let (_, text) = f.text(&format!("{base}/funding.json")).await;
        let manifest: Value = serde_json::from_str(&text).unwrap();
        assert_funding_rules(&manifest);
        let year = chrono::Utc::now().format("%Y").to_string();
        assert!(
            text.contains(&format!(
                "\"year\":{year},\"income\":{pledged_text},\"expenses\":{spent_text},\"currency\":\"{code}\""
            )),
            "{code}: {text}"
        );
        assert!(
            text.contains(&format!("\"amount\":{target_text},\"currency\":\"{code}\"")),
            "{code}: the goal's plan: {text}"
        );
        for key in ["amount", "income", "expenses"] {
            let found = numbers_after(&text, key);
            assert!(!found.is_empty(), "{code}: no {key}");
            for n in found {
                assert!(
                    manifest_number_is_exact(&n, decimals),
                    "{code}: {key} written as {n}"
                );
            }
        }
    }
}
