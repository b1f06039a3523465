//! The durable job queue. Jobs are enqueued inside the caller's transaction and
//! claimed one at a time: `FOR UPDATE SKIP LOCKED` on PostgreSQL, and on SQLite the
//! claim runs in an IMMEDIATE transaction, which admits one writer at a time.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::AnyConnection;
use crate::db::schema::jobs;

pub const SEND_MAIL: &str = "send_mail";

pub struct JobSpec {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
}

impl JobSpec {
    pub fn send_mail(outbox_id: i64) -> Self {
        JobSpec {
            kind: SEND_MAIL,
            payload: serde_json::json!({ "outbox_id": outbox_id }),
            max_attempts: 10,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn enqueue(conn: &mut AnyConnection, job: &JobSpec, now: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(job.kind),
            jobs::payload.eq(job.payload.to_string()),
            jobs::state.eq("queued"),
            jobs::attempts.eq(0),
            jobs::max_attempts.eq(job.max_attempts),
            jobs::run_at.eq(now),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .returning(jobs::id)
        .get_result(conn)
}

const CLAIM_POSTGRES: &str = "UPDATE jobs SET state = 'running', locked_by = $1, locked_at = $2, \
     attempts = attempts + 1, updated_at = $2 \
     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $2 \
                 ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, payload, state, attempts, max_attempts, run_at, locked_by, locked_at, \
               last_error, created_at, updated_at";

const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', locked_by = $1, locked_at = $2, \
     attempts = attempts + 1, updated_at = $2 \
     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $2 \
                 ORDER BY run_at, id LIMIT 1) \
     RETURNING id, kind, payload, state, attempts, max_attempts, run_at, locked_by, locked_at, \
               last_error, created_at, updated_at";

/// Takes the next due job for `worker`. Call inside a write transaction
/// (`db::write_tx`), which on SQLite makes the select-and-update atomic.
pub fn claim(
    conn: &mut AnyConnection,
    worker: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<JobRow>> {
    let sql = match conn {
        AnyConnection::Postgresql(_) => CLAIM_POSTGRES,
        AnyConnection::Sqlite(_) => CLAIM_SQLITE,
    };
    diesel::sql_query(sql)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(now)
        .get_result::<JobRow>(conn)
        .optional()
}

pub fn complete(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    // locked_by stays: which worker ran a job is worth keeping.
    diesel::update(jobs::table.find(id))
        .set((
            jobs::state.eq("done"),
            jobs::last_error.eq(None::<String>),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: back to the queue at `retry_at`, or `failed` for good.
pub fn fail(
    conn: &mut AnyConnection,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let state = if retry_at.is_some() {
        "queued"
    } else {
        "failed"
    };
    diesel::update(jobs::table.find(id))
        .set((
            jobs::state.eq(state),
            jobs::run_at.eq(retry_at.unwrap_or(now)),
            jobs::locked_by.eq(None::<String>),
            jobs::last_error.eq(error),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts back jobs whose worker vanished (locked before `stale_before`).
pub fn requeue_stale(
    conn: &mut AnyConnection,
    stale_before: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        jobs::table
            .filter(jobs::state.eq("running"))
            .filter(jobs::locked_at.lt(stale_before)),
    )
    .set((
        jobs::state.eq("queued"),
        jobs::locked_by.eq(None::<String>),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Re-queues a failed job now, with a fresh attempt budget.
pub fn retry(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(jobs::table.find(id).filter(jobs::state.eq("failed")))
        .set((
            jobs::state.eq("queued"),
            jobs::attempts.eq(0),
            jobs::run_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn list(
    conn: &mut AnyConnection,
    state: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<JobRow>, i64)> {
    let mut count = jobs::table.into_boxed();
    let mut rows = jobs::table.select(JobRow::as_select()).into_boxed();
    if let Some(state) = state {
        count = count.filter(jobs::state.eq(state.to_owned()));
        rows = rows.filter(jobs::state.eq(state.to_owned()));
    }
    let total = count.count().get_result(conn)?;
    let rows = rows
        .order(jobs::id.desc())
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    Ok((rows, total))
}

#[derive(QueryableByName)]
struct StateCount {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Number of jobs per state.
pub fn counts(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i64)>> {
    Ok(diesel::sql_query(
        "SELECT state, CAST(COUNT(*) AS BIGINT) AS n FROM jobs GROUP BY state ORDER BY state",
    )
    .load::<StateCount>(conn)?
    .into_iter()
    .map(|c| (c.state, c.n))
    .collect())
}
