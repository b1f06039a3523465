//! §2.2 Limits on everything that checks a password or sends mail (reset, resend,
//! change-password, change-email, delete-account, besides sign-in and registration),
//! keyed by client and by account; on PostgreSQL the counters live in the database so
//! several instances share one limit. Rules: `app::limits`, applied in `app::auth` and
//! `app::users`.

use diesel::prelude::*;
use openfund::db::Backend;
use openfund::db::schema::rate_limits;
use openfund::domain::net::TrustedProxies;
use serde_json::json;

use super::support::send;
use crate::helpers::{
    PASSWORD, TestApp, assert_problem, backend, spawn_app_with, spawn_instance_on,
};

const LIMIT: u32 = 2;

async fn limited_app() -> TestApp {
    spawn_app_with(|c| {
        c.auth_rate_limit = LIMIT;
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1/32").unwrap();
    })
    .await
}

/// Asserts the answer is 429 `rate_limited` with a `Retry-After` within the window.
async fn assert_limited(res: reqwest::Response, what: &str) {
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .unwrap_or_else(|| panic!("{what}: no Retry-After ({})", res.status()))
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{what}: Retry-After {retry}");
    assert_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn reset_and_resend_are_limited_per_client_and_per_address() {
    let app = limited_app().await;
    for path in [
        "/api/v1/auth/password-reset",
        "/api/v1/auth/verify-email/resend",
    ] {
        let post = |client: &'static str, email: &'static str| {
            app.client
                .post(app.url(path))
                .header("x-forwarded-for", client)
                .json(&json!({ "email": email }))
                .send()
        };
        for _ in 0..LIMIT {
            let res = post("203.0.113.1", "target@example.org").await.unwrap();
            assert_eq!(res.status().as_u16(), 202, "{path}");
        }
        let res = post("203.0.113.1", "target@example.org").await.unwrap();
        assert_limited(res, path).await;
        // The address is limited whoever asks (no flooding one inbox from many
        // clients)…
        let res = post("198.51.100.2", "target@example.org").await.unwrap();
        assert_limited(res, path).await;
        // …and the client whatever address it names.
        let res = post("203.0.113.1", "other@example.org").await.unwrap();
        assert_limited(res, path).await;
        // Anyone else is not affected.
        let res = post("198.51.100.2", "other@example.org").await.unwrap();
        assert_eq!(res.status().as_u16(), 202, "{path}");
    }
}

#[tokio::test]
async fn password_checks_on_account_changes_are_limited() {
    let app = limited_app().await;
    let cases = [
        (
            "POST",
            "/api/v1/me/password",
            json!({"current_password": "wrong-guess-0123", "new_password": "cobalt-lantern-river-77"}),
            json!({"current_password": PASSWORD, "new_password": "cobalt-lantern-river-77"}),
        ),
        (
            "POST",
            "/api/v1/me/email",
            json!({"new_email": "moved@example.org", "password": "wrong-guess-0123"}),
            json!({"new_email": "moved@example.org", "password": PASSWORD}),
        ),
        (
            "DELETE",
            "/api/v1/me",
            json!({"password": "wrong-guess-0123"}),
            json!({"password": PASSWORD}),
        ),
    ];
    for (method, path, wrong, right) in cases {
        let user = app.user().await;
        for _ in 0..LIMIT {
            let res = send(&app, method, path, &user.token, wrong.clone()).await;
            assert_problem(res, 401, "invalid_credentials").await;
        }
        // Past the limit even the right password waits: guessing has to stop.
        let res = send(&app, method, path, &user.token, right.clone()).await;
        assert_limited(res, path).await;
        // The account is limited from any client.
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(&user.token)
            .header("x-forwarded-for", "198.51.100.3")
            .json(&right)
            .send()
            .await
            .unwrap();
        assert_limited(res, path).await;
        assert_eq!(
            app.get_as("/api/v1/me", &user.token)
                .await
                .status()
                .as_u16(),
            200,
            "{path}: nothing changed"
        );
    }
}

#[tokio::test]
async fn instances_on_one_postgres_database_share_one_limit() {
    if backend() != Backend::Postgres {
        // A SQLite deployment is one instance, which counts in memory.
        eprintln!("skipped: several instances share a database only on PostgreSQL");
        return;
    }
    let app = spawn_app_with(|c| c.auth_rate_limit = 3).await;
    let second = spawn_instance_on(&app.database_url, |c| c.auth_rate_limit = 3).await;
    let user = app.user().await;
    let login_at = |base: String| {
        app.client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": user.email, "password": "not-the-password-at-all"}))
            .send()
    };
    // Three failures spread over both instances use up the one limit.
    for base in [&app.address, &second, &app.address] {
        let res = login_at(base.clone()).await.unwrap();
        assert_problem(res, 401, "invalid_credentials").await;
    }
    for base in [&second, &app.address] {
        let res = login_at(base.clone()).await.unwrap();
        assert_limited(res, base).await;
    }
    // The counters are rows, and no key holds the address in the clear.
    let keys: Vec<String> = rate_limits::table
        .select(rate_limits::key)
        .load(&mut app.conn())
        .unwrap();
    assert!(!keys.is_empty());
    let local = user.email.split('@').next().unwrap();
    assert!(
        keys.iter().all(|k| !k.contains(local) && !k.contains('@')),
        "{keys:?}"
    );
}
