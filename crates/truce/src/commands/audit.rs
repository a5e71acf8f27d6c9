//! `truce audit` and `truce log audit`: recompute the log's root from every
//! stored entry, check every entry bundle against its stored tile hash and
//! the checkpoint's signature; `truce audit` then replays the log into fresh
//! projections and names every live row, sealed field and opening (stored
//! or disclosed) that differs.

use crate::datadir::DataDir;
use std::path::Path;
use std::process::ExitCode;
use truce_log::SignedCheckpoint;
use truce_store::{LogReader, audit_log, audit_projections};

/// What to check: the log alone, or the log and everything derived from it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    LogOnly,
    Everything,
}

pub fn run(data: &Path, scope: Scope) -> anyhow::Result<ExitCode> {
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
            if scope == Scope::LogOnly {
                return Ok(ExitCode::SUCCESS);
            }
            let live = truce_store::projections::open(&dir.database())?;
            let projections = audit_projections(&live, &reader)?;
            let problems: Vec<&String> = projections
                .differences
                .iter()
                .chain(&projections.broken_seals)
                .chain(&projections.broken_openings)
                .chain(&projections.broken_snapshots)
                .collect();
            if problems.is_empty() {
                println!("ok: the projections match the log (digest {})", projections.live_digest);
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!(
                "AUDIT FAILED: {} rows, openings or snapshots do not match the log:",
                problems.len()
            );
            for problem in problems {
                eprintln!("  {problem}");
            }
            Ok(ExitCode::FAILURE)
        }
        Err(error) => {
            eprintln!("AUDIT FAILED: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}
