//! Checking, from the public log alone, that every `disclosed` event opens
//! commitments the log made earlier: a published allegation is provably
//! the text received at intake. A verifier feeds the ledger each entry in
//! log order; the ledger keeps the commitments (32 bytes each) that a
//! later disclosure may open and checks each disclosed opening against
//! the one of the entry it names (with the event's digests of the groups
//! of that entry it does not open).

use crate::disclosure::{self, Committed, Group, Opening};
use crate::event::{Envelope, Event};
use std::collections::{BTreeMap, HashMap};

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

/// What an entry committed to, as the ledger keeps it.
enum Kept {
    /// One commitment over the groups' digests (version 3).
    Groups([u8; 32]),
    /// A commitment a group (version 2).
    EachGroup(BTreeMap<Group, [u8; 32]>),
}

/// The commitments seen so far and what the disclosures checked.
#[derive(Default)]
pub struct DisclosureLedger {
    commitments: HashMap<u64, Kept>,
    /// How many `disclosed` events were checked.
    pub disclosed_events: u64,
    /// How many disclosed openings matched their commitment.
    pub openings_checked: u64,
}

fn bytes_of(hex_text: &str) -> Option<[u8; 32]> {
    hex::decode(hex_text).ok().and_then(|b| <[u8; 32]>::try_from(b).ok())
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
            self.remember(index, public);
        }
        mismatches
    }

    /// Keeps the commitments of entry `index` for the disclosures to come
    /// (an entry of the past, proved in the log, that one of them opens).
    pub fn remember(&mut self, index: u64, public: &[u8]) {
        {
            let kept = match disclosure::committed(public) {
                Committed::Nothing => None,
                Committed::Groups(hex_text) => bytes_of(&hex_text).map(Kept::Groups),
                Committed::EachGroup(each) => Some(Kept::EachGroup(
                    each.into_iter()
                        .filter_map(|(group, hex_text)| Some((group, bytes_of(&hex_text)?)))
                        .collect(),
                )),
            };
            if let Some(kept) = kept {
                self.commitments.insert(index, kept);
            }
        }
    }

    /// The entries `public`, if it is a `disclosed` event, opens that the
    /// ledger was not given (a walk that began after them).
    pub fn not_held(&self, public: &[u8]) -> Vec<u64> {
        if !is_disclosed_event(public) {
            return Vec::new();
        }
        let Ok(Envelope {
            event: Event::Disclosed { openings, .. },
            ..
        }) = disclosure::join(public, &[])
        else {
            return Vec::new();
        };
        let mut indexes: Vec<u64> = openings
            .iter()
            .map(|o| o.index)
            .filter(|index| !self.commitments.contains_key(index))
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes
    }

    fn check_disclosed(&mut self, at: u64, public: &[u8], mismatches: &mut Vec<DisclosureMismatch>) {
        let (openings, withheld) = match disclosure::join(public, &[]) {
            Ok(Envelope {
                event: Event::Disclosed { openings, withheld, .. },
                ..
            }) => (openings, withheld),
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
        let mut withheld: HashMap<u64, BTreeMap<Group, String>> =
            withheld.into_iter().map(|w| (w.index, w.digests)).collect();
        // Each entry's openings in this event, in the order they came.
        let mut by_entry: BTreeMap<u64, Vec<Opening>> = BTreeMap::new();
        for disclosed in &openings {
            by_entry.entry(disclosed.index).or_default().push(disclosed.opening());
        }
        for (index, opened) in by_entry {
            let first = opened[0].group;
            match self.commitments.get(&index) {
                None => mismatches.push(DisclosureMismatch::NoCommitment {
                    at,
                    index,
                    group: first,
                }),
                Some(Kept::EachGroup(each)) => {
                    for opening in &opened {
                        let group = opening.group;
                        match each.get(&group) {
                            None => mismatches.push(DisclosureMismatch::NoCommitment { at, index, group }),
                            Some(commitment) if opening.opens(&hex::encode(commitment)) => self.openings_checked += 1,
                            Some(_) => mismatches.push(DisclosureMismatch::Differs { at, index, group }),
                        }
                    }
                }
                Some(Kept::Groups(commitment)) => {
                    let others = withheld.remove(&index).unwrap_or_default();
                    if disclosure::opens_commitment(&hex::encode(commitment), &opened, &others) {
                        self.openings_checked += opened.len() as u64;
                    } else {
                        mismatches.push(DisclosureMismatch::Differs {
                            at,
                            index,
                            group: first,
                        });
                    }
                }
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
