//! `truce receipt verify`: a party checks, on its own machine, that the
//! mechanism received its submission. The receipt (as the API answered it,
//! or its `receipt` object) holds the entry, its index, the signed
//! checkpoint, the inclusion proof and the openings of the entry's
//! commitments: each opening is checked against its commitment (the text
//! the submitter filed), the checkpoint's signature is checked with the
//! log's verifier key, the entry's leaf hash is proven into the
//! checkpoint's root.
//!
//! A receipt is answered the moment its batch is signed, before any witness
//! has seen that checkpoint. With `--url` the log's current checkpoint is
//! proven consistent with the receipt's (the entry is still there), and the
//! receipt is upgraded in place with the newest checkpoint the witnesses
//! cosigned and the proof that its tree extends the receipt's: from then on
//! the receipt proves, offline, that every witness saw the entry. With
//! `--policy` the receipt is accepted only when its own checkpoint or its
//! upgrade meets the policy's quorum.

use super::verify::{read_policy, read_vkey};
use crate::http_source::HttpSource;
use crate::witnessed::{Candidate, latest_witnessed, proven_extension};
use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use truce_domain::disclosure::{Opening, check_openings};
use truce_log::{Hash, Policy, VerifierKey, leaf_hash, verify_inclusion};

/// What `truce receipt verify` was asked.
pub struct ReceiptCheck {
    pub file: PathBuf,
    pub vkey: Option<String>,
    pub url: Option<String>,
    pub policy: Option<PathBuf>,
}

/// A receipt as the API answers it (the fields this check reads).
#[derive(serde::Deserialize)]
struct Receipt {
    log_index: u64,
    /// The entry's bytes, base64.
    entry: String,
    checkpoint: String,
    inclusion_proof: Vec<String>,
    #[serde(default)]
    openings: Vec<Opening>,
    #[serde(default)]
    cosigned: Option<Upgrade>,
}

/// A later checkpoint carrying the witnesses' cosignatures, and the proof
/// that its tree extends the receipt's: what `--url` adds to a receipt.
#[derive(serde::Deserialize, serde::Serialize)]
struct Upgrade {
    checkpoint: String,
    /// From the receipt's tree size to this checkpoint's, base64 hashes.
    consistency_proof: Vec<String>,
}

fn hashes(list: &[String], field: &str) -> anyhow::Result<Vec<Hash>> {
    list.iter()
        .enumerate()
        .map(|(i, h)| Hash::from_base64(h).map_err(|e| anyhow::anyhow!("{field}[{i}]: {e}")))
        .collect()
}

/// The log's key: `--vkey`, or the one log a `--policy` names.
fn log_key(vkey: Option<&str>, policy: Option<&Policy>) -> anyhow::Result<VerifierKey> {
    match (vkey, policy) {
        (Some(vkey), _) => read_vkey(vkey),
        (None, Some(policy)) => match policy.logs.as_slice() {
            [log] => Ok(log.key.clone()),
            [] => bail!("the --policy names no log: give --vkey"),
            _ => bail!("the --policy names several logs: give --vkey to say which"),
        },
        (None, None) => bail!("give the log's --vkey, or a --policy whose log line names it"),
    }
}

pub fn verify(args: ReceiptCheck) -> anyhow::Result<ExitCode> {
    let policy = args.policy.as_deref().map(read_policy).transpose()?;
    let vkey = log_key(args.vkey.as_deref(), policy.as_ref())?;
    let file = &args.file;
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut document: serde_json::Value = serde_json::from_str(&text).context("the receipt is not JSON")?;
    let receipt = match document.get("receipt") {
        Some(serde_json::Value::Null) => bail!("the answer holds no receipt: nothing was recorded (a repeat)"),
        Some(receipt) => receipt,
        None if document.get("status").is_some() && document.get("detail").is_some() => bail!(
            "the file holds the API's refusal, not a receipt: {}",
            document["detail"].as_str().unwrap_or_default()
        ),
        None => &document,
    };
    let receipt: Receipt = serde_json::from_value(receipt.clone()).context("the receipt is malformed")?;
    let index = receipt.log_index;
    let entry = BASE64
        .decode(&receipt.entry)
        .context("the receipt's entry is not base64")?;
    let own = Candidate::open(
        receipt.checkpoint.clone(),
        &vkey,
        policy.as_ref(),
        "the receipt's checkpoint",
    )?;
    let size = own.size();
    let root = own.signed.checkpoint.root;
    let proof = hashes(&receipt.inclusion_proof, "inclusion_proof")?;
    if let Err(error) = verify_inclusion(&leaf_hash(&entry), index, size, &proof, &root) {
        eprintln!("FAILED: entry {index} is not in the tree the checkpoint signs: {error}");
        return Ok(ExitCode::FAILURE);
    }
    let envelope: serde_json::Value = serde_json::from_slice(&entry).unwrap_or_default();
    println!(
        "ok: entry {index} ({} at {}) is in {} at size {size}, root {root}",
        envelope["type"].as_str().unwrap_or("?"),
        envelope["at"].as_str().unwrap_or("?"),
        own.signed.checkpoint.origin,
    );
    // The openings the submitter kept: what it filed, provably, though the log holds only commitments.
    if let Err(error) = check_openings(index, &entry, &receipt.openings, &Default::default()) {
        eprintln!("FAILED: {error}");
        return Ok(ExitCode::FAILURE);
    }
    if !receipt.openings.is_empty() {
        let groups: Vec<&str> = receipt.openings.iter().map(|o| o.group.as_str()).collect();
        println!(
            "ok: the receipt's openings of {} match the entry's commitment: the text filed",
            groups.join(", ")
        );
    }
    let mut upgrade = match &receipt.cosigned {
        Some(upgrade) => match open_upgrade(upgrade, &own, &vkey, policy.as_ref()) {
            Ok(candidate) => {
                println!(
                    "ok: the receipt's upgrade, the checkpoint at size {}, extends the receipt's tree",
                    candidate.size()
                );
                Some(candidate)
            }
            Err(error) => {
                eprintln!("FAILED: the receipt's upgrade: {error:#}");
                return Ok(ExitCode::FAILURE);
            }
        },
        None => None,
    };
    if let Some(url) = &args.url {
        let source = HttpSource::discover(url)?;
        let served = latest_witnessed(&source, &vkey, policy.as_ref())?;
        let current = &served.current;
        if current.size() < size {
            eprintln!(
                "FAILED: the log now claims size {}, smaller than the receipt's {size}: a rollback",
                current.size()
            );
            return Ok(ExitCode::FAILURE);
        }
        if let Err(error) = proven_extension(&source, &own, &current.signed.checkpoint) {
            eprintln!(
                "FAILED: the log's size-{} tree does not extend the receipt's size-{size} tree: {error:#}",
                current.size()
            );
            return Ok(ExitCode::FAILURE);
        }
        println!(
            "ok: the log's current tree (size {}) extends the receipt's: the entry is still in it",
            current.size()
        );
        match served.witnessed {
            Some(witnessed) if witnessed.size() < size => println!(
                "not yet: the newest checkpoint cosigned as required is at size {}, before the entry's tree (size {size}); run this again later",
                witnessed.size()
            ),
            Some(witnessed) if upgrade.as_ref().is_some_and(|u| u.size() >= witnessed.size()) => {
                println!("ok: the receipt's upgrade is as new as the log's newest cosigned checkpoint");
            }
            Some(witnessed) => {
                let proof = match proven_extension(&source, &own, &witnessed.signed.checkpoint) {
                    Ok(proof) => proof,
                    Err(error) => {
                        eprintln!(
                            "FAILED: the cosigned size-{} tree does not extend the receipt's size-{size} tree: {error:#}",
                            witnessed.size()
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                };
                let added = Upgrade {
                    checkpoint: witnessed.note.clone(),
                    consistency_proof: proof.iter().map(Hash::to_base64).collect(),
                };
                save_upgrade(file, &mut document, &added)?;
                println!(
                    "upgraded {}: it now holds the cosigned checkpoint at size {} and the proof that its tree extends the receipt's",
                    file.display(),
                    witnessed.size(),
                );
                upgrade = Some(witnessed);
            }
            None => println!(
                "not yet: no checkpoint the log serves is cosigned as required ({}); run this again later",
                current.verdict.as_ref().err().map_or("", String::as_str)
            ),
        }
    }
    if policy.is_none() {
        return Ok(ExitCode::SUCCESS);
    }
    // The receipt's own checkpoint or its upgrade: whichever the policy accepts.
    let best = upgrade.as_ref().unwrap_or(&own);
    match [&own, best]
        .into_iter()
        .find_map(|c| c.verdict.as_ref().ok().map(|v| (c, v)))
    {
        Some((candidate, verdict)) => {
            println!(
                "{verdict} (the checkpoint at size {}, which holds entry {index})",
                candidate.size()
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let why = best.verdict.as_ref().err().cloned().unwrap_or_default();
            eprintln!(
                "FAILED: no checkpoint the receipt holds meets the policy: {why}{}",
                if args.url.is_none() {
                    " (give --url to upgrade the receipt with a cosigned checkpoint)"
                } else {
                    ""
                }
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The upgrade's checkpoint, once it is signed by the log and its proof
/// shows its tree extends the receipt's.
fn open_upgrade(
    upgrade: &Upgrade,
    own: &Candidate,
    vkey: &VerifierKey,
    policy: Option<&Policy>,
) -> anyhow::Result<Candidate> {
    let candidate = Candidate::open(upgrade.checkpoint.clone(), vkey, policy, "its checkpoint")?;
    let proof = hashes(&upgrade.consistency_proof, "cosigned.consistency_proof")?;
    if candidate.size() < own.size() {
        bail!(
            "its checkpoint (size {}) is older than the receipt's (size {})",
            candidate.size(),
            own.size()
        );
    }
    own.extended_by(&candidate.signed.checkpoint, &proof).map_err(|e| {
        anyhow::anyhow!(
            "its tree (size {}) does not extend the receipt's: {e}",
            candidate.size()
        )
    })?;
    Ok(candidate)
}

/// Writes the receipt back with `upgrade`, atomically: the file holds the
/// old receipt or the upgraded one, never half of either.
fn save_upgrade(file: &Path, document: &mut serde_json::Value, upgrade: &Upgrade) -> anyhow::Result<()> {
    let receipt = match document.get_mut("receipt") {
        Some(receipt) => receipt,
        None => document,
    };
    let object = receipt.as_object_mut().context("the receipt is not a JSON object")?;
    object.insert("cosigned".into(), serde_json::to_value(upgrade)?);
    let mut text = serde_json::to_string_pretty(document)?;
    text.push('\n');
    let name = file.file_name().context("the receipt's path names no file")?;
    let temporary = file.with_file_name(format!(".{}.upgrading", name.to_string_lossy()));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut out = std::fs::File::create(&temporary)?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&temporary, file)
    };
    write().with_context(|| format!("writing the upgraded receipt to {}", file.display()))
}
