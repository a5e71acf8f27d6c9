//! `truce witness serve` against C2SP tlog-witness, driven by a client that
//! builds its own tree (RFC 6962's algorithms written again here, not
//! truce-log's) and signs its own checkpoints: every status the spec
//! names, forks at an equal and a larger size refused and kept as
//! evidence, two racing requests from one old size, and the state kept
//! across a kill -9.

#[allow(dead_code)]
mod common;

use common::{Killed, TRUCE, truce};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use truce_log::Hash;
use truce_log::checkpoint::Checkpoint;
use truce_log::cosignature::verify_cosignature;
use truce_log::note::{KeyName, Note, SignerKey, VerifierKey};
use truce_log::witness_protocol::AddCheckpoint;

const ORIGIN: &str = "log.test/conformance";

fn leaf(data: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update([0u8]).chain_update(data).finalize().into()
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The largest power of two below `n`.
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 MTH.
fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// RFC 6962 SUBPROOF(m, D[n], b).
fn subproof(m: usize, leaves: &[[u8; 32]], whole: bool) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if m == n {
        return if whole { Vec::new() } else { vec![root(leaves)] };
    }
    let k = split(n);
    if m <= k {
        let mut proof = subproof(m, &leaves[..k], whole);
        proof.push(root(&leaves[k..]));
        proof
    } else {
        let mut proof = subproof(m - k, &leaves[k..], false);
        proof.push(root(&leaves[..k]));
        proof
    }
}

struct Log {
    key: SignerKey,
    leaves: Vec<[u8; 32]>,
}

impl Log {
    fn new(origin: &str, seed: u8, entries: usize, tag: &str) -> Log {
        Log {
            key: SignerKey::from_seed(KeyName::parse(origin).unwrap(), [seed; 32]),
            leaves: (0..entries).map(|i| leaf(format!("{tag} {i}").as_bytes())).collect(),
        }
    }

    fn checkpoint(&self, size: usize) -> String {
        Checkpoint::new(self.key.name().as_str(), size as u64, Hash(root(&self.leaves[..size])))
            .sign(&self.key)
            .unwrap()
            .to_text()
    }

    /// An add-checkpoint body from `old` to `size`, with the true proof.
    fn request(&self, old: usize, size: usize) -> String {
        let proof = if old == 0 || old > size {
            Vec::new()
        } else {
            subproof(old, &self.leaves[..size], true)
        };
        AddCheckpoint {
            old_size: old as u64,
            proof: proof.into_iter().map(Hash).collect(),
            checkpoint: self.checkpoint(size),
        }
        .to_body()
    }
}

struct Server {
    process: Killed,
    url: String,
    agent: ureq::Agent,
}

fn serve(dir: &std::path::Path) -> Server {
    let mut child = Command::new(TRUCE)
        .args([
            "witness",
            "serve",
            "--data",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    Server {
        process: Killed(child),
        url,
        agent: common::http_agent(),
    }
}

impl Server {
    /// POSTs `body` to add-checkpoint: status, content type and body.
    fn add(&self, body: &str) -> (u16, String, String) {
        let mut response = self
            .agent
            .post(&format!("{}/add-checkpoint", self.url))
            .send(body)
            .unwrap();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (
            response.status().as_u16(),
            content_type,
            response.body_mut().read_to_string().unwrap(),
        )
    }
}

fn witness_key(dir: &std::path::Path) -> VerifierKey {
    std::fs::read_to_string(dir.join("witness.vkey"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The cosignature in a 200's body verifies on `checkpoint` with the witness's key.
fn assert_cosigned(checkpoint: &str, answer: &str, key: &VerifierKey) -> u64 {
    assert!(answer.starts_with('\u{2014}') && answer.ends_with('\n'), "{answer:?}");
    let note = Note::parse(format!("{checkpoint}{answer}").as_bytes()).unwrap();
    verify_cosignature(&note, key).unwrap()
}

#[test]
fn the_witness_answers_as_the_spec_says_and_keeps_its_state_across_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("witness");
    let data_arg = data.to_str().unwrap();
    let (code, out, _) = truce(&["witness", "init", "--data", data_arg, "--name", "witness.test/w1"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        std::fs::read_to_string(data.join("witness.vkey")).unwrap().trim()
    );
    assert!(out.starts_with("witness.test/w1+"), "{out}");
    let (code, _, err) = truce(&["witness", "init", "--data", data_arg, "--name", "witness.test/w1"]);
    assert_ne!(code, 0, "a witness's key is never remade");
    assert!(err.contains("never remade"), "{err}");

    let log = Log::new(ORIGIN, 1, 16, "entry");
    let vkey = log.key.verifier().to_string();
    let (code, _, err) = truce(&[
        "witness",
        "add-log",
        "--data",
        data_arg,
        "--origin",
        "other.test/x",
        "--vkey",
        &vkey,
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("not the origin"), "{err}");
    assert_eq!(
        truce(&[
            "witness", "add-log", "--data", data_arg, "--origin", ORIGIN, "--vkey", &vkey
        ])
        .0,
        0
    );
    let second = Log::new("log.test/second", 2, 4, "second");
    let second_vkey = second.key.verifier().to_string();
    assert_eq!(
        truce(&[
            "witness",
            "add-log",
            "--data",
            data_arg,
            "--origin",
            "log.test/second",
            "--vkey",
            &second_vkey
        ])
        .0,
        0
    );
    let key = witness_key(&data);
    let server = serve(&data);

    // 400: not a request; 404: a log it does not know; 403: not the trusted key.
    assert_eq!(server.add("hello\n").0, 400);
    assert_eq!(server.add(&format!("old 0\n\n{}", "not a note")).0, 400);
    let stranger = Log::new("log.test/unknown", 3, 4, "x");
    assert_eq!(server.add(&stranger.request(0, 2)).0, 404);
    let impostor = Log::new(ORIGIN, 4, 4, "entry");
    assert_eq!(server.add(&impostor.request(0, 2)).0, 403);

    // The first checkpoint, from 0.
    let (status, content_type, body) = server.add(&log.request(0, 3));
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/plain"));
    assert_cosigned(&log.checkpoint(3), &body, &key);
    // 409: the client's old size is not the witness's, which it answers.
    let (status, content_type, body) = server.add(&log.request(0, 5));
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (409, "text/x.tlog.size", "3\n")
    );
    // 400: an old size above the checkpoint's.
    assert_eq!(server.add(&log.request(6, 5)).0, 400);
    // 422: a proof that does not verify.
    let mut bad = AddCheckpoint::parse(log.request(3, 5).as_bytes()).unwrap();
    bad.proof[0] = Hash([0xee; 32]);
    assert_eq!(server.add(&bad.to_body()).0, 422);
    // 422: a non-empty proof from 0.
    let mut from_zero = AddCheckpoint::parse(second.request(0, 2).as_bytes()).unwrap();
    from_zero.proof.push(Hash([1; 32]));
    assert_eq!(server.add(&from_zero.to_body()).0, 422);
    // 200: the true proof from 3 to 5; the same checkpoint again is cosigned again.
    let (status, _, body) = server.add(&log.request(3, 5));
    assert_eq!(status, 200, "{body}");
    assert_cosigned(&log.checkpoint(5), &body, &key);
    assert_eq!(server.add(&log.request(5, 5)).0, 200);

    // Forks, signed with the log's own key: another history from entry 4 on.
    let mut fork = Log::new(ORIGIN, 1, 16, "entry");
    for (i, leaf_hash) in fork.leaves.iter_mut().enumerate().skip(4) {
        *leaf_hash = leaf(format!("forged {i}").as_bytes());
    }
    let (status, content_type, body) = server.add(&fork.request(5, 5));
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (409, "text/x.tlog.size", "5\n"),
        "equal size, other root"
    );
    let (status, _, body) = server.add(&fork.request(5, 9));
    assert_eq!(
        status, 422,
        "a larger fork cannot prove it extends what was cosigned: {body}"
    );
    // A rollback: a smaller checkpoint from the size cosigned.
    assert_eq!(server.add(&log.request(5, 4)).0, 400);

    // Two requests from one old size: one is cosigned, the other told the new size.
    let (a, b) = (log.request(5, 6), log.request(5, 7));
    let (first, second_answer) = std::thread::scope(|scope| {
        let one = scope.spawn(|| server.add(&a).0);
        let two = scope.spawn(|| server.add(&b).0);
        (one.join().unwrap(), two.join().unwrap())
    });
    let mut statuses = [first, second_answer];
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 409],
        "exactly one of two racing requests moves the state"
    );

    // kill -9, then start again: the state is what it answered.
    let mut killed = server.process;
    killed.0.kill().unwrap();
    killed.0.wait().unwrap();
    let server = serve(&data);
    let (status, _, held) = server.add(&log.request(0, 8));
    assert_eq!(status, 409);
    let held: usize = held.trim().parse().unwrap();
    assert!(held == 6 || held == 7, "{held}");
    let (status, _, body) = server.add(&log.request(held, 8));
    assert_eq!(status, 200, "{body}");

    // The evidence: the two forks, with the log's signed checkpoints.
    let (code, out, _) = truce(&["witness", "evidence", "--data", data_arg, "--json"]);
    assert_eq!(code, 0);
    let evidence: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let statuses: Vec<u64> = evidence.iter().map(|e| e["status"].as_u64().unwrap()).collect();
    assert!(statuses.contains(&409) && statuses.contains(&422), "{statuses:?}");
    assert!(evidence.iter().all(|e| e["origin"] == ORIGIN));
    let forged = evidence.iter().find(|e| e["status"] == 409).unwrap();
    assert!(forged["request"].as_str().unwrap().contains(&fork.checkpoint(5)));
    assert_eq!(forged["stored_size"], 5);
}
