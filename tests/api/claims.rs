//! Contributor identities claimed by the accounts that prove them (`app::claims`), on
//! both backends: a password sign-in claims what its verified address identifies (the
//! person known only by it, the GitHub account GitHub attributed it to), following a
//! verification link does too, a GitHub sign-in claims the account's identity, and an
//! identity claimed by someone else or proven by nobody stays as it was.

use diesel::prelude::*;
use openfund::db::schema::{contributor_emails, contributors, users};
use openfund::domain::auth::EmailPurpose;
use openfund::domain::github::identity::NormalizedEmail;
use openfund::domain::ids::UserId;
use openfund::security::secrets;
use openfund::store::email_tokens;
use serde_json::json;

use crate::github_double::GithubUser;
use crate::helpers::{PASSWORD, TestApp, assert_problem, refresh_cookie, spawn_app};

fn hash_of(address: &str) -> String {
    NormalizedEmail::parse(address)
        .unwrap()
        .key()
        .as_str()
        .to_owned()
}

/// A person known only by `address`; returns the contributor's id.
fn by_address(app: &TestApp, address: &str) -> i64 {
    let now = openfund::db::now();
    let hash = hash_of(address);
    let mut conn = app.conn();
    diesel::insert_into(contributors::table)
        .values((
            contributors::email_hash.eq(Some(&hash)),
            contributors::name.eq(Some("Laptop")),
            contributors::is_bot.eq(false),
            contributors::created_at.eq(now),
            contributors::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .unwrap();
    contributors::table
        .filter(contributors::email_hash.eq(&hash))
        .select(contributors::id)
        .first(&mut conn)
        .unwrap()
}

/// GitHub account `github_id`, GitHub having attributed `address` to it if given;
/// returns the contributor's id.
fn account(app: &TestApp, github_id: i64, address: Option<&str>) -> i64 {
    let now = openfund::db::now();
    let mut conn = app.conn();
    diesel::insert_into(contributors::table)
        .values((
            contributors::github_user_id.eq(Some(github_id)),
            contributors::login.eq(Some(format!("user{github_id}"))),
            contributors::is_bot.eq(false),
            contributors::created_at.eq(now),
            contributors::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .unwrap();
    let id: i64 = contributors::table
        .filter(contributors::github_user_id.eq(github_id))
        .select(contributors::id)
        .first(&mut conn)
        .unwrap();
    if let Some(address) = address {
        diesel::insert_into(contributor_emails::table)
            .values((
                contributor_emails::email_hash.eq(hash_of(address)),
                contributor_emails::contributor_id.eq(id),
                contributor_emails::created_at.eq(now),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    id
}

fn claimed_by(app: &TestApp, contributor: i64) -> Option<i64> {
    contributors::table
        .find(contributor)
        .select(contributors::user_id)
        .first(&mut app.conn())
        .unwrap()
}

fn claim(app: &TestApp, contributor: i64, user: i64) {
    diesel::update(contributors::table.find(contributor))
        .set(contributors::user_id.eq(Some(user)))
        .execute(&mut app.conn())
        .unwrap();
}

#[tokio::test]
async fn a_password_sign_in_claims_what_its_verified_address_proves() {
    let app = spawn_app().await;
    let laptop = by_address(&app, "Claimer@Example.org");
    let github = account(&app, 7001, Some("claimer@example.org"));
    let stranger = by_address(&app, "someone-else@example.org");
    let user = app.insert_account("claimer@example.org", true, false);
    // Inserting the account proves nothing yet.
    assert_eq!(claimed_by(&app, laptop), None);

    assert_eq!(
        app.login("claimer@example.org", PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(claimed_by(&app, laptop), Some(user));
    assert_eq!(claimed_by(&app, github), Some(user));
    assert_eq!(claimed_by(&app, stranger), None);

    // An account whose address is not verified signs in to nothing and claims nothing.
    app.insert_account("someone-else@example.org", false, false);
    assert_problem(
        app.login("someone-else@example.org", PASSWORD).await,
        403,
        "email_not_verified",
    )
    .await;
    assert_eq!(claimed_by(&app, stranger), None);
}

#[tokio::test]
async fn verifying_an_address_claims_it_and_a_claim_is_never_taken_over() {
    let app = spawn_app().await;
    let laptop = by_address(&app, "verifier@example.org");
    let earlier = app.insert_account("first@example.org", true, false);
    let taken = account(&app, 7002, Some("verifier@example.org"));
    claim(&app, taken, earlier);
    let user = app.insert_account("verifier@example.org", false, false);

    let (secret, hash) = secrets::generate("").unwrap();
    let now = openfund::db::now();
    email_tokens::insert(
        &mut app.conn(),
        &email_tokens::NewEmailToken {
            user_id: UserId(user),
            purpose: EmailPurpose::VerifyEmail,
            token_hash: &hash,
            new_email: None,
            created_at: now,
            expires_at: now + chrono::Duration::hours(1),
            session_id: None,
        },
    )
    .unwrap();
    let res = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": secret}))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(claimed_by(&app, laptop), Some(user));
    assert_eq!(
        claimed_by(&app, taken),
        Some(earlier),
        "the first claim stays"
    );
}

#[tokio::test]
async fn a_github_sign_in_claims_the_account_and_its_address() {
    let (app, github) = crate::github::app_with_github().await;
    github.set_user(GithubUser {
        id: 583231,
        login: "octocat".into(),
        name: "The Octocat".into(),
        email: "octo@example.org".into(),
        email_verified: true,
    });
    let identity = account(&app, 583231, None);
    let laptop = by_address(&app, "octo@example.org");
    let other = account(&app, 583232, None);

    let res = crate::github::run_flow(&app, "login", None).await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(refresh_cookie(&res).is_some(), "signed in");
    let user: i64 = users::table
        .filter(users::github_id.eq(Some(583231)))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(claimed_by(&app, identity), Some(user));
    assert_eq!(claimed_by(&app, laptop), Some(user));
    assert_eq!(claimed_by(&app, other), None);
}
