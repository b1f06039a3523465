//! An anonymous pledge never reveals its sponsor: a sponsor with a distinctive name,
//! email, sponsor profile and user id pledges anonymously to project A, publicly to B
//! (approved, so B's wall names them) and becomes a maintainer of C. Every public GET
//! operation of the OpenAPI document is called for A by an anonymous caller, and no
//! answer (JSON, CSV, Beancount journal, funding manifest, sponsor wall, balances,
//! the project, its goals, its overview…) may contain the sponsor's name, email or id. Run on both
//! backends.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::db::schema::{project_members, projects, users};
use reqwest::Method;
use serde_json::{Value, json};

use crate::exports::{Fixture, Project};
use crate::helpers::{PASSWORD, TestUser};

const SPONSOR_ID: i64 = 987_654_321;
const EMAIL: &str = "zanzibar.quokka.secret@example.org";
const NAME: &str = "Zanzibar Quokka Secretfunder";
const PROFILE_NAME: &str = "Quokka Holdings Zanzibar";

async fn distinctive_sponsor(f: &Fixture) -> TestUser {
    let hash = openfund::security::passwords::hash(PASSWORD).unwrap();
    let now = openfund::db::now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(SPONSOR_ID),
            users::email.eq(EMAIL),
            users::display_name.eq(NAME),
            users::password_hash.eq(Some(hash)),
            users::email_verified_at.eq(Some(now)),
            users::is_admin.eq(false),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(&mut f.app.conn())
        .unwrap();
    let res = f.app.login(EMAIL, PASSWORD).await;
    assert_eq!(res.status().as_u16(), 200);
    let refresh = crate::helpers::refresh_cookie(&res).unwrap();
    let body: Value = res.json().await.unwrap();
    TestUser {
        id: SPONSOR_ID,
        email: EMAIL.to_owned(),
        token: body["access_token"].as_str().unwrap().to_owned(),
        refresh,
    }
}

async fn pledge(f: &Fixture, who: &TestUser, p: &Project, minor: i64, anonymous: bool) {
    let res = f
        .app
        .client
        .post(f.app.url(&format!("/api/v1/projects/{}/pledges", p.slug)))
        .bearer_auth(&who.token)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"kind": "money", "anonymous": anonymous,
                      "message": format!("From {NAME}"),
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
}

#[tokio::test]
async fn an_anonymous_pledge_never_reveals_its_sponsor_on_any_public_response() {
    let f = Fixture::new().await;
    let secret = distinctive_sponsor(&f).await;
    let res = f
        .app
        .send_json_as(
            Method::PUT,
            "/api/v1/me/sponsor-profile",
            &secret.token,
            &json!({"display_name": PROFILE_NAME, "url": "https://quokka.example"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);

    let a = f.project("USD").await;
    let b = f.project("USD").await;
    let c = f.project("USD").await;
    // A approves everyone automatically: still, an anonymous pledge shows nobody.
    diesel::update(projects::table.find(a.id.get()))
        .set(projects::auto_approve_sponsors.eq(true))
        .execute(&mut f.app.conn())
        .unwrap();
    pledge(&f, &secret, &a, 12_345, true).await;
    f.compute(&a, "H100-80GB", 600, 60);
    f.expense_and_reversal(&a, "USD", 100).await;
    pledge(&f, &secret, &b, 5_000, false).await;
    let res = f
        .app
        .send_json_as(
            Method::POST,
            &format!("/api/v1/projects/{}/sponsors/{SPONSOR_ID}/approve", b.slug),
            &f.owner.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    diesel::insert_into(project_members::table)
        .values((
            project_members::project_id.eq(c.id.get()),
            project_members::user_id.eq(SPONSOR_ID),
            project_members::role.eq("maintainer"),
            project_members::created_at.eq(openfund::db::now()),
        ))
        .execute(&mut f.app.conn())
        .unwrap();
    // B's wall does name them (the check below is not vacuous).
    let wall = f
        .app
        .get(&format!("/api/v1/projects/{}/sponsors", b.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(wall.contains(PROFILE_NAME), "{wall}");
    let page = f
        .app
        .get(&format!("/api/v1/projects/{}/overview", b.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(PROFILE_NAME), "{page}");

    let doc = serde_json::to_value(openfund::api::openapi()).unwrap();
    let secrets = [
        EMAIL.to_owned(),
        NAME.to_owned(),
        PROFILE_NAME.to_owned(),
        "Zanzibar".to_owned(),
        "quokka".to_owned(),
        SPONSOR_ID.to_string(),
    ];
    let mut fetched = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        let concrete = path.replace("{slug}", &a.slug);
        if concrete.contains('{') {
            // Operations on other resources by id (a goal, a token) are reached
            // through the project's own lists, which are checked here.
            continue;
        }
        let mut variants = vec![concrete.clone()];
        if concrete.ends_with("/ledger") {
            variants.push(format!("{concrete}?limit=100&commodity=USD"));
        }
        for url in variants {
            let res = f.app.get(&url).await;
            let status = res.status().as_u16();
            let body = res.text().await.unwrap();
            if !(200..300).contains(&status) {
                continue;
            }
            for s in &secrets {
                assert!(
                    !body.to_lowercase().contains(&s.to_lowercase()),
                    "GET {url} reveals the anonymous sponsor ({s}):\n{body}"
                );
            }
            fetched.push(path.clone());
        }
    }
    for must in [
        "/api/v1/projects/{slug}",
        "/api/v1/projects/{slug}/ledger",
        "/api/v1/projects/{slug}/ledger.csv",
        "/api/v1/projects/{slug}/ledger.beancount",
        "/api/v1/projects/{slug}/funding.json",
        "/api/v1/projects/{slug}/sponsors",
        "/api/v1/projects/{slug}/balances",
        "/api/v1/projects/{slug}/overview",
        "/api/v1/projects/{slug}/expenses",
        "/api/v1/projects",
    ] {
        assert!(
            fetched.iter().any(|p| p == must),
            "GET {must} was not checked (fetched: {fetched:?})"
        );
    }
    // Goals, if the document has them, are covered by the walk above.
    let journal = f
        .app
        .get(&format!("/api/v1/projects/{}/ledger.beancount", a.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        journal.contains("123.45 USD"),
        "the anonymous money is in the ledger"
    );
    crate::exports::bean_check(&journal);
}
