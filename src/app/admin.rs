//! What an operator needs: jobs (failed ones above all, retried one at a time or a
//! whole kind at once) and the mail outbox. Site admins only.

use chrono::NaiveDateTime;

use super::{Denied, Principal};
use crate::db::{AnyConnection, DbError, Tx};
use crate::domain::Violation;
use crate::domain::cursor::KeysetPage;
use crate::domain::ids::JobId;
use crate::store::jobs::{self, JobRow, JobState};
use crate::store::outbox::{self, OutboxRow};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no failed job with this id")]
    NoFailedJob,
    /// The input breaks a rule (each violation names its field).
    #[error("invalid input")]
    Invalid(Vec<Violation>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// One page of jobs, newest first, and the cursor of the next page.
pub fn jobs(
    conn: &mut AnyConnection,
    who: &Principal,
    state: Option<JobState>,
    kind: Option<&str>,
    page: KeysetPage,
) -> Result<(Vec<JobRow>, Option<String>), AdminError> {
    who.require_admin()?;
    let rows = jobs::list(conn, state, kind, page.before_id(), page.fetch())?;
    Ok(page.finish(rows, |r| r.id.get()))
}

/// Puts a failed job back in the queue with a fresh attempt budget.
pub fn retry_job(
    tx: &mut Tx<'_>,
    who: &Principal,
    id: JobId,
    now: NaiveDateTime,
) -> Result<(), AdminError> {
    who.require_admin()?;
    who.require_write()?;
    if jobs::retry(tx, id, now)? {
        Ok(())
    } else {
        Err(AdminError::NoFailedJob)
    }
}

/// Longest job kind name (`jobs.kind`), in characters.
pub const MAX_KIND_LEN: usize = 64;

/// A job kind as an operator typed it: 1–[`MAX_KIND_LEN`] characters. Any such name
/// is accepted, known or not (failed jobs of a kind this version no longer has can be
/// retried, and fail again).
fn check_kind(kind: &str) -> Result<(), AdminError> {
    let len = kind.chars().count();
    if len == 0 || len > MAX_KIND_LEN {
        return Err(AdminError::Invalid(vec![Violation::new(
            "kind",
            if len == 0 { "empty" } else { "too_long" },
            format!("a job kind is 1 to {MAX_KIND_LEN} characters, e.g. send_mail"),
        )]));
    }
    Ok(())
}

/// Puts every failed job of `kind` back in the queue; returns how many.
pub fn retry_kind(
    tx: &mut Tx<'_>,
    who: &Principal,
    kind: &str,
    now: NaiveDateTime,
) -> Result<usize, AdminError> {
    who.require_admin()?;
    who.require_write()?;
    retry_failed_of_kind(tx, kind, now)
}

/// The operation behind [`retry_kind`], for the operator's command line.
pub fn retry_failed_of_kind(
    tx: &mut Tx<'_>,
    kind: &str,
    now: NaiveDateTime,
) -> Result<usize, AdminError> {
    check_kind(kind)?;
    let mut retried = 0;
    for id in jobs::failed_of_kind(tx, kind)? {
        if jobs::retry(tx, id, now)? {
            retried += 1;
        }
    }
    Ok(retried)
}

/// One page of the outbox (unsent only unless `all`), newest first.
pub fn outbox(
    conn: &mut AnyConnection,
    who: &Principal,
    all: bool,
    page: KeysetPage,
) -> Result<(Vec<OutboxRow>, Option<String>), AdminError> {
    who.require_admin()?;
    let rows = outbox::list(conn, all, page.before_id(), page.fetch())?;
    Ok(page.finish(rows, |r| r.id.get()))
}
