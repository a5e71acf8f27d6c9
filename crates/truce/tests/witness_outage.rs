//! A witness down for a while: submissions go on being acknowledged while
//! it is unreachable, the server says it is behind, and once it returns it
//! catches up with the latest checkpoint (from the size it held).

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
    let submit = |n: usize| {
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
                    Ok(response) => break response.status().as_u16(),
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
    submit(3);
    wait_for(&base, "the witness reported unreachable again", |v| {
        v["size"].as_u64() > Some(first) && v["witnesses"][0]["last_error"].is_string()
    });
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
}
