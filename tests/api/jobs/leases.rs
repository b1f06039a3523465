//! Leases: a running job belongs to the worker whose heartbeat keeps it; a worker that
//! lost it changes nothing; a job whose worker dies runs again, and one that keeps
//! killing its workers ends `failed`.

use super::*;

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

fn enqueue_probe(conn: &mut AnyConnection, max_attempts: i32) -> openfund::domain::ids::JobId {
    db::tx::run_write(conn, |tx| {
        let now = db::now();
        jobs::enqueue(
            tx,
            &jobs::NewJob {
                kind: "probe",
                payload: "{}",
                unique_key: None,
                max_attempts,
                run_at: now,
            },
            now,
        )
    })
    .unwrap()
    .0
    .expect("queued")
}

fn claim(conn: &mut AnyConnection, worker: &str, now: chrono::NaiveDateTime) -> Option<JobRow> {
    db::tx::run_write(conn, |tx| {
        Ok::<_, db::DbError>(jobs::claim(tx, worker, now)?)
    })
    .unwrap()
    .0
}

/// Everything a worker could change about a job.
fn snapshot(
    row: &JobRow,
) -> (
    JobState,
    i32,
    chrono::NaiveDateTime,
    Option<String>,
    Option<chrono::NaiveDateTime>,
    Option<String>,
    chrono::NaiveDateTime,
) {
    (
        row.state,
        row.attempts,
        row.run_at,
        row.locked_by.clone(),
        row.locked_at,
        row.last_error.clone(),
        row.updated_at,
    )
}

#[tokio::test]
async fn a_worker_that_lost_its_lease_changes_nothing() {
    let (_db, _url, mut conn) = fresh_database();
    let id = enqueue_probe(&mut conn, 5);
    let t0 = db::now();

    let a = claim(&mut conn, "worker-a", t0).expect("A claims the job");
    assert_eq!((a.id, a.attempts, a.state), (id, 1, JobState::Running));

    // A stops beating; a minute later another worker's sweep takes the job back and B
    // claims it.
    let t1 = t0 + secs(60);
    let (swept, _) = db::tx::run_write(&mut conn, |tx| {
        Ok::<_, db::DbError>(jobs::reclaim_stale(tx, t1 - secs(30), t1)?)
    })
    .unwrap();
    assert_eq!(swept, (1, 0), "requeued, not failed");
    let b = claim(&mut conn, "worker-b", t1).expect("B claims the job");
    assert_eq!((b.id, b.attempts), (id, 2), "the crashed attempt counts");
    let owned_by_b = snapshot(&jobs::find(&mut conn, id).unwrap().unwrap());

    // A wakes up and tries to act on the job it no longer owns: nothing changes.
    let t2 = t1 + secs(1);
    assert!(!jobs::heartbeat(&mut conn, id, "worker-a", t2).unwrap());
    assert!(!jobs::complete(&mut conn, id, "worker-a", t2).unwrap());
    assert!(!jobs::fail(&mut conn, id, "worker-a", "A's error", Some(t2), t2).unwrap());
    assert!(!jobs::fail(&mut conn, id, "worker-a", "A's error", None, t2).unwrap());
    let row = jobs::find(&mut conn, id).unwrap().unwrap();
    assert_eq!(snapshot(&row), owned_by_b, "A changed B's job: {row:#?}");
    assert_eq!(row.locked_by.as_deref(), Some("worker-b"));
    assert_eq!(row.state, JobState::Running);

    // B still owns it and finishes it; A cannot undo that either.
    assert!(jobs::heartbeat(&mut conn, id, "worker-b", t2).unwrap());
    assert!(jobs::complete(&mut conn, id, "worker-b", t2).unwrap());
    assert!(!jobs::fail(&mut conn, id, "worker-a", "late", None, t2 + secs(1)).unwrap());
    let done = jobs::find(&mut conn, id).unwrap().unwrap();
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.attempts, 2);
    assert_eq!(done.last_error, None);
}

#[tokio::test]
async fn a_job_that_keeps_killing_its_worker_ends_failed() {
    let (_db, _url, mut conn) = fresh_database();
    let id = enqueue_probe(&mut conn, 3);
    let lease = secs(60);
    let mut now = db::now();
    for attempt in 1..=3 {
        let row = claim(&mut conn, &format!("worker-{attempt}"), now)
            .unwrap_or_else(|| panic!("attempt {attempt} claims the job"));
        assert_eq!(row.attempts, attempt);
        // The worker dies at once: no heartbeat, no outcome. A lease later it is swept.
        now += lease + secs(1);
        let (swept, _) = db::tx::run_write(&mut conn, |tx| {
            Ok::<_, db::DbError>(jobs::reclaim_stale(tx, now - lease, now)?)
        })
        .unwrap();
        let expected = if attempt < 3 { (1, 0) } else { (0, 1) };
        assert_eq!(swept, expected, "after attempt {attempt}");
    }
    let row = jobs::find(&mut conn, id).unwrap().unwrap();
    assert_eq!(row.state, JobState::Failed);
    assert_eq!(row.attempts, 3);
    assert_eq!(row.locked_by, None);
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("no attempts are left")),
        "{row:#?}"
    );
    assert!(
        claim(&mut conn, "worker-4", now).is_none(),
        "a failed job is not claimed again"
    );
}

/// A job that runs for several leases stays with its worker while the worker beats,
/// even with another worker sweeping for stale jobs.
#[tokio::test]
async fn the_heartbeat_keeps_a_long_job_with_its_living_worker() {
    let (_db, url, mut conn) = fresh_database();
    let sink = MailSink::start();
    sink.hold(true);
    let id = queue_notice(&mut conn, "slow@example.org", db::now());
    let lease = [("OPENFUND_JOB_LEASE_SECS", "3")];
    let first = WorkerProcess::start(&url, Some(&sink.url()), &lease);
    sink.wait_for_events(SinkEvent::Received, 1, Duration::from_secs(30))
        .await;
    let claimed = only_job(&mut conn, "send_mail");
    assert!(first.owns(&claimed), "{claimed:#?}");
    let second = WorkerProcess::start(&url, Some(&sink.url()), &lease);
    second
        .wait_for_log("job worker started", Duration::from_secs(30))
        .await;

    // The SMTP server keeps the message for over two leases; the heartbeat must keep
    // renewing the lease, and nobody may take the job back meanwhile.
    let renewed_past = claimed.locked_at.unwrap() + secs(7);
    eventually(
        "the heartbeat to renew the lease past two leases",
        Duration::from_secs(30),
        || {
            let row = only_job(&mut conn, "send_mail");
            assert_eq!(row.state, JobState::Running, "{row:#?}");
            assert_eq!(
                row.attempts, 1,
                "taken back while its worker lived: {row:#?}"
            );
            assert_eq!(row.locked_by, claimed.locked_by, "{row:#?}");
            assert_eq!(sink.count(SinkEvent::Received), 1, "sent twice");
            (row.locked_at.unwrap() >= renewed_past).then_some(())
        },
    )
    .await;

    sink.hold(false);
    let done = eventually("the job to finish", Duration::from_secs(20), || {
        let row = only_job(&mut conn, "send_mail");
        (row.state == JobState::Done).then_some(row)
    })
    .await;
    assert_eq!(done.attempts, 1);
    assert!(first.owns(&done));
    assert_eq!(sink.count(SinkEvent::Delivered), 1);
    assert_eq!(sink.count(SinkEvent::Aborted), 0);
    assert!(outbox_row(&mut conn, id).sent_at.is_some());
}

/// A worker whose job was taken away (its lease lost) drops the job: it neither
/// finishes nor fails it, whatever its own attempt did.
#[tokio::test]
async fn a_worker_whose_job_was_taken_away_leaves_it_alone() {
    let (_db, url, mut conn) = fresh_database();
    let sink = MailSink::start();
    sink.hold(true);
    let id = queue_notice(&mut conn, "taken@example.org", db::now());
    let worker = WorkerProcess::start(&url, Some(&sink.url()), &[("OPENFUND_JOB_LEASE_SECS", "3")]);
    sink.wait_for_events(SinkEvent::Received, 1, Duration::from_secs(30))
        .await;
    let job = only_job(&mut conn, "send_mail");
    assert!(worker.owns(&job));

    // Another worker took the job over (its heartbeat far ahead, so nobody sweeps it).
    let thief_beat = db::now() + chrono::Duration::hours(1);
    diesel::update(schema::jobs::table.find(job.id))
        .set((
            schema::jobs::locked_by.eq("worker-thief"),
            schema::jobs::locked_at.eq(thief_beat),
            schema::jobs::attempts.eq(2),
        ))
        .execute(&mut conn)
        .unwrap();
    let taken = snapshot(&jobs::find(&mut conn, job.id).unwrap().unwrap());
    worker
        .wait_for_log("lost the job's lease", Duration::from_secs(20))
        .await;

    // The worker dropped the attempt; when the SMTP server now accepts the message on
    // the abandoned connection, nobody is listening: the job and the outbox stay as
    // the new owner left them.
    sink.hold(false);
    eventually(
        "the SMTP server to finish the dropped attempt",
        Duration::from_secs(10),
        || (sink.count(SinkEvent::Delivered) + sink.count(SinkEvent::Aborted) == 1).then_some(()),
    )
    .await;
    let row = jobs::find(&mut conn, job.id).unwrap().unwrap();
    assert_eq!(snapshot(&row), taken, "{row:#?}");
    let message = outbox_row(&mut conn, id);
    assert!(message.sent_at.is_none(), "{message:#?}");
    assert_eq!(message.attempts, 0, "{message:#?}");
}

/// `kill -9` of a worker in the middle of a delivery: after one lease another worker
/// runs the job again, once, and the mail is accepted once.
#[tokio::test]
async fn a_job_whose_worker_was_killed_runs_again_once() {
    let (_db, url, mut conn) = fresh_database();
    let sink = MailSink::start();
    // The SMTP server will hold its answer to DATA: the first attempt reaches it but
    // is never told it was accepted, so it can neither finish nor fail.
    sink.hold(true);
    let id = queue_notice(&mut conn, "twice@example.org", db::now());
    let lease = [("OPENFUND_JOB_LEASE_SECS", "3")];
    let mut first = WorkerProcess::start(&url, Some(&sink.url()), &lease);
    sink.wait_for_events(SinkEvent::Received, 1, Duration::from_secs(30))
        .await;
    let running = only_job(&mut conn, "send_mail");
    assert!(first.owns(&running), "{running:#?}");
    assert_eq!((running.state, running.attempts), (JobState::Running, 1));

    first.kill();
    // The server sees its client vanish mid-DATA and accepts nothing.
    sink.wait_for_events(SinkEvent::Aborted, 1, Duration::from_secs(10))
        .await;
    assert_eq!(sink.count(SinkEvent::Delivered), 0);
    let orphan = only_job(&mut conn, "send_mail");
    assert_eq!(orphan.state, JobState::Running, "nobody finished it");

    sink.hold(false);
    let second = WorkerProcess::start(&url, Some(&sink.url()), &lease);
    let done = eventually(
        "the job to run again and finish",
        Duration::from_secs(30),
        || {
            let row = only_job(&mut conn, "send_mail");
            (row.state == JobState::Done).then_some(row)
        },
    )
    .await;
    assert_eq!(
        done.attempts, 2,
        "the killed attempt and one more: {done:#?}"
    );
    assert!(second.owns(&done), "{done:#?}");
    assert_eq!(sink.count(SinkEvent::Received), 2, "{:?}", sink.log());
    assert_eq!(sink.count(SinkEvent::Aborted), 1, "{:?}", sink.log());
    assert_eq!(sink.count(SinkEvent::Delivered), 1, "{:?}", sink.log());
    let outcome: Vec<(SinkEvent, u64)> = sink
        .log()
        .iter()
        .filter(|l| l.event != SinkEvent::Received)
        .map(|l| (l.event, l.seq))
        .collect();
    assert_eq!(
        outcome,
        [(SinkEvent::Aborted, 1), (SinkEvent::Delivered, 2)],
        "the killed attempt was dropped, the second one accepted"
    );
    let delivered = sink.messages();
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].is_to("twice@example.org"));
    let message = outbox_row(&mut conn, id);
    assert!(message.sent_at.is_some());
    assert!(message.text_body.is_none() && message.html_body.is_none());
}
