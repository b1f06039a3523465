//! Concurrent writes must all succeed: SQLite write transactions start IMMEDIATE and
//! wait on busy_timeout instead of failing with SQLITE_BUSY.

use serde_json::json;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn concurrent_creates_all_succeed() {
    let app = spawn_app_with(|c| {
        c.workers = Some(4);
        c.db_pool_size = 8;
    })
    .await;
    let user = app.user().await;
    let token = user.token.as_str();
    let requests = (0..48).map(|i| {
        let body = json!({"slug": format!("c{i}"), "name": format!("C {i}"), "kind": "tool"});
        let app = &app;
        async move { app.create_project(token, &body).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 201), "statuses: {statuses:?}");

    let list: serde_json::Value = app.get("/api/v1/projects").await.json().await.unwrap();
    assert_eq!(list["total"], 48);
}
