//! Receipts: proof that the mechanism received a submission, and when. A
//! receipt holds the submission's first log entry (its bytes), its index,
//! the signed checkpoint of the batch it was committed in and the
//! inclusion proof of the entry in that checkpoint's tree, with the
//! openings of the entry's commitments (kept by the submitter alone until
//! they are disclosed). `truce receipt verify` checks one offline with the
//! log's verifier key alone, and later against a newer checkpoint with a
//! consistency proof; it upgrades the receipt with the first checkpoint the
//! witnesses cosigned (the receipt's own is answered before any has seen it).

use crate::{AppState, Problem};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use truce_store::{Committed, Outcome};

/// The receipt of `committed`, as JSON; `None` when nothing was recorded.
pub async fn receipt(state: &AppState, committed: &Committed) -> Result<Option<serde_json::Value>, Problem> {
    let Outcome::Recorded {
        first_index, entries, ..
    } = committed.outcome
    else {
        return Ok(None);
    };
    let size = committed.checkpoint.size;
    let log = state.log.clone();
    // Two indexed reads in one snapshot: cheaper in place than a hop to the blocking pool.
    let (entry, proof) = log
        .entry_with_inclusion_proof(first_index, size)
        .map_err(|e| Problem::internal(&e))?;
    Ok(Some(serde_json::json!({
        "log_index": first_index,
        "entries": entries,
        "entry": BASE64.encode(&entry),
        "tree_size": size,
        "checkpoint": committed.checkpoint.note,
        "inclusion_proof": proof.iter().map(|h| BASE64.encode(h.as_bytes())).collect::<Vec<_>>(),
        "openings": committed.openings,
    })))
}

/// 201 with `extra` and the receipt; 200 with `extra` when nothing changed (a repeat).
pub async fn respond(
    state: &AppState,
    committed: Committed,
    mut extra: serde_json::Value,
) -> Result<Response, Problem> {
    let receipt = receipt(state, &committed).await?;
    let status = if receipt.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    if let Some(object) = extra.as_object_mut() {
        object.insert("recorded".into(), serde_json::json!(receipt.is_some()));
        object.insert("receipt".into(), receipt.unwrap_or(serde_json::Value::Null));
    }
    Ok((status, axum::Json(extra)).into_response())
}

/// A submission's receipt, as documented (the handlers build it as JSON).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub log_index: u64,
    /// How many log entries the submission made, from `log_index` on.
    pub entries: u64,
    /// The first entry's bytes, base64.
    pub entry: String,
    pub tree_size: u64,
    /// The signed checkpoint (a C2SP signed note) of the tree holding it.
    pub checkpoint: String,
    /// The entry's inclusion proof in that tree, base64 hashes.
    pub inclusion_proof: Vec<String>,
    /// The openings of the entry's commitments (what the public log holds
    /// only as salted hashes): the submitter's proof of what it filed.
    pub openings: Vec<truce_domain::disclosure::Opening>,
    /// Never in the answer (no witness has seen its checkpoint yet):
    /// `truce receipt verify --url` adds it once the witnesses cosigned a
    /// checkpoint holding the entry.
    pub cosigned: Option<ReceiptUpgrade>,
}

/// A later checkpoint carrying the witnesses' cosignatures, with the proof
/// that its tree extends the receipt's.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReceiptUpgrade {
    /// The signed checkpoint with its cosignatures (a C2SP signed note).
    pub checkpoint: String,
    /// The consistency proof from the receipt's `tree_size`, base64 hashes.
    pub consistency_proof: Vec<String>,
}

/// The answer to a submission.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Submitted {
    /// Whether anything was recorded (false for a repeat).
    pub recorded: bool,
    pub receipt: Option<Receipt>,
}
