//! The worker: `concurrency` slots each claim a due job, run it while renewing its
//! lease (a heartbeat in `jobs.locked_at`), and record the outcome only if this worker
//! still owns the job. A job whose worker stopped beating is taken back after one
//! lease by whichever worker sweeps first, and counts the attempt it crashed.
//!
//! Idle slots sleep until woken: by a unit of work of this process that queued a job,
//! by PostgreSQL `NOTIFY` from any instance (a dedicated `LISTEN` connection), or, as a
//! fallback, by the poll interval. An idle check is a plain read, so on SQLite it never
//! takes the write lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use diesel::{Connection, PgConnection};
use tokio::sync::{Notify, watch};
use tracing::Instrument;

use super::kinds::{
    CreateInstalments, DeliverPendingMail, ExpireCompute, ExpireGoals, Purge, ScheduleSyncs,
};
use super::{Backoff, JobContext, Outcome, registry};
use crate::db::{self, DatabaseUrl, DbError, tx::JOBS_CHANNEL};
use crate::store::jobs as store;

/// How a worker runs jobs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// Longest an idle slot sleeps before looking again, when nothing wakes it.
    pub poll: Duration,
    /// A running job whose heartbeat is older than this is taken back.
    pub lease: Duration,
    pub backoff: Backoff,
}

/// One worker: its slots, its lease sweeper and (on PostgreSQL) its `LISTEN`
/// connection. Cheap to clone; every clone is the same worker (one id).
#[derive(Clone)]
pub struct Worker {
    ctx: JobContext,
    settings: WorkerSettings,
    id: Arc<str>,
    wake: Arc<Notify>,
}

impl Worker {
    pub fn new(ctx: JobContext, settings: WorkerSettings) -> Self {
        let id = format!(
            "worker-{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let wake = ctx.db.job_wakeup();
        Worker {
            ctx,
            settings,
            id: id.into(),
            wake,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `shutdown` turns true; each slot finishes the job in hand first.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        tracing::info!(
            worker = %self.id,
            concurrency = self.settings.concurrency,
            smtp = self.ctx.mailer.is_configured(),
            "job worker started"
        );
        if let Err(e) = self.schedule_recurring().await {
            tracing::warn!(error = %e, "could not schedule the recurring jobs");
        }
        let listening = Arc::new(AtomicBool::new(true));
        let listener = match self.ctx.db.url() {
            DatabaseUrl::Postgres(url) => Some(spawn_listener(
                url.clone(),
                self.wake.clone(),
                listening.clone(),
            )),
            DatabaseUrl::Sqlite(_) => None,
        };
        let mut tasks = Vec::new();
        for slot in 0..self.settings.concurrency.max(1) {
            let worker = self.clone();
            let stop = shutdown.clone();
            tasks.push(tokio::spawn(async move { worker.slot(slot, stop).await }));
        }
        let sweeper = {
            let worker = self.clone();
            let stop = shutdown.clone();
            tokio::spawn(async move { worker.sweep_stale(stop).await })
        };
        for task in tasks {
            let _ = task.await;
        }
        sweeper.abort();
        listening.store(false, Ordering::Relaxed);
        if let Some(handle) = listener {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }

    /// Queues the recurring jobs unless they already are (their unique keys make this
    /// safe with any number of workers).
    async fn schedule_recurring(&self) -> Result<(), DbError> {
        let smtp = self.ctx.mailer.is_configured();
        self.ctx
            .db
            .write(move |tx| {
                let now = db::now();
                super::enqueue(tx, &Purge, now)?;
                super::enqueue(tx, &CreateInstalments, now)?;
                super::enqueue(tx, &ExpireGoals, now)?;
                super::enqueue(tx, &ExpireCompute, now)?;
                super::enqueue(tx, &ScheduleSyncs, now)?;
                if smtp {
                    // Mail queued while no SMTP server was configured goes out now, even
                    // if an earlier worker left the next run of this job minutes away.
                    super::enqueue_or_bring_forward(tx, &DeliverPendingMail, now)?;
                }
                Ok::<_, DbError>(())
            })
            .await
    }

    async fn slot(&self, slot: usize, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            match self.run_one().await {
                Ok(true) => {
                    // More may be due: pass the wake-up on to an idle slot.
                    self.wake.notify_one();
                    continue;
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(worker = %self.id, slot, error = %e, "could not claim a job")
                }
            }
            let nap = self.idle_nap().await;
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(nap) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// How long an idle slot may sleep: until the next queued job falls due, at most
    /// the poll interval (PostgreSQL, where NOTIFY wakes us, sleeps longer).
    async fn idle_nap(&self) -> Duration {
        let cap = match self.ctx.db.url() {
            DatabaseUrl::Postgres(_) => self.settings.poll.max(Duration::from_secs(30)),
            DatabaseUrl::Sqlite(_) => self.settings.poll,
        };
        let next = self
            .ctx
            .db
            .read(|conn| Ok::<_, DbError>(store::next_run_at(conn)?))
            .await;
        match next {
            Ok(Some(at)) => (at - db::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(Duration::from_millis(10), cap),
            _ => cap,
        }
    }

    /// Claims and runs one due job; returns whether there was one.
    pub async fn run_one(&self) -> Result<bool, DbError> {
        let due = self
            .ctx
            .db
            .read(|conn| Ok::<_, DbError>(store::any_due(conn, db::now())?))
            .await?;
        if !due {
            return Ok(false);
        }
        let worker = self.id.clone();
        let Some(job) = self
            .ctx
            .db
            .write(move |tx| Ok::<_, DbError>(store::claim(tx, &worker, db::now())?))
            .await?
        else {
            return Ok(false);
        };
        let span =
            tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
        self.run_claimed(job).instrument(span).await?;
        Ok(true)
    }

    async fn run_claimed(&self, job: store::JobRow) -> Result<(), DbError> {
        let Some(outcome) = self.run_with_heartbeat(&job).await else {
            tracing::warn!(
                "lost the job's lease (another worker took it over); its outcome is dropped"
            );
            return Ok(());
        };
        let Outcome {
            result,
            deferred,
            retry_after,
            repeat_after,
        } = outcome;
        let worker = self.id.clone();
        let still_owned = match result {
            Ok(()) => {
                let owned = self
                    .ctx
                    .db
                    .write(move |tx| {
                        let now = db::now();
                        if !store::complete(tx, job.id, &worker, now)? {
                            return Ok::<_, DbError>(false);
                        }
                        if let Some(after) = repeat_after {
                            let run_at =
                                now + chrono::Duration::from_std(after).unwrap_or_default();
                            store::enqueue(
                                tx,
                                &store::NewJob {
                                    kind: &job.kind,
                                    payload: &job.payload,
                                    unique_key: job.unique_key.as_deref(),
                                    max_attempts: job.max_attempts,
                                    run_at,
                                },
                                now,
                            )?;
                        }
                        Ok(true)
                    })
                    .await?;
                if owned {
                    tracing::info!("job done");
                }
                owned
            }
            Err(e) if deferred => {
                let message = e.to_string();
                tracing::info!(reason = %message, run_in = ?retry_after, "job deferred");
                let after = retry_after.unwrap_or_default();
                self.ctx
                    .db
                    .write(move |tx| {
                        let now = db::now();
                        let run_at = now + chrono::Duration::from_std(after).unwrap_or_default();
                        Ok::<_, DbError>(store::defer(tx, job.id, &worker, &message, run_at, now)?)
                    })
                    .await?
            }
            Err(e) => {
                let message = e.to_string();
                match retry_after {
                    Some(after) => {
                        tracing::warn!(error = %message, retry_in = ?after, "job failed; will retry")
                    }
                    None => tracing::error!(error = %message, "job failed for good"),
                }
                self.ctx
                    .db
                    .write(move |tx| {
                        let now = db::now();
                        let retry_at = retry_after
                            .map(|d| now + chrono::Duration::from_std(d).unwrap_or_default());
                        Ok::<_, DbError>(store::fail(tx, job.id, &worker, &message, retry_at, now)?)
                    })
                    .await?
            }
        };
        if !still_owned {
            tracing::warn!(
                "the job was taken back from this worker before it finished; another worker owns it now"
            );
        }
        Ok(())
    }

    /// Runs the job, renewing its lease every third of it; `None` when the lease was
    /// lost (the job's future is dropped: this worker must not act on it any more).
    async fn run_with_heartbeat(&self, job: &store::JobRow) -> Option<Outcome> {
        let work = registry(job, &self.ctx, &self.settings.backoff);
        tokio::pin!(work);
        let mut beat = tokio::time::interval(self.settings.lease / 3);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        beat.tick().await;
        loop {
            tokio::select! {
                outcome = &mut work => return Some(outcome),
                _ = beat.tick() => {
                    let (id, worker) = (job.id, self.id.clone());
                    let renewed = self
                        .ctx
                        .db
                        .read(move |conn| Ok::<_, DbError>(store::heartbeat(conn, id, &worker, db::now())?))
                        .await;
                    match renewed {
                        Ok(true) => {}
                        Ok(false) => return None,
                        // The database hiccuped: keep working, the next beat may land.
                        Err(e) => tracing::warn!(error = %e, "job heartbeat failed"),
                    }
                }
            }
        }
    }

    /// Every half lease, takes back jobs whose worker stopped beating.
    async fn sweep_stale(&self, mut shutdown: watch::Receiver<bool>) {
        let every = self.settings.lease / 2;
        while !*shutdown.borrow() {
            let lease = chrono::Duration::from_std(self.settings.lease).unwrap_or_default();
            // Look first with a plain read: on SQLite a write would queue for the
            // database's one write lock every half lease even when nothing crashed.
            let stale = self
                .ctx
                .db
                .read(move |conn| Ok::<_, DbError>(store::any_stale(conn, db::now() - lease)?))
                .await;
            let swept = match stale {
                Ok(false) => Ok((0, 0)),
                Ok(true) => {
                    self.ctx
                        .db
                        .write(move |tx| {
                            let now = db::now();
                            Ok::<_, DbError>(store::reclaim_stale(tx, now - lease, now)?)
                        })
                        .await
                }
                Err(e) => Err(e),
            };
            match swept {
                Ok((0, 0)) => {}
                Ok((requeued, failed)) => {
                    tracing::warn!(requeued, failed, "took back jobs whose worker stopped");
                    self.wake.notify_one();
                }
                Err(e) => tracing::warn!(error = %e, "could not take back stale jobs"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// A thread holding a PostgreSQL connection that `LISTEN`s for queued jobs and wakes
/// the idle slots; it reconnects after errors until `running` turns false.
fn spawn_listener(
    url: String,
    wake: Arc<Notify>,
    running: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while running.load(Ordering::Relaxed) {
            let mut conn = match PgConnection::establish(&url) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "job listener could not connect; retrying");
                    std::thread::sleep(Duration::from_secs(1));
                    continue;
                }
            };
            if let Err(e) = diesel::sql_query(format!("LISTEN {JOBS_CHANNEL}")).execute(&mut conn) {
                tracing::warn!(error = %e, "LISTEN failed; retrying");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
            // Anything queued while we were not listening.
            wake.notify_waiters();
            'listening: while running.load(Ordering::Relaxed) {
                let mut woke = false;
                // Reads what the server already sent; no query reaches the database.
                for n in conn.notifications_iter() {
                    match n {
                        Ok(_) => woke = true,
                        Err(e) => {
                            tracing::warn!(error = %e, "job listener lost its connection");
                            break 'listening;
                        }
                    }
                }
                if woke {
                    wake.notify_waiters();
                    wake.notify_one();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    })
}
