//! The unit of work (`Tx`) behaves the same on SQLite and PostgreSQL: a failing unit
//! leaves nothing behind, savepoints nest on both, a row lock keeps a read-then-write
//! from losing updates, and insert-if-absent reports the loser of a race.

use std::sync::{Arc, Barrier};

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use openfund::db::schema::{projects, users};
use openfund::db::tx::RowLock;
use openfund::db::{Db, DbError};
use openfund::domain::ids::UserId;
use openfund::domain::{NewProject, ProjectKind};
use openfund::store;

use crate::helpers::{TestApp, spawn_app};

fn new_project(slug: &str) -> NewProject {
    NewProject::parse(slug, slug, "", ProjectKind::Tool, None).expect("valid project")
}

fn slugs(app: &TestApp) -> Vec<String> {
    projects::table
        .select(projects::slug)
        .order(projects::slug)
        .load(&mut app.conn())
        .unwrap()
}

fn db(app: &TestApp, connections: u32) -> Db {
    Db::new(app.database_url.clone(), connections).expect("pool")
}

/// The error a test unit gives up with.
#[derive(Debug)]
enum Oops {
    Db(DbError),
    GiveUp,
}

impl From<DbError> for Oops {
    fn from(e: DbError) -> Self {
        Oops::Db(e)
    }
}

fn insert(tx: &mut openfund::db::tx::Tx<'_>, slug: &str) -> Result<bool, Oops> {
    let now = openfund::db::now();
    Ok(store::projects::insert_if_absent(tx, new_project(slug), now)?.is_some())
}

#[tokio::test]
async fn a_failing_unit_leaves_nothing_and_savepoints_nest() {
    let app = spawn_app().await;
    let db = db(&app, 2);

    // The whole unit fails: nothing it wrote stays.
    let failed: Result<(), Oops> = db.write_blocking(|tx| {
        insert(tx, "rolled-back")?;
        Err(Oops::GiveUp)
    });
    assert!(matches!(failed, Err(Oops::GiveUp)));
    assert!(slugs(&app).is_empty());

    // A failing savepoint undoes its own writes only, at any depth.
    db.write_blocking(|tx| {
        insert(tx, "outer")?;
        let inner: Result<(), Oops> = tx.savepoint(|tx| {
            insert(tx, "inner-undone")?;
            Err(Oops::GiveUp)
        });
        assert!(matches!(inner, Err(Oops::GiveUp)));
        tx.savepoint(|tx| {
            insert(tx, "inner-kept")?;
            let deeper: Result<(), Oops> = tx.savepoint(|tx| {
                insert(tx, "deeper-undone")?;
                Err(Oops::GiveUp)
            });
            assert!(deeper.is_err());
            tx.savepoint(|tx| insert(tx, "deeper-kept").map(drop))
        })?;
        Ok::<_, Oops>(())
    })
    .unwrap();
    assert_eq!(slugs(&app), ["deeper-kept", "inner-kept", "outer"]);

    // A unique violation inside a savepoint does not poison the outer unit (on
    // PostgreSQL an error aborts the transaction unless it is contained).
    db.write_blocking(|tx| {
        let clash: Result<(), Oops> = tx.savepoint(|tx| {
            diesel::sql_query(
                "INSERT INTO projects (slug, name, summary, kind, created_at, updated_at, currency) \
                 SELECT slug, name, summary, kind, created_at, updated_at, currency \
                 FROM projects WHERE slug = 'outer'",
            )
            .execute(&mut **tx)
            .map_err(|e| Oops::Db(e.into()))?;
            Ok(())
        });
        match clash {
            Err(Oops::Db(e)) => assert!(e.is_unique_violation(), "{e:?}"),
            other => panic!("expected a unique violation, got {other:?}"),
        }
        insert(tx, "after-clash")
    })
    .unwrap();
    assert!(slugs(&app).contains(&"after-clash".to_owned()));
}

#[tokio::test]
async fn insert_if_absent_reports_who_lost() {
    let app = spawn_app().await;
    let db = db(&app, 2);
    assert!(db.write_blocking(|tx| insert(tx, "once")).unwrap());
    assert!(!db.write_blocking(|tx| insert(tx, "once")).unwrap());
    assert_eq!(slugs(&app), ["once"]);
}

/// Two threads each add 1 to a number stored in a row, many times, reading it and
/// writing it back in one unit that locks the row first. Without the lock, READ
/// COMMITTED on PostgreSQL loses updates; with it, both backends count every one.
#[tokio::test]
async fn a_row_lock_keeps_read_then_write_from_losing_updates() {
    let app = spawn_app().await;
    let user = app.user().await;
    let id = user.id;
    let set_name = move |conn: &mut openfund::db::AnyConnection, n: i64| {
        diesel::update(users::table.find(id))
            .set(users::display_name.eq(n.to_string()))
            .execute(conn)
    };
    set_name(&mut app.conn(), 0).unwrap();

    const THREADS: usize = 2;
    const ROUNDS: usize = 25;
    let db = db(&app, THREADS as u32);
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (db, start) = (db.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..ROUNDS {
                    db.write_blocking(|tx| {
                        assert!(tx.lock(RowLock::User(UserId(id)))?);
                        let name: String = users::table
                            .find(id)
                            .select(users::display_name)
                            .first(&mut **tx)
                            .map_err(DbError::from)?;
                        // Give the other thread every chance to read the same value.
                        std::thread::sleep(std::time::Duration::from_millis(2));
                        let n: i64 = name.parse().unwrap();
                        set_name(tx, n + 1).map_err(DbError::from)?;
                        Ok::<_, DbError>(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let name: String = users::table
        .find(id)
        .select(users::display_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(name, (THREADS * ROUNDS).to_string());
}
