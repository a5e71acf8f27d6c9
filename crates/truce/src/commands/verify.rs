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
use truce_log::SignedCheckpoint;
use truce_log::VerifierKey;
use truce_log::client::{DirectorySource, TileProver, TileSource, VerifyReport, WalkState, verify_log};

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
    // Unchanged since the saved (fully verified) checkpoint: nothing to
    // fetch but the checkpoint. Not when the reader asks for its openings,
    // which the saved run may not have checked.
    let unchanged = match (&saved, &served) {
        (Some(saved), None) => unchanged_since(source, &vkey, saved),
        _ => None,
    };
    // Where the saved run's walk stopped, to start there (not with
    // `--openings`: the saved run may not have checked them).
    let saved_walk = match (&args.state, &served, &unchanged) {
        (Some(path), None, None) => read_walk(path),
        _ => None,
    };
    let mut ledger = DisclosureLedger::new();
    let mut check = |index: u64, entry: &[u8], older: &TileProver| {
        // A walk that began after what a disclosure opens proves those
        // entries first (only earlier ones: a disclosure opens what the
        // log committed to before it).
        for earlier in ledger.not_held(entry).into_iter().filter(|earlier| *earlier < index) {
            let bytes = older.entry(earlier)?;
            ledger.remember(earlier, &bytes);
        }
        if let Some(mismatch) = ledger.entry(index, entry, true).into_iter().next() {
            return Err(mismatch.to_string());
        }
        match served.as_mut() {
            Some(served) => served.check(index, entry),
            None => Ok(()),
        }
    };
    let outcome = match unchanged {
        Some(report) => Ok((report, true)),
        None => {
            verify_log(source, &vkey, saved.as_deref(), saved_walk.as_ref(), &mut check).map(|report| (report, false))
        }
    };
    match outcome {
        Ok((report, true)) => {
            let checkpoint = &report.checkpoint;
            println!(
                "ok: unchanged since the saved checkpoint: {} at size {} with root {} (nothing fetched but the checkpoint)",
                checkpoint.origin, checkpoint.size, checkpoint.root
            );
            finish(&args, &http, &vkey, policy.as_ref(), &report)
        }
        Ok((report, false)) => {
            let checkpoint = &report.checkpoint;
            match report.resumed_from {
                Some(from) => println!(
                    "ok: {} at size {} with root {} ({} entries after the saved walk at size {from}, {} tiles checked)",
                    checkpoint.origin, checkpoint.size, checkpoint.root, report.entries, report.tiles_checked
                ),
                None => println!(
                    "ok: {} at size {} with root {} ({} entries, {} tiles checked)",
                    checkpoint.origin, checkpoint.size, checkpoint.root, report.entries, report.tiles_checked
                ),
            }
            println!(
                "ok: {} disclosed events open {} groups committed to before them",
                ledger.disclosed_events, ledger.openings_checked
            );
            if let Some(served) = &served {
                println!(
                    "ok: {} openings served to you match their entries' commitments ({} withheld from you)",
                    served.checked, served.withheld
                );
            }
            if let Some(previous) = &report.previous {
                println!("ok: consistent with the saved checkpoint at size {}", previous.size);
            }
            finish(&args, &http, &vkey, policy.as_ref(), &report)
        }
        Err(error) => {
            eprintln!("VERIFICATION FAILED: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The saved checkpoint, when the log's current one is the same tree: the
/// report of that tree, verified by the run that saved it. `None` when it
/// differs, or anything fails (the full walk then says what).
fn unchanged_since(source: &dyn TileSource, vkey: &VerifierKey, saved: &[u8]) -> Option<VerifyReport> {
    let saved = SignedCheckpoint::open(saved, vkey).ok()?.checkpoint;
    let note = source.fetch("checkpoint").ok()??;
    let current = SignedCheckpoint::open(&note, vkey).ok()?.checkpoint;
    (current.size == saved.size && current.root == saved.root).then(|| VerifyReport {
        entries: current.size,
        checkpoint: current,
        checkpoint_note: String::from_utf8(note).expect("a verified note is UTF-8"),
        tiles_checked: 0,
        previous: Some(saved),
        walk: None,
        resumed_from: None,
    })
}

/// After the tree: the policy's quorum, then the state saved.
fn finish(
    args: &VerifyArgs,
    http: &Option<HttpSource>,
    vkey: &VerifierKey,
    policy: Option<&Policy>,
    report: &VerifyReport,
) -> anyhow::Result<ExitCode> {
    let checkpoint = &report.checkpoint;
    let mut trusted = report.checkpoint_note.clone();
    if let Some(policy) = policy {
        match witnessed(policy, &report.checkpoint_note) {
            Ok(line) => println!("{line}"),
            Err(error) => match http.as_ref().map(|http| older_witnessed(http, vkey, policy, report)) {
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
        let walk = walk_path(path);
        match &report.walk {
            // The walk is of the tree verified: kept only when that is the tree saved.
            Some(state) if trusted == report.checkpoint_note => {
                crate::static_log::write_atomically(&walk, &state.to_bytes())?;
            }
            Some(_) => {
                let _ = std::fs::remove_file(&walk);
            }
            None => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the walk saved with the state file `state` is kept.
fn walk_path(state: &std::path::Path) -> std::path::PathBuf {
    let mut name = state.as_os_str().to_owned();
    name.push(".walk");
    name.into()
}

/// The walk saved beside the state file, if there is a usable one.
fn read_walk(state: &std::path::Path) -> Option<WalkState> {
    let path = walk_path(state);
    let bytes = std::fs::read(&path).ok()?;
    match WalkState::from_bytes(&bytes) {
        Ok(walk) => Some(walk),
        Err(why) => {
            eprintln!(
                "note: the saved walk {} is unusable ({why}): walking the whole log",
                path.display()
            );
            None
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
    crate::witnessed::proven_extension(http, &candidate, verified)
        .map_err(|e| anyhow::anyhow!("the verified tree does not extend it: {e:#}"))?;
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
