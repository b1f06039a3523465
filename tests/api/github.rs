//! Sign in with GitHub, end to end against the local GitHub double.

use serde_json::json;

use crate::github_double::{CLIENT_ID, CLIENT_SECRET, GithubDouble, GithubUser};
use crate::helpers::{PASSWORD, TestApp, refresh_cookie, spawn_app_with};
use openfund::config::Secret;

async fn app_with_github() -> (TestApp, GithubDouble) {
    let github = GithubDouble::start();
    let (web, api) = (github.url.clone(), github.api_url());
    let app = spawn_app_with(move |c| {
        c.github_url = web;
        c.github_api_url = api;
        c.github_client_id = Some(CLIENT_ID.to_owned());
        c.github_client_secret = Some(Secret::new(CLIENT_SECRET));
    })
    .await;
    (app, github)
}

fn octo(email: &str) -> GithubUser {
    GithubUser {
        id: 583231,
        login: "octocat".into(),
        name: "The Octocat".into(),
        email: email.into(),
        email_verified: true,
    }
}

/// Runs the browser's part of the flow; returns the callback's response.
async fn run_flow(app: &TestApp, mode: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/auth/github/start"))
        .json(&json!({"mode": mode}));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let state_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            v.to_str()
                .ok()?
                .strip_prefix("openfund_oauth_state=")
                .map(|r| r.split(';').next().unwrap().to_owned())
        })
        .expect("state cookie");
    let authorize_url = res.json::<serde_json::Value>().await.unwrap()["authorize_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(authorize_url.contains("client_id=Iv1.testclientid"));

    // "GitHub" sends the browser back with a code.
    let consent = app.client.get(&authorize_url).send().await.unwrap();
    assert_eq!(consent.status().as_u16(), 302);
    let callback = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with(&app.address), "{callback}");

    app.client
        .get(&callback)
        .header("cookie", format!("openfund_oauth_state={state_cookie}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn github_sign_in_creates_an_account_and_signs_in() {
    let (app, github) = app_with_github().await;
    github.set_user(octo("octo@example.org"));

    let res = run_flow(&app, "login", None).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/signin/github");
    let cookie = refresh_cookie(&res).expect("signed in");

    let session: serde_json::Value = app.refresh(&cookie).await.json().await.unwrap();
    assert_eq!(session["account"]["github_login"], "octocat");
    assert_eq!(session["account"]["email"], "octo@example.org");
    assert_eq!(session["account"]["email_verified"], true);
    assert_eq!(session["account"]["has_password"], false);
    assert_eq!(session["account"]["display_name"], "The Octocat");

    // Signing in again finds the same account.
    let again = run_flow(&app, "login", None).await;
    let session2: serde_json::Value = app
        .refresh(&refresh_cookie(&again).unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session2["account"]["id"], session["account"]["id"]);

    // GitHub is its only sign-in method: unlinking is refused.
    let token = session2["access_token"].as_str().unwrap();
    let res = app
        .client
        .delete(app.url("/api/v1/me/github"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409);
}

#[tokio::test]
async fn an_existing_account_links_and_unlinks_github() {
    let (app, github) = app_with_github().await;
    let user = app.user().await;
    github.set_user(octo("someone-else@example.org"));

    // Linking needs a session.
    let res = app
        .client
        .post(app.url("/api/v1/auth/github/start"))
        .json(&json!({"mode": "link"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);

    let res = run_flow(&app, "link", Some(&user.token)).await;
    assert_eq!(res.headers()["location"], "/settings?github=linked");
    let me: serde_json::Value = app.json_as("/api/v1/me", &user.token).await;
    assert_eq!(me["github_login"], "octocat");

    // GitHub sign-in now lands in this account.
    let res = run_flow(&app, "login", None).await;
    let session: serde_json::Value = app
        .refresh(&refresh_cookie(&res).unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["account"]["id"], user.id);

    let res = app
        .client
        .delete(app.url("/api/v1/me/github"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let me: serde_json::Value = app.json_as("/api/v1/me", &user.token).await;
    assert_eq!(me["github_login"], serde_json::Value::Null);
    assert_eq!(
        app.login(&user.email, PASSWORD).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn a_forged_or_replayed_state_is_refused() {
    let (app, github) = app_with_github().await;
    github.set_user(octo("octo@example.org"));
    let res = app
        .client
        .post(app.url("/api/v1/auth/github/start"))
        .json(&json!({"mode": "login"}))
        .send()
        .await
        .unwrap();
    let authorize_url = res.json::<serde_json::Value>().await.unwrap()["authorize_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let consent = app.client.get(&authorize_url).send().await.unwrap();
    let callback = consent.headers()["location"].to_str().unwrap().to_owned();

    // Without the browser's state cookie (a login-CSRF attempt): refused, nobody signed in.
    let res = app.client.get(&callback).send().await.unwrap();
    assert_eq!(
        res.headers()["location"],
        "/signin/github?error=invalid_state"
    );
    assert!(refresh_cookie(&res).is_none());

    let res = app
        .client
        .get(app.url("/api/v1/auth/github/callback?error=access_denied"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        "/signin/github?error=github_denied"
    );
}

#[tokio::test]
async fn the_instance_says_whether_github_sign_in_is_on() {
    let (on, _github) = app_with_github().await;
    let info: serde_json::Value = on.get("/api/v1/instance").await.json().await.unwrap();
    assert_eq!(info["github_sign_in"], true);
    let off = crate::helpers::spawn_app().await;
    let info: serde_json::Value = off.get("/api/v1/instance").await.json().await.unwrap();
    assert_eq!(info["github_sign_in"], false);
    assert_eq!(info["name"], "OpenFund");
}

#[tokio::test]
async fn without_configuration_github_sign_in_is_off() {
    let app = crate::helpers::spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/github/start"))
        .json(&json!({"mode": "login"}))
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(res, 404, "github_disabled").await;
}
