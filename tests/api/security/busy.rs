//! §2.7 A write that waits too long for a lock another connection holds answers 503
//! `database_busy` (with `Retry-After`), never 500 and never hangs: on SQLite the
//! database's write lock (`busy_timeout`), on PostgreSQL a row lock (`lock_timeout`),
//! both set by `OPENFUND_DB_LOCK_TIMEOUT_MS`. Rules: `db::establish_with`,
//! `db::DbError::Busy`, `api::error`.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use openfund::db::Backend;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, backend, spawn_app_with};

/// Renames the user, giving up after 30 s (a server without a lock timeout would
/// hold the request for as long as the lock is held).
async fn rename(app: &TestApp, user: &TestUser) -> reqwest::Response {
    app.client
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&user.token)
        .json(&json!({"display_name": "Busy Bee"}))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("no answer within 30 s")
}

async fn sign_in(app: &TestApp, user: &TestUser) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": user.email, "password": PASSWORD}))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("no answer within 30 s")
}

#[tokio::test]
async fn a_write_stuck_behind_another_connections_lock_is_503_database_busy() {
    let app = spawn_app_with(|c| c.db_lock_timeout_ms = 300).await;
    let user = app.user().await;

    // Another connection (a long report, an operator's shell) holds the lock.
    let mut holder = app.conn();
    match backend() {
        Backend::Sqlite => holder.batch_execute("BEGIN IMMEDIATE").unwrap(),
        Backend::Postgres => holder
            .batch_execute(&format!(
                "BEGIN; SELECT id FROM users WHERE id = {} FOR UPDATE",
                user.id
            ))
            .unwrap(),
    }

    let started = Instant::now();
    let res = rename(&app, &user).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 503, "database_busy").await;
    // Signing in writes a session: the same answer.
    assert_problem(sign_in(&app, &user).await, 503, "database_busy").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited {:?}, not the configured 300 ms",
        started.elapsed()
    );

    // Once the lock is released the same requests go through.
    holder.batch_execute("ROLLBACK").unwrap();
    let res = rename(&app, &user).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["display_name"],
        "Busy Bee"
    );
    assert_eq!(sign_in(&app, &user).await.status().as_u16(), 200);
}
