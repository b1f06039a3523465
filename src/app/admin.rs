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

/// Longest job kind name (`send_mail`, …) a request may name.
pub const KIND_MAX: usize = 64;

/// A job kind named in a request: lower-case ASCII letters, digits and `_`, at most
/// [`KIND_MAX`] characters, and not empty unless `may_be_empty` (a filter that matches
/// nothing). Unknown kinds are fine: they match no job. Errors: `too_long`, `blank`,
/// `format` (anything else, e.g. control characters, which PostgreSQL's text cannot even
/// hold).
pub fn check_kind(field: &str, kind: &str, may_be_empty: bool) -> Result<(), Violation> {
    let len = kind.chars().count();
    if len > KIND_MAX {
        return Err(Violation::new(
            field,
            "too_long",
            format!("at most {KIND_MAX} characters"),
        ));
    }
    if len == 0 && !may_be_empty {
        return Err(Violation::new(field, "blank", "must not be empty"));
    }
    if !kind
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(Violation::new(
            field,
            "format",
            "a job kind is lower-case letters, digits and _, e.g. send_mail",
        ));
    }
    Ok(())
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

/// Puts every failed job of `kind` back in the queue; returns how many.
pub fn retry_kind(
    tx: &mut Tx<'_>,
    who: &Principal,
    kind: &str,
    now: NaiveDateTime,
) -> Result<usize, AdminError> {
    who.require_admin()?;
    who.require_write()?;
    check_kind("kind", kind, false).map_err(|v| AdminError::Invalid(vec![v]))?;
    retry_failed_of_kind(tx, kind, now)
}

/// The operation behind [`retry_kind`], for the operator's command line.
pub fn retry_failed_of_kind(
    tx: &mut Tx<'_>,
    kind: &str,
    now: NaiveDateTime,
) -> Result<usize, AdminError> {
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
