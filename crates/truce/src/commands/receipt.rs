//! `truce receipt verify`: a party checks, on its own machine, that the
//! mechanism received its submission. The receipt (as the API answered it,
//! or its `receipt` object) holds the entry, its index, the signed
//! checkpoint, the inclusion proof and the openings of the entry's
//! commitments: each opening is checked against its commitment (the text
//! the submitter filed), the checkpoint's signature is checked
//! with the log's verifier key, the entry's leaf hash is proven into the
//! checkpoint's root. With `--url`, the log's current checkpoint is fetched
//! and proven consistent with the receipt's: the entry is still there, and
//! will be for as long as the log's history is not forked.

use super::verify::read_vkey;
use crate::http_source::HttpSource;
use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::path::Path;
use std::process::ExitCode;
use truce_domain::disclosure::{Opening, check_openings};
use truce_log::client::TileSource;
use truce_log::{Hash, SignedCheckpoint, VerifierKey, leaf_hash, verify_consistency, verify_inclusion};

fn hashes(value: &serde_json::Value, field: &str) -> anyhow::Result<Vec<Hash>> {
    value
        .as_array()
        .with_context(|| format!("{field} must be a list of base64 hashes"))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let bytes = BASE64
                .decode(h.as_str().unwrap_or_default())
                .with_context(|| format!("{field}[{i}] is not base64"))?;
            Hash::from_slice(&bytes).map_err(|e| anyhow::anyhow!("{field}[{i}]: {e}"))
        })
        .collect()
}

fn open(note: &str, vkey: &VerifierKey, what: &str) -> anyhow::Result<SignedCheckpoint> {
    SignedCheckpoint::open(note.as_bytes(), vkey).map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

pub fn verify(file: &Path, vkey: &str, url: Option<&str>) -> anyhow::Result<ExitCode> {
    let vkey = read_vkey(vkey)?;
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let document: serde_json::Value = serde_json::from_str(&text).context("the receipt is not JSON")?;
    let receipt = document.get("receipt").unwrap_or(&document);
    let index = receipt["log_index"].as_u64().context("the receipt has no log_index")?;
    let entry = BASE64
        .decode(receipt["entry"].as_str().context("the receipt has no entry")?)
        .context("the receipt's entry is not base64")?;
    let checkpoint = open(
        receipt["checkpoint"]
            .as_str()
            .context("the receipt has no checkpoint")?,
        &vkey,
        "the receipt's checkpoint",
    )?;
    let proof = hashes(&receipt["inclusion_proof"], "inclusion_proof")?;
    let size = checkpoint.checkpoint.size;
    if let Err(error) = verify_inclusion(&leaf_hash(&entry), index, size, &proof, &checkpoint.checkpoint.root) {
        eprintln!("FAILED: entry {index} is not in the tree the checkpoint signs: {error}");
        return Ok(ExitCode::FAILURE);
    }
    let envelope: serde_json::Value = serde_json::from_slice(&entry).unwrap_or_default();
    println!(
        "ok: entry {index} ({} by {} at {}) is in {} at size {size}, root {}",
        envelope["type"].as_str().unwrap_or("?"),
        envelope["by"].as_str().unwrap_or("?"),
        envelope["at"].as_str().unwrap_or("?"),
        checkpoint.checkpoint.origin,
        checkpoint.checkpoint.root
    );
    // The openings the submitter kept: what it filed, provably, though the log holds only commitments.
    let openings: Vec<Opening> = match receipt.get("openings") {
        Some(openings) => serde_json::from_value(openings.clone()).context("the receipt's openings are malformed")?,
        None => Vec::new(),
    };
    if let Err(error) = check_openings(index, &entry, &openings) {
        eprintln!("FAILED: {error}");
        return Ok(ExitCode::FAILURE);
    }
    if !openings.is_empty() {
        let groups: Vec<&str> = openings.iter().map(|o| o.group.as_str()).collect();
        println!(
            "ok: the receipt's openings of {} match the entry's commitments: the text filed",
            groups.join(", ")
        );
    }
    let Some(url) = url else {
        return Ok(ExitCode::SUCCESS);
    };
    let source = HttpSource::discover(url)?;
    let latest_note = source
        .fetch("checkpoint")
        .map_err(anyhow::Error::msg)?
        .context("the log serves no checkpoint")?;
    let latest = open(
        &String::from_utf8_lossy(&latest_note),
        &vkey,
        "the log's current checkpoint",
    )?;
    let new_size = latest.checkpoint.size;
    if new_size < size {
        eprintln!("FAILED: the log now claims size {new_size}, smaller than the receipt's {size}: a rollback");
        return Ok(ExitCode::FAILURE);
    }
    let base = source.prefix().trim_end_matches("/log");
    let proof_url = format!("{base}/api/v1/log/proof/consistency?from={size}&to={new_size}");
    let body: serde_json::Value = if new_size == size {
        serde_json::json!({"hashes": []})
    } else {
        let text = ureq::get(&proof_url)
            .call()
            .with_context(|| format!("fetching {proof_url}"))?
            .body_mut()
            .read_to_string()
            .with_context(|| format!("reading {proof_url}"))?;
        serde_json::from_str(&text).context("the consistency proof is not JSON")?
    };
    let proof = hashes(&body["hashes"], "hashes")?;
    if size > 0
        && let Err(error) = verify_consistency(
            size,
            new_size,
            &proof,
            &checkpoint.checkpoint.root,
            &latest.checkpoint.root,
        )
    {
        eprintln!("FAILED: the log's size-{new_size} tree does not extend the receipt's size-{size} tree: {error}");
        return Ok(ExitCode::FAILURE);
    }
    if new_size == size && latest.checkpoint.root != checkpoint.checkpoint.root {
        bail!("the log signs two different roots at size {size}: a fork");
    }
    println!("ok: the log's current tree (size {new_size}) extends the receipt's: the entry is still in it");
    Ok(ExitCode::SUCCESS)
}
