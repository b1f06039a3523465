//! The durable job queue's table. Jobs are enqueued inside the caller's unit of work;
//! workers claim due jobs (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the claim
//! runs in an IMMEDIATE transaction, which admits one writer at a time), keep a
//! heartbeat in `locked_at` while running, and finish only jobs they still own.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use crate::db::schema::jobs;
use crate::db::{AnyConnection, DbError, Tx};
use crate::domain::ids::JobId;

crate::text_enum! {
    /// Where a job is in its life (`jobs.state`).
    #[derive(utoipa::ToSchema)]
    pub enum JobState {
        /// Waiting for `run_at`, or for a free worker.
        Queued = "queued",
        /// Claimed by a worker whose heartbeat is in `locked_at`.
        Running = "running",
        /// Finished.
        Done = "done",
        /// Gave up: a permanent error, or `max_attempts` spent.
        Failed = "failed",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub unique_key: Option<String>,
}

/// The job, if `$worker` still owns it (running, and locked by it).
macro_rules! owned {
    ($id:expr, $worker:expr) => {
        jobs::table
            .find($id)
            .filter(jobs::locked_by.eq($worker))
            .filter(jobs::state.eq(JobState::Running))
    };
}

/// A job about to be queued.
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: &'a str,
    pub unique_key: Option<&'a str>,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: JobId,
}

/// Queues a job in the caller's unit of work; `None` when a job of the same kind and
/// unique key is already queued or running (one logical job is never queued twice).
pub fn enqueue(
    tx: &mut Tx<'_>,
    job: &NewJob<'_>,
    now: NaiveDateTime,
) -> Result<Option<JobId>, DbError> {
    // The same statement on both backends: each accepts an ON CONFLICT target with the
    // partial index's predicate.
    let id = diesel::sql_query(
        "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at, created_at, \
                           updated_at, unique_key) \
         VALUES ($1, $2, 'queued', 0, $3, $4, $5, $5, $6) \
         ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND state IN ('queued', 'running') \
         DO NOTHING RETURNING id",
    )
    .bind::<Text, _>(job.kind)
    .bind::<Text, _>(job.payload)
    .bind::<Integer, _>(job.max_attempts)
    .bind::<Timestamp, _>(job.run_at)
    .bind::<Timestamp, _>(now)
    .bind::<Nullable<Text>, _>(job.unique_key)
    .get_result::<Id>(&mut **tx)
    .optional()?
    .map(|r| r.id);
    if id.is_some() {
        tx.note_job_enqueued();
    }
    Ok(id)
}

/// Is any job due? A plain read, so an idle SQLite worker never takes the write lock.
pub fn any_due(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        jobs::table
            .filter(jobs::state.eq(JobState::Queued))
            .filter(jobs::run_at.le(now)),
    ))
    .get_result(conn)
}

/// When the next queued job falls due, if any is queued.
pub fn next_run_at(conn: &mut AnyConnection) -> QueryResult<Option<NaiveDateTime>> {
    jobs::table
        .filter(jobs::state.eq(JobState::Queued))
        .select(diesel::dsl::min(jobs::run_at))
        .first(conn)
}

const CLAIM: &str = "UPDATE jobs SET state = 'running', locked_by = $1, locked_at = $2, \
     attempts = attempts + 1, updated_at = $2 \
     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $2 \
                 ORDER BY run_at, id LIMIT 1 {lock}) \
     RETURNING id, kind, payload, state, attempts, max_attempts, run_at, locked_by, locked_at, \
               last_error, created_at, updated_at, unique_key";

/// Takes the next due job for `worker`, counting the attempt at once (so a job that
/// kills its worker still uses up its attempts).
pub fn claim(tx: &mut Tx<'_>, worker: &str, now: NaiveDateTime) -> QueryResult<Option<JobRow>> {
    diesel::sql_query(CLAIM.replace("{lock}", tx.skip_locked_clause()))
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(now)
        .get_result::<JobRow>(&mut **tx)
        .optional()
}

/// Renews a running job's lease; false when this worker no longer owns it.
pub fn heartbeat(
    conn: &mut AnyConnection,
    id: JobId,
    worker: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(owned!(id, worker))
        .set(jobs::locked_at.eq(now))
        .execute(conn)?;
    Ok(n == 1)
}

/// Marks a job done, if `worker` still owns it; returns whether it did.
pub fn complete(
    conn: &mut AnyConnection,
    id: JobId,
    worker: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    // locked_by stays: which worker ran a job is worth keeping.
    let n = diesel::update(owned!(id, worker))
        .set((
            jobs::state.eq(JobState::Done),
            jobs::last_error.eq(None::<String>),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt, if `worker` still owns the job: back to the queue at
/// `retry_at`, or `failed` for good. Returns whether it did.
pub fn fail(
    conn: &mut AnyConnection,
    id: JobId,
    worker: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let state = if retry_at.is_some() {
        JobState::Queued
    } else {
        JobState::Failed
    };
    let n = diesel::update(owned!(id, worker))
        .set((
            jobs::state.eq(state),
            jobs::run_at.eq(retry_at.unwrap_or(now)),
            jobs::locked_by.eq(None::<String>),
            jobs::last_error.eq(error),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Puts running job `id` (if `worker` still owns it) back in the queue for `run_at`
/// without counting the attempt: the job asked to run later ([`crate::jobs::JobError::Later`]).
pub fn defer(
    conn: &mut AnyConnection,
    id: JobId,
    worker: &str,
    reason: &str,
    run_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(owned!(id, worker))
        .set((
            jobs::state.eq(JobState::Queued),
            jobs::run_at.eq(run_at),
            jobs::attempts.eq(jobs::attempts - 1),
            jobs::locked_by.eq(None::<String>),
            jobs::last_error.eq(reason),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Is any running job's heartbeat older than `stale_before`? A plain read, so that an
/// idle SQLite worker looks for crashed work without taking the write lock.
pub fn any_stale(conn: &mut AnyConnection, stale_before: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        jobs::table
            .filter(jobs::state.eq(JobState::Running))
            .filter(jobs::locked_at.lt(stale_before)),
    ))
    .get_result(conn)
}

/// Takes back jobs whose worker stopped beating before `stale_before`: re-queued, or
/// `failed` once their attempts are spent (a job that keeps killing its worker ends
/// there). Returns `(requeued, failed)`.
pub fn reclaim_stale(
    conn: &mut AnyConnection,
    stale_before: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<(usize, usize)> {
    let stale = jobs::table
        .filter(jobs::state.eq(JobState::Running))
        .filter(jobs::locked_at.lt(stale_before));
    let failed = diesel::update(stale.filter(jobs::attempts.ge(jobs::max_attempts)))
        .set((
            jobs::state.eq(JobState::Failed),
            jobs::locked_by.eq(None::<String>),
            jobs::last_error.eq("the worker running it stopped, and no attempts are left"),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    let requeued = diesel::update(stale)
        .set((
            jobs::state.eq(JobState::Queued),
            jobs::locked_by.eq(None::<String>),
            jobs::run_at.eq(now),
            jobs::last_error.eq("the worker running it stopped"),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok((requeued, failed))
}

// SQLite numbers `$n` parameters in order of first appearance: keep them in order.
const RETRY: &str = "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1, \
     locked_by = NULL \
     WHERE id = $2 AND state = 'failed' AND NOT EXISTS ( \
         SELECT 1 FROM jobs AS live WHERE live.kind = jobs.kind AND live.unique_key = jobs.unique_key \
         AND live.state IN ('queued', 'running'))";

/// Re-queues a failed job now with a fresh attempt budget, unless the same logical
/// job is already queued again, and wakes the workers when the unit commits (on
/// PostgreSQL through `NOTIFY`, so a worker in another process starts it at once).
/// Returns whether it did.
pub fn retry(tx: &mut Tx<'_>, id: JobId, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::sql_query(RETRY)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(id)
        .execute(&mut **tx)?;
    if n == 1 {
        tx.note_job_enqueued();
    }
    Ok(n == 1)
}

/// Moves the queued job of `kind` and `unique_key` forward to `now` if it was due
/// later (e.g. a recurring job whose next run is hours away, which a starting worker
/// needs now), and wakes the workers. Returns whether it moved one.
pub fn bring_forward(
    tx: &mut Tx<'_>,
    kind: &str,
    unique_key: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(jobs::unique_key.eq(unique_key))
            .filter(jobs::state.eq(JobState::Queued))
            .filter(jobs::run_at.gt(now)),
    )
    .set((jobs::run_at.eq(now), jobs::updated_at.eq(now)))
    .execute(&mut **tx)?;
    if n > 0 {
        tx.note_job_enqueued();
    }
    Ok(n > 0)
}

/// Ids of the failed jobs of one kind, oldest first.
pub fn failed_of_kind(conn: &mut AnyConnection, kind: &str) -> QueryResult<Vec<JobId>> {
    jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::state.eq(JobState::Failed))
        .order(jobs::id.asc())
        .select(jobs::id)
        .load(conn)
}

pub fn find(conn: &mut AnyConnection, id: JobId) -> QueryResult<Option<JobRow>> {
    jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

/// Newest first, `limit` rows with ids below `before_id`.
pub fn list(
    conn: &mut AnyConnection,
    state: Option<JobState>,
    kind: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    let mut rows = jobs::table.select(JobRow::as_select()).into_boxed();
    if let Some(state) = state {
        rows = rows.filter(jobs::state.eq(state));
    }
    if let Some(kind) = kind {
        rows = rows.filter(jobs::kind.eq(kind.to_owned()));
    }
    if let Some(before) = before_id {
        rows = rows.filter(jobs::id.lt(JobId(before)));
    }
    rows.order(jobs::id.desc()).limit(limit).load(conn)
}

#[derive(QueryableByName)]
struct StateCount {
    #[diesel(sql_type = Text)]
    state: JobState,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Number of jobs per state.
pub fn counts(conn: &mut AnyConnection) -> QueryResult<Vec<(JobState, i64)>> {
    Ok(diesel::sql_query(
        "SELECT state, CAST(COUNT(*) AS BIGINT) AS n FROM jobs GROUP BY state ORDER BY state",
    )
    .load::<StateCount>(conn)?
    .into_iter()
    .map(|c| (c.state, c.n))
    .collect())
}

/// Deletes jobs done before `done_before` and failed before `failed_before`.
pub fn purge(
    conn: &mut AnyConnection,
    done_before: NaiveDateTime,
    failed_before: NaiveDateTime,
) -> QueryResult<usize> {
    let done = diesel::delete(
        jobs::table
            .filter(jobs::state.eq(JobState::Done))
            .filter(jobs::updated_at.lt(done_before)),
    )
    .execute(conn)?;
    let failed = diesel::delete(
        jobs::table
            .filter(jobs::state.eq(JobState::Failed))
            .filter(jobs::updated_at.lt(failed_before)),
    )
    .execute(conn)?;
    Ok(done + failed)
}

/// Deletes every queued (not yet running) job of `kind`; returns how many.
pub fn drop_queued_of_kind(conn: &mut AnyConnection, kind: &str) -> QueryResult<usize> {
    diesel::delete(
        jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(jobs::state.eq(JobState::Queued)),
    )
    .execute(conn)
}
