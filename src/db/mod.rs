//! Database access: the connection enum over SQLite and PostgreSQL, the pool, the
//! embedded migrations, and the transaction helpers every unit of work goes through.

pub mod schema;
pub mod tx;
pub mod types;

pub use tx::{RowLock, Tx};

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::Notify;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to whichever backend the instance runs on. Queries are written once
/// against this enum; the few statements diesel cannot express through it match on it.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Where the data lives, parsed from the database URL: `sqlite:<path>` (also
/// `sqlite://<path>`) or `postgres://…` / `postgresql://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(s.to_owned()));
        }
        if let Some(rest) = s.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() || path.contains('?') || path == ":memory:" {
                return Err(format!(
                    "unsupported SQLite location {path:?}: give a file path, e.g. sqlite:openfund.db"
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        Err("database URL must start with sqlite: or postgres://".to_owned())
    }
}

impl fmt::Debug for DatabaseUrl {
    // The PostgreSQL URL may carry a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            DatabaseUrl::Postgres(u) => match url::Url::parse(u) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        let _ = parsed.set_password(Some("***"));
                    }
                    write!(f, "{parsed}")
                }
                Err(_) => f.write_str("postgres://<unparseable>"),
            },
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not connect to the database: {0}")]
    Connect(#[from] ConnectionError),
    #[error(transparent)]
    Query(diesel::result::Error),
    /// SQLite's write lock stayed taken past `busy_timeout`, or PostgreSQL gave up on a
    /// serialisation conflict or deadlock: the request may simply be retried.
    #[error("the database is busy: {0}")]
    Busy(diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("migrations failed: {0}")]
    Migrations(String),
    #[error("the database is missing: {0}")]
    Missing(String),
    #[error("database task failed: {0}")]
    Task(String),
    /// A stored row breaks a rule every write obeys (e.g. a ledger entry naming an
    /// unknown account kind): a bug or a hand edit, never the caller's fault.
    #[error("inconsistent stored data: {0}")]
    Corrupt(String),
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            Error::DatabaseError(
                DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::Unknown,
                info,
            ) if is_busy_message(info.message()) => DbError::Busy(e),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => DbError::Busy(e),
            _ => DbError::Query(e),
        }
    }
}

/// SQLite reports SQLITE_BUSY/SQLITE_LOCKED as "database is locked" / "database table is
/// locked"; PostgreSQL deadlocks as "deadlock detected", and a wait past `lock_timeout`
/// (SQLSTATE 55P03) as "canceling statement due to lock timeout".
fn is_busy_message(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database table is locked")
        || message.contains("database is busy")
        || message.contains("deadlock detected")
        || message.contains("lock timeout")
}

impl DbError {
    /// The diesel error underneath, if this is one.
    pub fn as_query(&self) -> Option<&diesel::result::Error> {
        match self {
            DbError::Query(e) | DbError::Busy(e) => Some(e),
            _ => None,
        }
    }

    /// Did a unique constraint refuse the write?
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self.as_query(),
            Some(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// How long a statement waits for a lock another connection holds before it fails
/// with [`DbError::Busy`] (answered 503 `database_busy`), unless configured otherwise
/// (`OPENFUND_DB_LOCK_TIMEOUT_MS`).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a connection on the backend named by the URL, so that the backend's own error
/// (refused, missing file…) reaches the caller instead of diesel's generic one. Lock
/// waits give up after [`DEFAULT_LOCK_TIMEOUT`].
pub fn establish(url: &DatabaseUrl) -> Result<AnyConnection, DbError> {
    establish_with(url, DEFAULT_LOCK_TIMEOUT)
}

/// [`establish`], with lock waits bounded by `lock_timeout` on both backends: SQLite's
/// `busy_timeout` (waiting for the database's write lock) and PostgreSQL's
/// `lock_timeout` (waiting for a row or table lock). Either way a wait past it is
/// [`DbError::Busy`], so a unit of work stuck behind another answers 503 instead of
/// hanging (PostgreSQL's default is to wait forever) or failing with a 500.
pub fn establish_with(url: &DatabaseUrl, lock_timeout: Duration) -> Result<AnyConnection, DbError> {
    // Both settings take whole milliseconds; 0 would mean "never wait" on SQLite and
    // "wait forever" on PostgreSQL, so the shortest is 1 ms.
    let millis = lock_timeout.as_millis().clamp(1, i32::MAX as u128);
    match url {
        DatabaseUrl::Postgres(u) => {
            let mut conn = PgConnection::establish(u)?;
            conn.batch_execute(&format!("SET lock_timeout = {millis}"))?;
            Ok(AnyConnection::Postgresql(conn))
        }
        DatabaseUrl::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
            configure_sqlite(&mut conn, millis)?;
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

/// Like [`establish_with`], but a SQLite file that is missing is an error instead of a
/// new empty database: pooled connections use it, so a database file deleted under a
/// running server stays missing (and `/readyz` says so) instead of coming back empty.
fn establish_existing(url: &DatabaseUrl, lock_timeout: Duration) -> Result<AnyConnection, DbError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let millis = lock_timeout.as_millis().clamp(1, i32::MAX as u128);
            // An SQLite URI (https://sqlite.org/uri.html) with `mode=rw`: never create.
            let mut uri = String::from("file:");
            for c in path.to_string_lossy().chars() {
                match c {
                    '%' => uri.push_str("%25"),
                    '?' => uri.push_str("%3f"),
                    '#' => uri.push_str("%23"),
                    c => uri.push(c),
                }
            }
            uri.push_str("?mode=rw");
            let mut conn = SqliteConnection::establish(&uri)
                .map_err(|e| DbError::Missing(format!("SQLite file {}: {e}", path.display())))?;
            configure_sqlite(&mut conn, millis)?;
            Ok(AnyConnection::Sqlite(conn))
        }
        DatabaseUrl::Postgres(_) => establish_with(url, lock_timeout),
    }
}

fn configure_sqlite(conn: &mut SqliteConnection, busy_timeout_ms: u128) -> Result<(), DbError> {
    // busy_timeout first, so that switching to WAL waits for a concurrent opener.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {busy_timeout_ms};
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;"
    ))?;
    Ok(())
}

/// r2d2 manager that picks the backend from the URL itself (see [`establish_with`]).
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    lock_timeout: Duration,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = DbError;

    fn connect(&self) -> Result<AnyConnection, DbError> {
        establish_existing(&self.url, self.lock_timeout)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), DbError> {
        conn.ping().map_err(DbError::from)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

/// The pool plus what the rest of the program needs to know about the database.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: DatabaseUrl,
    lock_timeout: Duration,
    /// Woken when a unit of work that queued a job commits in this process.
    job_wakeup: Arc<Notify>,
    /// Counts the units of work this process has run that write (see
    /// [`Db::write_generation`]).
    writes: Arc<std::sync::atomic::AtomicU64>,
}

impl Db {
    /// Builds the pool without connecting yet: the server starts and `/readyz` reports
    /// whether the database answers. Lock waits give up after [`DEFAULT_LOCK_TIMEOUT`].
    pub fn new(url: DatabaseUrl, max_size: u32) -> Result<Self, DbError> {
        Self::with_lock_timeout(url, max_size, DEFAULT_LOCK_TIMEOUT)
    }

    /// [`Db::new`] with lock waits bounded by `lock_timeout` (see [`establish_with`]).
    pub fn with_lock_timeout(
        url: DatabaseUrl,
        max_size: u32,
        lock_timeout: Duration,
    ) -> Result<Self, DbError> {
        let pool = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(5))
            // No `SELECT 1` round trip on every checkout: a broken connection fails its
            // first query, is marked broken and dropped (`has_broken`), and `/readyz`
            // checks the database itself.
            .test_on_check_out(false)
            .build_unchecked(ConnectionManager {
                url: url.clone(),
                lock_timeout,
            });
        Ok(Db {
            pool,
            url,
            lock_timeout,
            job_wakeup: Arc::new(Notify::new()),
            writes: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// Notified (one waiter, or the next one to wait) whenever a unit of work of this
    /// process that queued a job commits.
    pub fn job_wakeup(&self) -> Arc<Notify> {
        self.job_wakeup.clone()
    }

    /// A number that grows whenever a unit of work that writes ([`Db::write`],
    /// [`Db::write_blocking`]) ends in this process, committed or not. A value read
    /// before a read began and equal to the one read now means no write of this process
    /// ended in between, so what was read then is still what this process wrote: the
    /// key of read caches ([`crate::app::overview::OverviewCache`]). Writes by other
    /// processes do not move it.
    pub fn write_generation(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn conn(&self) -> Result<PooledConn, DbError> {
        Ok(self.pool.get()?)
    }

    /// Applies pending migrations of the backend's tree; returns their versions.
    pub fn migrate(&self) -> Result<Vec<String>, DbError> {
        let mut conn = establish_with(&self.url, self.lock_timeout)?;
        run_migrations(&mut conn)
    }

    /// Is the database there and migrated? Used by `/readyz`. SQLite opens the file
    /// afresh without creating it, because a pooled handle keeps a deleted file alive.
    pub fn check_ready(&self) -> Result<(), DbError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                if !Path::new(path).is_file() {
                    return Err(DbError::Missing(format!(
                        "SQLite file {} is missing",
                        path.display()
                    )));
                }
                let mut conn = self.pool.get_timeout(Duration::from_secs(2))?;
                ready_query(&mut conn)
            }
            DatabaseUrl::Postgres(_) => {
                let mut conn = self.pool.get_timeout(Duration::from_secs(2))?;
                ready_query(&mut conn)
            }
        }
    }
}

fn ready_query(conn: &mut AnyConnection) -> Result<(), DbError> {
    conn.batch_execute("SELECT 1 FROM __diesel_schema_migrations LIMIT 1")?;
    Ok(())
}

pub fn run_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| DbError::Migrations(e.to_string()))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Current time truncated to microseconds: PostgreSQL keeps microseconds and SQLite
/// nanoseconds, and the same row must read back the same on both.
pub fn now() -> chrono::NaiveDateTime {
    truncate_micros(chrono::Utc::now().naive_utc())
}

pub fn truncate_micros(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(micros).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        assert_eq!(
            "sqlite:openfund.db".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("openfund.db")))
        );
        assert_eq!(
            "sqlite:///var/lib/openfund.db".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("/var/lib/openfund.db")))
        );
        assert_eq!(
            "postgres://u@h/db".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Postgres("postgres://u@h/db".into()))
        );
        assert!("mysql://h/db".parse::<DatabaseUrl>().is_err());
        assert!("sqlite::memory:".parse::<DatabaseUrl>().is_err());
        assert!("sqlite:".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn lock_waits_past_the_timeout_are_busy() {
        // SQLite's SQLITE_BUSY, PostgreSQL's lock_timeout (55P03) and deadlock (40P01).
        assert!(is_busy_message("database is locked"));
        assert!(is_busy_message("canceling statement due to lock timeout"));
        assert!(is_busy_message("deadlock detected"));
        assert!(!is_busy_message(
            "duplicate key value violates unique constraint \"users_email_key\""
        ));
    }

    #[test]
    fn debug_output_hides_the_password() {
        let url: DatabaseUrl = "postgres://app:s3cret@db.internal/openfund"
            .parse()
            .unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.internal"));
    }

    #[test]
    fn truncates_to_microseconds() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_nano_opt(3, 4, 5, 123_456_789)
            .unwrap();
        assert_eq!(
            truncate_micros(t).and_utc().timestamp_subsec_nanos(),
            123_456_000
        );
    }
}
