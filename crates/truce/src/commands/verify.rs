//! `truce log verify`: what a party runs, on its own machine, against the
//! log's server or a mirror, trusting only its verifier key and its saved
//! state: the tree, every disclosure against the commitments before it and,
//! with `--openings`, the openings the server gives the reader.

use crate::cli::VerifyArgs;
use crate::http_source::HttpSource;
use crate::served_openings::ServedOpenings;
use anyhow::Context;
use std::process::ExitCode;
use truce_domain::disclosure_ledger::DisclosureLedger;
use truce_log::VerifierKey;
use truce_log::client::{DirectorySource, TileSource, verify_log};
use truce_log::{Note, Policy};

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let vkey = read_vkey(&args.vkey)?;
    let policy = args.policy.as_deref().map(read_policy).transpose()?;
    let mut served = None;
    let source: Box<dyn TileSource> = match (&args.url, &args.dir) {
        (Some(url), _) => {
            let source = HttpSource::discover(url)?;
            if args.openings {
                served = Some(ServedOpenings::new(source.prefix(), args.token.clone()));
            }
            Box::new(source)
        }
        (None, Some(dir)) => Box::new(DirectorySource(dir.clone())),
        (None, None) => unreachable!("clap requires one"),
    };
    let saved = match &args.state {
        Some(path) if path.exists() => {
            Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)
        }
        _ => None,
    };
    let mut ledger = DisclosureLedger::new();
    let mut check = |index: u64, entry: &[u8]| {
        if let Some(mismatch) = ledger.entry(index, entry, true).into_iter().next() {
            return Err(mismatch.to_string());
        }
        match served.as_mut() {
            Some(served) => served.check(index, entry),
            None => Ok(()),
        }
    };
    match verify_log(source.as_ref(), &vkey, saved.as_deref(), &mut check) {
        Ok(report) => {
            let checkpoint = &report.checkpoint;
            println!(
                "ok: {} at size {} with root {} ({} entries, {} tiles checked)",
                checkpoint.origin, checkpoint.size, checkpoint.root, report.entries, report.tiles_checked
            );
            println!(
                "ok: {} disclosed events open {} commitments made before them",
                ledger.disclosed_events, ledger.openings_checked
            );
            if let Some(served) = &served {
                println!(
                    "ok: {} openings served to you match their commitments ({} withheld from you)",
                    served.checked, served.withheld
                );
            }
            if let Some(previous) = &report.previous {
                println!("ok: consistent with the saved checkpoint at size {}", previous.size);
            }
            if let Some(policy) = &policy {
                match witnessed(policy, &report.checkpoint_note) {
                    Ok(line) => println!("{line}"),
                    Err(error) => {
                        eprintln!(
                            "VERIFICATION FAILED: the checkpoint at size {}: {error}",
                            checkpoint.size
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                }
            }
            if let Some(path) = &args.state {
                save_state(path, &report.checkpoint_note)?;
                println!("saved the checkpoint to {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("VERIFICATION FAILED: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// A C2SP tlog-policy file, checked line by line.
pub fn read_policy(path: &std::path::Path) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading --policy {}", path.display()))?;
    Policy::parse(&text).map_err(|e| anyhow::anyhow!("--policy {}: {e}", path.display()))
}

/// Whether the signed checkpoint `note` meets `policy`'s quorum: the line
/// to print naming who cosigned, or the refusal naming who is missing.
pub fn witnessed(policy: &Policy, note: &str) -> Result<String, String> {
    let note = Note::parse(note.as_bytes()).map_err(|e| e.to_string())?;
    let witnessed = policy.check(&note).map_err(|e| e.to_string())?;
    let names: Vec<String> = witnessed
        .cosigned
        .iter()
        .map(|(name, at)| {
            let when =
                chrono::DateTime::from_timestamp(*at as i64, 0).map_or_else(|| at.to_string(), |t| t.to_rfc3339());
            format!("{name} at {when}")
        })
        .collect();
    Ok(format!(
        "ok: the policy's quorum is met: cosigned by {}",
        names.join(", ")
    ))
}

/// The key itself, or a file holding it.
pub fn read_vkey(argument: &str) -> anyhow::Result<VerifierKey> {
    let text = match argument.parse::<VerifierKey>() {
        Ok(key) => return Ok(key),
        Err(_) if std::path::Path::new(argument).is_file() => std::fs::read_to_string(argument)?,
        Err(error) => {
            return Err(error).context("--vkey is neither a verifier key nor a file holding one");
        }
    };
    text.trim()
        .parse()
        .context("the --vkey file does not hold a verifier key")
}

/// Replaces the state file atomically, so a crash never leaves half a checkpoint.
fn save_state(path: &std::path::Path, note: &str) -> anyhow::Result<()> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, note)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}
