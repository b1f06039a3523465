//! §2.5 Address enumeration. Asking to move an account to an address answers the same
//! whether or not another account has it (that account's owner is told someone tried);
//! password-reset and resend requests do the same work whether or not the address has
//! an account, because the lookup and the mail happen later, in a job. Rules:
//! `app::users::change_email`, `app::auth::request_password_reset` /
//! `request_verification` and their jobs.

use diesel::prelude::*;
use openfund::db::schema::{email_tokens, jobs, outbox};
use serde_json::json;

use super::support::send;
use crate::helpers::{
    PASSWORD, TestApp, spawn_app_with, spawn_app_with_mail, spawn_instance_on, wait_until,
};
use crate::mail_sink::MailSink;

#[tokio::test]
async fn moving_to_a_taken_address_answers_like_a_free_one_and_warns_its_owner() {
    let app = spawn_app_with_mail(|_| {}).await;
    let owner = app.user().await;
    let mover = app.user().await;
    let ask = |address: String| {
        send(
            &app,
            "POST",
            "/api/v1/me/email",
            &mover.token,
            json!({"new_email": address, "password": PASSWORD}),
        )
    };

    let taken = ask(owner.email.clone()).await;
    let (taken_status, taken_body) = (taken.status(), taken.text().await.unwrap());
    let free = ask("free-address@example.org".to_owned()).await;
    let (free_status, free_body) = (free.status(), free.text().await.unwrap());
    assert_eq!(taken_status.as_u16(), 202);
    assert_eq!((taken_status, &taken_body), (free_status, &free_body));

    // The owner of the taken address hears of it, with nothing to click…
    let warning = app.mail().wait_for(&owner.email).await;
    assert!(
        warning.subject().contains("Someone tried"),
        "{}",
        warning.subject()
    );
    assert!(warning.link_token("/verify-email").is_none());
    // …and no link that would move the account there exists.
    let links_to_taken: i64 = email_tokens::table
        .filter(email_tokens::new_email.eq(&owner.email))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(links_to_taken, 0);
    // The free address gets its confirmation link.
    let confirm = app.mail().wait_for("free-address@example.org").await;
    assert!(confirm.link_token("/verify-email").is_some());
}

fn count_rows(app: &TestApp) -> (i64, i64) {
    let mut conn = app.conn();
    let mail: i64 = outbox::table.count().get_result(&mut conn).unwrap();
    let links: i64 = email_tokens::table.count().get_result(&mut conn).unwrap();
    (mail, links)
}

fn jobs_of(app: &TestApp, kind: &str) -> Vec<String> {
    jobs::table
        .filter(jobs::kind.eq(kind))
        .select(jobs::state)
        .load::<String>(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn reset_and_resend_requests_do_the_same_work_for_known_and_unknown_addresses() {
    // No worker yet: what the request itself does stays visible.
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    app.insert_account("known@example.org", true, false);
    app.insert_account("unconfirmed@example.org", false, false);
    let cases = [
        ("/api/v1/auth/password-reset", "known@example.org"),
        ("/api/v1/auth/password-reset", "unknown@example.org"),
        (
            "/api/v1/auth/verify-email/resend",
            "unconfirmed@example.org",
        ),
        ("/api/v1/auth/verify-email/resend", "unknown@example.org"),
    ];
    let mut answers = Vec::new();
    for (path, email) in cases {
        let res = app.post_json(path, &json!({ "email": email })).await;
        answers.push((path, res.status().as_u16(), res.text().await.unwrap()));
        // Known or not, the request wrote no link and no mail: only a job.
        assert_eq!(count_rows(&app), (0, 0), "{path} {email}");
    }
    assert_eq!(answers[0], answers[1], "reset answers alike");
    assert_eq!(answers[2], answers[3], "resend answers alike");
    assert_eq!(answers[0].1, 202);
    assert_eq!(jobs_of(&app, "send_password_reset").len(), 2);
    assert_eq!(jobs_of(&app, "resend_verification").len(), 2);

    // A worker (here another instance with SMTP) does the rest: mail goes only to the
    // addresses that have accounts.
    let sink = MailSink::start();
    let smtp = sink.url();
    spawn_instance_on(&app.database_url, move |c| {
        c.smtp_url = Some(openfund::config::Secret::new(smtp));
    })
    .await;
    let reset = sink.wait_for("known@example.org").await;
    assert!(reset.link_token("/reset-password").is_some());
    let verify = sink.wait_for("unconfirmed@example.org").await;
    assert!(verify.link_token("/verify-email").is_some());
    let app = &app;
    wait_until(
        "the four request jobs to finish",
        std::time::Duration::from_secs(20),
        || async move {
            ["send_password_reset", "resend_verification"]
                .iter()
                .flat_map(|k| jobs_of(app, k))
                .all(|state| state == "done")
        },
    )
    .await;
    assert!(
        !sink
            .messages()
            .iter()
            .any(|m| m.is_to("unknown@example.org")),
        "no mail to an address without an account"
    );
    assert_eq!(sink.messages().len(), 2);
}
