//! Mail through outages: retried by age (days), not by a small attempt count; given up
//! after `OPENFUND_MAIL_MAX_AGE_HOURS`; sent once SMTP is configured; failed jobs of a
//! kind retried by an admin at once.

use openfund::config::Secret;
use openfund::jobs::kinds::DeliverPendingMail;

use super::*;

fn smtp_on(port: u16) -> Option<Secret> {
    Some(Secret::new(format!("smtp://127.0.0.1:{port}")))
}

/// A notice queued three days ago, during an SMTP outage that is still going on: the
/// worker keeps trying (backoff capped, shortened here to 1 s), never gives up within
/// the age limit, and delivers it once when the server is back.
#[tokio::test]
async fn mail_survives_a_three_day_smtp_outage() {
    let port = free_port();
    let mut sink = MailSink::start_on(port);
    sink.stop();
    let app = spawn_app_with(|c| {
        c.smtp_url = smtp_on(port);
        c.job_backoff_ms = 10;
        c.job_backoff_max_secs = 1;
        // The default: five days.
        assert_eq!(c.mail_max_age_hours, 120);
    })
    .await;
    let mut conn = db::establish(&app.database_url).unwrap();
    settle(&mut conn).await;

    // Queued three days ago and retried every 15 minutes (the default cap) since: 288
    // attempts, far past any small attempt budget.
    let three_days_ago = db::now() - chrono::Duration::days(3);
    let id = queue_notice(&mut conn, "patient@example.org", three_days_ago);
    diesel::update(schema::jobs::table.filter(schema::jobs::kind.eq("send_mail")))
        .set(schema::jobs::attempts.eq(288))
        .execute(&mut conn)
        .unwrap();

    // Still down: the worker keeps trying, records each failure, never gives up.
    let retrying = eventually(
        "three more failed attempts",
        Duration::from_secs(30),
        || {
            let job = only_job(&mut conn, "send_mail");
            assert_ne!(job.state, JobState::Failed, "gave up: {job:#?}");
            let message = outbox_row(&mut conn, id);
            assert!(message.sent_at.is_none());
            (job.attempts >= 291 && job.state == JobState::Queued && message.attempts >= 3)
                .then_some((job, message))
        },
    )
    .await;
    let (job, message) = retrying;
    assert!(
        job.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("mail:")),
        "{job:#?}"
    );
    assert!(message.last_error.is_some(), "{message:#?}");
    assert!(
        job.run_at <= job.updated_at + chrono::Duration::milliseconds(1100),
        "the backoff is capped at OPENFUND_JOB_BACKOFF_MAX_SECS: {job:#?}"
    );
    assert_eq!(sink.count(SinkEvent::Received), 0);

    // The server comes back but answers 451 (a temporary failure) for a while: still
    // retried, not given up.
    sink.refuse(true);
    sink.restart();
    sink.wait_for_events(SinkEvent::Refused, 2, Duration::from_secs(30))
        .await;
    let job = only_job(&mut conn, "send_mail");
    assert_ne!(job.state, JobState::Failed, "gave up on a 451: {job:#?}");
    sink.refuse(false);
    let done = eventually(
        "delivery once the server is back",
        Duration::from_secs(30),
        || {
            let job = only_job(&mut conn, "send_mail");
            assert_ne!(job.state, JobState::Failed, "gave up: {job:#?}");
            (job.state == JobState::Done).then_some(job)
        },
    )
    .await;
    assert!(done.attempts > 291);
    assert_eq!(sink.count(SinkEvent::Delivered), 1, "{:?}", sink.log());
    assert!(sink.messages()[0].is_to("patient@example.org"));
    let message = outbox_row(&mut conn, id);
    assert!(message.sent_at.is_some() && message.text_body.is_none());
    assert_eq!(message.last_error, None);
}

/// Past `OPENFUND_MAIL_MAX_AGE_HOURS` a message is given up on, with its reason kept
/// on the job and the message; a younger one in the same queue still goes out.
#[tokio::test]
async fn mail_older_than_the_age_limit_is_given_up_with_its_reason() {
    let app = crate::helpers::spawn_app_with_mail(|c| c.mail_max_age_hours = 72).await;
    let mut conn = db::establish(&app.database_url).unwrap();
    settle(&mut conn).await;
    let now = db::now();
    // Queued 73 hours ago and tried three times since (an outage): the next try is a
    // retry past the limit. (A first try always goes out, however late.)
    let stale = db::tx::run_write(&mut conn, |tx| {
        let at = now - chrono::Duration::hours(73);
        let template = Template::AccountExists {
            name: "Test".into(),
        };
        let id = mail::queue(tx, &mail_context(), "stale@example.org", &template, at)?;
        diesel::update(
            schema::jobs::table.filter(schema::jobs::payload.eq(format!("{{\"outbox_id\":{id}}}"))),
        )
        .set(schema::jobs::attempts.eq(3))
        .execute(&mut **tx)?;
        Ok::<_, db::DbError>(id)
    })
    .expect("queue mail")
    .0;
    let fresh = queue_notice(
        &mut conn,
        "fresh@example.org",
        now - chrono::Duration::hours(71),
    );

    let jobs = eventually("both jobs to end", Duration::from_secs(20), || {
        let jobs = jobs_of(&mut conn, "send_mail");
        jobs.iter()
            .all(|j| matches!(j.state, JobState::Done | JobState::Failed))
            .then_some(jobs)
    })
    .await;
    let payload = |id: OutboxId| format!("{{\"outbox_id\":{id}}}");
    let gave_up = jobs.iter().find(|j| j.payload == payload(stale)).unwrap();
    assert_eq!(gave_up.state, JobState::Failed, "{gave_up:#?}");
    assert_eq!(gave_up.attempts, 4, "no retry can make it younger");
    assert_eq!(
        gave_up.last_error.as_deref(),
        Some("gave up: not delivered within 72 hours")
    );
    let message = outbox_row(&mut conn, stale);
    assert!(message.sent_at.is_none());
    assert_eq!(
        message.last_error.as_deref(),
        Some("gave up: not delivered within 72 hours")
    );
    let sent = jobs.iter().find(|j| j.payload == payload(fresh)).unwrap();
    assert_eq!(sent.state, JobState::Done);
    assert!(outbox_row(&mut conn, fresh).sent_at.is_some());
    let delivered = app.mail().messages();
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].is_to("fresh@example.org"));

    // The sweep for mail waiting in the outbox leaves a message given up on alone.
    run_recurring_now(&mut conn, "deliver_pending_mail").await;
    assert_eq!(
        jobs_of(&mut conn, "send_mail").len(),
        2,
        "the stale message was queued again"
    );

    // An admin who puts it back in the queue gets it out: the retry is a first try.
    let retried = db::tx::run_write(&mut conn, |tx| {
        openfund::app::admin::retry_failed_of_kind(tx, "send_mail", db::now())
    })
    .expect("retry")
    .0;
    assert_eq!(retried, 1);
    eventually(
        "the retried message to be sent",
        Duration::from_secs(20),
        || outbox_row(&mut conn, stale).sent_at.map(|_| ()),
    )
    .await;
    assert!(
        app.mail()
            .messages()
            .iter()
            .any(|m| m.is_to("stale@example.org"))
    );
}

/// A message the SMTP server refuses for good (5xx) is not retried for days: the job
/// fails at once with the server's answer, for an admin to look at.
#[tokio::test]
async fn a_permanently_rejected_message_fails_at_once() {
    let sink = MailSink::start();
    sink.reject(true);
    let url = sink.url();
    let app = spawn_app_with(|c| c.smtp_url = Some(Secret::new(url))).await;
    let mut conn = db::establish(&app.database_url).unwrap();
    settle(&mut conn).await;
    let id = queue_notice(&mut conn, "nobody@example.org", db::now());
    let job = eventually("the job to fail", Duration::from_secs(20), || {
        let job = only_job(&mut conn, "send_mail");
        (job.state == JobState::Failed).then_some(job)
    })
    .await;
    assert_eq!(job.attempts, 1, "{job:#?}");
    assert!(
        job.last_error.as_deref().is_some_and(|e| e.contains("550")),
        "{job:#?}"
    );
    let message = outbox_row(&mut conn, id);
    assert!(message.sent_at.is_none() && message.last_error.is_some());
    assert_eq!(sink.count(SinkEvent::Rejected), 1);

    // It waits for an admin: the sweep for mail waiting in the outbox does not send it
    // to the server again every ten minutes.
    run_recurring_now(&mut conn, "deliver_pending_mail").await;
    assert_eq!(
        jobs_of(&mut conn, "send_mail").len(),
        1,
        "the rejected message was queued again"
    );
    assert_eq!(sink.count(SinkEvent::Received), 1);
}

/// Mail queued while no SMTP server was configured goes out once a worker with one
/// starts, even when an earlier worker left the next sweep of pending mail minutes away.
#[tokio::test]
async fn mail_queued_without_smtp_is_sent_once_a_worker_with_smtp_starts() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let mut conn = db::establish(&app.database_url).unwrap();
    let without_smtp = WorkerProcess::start(&app.database_url, None, &[]);
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "early@example.org", "password": PASSWORD, "display_name": "Early"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    eventually(
        "the mail to be handled without SMTP",
        Duration::from_secs(20),
        || {
            let jobs = jobs_of(&mut conn, "send_mail");
            (jobs.len() == 1 && jobs[0].state == JobState::Done).then_some(())
        },
    )
    .await;
    let pending = outbox::list(&mut conn, false, None, 10).unwrap();
    assert_eq!(pending.len(), 1, "kept in the outbox");
    assert!(pending[0].text_body.is_some());
    drop(without_smtp);

    // An earlier worker with SMTP left its next look at pending mail ten minutes away.
    let now = db::now();
    db::tx::run_write(&mut conn, |tx| {
        openfund::jobs::enqueue_at(
            tx,
            &DeliverPendingMail,
            now + chrono::Duration::minutes(10),
            now,
        )
    })
    .unwrap();

    let sink = MailSink::start();
    let _with_smtp = WorkerProcess::start(&app.database_url, Some(&sink.url()), &[]);
    let mail = sink.wait_for("early@example.org").await;
    let token = mail
        .link_token("/verify-email")
        .expect("a verification link");
    let sent = eventually(
        "the message to be marked sent",
        Duration::from_secs(20),
        || {
            let row = outbox_row(&mut conn, pending[0].id);
            row.sent_at.map(|_| row)
        },
    )
    .await;
    assert!(sent.text_body.is_none() && sent.html_body.is_none());
    let send_jobs = jobs_of(&mut conn, "send_mail");
    assert_eq!(
        send_jobs.len(),
        2,
        "the first (done without SMTP) and the delivery"
    );
    assert_eq!(sink.count(SinkEvent::Delivered), 1);

    // The link it carried still works.
    let res = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
    let (ok, text) = openfund_cli(&app.database_url, &["outbox"]);
    assert!(ok && text.contains("0 unsent message"), "{text}");
}

/// Registers `email` and returns at once (its verification mail is queued).
async fn register(app: &crate::helpers::TestApp, email: &str) {
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": email, "password": PASSWORD, "display_name": "Someone"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
}

/// Waits until `n` send_mail jobs have failed; returns them.
async fn failed_sends(conn: &mut AnyConnection, n: usize) -> Vec<JobRow> {
    eventually(
        &format!("{n} failed send_mail jobs"),
        Duration::from_secs(20),
        || {
            let failed: Vec<JobRow> = jobs_of(conn, "send_mail")
                .into_iter()
                .filter(|j| j.state == JobState::Failed)
                .collect();
            (failed.len() == n).then_some(failed)
        },
    )
    .await
}

/// After an outage that failed jobs for good, an admin re-queues every failed job of
/// the kind at once (API and command line), and they really run: the mail arrives.
#[tokio::test]
async fn an_admin_retries_every_failed_job_of_a_kind() {
    let sink = MailSink::start();
    let url = sink.url();
    let app = spawn_app_with(|c| c.smtp_url = Some(Secret::new(url))).await;
    let mut conn = db::establish(&app.database_url).unwrap();
    settle(&mut conn).await;
    let admin = app.admin().await;
    // The admin's sign-in made no mail; a failed job of another kind must stay failed.
    db::tx::run_write(&mut conn, |tx| {
        let now = db::now();
        jobs::enqueue(
            tx,
            &jobs::NewJob {
                kind: "no_such_kind",
                payload: "{}",
                unique_key: None,
                max_attempts: 1,
                run_at: now,
            },
            now,
        )
    })
    .unwrap();

    // The relay rejects everything for a while (say, its credentials expired).
    sink.reject(true);
    register(&app, "one@example.org").await;
    register(&app, "two@example.org").await;
    let failed = failed_sends(&mut conn, 2).await;
    sink.reject(false);

    let retry = |body: serde_json::Value, token: String| {
        let request = app
            .client
            .post(app.url("/api/v1/admin/jobs/retry"))
            .bearer_auth(token)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let user = app.user().await;
    let res = retry(json!({"kind": "send_mail"}), user.token.clone()).await;
    crate::helpers::assert_problem(res, 403, "forbidden").await;
    for bad in ["", &"k".repeat(65), "send\u{0}mail", "Send-Mail"] {
        let res = retry(json!({"kind": bad}), admin.token.clone()).await;
        let problem = crate::helpers::assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "kind", "{problem}");
    }
    assert_eq!(
        failed_sends(&mut conn, 2).await.len(),
        2,
        "nothing re-queued"
    );

    let res = retry(json!({"kind": "send_mail"}), admin.token.clone()).await;
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body, json!({"retried": 2}));
    // The server's own worker is woken by the retry: no waiting for a poll (on
    // PostgreSQL an idle worker would otherwise sleep up to 30 s).
    sink.wait_for_events(SinkEvent::Delivered, 2, Duration::from_secs(5))
        .await;
    for address in ["one@example.org", "two@example.org"] {
        sink.wait_for(address).await;
    }
    eventually(
        "the retried jobs to finish",
        Duration::from_secs(20),
        || {
            failed
                .iter()
                .all(|f| {
                    let job = jobs::find(&mut conn, f.id).unwrap().unwrap();
                    job.state == JobState::Done && job.attempts == 1
                })
                .then_some(())
        },
    )
    .await;
    let other = jobs_of(&mut conn, "no_such_kind");
    assert_eq!(
        other[0].state,
        JobState::Failed,
        "another kind is left alone"
    );

    // The same from the command line, e.g. after an outage the API cannot help with.
    sink.reject(true);
    register(&app, "three@example.org").await;
    let failed = failed_sends(&mut conn, 1).await;
    sink.reject(false);
    let (ok, text) = openfund_cli(&app.database_url, &["retry-jobs", "send_mail"]);
    assert!(ok, "{text}");
    assert!(text.contains("1 failed job(s) back in the queue"), "{text}");
    // The running server's worker picks it up at once (on PostgreSQL: woken by NOTIFY).
    sink.wait_for_events(SinkEvent::Delivered, 3, Duration::from_secs(5))
        .await;
    sink.wait_for("three@example.org").await;
    eventually("the retried job to finish", Duration::from_secs(10), || {
        let job = jobs::find(&mut conn, failed[0].id).unwrap().unwrap();
        (job.state == JobState::Done).then_some(())
    })
    .await;
    assert_eq!(sink.count(SinkEvent::Delivered), 3, "{:?}", sink.log());
    let (ok, text) = openfund_cli(&app.database_url, &["retry-jobs", "send_mail"]);
    assert!(ok && text.contains("0 failed job(s)"), "{text}");
}
