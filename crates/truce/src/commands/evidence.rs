//! `truce evidence`: the blob store and the chain of custody. The bytes live
//! in `DIR/evidence/` by SHA-256; the log records each registration and each
//! custody step, so the record shows who held what, and that it is unchanged.

use crate::cli::EvidenceCommand;
use crate::datadir::DataDir;
use anyhow::Context;
use std::process::ExitCode;
use truce_domain::event::CustodyAction;
use truce_domain::state::Command;
use truce_store::evidence::BlobStore;
use truce_store::{Engine, LogWriter, Outcome, Submission};

pub fn run(command: EvidenceCommand) -> anyhow::Result<ExitCode> {
    match command {
        EvidenceCommand::Add {
            data,
            collected_by,
            media_type,
            source_url,
            report,
            max_bytes,
            file,
        } => {
            let dir = DataDir::open(&data)?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let blob = BlobStore::new(&dir.path().join("evidence"), max_bytes).put(&bytes)?;
            let command = Command::RegisterEvidence {
                sha256: blob.sha256.clone(),
                media_type,
                size: blob.size,
                collected_by,
                source_url,
                report_id: report,
            };
            let outcome = submit(&dir, command)?;
            match outcome {
                Outcome::Recorded { first_index, .. } => {
                    println!("{} registered at log index {first_index}", blob.sha256)
                }
                Outcome::Unchanged => println!("{} was registered before: stored once", blob.sha256),
                Outcome::Refused(reason) => anyhow::bail!("refused: {reason}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Custody {
            data,
            sha256,
            action,
            by,
            to,
            note,
        } => {
            let dir = DataDir::open(&data)?;
            let action = match action.as_str() {
                "collected" => CustodyAction::Collected,
                "transferred" => CustodyAction::Transferred,
                _ => CustodyAction::Examined,
            };
            match submit(
                &dir,
                Command::RecordCustody {
                    sha256,
                    action,
                    by,
                    to,
                    note,
                },
            )? {
                Outcome::Recorded { first_index, .. } => println!("recorded at log index {first_index}"),
                Outcome::Unchanged => println!("nothing to record"),
                Outcome::Refused(reason) => anyhow::bail!("refused: {reason}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Check { data } => {
            let dir = DataDir::open(&data)?;
            let (checked, problems) = BlobStore::new(&dir.path().join("evidence"), u64::MAX).check()?;
            if problems.is_empty() {
                println!("ok: {checked} blobs match their SHA-256");
                return Ok(ExitCode::SUCCESS);
            }
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("EVIDENCE CHECK FAILED: {} of {checked} blobs changed", problems.len());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Submits one command as `cli` and returns its outcome.
pub fn submit(dir: &DataDir, command: Command) -> anyhow::Result<Outcome> {
    let mut engine = Engine::open(LogWriter::open(&dir.database(), dir.signer()?)?)?;
    if let Some(agreement) = dir.agreement()? {
        engine.set_agreement(agreement);
    }
    // Whoever runs the command on the host administers it.
    let mut outcomes = engine.submit(vec![Submission::new("cli", command).acting("admin")])?;
    Ok(outcomes.pop().expect("one outcome a submission"))
}
