//! Sign in with GitHub, end to end against the local GitHub double.

use diesel::prelude::*;
use openfund::config::Secret;
use openfund::db::schema::{oauth_states, sessions, users};
use openfund::security::secrets;
use serde_json::json;

use crate::github_double::{CLIENT_ID, CLIENT_SECRET, GithubDouble, GithubUser};
use crate::helpers::{PASSWORD, TestApp, refresh_cookie, spawn_app_with};

pub async fn app_with_github() -> (TestApp, GithubDouble) {
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
pub async fn run_flow(app: &TestApp, mode: &str, bearer: Option<&str>) -> reqwest::Response {
    let (_, url, state) = consent(app, mode, bearer).await;
    callback(app, &url, &[state_cookie(&state)], None).await
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

/// Starts a flow and consents at the double; returns the authorize URL (asking it
/// again yields a fresh code for the same state), the callback URL GitHub sends the
/// browser to, and the browser's state cookie.
async fn consent(app: &TestApp, mode: &str, bearer: Option<&str>) -> (String, String, String) {
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
    assert!(authorize_url.contains("client_id=Iv1.testclientid"));
    // "GitHub" sends the browser back with a code.
    let callback = callback_for(app, &authorize_url).await;
    assert!(callback.starts_with(&app.address), "{callback}");
    (authorize_url, callback, state_cookie)
}

/// Consents at the double: the callback URL, with a new code.
async fn callback_for(app: &TestApp, authorize_url: &str) -> String {
    let consent = app.client.get(authorize_url).send().await.unwrap();
    assert_eq!(consent.status().as_u16(), 302);
    consent.headers()["location"].to_str().unwrap().to_owned()
}

/// The callback as a browser sends it, with the cookies it holds (`name=value` each);
/// optionally a bearer token as well.
async fn callback(
    app: &TestApp,
    url: &str,
    cookies: &[String],
    bearer: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.get(url);
    if !cookies.is_empty() {
        req = req.header("cookie", cookies.join("; "));
    }
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

fn state_cookie(value: &str) -> String {
    format!("openfund_oauth_state={value}")
}

fn session_cookie(refresh: &str) -> String {
    format!("openfund_refresh={refresh}")
}

/// Refused as a bad state: back to the sign-in page with the error, nobody signed in.
#[track_caller]
fn assert_state_refused(res: &reqwest::Response, what: &str) {
    assert_eq!(res.status().as_u16(), 303, "{what}");
    assert_eq!(
        res.headers()["location"],
        "/signin/github?error=invalid_state",
        "{what}"
    );
    assert!(refresh_cookie(res).is_none(), "{what}: nobody is signed in");
}

/// The GitHub id linked to an account (the `users` row).
fn github_id_of(app: &TestApp, user_id: i64) -> Option<i64> {
    users::table
        .find(user_id)
        .select(users::github_id)
        .first(&mut app.conn())
        .unwrap()
}

/// How many accounts are linked to this GitHub id.
fn accounts_linked_to(app: &TestApp, github_id: i64) -> i64 {
    users::table
        .filter(users::github_id.eq(github_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Makes the stored state of this browser cookie expire a second ago.
fn expire_state(app: &TestApp, state: &str) {
    let n = diesel::update(
        oauth_states::table.filter(oauth_states::state_hash.eq(secrets::hash(state))),
    )
    .set(oauth_states::expires_at.eq(openfund::db::now() - chrono::Duration::seconds(1)))
    .execute(&mut app.conn())
    .unwrap();
    assert_eq!(n, 1, "no stored state for this cookie");
}

#[tokio::test]
async fn a_forged_or_replayed_state_is_refused() {
    let (app, github) = app_with_github().await;
    let gh = octo("octo@example.org");
    github.set_user(gh.clone());
    let (authorize_url, url, state) = consent(&app, "login", None).await;

    // Without the browser's state cookie (a login-CSRF attempt): refused, nobody signed in.
    let res = callback(&app, &url, &[], None).await;
    assert_state_refused(&res, "no state cookie");
    // With the cookie of another flow (another browser's, or an older one): refused.
    let (_, _, other_state) = consent(&app, "login", None).await;
    let res = callback(&app, &url, &[state_cookie(&other_state)], None).await;
    assert_state_refused(&res, "the state cookie of another flow");
    assert_eq!(accounts_linked_to(&app, gh.id), 0, "nobody signed up yet");

    // (a) A state that completed a sign-in is spent: the same callback again is refused,
    // and so is the state with a fresh code GitHub would hand out for it.
    let res = callback(&app, &url, &[state_cookie(&state)], None).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/signin/github");
    assert!(refresh_cookie(&res).is_some(), "the first use signs in");
    let res = callback(&app, &url, &[state_cookie(&state)], None).await;
    assert_state_refused(&res, "the same callback replayed");
    let fresh_code = callback_for(&app, &authorize_url).await;
    assert_ne!(fresh_code, url);
    let res = callback(&app, &fresh_code, &[state_cookie(&state)], None).await;
    assert_state_refused(&res, "a spent state with a fresh code");
    let account: i64 = users::table
        .filter(users::github_id.eq(gh.id))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let account_sessions: i64 = sessions::table
        .filter(sessions::user_id.eq(account))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(account_sessions, 1, "only the first use opened a session");

    // (b) An expired state is refused, and nothing is created for the GitHub user.
    let late = GithubUser {
        id: 583232,
        login: "latecomer".into(),
        name: "Late".into(),
        email: "late@example.org".into(),
        email_verified: true,
    };
    github.set_user(late.clone());
    let (_, url, state) = consent(&app, "login", None).await;
    expire_state(&app, &state);
    let res = callback(&app, &url, &[state_cookie(&state)], None).await;
    assert_state_refused(&res, "an expired state");
    assert_eq!(
        accounts_linked_to(&app, late.id),
        0,
        "no account for an expired state"
    );
    let by_email: i64 = users::table
        .filter(users::email.eq(&late.email))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(by_email, 0);

    // GitHub's own refusal.
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
async fn a_link_state_completes_only_for_the_account_that_started_it() {
    let (app, github) = app_with_github().await;
    let a = app.user().await;
    let b = app.user().await;
    let gh = GithubUser {
        id: 583299,
        login: "octolinker".into(),
        name: "Octo Linker".into(),
        email: "linker@example.org".into(),
        email_verified: true,
    };
    github.set_user(gh.clone());
    let nobody_linked = |what: &str| {
        assert_eq!(github_id_of(&app, a.id), None, "{what}: A is not linked");
        assert_eq!(github_id_of(&app, b.id), None, "{what}: B is not linked");
        assert_eq!(accounts_linked_to(&app, gh.id), 0, "{what}");
    };

    // A starts linking; the callback reaches B's browser, which holds B's session (its
    // refresh cookie, and a bearer token for good measure) but not A's state cookie.
    let (_, url, a_state) = consent(&app, "link", Some(&a.token)).await;
    let res = callback(&app, &url, &[session_cookie(&b.refresh)], Some(&b.token)).await;
    assert_state_refused(&res, "B's session, no state cookie");
    nobody_linked("B's session, no state cookie");
    // B's browser with a link flow of B's own: its cookie is not A's state.
    let (_, _, b_state) = consent(&app, "link", Some(&b.token)).await;
    let cookies = [state_cookie(&b_state), session_cookie(&b.refresh)];
    let res = callback(&app, &url, &cookies, Some(&b.token)).await;
    assert_state_refused(&res, "B's session and B's own state cookie");
    nobody_linked("B's session and B's own state cookie");
    // Nobody's browser: no session, no state cookie.
    let res = callback(&app, &url, &[], None).await;
    assert_state_refused(&res, "no cookie at all");
    nobody_linked("no cookie at all");

    // A's state cookie planted in B's signed-in browser (cookie injection): the browser
    // completing the link is B's, so it is refused, and the state is spent.
    let cookies = [state_cookie(&a_state), session_cookie(&b.refresh)];
    let res = callback(&app, &url, &cookies, None).await;
    assert_state_refused(&res, "A's state cookie with B's refresh cookie");
    nobody_linked("A's state cookie with B's refresh cookie");
    let res = callback(&app, &url, &[state_cookie(&a_state)], None).await;
    assert_state_refused(&res, "the state that reached B's browser, replayed by A");
    nobody_linked("the state that reached B's browser, replayed by A");
    // The same with B's access token.
    let (_, url, a_state) = consent(&app, "link", Some(&a.token)).await;
    let res = callback(&app, &url, &[state_cookie(&a_state)], Some(&b.token)).await;
    assert_state_refused(&res, "A's state cookie with B's access token");
    nobody_linked("A's state cookie with B's access token");

    // A's own browser completes the link (with A's session cookie, or none): A only.
    let (_, url, a_state) = consent(&app, "link", Some(&a.token)).await;
    let cookies = [state_cookie(&a_state), session_cookie(&a.refresh)];
    let res = callback(&app, &url, &cookies, None).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/settings?github=linked");
    assert_eq!(github_id_of(&app, a.id), Some(gh.id));
    assert_eq!(github_id_of(&app, b.id), None, "B is never linked");
    assert_eq!(accounts_linked_to(&app, gh.id), 1);
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
