//! The one typed configuration, read once from flags and `OPENFUND_*` environment
//! variables and handed down explicitly.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db::DatabaseUrl;
use crate::domain::net::{ForwardedHeader, TrustedProxies};

#[derive(Debug, Parser)]
#[command(
    name = "openfund",
    version,
    about = "Funding, compute and recognition for open AI projects"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How much demo data `openfund demo` loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoScale {
    /// A handful of projects with funding of every kind: what a new user looks at.
    Normal,
    /// The normal demo plus 500 generated projects and 50,000 pledges.
    Large,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the web server and, unless OPENFUND_WORKER=false, the job worker (the default).
    Serve,
    /// Run only the background job worker (mail delivery and other jobs).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo projects and accounts (idempotent) and exit.
    Demo {
        /// `large` adds 500 generated projects with 50,000 pledges and the ledger
        /// entries they imply (for benchmarks; takes a minute or two).
        #[arg(long, value_enum, default_value_t = DemoScale::Normal)]
        scale: DemoScale,
    },
    /// List mail in the outbox (unsent only, unless --all), or print one message.
    Outbox {
        /// Include sent messages.
        #[arg(long)]
        all: bool,
        /// Print the text body of this message (e.g. a verification link on an
        /// instance without SMTP).
        #[arg(long, value_name = "ID")]
        show: Option<i64>,
    },
    /// Make an existing account a site admin.
    PromoteAdmin { email: String },
    /// Print the OpenAPI document and exit.
    Openapi,
    /// Put every failed job of a kind back in the queue (e.g. `send_mail` after an outage).
    RetryJobs {
        /// The job kind, e.g. `send_mail`.
        kind: String,
    },
    /// Sync linked repositories' activity from GitHub now, in this process (the same
    /// sync the scheduled jobs run), showing progress per resource.
    Sync {
        /// Only this project's repositories.
        #[arg(long, value_name = "SLUG")]
        project: Option<String>,
        /// Only this repository (`owner/name`).
        #[arg(long, value_name = "OWNER/NAME")]
        repo: Option<String>,
        /// Walk every resource's whole history again (ignore watermarks and ETags);
        /// commits a force-push dropped lose their credit.
        #[arg(long)]
        full: bool,
    },
    /// Development/test only: serve a generated GitHub REST double of one repository's
    /// activity (`src/github/double.rs`), print its base URL, serve until killed.
    #[command(hide = true)]
    GithubDouble(crate::github::double::DoubleArgs),
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite:<path>` (created on first run) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "OPENFUND_DATABASE_URL",
        default_value = "sqlite:openfund.db",
        global = true
    )]
    pub database_url: DatabaseUrl,

    /// Address the HTTP server listens on; port 0 picks a free one.
    #[arg(
        long,
        env = "OPENFUND_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Log filter, e.g. `info` or `openfund=debug,actix_web=info`.
    #[arg(long, env = "OPENFUND_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "OPENFUND_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Maximum database connections per process (default: two per core, at least 4).
    #[arg(long, env = "OPENFUND_DB_POOL_SIZE", default_value_t = default_pool_size(), value_parser = clap::value_parser!(u32).range(1..=512), global = true)]
    pub db_pool_size: u32,

    /// How long a write waits for a lock another connection holds, in milliseconds,
    /// before the request is answered 503 `database_busy` (SQLite's `busy_timeout`,
    /// PostgreSQL's `lock_timeout`).
    #[arg(long, env = "OPENFUND_DB_LOCK_TIMEOUT_MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=600_000), global = true)]
    pub db_lock_timeout_ms: u64,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "OPENFUND_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "OPENFUND_MAX_BODY_BYTES", default_value_t = 64 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Serve the web front end from this folder instead of the copy built into the binary.
    #[arg(long, env = "OPENFUND_STATIC_DIR", global = true)]
    pub static_dir: Option<PathBuf>,

    /// `production` refuses to start with a missing or weak OPENFUND_JWT_SECRET.
    #[arg(long, env = "OPENFUND_ENV", value_enum, default_value_t = Environment::Development, global = true)]
    pub env: Environment,

    /// The site's public base URL, used in mail links and as the token issuer
    /// (default: http://<bind>).
    #[arg(long, env = "OPENFUND_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Name shown in mail and pages.
    #[arg(
        long,
        env = "OPENFUND_INSTANCE_NAME",
        default_value = "OpenFund",
        global = true
    )]
    pub instance_name: String,

    /// HS256 signing key for access tokens, at least 32 bytes. A development run
    /// without it generates one and keeps it in the database.
    #[arg(
        long,
        env = "OPENFUND_JWT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_secret: Option<Secret>,

    /// Lifetime of an access token, in seconds.
    #[arg(
        long,
        env = "OPENFUND_ACCESS_TOKEN_TTL_SECS",
        default_value_t = 900,
        global = true
    )]
    pub access_token_ttl_secs: i64,

    /// Lifetime of a refresh token, in days.
    #[arg(
        long,
        env = "OPENFUND_REFRESH_TOKEN_TTL_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub refresh_token_ttl_days: i64,

    /// SMTP relay, e.g. `smtp://127.0.0.1:2525`, `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465`. Without it mail stays in the outbox.
    #[arg(long, env = "OPENFUND_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// Sender of outgoing mail.
    #[arg(
        long,
        env = "OPENFUND_MAIL_FROM",
        default_value = "OpenFund <noreply@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// GitHub web base URL (GitHub Enterprise: https://ghe.example.com).
    #[arg(
        long,
        env = "OPENFUND_GITHUB_URL",
        default_value = "https://github.com",
        global = true
    )]
    pub github_url: String,

    /// GitHub REST API base URL (GitHub Enterprise: https://ghe.example.com/api/v3).
    #[arg(
        long,
        env = "OPENFUND_GITHUB_API_URL",
        default_value = "https://api.github.com",
        global = true
    )]
    pub github_api_url: String,

    /// Longest wait for one call to GitHub (connecting, sending, reading the answer), in
    /// seconds; connecting alone gets at most 5 s of it. A call past it fails the
    /// sign-in with `github_unavailable`.
    #[arg(long, env = "OPENFUND_GITHUB_TIMEOUT_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=300), global = true)]
    pub github_timeout_secs: u64,

    /// OAuth app client id; sign-in with GitHub is off without it.
    #[arg(long, env = "OPENFUND_GITHUB_CLIENT_ID", global = true)]
    pub github_client_id: Option<String>,

    /// OAuth app client secret.
    #[arg(
        long,
        env = "OPENFUND_GITHUB_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub github_client_secret: Option<Secret>,

    /// A GitHub token (personal or fine-grained, read-only is enough) the activity sync
    /// uses: 5,000 requests an hour instead of 60. Leave unset with a GitHub App.
    #[arg(
        long,
        env = "OPENFUND_GITHUB_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub github_token: Option<Secret>,

    /// The id of the GitHub App the sync authenticates as (with
    /// OPENFUND_GITHUB_APP_PRIVATE_KEY_FILE); its installation on each repository gives
    /// the tokens.
    #[arg(long, env = "OPENFUND_GITHUB_APP_ID", global = true)]
    pub github_app_id: Option<i64>,

    /// The GitHub App's private key (the `.pem` GitHub generated).
    #[arg(long, env = "OPENFUND_GITHUB_APP_PRIVATE_KEY_FILE", global = true)]
    pub github_app_private_key_file: Option<PathBuf>,

    /// How often each linked repository is synced: `90s`, `30m`, `1h`, `2d`, or
    /// seconds.
    #[arg(long, env = "OPENFUND_GITHUB_SYNC_INTERVAL", default_value = "1h", value_parser = parse_interval, global = true)]
    pub github_sync_interval: IntervalSecs,

    /// A sync walks a repository's whole commit history (to remove the credit of
    /// commits a force-push dropped) when the last full walk is older than this many
    /// days.
    #[arg(long, env = "OPENFUND_GITHUB_FULL_PASS_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub github_full_pass_days: u32,

    /// A rate-limit or retry wait up to this many seconds is waited out inside the
    /// sync; a longer one saves the sync's place and queues it again for the reset.
    #[arg(
        long,
        env = "OPENFUND_GITHUB_MAX_INLINE_WAIT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub github_max_inline_wait_secs: u64,

    /// First wait before retrying a GitHub server error (5xx), in milliseconds;
    /// doubled per retry, up to 5 minutes, 6 attempts in all.
    #[arg(
        long,
        env = "OPENFUND_GITHUB_RETRY_BASE_MS",
        default_value_t = 2_000,
        global = true
    )]
    pub github_retry_base_ms: u64,

    /// Run the job worker inside `serve`.
    #[arg(long = "worker", env = "OPENFUND_WORKER", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub embedded_worker: bool,

    /// How often an idle worker looks for due jobs, in milliseconds (on PostgreSQL the
    /// worker is woken by LISTEN/NOTIFY and looks at most every 30 s on its own).
    #[arg(
        long,
        env = "OPENFUND_JOB_POLL_MS",
        default_value_t = 500,
        global = true
    )]
    pub job_poll_ms: u64,

    /// Jobs one worker runs at once.
    #[arg(long, env = "OPENFUND_WORKER_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64), global = true)]
    pub worker_concurrency: u32,

    /// A running job whose worker has not renewed its lease for this long is taken back
    /// and run again; workers renew every third of it.
    #[arg(long, env = "OPENFUND_JOB_LEASE_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(3..), global = true)]
    pub job_lease_secs: u64,

    /// First retry delay of a failed job, doubled on each further failure.
    #[arg(
        long,
        env = "OPENFUND_JOB_BACKOFF_MS",
        default_value_t = 5_000,
        global = true
    )]
    pub job_backoff_ms: u64,

    /// Longest delay between two attempts of a job, in seconds.
    #[arg(
        long,
        env = "OPENFUND_JOB_BACKOFF_MAX_SECS",
        default_value_t = 900,
        global = true
    )]
    pub job_backoff_max_secs: u64,

    /// Mail not delivered within this many hours is given up on (an SMTP outage shorter
    /// than this loses nothing).
    #[arg(
        long,
        env = "OPENFUND_MAIL_MAX_AGE_HOURS",
        default_value_t = 120,
        global = true
    )]
    pub mail_max_age_hours: u32,

    /// Days finished jobs are kept.
    #[arg(
        long,
        env = "OPENFUND_RETENTION_JOBS_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub retention_jobs_days: u32,

    /// Days failed jobs are kept (for an admin to look at and retry).
    #[arg(
        long,
        env = "OPENFUND_RETENTION_FAILED_JOBS_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub retention_failed_jobs_days: u32,

    /// Days outbox metadata (recipient, subject, delivery state) is kept; bodies go at
    /// delivery, or when their link expires.
    #[arg(
        long,
        env = "OPENFUND_RETENTION_MAIL_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub retention_mail_days: u32,

    /// Days spent or expired refresh tokens, revoked or ended sessions and used or expired
    /// mail links are kept.
    #[arg(
        long,
        env = "OPENFUND_RETENTION_CREDENTIALS_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub retention_credentials_days: u32,

    /// Threads that hash and check passwords (default: one per core). They run at a
    /// lower priority than request handling, behind a bounded queue.
    #[arg(long, env = "OPENFUND_PASSWORD_HASH_THREADS", global = true)]
    pub password_hash_threads: Option<usize>,

    /// Sign-in, registration and reset attempts allowed per client and window.
    #[arg(
        long,
        env = "OPENFUND_AUTH_RATE_LIMIT",
        default_value_t = 10,
        global = true
    )]
    pub auth_rate_limit: u32,

    /// The rate-limit window, in seconds.
    #[arg(
        long,
        env = "OPENFUND_AUTH_RATE_WINDOW_SECS",
        default_value_t = 900,
        global = true
    )]
    pub auth_rate_window_secs: u64,

    /// Reverse proxies whose forwarding header is believed: addresses or CIDR blocks,
    /// comma-separated (e.g. `10.0.0.0/8,fd00::/8`). Default: none, so the client is the
    /// connection's peer.
    #[arg(long, env = "OPENFUND_TRUSTED_PROXIES", default_value = "", value_parser = parse_proxies, global = true)]
    pub trusted_proxies: TrustedProxies,

    /// The header the trusted proxies record client addresses in.
    #[arg(long, env = "OPENFUND_FORWARDED_HEADER", value_enum, default_value_t = ForwardedHeaderArg::XForwardedFor, global = true)]
    pub forwarded_header: ForwardedHeaderArg,
}

/// Database connections per process unless configured: two per core, at least 4. More
/// connections than the cores can serve only queue inside the database: with
/// PostgreSQL on the same 2-core host, 10 connections gave the project list a p99 of
/// 140–290 ms where 4 gave 17–21 ms at the same throughput (docs/performance.md).
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores.saturating_mul(2))
        .unwrap_or(512)
        .clamp(4, 512)
}

/// A period in whole seconds (at least one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntervalSecs(pub u64);

impl IntervalSecs {
    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.0)
    }
}

/// `90s`, `30m`, `1h`, `2d` or a number of seconds; at least one second.
fn parse_interval(s: &str) -> Result<IntervalSecs, String> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a period like 90s, 30m, 1h or 2d"))?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: the unit must be s, m, h or d")),
    };
    match n.checked_mul(unit_secs) {
        Some(secs) if secs >= 1 => Ok(IntervalSecs(secs)),
        _ => Err(format!("{s:?} must be at least one second")),
    }
}

fn parse_proxies(s: &str) -> Result<TrustedProxies, String> {
    TrustedProxies::parse(s)
}

/// `x-forwarded-for` or `forwarded` (RFC 7239).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForwardedHeaderArg {
    XForwardedFor,
    Forwarded,
}

impl From<ForwardedHeaderArg> for ForwardedHeader {
    fn from(a: ForwardedHeaderArg) -> Self {
        match a {
            ForwardedHeaderArg::XForwardedFor => ForwardedHeader::XForwardedFor,
            ForwardedHeaderArg::Forwarded => ForwardedHeader::Forwarded,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// Secrets that must never sign tokens in production (defaults and examples).
const KNOWN_WEAK_SECRETS: &[&str] = &[
    "changeme",
    "secret",
    "openfund",
    "development",
    "please-change-me-to-a-long-random-string",
    "0123456789abcdef0123456789abcdef",
];
pub const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// A string that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

impl Config {
    /// A configuration for the given database with every other setting at its default;
    /// tests and tools start from here.
    pub fn for_database(database_url: DatabaseUrl) -> Self {
        Config {
            database_url,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            log: "info".to_owned(),
            log_format: LogFormat::Text,
            db_pool_size: default_pool_size(),
            db_lock_timeout_ms: 5_000,
            workers: None,
            max_body_bytes: 64 * 1024,
            static_dir: None,
            env: Environment::Development,
            public_url: None,
            instance_name: "OpenFund".to_owned(),
            jwt_secret: None,
            access_token_ttl_secs: 900,
            refresh_token_ttl_days: 30,
            smtp_url: None,
            mail_from: "OpenFund <noreply@localhost>".to_owned(),
            github_url: "https://github.com".to_owned(),
            github_api_url: "https://api.github.com".to_owned(),
            github_timeout_secs: 15,
            github_client_id: None,
            github_client_secret: None,
            github_token: None,
            github_app_id: None,
            github_app_private_key_file: None,
            github_sync_interval: IntervalSecs(3600),
            github_full_pass_days: 7,
            github_max_inline_wait_secs: 30,
            github_retry_base_ms: 2_000,
            embedded_worker: true,
            job_poll_ms: 500,
            worker_concurrency: 4,
            job_lease_secs: 60,
            job_backoff_ms: 5_000,
            job_backoff_max_secs: 900,
            mail_max_age_hours: 120,
            retention_jobs_days: 7,
            retention_failed_jobs_days: 30,
            retention_mail_days: 90,
            retention_credentials_days: 7,
            password_hash_threads: None,
            auth_rate_limit: 10,
            auth_rate_window_secs: 900,
            trusted_proxies: TrustedProxies::default(),
            forwarded_header: ForwardedHeaderArg::XForwardedFor,
        }
    }

    /// How long a write waits for another connection's lock (see `db_lock_timeout_ms`).
    pub fn db_lock_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.db_lock_timeout_ms)
    }

    /// The base URL links point at.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Refuses settings that would be unsafe in production.
    pub fn validate(&self) -> Result<(), String> {
        if self.env == Environment::Production {
            let secret = self
                .jwt_secret
                .as_ref()
                .ok_or("OPENFUND_JWT_SECRET is required when OPENFUND_ENV=production")?;
            check_jwt_secret(secret.expose())?;
            // Links in mail, the OAuth callback and the token issuer all derive from it;
            // guessed from the bind address they would point at an internal host.
            let url = self
                .public_url
                .as_deref()
                .ok_or("OPENFUND_PUBLIC_URL is required when OPENFUND_ENV=production")?;
            let parsed = url::Url::parse(url).map_err(|e| format!("OPENFUND_PUBLIC_URL: {e}"))?;
            if !matches!(parsed.scheme(), "https" | "http") || parsed.host().is_none() {
                return Err("OPENFUND_PUBLIC_URL must be an absolute http(s) URL".to_owned());
            }
        } else if let Some(secret) = &self.jwt_secret {
            check_jwt_secret(secret.expose())?;
        }
        if self.access_token_ttl_secs < 30 || self.refresh_token_ttl_days < 1 {
            return Err("token lifetimes are too short".to_owned());
        }
        match (
            &self.github_token,
            self.github_app_id,
            &self.github_app_private_key_file,
        ) {
            (_, Some(_), None) | (_, None, Some(_)) => {
                return Err("a GitHub App needs both OPENFUND_GITHUB_APP_ID and OPENFUND_GITHUB_APP_PRIVATE_KEY_FILE".to_owned());
            }
            (Some(_), Some(_), Some(_)) => {
                return Err(
                    "set OPENFUND_GITHUB_TOKEN or a GitHub App (OPENFUND_GITHUB_APP_ID), not both"
                        .to_owned(),
                );
            }
            _ => {}
        }
        Ok(())
    }
}

fn check_jwt_secret(secret: &str) -> Result<(), String> {
    if secret.len() < MIN_JWT_SECRET_BYTES {
        return Err(format!(
            "OPENFUND_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes"
        ));
    }
    let lowered = secret.to_lowercase();
    if KNOWN_WEAK_SECRETS
        .iter()
        .any(|weak| lowered == *weak || lowered.contains("changeme"))
    {
        return Err(
            "OPENFUND_JWT_SECRET is a known default; generate one with `openssl rand -base64 48`"
                .to_owned(),
        );
    }
    if secret
        .bytes()
        .collect::<std::collections::HashSet<_>>()
        .len()
        < 8
    {
        return Err("OPENFUND_JWT_SECRET has too little variety to be random".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_into_the_typed_config() {
        let cli = Cli::try_parse_from([
            "openfund",
            "--database-url",
            "postgres://u@localhost/of",
            "--bind",
            "0.0.0.0:9000",
            "demo",
        ])
        .unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Demo {
                scale: DemoScale::Normal
            })
        );
        assert_eq!(cli.config.bind.port(), 9000);
        assert_eq!(
            cli.config.database_url,
            DatabaseUrl::Postgres("postgres://u@localhost/of".into())
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Cli::try_parse_from(["openfund", "--database-url", "mysql://x"]).is_err());
        assert!(Cli::try_parse_from(["openfund", "--bind", "nowhere"]).is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let mut c = Config::for_database("sqlite:x.db".parse().unwrap());
        c.jwt_secret = Some(Secret::new("a-very-secret-token-value"));
        c.smtp_url = Some(Secret::new("smtp://user:hunter2@mail"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("a-very-secret") && !shown.contains("hunter2"));
    }

    #[test]
    fn production_refuses_missing_short_or_default_secrets() {
        let mut c = Config::for_database("sqlite:x.db".parse().unwrap());
        assert!(c.validate().is_ok(), "development may generate a secret");
        c.env = Environment::Production;
        assert!(c.validate().unwrap_err().contains("required"));
        c.jwt_secret = Some(Secret::new("too-short"));
        assert!(c.validate().unwrap_err().contains("32 bytes"));
        c.jwt_secret = Some(Secret::new("please-change-me-to-a-long-random-string"));
        assert!(c.validate().unwrap_err().contains("known default"));
        c.jwt_secret = Some(Secret::new("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(c.validate().is_err());
        c.jwt_secret = Some(Secret::new("k3Jq9vXb2LmN8pQr5sTu7wYz1AcEgHiKoMnOpQrS"));
        assert!(c.validate().unwrap_err().contains("OPENFUND_PUBLIC_URL"));
        c.public_url = Some("openfund.example.org".into());
        assert!(c.validate().is_err());
        c.public_url = Some("https://openfund.example.org".into());
        assert!(c.validate().is_ok());
    }

    #[test]
    fn sync_intervals_read_units_and_refuse_nonsense() {
        assert_eq!(parse_interval("1h"), Ok(IntervalSecs(3600)));
        assert_eq!(parse_interval("30m"), Ok(IntervalSecs(1800)));
        assert_eq!(parse_interval("90s"), Ok(IntervalSecs(90)));
        assert_eq!(parse_interval("2d"), Ok(IntervalSecs(172_800)));
        assert_eq!(parse_interval("45"), Ok(IntervalSecs(45)));
        for bad in [
            "",
            "0",
            "0h",
            "h",
            "1w",
            "-1h",
            "1.5h",
            "99999999999999999999d",
        ] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_github_app_needs_its_key_and_excludes_a_token() {
        let mut c = Config::for_database("sqlite:x.db".parse().unwrap());
        c.github_app_id = Some(1);
        assert!(c.validate().is_err());
        c.github_app_private_key_file = Some(PathBuf::from("key.pem"));
        assert!(c.validate().is_ok());
        c.github_token = Some(Secret::new("t"));
        assert!(c.validate().is_err());
        c.github_app_id = None;
        c.github_app_private_key_file = None;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn lock_and_github_timeouts_parse_and_are_bounded() {
        let cli = Cli::try_parse_from([
            "openfund",
            "--db-lock-timeout-ms",
            "250",
            "--github-timeout-secs",
            "3",
        ])
        .unwrap();
        assert_eq!(
            cli.config.db_lock_timeout(),
            std::time::Duration::from_millis(250)
        );
        assert_eq!(cli.config.github_timeout_secs, 3);
        // Zero would mean "never wait" on SQLite but "wait forever" on PostgreSQL.
        assert!(Cli::try_parse_from(["openfund", "--db-lock-timeout-ms", "0"]).is_err());
        assert!(Cli::try_parse_from(["openfund", "--github-timeout-secs", "0"]).is_err());
    }

    #[test]
    fn trusted_proxies_parse_from_the_environment_form() {
        let cli =
            Cli::try_parse_from(["openfund", "--trusted-proxies", "10.0.0.0/8, ::1"]).unwrap();
        assert!(
            cli.config
                .trusted_proxies
                .trusts("10.2.3.4".parse().unwrap())
        );
        assert!(Cli::try_parse_from(["openfund", "--trusted-proxies", "10.0.0.0/40"]).is_err());
    }
}
