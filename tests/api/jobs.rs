//! The job queue and mail outbox: leases and heartbeats, retries through outages,
//! exactly-once delivery with several worker processes, wake-ups, the purge, and mail
//! kept when no SMTP server is configured. Tests that need a worker start the real
//! `openfund worker` binary ([`WorkerProcess`]) so they can kill it like an operator's
//! machine would.

mod leases;
mod outage;
mod purge;
mod wakeups;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use openfund::db::{self, AnyConnection, DatabaseUrl, schema};
use openfund::domain::ids::OutboxId;
use openfund::mail::{self, MailContext, Template};
use openfund::store::jobs::{self, JobRow, JobState};
use openfund::store::outbox::{self, OutboxRow};
use serde_json::json;

use crate::helpers::{JWT_SECRET, PASSWORD, TestDatabase, backend, spawn_app, spawn_app_with};
use crate::mail_sink::{MailSink, SinkEvent, free_port};

/// The database URL as `OPENFUND_DATABASE_URL` spells it.
pub fn url_string(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
        DatabaseUrl::Postgres(u) => u.clone(),
    }
}

/// A migrated database of the backend under test, with no server.
pub fn fresh_database() -> (TestDatabase, DatabaseUrl, AnyConnection) {
    let (db, url) = TestDatabase::create(backend());
    let mut conn = db::establish(&url).expect("connect");
    db::run_migrations(&mut conn).expect("migrate");
    (db, url, conn)
}

/// Polls `probe` until it returns a value; panics with `what` after `within`.
pub async fn eventually<T>(
    what: &str,
    within: Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "gave up after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// What the templates of test mail need.
pub fn mail_context() -> MailContext {
    MailContext {
        instance_name: "OpenFund".into(),
        public_url: "http://of.test".into(),
    }
}

/// Queues a mail without a link (a notice) to `to`, as if queued at `at`; returns its
/// outbox id.
pub fn queue_notice(conn: &mut AnyConnection, to: &str, at: chrono::NaiveDateTime) -> OutboxId {
    let template = Template::AccountExists {
        name: "Test".into(),
    };
    queue_mail(conn, to, &template, at)
}

/// Queues `template` to `to` (with its `send_mail` job) as if at `at`.
pub fn queue_mail(
    conn: &mut AnyConnection,
    to: &str,
    template: &Template,
    at: chrono::NaiveDateTime,
) -> OutboxId {
    db::tx::run_write(conn, |tx| {
        mail::queue(tx, &mail_context(), to, template, at)
    })
    .expect("queue mail")
    .0
}

/// Every job of `kind`, oldest first.
pub fn jobs_of(conn: &mut AnyConnection, kind: &str) -> Vec<JobRow> {
    schema::jobs::table
        .filter(schema::jobs::kind.eq(kind))
        .order(schema::jobs::id.asc())
        .select(JobRow::as_select())
        .load(conn)
        .expect("load jobs")
}

/// The only job of `kind`.
pub fn only_job(conn: &mut AnyConnection, kind: &str) -> JobRow {
    let mut rows = jobs_of(conn, kind);
    assert_eq!(rows.len(), 1, "one {kind} job expected: {rows:#?}");
    rows.remove(0)
}

pub fn outbox_row(conn: &mut AnyConnection, id: OutboxId) -> OutboxRow {
    outbox::find(conn, id)
        .expect("read outbox")
        .expect("outbox row")
}

/// The jobs a worker queues when it starts have run (the purge, the instalment and
/// compute-expiry jobs; with
/// SMTP, the sweep for pending mail), and their next runs are not due.
pub fn startup_jobs_done(conn: &mut AnyConnection) -> bool {
    // Every job a worker queues when it starts (`Worker::schedule_recurring`).
    let jobs: Vec<JobRow> = jobs_of(conn, "purge")
        .into_iter()
        .chain(jobs_of(conn, "deliver_pending_mail"))
        .chain(jobs_of(conn, "create_instalments"))
        .chain(jobs_of(conn, "expire_goals"))
        .chain(jobs_of(conn, "expire_compute"))
        .collect();
    let purged = jobs
        .iter()
        .any(|j| j.kind == "purge" && j.state == JobState::Done);
    let pending = jobs.iter().any(|j| {
        j.state == JobState::Running || (j.state == JobState::Queued && j.run_at <= db::now())
    });
    purged && !pending
}

/// Waits until a freshly started worker has run its start-up jobs, so that its sweep
/// for pending mail cannot race a test's own mail (it may queue a second, harmless
/// `send_mail` job for a message whose first job has just ended).
pub async fn settle(conn: &mut AnyConnection) {
    eventually(
        "the worker's start-up jobs",
        Duration::from_secs(30),
        || startup_jobs_done(conn).then_some(()),
    )
    .await;
}

/// Runs the recurring job `kind` (e.g. `purge`) now instead of at its next turn, and
/// waits until it has finished once more.
pub async fn run_recurring_now(conn: &mut AnyConnection, kind: &str) {
    let done = |conn: &mut AnyConnection| {
        jobs_of(conn, kind)
            .iter()
            .filter(|j| j.state == JobState::Done)
            .count()
    };
    let before = done(conn);
    let moved = db::tx::run_write(conn, |tx| {
        Ok::<_, db::DbError>(jobs::bring_forward(tx, kind, "", db::now())?)
    })
    .unwrap()
    .0;
    assert!(moved, "no {kind} job waiting for its next turn");
    eventually(&format!("{kind} to run"), Duration::from_secs(20), || {
        (done(conn) > before).then_some(())
    })
    .await;
}

/// Runs the `openfund` binary with `args` against `url`; returns (success, stdout).
pub fn openfund_cli(url: &DatabaseUrl, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_openfund"))
        .args(args)
        .env("OPENFUND_DATABASE_URL", url_string(url))
        .env("OPENFUND_LOG", "warn")
        .output()
        .expect("run openfund");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A running `openfund worker` process whose log goes to a file; killed (SIGKILL)
/// when dropped.
pub struct WorkerProcess {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl WorkerProcess {
    /// Starts a worker on `url`, delivering to `smtp` (none: mail stays in the outbox),
    /// with the test defaults (20 ms polls, info logs) overridden by `env`.
    pub fn start(url: &DatabaseUrl, smtp: Option<&str>, env: &[(&str, &str)]) -> WorkerProcess {
        let dir = tempfile::tempdir().expect("log dir");
        let log = dir.path().join("worker.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_openfund"));
        command
            .arg("worker")
            .env("OPENFUND_DATABASE_URL", url_string(url))
            .env("OPENFUND_JWT_SECRET", JWT_SECRET)
            .env("OPENFUND_JOB_POLL_MS", "20")
            .env("OPENFUND_DB_POOL_SIZE", "8")
            .env("OPENFUND_LOG", "info")
            .env("OPENFUND_LOG_FORMAT", "text")
            .env_remove("OPENFUND_SMTP_URL")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        if let Some(smtp) = smtp {
            command.env("OPENFUND_SMTP_URL", smtp);
        }
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start openfund worker");
        WorkerProcess {
            child,
            log,
            _dir: dir,
        }
    }

    /// Every job this worker claims is `locked_by` a name starting with this.
    pub fn id_prefix(&self) -> String {
        format!("worker-{}-", self.child.id())
    }

    pub fn owns(&self, job: &JobRow) -> bool {
        job.locked_by
            .as_deref()
            .is_some_and(|w| w.starts_with(&self.id_prefix()))
    }

    /// What it has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until its log contains `needle`.
    pub async fn wait_for_log(&self, needle: &str, within: Duration) {
        eventually(&format!("the worker to log {needle:?}"), within, || {
            self.log().contains(needle).then_some(())
        })
        .await;
    }

    /// `kill -9`: no shutdown, no cleanup, leases left behind.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
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
    let mut conn = db::establish(&app.database_url).unwrap();
    settle(&mut conn).await;

    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "lin@example.org", "password": PASSWORD, "display_name": "Lin"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);

    // The worker tries, fails, and keeps the message queued with the error.
    let id = eventually("a failed attempt", Duration::from_secs(20), || {
        let rows: Vec<OutboxRow> = outbox::list(&mut conn, true, None, 10).unwrap();
        let row = rows.first()?;
        (row.attempts >= 1 && row.last_error.is_some()).then_some(row.id)
    })
    .await;
    assert!(outbox_row(&mut conn, id).sent_at.is_none());
    assert_eq!(only_job(&mut conn, "send_mail").state, JobState::Queued);

    sink.restart();
    let mail = sink.wait_for("lin@example.org").await;
    assert!(mail.link_token("/verify-email").is_some());
    eventually("the job to finish", Duration::from_secs(20), || {
        (only_job(&mut conn, "send_mail").state == JobState::Done).then_some(())
    })
    .await;
    assert_eq!(sink.messages().len(), 1, "delivered once");
    let row = outbox_row(&mut conn, id);
    assert!(row.sent_at.is_some(), "marked sent");
    assert!(row.text_body.is_none() && row.html_body.is_none());
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
    let mut conn = db::establish(&app.database_url).unwrap();
    eventually(
        "the send_mail job to finish",
        Duration::from_secs(20),
        || {
            let jobs = jobs_of(&mut conn, "send_mail");
            (jobs.len() == 1 && jobs[0].state == JobState::Done).then_some(())
        },
    )
    .await;
    let rows = outbox::list(&mut conn, true, None, 10).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sent_at.is_none() && rows[0].text_body.is_some());

    let (ok, text) = openfund_cli(&app.database_url, &["outbox"]);
    assert!(ok, "{text}");
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
async fn failed_jobs_are_kept_shown_to_admins_and_retried() {
    let app = spawn_app().await;
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
    let admin = app.admin().await;
    let deadline = Instant::now() + Duration::from_secs(20);
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
        assert!(Instant::now() < deadline, "job never failed: {page}");
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
    let before = jobs::find(&mut conn, openfund::domain::ids::JobId(id))
        .unwrap()
        .unwrap();

    let user = app.user().await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/jobs/{id}/retry")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/jobs/{id}/retry")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);

    // It really ran again: a new attempt, failed once more for the same reason.
    let after = eventually("the retried job to run", Duration::from_secs(20), || {
        let row = jobs::find(&mut conn, before.id).unwrap().unwrap();
        (row.state == JobState::Failed && row.updated_at > before.updated_at).then_some(row)
    })
    .await;
    assert_eq!(after.attempts, 1, "a fresh attempt budget");
    assert!(after.locked_by.is_none());
    assert!(
        after
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("unknown job kind"))
    );

    // A job that is not failed cannot be retried.
    let res = app
        .client
        .post(app.url("/api/v1/admin/jobs/999999/retry"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(res, 404, "not_found").await;
}

/// Two worker processes drain one queue: every message reaches the SMTP server once.
#[tokio::test]
async fn two_worker_processes_deliver_each_mail_exactly_once() {
    const MAILS: usize = 300;
    let (_db, url, mut conn) = fresh_database();
    db::tx::run_write(&mut conn, |c| {
        for i in 0..MAILS {
            let template = Template::VerifyEmail {
                name: format!("user {i}"),
                token: format!("token{i}"),
            };
            mail::queue(
                c,
                &mail_context(),
                &format!("user{i}@example.org"),
                &template,
                db::now(),
            )?;
        }
        Ok::<_, db::DbError>(())
    })
    .unwrap();
    let sink = MailSink::start();
    let workers = [
        WorkerProcess::start(&url, Some(&sink.url()), &[("OPENFUND_LOG", "warn")]),
        WorkerProcess::start(&url, Some(&sink.url()), &[("OPENFUND_LOG", "warn")]),
    ];

    // Every message sent and no send_mail job left to run: nothing more can arrive.
    // (On PostgreSQL a worker's start-up sweep for pending mail may queue a second job
    // for a message whose job finished meanwhile; that job finds it sent and does
    // nothing, which the sink's count below would show otherwise.)
    eventually("every message to be sent", Duration::from_secs(180), || {
        let unsent: i64 = schema::outbox::table
            .filter(schema::outbox::sent_at.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap();
        let jobs = jobs_of(&mut conn, "send_mail");
        (unsent == 0 && jobs.len() >= MAILS && jobs.iter().all(|j| j.state == JobState::Done))
            .then_some(())
    })
    .await;
    let jobs = jobs_of(&mut conn, "send_mail");
    let repeated: Vec<(i64, i32)> = jobs
        .iter()
        .filter(|j| j.attempts != 1)
        .map(|j| (j.id.get(), j.attempts))
        .collect();
    assert!(
        repeated.is_empty(),
        "{} job(s) ran more than once, (id, attempts): {:?}",
        repeated.len(),
        &repeated[..repeated.len().min(10)]
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), MAILS, "no message delivered twice");
    assert_eq!(sink.count(SinkEvent::Received), MAILS);
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

    for w in &workers {
        assert!(
            jobs.iter().any(|j| w.owns(j)),
            "both workers took part: {}",
            w.id_prefix()
        );
    }
    let unsent: i64 = schema::outbox::table
        .filter(schema::outbox::sent_at.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(unsent, 0);
    let with_body: i64 = schema::outbox::table
        .filter(schema::outbox::text_body.is_not_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(with_body, 0, "no delivered message keeps its body");
}
