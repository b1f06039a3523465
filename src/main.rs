//! The `openfund` command: parses the command line and hands over to the library.

use clap::Parser;
use openfund::config::{Cli, Command};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    openfund::telemetry::init(&cli.config);
    openfund::commands::run(cli.command.unwrap_or(Command::Serve), cli.config).await
}
