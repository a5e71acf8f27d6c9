//! Finding the checkpoint a verifier may trust: the newest the log serves
//! whose cosignatures meet the reader's policy. The log's current checkpoint
//! is often too new for its witnesses (they cosign a moment after it is
//! signed), so the latest checkpoint every witness cosigned is the second
//! candidate. Both are the server's word until checked here: signed by the
//! log's key, cosigned as the policy says.

use crate::http_source::HttpSource;
use truce_log::{Checkpoint, Hash, Note, Policy, ProofError, SignedCheckpoint, VerifierKey, verify_consistency};

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

/// A checkpoint the log signed, with its note as served (cosignatures included).
#[derive(Clone)]
pub struct Candidate {
    pub signed: SignedCheckpoint,
    pub note: String,
    /// What the policy said of it: the line naming who cosigned, or who is missing.
    pub verdict: Result<String, String>,
}

impl Candidate {
    pub fn open(note: String, vkey: &VerifierKey, policy: Option<&Policy>, what: &str) -> anyhow::Result<Candidate> {
        let signed = SignedCheckpoint::open(note.as_bytes(), vkey).map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
        let verdict = match policy {
            Some(policy) => witnessed(policy, &note),
            None => cosigners(&signed),
        };
        Ok(Candidate { signed, note, verdict })
    }

    pub fn size(&self) -> u64 {
        self.signed.checkpoint.size
    }

    /// Whether `proof` shows that the tree `later` signs extends this one.
    pub fn extended_by(&self, later: &Checkpoint, proof: &[Hash]) -> Result<(), ProofError> {
        verify_consistency(
            self.size(),
            later.size,
            proof,
            &self.signed.checkpoint.root,
            &later.root,
        )
    }
}

/// Without a policy: whether anyone but the log signed it (unchecked: the
/// reader has not said whose cosignatures it trusts).
fn cosigners(signed: &SignedCheckpoint) -> Result<String, String> {
    let origin = signed.checkpoint.origin.as_str();
    let names: Vec<&str> = signed
        .note
        .signatures()
        .iter()
        .map(|s| s.name.as_str())
        .filter(|name| *name != origin)
        .collect();
    if names.is_empty() {
        return Err("it carries no cosignature".into());
    }
    Ok(format!(
        "cosigned by {} (not checked: give --policy to check the cosignatures)",
        names.join(", ")
    ))
}

/// The log's proof that its tree at `later` extends `earlier`'s, fetched and checked.
pub fn proven_extension(source: &HttpSource, earlier: &Candidate, later: &Checkpoint) -> anyhow::Result<Vec<Hash>> {
    let proof = source.consistency_proof(earlier.size(), later.size)?;
    earlier.extended_by(later, &proof)?;
    Ok(proof)
}

/// What the log serves: its current checkpoint, and the newest checkpoint
/// the policy accepts (without a policy: the newest carrying any
/// cosignature), which may be the current one, an older one, or none.
pub struct Served {
    pub current: Candidate,
    pub witnessed: Option<Candidate>,
}

pub fn latest_witnessed(source: &HttpSource, vkey: &VerifierKey, policy: Option<&Policy>) -> anyhow::Result<Served> {
    let current = Candidate::open(source.checkpoint_note()?, vkey, policy, "the log's current checkpoint")?;
    if current.verdict.is_ok() {
        return Ok(Served {
            witnessed: Some(current.clone()),
            current,
        });
    }
    let witnessed = match source.cosigned_by_all()? {
        Some(note) => {
            let candidate = Candidate::open(note, vkey, policy, "the latest checkpoint all witnesses cosigned")?;
            candidate.verdict.is_ok().then_some(candidate)
        }
        None => None,
    };
    Ok(Served { current, witnessed })
}
