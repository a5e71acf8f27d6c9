//! A witness down for a while: submissions go on being acknowledged while
//! it is unreachable, the server says it is behind, and once it returns it
//! catches up with the latest checkpoint (from the size it held). A
//! verifier whose policy requires the witness trusts, meanwhile, the last
//! checkpoint it cosigned; a receipt filed during the outage is not yet
//! witnessed, and is upgraded with a cosigned checkpoint once it returns.

#[allow(dead_code)]
mod common;

use common::{Killed, TRUCE, example_agreement, truce};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

use common::http_agent as agent;

fn spawn(args: &[&str]) -> Killed {
    Killed(
        Command::new(TRUCE)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// Waits until `ready` holds of the witnesses' standing (30 s at most).
fn wait_for(base: &str, what: &str, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let start = Instant::now();
    loop {
        if let Ok(mut response) = agent().get(&format!("{base}/api/v1/log/witnesses")).call()
            && let Ok(text) = response.body_mut().read_to_string()
            && let Ok(view) = serde_json::from_str::<serde_json::Value>(&text)
            && ready(&view)
        {
            return view;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{what} within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn submissions_go_on_while_a_witness_is_down_and_it_catches_up_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (witness_dir, data) = (path("witness"), path("data"));
    let (code, vkey, _) = truce(&["witness", "init", "--data", &witness_dir, "--name", "witness.afg.test"]);
    assert_eq!(code, 0);
    let witness_port = free_port();
    let agreement = format!(
        "{}\n[[witnesses]]\nname = \"AFG\"\nvkey = \"{}\"\nurl = \"http://127.0.0.1:{witness_port}\"\n",
        std::fs::read_to_string(example_agreement()).unwrap(),
        vkey.trim()
    );
    std::fs::write(dir.path().join("agreement.toml"), agreement).unwrap();
    let (code, out, err) = truce(&["init", "--data", &data, "--agreement", &path("agreement.toml")]);
    assert_eq!(code, 0, "{err}");
    let log_vkey = out
        .lines()
        .chain(err.lines())
        .find_map(|l| l.strip_prefix("verifier key (give it to every party): "))
        .unwrap()
        .to_string();
    let origin = log_vkey.split('+').next().unwrap().to_string();
    assert_eq!(
        truce(&[
            "witness",
            "add-log",
            "--data",
            &witness_dir,
            "--origin",
            &origin,
            "--vkey",
            &log_vkey
        ])
        .0,
        0
    );
    assert_eq!(
        truce(&[
            "user", "add", "--data", &data, "--name", "mon", "--role", "monitor", "--for", "MVM"
        ])
        .0,
        0
    );
    let (_, out, err) = truce(&["token", "create", "--data", &data, "--user", "mon"]);
    let token = out
        .lines()
        .chain(err.lines())
        .find(|l| l.starts_with("truce_"))
        .unwrap()
        .to_string();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = spawn(&["serve", "--data", &data, "--listen", &format!("127.0.0.1:{port}")]);
    let submit = |n: usize| -> String {
        let mut last = String::new();
        for i in 0..n {
            let report = serde_json::json!({
                "external_id": format!("outage-{port}-{n}-{i}"),
                "source": {"type": "media", "name": "Dawn", "grading": "B2"},
                "time": {"start": "2025-11-20T10:00:00+04:30", "precision": "hour"},
                "location": {"latitude": 31.6 + i as f64 * 0.3, "longitude": 65.7, "precision": "exact"},
                "act": "ACT-SHELLING",
                "narrative": "Shelling reported near the road.",
                "claims": [],
            });
            let start = Instant::now();
            let status = loop {
                match agent()
                    .post(&format!("{base}/api/v1/reports"))
                    .header("authorization", &format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .send(report.to_string())
                {
                    Ok(mut response) => {
                        last = response.body_mut().read_to_string().unwrap();
                        break response.status().as_u16();
                    }
                    Err(_) if start.elapsed() < Duration::from_secs(30) => {
                        std::thread::sleep(Duration::from_millis(100))
                    }
                    Err(error) => panic!("the server did not answer: {error}"),
                }
            };
            assert!(
                (200..300).contains(&status),
                "a submission failed with {status} while the witness was down"
            );
        }
        last
    };
    let policy = path("policy.txt");
    std::fs::write(
        &policy,
        format!("log {log_vkey}\nwitness AFG {}\nquorum AFG\n", vkey.trim()),
    )
    .unwrap();
    let verify_log = || {
        truce(&[
            "log", "verify", "--url", &base, "--vkey", &log_vkey, "--policy", &policy,
        ])
    };
    let verify_receipt = |receipt: &str, online: bool| {
        let mut args = vec!["receipt", "verify", receipt, "--policy", &policy];
        if online {
            args.extend(["--url", &base]);
        }
        truce(&args)
    };

    // The witness has never run: every submission is acknowledged, and the
    // server says the witness has cosigned nothing and is unreachable.
    submit(4);
    let view = wait_for(&base, "the witness reported unreachable", |v| {
        v["witnesses"][0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("unreachable"))
    });
    assert!(view["witnesses"][0]["cosigned_size"].is_null());
    assert!(view["cosigned_by_all"].is_null());
    let front = |path: &str| {
        agent()
            .get(&format!("{base}{path}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    };
    let page = front("/");
    assert!(
        page.contains("<bdi>AFG</bdi>: has not cosigned the log yet"),
        "the public page says so"
    );
    assert!(page.contains("Behind: the log holds"), "and warns");
    let (code, _, err) = verify_log();
    assert_eq!(code, 1, "nothing is witnessed yet: {err}");
    assert!(err.contains("missing cosignatures from AFG"), "{err}");

    // It starts: it catches up with the latest checkpoint.
    let listen = format!("127.0.0.1:{witness_port}");
    let witness = spawn(&["witness", "serve", "--data", &witness_dir, "--listen", &listen]);
    let view = wait_for(&base, "the witness caught up", |v| {
        v["witnesses"][0]["cosigned_size"].as_u64() == v["size"].as_u64()
    });
    let first = view["size"].as_u64().unwrap();
    assert!(first >= 4);
    assert_eq!(view["cosigned_by_all"]["size"].as_u64(), Some(first));

    // Down again (kill -9) while more is submitted; back again; caught up.
    drop(witness);
    let receipt = path("receipt.json");
    std::fs::write(&receipt, submit(3)).unwrap();
    let view = wait_for(&base, "the witness reported unreachable again", |v| {
        v["size"].as_u64() > Some(first) && v["witnesses"][0]["last_error"].is_string()
    });
    let size = view["size"].as_u64().unwrap();
    // The policy's verifier trusts the last checkpoint the witness cosigned,
    // proven a prefix of the tree it verified.
    let (code, out, err) = verify_log();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("cosigned by AFG at 20")
            && out.contains(&format!(
                "(at size {first}, which the verified tree extends; its {} entries after it await their cosignatures)",
                size - first
            )),
        "{out}"
    );
    // The receipt filed meanwhile is not witnessed yet: refused by the policy, not upgraded.
    let (code, out, err) = verify_receipt(&receipt, true);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!(
            "not yet: the newest checkpoint cosigned as required is at size {first}"
        )),
        "{out}"
    );
    assert!(err.contains("FAILED: no checkpoint the receipt holds meets the policy: the quorum is not met: missing cosignatures from AFG"), "{err}");
    let _witness = spawn(&["witness", "serve", "--data", &witness_dir, "--listen", &listen]);
    let view = wait_for(&base, "the witness caught up again", |v| {
        v["witnesses"][0]["cosigned_size"].as_u64() == v["size"].as_u64() && v["size"].as_u64() > Some(first)
    });
    assert!(view["witnesses"][0]["last_error"].is_null());
    let page = front("/");
    assert!(
        page.contains("<bdi>AFG</bdi>: cosigned the log up to entry"),
        "the public page says when"
    );
    assert!(!page.contains("Behind: the log holds"));
    let note = agent()
        .get(&format!("{base}/log/checkpoint"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(note.contains("\u{2014} witness.afg.test "), "{note}");

    // The receipt is upgraded with the cosigned checkpoint, and from then on
    // proves offline that the witness saw the entry.
    let (code, out, err) = verify_receipt(&receipt, true);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("it now holds the cosigned checkpoint at size"), "{out}");
    let (code, out, err) = verify_receipt(&receipt, false);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("ok: the receipt's upgrade, the checkpoint at size"),
        "{out}"
    );
    assert!(out.contains("ok: the policy's quorum is met: cosigned by AFG"), "{out}");
    // An upgrade whose checkpoint lacks the cosignature does not pass for one.
    let mut upgraded: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    let own = upgraded["receipt"]["checkpoint"].clone();
    upgraded["receipt"]["cosigned"]["checkpoint"] = own;
    upgraded["receipt"]["cosigned"]["consistency_proof"] = serde_json::json!([]);
    let forged = path("forged.json");
    std::fs::write(&forged, upgraded.to_string()).unwrap();
    let (code, _, err) = verify_receipt(&forged, false);
    assert_eq!(code, 1);
    assert!(err.contains("missing cosignatures from AFG"), "{err}");
}
