//! Both migration trees must yield the same tables and columns (name, type family,
//! nullability), so one `schema.rs` fits both backends.

use std::collections::BTreeSet;

use diesel::sql_types::{Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};
use openfund::db::{self, AnyConnection, DatabaseUrl};

use crate::helpers::{TestDatabase, postgres_available_or_skip};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
}

type Shape = BTreeSet<(String, String, &'static str, bool)>;

fn family(data_type: &str) -> &'static str {
    let t = data_type.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.contains("timestamp") {
        "timestamp"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("char") || t == "text" {
        "text"
    } else if t.contains("bytea") || t.contains("blob") {
        "binary"
    } else {
        "other"
    }
}

fn shape(conn: &mut AnyConnection) -> Shape {
    let query = match conn {
        AnyConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type,
                    CAST(p.\"notnull\" OR p.pk AS INTEGER) AS not_null
             FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
               AND m.name <> '__diesel_schema_migrations'"
        }
        AnyConnection::Postgresql(_) => {
            "SELECT table_name::text, column_name::text, data_type::text,
                    CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(query)
        .load::<Column>(conn)
        .expect("read schema")
        .into_iter()
        .map(|c| {
            (
                c.table_name,
                c.column_name,
                family(&c.data_type),
                c.not_null != 0,
            )
        })
        .collect()
}

#[test]
fn sqlite_and_postgres_trees_yield_the_same_tables_and_columns() {
    if !postgres_available_or_skip() {
        return;
    }
    let (_sqlite_db, sqlite_url) = TestDatabase::create(openfund::db::Backend::Sqlite);
    let (_pg_db, pg_url) = TestDatabase::create(openfund::db::Backend::Postgres);

    let mut sqlite = db::establish(&sqlite_url).unwrap();
    let mut pg = db::establish(&pg_url).unwrap();
    db::run_migrations(&mut sqlite).unwrap();
    db::run_migrations(&mut pg).unwrap();

    let (s, p) = (shape(&mut sqlite), shape(&mut pg));
    assert!(!s.is_empty(), "no tables found");
    assert!(
        s.iter().all(|c| c.2 != "other"),
        "unclassified SQLite type in {s:?}"
    );
    assert_eq!(
        s, p,
        "migration trees differ (left SQLite, right PostgreSQL)"
    );
    assert!(matches!(sqlite_url, DatabaseUrl::Sqlite(_)));
}

#[test]
fn migrations_run_down_and_up_again_on_this_backend() {
    use diesel_migrations::MigrationHarness;
    let backend = crate::helpers::backend();
    if backend == openfund::db::Backend::Postgres && !postgres_available_or_skip() {
        return;
    }
    let (_db, url) = TestDatabase::create(backend);
    let mut conn = db::establish(&url).unwrap();
    let applied = db::run_migrations(&mut conn).unwrap();
    assert!(!applied.is_empty());
    let before = shape(&mut conn);
    let reverted = match &mut conn {
        AnyConnection::Sqlite(c) => c.revert_all_migrations(openfund::db::SQLITE_MIGRATIONS),
        AnyConnection::Postgresql(c) => c.revert_all_migrations(openfund::db::POSTGRES_MIGRATIONS),
    }
    .unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert!(shape(&mut conn).is_empty(), "down.sql left tables behind");
    db::run_migrations(&mut conn).unwrap();
    assert_eq!(shape(&mut conn), before);
}
