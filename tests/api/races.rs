//! Check-then-insert races fired for real: many requests for one slug, one email or the
//! last free API-token slots arrive at once. Each must give the same answer on SQLite
//! and PostgreSQL (run the suite with `OPENFUND_TEST_BACKEND=postgres` for the second),
//! and the rows must show that exactly one (or exactly the allowed number) went in.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::db::schema::{api_tokens, project_members, projects, users};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app_with};

/// How many requests each race fires at once.
const RACERS: usize = 12;

/// An app with enough HTTP workers and pooled connections that the racers really
/// overlap inside the server, and a sign-up limit the racers cannot reach.
async fn racing_app() -> TestApp {
    spawn_app_with(|c| {
        c.workers = Some(4);
        c.db_pool_size = 8;
        c.auth_rate_limit = 1000;
    })
    .await
}

/// Runs every future at once and returns their results in order.
async fn all<F: std::future::Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futs.into_iter().collect();
    futures_util::future::join_all(handles).await
}

/// Status and `code` (for problems) of a response.
async fn outcome(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn concurrent_creates_of_one_slug_give_one_201_and_409_slug_taken() {
    let app = racing_app().await;
    // Different callers, so nothing per user serialises them.
    let mut users = Vec::new();
    for _ in 0..RACERS {
        users.push(app.user().await);
    }
    let body = json!({"slug": "contested", "name": "Contested", "kind": "model"});
    let outcomes = all(users.iter().map(|u| {
        let (app, body) = (&app, &body);
        async move { outcome(app.create_project(&u.token, body).await).await }
    }))
    .await;

    let created: Vec<usize> = (0..RACERS).filter(|&i| outcomes[i].0 == 201).collect();
    assert_eq!(created.len(), 1, "{outcomes:?}");
    for (i, o) in outcomes.iter().enumerate() {
        if i != created[0] {
            assert_eq!(o, &(409, "slug_taken".to_owned()), "racer {i}");
        }
    }

    // One project row, and its only member is the winner, as owner.
    let mut conn = app.conn();
    let ids: Vec<i64> = projects::table
        .filter(projects::slug.eq("contested"))
        .select(projects::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(ids.len(), 1);
    let members: Vec<(i64, String)> = project_members::table
        .filter(project_members::project_id.eq(ids[0]))
        .select((project_members::user_id, project_members::role))
        .load(&mut conn)
        .unwrap();
    assert_eq!(members, vec![(users[created[0]].id, "owner".to_owned())]);
}

#[tokio::test]
async fn concurrent_registrations_of_one_email_make_one_user() {
    let app = racing_app().await;
    let email = "twice@example.org";
    let outcomes = all((0..RACERS).map(|i| {
        let app = &app;
        async move {
            let body = json!({
                "email": email,
                "display_name": format!("Racer {i}"),
                "password": PASSWORD,
            });
            outcome(app.post_json("/api/v1/auth/register", &body).await).await
        }
    }))
    .await;
    // Every racer gets the answer a first registration gets: the address's owner is
    // told by mail, the requester learns nothing.
    let first = outcomes[0].clone();
    assert!((200..300).contains(&first.0), "{outcomes:?}");
    assert!(outcomes.iter().all(|o| *o == first), "{outcomes:?}");

    let mut conn = app.conn();
    let count: i64 = users::table
        .filter(users::email.eq(email))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn concurrent_token_creates_stop_exactly_at_the_limit() {
    let app = racing_app().await;
    let user = app.user().await;
    let limit = openfund::domain::auth::MAX_TOKENS as usize;
    let free = 3;
    for _ in 0..limit - free {
        app.api_token(&user, &["read"]).await;
    }
    let outcomes = all((0..RACERS).map(|i| {
        let (app, user) = (&app, &user);
        async move {
            let body = json!({"name": format!("racer {i}"), "scopes": ["read"]});
            outcome(
                app.send_json_as(
                    reqwest::Method::POST,
                    "/api/v1/me/tokens",
                    &user.token,
                    &body,
                )
                .await,
            )
            .await
        }
    }))
    .await;
    let created = outcomes.iter().filter(|o| o.0 == 201).count();
    assert_eq!(created, free, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .filter(|o| o.0 != 201)
            .all(|o| *o == (409, "too_many_tokens".to_owned())),
        "{outcomes:?}"
    );

    let mut conn = app.conn();
    let stored: i64 = api_tokens::table
        .filter(api_tokens::user_id.eq(user.id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(stored as usize, limit);
}

/// How long the archive below keeps its unit of work open after archiving: long enough
/// for the pledges fired meanwhile to reach the database, well inside the lock timeout.
const HOLD: std::time::Duration = std::time::Duration::from_millis(1500);

#[tokio::test]
async fn pledges_that_race_an_archive_wait_for_it_and_are_refused() {
    use openfund::app::Principal;
    use openfund::app::projects::{CountCache, ProjectError, set_archived};
    use openfund::db::Db;
    use openfund::db::schema::{ledger_transactions, pledges};
    use openfund::domain::ids::{SessionId, UserId};

    let app = racing_app().await;
    let owner = app.user().await;
    let sponsor = app.user().await;
    let slug = "archived-mid-pledge";
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Archived", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let project: i64 = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    openfund::store::accelerators::insert_if_absent(
        &mut app.conn(),
        "H100-80GB",
        "NVIDIA H100 80GB",
        openfund::db::now(),
    )
    .unwrap();

    // The owner archives through the use case, in a unit of work that stays open (not
    // committed) for `HOLD` after the archive is written.
    let (archived, archived_rx) = std::sync::mpsc::channel();
    let url = app.database_url.clone();
    let owner_id = owner.id;
    let holder = std::thread::spawn(move || {
        let db = Db::new(url, 1).unwrap();
        let user = db
            .read_blocking(|c| {
                openfund::store::users::find(c, UserId(owner_id))
                    .map_err(openfund::db::DbError::from)
            })
            .unwrap()
            .unwrap();
        let who = Principal::for_session(&user, SessionId(1));
        db.write_blocking(|tx| {
            set_archived(
                tx,
                &who,
                slug,
                true,
                &CountCache::default(),
                openfund::db::now(),
            )?;
            archived.send(()).unwrap();
            std::thread::sleep(HOLD);
            Ok::<_, ProjectError>(())
        })
    });
    tokio::task::spawn_blocking(move || archived_rx.recv().unwrap())
        .await
        .unwrap();

    // Money and compute pledges arrive while the archive is under way.
    let window_end = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let bodies = [
        json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 500}}),
        json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 700},
               "recurrence": "monthly"}),
        json!({"kind": "compute", "compute": {"accelerator": "H100-80GB", "gpu_minutes": 600},
               "window_end": window_end}),
    ];
    let started = std::time::Instant::now();
    let outcomes = all(bodies.iter().map(|body| {
        let (app, sponsor) = (&app, &sponsor);
        async move {
            let res = app
                .client
                .post(app.url(&format!("/api/v1/projects/{slug}/pledges")))
                .bearer_auth(&sponsor.token)
                .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                .json(body)
                .send()
                .await
                .unwrap();
            outcome(res).await
        }
    }))
    .await;
    holder.join().unwrap().unwrap();

    // Each waited for the archive to commit, then saw it.
    for o in &outcomes {
        assert_eq!(o, &(409, "project_archived".to_owned()), "{outcomes:?}");
    }
    assert!(
        started.elapsed() >= HOLD / 2,
        "the pledges did not wait for the archive"
    );
    let mut conn = app.conn();
    let stored: i64 = pledges::table
        .filter(pledges::project_id.eq(project))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(stored, 0, "a pledge went into an archived project");
    let posted: i64 = ledger_transactions::table
        .filter(ledger_transactions::project_id.eq(project))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(
        posted, 0,
        "a compute grant went into an archived project's ledger"
    );
}
