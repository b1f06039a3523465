//! Every mutating endpoint against each kind of caller: anonymous, a personal API
//! token (read, or read+write), a signed-in user, a site admin.

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
async fn account_management_needs_a_session_not_a_token() {
    let app = spawn_app().await;
    let user = app.user().await;
    let token = app.api_token(&user, &["read", "write"]).await;
    let endpoints: Vec<(Method, &str, serde_json::Value)> = vec![
        (Method::PATCH, "/api/v1/me", json!({"display_name": "X"})),
        (
            Method::POST,
            "/api/v1/me/password",
            json!({"current_password": "whatever-it-is", "new_password": "cobalt-lantern-river-77"}),
        ),
        (
            Method::POST,
            "/api/v1/me/email",
            json!({"new_email": "new@example.org", "password": "whatever-it-is"}),
        ),
        (
            Method::DELETE,
            "/api/v1/me",
            json!({"password": "whatever-it-is"}),
        ),
        (Method::DELETE, "/api/v1/me/github", json!({})),
        (Method::GET, "/api/v1/me/tokens", json!({})),
        (
            Method::POST,
            "/api/v1/me/tokens",
            json!({"name": "x", "scopes": ["read"]}),
        ),
        (Method::DELETE, "/api/v1/me/tokens/1", json!({})),
    ];
    for (method, path, body) in &endpoints {
        let anonymous = call(&app, method, path, body, None).await;
        assert_eq!(
            anonymous.status().as_u16(),
            401,
            "{method} {path} anonymous"
        );
        assert_problem(anonymous, 401, "unauthenticated").await;
        let with_token = call(&app, method, path, body, Some(&token)).await;
        assert_eq!(
            with_token.status().as_u16(),
            403,
            "{method} {path} with an API token"
        );
        assert_problem(with_token, 403, "session_required").await;
    }
    // The account is untouched.
    let me: serde_json::Value = app.json_as("/api/v1/me", &user.token).await;
    assert_eq!(me["display_name"], "Test User");
    assert_eq!(me["email"], user.email);
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
