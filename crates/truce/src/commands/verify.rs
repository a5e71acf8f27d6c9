//! `truce log verify`: what a party runs, on its own machine, against the
//! log's server or a mirror, trusting only its verifier key and its saved
//! state: the tree, every disclosure against the commitments before it and,
//! with `--openings`, the openings the server gives the reader.

use crate::cli::VerifyArgs;
use crate::http_source::HttpSource;
use crate::served_openings::ServedOpenings;
use crate::witnessed::{Candidate, witnessed};
use anyhow::Context;
use std::process::ExitCode;
use truce_domain::disclosure_ledger::DisclosureLedger;
use truce_log::Policy;
use truce_log::VerifierKey;
use truce_log::client::{DirectorySource, TileSource, verify_log};

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let vkey = read_vkey(&args.vkey)?;
    let policy = args.policy.as_deref().map(read_policy).transpose()?;
    let mut served = None;
    let http = args.url.as_deref().map(HttpSource::discover).transpose()?;
    let directory = args.dir.clone().map(DirectorySource);
    let source: &dyn TileSource = match (&http, &directory) {
        (Some(http), _) => {
            if args.openings {
                served = Some(ServedOpenings::new(http.prefix(), args.token.clone()));
            }
            http
        }
        (None, Some(directory)) => directory,
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
    match verify_log(source, &vkey, saved.as_deref(), &mut check) {
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
            let mut trusted = report.checkpoint_note.clone();
            if let Some(policy) = &policy {
                match witnessed(policy, &report.checkpoint_note) {
                    Ok(line) => println!("{line}"),
                    Err(error) => match http.as_ref().map(|http| older_witnessed(http, &vkey, policy, &report)) {
                        Some(Ok(Some(candidate))) => {
                            println!(
                                "{} (at size {}, which the verified tree extends; its {} entries after it await their cosignatures)",
                                candidate.verdict.as_deref().unwrap_or_default(),
                                candidate.size(),
                                checkpoint.size - candidate.size()
                            );
                            trusted = candidate.note;
                        }
                        found => {
                            let older = match found {
                                Some(Err(error)) => {
                                    format!("; the latest checkpoint all witnesses cosigned: {error:#}")
                                }
                                _ => String::new(),
                            };
                            eprintln!(
                                "VERIFICATION FAILED: the checkpoint at size {}: {error}{older}",
                                checkpoint.size
                            );
                            return Ok(ExitCode::FAILURE);
                        }
                    },
                }
            }
            if let Some(path) = &args.state {
                save_state(path, &trusted)?;
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

/// The log's current checkpoint is often newer than its witnesses'
/// cosignatures: the latest every witness cosigned, when the policy accepts
/// it and the tree just verified provably extends it.
fn older_witnessed(
    http: &HttpSource,
    vkey: &VerifierKey,
    policy: &Policy,
    report: &truce_log::client::VerifyReport,
) -> anyhow::Result<Option<Candidate>> {
    let Some(note) = http.cosigned_by_all()? else {
        return Ok(None);
    };
    let candidate = Candidate::open(note, vkey, Some(policy), "the latest checkpoint all witnesses cosigned")?;
    if let Err(why) = &candidate.verdict {
        anyhow::bail!("{why}");
    }
    let verified = &report.checkpoint;
    if candidate.size() > verified.size {
        anyhow::bail!(
            "it is at size {}, beyond the tree verified (size {})",
            candidate.size(),
            verified.size
        );
    }
    let proof = http.consistency_proof(candidate.size(), verified.size)?;
    candidate
        .extended_by(verified, &proof)
        .map_err(|e| anyhow::anyhow!("the verified tree does not extend it: {e}"))?;
    Ok(Some(candidate))
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
