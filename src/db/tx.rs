//! The unit of work. Every use case that writes runs inside one [`Tx`], opened by
//! [`Db::write`]: one transaction with the same semantics on SQLite and PostgreSQL.
//!
//! - **Isolation.** SQLite write transactions start `BEGIN IMMEDIATE`: they take the
//!   database's single write lock up front (waiting up to `busy_timeout`), so every write
//!   unit is serialised. PostgreSQL runs at READ COMMITTED; a unit that reads a row and
//!   then writes on the strength of what it read takes [`Tx::lock`] first (`SELECT … FOR
//!   NO KEY UPDATE`), which is a no-op on SQLite because the write lock is already held. Check-
//!   then-insert on a unique key is done with an insert that reports whether it inserted
//!   (`ON CONFLICT DO NOTHING`), never a read followed by an insert.
//! - **Nesting.** [`Tx::savepoint`] runs a nested unit in a savepoint on both backends;
//!   a transaction can only be opened from a [`Db`], so a unit never opens another one.
//! - **Backend-specific SQL.** diesel cannot express a few statements through the
//!   connection enum (upserts, `FOR UPDATE`); they go through [`per_backend!`], the one
//!   sanctioned place where code branches on the backend.

use std::ops::{Deref, DerefMut};

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
use diesel::prelude::*;
use tracing::Span;

use super::{AnyConnection, Backend, Db, DbError};
use crate::domain::ids::{ProjectId, SessionId, UserId};

/// Runs the same diesel statement on whichever concrete connection `$conn` holds. Use it
/// only for statements diesel cannot build through [`AnyConnection`] (e.g.
/// `on_conflict(..).do_nothing()`, `for_update()`): everything else is written once
/// against the enum. A test checks no code outside `src/db/` matches on the backend.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql($c) => $body,
            $crate::db::AnyConnection::Sqlite($c) => $body,
        }
    };
}

/// A row a unit of work locks before deciding on what it read (see [`Tx::lock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    User(UserId),
    Project(ProjectId),
    Session(SessionId),
}

/// One open unit of work. Dereferences to the connection, so store functions taking
/// `&mut AnyConnection` take a `&mut Tx` as well.
pub struct Tx<'c> {
    conn: &'c mut AnyConnection,
    jobs_enqueued: bool,
}

impl Deref for Tx<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn
    }
}

impl Tx<'_> {
    pub fn backend(&self) -> Backend {
        match &*self.conn {
            AnyConnection::Postgresql(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Locks `row` until the unit ends, so that what this unit read about it stays true
    /// while it writes: `SELECT … FOR NO KEY UPDATE` on PostgreSQL, nothing on SQLite
    /// (where the unit already holds the database's write lock). `NO KEY` so that it does
    /// not conflict with the key-share locks foreign-key checks take: two units that
    /// each inserted a row referencing the project, then lock it, queue instead of
    /// deadlocking. Lock before writing rows that depend on what was read. Returns whether the row exists (on SQLite, always true: nothing is read).
    pub fn lock(&mut self, row: RowLock) -> Result<bool, DbError> {
        use super::schema::{projects, sessions, users};
        let AnyConnection::Postgresql(c) = &mut *self.conn else {
            // SQLite: this unit already holds the database's write lock.
            return Ok(true);
        };
        let found = match row {
            RowLock::User(id) => users::table
                .find(id)
                .select(users::id)
                .for_no_key_update()
                .first::<i64>(c)
                .optional()?,
            RowLock::Project(id) => projects::table
                .find(id)
                .select(projects::id)
                .for_no_key_update()
                .first::<i64>(c)
                .optional()?,
            RowLock::Session(id) => sessions::table
                .find(id)
                .select(sessions::id)
                .for_no_key_update()
                .first::<i64>(c)
                .optional()?,
        };
        Ok(found.is_some())
    }

    /// The clause that makes a raw `SELECT` of a queue skip rows other units hold:
    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL; nothing on SQLite, whose write lock
    /// already admits one such unit at a time.
    pub fn skip_locked_clause(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// Runs `f` as a nested unit in a savepoint (on both backends): its writes are
    /// undone if it fails, the outer unit's stay.
    pub fn savepoint<T, E>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut enqueued = false;
        let result = self.conn.transaction(|conn| {
            let mut inner = Tx {
                conn,
                jobs_enqueued: false,
            };
            let out = f(&mut inner).map_err(SavepointError::Inner)?;
            enqueued = inner.jobs_enqueued;
            Ok::<T, SavepointError<E>>(out)
        });
        match result {
            Ok(v) => {
                self.jobs_enqueued |= enqueued;
                Ok(v)
            }
            Err(SavepointError::Inner(e)) => Err(e),
            Err(SavepointError::Db(e)) => Err(DbError::from(e).into()),
        }
    }

    /// Records that this unit queued a job, so that local workers are woken when it
    /// commits (PostgreSQL also sends `NOTIFY`, which reaches other instances).
    pub fn note_job_enqueued(&mut self) {
        self.jobs_enqueued = true;
    }
}

enum SavepointError<E> {
    Inner(E),
    Db(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for SavepointError<E> {
    fn from(e: diesel::result::Error) -> Self {
        SavepointError::Db(e)
    }
}

impl Db {
    /// Runs one unit of work that writes, as one transaction, on this thread (call it
    /// from blocking code: jobs, commands, tests). `f`'s error rolls everything back.
    pub fn write_blocking<T, E>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut conn = self.conn().map_err(E::from)?;
        let result = run_write(&mut conn, f);
        // After the commit (or rollback): a reader that sees the new generation reads
        // what this unit wrote.
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let (value, enqueued) = result?;
        if enqueued {
            self.job_wakeup.notify_one();
        }
        Ok(value)
    }

    /// Runs read-only work on one pooled connection, without a transaction.
    pub fn read_blocking<T, E>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut conn = self.conn().map_err(E::from)?;
        f(&mut conn)
    }

    /// [`Db::write_blocking`] off the async executor.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        let span = Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            db.write_blocking(f)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// [`Db::read_blocking`] off the async executor.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        let span = Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            db.read_blocking(f)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }
}

/// Opens the transaction (IMMEDIATE on SQLite), runs `f`, commits or rolls back. Also
/// used on a bare connection by commands that run before a pool exists.
pub fn run_write<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
) -> Result<(T, bool), E>
where
    E: From<DbError>,
{
    type Manager = <AnyConnection as Connection>::TransactionManager;
    match conn {
        AnyConnection::Postgresql(_) => Manager::begin_transaction(conn),
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
    }
    .map_err(|e| E::from(DbError::from(e)))?;
    let mut tx = Tx {
        conn,
        jobs_enqueued: false,
    };
    match f(&mut tx) {
        Ok(value) => {
            let enqueued = tx.jobs_enqueued;
            if enqueued && tx.backend() == Backend::Postgres {
                // Delivered to every listening instance when the transaction commits.
                if let Err(e) = diesel::sql_query(format!("SELECT pg_notify('{JOBS_CHANNEL}', '')"))
                    .execute(tx.conn)
                {
                    let _ = Manager::rollback_transaction(tx.conn);
                    return Err(E::from(DbError::from(e)));
                }
            }
            if let Err(e) = Manager::commit_transaction(tx.conn) {
                let _ = Manager::rollback_transaction(tx.conn);
                return Err(E::from(DbError::from(e)));
            }
            Ok((value, enqueued))
        }
        Err(e) => {
            // The unit's own error is the one worth reporting; a failed rollback leaves
            // the connection marked broken and the pool drops it.
            let _ = Manager::rollback_transaction(tx.conn);
            Err(e)
        }
    }
}

/// The channel workers `LISTEN` on (PostgreSQL).
pub const JOBS_CHANNEL: &str = "openfund_jobs";

#[cfg(test)]
mod tests {
    /// Code outside `src/db/` never branches on the backend: per-backend SQL lives here.
    #[test]
    fn only_the_db_module_branches_on_the_backend() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if path != root.join("db") {
                        stack.push(path);
                    }
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for needle in [
                    "AnyConnection::Postgresql",
                    "AnyConnection::Sqlite",
                    "Backend::Postgres =>",
                    "Backend::Sqlite =>",
                ] {
                    if text.contains(needle) {
                        offenders.push(format!("{}: {needle}", path.display()));
                    }
                }
            }
        }
        // Choosing where rate-limit counters live is configuration, not SQL.
        offenders.retain(|o| !o.contains("startup.rs"));
        assert!(
            offenders.is_empty(),
            "backend-specific code outside src/db: {offenders:#?}"
        );
    }
}
