//! What a witness answers to an add-checkpoint request, check by check in
//! the order C2SP tlog-witness gives them: 400 malformed, 404 unknown
//! origin, 403 not signed by the log's trusted key, 400 an old size above
//! the checkpoint's, 409 an old size that is not the witness's own (with
//! that size as `text/x.tlog.size`), 422 a consistency proof that fails
//! (or is not empty from 0), 409 the same size with another root; else
//! the state moves and the cosignature is returned. Every refusal of a
//! request the log signed that shows two histories is kept as evidence.

use std::sync::Mutex;
use truce_log::checkpoint::Checkpoint;
use truce_log::cosignature::Cosigner;
use truce_log::note::{Note, VerifierKey};
use truce_log::verify_consistency;
use truce_log::witness_protocol::{AddCheckpoint, SIZE_CONTENT_TYPE};
use truce_store::StoreError;
use truce_store::witness_state::{Advance, Evidence, WitnessState, WitnessedLog};

/// An answer: the status, its content type and its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Answer {
    fn text(status: u16, body: impl Into<String>) -> Answer {
        let mut body = body.into();
        body.push('\n');
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }

    fn size(stored: u64) -> Answer {
        Answer {
            status: 409,
            content_type: SIZE_CONTENT_TYPE,
            body: format!("{stored}\n"),
        }
    }
}

/// A witness: its cosigning key and its state.
pub struct Witness {
    cosigner: Cosigner,
    state: Mutex<WitnessState>,
}

/// What the check of a request against the stored state decided.
enum Decision {
    Cosign(Advance),
    Refuse { answer: Answer, evidence: Option<String> },
}

impl Witness {
    pub fn new(cosigner: Cosigner, state: WitnessState) -> Witness {
        Witness {
            cosigner,
            state: Mutex::new(state),
        }
    }

    pub fn cosigner(&self) -> &Cosigner {
        &self.cosigner
    }

    /// Answers one add-checkpoint request at `now` (POSIX seconds). A
    /// storage failure is a 500 and changes nothing.
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Answer {
        match self.try_add_checkpoint(body, now) {
            Ok(answer) => answer,
            Err(error) => {
                tracing::error!(%error, "the witness's state could not be read or written");
                Answer::text(500, "the witness could not store its state; nothing was cosigned")
            }
        }
    }

    fn try_add_checkpoint(&self, body: &[u8], now: u64) -> Result<Answer, StoreError> {
        let request = match AddCheckpoint::parse(body) {
            Ok(request) => request,
            Err(error) => return Ok(Answer::text(400, error.to_string())),
        };
        let note = match Note::parse(request.checkpoint.as_bytes()) {
            Ok(note) => note,
            Err(error) => {
                return Ok(Answer::text(
                    400,
                    format!("the checkpoint is not a signed note: {error}"),
                ));
            }
        };
        let checkpoint = match Checkpoint::parse(note.text()) {
            Ok(checkpoint) => checkpoint,
            Err(error) => return Ok(Answer::text(400, error.to_string())),
        };
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let cosigner = &self.cosigner;
        let decided = state.advance(&checkpoint.origin, |stored| {
            match decide(stored, &request, &note, &checkpoint, now) {
                Decision::Cosign(advance) => {
                    let line = cosigner.cosign(note.text(), now).line();
                    (
                        Some(advance),
                        (
                            Answer {
                                status: 200,
                                content_type: "text/plain; charset=utf-8",
                                body: format!("{line}\n"),
                            },
                            None,
                            stored.size,
                        ),
                    )
                }
                Decision::Refuse { answer, evidence } => (None, (answer, evidence, stored.size)),
            }
        })?;
        let Some((answer, evidence, stored_size)) = decided else {
            return Ok(Answer::text(404, format!("unknown log origin {:?}", checkpoint.origin)));
        };
        if let Some(reason) = evidence {
            tracing::warn!(origin = %checkpoint.origin, status = answer.status, %reason, "refused a checkpoint the log signed: kept as evidence");
            state.record_evidence(&Evidence {
                origin: checkpoint.origin.clone(),
                status: answer.status,
                reason,
                request: String::from_utf8_lossy(body).into_owned(),
                stored_size,
                at: now,
            })?;
        }
        Ok(answer)
    }
}

fn decide(stored: &WitnessedLog, request: &AddCheckpoint, note: &Note, checkpoint: &Checkpoint, now: u64) -> Decision {
    let refuse = |answer: Answer| Decision::Refuse { answer, evidence: None };
    let log_key: VerifierKey = match stored.vkey.parse() {
        Ok(key) => key,
        Err(error) => {
            return refuse(Answer::text(
                500,
                format!("the witness's key for this log is unreadable: {error}"),
            ));
        }
    };
    if note.verify(std::slice::from_ref(&log_key)).is_err() {
        return refuse(Answer::text(
            403,
            "the checkpoint is not signed by the log's trusted key",
        ));
    }
    // From here the log signed what it sent: a refusal that shows a second
    // history (another root at the size cosigned, or a tree the log cannot
    // prove extends it) is kept as evidence, whatever else is wrong.
    let fork = (checkpoint.size == stored.size && checkpoint.root != stored.root).then(|| {
        format!(
            "a checkpoint of size {} with root {}, where the witness cosigned root {}",
            checkpoint.size,
            checkpoint.root.to_base64(),
            stored.root.to_base64()
        )
    });
    let answer = |answer: Answer| Decision::Refuse {
        answer,
        evidence: fork.clone(),
    };
    if request.old_size > checkpoint.size {
        return answer(Answer::text(
            400,
            format!(
                "the old size {} is above the checkpoint's size {}",
                request.old_size, checkpoint.size
            ),
        ));
    }
    if request.old_size != stored.size || fork.is_some() {
        return answer(Answer::size(stored.size));
    }
    if request.old_size == 0 && !request.proof.is_empty() {
        return refuse(Answer::text(422, "a consistency proof from size 0 must be empty"));
    }
    if request.old_size > 0
        && let Err(error) = verify_consistency(
            request.old_size,
            checkpoint.size,
            &request.proof,
            &stored.root,
            &checkpoint.root,
        )
    {
        let reason = format!(
            "the consistency proof from size {} to {} does not verify: {error}",
            request.old_size, checkpoint.size
        );
        return Decision::Refuse {
            answer: Answer::text(422, reason.clone()),
            evidence: Some(reason),
        };
    }
    Decision::Cosign(Advance {
        size: checkpoint.size,
        root: checkpoint.root,
        note: request.checkpoint.clone(),
        cosigned_at: now,
    })
}
