//! Fixed-window rate-limit counters in the database, shared by every instance that
//! uses it (PostgreSQL deployments run several).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::db::AnyConnection;
use crate::db::schema::rate_limits;

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = Integer)]
    hits: i32,
    #[diesel(sql_type = Timestamp)]
    window_start: NaiveDateTime,
}

/// Counts one hit against `key`; a window older than `window_opened_after` starts over.
/// Returns the hits in the current window and when it started. One statement, so
/// concurrent hits from several instances are all counted.
pub fn hit(
    conn: &mut AnyConnection,
    key: &str,
    now: NaiveDateTime,
    window_opened_after: NaiveDateTime,
) -> QueryResult<(i32, NaiveDateTime)> {
    // Both backends accept this upsert; `$n` in order of first appearance (SQLite
    // numbers them that way).
    let c = diesel::sql_query(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 \
                               ELSE rate_limits.window_start END \
         RETURNING hits, window_start",
    )
    .bind::<Text, _>(key)
    .bind::<Timestamp, _>(now)
    .bind::<Timestamp, _>(window_opened_after)
    .get_result::<Counter>(conn)?;
    Ok((c.hits, c.window_start))
}

/// The hits of `key`'s current window and when it started, if the window is open.
pub fn peek(
    conn: &mut AnyConnection,
    key: &str,
    window_opened_after: NaiveDateTime,
) -> QueryResult<Option<(i32, NaiveDateTime)>> {
    rate_limits::table
        .find(key)
        .filter(rate_limits::window_start.gt(window_opened_after))
        .select((rate_limits::hits, rate_limits::window_start))
        .first(conn)
        .optional()
}

/// Deletes windows opened before `before`.
pub fn purge(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(before))).execute(conn)
}
