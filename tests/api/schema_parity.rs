//! Both migration trees must yield the same tables and columns (name, type family,
//! nullability), indexes (columns in order, unique, partial) and foreign keys (columns,
//! target, `ON DELETE` action), so one `schema.rs` and one set of rules fit both
//! backends. Without PostgreSQL the comparison is reported as skipped, except under
//! `CI`, where it fails.

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

#[derive(QueryableByName)]
struct Index {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    #[diesel(sql_type = Integer)]
    partial: i32,
}

/// (table, columns in index order, unique, partial) of every index but primary keys;
/// unique constraints count as unique indexes (both backends enforce them with one).
type Indexes = BTreeSet<(String, String, bool, bool)>;

fn indexes(conn: &mut AnyConnection) -> Indexes {
    let query = match conn {
        AnyConnection::Sqlite(_) => {
            "SELECT m.name AS table_name,
                    (SELECT group_concat(name, ',') FROM
                       (SELECT ii.name AS name FROM pragma_index_info(il.name) ii
                        ORDER BY ii.seqno)) AS columns,
                    il.\"unique\" AS is_unique, il.partial AS partial
             FROM sqlite_master m, pragma_index_list(m.name) il
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
               AND m.name <> '__diesel_schema_migrations' AND il.origin <> 'pk'"
        }
        AnyConnection::Postgresql(_) => {
            "SELECT t.relname::text AS table_name,
                    string_agg(a.attname::text, ',' ORDER BY k.ord) AS columns,
                    CAST(i.indisunique AS INTEGER) AS is_unique,
                    CAST(i.indpred IS NOT NULL AS INTEGER) AS partial
             FROM pg_index i
             JOIN pg_class t ON t.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             WHERE n.nspname = 'public' AND NOT i.indisprimary
               AND t.relname <> '__diesel_schema_migrations'
             GROUP BY t.relname, i.indexrelid, i.indisunique, (i.indpred IS NOT NULL)"
        }
    };
    diesel::sql_query(query)
        .load::<Index>(conn)
        .expect("read indexes")
        .into_iter()
        .map(|i| (i.table_name, i.columns, i.is_unique != 0, i.partial != 0))
        .collect()
}

#[derive(QueryableByName)]
struct ForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    from_column: String,
    #[diesel(sql_type = Text)]
    target_table: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    target_column: Option<String>,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

/// (table, column, target table, target column, `ON DELETE` action) per column of
/// every foreign key.
type ForeignKeys = BTreeSet<(String, String, String, String, String)>;

fn foreign_keys(conn: &mut AnyConnection) -> ForeignKeys {
    let query = match conn {
        AnyConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, f.\"from\" AS from_column,
                    f.\"table\" AS target_table, f.\"to\" AS target_column,
                    f.on_delete AS on_delete
             FROM sqlite_master m, pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        AnyConnection::Postgresql(_) => {
            "SELECT cl.relname::text AS table_name, a.attname::text AS from_column,
                    rt.relname::text AS target_table, ra.attname::text AS target_column,
                    CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
                      WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
                      ELSE 'SET DEFAULT' END AS on_delete
             FROM pg_constraint c
             JOIN pg_class cl ON cl.oid = c.conrelid
             JOIN pg_namespace n ON n.oid = cl.relnamespace
             JOIN pg_class rt ON rt.oid = c.confrelid
             CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(fk, pk)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.fk
             JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.pk
             WHERE c.contype = 'f' AND n.nspname = 'public'"
        }
    };
    diesel::sql_query(query)
        .load::<ForeignKey>(conn)
        .expect("read foreign keys")
        .into_iter()
        .map(|f| {
            (
                f.table_name,
                f.from_column,
                f.target_table,
                // SQLite leaves the target column out when it is the primary key.
                f.target_column.unwrap_or_else(|| "id".to_owned()),
                f.on_delete,
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

    let (si, pi) = (indexes(&mut sqlite), indexes(&mut pg));
    assert!(
        si.iter().any(|i| i.2) && si.iter().any(|i| i.3),
        "expected unique and partial indexes, found {si:?}"
    );
    assert_eq!(si, pi, "indexes differ (left SQLite, right PostgreSQL)");

    let (sf, pf) = (foreign_keys(&mut sqlite), foreign_keys(&mut pg));
    assert!(!sf.is_empty(), "no foreign keys found");
    assert_eq!(
        sf, pf,
        "foreign keys differ (left SQLite, right PostgreSQL)"
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
    let before = (
        shape(&mut conn),
        indexes(&mut conn),
        foreign_keys(&mut conn),
    );
    let reverted = match &mut conn {
        AnyConnection::Sqlite(c) => c.revert_all_migrations(openfund::db::SQLITE_MIGRATIONS),
        AnyConnection::Postgresql(c) => c.revert_all_migrations(openfund::db::POSTGRES_MIGRATIONS),
    }
    .unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert!(shape(&mut conn).is_empty(), "down.sql left tables behind");
    db::run_migrations(&mut conn).unwrap();
    assert_eq!(
        (
            shape(&mut conn),
            indexes(&mut conn),
            foreign_keys(&mut conn)
        ),
        before
    );
}
