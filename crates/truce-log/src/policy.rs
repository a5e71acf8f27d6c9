//! C2SP tlog-policy: which logs a verifier accepts and which witnesses must
//! have cosigned a checkpoint before it trusts it. A party writes its own
//! policy (the demo writes one requiring every party's and mediator's
//! witness), so no single operator, the log's included, can show it a
//! history the others have not seen.
//!
//! ```text
//! log <vkey> [<url>]
//! witness <name> <vkey> [<url>]
//! group <name> all|any|<k> <name>...
//! quorum <name>|none
//! ```

use crate::cosignature::verify_cosignature;
use crate::note::{COSIGNATURE_V1_KEY_TYPE, ED25519_KEY_TYPE, Note, VerifierKey};
use std::collections::BTreeMap;

/// Why a policy file was refused, with its line (from 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy line {line}: {message}")]
pub struct PolicyError {
    pub line: usize,
    pub message: String,
}

/// Why a checkpoint does not satisfy a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyRefusal {
    #[error("the checkpoint is not signed by a log the policy lists")]
    UnknownLog,
    #[error("the quorum is not met: missing cosignatures from {}", missing.join(", "))]
    QuorumNotMet { missing: Vec<String> },
}

/// A witness the policy names.
#[derive(Clone, Debug)]
pub struct PolicyWitness {
    pub name: String,
    pub key: VerifierKey,
    pub url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PolicyLog {
    pub key: VerifierKey,
    pub url: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Witness(usize),
    Group(usize),
}

#[derive(Clone, Debug)]
struct Group {
    threshold: usize,
    members: Vec<Member>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quorum {
    None,
    Of(Member),
}

/// A parsed policy. Names resolve when it is parsed, so a quorum can only
/// name what was defined before it.
#[derive(Clone, Debug)]
pub struct Policy {
    pub logs: Vec<PolicyLog>,
    pub witnesses: Vec<PolicyWitness>,
    groups: Vec<Group>,
    quorum: Quorum,
}

/// What a checkpoint satisfied: the witnesses whose cosignatures verified, with their timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witnessed {
    pub cosigned: Vec<(String, u64)>,
}

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut logs: Vec<PolicyLog> = Vec::new();
        let mut witnesses: Vec<PolicyWitness> = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut names: BTreeMap<String, Member> = BTreeMap::new();
        let mut quorum = None;
        for (number, raw) in text.split('\n').enumerate() {
            let line = number + 1;
            let error = |message: String| PolicyError { line, message };
            if let Some(bad) = raw.bytes().find(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
                return Err(error(format!(
                    "control character 0x{bad:02x} (only tab and newline are allowed)"
                )));
            }
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            let Some((&keyword, rest)) = words.split_first() else {
                continue;
            };
            if keyword.starts_with('#') {
                continue;
            }
            let key = |text: &str, key_type: u8, what: &str| -> Result<VerifierKey, PolicyError> {
                let key: VerifierKey = text
                    .parse()
                    .map_err(|e| error(format!("the {what} key {text:?}: {e}")))?;
                if key.key_type() != key_type {
                    return Err(error(format!(
                        "the {what} key {text:?} is of type 0x{:02x}, not 0x{key_type:02x}",
                        key.key_type()
                    )));
                }
                Ok(key)
            };
            let same_key = |a: &VerifierKey, b: &VerifierKey| a.verifying_key() == b.verifying_key();
            match keyword {
                "log" => {
                    let (vkey, url) = match rest {
                        [vkey] => (vkey, None),
                        [vkey, url] => (vkey, Some(url.to_string())),
                        _ => return Err(error("expected `log <vkey> [<url>]`".into())),
                    };
                    let key = key(vkey, ED25519_KEY_TYPE, "log")?;
                    if logs.iter().any(|log| same_key(&log.key, &key)) {
                        return Err(error("this log's key is listed twice".into()));
                    }
                    logs.push(PolicyLog { key, url });
                }
                "witness" => {
                    let (name, vkey, url) = match rest {
                        [name, vkey] => (name, vkey, None),
                        [name, vkey, url] => (name, vkey, Some(url.to_string())),
                        _ => return Err(error("expected `witness <name> <vkey> [<url>]`".into())),
                    };
                    let key = key(vkey, COSIGNATURE_V1_KEY_TYPE, "witness")?;
                    define(&mut names, name, Member::Witness(witnesses.len())).map_err(error)?;
                    if witnesses.iter().any(|w| same_key(&w.key, &key)) {
                        return Err(error(format!("witness {name}'s key is listed twice")));
                    }
                    witnesses.push(PolicyWitness {
                        name: name.to_string(),
                        key,
                        url,
                    });
                }
                "group" => {
                    let [name, threshold, members @ ..] = rest else {
                        return Err(error("expected `group <name> all|any|<k> <name>...`".into()));
                    };
                    if members.is_empty() {
                        return Err(error(format!("group {name} has no members")));
                    }
                    let mut resolved = Vec::new();
                    for member in members {
                        let found = *names
                            .get(*member)
                            .ok_or_else(|| error(format!("{member} is not defined on an earlier line")))?;
                        if resolved.contains(&found) {
                            return Err(error(format!("{member} is listed twice in group {name}")));
                        }
                        resolved.push(found);
                    }
                    let threshold = match *threshold {
                        "all" => resolved.len(),
                        "any" => 1,
                        k => match crate::checkpoint::parse_canonical_u64(k) {
                            Some(k) if k >= 1 && k as usize <= resolved.len() => k as usize,
                            _ => {
                                return Err(error(format!(
                                    "the threshold {k:?} is not all, any or a number from 1 to {}",
                                    resolved.len()
                                )));
                            }
                        },
                    };
                    define(&mut names, name, Member::Group(groups.len())).map_err(error)?;
                    groups.push(Group {
                        threshold,
                        members: resolved,
                    });
                }
                "quorum" => {
                    let [name] = rest else {
                        return Err(error("expected `quorum <name>`".into()));
                    };
                    if quorum.is_some() {
                        return Err(error("a policy has exactly one quorum line".into()));
                    }
                    quorum = Some(if *name == "none" {
                        Quorum::None
                    } else {
                        Quorum::Of(
                            *names
                                .get(*name)
                                .ok_or_else(|| error(format!("{name} is not defined on an earlier line")))?,
                        )
                    });
                }
                other => return Err(error(format!("unknown keyword {other:?}"))),
            }
        }
        let quorum = quorum.ok_or(PolicyError {
            line: text.split('\n').count(),
            message: "no quorum line".into(),
        })?;
        Ok(Policy {
            logs,
            witnesses,
            groups,
            quorum,
        })
    }

    /// Checks `note` (a signed checkpoint) against the policy: signed by a
    /// listed log (when the policy lists any) and cosigned as the quorum
    /// says. A refusal names the witnesses whose cosignatures would count.
    pub fn check(&self, note: &Note) -> Result<Witnessed, PolicyRefusal> {
        if !self.logs.is_empty() {
            let keys: Vec<VerifierKey> = self.logs.iter().map(|log| log.key.clone()).collect();
            note.verify(&keys).map_err(|_| PolicyRefusal::UnknownLog)?;
        }
        let cosigned: Vec<Option<u64>> = self
            .witnesses
            .iter()
            .map(|witness| verify_cosignature(note, &witness.key).ok())
            .collect();
        let witnessed = Witnessed {
            cosigned: self
                .witnesses
                .iter()
                .zip(&cosigned)
                .filter_map(|(w, at)| at.map(|at| (w.name.clone(), at)))
                .collect(),
        };
        let met = match self.quorum {
            Quorum::None => true,
            Quorum::Of(member) => self.satisfied(member, &cosigned),
        };
        if met {
            return Ok(witnessed);
        }
        let Quorum::Of(member) = self.quorum else {
            unreachable!("a quorum of none is always met")
        };
        let mut missing = Vec::new();
        self.missing(member, &cosigned, &mut missing);
        Err(PolicyRefusal::QuorumNotMet { missing })
    }

    fn satisfied(&self, member: Member, cosigned: &[Option<u64>]) -> bool {
        match member {
            Member::Witness(index) => cosigned[index].is_some(),
            Member::Group(index) => {
                let group = &self.groups[index];
                group.members.iter().filter(|m| self.satisfied(**m, cosigned)).count() >= group.threshold
            }
        }
    }

    /// The witnesses under `member` that did not cosign.
    fn missing(&self, member: Member, cosigned: &[Option<u64>], out: &mut Vec<String>) {
        match member {
            Member::Witness(index) if cosigned[index].is_none() => {
                let name = &self.witnesses[index].name;
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
            Member::Witness(_) => {}
            Member::Group(index) => {
                for member in &self.groups[index].members {
                    self.missing(*member, cosigned, out);
                }
            }
        }
    }

    /// A policy requiring every one of `witnesses` (name and cosigner key),
    /// for `log`: what the demo writes.
    pub fn requiring_all(log: &VerifierKey, witnesses: &[(String, VerifierKey, Option<String>)]) -> String {
        let mut text = format!("log {log}\n");
        for (name, key, url) in witnesses {
            match url {
                Some(url) => text.push_str(&format!("witness {name} {key} {url}\n")),
                None => text.push_str(&format!("witness {name} {key}\n")),
            }
        }
        if witnesses.is_empty() {
            text.push_str("quorum none\n");
        } else {
            let names: Vec<&str> = witnesses.iter().map(|(name, _, _)| name.as_str()).collect();
            text.push_str(&format!(
                "group all-witnesses all {}\nquorum all-witnesses\n",
                names.join(" ")
            ));
        }
        text
    }
}

fn define(names: &mut BTreeMap<String, Member>, name: &str, member: Member) -> Result<(), String> {
    if name == "none" {
        return Err("`none` is predefined and cannot name a witness or group".into());
    }
    if names.insert(name.to_string(), member).is_some() {
        return Err(format!("{name} is defined twice"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::Cosigner;
    use crate::hash::Hash;
    use crate::note::{KeyName, SignerKey};
    use crate::{Checkpoint, Note};

    fn cosigner(name: &str, seed: u8) -> Cosigner {
        Cosigner::from_seed(KeyName::parse(name).unwrap(), [seed; 32])
    }

    #[test]
    fn a_quorum_of_groups_counts_cosignatures_and_names_the_missing() {
        let log = SignerKey::from_seed(KeyName::parse("log.example/one").unwrap(), [1; 32]);
        let (a, b, c) = (
            cosigner("w.example/a", 2),
            cosigner("w.example/b", 3),
            cosigner("w.example/c", 4),
        );
        let text = format!(
            "# two of the first two, and the third\nlog {}\nwitness A {}\nwitness B {} https://b.example/\n\twitness C {}\ngroup AB 2 A B\ngroup all all AB C\nquorum all\n",
            log.verifier(),
            a.verifier(),
            b.verifier(),
            c.verifier()
        );
        let policy = Policy::parse(&text).unwrap();
        assert_eq!(policy.witnesses[1].url.as_deref(), Some("https://b.example/"));
        let checkpoint = Checkpoint::new("log.example/one", 5, Hash([8; 32]));
        let mut note = checkpoint.sign(&log).unwrap();
        note.add_signature(a.cosign(note.text(), 100));
        note.add_signature(c.cosign(note.text(), 101));
        assert_eq!(
            policy.check(&note),
            Err(PolicyRefusal::QuorumNotMet {
                missing: vec!["B".into()]
            })
        );
        note.add_signature(b.cosign(note.text(), 102));
        assert_eq!(policy.check(&note).unwrap().cosigned.len(), 3);
        let other_log = SignerKey::from_seed(KeyName::parse("log.example/one").unwrap(), [9; 32]);
        let forged = checkpoint.sign(&other_log).unwrap();
        assert_eq!(policy.check(&forged), Err(PolicyRefusal::UnknownLog));
        let none = Policy::parse("quorum none\n").unwrap();
        assert!(none.check(&Note::parse(forged.to_text().as_bytes()).unwrap()).is_ok());
    }

    #[test]
    fn a_malformed_policy_is_refused_with_its_line() {
        let a = cosigner("w.example/a", 2).verifier();
        let cases = [
            (format!("witness A {a}\nquorum B\n"), 2, "B is not defined"),
            (format!("quorum A\nwitness A {a}\n"), 1, "A is not defined"),
            (format!("witness A {a}\nwitness A2 {a}\nquorum A\n"), 2, "listed twice"),
            (format!("witness A {a}\ngroup G 2 A\nquorum G\n"), 2, "threshold"),
            (format!("witness A {a}\ngroup G any A A\nquorum G\n"), 2, "listed twice"),
            (format!("witness none {a}\nquorum none\n"), 1, "predefined"),
            (format!("witness A {a}\nquorum A\nquorum A\n"), 3, "exactly one"),
            (format!("witness A {a}\n"), 2, "no quorum"),
            ("frobnicate\nquorum none\n".to_string(), 1, "unknown keyword"),
            ("log not-a-key\nquorum none\n".to_string(), 1, "the log key"),
            (format!("log {a}\nquorum none\n"), 1, "type 0x04"),
            ("quorum none\r\n".to_string(), 1, "control character 0x0d"),
        ];
        for (text, line, says) in cases {
            let error = Policy::parse(&text).unwrap_err();
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.message.contains(says), "{text:?}: {error}");
        }
    }

    #[test]
    fn the_policy_requiring_all_witnesses_reads_back() {
        let log = SignerKey::from_seed(KeyName::parse("log.example/one").unwrap(), [1; 32]);
        let witnesses: Vec<(String, VerifierKey, Option<String>)> = (0..4)
            .map(|i| {
                let c = cosigner(&format!("w.example/{i}"), 10 + i);
                (
                    format!("W{i}"),
                    c.verifier(),
                    Some(format!("http://127.0.0.1:{}", 9000 + i as u16)),
                )
            })
            .collect();
        let policy = Policy::parse(&Policy::requiring_all(&log.verifier(), &witnesses)).unwrap();
        assert_eq!(policy.witnesses.len(), 4);
        let note = Checkpoint::new("log.example/one", 1, Hash([0; 32])).sign(&log).unwrap();
        let Err(PolicyRefusal::QuorumNotMet { missing }) = policy.check(&note) else {
            panic!("an uncosigned checkpoint meets no quorum of witnesses")
        };
        assert_eq!(missing, ["W0", "W1", "W2", "W3"]);
    }
}
