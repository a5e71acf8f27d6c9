//! `truce init`: a new data directory with its log key and an empty, signed log.

use crate::datadir::DataDir;
use std::path::Path;
use std::process::ExitCode;
use truce_store::LogWriter;

pub fn run(data: &Path, origin: &str) -> anyhow::Result<ExitCode> {
    let dir = DataDir::create(data, origin)?;
    LogWriter::open(&dir.database(), dir.signer()?)?;
    println!("created {} for log {origin}", data.display());
    println!("verifier key (give it to every party): {}", dir.verifier()?);
    Ok(ExitCode::SUCCESS)
}
