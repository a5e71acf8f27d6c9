//! The demo's witnesses against a dishonest operator: the demo's
//! checkpoint carries the four cosignatures its policy requires; a fork
//! signed with the log's own key is refused by every witness, which keeps
//! it as evidence; a checkpoint without the quorum fails the verifier.

#[allow(dead_code)]
mod common;

use common::{Killed, TRUCE, truce, wait_for_credentials};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use truce_log::checkpoint::Checkpoint;
use truce_log::note::{Note, SignerKey};
use truce_log::witness_protocol::AddCheckpoint;
use truce_log::{Hash, Policy};

use common::http_agent as agent;

fn get(url: &str) -> String {
    agent().get(url).call().unwrap().body_mut().read_to_string().unwrap()
}

/// The demo's checkpoint once the policy's quorum is met on it (30 s at most).
fn cosigned_checkpoint(base_url: &str, policy: &Policy) -> String {
    let start = Instant::now();
    loop {
        let note = get(&format!("{base_url}/log/checkpoint"));
        if policy.check(&Note::parse(note.as_bytes()).unwrap()).is_ok() {
            return note;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no quorum on {note}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn every_witness_refuses_a_fork_the_operator_signs_and_the_verifier_needs_the_quorum() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let _demo = Killed(
        Command::new(TRUCE)
            .args(["demo", "--data", data.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let credentials = wait_for_credentials(&data.join("demo-credentials.json"));
    let base_url = credentials["base_url"].as_str().unwrap();
    let vkey = credentials["log_vkey"].as_str().unwrap();
    let witnesses = credentials["witnesses"].as_array().unwrap();
    let names: Vec<&str> = witnesses.iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["AFG", "PAK", "QAT", "TUR"]);
    let policy_path = credentials["witness_policy"].as_str().unwrap();
    let policy = Policy::parse(&std::fs::read_to_string(policy_path).unwrap()).unwrap();
    let note = cosigned_checkpoint(base_url, &policy);
    assert_eq!(
        note.matches('\u{2014}').count(),
        5,
        "the log's signature and four cosignatures: {note}"
    );
    let (code, out, err) = truce(&[
        "log",
        "verify",
        "--url",
        base_url,
        "--vkey",
        vkey,
        "--policy",
        policy_path,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("quorum is met: cosigned by AFG at"), "{out}");

    // The operator, with the log's own key, forks the record: another root
    // at the size the witnesses cosigned, and a larger tree that does not
    // extend it (its proof cannot verify).
    let signer: SignerKey = std::fs::read_to_string(data.join("log.key"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let cosigned = Checkpoint::parse(Note::parse(note.as_bytes()).unwrap().text()).unwrap();
    let forged = |size: u64| {
        Checkpoint::new(&cosigned.origin, size, Hash([0x5a; 32]))
            .sign(&signer)
            .unwrap()
            .to_text()
    };
    for witness in witnesses {
        let url = format!("{}/add-checkpoint", witness["url"].as_str().unwrap());
        let equal = AddCheckpoint {
            old_size: cosigned.size,
            proof: Vec::new(),
            checkpoint: forged(cosigned.size),
        };
        let mut response = agent().post(&url).send(equal.to_body()).unwrap();
        assert_eq!(response.status().as_u16(), 409, "{}", witness["name"]);
        assert_eq!(
            response.body_mut().read_to_string().unwrap(),
            format!("{}\n", cosigned.size)
        );
        let larger = AddCheckpoint {
            old_size: cosigned.size,
            proof: vec![Hash([0x11; 32]); 3],
            checkpoint: forged(cosigned.size + 7),
        };
        assert_eq!(
            agent().post(&url).send(larger.to_body()).unwrap().status().as_u16(),
            422
        );
        let evidence_dir = data.join("witnesses").join(witness["name"].as_str().unwrap());
        let (code, out, _) = truce(&[
            "witness",
            "evidence",
            "--data",
            evidence_dir.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(code, 0);
        let kept: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let statuses: Vec<u64> = kept.iter().map(|e| e["status"].as_u64().unwrap()).collect();
        assert_eq!(statuses, [409, 422], "{} keeps both forks", witness["name"]);
        assert!(kept[0]["request"].as_str().unwrap().contains(&forged(cosigned.size)));
    }
    // The honest checkpoint is still what the witnesses stand by.
    assert!(
        policy
            .check(&Note::parse(get(&format!("{base_url}/log/checkpoint")).as_bytes()).unwrap())
            .is_ok()
    );

    // A mirror whose checkpoint lacks the quorum fails the verifier.
    let mirror = dir.path().join("mirror");
    let mirror_arg = mirror.to_str().unwrap();
    assert_eq!(truce(&["log", "mirror", "--url", base_url, "--dir", mirror_arg]).0, 0);
    let held = std::fs::read_to_string(mirror.join("checkpoint")).unwrap();
    let lines: Vec<&str> = held.lines().collect();
    let without_two: String = lines
        .iter()
        .filter(|line| !line.contains("witness.qat.") && !line.contains("witness.tur."))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(mirror.join("checkpoint"), without_two).unwrap();
    let (code, _, err) = truce(&[
        "log",
        "verify",
        "--dir",
        mirror_arg,
        "--vkey",
        vkey,
        "--policy",
        policy_path,
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("missing cosignatures from QAT, TUR"), "{err}");
    let (code, _, err) = truce(&["log", "verify", "--dir", mirror_arg, "--vkey", vkey]);
    assert_eq!(code, 0, "without a policy the log's signature alone is checked: {err}");
}
