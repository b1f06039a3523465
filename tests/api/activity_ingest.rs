//! `app::activity::ingest`: GitHub activity becomes one credit per person and item, on
//! both backends — renames keep one contributor, noreply addresses name their account,
//! co-authors are credited once through addresses GitHub attributed, address-only
//! authors are keyed by a hash and absorbed once GitHub attributes their address,
//! `push` authors are found by login, repeats and overlaps store nothing twice, and
//! the ghost earns nothing.

use diesel::prelude::*;
use openfund::app::activity::{IngestOutcome, ingest};
use openfund::db::Db;
use openfund::db::schema::{contributions, contributor_emails, contributors};
use openfund::domain::github::activity::Activity;
use openfund::domain::github::payload::{
    PushCommit, RestCommit, RestIssue, RestPull, commit_activities, issue_activities,
    pull_activities, push_commit_activities,
};
use openfund::domain::ids::{ProjectId, RepositoryId};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// A project with one linked repository; returns their ids.
async fn linked(app: &TestApp) -> (ProjectId, RepositoryId) {
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": "ingest", "name": "Ingest", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let res = app
        .send_json_as(
            reqwest::Method::POST,
            "/api/v1/projects/ingest/repositories",
            &owner.token,
            &json!({"full_name": "o/r"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    use openfund::db::schema::repositories;
    let (repo, project): (i64, i64) = repositories::table
        .select((repositories::id, repositories::project_id))
        .first(&mut app.conn())
        .unwrap();
    (ProjectId(project), RepositoryId(repo))
}

fn run(db: &Db, ids: (ProjectId, RepositoryId), items: &[Activity]) -> IngestOutcome {
    db.write_blocking(|tx| ingest(tx, ids.0, ids.1, items, openfund::db::now()))
        .expect("ingest")
}

fn commit(sha_byte: char, message: &str, email: &str, author: Value) -> Vec<Activity> {
    let c: RestCommit = serde_json::from_value(json!({
        "sha": sha_byte.to_string().repeat(40),
        "commit": {"message": message,
                   "author": {"name": "N", "email": email, "date": "2024-05-01T12:00:00Z"}},
        "author": author,
    }))
    .unwrap();
    commit_activities(&c)
}

/// (kind, item, login) of every credit, sorted (NULL logins first on both backends).
fn credits(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    let mut rows: Vec<(String, String, Option<String>)> = contributions::table
        .inner_join(contributors::table)
        .select((
            contributions::kind,
            contributions::source_key,
            contributors::login,
        ))
        .order((contributions::source_key, contributors::login))
        .load(&mut app.conn())
        .unwrap();
    rows.sort();
    rows
}

fn contributor_count(app: &TestApp) -> i64 {
    contributors::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn a_rename_keeps_one_contributor_and_repeats_store_nothing() {
    let app = spawn_app().await;
    let ids = linked(&app).await;
    let db = Db::new(app.database_url.clone(), 2).unwrap();

    let a = commit(
        'a',
        "one",
        "al@example.com",
        json!({"id": 12, "login": "alice"}),
    );
    let out = run(&db, ids, &a);
    assert_eq!((out.inserted, out.unattributed), (1, 0));
    // The same commit again (re-sync, webhook overlap): nothing new.
    assert_eq!(run(&db, ids, &a).inserted, 0);
    // Renamed on GitHub: same id, new login.
    let b = commit(
        'b',
        "two",
        "al@example.com",
        json!({"id": 12, "login": "alice-ml"}),
    );
    assert_eq!(run(&db, ids, &b).inserted, 1);
    assert_eq!(contributor_count(&app), 1);
    let logins: Vec<Option<String>> = contributors::table
        .select(contributors::login)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(logins, [Some("alice-ml".to_owned())]);
    // A noreply address with an old login names the same account, and does not
    // undo the rename.
    let c = commit(
        'c',
        "three",
        "12+alice@users.noreply.github.com",
        Value::Null,
    );
    assert_eq!(run(&db, ids, &c).inserted, 1);
    assert_eq!(contributor_count(&app), 1);
    assert_eq!(credits(&app).len(), 3);
    assert!(
        credits(&app)
            .iter()
            .all(|c| c.2.as_deref() == Some("alice-ml"))
    );
}

#[tokio::test]
async fn co_authors_are_credited_once_through_attributed_addresses() {
    let app = spawn_app().await;
    let ids = linked(&app).await;
    let db = Db::new(app.database_url.clone(), 2).unwrap();

    // Bob's address becomes known from a commit GitHub attributed to him.
    run(
        &db,
        ids,
        &commit(
            '1',
            "mine",
            "bob@example.com",
            json!({"id": 20, "login": "bob"}),
        ),
    );
    // Alice's commit names Bob (twice, once in other case), herself, and Carol, who has
    // no account: Bob once, Alice once, Carol under her address's hash.
    let message = "Pair work\n\nCo-authored-by: Bob <bob@example.com>\n\
                   Co-authored-by: Alice <al@example.com>\n\
                   Co-authored-by: B <BOB@Example.com>\n\
                   Co-authored-by: Carol <carol@example.org>";
    let items = commit(
        '2',
        message,
        "al@example.com",
        json!({"id": 12, "login": "alice"}),
    );
    assert_eq!(items.len(), 3);
    assert_eq!(run(&db, ids, &items).inserted, 3);
    let pair: Vec<_> = credits(&app)
        .into_iter()
        .filter(|c| c.1 == "2".repeat(40))
        .map(|c| c.2)
        .collect();
    assert_eq!(
        pair,
        [None, Some("alice".to_owned()), Some("bob".to_owned())]
    );
    // Carol is kept by hash, never by address.
    let carol: (Option<String>, Option<i64>) = contributors::table
        .filter(contributors::login.is_null())
        .select((contributors::email_hash, contributors::github_user_id))
        .first(&mut app.conn())
        .unwrap();
    let hash = carol.0.unwrap();
    assert_eq!(hash.len(), 64);
    assert!(!hash.contains('@'));
    assert_eq!(carol.1, None);

    // Later GitHub attributes Carol's address to her new account: her earlier credit
    // moves to the account and she is one person.
    run(
        &db,
        ids,
        &commit(
            '3',
            "hers",
            "carol@example.org",
            json!({"id": 30, "login": "carol"}),
        ),
    );
    let carols: Vec<(String, Option<String>)> = credits(&app)
        .into_iter()
        .filter(|c| c.2.as_deref() == Some("carol"))
        .map(|c| (c.1, c.2))
        .collect();
    assert_eq!(carols.len(), 2, "{carols:?}");
    let owned: i64 = contributor_emails::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(owned, 3, "bob, alice and carol's addresses are learned");
}

#[tokio::test]
async fn pulls_issues_push_authors_and_the_ghost() {
    let app = spawn_app().await;
    let ids = linked(&app).await;
    let db = Db::new(app.database_url.clone(), 2).unwrap();

    let pull: RestPull = serde_json::from_value(json!({
        "id": 500, "title": "Add evals", "user": {"id": 7, "login": "botanist", "type": "User"},
        "created_at": "2024-01-01T00:00:00Z", "merged_at": "2024-01-02T00:00:00Z"
    }))
    .unwrap();
    let bot_pull: RestPull = serde_json::from_value(json!({
        "id": 501, "title": "Bump", "user": {"id": 49699333, "login": "dependabot[bot]", "type": "Bot"},
        "created_at": "2024-01-01T00:00:00Z"
    }))
    .unwrap();
    let as_issue: RestIssue = serde_json::from_value(json!({
        "id": 900, "user": {"id": 7, "login": "botanist"}, "created_at": "2024-01-01T00:00:00Z",
        "pull_request": {"url": "x"}
    }))
    .unwrap();
    let ghost: RestIssue = serde_json::from_value(json!({
        "id": 901, "user": {"id": 10137891, "login": "ghost"}, "created_at": "2024-01-01T00:00:00Z"
    }))
    .unwrap();
    let mut items = pull_activities(&pull);
    items.extend(pull_activities(&bot_pull));
    items.extend(issue_activities(&as_issue));
    items.extend(issue_activities(&ghost));
    let out = run(&db, ids, &items);
    assert_eq!(out.inserted, 3, "opened + merged + the bot's opened");
    let bots: Vec<(Option<String>, bool)> = contributors::table
        .select((contributors::login, contributors::is_bot))
        .order(contributors::login)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        bots,
        [
            (Some("botanist".to_owned()), false),
            (Some("dependabot[bot]".to_owned()), true)
        ]
    );

    // A push names its author by login only: the known account gets the credit, and
    // the same commit from the sync later is not a second credit.
    let push: PushCommit = serde_json::from_value(json!({
        "id": "d".repeat(40), "message": "m", "timestamp": "2024-05-01T14:00:00+02:00",
        "author": {"name": "B", "email": "b@lab.org", "username": "Botanist"}
    }))
    .unwrap();
    assert_eq!(run(&db, ids, &push_commit_activities(&push)).inserted, 1);
    let synced = commit('d', "m", "b@lab.org", json!({"id": 7, "login": "botanist"}));
    assert_eq!(run(&db, ids, &synced).inserted, 0);
    assert_eq!(contributor_count(&app), 2);
}
