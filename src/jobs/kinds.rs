//! The job kinds. Each is listed once more in [`super::registry`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Attempt, Job, JobContext, JobError};
use crate::app;
use crate::db::{self, DbError};
use crate::domain::Email;
use crate::domain::ids::{OutboxId, PledgeId, RepositoryId, WebhookDeliveryId};
use crate::mail::Delivery;
use crate::store::{email_tokens, jobs, oauth_states, outbox, rate_limits, repositories, sessions};

/// Delivers one outbox message. Retried by age rather than by count: an SMTP outage
/// of days loses nothing, and a retry of a message older than `mail_max_age` is given
/// up on. A first attempt always tries (a worker that was down for days, or an admin
/// who put the failed job back in the queue, still gets the message out).
#[derive(Debug, Serialize, Deserialize)]
pub struct SendMail {
    pub outbox_id: OutboxId,
}

impl Job for SendMail {
    const NAME: &'static str = "send_mail";
    // The budget is the message's age (see `run`); this only bounds a runaway.
    const MAX_ATTEMPTS: i32 = 100_000;

    fn unique_key(&self) -> Option<String> {
        Some(self.outbox_id.to_string())
    }

    async fn run(&self, ctx: &JobContext, attempt: Attempt) -> Result<(), JobError> {
        let id = self.outbox_id;
        let Some(row) = ctx
            .db
            .read(move |conn| Ok::<_, DbError>(outbox::find(conn, id)?))
            .await?
        else {
            return Ok(());
        };
        if row.sent_at.is_some() || row.text_body.is_none() {
            // Already delivered, or its link expired and the body was removed.
            return Ok(());
        }
        let now = db::now();
        if row.purge_body_at.is_some_and(|at| at <= now) {
            // Its link no longer works: sending it would only confuse. The purge job
            // would drop the body within the hour; do it now.
            ctx.db
                .write(move |tx| Ok::<_, DbError>(outbox::drop_expired_body(tx, id, now)?))
                .await?;
            tracing::info!(outbox_id = %id, "not sent: its link expired before delivery");
            return Ok(());
        }
        let age = now - row.created_at;
        if !attempt.is_first() && age > ctx.mail_max_age {
            let why = format!(
                "gave up: not delivered within {} hours",
                ctx.mail_max_age.num_hours()
            );
            let message = why.clone();
            ctx.db
                .write(move |tx| Ok::<_, DbError>(outbox::mark_failed_attempt(tx, id, &message)?))
                .await?;
            return Err(JobError::Permanent(why));
        }
        match ctx.mailer.send(&row).await {
            Ok(Delivery::Sent) => {
                ctx.db
                    .write(move |tx| Ok::<_, DbError>(outbox::mark_sent(tx, id, db::now())?))
                    .await?;
                tracing::info!(outbox_id = %id, "mail sent");
                Ok(())
            }
            Ok(Delivery::NotConfigured) => {
                // Stays in the outbox; `DeliverPendingMail` sends it once SMTP is set.
                tracing::info!(
                    outbox_id = %id,
                    to = %row.to_address,
                    subject = %row.subject,
                    "no SMTP server configured: the message stays in the outbox (`openfund outbox` lists it)"
                );
                Ok(())
            }
            Err(e) => {
                let message = e.to_string();
                ctx.db
                    .write(move |tx| {
                        Ok::<_, DbError>(outbox::mark_failed_attempt(tx, id, &message)?)
                    })
                    .await?;
                if e.is_permanent() {
                    // The server refused this message for good (5xx: no such mailbox, a
                    // rejected sender): retrying for days would only annoy it. After a
                    // fix (e.g. credentials), an admin retries the failed `send_mail` jobs.
                    Err(JobError::Permanent(format!("mail: {e}")))
                } else {
                    Err(JobError::Retry(format!("mail: {e}")))
                }
            }
        }
    }
}

/// Hands every undelivered message that still has a body to a [`SendMail`] job: mail
/// queued while no SMTP server was configured goes out once one is. Messages past the
/// age limit or whose delivery failed for good are left alone (an admin retries the
/// failed `send_mail` jobs). Runs when a worker with SMTP starts, and every ten minutes.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeliverPendingMail;

impl Job for DeliverPendingMail {
    const NAME: &'static str = "deliver_pending_mail";

    fn unique_key(&self) -> Option<String> {
        Some(String::new())
    }

    fn repeat_every(&self) -> Option<Duration> {
        Some(Duration::from_secs(600))
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        if !ctx.mailer.is_configured() {
            return Ok(());
        }
        let max_age = ctx.mail_max_age;
        let queued = ctx
            .db
            .write(move |tx| {
                let now = db::now();
                let mut queued = 0;
                // Mail past the age limit, or whose delivery failed for good, is not
                // queued again (it would fail again, every ten minutes).
                for outbox_id in outbox::deliverable(tx, SendMail::NAME, now - max_age, 10_000)? {
                    // A message whose SendMail job is live is skipped (unique key).
                    if super::enqueue(tx, &SendMail { outbox_id }, now)?.is_some() {
                        queued += 1;
                    }
                }
                Ok::<_, DbError>(queued)
            })
            .await?;
        if queued > 0 {
            tracing::info!(queued, "queued delivery of mail waiting in the outbox");
        }
        Ok(())
    }
}

/// Sends a password-reset link if the address has an account. Queued by the request
/// handler, so the answer takes the same time whether or not the account exists.
#[derive(Debug, Serialize, Deserialize)]
pub struct SendPasswordReset {
    pub email: String,
}

impl Job for SendPasswordReset {
    const NAME: &'static str = "send_password_reset";

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        mail_link(ctx, &self.email, app::auth::send_password_reset).await
    }
}

/// Sends a new verification link if the address has an unverified account; queued by
/// the request handler like [`SendPasswordReset`].
#[derive(Debug, Serialize, Deserialize)]
pub struct ResendVerification {
    pub email: String,
}

impl Job for ResendVerification {
    const NAME: &'static str = "resend_verification";

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        mail_link(ctx, &self.email, app::auth::resend_verification).await
    }
}

/// Creates the monthly pledges' instalments that have fallen due (see
/// [`app::instalments`]): every running monthly pledge, a batch at a time, each in its
/// own unit of work. Idempotent; runs every hour, so an instalment exists within the
/// hour after midnight UTC of its due date (and every missed one after downtime).
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateInstalments;

impl Job for CreateInstalments {
    const NAME: &'static str = "create_instalments";

    fn unique_key(&self) -> Option<String> {
        Some(String::new())
    }

    fn repeat_every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        let created = each_pledge(ctx, app::instalments::running_monthly, |tx, id| {
            let now = db::now();
            Ok(app::instalments::create_due(tx, id, now.date(), now)?)
        })
        .await?;
        if created > 0 {
            tracing::info!(created, "instalments fell due");
        }
        Ok(())
    }
}

/// Marks open goals past their deadline `expired` (see [`app::goals::expire_due`]), in
/// one unit of work; running it twice changes nothing. Runs every hour.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExpireGoals;

impl Job for ExpireGoals {
    const NAME: &'static str = "expire_goals";

    fn unique_key(&self) -> Option<String> {
        Some(String::new())
    }

    fn repeat_every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        let expired = ctx
            .db
            .write(|tx| app::goals::expire_due(tx, db::now()))
            .await?;
        if expired > 0 {
            tracing::info!(expired, "goals passed their deadline");
        }
        Ok(())
    }
}

/// Mails the people concerned by a funding event (see [`app::notify`]): composes the
/// messages and writes them to the outbox in one unit of work. Queued in the unit of
/// work of the change itself; one job per event (its key), so an event is mailed once.
#[derive(Debug, Serialize, Deserialize)]
pub struct Notify {
    pub event: app::notify::FundingEvent,
}

impl Job for Notify {
    const NAME: &'static str = "notify";

    fn unique_key(&self) -> Option<String> {
        Some(self.event.key())
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        let event = self.event;
        let mail = ctx.mail.clone();
        let queued = ctx
            .db
            .write(move |tx| app::notify::deliver(tx, &mail, event, db::now()))
            .await?;
        tracing::debug!(queued, key = %event.key(), "funding event mailed");
        Ok(())
    }
}

/// Expires compute pledges whose delivery window has ended (see
/// [`app::compute::expire`]): each becomes `expired` and its undelivered rest lapses in
/// the ledger, each pledge in its own unit of work. Idempotent (an expired pledge is
/// never expired again); runs every hour.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExpireCompute;

impl Job for ExpireCompute {
    const NAME: &'static str = "expire_compute";

    fn unique_key(&self) -> Option<String> {
        Some(String::new())
    }

    fn repeat_every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        let now = db::now();
        let expired = each_pledge(
            ctx,
            move |conn, after, batch| app::compute::lapsing(conn, now, after, batch),
            move |tx, id| match app::compute::expire(tx, id, now) {
                Ok(lapsed) => Ok(usize::from(lapsed.is_some())),
                Err(app::compute::ComputeError::Db(d)) => Err(JobError::Db(d)),
                Err(other) => Err(JobError::Retry(other.to_string())),
            },
        )
        .await?;
        if expired > 0 {
            tracing::info!(expired, "compute pledges expired");
        }
        Ok(())
    }
}

/// Walks pledges a batch at a time, in id order: `page(conn, after, limit)` lists the
/// next ids, and `each(tx, id)` handles one pledge in its own unit of work, returning
/// how many things it changed. Returns the sum. What the periodic pledge jobs share.
async fn each_pledge<P, W>(ctx: &JobContext, page: P, each: W) -> Result<usize, JobError>
where
    P: Fn(&mut db::AnyConnection, Option<PledgeId>, i64) -> Result<Vec<PledgeId>, DbError>
        + Copy
        + Send
        + 'static,
    W: Fn(&mut db::Tx<'_>, PledgeId) -> Result<usize, JobError> + Copy + Send + 'static,
{
    const BATCH: i64 = 500;
    let mut after = None;
    let mut changed = 0;
    loop {
        let ids = ctx.db.read(move |conn| page(conn, after, BATCH)).await?;
        for &id in &ids {
            changed += ctx.db.write(move |tx| each(tx, id)).await?;
        }
        match ids.last() {
            Some(&last) if ids.len() as i64 == BATCH => after = Some(last),
            _ => return Ok(changed),
        }
    }
}

/// One of the app's "mail a link" use cases, for a stored address, in one unit of
/// work. The address was checked when queued; one that no longer parses is dropped.
/// Database failures are retried.
async fn mail_link(
    ctx: &JobContext,
    email: &str,
    send: fn(
        &mut db::Tx<'_>,
        &crate::mail::MailContext,
        &Email,
        chrono::NaiveDateTime,
    ) -> Result<(), app::auth::AuthError>,
) -> Result<(), JobError> {
    let Ok(email) = Email::parse("email", email) else {
        return Ok(());
    };
    let mail = ctx.mail.clone();
    ctx.db
        .write(move |tx| send(tx, &mail, &email, db::now()))
        .await
        .map_err(|e| JobError::Retry(e.to_string()))
}

/// Removes what is no longer needed, after the retention periods in
/// [`super::Retention`]: spent or expired refresh tokens, revoked sessions and sessions
/// with no refresh token left, used or expired mail links, expired OAuth states and
/// rate-limit windows, finished and failed jobs, old outbox rows, and the bodies of
/// undelivered mail whose link has expired. Runs every hour.
#[derive(Debug, Serialize, Deserialize)]
pub struct Purge;

impl Job for Purge {
    const NAME: &'static str = "purge";

    fn unique_key(&self) -> Option<String> {
        Some(String::new())
    }

    fn repeat_every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        let r = ctx.retention;
        let removed = ctx
            .db
            .write(move |tx| {
                let now = db::now();
                let counts = [
                    ("mail bodies", outbox::purge_expired_bodies(tx, now)?),
                    (
                        "refresh tokens and sessions",
                        sessions::purge(tx, now - r.credentials)?,
                    ),
                    ("mail links", email_tokens::purge(tx, now - r.credentials)?),
                    ("oauth states", oauth_states::purge_expired(tx, now)?),
                    // The longest rate-limit window is a day.
                    (
                        "rate-limit windows",
                        rate_limits::purge(tx, now - chrono::Duration::days(1))?,
                    ),
                    (
                        "jobs",
                        jobs::purge(tx, now - r.jobs_done, now - r.jobs_failed)?,
                    ),
                    ("outbox messages", outbox::purge(tx, now - r.mail)?),
                ];
                Ok::<_, DbError>(counts)
            })
            .await?;
        for (what, n) in removed {
            if n > 0 {
                tracing::info!(what, removed = n, "purged");
            }
        }
        Ok(())
    }
}

/// Syncs one linked repository's activity from GitHub ([`app::sync::sync_repository`]):
/// queued by `POST /api/v1/projects/{slug}/repositories/{owner}/{name}/sync` (see
/// [`app::repositories::request_sync`]) and by [`ScheduleSyncs`]. Its unique key is the
/// repository, so one repository is never queued or synced twice at once, however many
/// workers run.
///
/// A rate-limit wait longer than the client's inline wait ends the run with its place
/// saved and queues the job again for GitHub's reset ([`JobError::Later`], no attempt
/// used). Resources that failed with a server error or a timeout are retried with the
/// worker's backoff; a refusal (4xx: not found, no access) fails the job, and the
/// repository's status shows why until the next scheduled sync.
#[derive(Debug, Serialize, Deserialize)]
pub struct SyncRepository {
    pub repository_id: RepositoryId,
}

impl Job for SyncRepository {
    const NAME: &'static str = "sync_repository";
    const MAX_ATTEMPTS: i32 = 5;

    fn unique_key(&self) -> Option<String> {
        Some(self.repository_id.to_string())
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        use app::sync::{self, SyncOutcome};
        let outcome = sync::sync_repository(
            &ctx.sync,
            self.repository_id,
            sync::SyncOptions::default(),
            &sync::Quiet,
        )
        .await;
        match outcome {
            Ok(SyncOutcome::Done(summary)) if summary.errors.is_empty() => {
                tracing::info!(
                    repository = %self.repository_id,
                    items = summary.items(),
                    requests = summary.requests(),
                    "repository synced"
                );
                Ok(())
            }
            Ok(SyncOutcome::Done(summary)) => {
                let message = summary
                    .errors
                    .iter()
                    .map(|(r, e)| format!("{r}: {e}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                if summary.transient {
                    Err(JobError::Retry(message))
                } else {
                    Err(JobError::Permanent(message))
                }
            }
            Ok(SyncOutcome::Paused { until, .. }) => {
                let after =
                    (until - db::now()).to_std().unwrap_or_default() + Duration::from_secs(1);
                Err(JobError::Later {
                    after,
                    reason: format!("waiting for GitHub's rate limit until {until} UTC"),
                })
            }
            Ok(SyncOutcome::Skipped(why)) => {
                tracing::info!(repository = %self.repository_id, why, "sync skipped");
                Ok(())
            }
            Err(app::sync::SyncError::NotFound(_)) => Ok(()),
            Err(app::sync::SyncError::BadName(n)) => Err(JobError::Permanent(format!(
                "the stored name {n:?} is not a GitHub repository name"
            ))),
            Err(app::sync::SyncError::Db(e)) => Err(JobError::Db(e)),
        }
    }
}

/// Queues a [`SyncRepository`] for every linked repository of a live project whose last
/// sync started longer ago than `OPENFUND_GITHUB_SYNC_INTERVAL` (or never). Runs every
/// minute; a repository already queued or syncing is skipped (unique key), so this never
/// piles up work.
#[derive(Debug, Serialize, Deserialize)]
pub struct ScheduleSyncs;

impl Job for ScheduleSyncs {
    const NAME: &'static str = "schedule_syncs";

    fn unique_key(&self) -> Option<String> {
        Some(String::new())
    }

    fn repeat_every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        let interval = chrono::Duration::from_std(ctx.sync_interval)
            .unwrap_or_else(|_| chrono::Duration::hours(1));
        let queued = ctx
            .db
            .write(move |tx| {
                let now = db::now();
                let mut queued = 0;
                for id in repositories::due_for_sync(tx, now - interval)? {
                    let job = SyncRepository { repository_id: id };
                    if super::enqueue(tx, &job, now)?.is_some() {
                        queued += 1;
                    }
                }
                Ok::<_, DbError>(queued)
            })
            .await?;
        if queued > 0 {
            tracing::info!(queued, "scheduled repository syncs");
        }
        Ok(())
    }
}

/// Turns one stored webhook delivery into contributions (queued by
/// `POST /api/v1/webhooks/github`; see [`app::webhooks::record`] and
/// [`app::webhook_processing`]). Its unique key is the delivery, so a delivery is
/// queued once. Database failures are retried; a payload that is not what its event
/// says is recorded as the delivery's `error` and fails for good (no retry can fix it).
#[derive(Debug, Serialize, Deserialize)]
pub struct ProcessWebhook {
    pub delivery_id: WebhookDeliveryId,
}

impl Job for ProcessWebhook {
    const NAME: &'static str = "process_webhook";

    fn unique_key(&self) -> Option<String> {
        Some(self.delivery_id.to_string())
    }

    async fn run(&self, ctx: &JobContext, _: Attempt) -> Result<(), JobError> {
        use app::webhook_processing::{self as processing, ProcessError, Processed};
        let id = self.delivery_id;
        match processing::process(&ctx.db, id).await {
            Ok(Processed::Credited { outcome, skipped }) => {
                tracing::info!(
                    delivery_id = %id,
                    activities = outcome.activities,
                    inserted = outcome.inserted,
                    unattributed = outcome.unattributed,
                    skipped,
                    "webhook delivery processed"
                );
                Ok(())
            }
            Ok(Processed::NotCounted(why)) => {
                tracing::info!(delivery_id = %id, why, "webhook delivery credits nothing");
                Ok(())
            }
            Ok(Processed::Missing | Processed::AlreadyProcessed) => Ok(()),
            Err(ProcessError::Malformed(e)) => {
                processing::record_malformed(&ctx.db, id, &e).await?;
                Err(JobError::Permanent(e.to_string()))
            }
            Err(ProcessError::Db(e)) => Err(e.into()),
        }
    }
}
