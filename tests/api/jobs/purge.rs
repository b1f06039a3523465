//! The purge and the outbox's bodies: what is past its retention period goes, what is
//! younger stays; a delivered message keeps no body, a pending one loses it when its
//! link expires, and no live link token is left in the database.

use diesel::sql_types::Text;
use openfund::db::Backend;
use openfund::db::schema::{
    email_tokens, jobs as jobs_t, oauth_states, rate_limits, refresh_tokens, sessions,
};

use super::*;

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    row: String,
}

/// Every row of every table, as text: what someone reading the database would see.
fn database_text(conn: &mut AnyConnection) -> String {
    let tables: Vec<Row> = match backend() {
        Backend::Postgres => diesel::sql_query(
            "SELECT table_name AS row FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        ),
        Backend::Sqlite => diesel::sql_query(
            "SELECT name AS row FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ),
    }
    .load(conn)
    .unwrap();
    assert!(tables.iter().any(|t| t.row == "outbox"), "no outbox table?");
    let mut text = String::new();
    for table in tables.iter().map(|t| &t.row) {
        let rows: Vec<Row> = match backend() {
            Backend::Postgres => {
                diesel::sql_query(format!("SELECT CAST(t AS TEXT) AS row FROM \"{table}\" t"))
                    .load(conn)
                    .unwrap()
            }
            Backend::Sqlite => {
                let columns: Vec<Row> = diesel::sql_query(format!(
                    "SELECT name AS row FROM pragma_table_info('{table}')"
                ))
                .load(conn)
                .unwrap();
                let concat = columns
                    .iter()
                    .map(|c| format!("COALESCE(CAST(\"{}\" AS TEXT), '')", c.row))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                diesel::sql_query(format!("SELECT {concat} AS row FROM \"{table}\""))
                    .load(conn)
                    .unwrap()
            }
        };
        for r in rows {
            text.push_str(table);
            text.push_str(": ");
            text.push_str(&r.row);
            text.push('\n');
        }
    }
    text
}

/// The link tokens the database would need to keep in plain text for `token` to be
/// usable: the token itself.
fn assert_not_stored(conn: &mut AnyConnection, token: &str) {
    let text = database_text(conn);
    assert!(text.len() > 100, "read nothing from the database?");
    assert!(
        !text.contains(token),
        "a live link token is stored in plain text:\n{}",
        text.lines()
            .filter(|l| l.contains(token))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A message delivered with a live link keeps its metadata but neither its body nor
/// the link's token anywhere in the database; `openfund outbox --show` has no body to
/// print; and the link still works (it was live).
#[tokio::test]
async fn a_delivered_message_leaves_no_live_token_in_the_database() {
    let app = crate::helpers::spawn_app_with_mail(|_| {}).await;
    let mut conn = db::establish(&app.database_url).unwrap();
    settle(&mut conn).await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "fresh@example.org", "password": PASSWORD, "display_name": "Fresh"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let verify = app
        .mail()
        .wait_for("fresh@example.org")
        .await
        .link_token("/verify-email")
        .expect("verification link");
    let user = app.user().await;
    let res = app
        .post_json("/api/v1/auth/password-reset", &json!({"email": user.email}))
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let reset = app
        .mail()
        .wait_for(&user.email)
        .await
        .link_token("/reset-password")
        .expect("reset link");

    let sent = eventually(
        "both messages to be marked sent",
        Duration::from_secs(20),
        || {
            let rows = outbox::list(&mut conn, true, None, 10).unwrap();
            (rows.len() == 2 && rows.iter().all(|r| r.sent_at.is_some())).then_some(rows)
        },
    )
    .await;
    for row in &sent {
        assert!(
            row.text_body.is_none() && row.html_body.is_none(),
            "{row:#?}"
        );
        assert!(!row.subject.is_empty() && !row.to_address.is_empty());
    }
    assert_not_stored(&mut conn, &verify);
    assert_not_stored(&mut conn, &reset);

    for row in &sent {
        let (ok, text) = openfund_cli(
            &app.database_url,
            &["outbox", "--show", &row.id.to_string()],
        );
        assert!(ok, "{text}");
        assert!(text.contains(&row.to_address), "{text}");
        assert!(
            text.contains("delivered") && text.contains("body is not kept"),
            "{text}"
        );
        assert!(
            !text.contains("token=") && !text.contains(&verify) && !text.contains(&reset),
            "{text}"
        );
    }

    // They were live: the links work now.
    let res = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": verify}))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let res = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": reset, "password": "a-brand-new-long-passphrase-7"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
}

/// Without SMTP a pending message keeps its body (the operator can read the link with
/// `openfund outbox --show`) until the link expires; then the purge drops it.
#[tokio::test]
async fn a_pending_body_is_purged_when_its_link_expires() {
    let app = spawn_app().await;
    let mut conn = db::establish(&app.database_url).unwrap();
    settle(&mut conn).await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "waiting@example.org", "password": PASSWORD, "display_name": "W"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let pending = eventually("the message in the outbox", Duration::from_secs(20), || {
        outbox::list(&mut conn, false, None, 10).unwrap().pop()
    })
    .await;
    let body = pending.text_body.clone().expect("a pending body");
    let start = body.find("token=").expect("a link") + "token=".len();
    let token: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let expires = pending.purge_body_at.expect("a link expiry");
    assert!(
        (expires - pending.created_at - days(1)).num_seconds().abs() <= 1,
        "the body goes when the 24-hour link expires: {pending:#?}"
    );
    let id = pending.id.to_string();
    let (ok, text) = openfund_cli(&app.database_url, &["outbox", "--show", &id]);
    assert!(
        ok && text.contains(&token),
        "pending: the operator sees the link\n{text}"
    );

    // A day later the link has expired; the purge runs.
    diesel::update(schema::outbox::table.find(pending.id))
        .set(schema::outbox::purge_body_at.eq(db::now() - chrono::Duration::minutes(1)))
        .execute(&mut conn)
        .unwrap();
    run_recurring_now(&mut conn, "purge").await;
    let purged = outbox_row(&mut conn, pending.id);
    assert!(
        purged.text_body.is_none() && purged.html_body.is_none(),
        "{purged:#?}"
    );
    assert!(purged.sent_at.is_none());
    assert_eq!(purged.last_error.as_deref(), Some(outbox::LINK_EXPIRED));
    assert_not_stored(&mut conn, &token);
    let (ok, text) = openfund_cli(&app.database_url, &["outbox", "--show", &id]);
    assert!(ok, "{text}");
    assert!(
        text.contains("its link expired") && !text.contains(&token),
        "{text}"
    );
}

/// A message whose link expired before SMTP came back is not sent: its body is
/// dropped instead of mailing a dead link.
#[tokio::test]
async fn a_message_whose_link_expired_is_not_sent() {
    let app = crate::helpers::spawn_app_with_mail(|_| {}).await;
    let mut conn = db::establish(&app.database_url).unwrap();
    settle(&mut conn).await;
    let template = Template::VerifyEmail {
        name: "Late".into(),
        token: "expired-token-0123456789".into(),
    };
    let id = queue_mail(
        &mut conn,
        "late@example.org",
        &template,
        db::now() - chrono::Duration::hours(25),
    );
    eventually("the job to finish", Duration::from_secs(20), || {
        (only_job(&mut conn, "send_mail").state == JobState::Done).then_some(())
    })
    .await;
    let row = outbox_row(&mut conn, id);
    assert!(row.sent_at.is_none() && row.text_body.is_none(), "{row:#?}");
    assert_eq!(row.last_error.as_deref(), Some(outbox::LINK_EXPIRED));
    assert_eq!(app.mail().count(SinkEvent::Received), 0);
    assert_not_stored(&mut conn, "expired-token-0123456789");
}

/// What one purge row is and whether it must survive.
struct Expect {
    what: &'static str,
    table: &'static str,
    id: i64,
    kept: bool,
}

/// A row that must survive the purge.
fn kept(what: &'static str, table: &'static str, id: i64) -> Expect {
    Expect {
        what,
        table,
        id,
        kept: true,
    }
}

/// A row the purge must remove.
fn gone(what: &'static str, table: &'static str, id: i64) -> Expect {
    Expect {
        what,
        table,
        id,
        kept: false,
    }
}

fn exists(conn: &mut AnyConnection, table: &str, id: i64) -> bool {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table} WHERE id = {id}"))
        .get_result(conn)
        .unwrap();
    n.n == 1
}

/// One purge run with retention periods set through the environment: each kind of
/// row just past its period is removed, and the same kind just inside it is kept.
#[tokio::test]
async fn the_purge_removes_what_is_past_retention_and_keeps_the_rest() {
    let (_db, url, mut conn) = fresh_database();
    let now = db::now();
    let ago = |d: i64| now - days(d);
    // Retention (set below): credentials 3 days, done jobs 2, failed jobs 5, mail 10.
    let user = openfund::store::users::insert_if_absent(
        &mut conn,
        &openfund::store::users::NewUser {
            email: "kept@example.org",
            display_name: "Kept",
            password_hash: None,
            email_verified_at: Some(now),
            is_admin: false,
            github_id: None,
            github_login: None,
            created_at: ago(60),
            updated_at: ago(60),
        },
    )
    .unwrap()
    .unwrap();
    let mut expect: Vec<Expect> = Vec::new();

    let session = |conn: &mut AnyConnection, created: i64, revoked: Option<i64>| -> i64 {
        diesel::insert_into(sessions::table)
            .values((
                sessions::user_id.eq(user),
                sessions::created_at.eq(ago(created)),
                sessions::revoked_at.eq(revoked.map(ago)),
                sessions::revoke_reason.eq(revoked.map(|_| "logout")),
                sessions::auth_method.eq("password"),
                sessions::authenticated_at.eq(ago(created)),
            ))
            .returning(sessions::id)
            .get_result(conn)
            .unwrap()
    };
    let revoked_old = session(&mut conn, 40, Some(4));
    let revoked_young = session(&mut conn, 40, Some(2));
    let live = session(&mut conn, 40, None);
    let ended = session(&mut conn, 40, None);
    let new_without_tokens = session(&mut conn, 1, None);
    expect.extend([
        gone("session revoked 4 days ago", "sessions", revoked_old),
        kept("session revoked 2 days ago", "sessions", revoked_young),
        kept("live session", "sessions", live),
        gone(
            "session whose last token expired 5 days ago",
            "sessions",
            ended,
        ),
        kept("session begun a day ago", "sessions", new_without_tokens),
    ]);

    let mut n = 0;
    let mut refresh = |conn: &mut AnyConnection,
                       session: i64,
                       expires: chrono::NaiveDateTime,
                       used: Option<i64>|
     -> i64 {
        n += 1;
        diesel::insert_into(refresh_tokens::table)
            .values((
                refresh_tokens::session_id.eq(session),
                refresh_tokens::token_hash.eq(format!("refresh-hash-{n}")),
                refresh_tokens::created_at.eq(ago(30)),
                refresh_tokens::expires_at.eq(expires),
                refresh_tokens::used_at.eq(used.map(ago)),
            ))
            .returning(refresh_tokens::id)
            .get_result(conn)
            .unwrap()
    };
    let in_20_days = now + days(20);
    let spent_old = refresh(&mut conn, live, in_20_days, Some(4));
    let spent_young = refresh(&mut conn, live, in_20_days, Some(2));
    let current = refresh(&mut conn, live, in_20_days, None);
    let expired_old = refresh(&mut conn, ended, ago(5), None);
    let expired_young = refresh(&mut conn, revoked_young, ago(2), None);
    expect.extend([
        gone(
            "refresh token spent 4 days ago",
            "refresh_tokens",
            spent_old,
        ),
        kept(
            "refresh token spent 2 days ago",
            "refresh_tokens",
            spent_young,
        ),
        kept("current refresh token", "refresh_tokens", current),
        gone(
            "refresh token expired 5 days ago",
            "refresh_tokens",
            expired_old,
        ),
        kept(
            "refresh token expired 2 days ago",
            "refresh_tokens",
            expired_young,
        ),
    ]);

    let mut m = 0;
    let mut link =
        |conn: &mut AnyConnection, expires: chrono::NaiveDateTime, used: Option<i64>| -> i64 {
            m += 1;
            diesel::insert_into(email_tokens::table)
                .values((
                    email_tokens::user_id.eq(user),
                    email_tokens::purpose.eq("verify_email"),
                    email_tokens::token_hash.eq(format!("link-hash-{m}")),
                    email_tokens::created_at.eq(ago(8)),
                    email_tokens::expires_at.eq(expires),
                    email_tokens::used_at.eq(used.map(ago)),
                ))
                .returning(email_tokens::id)
                .get_result(conn)
                .unwrap()
        };
    let used_old = link(&mut conn, now + days(1), Some(4));
    let used_young = link(&mut conn, now + days(1), Some(2));
    let link_expired_old = link(&mut conn, ago(4), None);
    let link_expired_young = link(&mut conn, ago(2), None);
    let link_live = link(&mut conn, now + days(1), None);
    expect.extend([
        gone("mail link used 4 days ago", "email_tokens", used_old),
        kept("mail link used 2 days ago", "email_tokens", used_young),
        gone(
            "mail link expired 4 days ago",
            "email_tokens",
            link_expired_old,
        ),
        kept(
            "mail link expired 2 days ago",
            "email_tokens",
            link_expired_young,
        ),
        kept("live mail link", "email_tokens", link_live),
    ]);

    let state = |conn: &mut AnyConnection, hash: &str, expires: chrono::NaiveDateTime| -> i64 {
        diesel::insert_into(oauth_states::table)
            .values((
                oauth_states::state_hash.eq(hash),
                oauth_states::mode.eq("login"),
                oauth_states::created_at.eq(expires - chrono::Duration::minutes(10)),
                oauth_states::expires_at.eq(expires),
            ))
            .returning(oauth_states::id)
            .get_result(conn)
            .unwrap()
    };
    let state_expired = state(&mut conn, "state-old", now - chrono::Duration::minutes(1));
    let state_live = state(&mut conn, "state-live", now + chrono::Duration::minutes(5));
    expect.extend([
        gone("expired OAuth state", "oauth_states", state_expired),
        kept("live OAuth state", "oauth_states", state_live),
    ]);

    for (key, hours) in [("window-old", 25), ("window-young", 23)] {
        diesel::insert_into(rate_limits::table)
            .values((
                rate_limits::key.eq(key),
                rate_limits::window_start.eq(now - chrono::Duration::hours(hours)),
                rate_limits::hits.eq(1),
            ))
            .execute(&mut conn)
            .unwrap();
    }

    let job = |conn: &mut AnyConnection,
               state: &str,
               updated: i64,
               run_at: chrono::NaiveDateTime|
     -> i64 {
        diesel::insert_into(jobs_t::table)
            .values((
                jobs_t::kind.eq("probe"),
                jobs_t::payload.eq("{}"),
                jobs_t::state.eq(state),
                jobs_t::attempts.eq(1),
                jobs_t::max_attempts.eq(1),
                jobs_t::run_at.eq(run_at),
                jobs_t::created_at.eq(ago(100)),
                jobs_t::updated_at.eq(ago(updated)),
            ))
            .returning(jobs_t::id)
            .get_result(conn)
            .unwrap()
    };
    let done_old = job(&mut conn, "done", 3, ago(3));
    let done_young = job(&mut conn, "done", 1, ago(1));
    let failed_old = job(&mut conn, "failed", 6, ago(6));
    let failed_young = job(&mut conn, "failed", 4, ago(4));
    let queued_long_ago = job(&mut conn, "queued", 100, now + days(1));
    expect.extend([
        gone("job done 3 days ago", "jobs", done_old),
        kept("job done a day ago", "jobs", done_young),
        gone("job failed 6 days ago", "jobs", failed_old),
        kept("job failed 4 days ago", "jobs", failed_young),
        kept("job queued 100 days ago", "jobs", queued_long_ago),
    ]);

    let message = |conn: &mut AnyConnection,
                   created: chrono::NaiveDateTime,
                   body: bool,
                   purge_at: Option<chrono::NaiveDateTime>|
     -> OutboxId {
        let id = outbox::insert(
            conn,
            &outbox::NewMessage {
                to_address: "kept@example.org",
                subject: "Hello",
                text_body: body.then_some("link: token=pending-secret"),
                html_body: body.then_some("<a>token=pending-secret</a>"),
                template: "verify_email",
                created_at: created,
                purge_body_at: purge_at,
                attempts: 0,
            },
        )
        .unwrap();
        if !body {
            diesel::update(schema::outbox::table.find(id))
                .set(schema::outbox::sent_at.eq(created + chrono::Duration::minutes(1)))
                .execute(conn)
                .unwrap();
        }
        id
    };
    let mail_old = message(&mut conn, ago(11), false, None);
    let mail_young = message(&mut conn, ago(9), false, None);
    let link_gone = message(&mut conn, ago(2), true, Some(ago(1)));
    let link_alive = message(
        &mut conn,
        now - chrono::Duration::hours(1),
        true,
        Some(now + chrono::Duration::hours(23)),
    );
    expect.extend([
        gone("mail sent 11 days ago", "outbox", mail_old.get()),
        kept("mail sent 9 days ago", "outbox", mail_young.get()),
        kept("pending mail whose link expired", "outbox", link_gone.get()),
        kept("pending mail with a live link", "outbox", link_alive.get()),
    ]);

    // A worker starts (no SMTP: nothing to deliver) and purges at once.
    let worker = WorkerProcess::start(
        &url,
        None,
        &[
            ("OPENFUND_RETENTION_CREDENTIALS_DAYS", "3"),
            ("OPENFUND_RETENTION_JOBS_DAYS", "2"),
            ("OPENFUND_RETENTION_FAILED_JOBS_DAYS", "5"),
            ("OPENFUND_RETENTION_MAIL_DAYS", "10"),
        ],
    );
    eventually("the purge to run", Duration::from_secs(30), || {
        jobs_of(&mut conn, "purge")
            .iter()
            .any(|j| j.state == JobState::Done)
            .then_some(())
    })
    .await;
    drop(worker);

    let wrong: Vec<String> = expect
        .iter()
        .filter(|e| exists(&mut conn, e.table, e.id) != e.kept)
        .map(|e| {
            format!(
                "{} ({} #{}): {}",
                e.what,
                e.table,
                e.id,
                if e.kept { "removed" } else { "kept" }
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "the purge got these wrong:\n{}",
        wrong.join("\n")
    );

    let windows: Vec<String> = rate_limits::table
        .select(rate_limits::key)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        windows,
        ["window-young"],
        "rate-limit windows older than a day go"
    );

    let gone = outbox_row(&mut conn, link_gone);
    assert!(
        gone.text_body.is_none() && gone.html_body.is_none(),
        "{gone:#?}"
    );
    assert_eq!(gone.last_error.as_deref(), Some(outbox::LINK_EXPIRED));
    let alive = outbox_row(&mut conn, link_alive);
    assert!(
        alive.text_body.is_some() && alive.html_body.is_some(),
        "{alive:#?}"
    );
    let with_body: i64 = schema::outbox::table
        .filter(schema::outbox::sent_at.is_not_null())
        .filter(
            schema::outbox::text_body
                .is_not_null()
                .or(schema::outbox::html_body.is_not_null()),
        )
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(with_body, 0, "a delivered message keeps no body");
}
