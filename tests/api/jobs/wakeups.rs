//! How workers find work: several jobs at once per worker, PostgreSQL `NOTIFY`
//! instead of polling, and idle SQLite polls that never take the write lock.

use diesel::sql_types::{BigInt, Text};
use openfund::db::Backend;

use super::*;

/// With `OPENFUND_WORKER_CONCURRENCY=4` one worker has four deliveries in flight at
/// once: the SMTP server holds all four answers at the same moment.
#[tokio::test]
async fn a_worker_runs_several_jobs_at_once() {
    const N: usize = 4;
    let (_db, url, mut conn) = fresh_database();
    let sink = MailSink::start();
    sink.hold(true);
    let worker = WorkerProcess::start(
        &url,
        Some(&sink.url()),
        &[("OPENFUND_WORKER_CONCURRENCY", "4")],
    );
    for i in 0..N {
        queue_notice(&mut conn, &format!("many{i}@example.org"), db::now());
    }
    // Four messages reached the server, none has been answered: four overlapping jobs.
    sink.wait_for_events(SinkEvent::Received, N, Duration::from_secs(30))
        .await;
    assert_eq!(sink.count(SinkEvent::Delivered), 0);
    let running = jobs_of(&mut conn, "send_mail");
    assert!(
        running
            .iter()
            .all(|j| j.state == JobState::Running && worker.owns(j)),
        "{running:#?}"
    );

    sink.hold(false);
    eventually("all four to finish", Duration::from_secs(20), || {
        jobs_of(&mut conn, "send_mail")
            .iter()
            .all(|j| j.state == JobState::Done)
            .then_some(())
    })
    .await;
    assert_eq!(sink.count(SinkEvent::Delivered), N);
    // By the sink's clock too: all four arrived before the first was answered.
    let log = sink.log();
    let last_arrival = log
        .iter()
        .filter(|l| l.event == SinkEvent::Received)
        .map(|l| l.at_ms)
        .max();
    let first_answer = log
        .iter()
        .filter(|l| l.event == SinkEvent::Delivered)
        .map(|l| l.at_ms)
        .min();
    assert!(last_arrival <= first_answer, "{log:?}");
    assert!(
        jobs_of(&mut conn, "send_mail")
            .iter()
            .all(|j| j.attempts == 1)
    );
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// On PostgreSQL an idle worker sleeps (here: a poll interval of ten minutes) until a
/// `NOTIFY` wakes it; every unit of work that queues a job sends one on commit.
#[tokio::test]
async fn a_postgres_worker_wakes_on_notify_not_by_polling() {
    if backend() != Backend::Postgres {
        eprintln!("skipped: LISTEN/NOTIFY is PostgreSQL's (see the SQLite idle-poll test)");
        return;
    }
    let (_db, url, mut conn) = fresh_database();
    let sink = MailSink::start();
    let _worker = WorkerProcess::start(
        &url,
        Some(&sink.url()),
        &[("OPENFUND_JOB_POLL_MS", "600000")],
    );
    let DatabaseUrl::Postgres(pg_url) = &url else {
        unreachable!()
    };
    let database = url::Url::parse(pg_url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    eventually("the worker to LISTEN", Duration::from_secs(30), || {
        let listening: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM pg_stat_activity \
             WHERE datname = $1 AND query = 'LISTEN openfund_jobs'",
        )
        .bind::<Text, _>(&database)
        .get_result(&mut conn)
        .unwrap();
        (listening.n == 1).then_some(())
    })
    .await;
    // Asleep: its start-up jobs are done and none of its connections (but the
    // listener) has done anything for half a second.
    eventually("the worker to fall asleep", Duration::from_secs(30), || {
        let busy = !startup_jobs_done(&mut conn);
        let active: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid() \
             AND query <> 'LISTEN openfund_jobs' \
             AND (state <> 'idle' OR state_change > clock_timestamp() - interval '500 milliseconds')",
        )
        .bind::<Text, _>(&database)
        .get_result(&mut conn)
        .unwrap();
        (!busy && active.n == 0).then_some(())
    })
    .await;

    // The control: a job written without a NOTIFY stays queued, because the worker
    // is asleep, not polling...
    let now = db::now();
    let id = outbox::insert(
        &mut conn,
        &outbox::NewMessage {
            to_address: "silent@example.org",
            subject: "Silent",
            text_body: Some("hello"),
            html_body: Some("<p>hello</p>"),
            template: "account_exists",
            created_at: now,
            purge_body_at: None,
            attempts: 0,
        },
    )
    .unwrap();
    diesel::insert_into(schema::jobs::table)
        .values((
            schema::jobs::kind.eq("send_mail"),
            schema::jobs::payload.eq(format!("{{\"outbox_id\":{id}}}")),
            schema::jobs::state.eq("queued"),
            schema::jobs::attempts.eq(0),
            schema::jobs::max_attempts.eq(5),
            schema::jobs::run_at.eq(now),
            schema::jobs::created_at.eq(now),
            schema::jobs::updated_at.eq(now),
            schema::jobs::unique_key.eq(id.to_string()),
        ))
        .execute(&mut conn)
        .unwrap();
    // (an observation window: nothing may happen in it)
    let quiet_until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < quiet_until {
        assert_eq!(
            sink.count(SinkEvent::Received),
            0,
            "picked up without a NOTIFY: the worker polls"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // ...until a bare NOTIFY wakes it.
    diesel::sql_query("NOTIFY openfund_jobs")
        .execute(&mut conn)
        .unwrap();
    sink.wait_for_events(SinkEvent::Delivered, 1, Duration::from_secs(3))
        .await;
    assert!(sink.messages()[0].is_to("silent@example.org"));

    // A job queued by another process in a unit of work: NOTIFY on commit.
    queue_notice(&mut conn, "notified@example.org", db::now());
    sink.wait_for_events(SinkEvent::Delivered, 2, Duration::from_secs(3))
        .await;
}

/// On SQLite an idle worker only reads: while another connection holds the database's
/// write lock for longer than `busy_timeout` (5 s), the worker neither waits for it nor
/// logs an error, and it works at once when the lock is released.
#[tokio::test]
async fn an_idle_sqlite_worker_never_takes_the_write_lock() {
    if backend() != Backend::Sqlite {
        eprintln!("skipped: SQLite's single write lock (see the NOTIFY test for PostgreSQL)");
        return;
    }
    let (_db, url, mut conn) = fresh_database();
    let sink = MailSink::start();
    // A short lease makes the sweep for crashed jobs run every 1.5 s while we hold the
    // lock.
    let worker = WorkerProcess::start(&url, Some(&sink.url()), &[("OPENFUND_JOB_LEASE_SECS", "3")]);
    eventually(
        "the start-up jobs to finish",
        Duration::from_secs(30),
        || startup_jobs_done(&mut conn).then_some(()),
    )
    .await;

    let mut locker = db::establish(&url).unwrap();
    diesel::sql_query("BEGIN IMMEDIATE")
        .execute(&mut locker)
        .unwrap();
    // Hold it for longer than busy_timeout plus a sweep interval: a worker writing now
    // would wait 5 s and then log an error. This is an observation window, not a wait
    // for something to happen.
    let held = Instant::now();
    while held.elapsed() < Duration::from_secs(8) {
        let log = worker.log();
        assert!(
            !log.contains("WARN") && !log.contains("ERROR"),
            "the idle worker hit the write lock:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    diesel::sql_query("COMMIT").execute(&mut locker).unwrap();

    queue_notice(&mut conn, "after-lock@example.org", db::now());
    sink.wait_for_events(SinkEvent::Delivered, 1, Duration::from_secs(5))
        .await;
    let log = worker.log();
    assert!(
        !log.contains("WARN") && !log.contains("ERROR"),
        "the worker logged trouble:\n{log}"
    );
}
