//! §2.1 Pre-registration takeover through GitHub sign-in. Someone registers the owner's
//! address with a password of their own and never verifies it; when the owner signs in
//! with GitHub (which vouches for the address), that password, and everything the
//! registrant set up, must stop working. Rule: `app::github::sign_in`.

use openfund::db;
use openfund::domain::auth::AuthMethod;
use openfund::domain::ids::UserId;
use openfund::security::secrets;
use openfund::store::{api_tokens, sessions};
use serde_json::json;

use super::support::{
    api_token_count, app_with_github, app_with_github_and_mail, github_sign_in, github_user,
    live_mail_links, live_sessions, password_hash, user_id_by_email,
};
use crate::helpers::{PASSWORD, assert_problem};

const VICTIM: &str = "victim@example.org";

#[tokio::test]
async fn github_sign_in_takes_over_an_unverified_registration_and_wipes_it() {
    let (app, github) = app_with_github_and_mail().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": VICTIM, "password": PASSWORD, "display_name": "Squatter"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let squatted = user_id_by_email(&app, VICTIM);
    let verify_link = app
        .mail()
        .wait_for(VICTIM)
        .await
        .link_token("/verify-email")
        .expect("verification link");

    // What a registrant could hold besides the password: a session and an API token
    // (planted directly; an unverified account cannot sign in to make them).
    let (refresh_secret, refresh_hash) = secrets::generate("").unwrap();
    let (token_secret, token_hash) = secrets::generate("of_pat_").unwrap();
    {
        let mut conn = app.conn();
        let now = db::now();
        let sid = sessions::create(&mut conn, UserId(squatted), AuthMethod::Password, now).unwrap();
        sessions::add_refresh_token(
            &mut conn,
            sid,
            &refresh_hash,
            now,
            now + chrono::Duration::days(1),
        )
        .unwrap();
        api_tokens::insert(
            &mut conn,
            &api_tokens::NewApiToken {
                user_id: UserId(squatted),
                name: "planted",
                token_hash: &token_hash,
                prefix: &token_secret[..12],
                scopes: "read,write",
                created_at: now,
                expires_at: None,
            },
        )
        .unwrap();
    }
    assert_problem(app.login(VICTIM, PASSWORD).await, 403, "email_not_verified").await;

    // The owner signs in with GitHub, whose verified primary email is the address.
    github.set_user(github_user(VICTIM));
    let (session, _) = github_sign_in(&app).await;
    assert_eq!(
        session["account"]["id"], squatted,
        "the account is taken over"
    );
    assert_eq!(session["account"]["email_verified"], true);
    assert_eq!(session["account"]["has_password"], false);
    assert_eq!(session["account"]["github_login"], "rightful-owner");

    // The registrant's password no longer signs in: 401, not 200 (nor 403).
    assert_problem(
        app.login(VICTIM, PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(password_hash(&app, squatted), None);
    // Their session, API token and pending mail link are gone.
    assert_problem(
        app.refresh(&refresh_secret).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    assert_problem(
        app.get_as("/api/v1/me", &token_secret).await,
        401,
        "invalid_token",
    )
    .await;
    assert_eq!(api_token_count(&app, squatted), 0);
    assert_eq!(live_mail_links(&app, squatted), 0);
    assert_eq!(
        live_sessions(&app, squatted),
        1,
        "only the owner's new session"
    );
    let res = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": verify_link}))
        .await;
    if res.status().is_success() {
        // An invalidated link of an address that is now confirmed reads as "already
        // verified": it changes nothing, and must not read as "verified".
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "already_verified", "{body}");
    } else {
        assert_problem(res, 404, "invalid_or_expired_link").await;
    }

    // The owner's session works.
    let me = app
        .json_as("/api/v1/me", session["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me["email"], VICTIM);
}

#[tokio::test]
async fn github_sign_in_links_a_verified_account_and_keeps_its_password() {
    let (app, github) = app_with_github(|_| {}).await;
    let id = app.insert_account(VICTIM, true, false);
    github.set_user(github_user(VICTIM));

    let (session, _) = github_sign_in(&app).await;
    assert_eq!(
        session["account"]["id"], id,
        "linked by the verified address"
    );
    assert_eq!(session["account"]["has_password"], true);
    assert_eq!(session["account"]["github_login"], "rightful-owner");
    // The address was proven here too: nothing is wiped.
    assert_eq!(app.login(VICTIM, PASSWORD).await.status().as_u16(), 200);
}
