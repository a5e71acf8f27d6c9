//! `truce audit`: recompute the log's root from every stored entry, check
//! every entry bundle against its stored tile hash, and the checkpoint's signature.

use crate::datadir::DataDir;
use std::path::Path;
use std::process::ExitCode;
use truce_log::SignedCheckpoint;
use truce_store::{LogReader, audit_log};

pub fn run(data: &Path) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let reader = LogReader::open(&dir.database())?;
    match audit_log(&reader) {
        Ok(report) => {
            SignedCheckpoint::open(report.checkpoint.note.as_bytes(), &dir.verifier()?)
                .map_err(|e| anyhow::anyhow!("the latest checkpoint is not signed by this log's key: {e}"))?;
            println!(
                "ok: {} entries ({} bytes) hash to the signed root {}",
                report.checkpoint.size, report.entry_bytes, report.checkpoint.root
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("AUDIT FAILED: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}
