//! What several security tests share: an app wired to the GitHub double, the browser's
//! part of the GitHub flow, and direct reads of the rows a rule must leave behind.

use diesel::prelude::*;
use openfund::config::{Config, Secret};
use openfund::db::schema::{api_tokens, email_tokens, sessions, users};
use serde_json::json;

use crate::github_double::{CLIENT_ID, CLIENT_SECRET, GithubDouble, GithubUser};
use crate::helpers::{TestApp, refresh_cookie, spawn_app_with, spawn_app_with_mail};

/// An app with GitHub sign-in pointed at a fresh GitHub double.
pub async fn app_with_github(customise: impl FnOnce(&mut Config)) -> (TestApp, GithubDouble) {
    let github = GithubDouble::start();
    let app = spawn_app_with(|c| {
        use_github(c, &github);
        customise(c);
    })
    .await;
    (app, github)
}

/// An app with GitHub sign-in and a real SMTP server.
pub async fn app_with_github_and_mail() -> (TestApp, GithubDouble) {
    let github = GithubDouble::start();
    let app = spawn_app_with_mail(|c| use_github(c, &github)).await;
    (app, github)
}

fn use_github(c: &mut Config, github: &GithubDouble) {
    c.github_url = github.url.clone();
    c.github_api_url = github.api_url();
    c.github_client_id = Some(CLIENT_ID.to_owned());
    c.github_client_secret = Some(Secret::new(CLIENT_SECRET));
}

/// A GitHub user whose verified primary email is `email`.
pub fn github_user(email: &str) -> GithubUser {
    GithubUser {
        id: 7_100_001,
        login: "rightful-owner".into(),
        name: "Rightful Owner".into(),
        email: email.into(),
        email_verified: true,
    }
}

/// Runs the browser's part of the GitHub flow up to GitHub's consent; returns the
/// callback URL GitHub sends the browser to and the browser's state cookie.
pub async fn github_consent(app: &TestApp, mode: &str, bearer: Option<&str>) -> (String, String) {
    let mut req = app
        .client
        .post(app.url("/api/v1/auth/github/start"))
        .json(&json!({"mode": mode}));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "start the flow");
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
    let consent = app.client.get(&authorize_url).send().await.unwrap();
    assert_eq!(consent.status().as_u16(), 302, "consent at the double");
    let callback = consent.headers()["location"].to_str().unwrap().to_owned();
    (callback, state_cookie)
}

/// The request the browser makes to the callback, with its state cookie.
pub fn callback_request(
    app: &TestApp,
    callback: &str,
    state_cookie: &str,
) -> reqwest::RequestBuilder {
    app.client
        .get(callback)
        .header("cookie", format!("openfund_oauth_state={state_cookie}"))
}

/// Runs the browser's part of the whole GitHub flow; returns the callback's response.
pub async fn github_flow(app: &TestApp, mode: &str, bearer: Option<&str>) -> reqwest::Response {
    let (callback, state_cookie) = github_consent(app, mode, bearer).await;
    callback_request(app, &callback, &state_cookie)
        .send()
        .await
        .unwrap()
}

/// Signs in with GitHub and returns the session (the body of the first refresh) and
/// its refresh cookie.
pub async fn github_sign_in(app: &TestApp) -> (serde_json::Value, String) {
    let res = github_flow(app, "login", None).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/signin/github", "signed in");
    let cookie = refresh_cookie(&res).expect("refresh cookie");
    let res = app.refresh(&cookie).await;
    assert_eq!(res.status().as_u16(), 200);
    let cookie = refresh_cookie(&res).expect("rotated refresh cookie");
    (res.json().await.unwrap(), cookie)
}

/// The stored password hash of a user.
pub fn password_hash(app: &TestApp, user_id: i64) -> Option<String> {
    users::table
        .find(user_id)
        .select(users::password_hash)
        .first(&mut app.conn())
        .unwrap()
}

/// The user's mail links nobody has used or invalidated yet.
pub fn live_mail_links(app: &TestApp, user_id: i64) -> i64 {
    email_tokens::table
        .filter(email_tokens::user_id.eq(user_id))
        .filter(email_tokens::used_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// The user's sessions that are not revoked.
pub fn live_sessions(app: &TestApp, user_id: i64) -> i64 {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// The user's personal API tokens.
pub fn api_token_count(app: &TestApp, user_id: i64) -> i64 {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// The id of the account with this address.
pub fn user_id_by_email(app: &TestApp, email: &str) -> i64 {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap()
}

/// Moves the sign-in of every session of the user `secs` seconds into the past.
pub fn age_sign_ins(app: &TestApp, user_id: i64, secs: i64) {
    let at = openfund::db::now() - chrono::Duration::seconds(secs);
    let n = diesel::update(sessions::table.filter(sessions::user_id.eq(user_id)))
        .set(sessions::authenticated_at.eq(at))
        .execute(&mut app.conn())
        .unwrap();
    assert!(n > 0, "the user has no session");
}

/// A JSON request to `path` with a bearer token.
pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    app.send_json_as(method, path, token, &body).await
}
