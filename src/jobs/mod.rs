//! Background jobs. A job kind is a type implementing [`Job`]: a stable name, a serde
//! payload, an optional uniqueness key (one logical job is never queued twice), an
//! attempt budget and a retry policy. Jobs are queued inside the caller's unit of work
//! with [`enqueue`] and run by the [`worker::Worker`]; every kind is listed once, in
//! [`registry`], which is how the worker turns a stored row back into a typed job.
//!
//! Handlers must be idempotent: a job can run again after its worker died mid-way.

pub mod kinds;
pub mod worker;

use std::future::Future;
use std::time::Duration;

use chrono::NaiveDateTime;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::{Db, DbError, Tx};
use crate::domain::ids::JobId;
use crate::mail::{MailContext, Mailer};
use crate::store::jobs as store;

pub use worker::{Worker, WorkerSettings};

/// A kind of background work.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stored in `jobs.kind`; never rename a kind that may still be queued.
    const NAME: &'static str;
    /// Attempts before the job ends `failed` (each claim counts, even one that crashed).
    const MAX_ATTEMPTS: i32 = 10;

    /// Jobs of this kind with the same key are never queued or running twice at once.
    fn unique_key(&self) -> Option<String> {
        None
    }

    /// When a finished job of this kind should run again (a recurring job), if ever.
    fn repeat_every(&self) -> Option<Duration> {
        None
    }

    /// Delay before the next attempt after `attempts` failed ones.
    fn retry_delay(&self, attempts: i32, backoff: &Backoff) -> Duration {
        backoff.delay(attempts)
    }

    /// Does the work; `attempt` says which try this is.
    fn run(
        &self,
        ctx: &JobContext,
        attempt: Attempt,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// Which try of a job this is: 1 for the first (also the first after an admin put a
/// failed job back in the queue, which resets the count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub number: i32,
}

impl Attempt {
    pub fn is_first(self) -> bool {
        self.number <= 1
    }
}

/// Exponential backoff: `base · 2^(attempts−1)`, capped at `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    pub fn delay(&self, attempts: i32) -> Duration {
        let exp = attempts.saturating_sub(1).clamp(0, 30) as u32;
        self.base
            .saturating_mul(2u32.saturating_pow(exp))
            .min(self.max)
    }
}

/// What jobs can reach.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub mailer: Mailer,
    pub mail: MailContext,
    /// Undelivered mail older than this is given up on.
    pub mail_max_age: chrono::Duration,
    pub retention: Retention,
    /// The GitHub activity sync (its client and settings).
    pub sync: crate::app::sync::Syncer,
    /// How often each linked repository is synced.
    pub sync_interval: Duration,
}

/// How long finished work is kept before the purge job removes it.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Finished (done) jobs.
    pub jobs_done: chrono::Duration,
    /// Failed jobs (kept longer, for an admin to look at and retry).
    pub jobs_failed: chrono::Duration,
    /// Outbox metadata (recipient, subject, delivery state); bodies go at delivery.
    pub mail: chrono::Duration,
    /// Spent or expired refresh tokens, revoked sessions and sessions left without a
    /// refresh token, used or expired mail links. (A spent refresh token presented after
    /// this is refused as unknown, no longer as a replay that revokes its session.)
    pub credentials: chrono::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// Worth another attempt later (a remote service is down, a timeout).
    #[error("{0}")]
    Retry(String),
    /// No retry can fix it (a bad payload, a message past its deadline).
    #[error("{0}")]
    Permanent(String),
    /// Not a failure: the job saved its place and must run again after `after` (e.g.
    /// GitHub's rate limit resets then). Queued again without using an attempt.
    #[error("{reason}")]
    Later { after: Duration, reason: String },
}

impl From<diesel::result::Error> for JobError {
    fn from(e: diesel::result::Error) -> Self {
        JobError::Db(DbError::from(e))
    }
}

impl JobError {
    fn is_permanent(&self) -> bool {
        matches!(self, JobError::Permanent(_))
    }
}

/// Queues `job` to run now, in the caller's unit of work. `None` when the same logical
/// job (kind and [`Job::unique_key`]) is already queued or running.
pub fn enqueue<J: Job>(
    tx: &mut Tx<'_>,
    job: &J,
    now: NaiveDateTime,
) -> Result<Option<JobId>, DbError> {
    enqueue_at(tx, job, now, now)
}

/// Queues `job` to run now; when the same logical job is already queued for later,
/// moves it to now instead. A job without a [`Job::unique_key`] is simply queued.
pub fn enqueue_or_bring_forward<J: Job>(
    tx: &mut Tx<'_>,
    job: &J,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    if enqueue(tx, job, now)?.is_none()
        && let Some(key) = job.unique_key()
    {
        store::bring_forward(tx, J::NAME, &key, now)?;
    }
    Ok(())
}

/// Queues `job` to run at `run_at`.
pub fn enqueue_at<J: Job>(
    tx: &mut Tx<'_>,
    job: &J,
    run_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Option<JobId>, DbError> {
    let payload = serde_json::to_string(job)
        .map_err(|e| DbError::Task(format!("serialising a {} job: {e}", J::NAME)))?;
    let key = job.unique_key();
    store::enqueue(
        tx,
        &store::NewJob {
            kind: J::NAME,
            payload: &payload,
            unique_key: key.as_deref(),
            max_attempts: J::MAX_ATTEMPTS,
            run_at,
        },
        now,
    )
}

/// How a claimed job ended.
pub(crate) struct Outcome {
    pub result: Result<(), JobError>,
    /// The job asked to run again later ([`JobError::Later`]): not a failed attempt.
    pub deferred: bool,
    /// For a failure: when to try again (none: give up).
    pub retry_after: Option<Duration>,
    /// For a success of a recurring job: when to run it again.
    pub repeat_after: Option<Duration>,
}

async fn run_typed<J: Job>(row: &store::JobRow, ctx: &JobContext, backoff: &Backoff) -> Outcome {
    let job: J = match serde_json::from_str(&row.payload) {
        Ok(job) => job,
        Err(e) => {
            return Outcome {
                result: Err(JobError::Permanent(format!("bad {} payload: {e}", J::NAME))),
                deferred: false,
                retry_after: None,
                repeat_after: None,
            };
        }
    };
    let result = job
        .run(
            ctx,
            Attempt {
                number: row.attempts,
            },
        )
        .await;
    let deferred = matches!(result, Err(JobError::Later { .. }));
    let retry_after = match &result {
        Err(JobError::Later { after, .. }) => Some(*after),
        Err(e) if !e.is_permanent() && row.attempts < row.max_attempts => {
            Some(job.retry_delay(row.attempts, backoff))
        }
        _ => None,
    };
    let repeat_after = result.as_ref().ok().and_then(|()| job.repeat_every());
    Outcome {
        result,
        deferred,
        retry_after,
        repeat_after,
    }
}

/// Every job kind, by name: the one place a stored `jobs.kind` becomes a type.
pub(crate) async fn registry(row: &store::JobRow, ctx: &JobContext, backoff: &Backoff) -> Outcome {
    use kinds::*;
    macro_rules! dispatch {
        ($($kind:ty),+ $(,)?) => {
            $(if row.kind == <$kind as Job>::NAME {
                return run_typed::<$kind>(row, ctx, backoff).await;
            })+
        };
    }
    dispatch!(
        SendMail,
        DeliverPendingMail,
        SendPasswordReset,
        ResendVerification,
        Purge,
        CreateInstalments,
        ExpireGoals,
        ExpireCompute,
        Notify,
        SyncRepository,
        ScheduleSyncs,
        ProcessWebhook,
    );
    Outcome {
        result: Err(JobError::Permanent(format!(
            "unknown job kind {:?}",
            row.kind
        ))),
        deferred: false,
        retry_after: None,
        repeat_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(3600),
        };
        assert_eq!(b.delay(1), Duration::from_secs(5));
        assert_eq!(b.delay(2), Duration::from_secs(10));
        assert_eq!(b.delay(4), Duration::from_secs(40));
        assert_eq!(b.delay(30), Duration::from_secs(3600));
        assert_eq!(b.delay(i32::MAX), Duration::from_secs(3600));
    }
}
