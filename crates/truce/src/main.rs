//! The `truce` command line: the CLI definition and glue, nothing else.
//! Each command lives in `commands/`; the work is done by the library crates.

mod cli;
mod commands;
mod datadir;
mod geography;
mod http_source;
mod served_openings;
mod static_log;
mod witnessed;

use clap::Parser;

/// mimalloc: the import path allocates many small values (parsed reports,
/// events, JSON); the system allocator spent a third of its time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "truce=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
