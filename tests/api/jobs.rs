//! The job queue and mail outbox: retries, exactly-once delivery with several workers,
//! and mail kept when no SMTP server is configured.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use openfund::db::{self, DatabaseUrl, schema};
use openfund::mail::{self, MailContext, Template};
use openfund::store::jobs;
use serde_json::json;

use crate::helpers::{JWT_SECRET, PASSWORD, TestDatabase, backend, spawn_app, spawn_app_with};
use crate::mail_sink::{MailSink, free_port};

fn url_string(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
        DatabaseUrl::Postgres(u) => u.clone(),
    }
}

fn outbox_state(
    url: &DatabaseUrl,
) -> Vec<(i64, Option<chrono::NaiveDateTime>, i32, Option<String>)> {
    let mut conn = db::establish(url).unwrap();
    schema::outbox::table
        .select((
            schema::outbox::id,
            schema::outbox::sent_at,
            schema::outbox::attempts,
            schema::outbox::last_error,
        ))
        .load(&mut conn)
        .unwrap()
}

#[tokio::test]
async fn mail_survives_an_smtp_outage() {
    let port = free_port();
    let mut sink = MailSink::start_on(port);
    sink.stop();
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(openfund::config::Secret::new(format!(
            "smtp://127.0.0.1:{port}"
        )))
    })
    .await;

    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "lin@example.org", "password": PASSWORD, "display_name": "Lin"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);

    // The worker tries, fails, and keeps the message queued with the error.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let rows = outbox_state(&app.database_url);
        if rows.len() == 1 && rows[0].2 >= 1 && rows[0].3.is_some() {
            assert!(rows[0].1.is_none(), "not sent while SMTP is down");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed attempt recorded: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    sink.restart();
    let mail = sink.wait_for("lin@example.org").await;
    assert!(mail.link_token("/verify-email").is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1, "delivered once");
    let rows = outbox_state(&app.database_url);
    assert!(rows[0].1.is_some(), "marked sent");
}

#[tokio::test]
async fn without_smtp_mail_stays_in_the_outbox_and_is_listed() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "kept@example.org", "password": PASSWORD, "display_name": "Kept"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);

    // The job completes (there is nothing to retry) and the message stays unsent.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut conn = db::establish(&app.database_url).unwrap();
        let states: Vec<String> = schema::jobs::table
            .filter(schema::jobs::kind.eq("send_mail"))
            .select(schema::jobs::state)
            .load(&mut conn)
            .unwrap();
        if states == ["done"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job states {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(outbox_state(&app.database_url)[0].1.is_none());

    let out = Command::new(env!("CARGO_BIN_EXE_openfund"))
        .args(["outbox"])
        .env("OPENFUND_DATABASE_URL", url_string(&app.database_url))
        .env("OPENFUND_LOG", "warn")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("1 unsent message"), "{text}");
    assert!(
        text.contains("kept@example.org") && text.contains("Confirm your email"),
        "{text}"
    );

    let admin = app.admin().await;
    let listed: serde_json::Value = app.json_as("/api/v1/admin/outbox", &admin.token).await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    assert_eq!(listed["items"][0]["to"], "kept@example.org");
    assert_eq!(listed["next_cursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn failed_jobs_are_kept_and_shown_to_admins() {
    let app = spawn_app().await;
    {
        let mut conn = db::establish(&app.database_url).unwrap();
        db::tx::run_write(&mut conn, |tx| {
            let now = db::now();
            let job = jobs::NewJob {
                kind: "no_such_kind",
                payload: "{}",
                unique_key: None,
                max_attempts: 3,
                run_at: now,
            };
            jobs::enqueue(tx, &job, now)
        })
        .unwrap();
    }
    let admin = app.admin().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let failed = loop {
        let page: serde_json::Value = app
            .json_as("/api/v1/admin/jobs?state=failed", &admin.token)
            .await;
        if page["items"]
            .as_array()
            .is_some_and(|items| items.len() == 1)
        {
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job never failed: {page}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(failed["items"][0]["kind"], "no_such_kind");
    assert!(
        failed["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("unknown job kind")
    );
    assert_eq!(
        failed["items"][0]["attempts"], 1,
        "a permanent error is not retried"
    );

    let id = failed["items"][0]["id"].as_i64().unwrap();
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/jobs/{id}/retry")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let user = app.user().await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/jobs/{id}/retry")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
}

fn start_worker(database_url: &str, smtp: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_openfund"))
        .arg("worker")
        .env("OPENFUND_DATABASE_URL", database_url)
        .env("OPENFUND_SMTP_URL", smtp)
        .env("OPENFUND_JWT_SECRET", JWT_SECRET)
        .env("OPENFUND_JOB_POLL_MS", "20")
        .env("OPENFUND_DB_POOL_SIZE", "4")
        .env("OPENFUND_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start openfund worker")
}

/// Two worker processes drain one queue: every message reaches the SMTP server once.
#[tokio::test]
async fn two_worker_processes_deliver_each_mail_exactly_once() {
    const MAILS: usize = 300;
    let (_db, url) = TestDatabase::create(backend());
    {
        let mut conn = db::establish(&url).unwrap();
        db::run_migrations(&mut conn).unwrap();
        let ctx = MailContext {
            instance_name: "OpenFund".into(),
            public_url: "http://of.test".into(),
        };
        db::tx::run_write(&mut conn, |c| {
            for i in 0..MAILS {
                let template = Template::VerifyEmail {
                    name: format!("user {i}"),
                    token: format!("token{i}"),
                };
                mail::queue(
                    c,
                    &ctx,
                    &format!("user{i}@example.org"),
                    &template,
                    db::now(),
                )?;
            }
            Ok::<_, db::DbError>(())
        })
        .unwrap();
    }
    let sink = MailSink::start();
    let db_url = url_string(&url);
    let mut workers = [
        start_worker(&db_url, &sink.url()),
        start_worker(&db_url, &sink.url()),
    ];

    let delivered = sink.wait_for_count(MAILS, Duration::from_secs(120)).await;
    // Give a duplicate, if any, time to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for w in &mut workers {
        let _ = w.kill();
        let _ = w.wait();
    }
    assert_eq!(delivered, MAILS, "all mail delivered");
    let messages = sink.messages();
    assert_eq!(messages.len(), MAILS, "no message delivered twice");
    let mut per_address: HashMap<String, usize> = HashMap::new();
    for m in &messages {
        let to = m
            .raw
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap_or_default()
            .to_owned();
        *per_address.entry(to).or_default() += 1;
    }
    assert_eq!(per_address.len(), MAILS);
    assert!(per_address.values().all(|n| *n == 1));

    let mut conn = db::establish(&url).unwrap();
    let runners: Vec<Option<String>> = schema::jobs::table
        .filter(schema::jobs::kind.eq("send_mail"))
        .select(schema::jobs::locked_by)
        .distinct()
        .load(&mut conn)
        .unwrap();
    assert_eq!(runners.len(), 2, "both workers took part: {runners:?}");
    let unsent: i64 = schema::outbox::table
        .filter(schema::outbox::sent_at.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(unsent, 0);
}
