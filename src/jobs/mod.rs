//! The job worker: claims due jobs one at a time, runs their handler, and records the
//! outcome — done, retried later with exponential backoff, or failed for good after
//! `max_attempts`. Handlers are idempotent: a job may run again after a crash.

use std::time::{Duration, Instant};

use tokio::sync::watch;
use tracing::Instrument;

use crate::db::{self, AnyConnection, Db, DbError};
use crate::mail::{Delivery, Mailer};
use crate::store::{jobs, outbox};

/// Longest wait between two attempts of a job.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// A job running longer than this is assumed orphaned by a dead worker and re-queued.
pub const LEASE: Duration = Duration::from_secs(600);

/// Delay before attempt `attempts + 1`, after `attempts` failures: base · 2^(n−1), capped.
pub fn retry_delay(attempts: i32, base: Duration) -> Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 20) as u32;
    base.saturating_mul(2u32.saturating_pow(exp))
        .min(MAX_BACKOFF)
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("bad payload: {0}")]
    Payload(String),
    #[error("unknown job kind {0}")]
    UnknownKind(String),
    #[error("mail: {0}")]
    Mail(#[from] crate::mail::MailError),
}

impl From<diesel::result::Error> for JobError {
    fn from(e: diesel::result::Error) -> Self {
        JobError::Db(DbError::Query(e))
    }
}

impl JobError {
    /// Errors no retry can fix.
    fn is_permanent(&self) -> bool {
        matches!(self, JobError::Payload(_) | JobError::UnknownKind(_))
    }
}

#[derive(Clone)]
pub struct Worker {
    db: Db,
    mailer: Mailer,
    id: String,
    poll: Duration,
    backoff: Duration,
}

impl Worker {
    pub fn new(db: Db, mailer: Mailer, poll: Duration, backoff: Duration) -> Self {
        let id = format!(
            "worker-{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Worker {
            db,
            mailer,
            id,
            poll,
            backoff,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs jobs until `shutdown` turns true; finishes the job in hand first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, smtp = self.mailer.is_configured(), "job worker started");
        let mut last_sweep: Option<Instant> = None;
        while !*shutdown.borrow() {
            if last_sweep.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                last_sweep = Some(Instant::now());
                if let Err(e) = self.requeue_stale().await {
                    tracing::warn!(error = %e, "could not re-queue stale jobs");
                }
            }
            let idle = match self.run_one().await {
                Ok(ran) => !ran,
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "job worker could not claim a job");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.conn()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| DbError::Task(format!("worker task panicked: {e}")))?
    }

    async fn requeue_stale(&self) -> Result<(), DbError> {
        let n = self
            .blocking(|conn| {
                let now = db::now();
                let lease = chrono::Duration::from_std(LEASE).unwrap_or_default();
                db::write_tx(conn, |c| Ok(jobs::requeue_stale(c, now - lease, now)?))
            })
            .await?;
        if n > 0 {
            tracing::warn!(count = n, "re-queued jobs orphaned by a stopped worker");
        }
        Ok(())
    }

    /// Claims and runs one due job; returns whether there was one.
    pub async fn run_one(&self) -> Result<bool, DbError> {
        let worker = self.id.clone();
        let Some(job) = self
            .blocking(move |conn| db::write_tx(conn, |c| Ok(jobs::claim(c, &worker, db::now())?)))
            .await?
        else {
            return Ok(false);
        };
        let span =
            tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
        self.run_claimed(job).instrument(span).await?;
        Ok(true)
    }

    async fn run_claimed(&self, job: jobs::JobRow) -> Result<(), DbError> {
        let outcome = self.dispatch(&job).await;
        let now = db::now();
        match outcome {
            Ok(()) => {
                let id = job.id;
                self.blocking(move |conn| db::write_tx(conn, |c| Ok(jobs::complete(c, id, now)?)))
                    .await?;
                tracing::info!("job done");
            }
            Err(e) => {
                let retry_at = (!e.is_permanent() && job.attempts < job.max_attempts).then(|| {
                    now + chrono::Duration::from_std(retry_delay(job.attempts, self.backoff))
                        .unwrap_or_default()
                });
                match retry_at {
                    Some(at) => {
                        tracing::warn!(error = %e, retry_at = %at, "job failed; will retry")
                    }
                    None => tracing::error!(error = %e, "job failed for good"),
                }
                let (id, message) = (job.id, e.to_string());
                self.blocking(move |conn| {
                    db::write_tx(conn, |c| Ok(jobs::fail(c, id, &message, retry_at, now)?))
                })
                .await?;
            }
        }
        Ok(())
    }

    async fn dispatch(&self, job: &jobs::JobRow) -> Result<(), JobError> {
        let payload: serde_json::Value =
            serde_json::from_str(&job.payload).map_err(|e| JobError::Payload(e.to_string()))?;
        match job.kind.as_str() {
            jobs::SEND_MAIL => {
                let id = payload["outbox_id"]
                    .as_i64()
                    .ok_or_else(|| JobError::Payload("outbox_id missing".into()))?;
                self.send_mail(id).await
            }
            other => Err(JobError::UnknownKind(other.to_owned())),
        }
    }

    async fn send_mail(&self, outbox_id: i64) -> Result<(), JobError> {
        let Some(row) = self
            .blocking(move |conn| Ok(outbox::find(conn, outbox_id)?))
            .await?
        else {
            return Ok(());
        };
        if row.sent_at.is_some() {
            return Ok(());
        }
        match self.mailer.send(&row).await {
            Ok(Delivery::Sent) => {
                self.blocking(move |conn| Ok(outbox::mark_sent(conn, outbox_id, db::now())?))
                    .await?;
                tracing::info!(outbox_id, "mail sent");
                Ok(())
            }
            Ok(Delivery::NotConfigured) => {
                tracing::info!(
                    outbox_id,
                    to = %row.to_address,
                    subject = %row.subject,
                    "no SMTP server configured: the message stays in the outbox (`openfund outbox` lists it)"
                );
                Ok(())
            }
            Err(e) => {
                let message = e.to_string();
                self.blocking(move |conn| {
                    Ok(outbox::mark_failed_attempt(conn, outbox_id, &message)?)
                })
                .await?;
                Err(e.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(5);
        assert_eq!(retry_delay(1, base), Duration::from_secs(5));
        assert_eq!(retry_delay(2, base), Duration::from_secs(10));
        assert_eq!(retry_delay(4, base), Duration::from_secs(40));
        assert_eq!(retry_delay(30, base), MAX_BACKOFF);
    }
}
