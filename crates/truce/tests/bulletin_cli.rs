//! `truce bulletin` over the demo's data directory, as a mission would run
//! it: the bulletin is in the log, its document in the blob store under the
//! SHA-256 the log holds, `truce rebuild` reproduces the projection, and a
//! bad, future or too early date is refused with nothing stored.

#[allow(dead_code)] // Not every test uses every helper.
mod common;

use common::{TRUCE, truce};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The demo's data directory: the scenario played, the server stopped (it holds the log's lock).
fn demo_data(root: &Path) -> std::path::PathBuf {
    let data = root.join("truce-demo");
    let mut demo = Command::new(TRUCE)
        .args(["demo", "--data", data.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !data.join("demo-credentials.json").exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "the demo did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    demo.kill().unwrap();
    demo.wait().unwrap();
    data
}

/// How many entries the log holds.
fn log_size(data: &str) -> u64 {
    let (code, out, err) = truce(&["log", "audit", "--data", data]);
    assert_eq!(code, 0, "{err}");
    out.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_weekly_bulletin_is_appended_hashed_and_rebuilt_and_bad_dates_store_nothing() {
    let root = tempfile::tempdir().unwrap();
    let data = demo_data(root.path());
    let data = data.to_str().unwrap();
    let before = log_size(data);

    for (date, says) in [
        ("2025-13-40", "not a date"),
        ("2999-01-01", "in the future"),
        ("2025-10-01", "before the agreement"),
    ] {
        let (code, _, err) = truce(&["bulletin", "--data", data, "--date", date, "--weekly"]);
        assert_ne!(code, 0, "{date} was accepted");
        assert!(err.contains(says), "{date}: {err}");
    }
    assert_eq!(log_size(data), before, "a refusal stored nothing");

    let out = root.path().join("bulletin.json");
    let (code, _, err) = truce(&[
        "bulletin",
        "--data",
        data,
        "--date",
        "2025-10-24",
        "--weekly",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("published at log index {before}")), "{err}");
    assert_eq!(log_size(data), before + 1);
    let bytes = std::fs::read(&out).unwrap();
    let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert!(err.contains(&sha), "the log's SHA-256 is the document's: {err}");
    let stored = Path::new(data).join("evidence").join(&sha[..2]).join(&sha);
    assert_eq!(
        std::fs::read(stored).unwrap(),
        bytes,
        "the blob store holds the same bytes"
    );

    let bulletin: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        bulletin["checkpoint"]["size"], before,
        "it covers the log before its own entry"
    );
    assert_eq!(bulletin["period"]["start"], "2025-10-18T00:00:00Z");
    let determinations = bulletin["determinations"].as_array().unwrap();
    let paktika = determinations.iter().find(|d| d["incident"] == 3).unwrap();
    assert_eq!(paktika["verdict"], "violation_confirmed");
    assert_eq!(paktika["responsible_party"], "PAK");
    assert_eq!(bulletin["penalties"].as_array().unwrap().len(), 2);
    let strike = bulletin["casualties"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["incident"] == 3)
        .unwrap();
    assert_eq!(strike["estimate"]["best"], 10);
    assert_eq!(strike["verified"], true);
    assert_eq!(strike["party_claims"][0]["party"], "AFG");
    assert_eq!(strike["party_claims"][0]["deaths"]["high"], 17);
    let text = String::from_utf8(bytes.clone()).unwrap();
    for source in ["TOLOnews", "Reuters", "local officials", "MVM field team 2"] {
        assert!(!text.contains(source), "{source} is named in the public bulletin");
    }

    // The same period again: a second edition, also on the log; in Arabic, as Markdown.
    let (code, md, err) = truce(&[
        "bulletin",
        "--data",
        data,
        "--date",
        "2025-10-24",
        "--weekly",
        "--lang",
        "ar",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("النشرة الأسبوعية"), "{md}");
    assert_eq!(log_size(data), before + 2);

    let (code, out, err) = truce(&["rebuild", "--data", data]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("equal"), "{out}");
    let (code, out, err) = truce(&["audit", "--data", data]);
    assert_eq!(code, 0, "{out}{err}");
}
