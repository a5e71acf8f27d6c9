//! `truce demo` as a newcomer starts it: it serves on localhost, writes
//! `demo-credentials.json`, and what it serves verifies with the key it gives.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TRUCE: &str = env!("CARGO_BIN_EXE_truce");

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_credentials(path: &std::path::Path) -> serde_json::Value {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(json) = serde_json::from_str(&text)
        {
            return json;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the demo did not write {} within 30 s", path.display());
}

#[test]
fn the_demo_serves_a_log_that_verifies_with_its_published_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("truce-demo");
    let demo = || {
        Command::new(TRUCE)
            .args(["demo", "--data", data.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let first = Killed(demo());
    let credentials = wait_for_credentials(&data.join("demo-credentials.json"));
    let base_url = credentials["base_url"].as_str().unwrap();
    let vkey = credentials["log_vkey"].as_str().unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:"));
    let verify = Command::new(TRUCE)
        .args(["log", "verify", "--url", base_url, "--vkey", vkey])
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("at size 601"),
        "the agreement and 600 reports, one event each"
    );
    drop(first);
    // What the demo recorded rebuilds from its log exactly, floats and all.
    let audit = Command::new(TRUCE)
        .args(["audit", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(audit.status.success(), "{}", String::from_utf8_lossy(&audit.stderr));

    // A second demo replaces the first, with a new key.
    let _second = Killed(demo());
    let start = Instant::now();
    loop {
        let again = wait_for_credentials(&data.join("demo-credentials.json"));
        if again["log_vkey"] != credentials["log_vkey"] {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the second demo kept the first one's key"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_demo_never_replaces_a_directory_that_is_not_a_demo() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    let output = Command::new(TRUCE)
        .args([
            "demo",
            "--data",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not an earlier demo"));
    assert!(dir.path().join("precious.txt").exists());
}
