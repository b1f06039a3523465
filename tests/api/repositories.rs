//! Linked GitHub repositories: link, list, rotate the secret, unlink and link again; a
//! repository belongs to one project (names compare case-insensitively); bad names are
//! refused with nothing stored; the secret is never listed; a sync request queues one
//! job however many arrive at once. Run on both backends.

use diesel::prelude::*;
use openfund::db::schema::{jobs, repositories};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};

/// A project owned by a new user; returns the owner.
async fn project(app: &TestApp, slug: &str) -> TestUser {
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": slug, "name": "Repo Test", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    owner
}

async fn link(app: &TestApp, token: &str, slug: &str, full_name: &str) -> reqwest::Response {
    app.send_json_as(
        Method::POST,
        &format!("/api/v1/projects/{slug}/repositories"),
        token,
        &json!({ "full_name": full_name }),
    )
    .await
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request failed")
}

fn stored_rows(app: &TestApp) -> i64 {
    repositories::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn maintainers_link_list_rotate_unlink_and_relink() {
    let app = spawn_app().await;
    let owner = project(&app, "llm").await;

    let res = link(&app, &owner.token, "llm", "OpenAI-Lab/Tiny.LM_2").await;
    assert_eq!(res.status().as_u16(), 201);
    let linked: Value = res.json().await.unwrap();
    assert_eq!(linked["repository"]["full_name"], "OpenAI-Lab/Tiny.LM_2");
    assert_eq!(linked["repository"]["owner"], "OpenAI-Lab");
    assert_eq!(linked["repository"]["name"], "Tiny.LM_2");
    assert_eq!(
        linked["webhook_url"],
        format!("{}/api/v1/webhooks/github", app.address)
    );
    let secret = linked["webhook_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    // The secret is stored as given (it is the HMAC key).
    let stored: String = repositories::table
        .select(repositories::webhook_secret)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored, secret);

    // Listed publicly without the secret or the maintainers' status; with it for the owner.
    let public: Value = app
        .get("/api/v1/projects/llm/repositories")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["items"].as_array().unwrap().len(), 1);
    assert_eq!(public["items"][0]["full_name"], "OpenAI-Lab/Tiny.LM_2");
    assert_eq!(public["items"][0]["status"], Value::Null);
    let mine = app
        .json_as("/api/v1/projects/llm/repositories", &owner.token)
        .await;
    assert!(mine["items"][0]["status"].is_object(), "{mine}");
    assert_eq!(mine["items"][0]["status"]["resources"], json!([]));
    for body in [&public, &mine] {
        assert!(!body.to_string().contains(&secret), "secret listed: {body}");
    }
    let other = app.user().await;
    let theirs = app
        .json_as("/api/v1/projects/llm/repositories", &other.token)
        .await;
    assert_eq!(theirs["items"][0]["status"], Value::Null);

    // Rotating answers a new secret once, and stores it; the path is case-insensitive.
    let res = send(
        &app,
        Method::POST,
        "/api/v1/projects/llm/repositories/openai-lab/tiny.lm_2/rotate-secret",
        &owner.token,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let rotated: Value = res.json().await.unwrap();
    let new_secret = rotated["webhook_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let stored: String = repositories::table
        .select(repositories::webhook_secret)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored, new_secret);

    // Unlinking keeps the row but leaves the list.
    let res = send(
        &app,
        Method::DELETE,
        "/api/v1/projects/llm/repositories/OpenAI-Lab/Tiny.LM_2",
        &owner.token,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    let public: Value = app
        .get("/api/v1/projects/llm/repositories")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["items"], json!([]));
    assert_eq!(stored_rows(&app), 1);
    for method in [Method::DELETE, Method::POST] {
        let path = if method == Method::DELETE {
            "/api/v1/projects/llm/repositories/OpenAI-Lab/Tiny.LM_2"
        } else {
            "/api/v1/projects/llm/repositories/OpenAI-Lab/Tiny.LM_2/rotate-secret"
        };
        assert_problem(
            send(&app, method, path, &owner.token).await,
            404,
            "not_found",
        )
        .await;
    }

    // Linking it again (another spelling) revives that row, with a new secret.
    let res = link(&app, &owner.token, "llm", "openai-lab/tiny.lm_2").await;
    assert_eq!(res.status().as_u16(), 201);
    let relinked: Value = res.json().await.unwrap();
    assert_eq!(relinked["repository"]["full_name"], "openai-lab/tiny.lm_2");
    assert_ne!(relinked["webhook_secret"], rotated["webhook_secret"]);
    assert_eq!(stored_rows(&app), 1);
    let public: Value = app
        .get("/api/v1/projects/llm/repositories")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_repository_belongs_to_one_project_whatever_the_case() {
    let app = spawn_app().await;
    let first = project(&app, "first").await;
    let second = project(&app, "second").await;

    assert_eq!(
        link(&app, &first.token, "first", "EleutherAI/gpt-neox")
            .await
            .status()
            .as_u16(),
        201
    );
    for (token, slug, name) in [
        (&first.token, "first", "EleutherAI/gpt-neox"),
        (&first.token, "first", "eleutherai/GPT-NeoX"),
        (&second.token, "second", "EleutherAI/gpt-neox"),
        (&second.token, "second", "ELEUTHERAI/GPT-NEOX"),
    ] {
        assert_problem(
            link(&app, token, slug, name).await,
            409,
            "repository_linked",
        )
        .await;
    }
    // The second project cannot act on the first one's repository either.
    assert_problem(
        send(
            &app,
            Method::DELETE,
            "/api/v1/projects/second/repositories/EleutherAI/gpt-neox",
            &second.token,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(stored_rows(&app), 1);

    // Once the first unlinks it, the second may link it: a new row, the old one kept.
    let res = send(
        &app,
        Method::DELETE,
        "/api/v1/projects/first/repositories/eleutherai/gpt-neox",
        &first.token,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(
        link(&app, &second.token, "second", "EleutherAI/GPT-NeoX")
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(stored_rows(&app), 2);
    // ... and now the first cannot take it back.
    assert_problem(
        link(&app, &first.token, "first", "eleutherai/gpt-neox").await,
        409,
        "repository_linked",
    )
    .await;

    // Two projects racing for one repository: one wins.
    let third = project(&app, "third").await;
    let fourth = project(&app, "fourth").await;
    let (a, b) = tokio::join!(
        link(&app, &third.token, "third", "bigscience/bloom"),
        link(&app, &fourth.token, "fourth", "BigScience/Bloom"),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    assert_eq!(stored_rows(&app), 3);
}

#[tokio::test]
async fn bad_names_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let owner = project(&app, "names").await;
    for (bad, code) in [
        ("", "format"),
        ("just-a-name", "format"),
        ("a/b/c", "format"),
        ("-owner/repo", "owner"),
        ("owner-/repo", "owner"),
        ("own--er/repo", "owner"),
        ("own_er/repo", "owner"),
        (&format!("{}/repo", "o".repeat(40)), "owner"),
        ("owner/", "name"),
        ("owner/.", "name"),
        ("owner/..", "name"),
        ("owner/has space", "name"),
        ("owner/ünïcode", "name"),
        ("owner/repo.git", "name"),
        (&format!("owner/{}", "r".repeat(101)), "name"),
    ] {
        let problem = assert_problem(
            link(&app, &owner.token, "names", bad).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "full_name", "{bad:?}");
        assert_eq!(problem["errors"][0]["code"], code, "{bad:?}: {problem}");
    }
    // Not even a string.
    let res = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/names/repositories",
            &owner.token,
            &json!({"full_name": 42}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    assert_eq!(stored_rows(&app), 0);
    // The longest valid name is fine.
    let longest = format!("{}/{}", "o".repeat(39), "r".repeat(100));
    assert_eq!(
        link(&app, &owner.token, "names", &longest)
            .await
            .status()
            .as_u16(),
        201
    );
}

#[tokio::test]
async fn archived_projects_link_and_sync_nothing_but_may_unlink() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let owner = project(&app, "old").await;
    assert_eq!(
        link(&app, &owner.token, "old", "a/kept")
            .await
            .status()
            .as_u16(),
        201
    );
    let res = send(
        &app,
        Method::POST,
        "/api/v1/projects/old/archive",
        &owner.token,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_problem(
        link(&app, &owner.token, "old", "a/new").await,
        409,
        "project_archived",
    )
    .await;
    assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/projects/old/repositories/a/kept/sync",
            &owner.token,
        )
        .await,
        409,
        "project_archived",
    )
    .await;
    let res = send(
        &app,
        Method::POST,
        "/api/v1/projects/old/repositories/a/kept/rotate-secret",
        &owner.token,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let res = send(
        &app,
        Method::DELETE,
        "/api/v1/projects/old/repositories/a/kept",
        &owner.token,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(stored_rows(&app), 1);
}

fn sync_jobs(app: &TestApp) -> Vec<(String, String)> {
    jobs::table
        .filter(jobs::kind.eq("sync_repository"))
        .select((jobs::state, jobs::payload))
        .load(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn ten_concurrent_sync_requests_queue_one_job() {
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let owner = project(&app, "busy").await;
    for name in ["org/one", "org/two"] {
        assert_eq!(
            link(&app, &owner.token, "busy", name)
                .await
                .status()
                .as_u16(),
            201
        );
    }
    let requests = (0..10).map(|_| {
        send(
            &app,
            Method::POST,
            "/api/v1/projects/busy/repositories/org/one/sync",
            &owner.token,
        )
    });
    let mut queued = 0;
    for res in futures_util::future::join_all(requests).await {
        assert_eq!(res.status().as_u16(), 202);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["full_name"], "org/one");
        queued += usize::from(body["queued"] == json!(true));
    }
    assert_eq!(queued, 1, "exactly one request queued the job");
    let jobs = sync_jobs(&app);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].0, "queued");
    let requested: Option<chrono::NaiveDateTime> = repositories::table
        .filter(repositories::full_name_key.eq("org/one"))
        .select(repositories::sync_requested_at)
        .first(&mut app.conn())
        .unwrap();
    assert!(requested.is_some());

    // Another repository gets its own job; the same one again does not.
    for path in [
        "/api/v1/projects/busy/repositories/org/two/sync",
        "/api/v1/projects/busy/repositories/ORG/ONE/sync",
    ] {
        let res = send(&app, Method::POST, path, &owner.token).await;
        assert_eq!(res.status().as_u16(), 202);
    }
    assert_eq!(sync_jobs(&app).len(), 2);
    // An unknown repository is not found; nothing queued.
    assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/projects/busy/repositories/org/three/sync",
            &owner.token,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(sync_jobs(&app).len(), 2);
}

#[tokio::test]
async fn a_sync_that_cannot_reach_github_records_why() {
    let app = spawn_app().await;
    let owner = project(&app, "pending").await;
    assert_eq!(
        link(&app, &owner.token, "pending", "org/repo")
            .await
            .status()
            .as_u16(),
        201
    );
    let res = send(
        &app,
        Method::POST,
        "/api/v1/projects/pending/repositories/org/repo/sync",
        &owner.token,
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    // The test configuration points at a closed port.
    let mut mine = Value::Null;
    for _ in 0..400 {
        mine = app
            .json_as("/api/v1/projects/pending/repositories", &owner.token)
            .await;
        if mine["items"][0]["status"]["last_error"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let status = &mine["items"][0]["status"];
    assert!(
        status["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("GitHub unreachable")),
        "{mine}"
    );
    assert!(status["last_sync_started_at"].is_string());
    assert_eq!(mine["items"][0]["last_success_at"], Value::Null);
}

#[tokio::test]
async fn sync_progress_adds_up_and_keeps_what_a_page_does_not_bring() {
    use openfund::domain::ids::RepositoryId;
    use openfund::domain::repository::SyncResource;
    use openfund::store::sync_state::{self, PageProgress};
    let app = spawn_app_with(|c| c.embedded_worker = false).await;
    let owner = project(&app, "progress").await;
    assert_eq!(
        link(&app, &owner.token, "progress", "org/history")
            .await
            .status()
            .as_u16(),
        201
    );
    let mut conn = app.conn();
    let id: RepositoryId = repositories::table
        .select(repositories::id)
        .first::<i64>(&mut conn)
        .map(RepositoryId)
        .unwrap();
    let now = openfund::db::now();
    // A first page: watermark, ETag and a page to resume from.
    sync_state::record_page(
        &mut conn,
        id,
        SyncResource::Commits,
        &PageProgress {
            watermark: Some("2026-01-01T00:00:00Z".into()),
            etag: Some("W/\"abc\"".into()),
            resume_url: Some("https://api.github.test/repos/org/history/commits?page=2".into()),
            items: 100,
            requests: 1,
            ..PageProgress::default()
        },
        now,
    )
    .unwrap();
    // A 304 on another pass: counted, nothing else changes but the pass ends.
    sync_state::record_page(
        &mut conn,
        id,
        SyncResource::Commits,
        &PageProgress {
            requests: 1,
            not_modified: 1,
            ..PageProgress::default()
        },
        now,
    )
    .unwrap();
    let row = sync_state::get(&mut conn, id, SyncResource::Commits)
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            row.items_stored,
            row.requests_spent,
            row.not_modified,
            row.watermark.as_deref(),
            row.etag.as_deref(),
            row.resume_url.as_deref()
        ),
        (
            100,
            2,
            1,
            Some("2026-01-01T00:00:00Z"),
            Some("W/\"abc\""),
            None
        )
    );
    assert!(
        sync_state::get(&mut conn, id, SyncResource::Pulls)
            .unwrap()
            .is_none()
    );
    // The maintainers see it in the list.
    let mine = app
        .json_as("/api/v1/projects/progress/repositories", &owner.token)
        .await;
    assert_eq!(
        mine["items"][0]["status"]["resources"][0],
        json!({
            "resource": "commits", "items_stored": 100, "requests_spent": 2,
            "not_modified": 1, "resuming": false, "skipped": null,
            "updated_at": mine["items"][0]["status"]["resources"][0]["updated_at"],
        })
    );
    // Unlinked and linked again, it picks up where it left.
    let res = send(
        &app,
        Method::DELETE,
        "/api/v1/projects/progress/repositories/org/history",
        &owner.token,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    let res = link(&app, &owner.token, "progress", "Org/History").await;
    assert_eq!(res.status().as_u16(), 201);
    let relinked: Value = res.json().await.unwrap();
    assert_eq!(
        relinked["repository"]["status"]["resources"][0]["items_stored"], 100,
        "{relinked}"
    );
    let row = sync_state::get(&mut conn, id, SyncResource::Commits)
        .unwrap()
        .unwrap();
    assert_eq!(row.watermark.as_deref(), Some("2026-01-01T00:00:00Z"));
}

#[tokio::test]
async fn a_bad_credential_on_the_public_list_is_refused_not_read_as_anonymous() {
    let app = spawn_app().await;
    project(&app, "open").await;
    assert_eq!(
        app.get("/api/v1/projects/open/repositories")
            .await
            .status()
            .as_u16(),
        200
    );
    assert_problem(
        app.get_as("/api/v1/projects/open/repositories", "not-a-token")
            .await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.get("/api/v1/projects/missing/repositories").await,
        404,
        "not_found",
    )
    .await;
}

/// The keys of the GitHub activity tables hold on this backend: what the sync, the
/// webhook intake and identity merges rely on for "never twice".
#[test]
fn the_activity_tables_keys_make_credit_idempotent() {
    use crate::helpers::{TestDatabase, backend, postgres_available_or_skip};
    use diesel::result::{DatabaseErrorKind, Error};
    use openfund::db;

    if backend() == openfund::db::Backend::Postgres && !postgres_available_or_skip() {
        return;
    }
    let (_db, url) = TestDatabase::create(backend());
    let mut conn = db::establish(&url).unwrap();
    db::run_migrations(&mut conn).unwrap();
    let now = db::now();
    let user = openfund::store::users::insert_if_absent(
        &mut conn,
        &openfund::store::users::NewUser {
            email: "keys@example.org",
            display_name: "Keys",
            password_hash: None,
            email_verified_at: None,
            is_admin: false,
            github_id: None,
            github_login: None,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap()
    .unwrap();
    let new = openfund::domain::NewProject::parse(
        "keys",
        "Keys",
        "",
        openfund::domain::ProjectKind::Tool,
        None,
    )
    .unwrap();
    let project = openfund::store::projects::insert_if_absent(&mut conn, new, now)
        .unwrap()
        .unwrap()
        .id;
    let repo = openfund::store::repositories::insert_linked(
        &mut conn,
        project,
        "Org/Repo",
        "org/repo",
        &"a".repeat(64),
        user,
        now,
    )
    .unwrap()
    .unwrap()
    .id;
    let (p, u, r) = (project.get(), user.get(), repo.get());
    let ts = now.format("%Y-%m-%d %H:%M:%S").to_string();
    let mut run = |sql: String| diesel::sql_query(sql).execute(&mut conn);
    let unique = |e: Result<usize, Error>| {
        matches!(
            e,
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
        )
    };

    // The full name's key is its lower case, and a name is linked once.
    assert!(run(format!(
        "INSERT INTO repositories (project_id, full_name, full_name_key, webhook_secret, linked_by, created_at) \
         VALUES ({p}, 'Org/Other', 'Org/Other', '{}', {u}, '{ts}')",
        "a".repeat(64)
    ))
    .is_err());
    assert!(unique(run(format!(
        "INSERT INTO repositories (project_id, full_name, full_name_key, webhook_secret, linked_by, created_at) \
         VALUES ({p}, 'ORG/REPO', 'org/repo', '{}', {u}, '{ts}')",
        "a".repeat(64)
    ))));

    // Contributors: one per GitHub user id, one per email hash, never neither.
    let contributor = |key: &str| {
        format!(
            "INSERT INTO contributors ({key}, is_bot, created_at, updated_at) \
             VALUES ({{}}, FALSE, '{ts}', '{ts}') ON CONFLICT DO NOTHING"
        )
    };
    assert_eq!(
        run(contributor("github_user_id").replace("{}", "583231")).unwrap(),
        1
    );
    assert_eq!(
        run(contributor("github_user_id").replace("{}", "583231")).unwrap(),
        0
    );
    assert_eq!(
        run(contributor("email_hash").replace("{}", "'h1'")).unwrap(),
        1
    );
    assert_eq!(
        run(contributor("email_hash").replace("{}", "'h1'")).unwrap(),
        0
    );
    assert!(run(format!(
        "INSERT INTO contributors (login, is_bot, created_at, updated_at) VALUES ('nobody', FALSE, '{ts}', '{ts}')"
    ))
    .is_err());
    let ids: Vec<i64> = openfund::db::schema::contributors::table
        .select(openfund::db::schema::contributors::id)
        .order(openfund::db::schema::contributors::id)
        .load(&mut db::establish(&url).unwrap())
        .unwrap();
    let (a, b) = (ids[0], ids[1]);

    // A commit with a co-author: one row each; a redelivery or overlapping sync adds none.
    let credit = |who: i64| {
        format!(
            "INSERT INTO contributions (project_id, repository_id, contributor_id, kind, source_key, occurred_at, created_at) \
             VALUES ({p}, {r}, {who}, 'commit', 'deadbeef', '{ts}', '{ts}') \
             ON CONFLICT (project_id, kind, source_key, contributor_id) DO NOTHING"
        )
    };
    assert_eq!(run(credit(a)).unwrap(), 1);
    assert_eq!(run(credit(b)).unwrap(), 1);
    assert_eq!(run(credit(a)).unwrap(), 0);
    assert_eq!(run(credit(b)).unwrap(), 0);
    // Work GitHub does not see names who recorded it.
    assert!(run(format!(
        "INSERT INTO contributions (project_id, contributor_id, kind, source_key, occurred_at, created_at) \
         VALUES ({p}, {a}, 'data', 'n1', '{ts}', '{ts}')"
    ))
    .is_err());
    assert_eq!(
        run(format!(
            "INSERT INTO contributions (project_id, contributor_id, kind, source_key, occurred_at, recorded_by, created_at) \
             VALUES ({p}, {a}, 'data', 'n1', '{ts}', {u}, '{ts}')"
        ))
        .unwrap(),
        1
    );

    // One active merge of a contributor per project; undone merges do not count.
    let merge = |from: i64, into: i64| {
        format!(
            "INSERT INTO identity_merges (project_id, from_contributor_id, into_contributor_id, created_by, created_at) \
             VALUES ({p}, {from}, {into}, {u}, '{ts}')"
        )
    };
    assert!(run(merge(a, a)).is_err());
    assert_eq!(run(merge(a, b)).unwrap(), 1);
    assert!(unique(run(merge(a, b))));
    assert_eq!(
        run(format!(
            "UPDATE identity_merges SET undone_at = '{ts}', undone_by = {u}"
        ))
        .unwrap(),
        1
    );
    assert_eq!(run(merge(a, b)).unwrap(), 1);

    // A delivery is stored once.
    let delivery = format!(
        "INSERT INTO webhook_deliveries (delivery_guid, repository_id, event, payload, received_at) \
         VALUES ('72d3162e-cc78-11e3-81ab-4c9367dc0958', {r}, 'push', '{{}}', '{ts}') \
         ON CONFLICT (delivery_guid) DO NOTHING"
    );
    assert_eq!(run(delivery.clone()).unwrap(), 1);
    assert_eq!(run(delivery).unwrap(), 0);

    // Bots are left out unless the project counts them.
    let count_bots: bool = openfund::db::schema::projects::table
        .find(p)
        .select(openfund::db::schema::projects::count_bots)
        .first(&mut db::establish(&url).unwrap())
        .unwrap();
    assert!(!count_bots);
}
