//! The one typed configuration, read once from flags and `OPENFUND_*` environment
//! variables and handed down explicitly.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db::DatabaseUrl;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo projects (idempotent) and exit.
    Demo,
    /// Print the OpenAPI document and exit.
    Openapi,
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

    /// Maximum database connections per process.
    #[arg(long, env = "OPENFUND_DB_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=512), global = true)]
    pub db_pool_size: u32,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "OPENFUND_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "OPENFUND_MAX_BODY_BYTES", default_value_t = 64 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Serve the web front end from this folder instead of the copy built into the binary.
    #[arg(long, env = "OPENFUND_STATIC_DIR", global = true)]
    pub static_dir: Option<PathBuf>,

    /// Operator token allowed to create projects until accounts exist (issue 3).
    #[arg(
        long,
        env = "OPENFUND_ADMIN_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub admin_token: Option<Secret>,
}

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
        if s.len() < 16 {
            return Err("must be at least 16 characters".to_owned());
        }
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
            db_pool_size: 10,
            workers: None,
            max_body_bytes: 64 * 1024,
            static_dir: None,
            admin_token: None,
        }
    }
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
        assert_eq!(cli.command, Some(Command::Demo));
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
        assert!(Cli::try_parse_from(["openfund", "--admin-token", "short"]).is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let mut c = Config::for_database("sqlite:x.db".parse().unwrap());
        c.admin_token = Some(Secret::new("a-very-secret-token-value"));
        assert!(!format!("{c:?}").contains("a-very-secret"));
    }
}
