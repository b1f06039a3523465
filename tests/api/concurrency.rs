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
    let statuses = futures_join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 201), "statuses: {statuses:?}");

    let list: serde_json::Value = app.get("/api/v1/projects").await.json().await.unwrap();
    assert_eq!(list["total"], 48);
}

/// Runs the futures concurrently on this task.
async fn futures_join_all<F: std::future::Future<Output = u16>>(
    futs: impl Iterator<Item = F>,
) -> Vec<u16> {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    let mut out = vec![0; set.len()];
    let mut pending: Vec<usize> = (0..set.len()).collect();
    std::future::poll_fn(|cx| {
        pending.retain(|&i| match set[i].as_mut().poll(cx) {
            std::task::Poll::Ready(v) => {
                out[i] = v;
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out
}
