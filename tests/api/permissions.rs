//! Admin actions by role, including a site admin's read-only token. Every endpoint
//! against every kind of caller is walked by the permission matrix (`matrix.rs`),
//! which also covers account management needing a session, not a token.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem, spawn_app};

async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    body: &serde_json::Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.request(method.clone(), app.url(path)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn admin_actions_by_role() {
    let app = spawn_app().await;
    let path = "/api/v1/admin/jobs/1/retry";
    let none = json!({});
    assert_problem(
        call(&app, &Method::POST, path, &none, None).await,
        401,
        "unauthenticated",
    )
    .await;
    let user = app.user().await;
    assert_problem(
        call(&app, &Method::POST, path, &none, Some(&user.token)).await,
        403,
        "forbidden",
    )
    .await;
    let admin = app.admin().await;
    let read_only = app.api_token(&admin, &["read"]).await;
    assert_problem(
        call(&app, &Method::POST, path, &none, Some(&read_only)).await,
        403,
        "forbidden",
    )
    .await;
    // An admin gets through the checks; there is simply no failed job 1.
    assert_problem(
        call(&app, &Method::POST, path, &none, Some(&admin.token)).await,
        404,
        "not_found",
    )
    .await;
    // An admin's token without the admin scope acts as a plain user...
    assert_problem(
        call(
            &app,
            &Method::GET,
            "/api/v1/admin/outbox",
            &none,
            Some(&read_only),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // ...and with it, reads the admin views (but still cannot change anything).
    let admin_read = app.api_token(&admin, &["read", "admin"]).await;
    let res = call(
        &app,
        &Method::GET,
        "/api/v1/admin/outbox",
        &none,
        Some(&admin_read),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_problem(
        call(&app, &Method::POST, path, &none, Some(&admin_read)).await,
        403,
        "insufficient_scope",
    )
    .await;
}
