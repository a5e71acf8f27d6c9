//! Checking, from the public log alone, that every `disclosed` event opens
//! commitments the log made earlier: a published allegation is provably
//! the text received at intake. A verifier feeds the ledger each entry in
//! log order; the ledger keeps the commitments (32 bytes each) that a
//! later disclosure may open and checks each disclosed opening against
//! the one of the entry it names.

use crate::disclosure::{self, Group};
use crate::event::{Envelope, Event};
use std::collections::HashMap;

/// A disclosed opening that does not open what the log committed to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureMismatch {
    #[error("entry {at} discloses {group} of entry {index}, which made no commitment to it before")]
    NoCommitment { at: u64, index: u64, group: Group },
    #[error("entry {at} discloses {group} of entry {index}, and it does not match that entry's commitment")]
    Differs { at: u64, index: u64, group: Group },
    #[error("entry {at} is a disclosed event that cannot be read: {why}")]
    Unreadable { at: u64, why: String },
}

/// The commitments seen so far and what the disclosures checked.
#[derive(Default)]
pub struct DisclosureLedger {
    commitments: HashMap<(u64, Group), [u8; 32]>,
    /// How many `disclosed` events were checked.
    pub disclosed_events: u64,
    /// How many disclosed openings matched their commitment.
    pub openings_checked: u64,
}

impl DisclosureLedger {
    pub fn new() -> DisclosureLedger {
        DisclosureLedger::default()
    }

    /// Takes entry `index` (log order): checks its disclosures, if it is a
    /// `disclosed` event, and keeps its commitments when `keep` says a
    /// later disclosure may open them. Returns every mismatch found.
    pub fn entry(&mut self, index: u64, public: &[u8], keep: bool) -> Vec<DisclosureMismatch> {
        let mut mismatches = Vec::new();
        if is_disclosed_event(public) {
            self.check_disclosed(index, public, &mut mismatches);
        }
        if keep {
            for (group, hex_text) in disclosure::commitments(public) {
                if let Some(bytes) = hex::decode(&hex_text).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()) {
                    self.commitments.insert((index, group), bytes);
                }
            }
        }
        mismatches
    }

    fn check_disclosed(&mut self, at: u64, public: &[u8], mismatches: &mut Vec<DisclosureMismatch>) {
        let openings = match disclosure::join(public, &[]) {
            Ok(Envelope {
                event: Event::Disclosed { openings, .. },
                ..
            }) => openings,
            Ok(_) => return,
            Err(error) => {
                mismatches.push(DisclosureMismatch::Unreadable {
                    at,
                    why: error.to_string(),
                });
                return;
            }
        };
        self.disclosed_events += 1;
        for disclosed in openings {
            let (index, group) = (disclosed.index, disclosed.group);
            let Some(commitment) = self.commitments.get(&(index, group)) else {
                mismatches.push(DisclosureMismatch::NoCommitment { at, index, group });
                continue;
            };
            if disclosed.opening().opens(&hex::encode(commitment)) {
                self.openings_checked += 1;
            } else {
                mismatches.push(DisclosureMismatch::Differs { at, index, group });
            }
        }
    }
}

/// Whether `public` is a `disclosed` event, read without parsing the whole entry.
fn is_disclosed_event(public: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_slice::<Kind>(public).is_ok_and(|k| k.kind.as_deref() == Some("disclosed"))
}
