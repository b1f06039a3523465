//! §2.2 Who the client is behind a TLS proxy. Every request reaches the server from the
//! proxy's address; only when that peer is a configured trusted proxy is the
//! forwarding header believed, and then the client is the right-most address in it
//! that is not a trusted proxy. Rules: `domain::net`, applied in `api::auth::client_ip`.
//! The test client connects from 127.0.0.1, which plays the proxy.

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, assert_problem, spawn_app_with};
use openfund::config::ForwardedHeaderArg;
use openfund::domain::net::TrustedProxies;

/// A failed sign-in as `client` would make it through a proxy writing `header`.
async fn failed_login(app: &TestApp, header: &str, client: &str, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header(header, client)
        .json(&json!({"email": email, "password": "not-the-password-at-all"}))
        .send()
        .await
        .unwrap()
}

async fn login_via(app: &TestApp, header: &str, client: &str, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header(header, client)
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
}

async fn behind_proxy(header: ForwardedHeaderArg) -> TestApp {
    spawn_app_with(move |c| {
        c.auth_rate_limit = 3;
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1/32").unwrap();
        c.forwarded_header = header;
    })
    .await
}

/// A fresh address for each attempt, so only the per-client counter fills.
fn someone() -> String {
    format!("nobody-{}@example.org", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_another() {
    let app = behind_proxy(ForwardedHeaderArg::XForwardedFor).await;
    app.insert_account("bystander@example.org", true, false);
    let xff = "x-forwarded-for";

    for _ in 0..3 {
        let res = failed_login(&app, xff, "203.0.113.7", &someone()).await;
        assert_problem(res, 401, "invalid_credentials").await;
    }
    // That client is now limited, whatever it writes left of what the proxy saw.
    for forged in [
        "203.0.113.7",
        "198.51.100.1, 203.0.113.7",
        "10.9.9.9, 203.0.113.7",
    ] {
        let res = failed_login(&app, xff, forged, &someone()).await;
        assert!(res.headers().contains_key("retry-after"));
        assert_problem(res, 429, "rate_limited").await;
    }
    // Someone else behind the same proxy still signs in.
    let res = login_via(&app, xff, "198.51.100.20", "bystander@example.org").await;
    assert_eq!(
        res.status().as_u16(),
        200,
        "another client is not locked out"
    );
    // So does a request with no forwarding header at all: the proxy itself.
    let res = app.login("bystander@example.org", PASSWORD).await;
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn without_trusted_proxies_forwarding_headers_are_ignored() {
    let app = spawn_app_with(|c| c.auth_rate_limit = 3).await;
    // A client cannot escape its limit by claiming a new address on each try.
    for n in 0..3 {
        let res = failed_login(&app, "x-forwarded-for", &format!("192.0.2.{n}"), &someone()).await;
        assert_problem(res, 401, "invalid_credentials").await;
    }
    let res = failed_login(&app, "x-forwarded-for", "192.0.2.99", &someone()).await;
    assert_problem(res, 429, "rate_limited").await;
    let res = failed_login(&app, "forwarded", "for=192.0.2.98", &someone()).await;
    assert_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn ipv6_clients_are_counted_per_64_through_the_forwarded_header() {
    let app = behind_proxy(ForwardedHeaderArg::Forwarded).await;
    app.insert_account("bystander@example.org", true, false);
    let fwd = "forwarded";
    // Three addresses of one /64, as RFC 7239 writes them (quoted, bracketed, ported).
    for client in [
        r#"for="[2001:db8:1:2::a]""#,
        r#"for="[2001:db8:1:2::b]:4711""#,
        r#"for="[2001:db8:1:2:ffff:ffff:ffff:ffff]";proto=https"#,
    ] {
        let res = failed_login(&app, fwd, client, &someone()).await;
        assert_problem(res, 401, "invalid_credentials").await;
    }
    let res = failed_login(&app, fwd, r#"for="[2001:db8:1:2::c]""#, &someone()).await;
    assert_problem(res, 429, "rate_limited").await;
    // The next /64 is someone else.
    let res = login_via(
        &app,
        fwd,
        r#"for="[2001:db8:1:3::a]""#,
        "bystander@example.org",
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    // With this header configured, X-Forwarded-For is not believed.
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "2001:db8:1:2::d")
        .json(&json!({"email": "bystander@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        200,
        "the proxy's own address, not the /64"
    );
}
