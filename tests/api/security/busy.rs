//! §2.7 A write that waits too long for a lock another connection holds answers 503
//! `database_busy` (with `Retry-After`), never 500 and never hangs: on SQLite the
//! database's write lock (`busy_timeout`), on PostgreSQL a row lock (`lock_timeout`),
//! both set by `OPENFUND_DB_LOCK_TIMEOUT_MS`. Rules: `db::establish_with`,
//! `db::DbError::Busy`, `api::error`.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use openfund::db::Backend;
use serde_json::json;

use super::support::send;
use crate::helpers::{PASSWORD, assert_problem, backend, spawn_app_with};

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
    let rename = json!({"display_name": "Busy Bee"});
    let res = send(&app, "PATCH", "/api/v1/me", &user.token, rename.clone()).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 503, "database_busy").await;
    // Signing in writes a session: the same answer.
    assert_problem(app.login(&user.email, PASSWORD).await, 503, "database_busy").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited {:?}, not the configured 300 ms",
        started.elapsed()
    );

    // Once the lock is released the same requests go through.
    holder.batch_execute("ROLLBACK").unwrap();
    let res = send(&app, "PATCH", "/api/v1/me", &user.token, rename).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["display_name"],
        "Busy Bee"
    );
    assert_eq!(
        app.login(&user.email, PASSWORD).await.status().as_u16(),
        200
    );
}
