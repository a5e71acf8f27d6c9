//! `truce demo` as a newcomer starts it: it serves on localhost, writes
//! `demo-credentials.json`, and what it serves verifies with the key it gives.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[allow(dead_code)] // Not every test uses every helper.
mod common;

use common::{Killed, TRUCE, wait_for_credentials};

/// The decimal numbers of `line`, in order.
fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// How many commitments `truce log verify` says the disclosures opened.
fn disclosed_commitments(out: &str) -> u64 {
    let line = out.lines().find(|l| l.contains("disclosed events open")).unwrap_or("");
    numbers(line).get(1).copied().unwrap_or(0)
}

/// What anyone reads of the demo's log with no account: the public entries
/// with the openings the `disclosed` events published (each checked
/// against its commitment) tell the story of the final incidents, and no
/// entry names an account.
fn the_public_log_tells_the_story(data: &std::path::Path, credentials: &serde_json::Value) {
    use truce_domain::disclosure::{self, Opening};
    let reader = truce_store::LogReader::open(&data.join("truce.db")).unwrap();
    let mut entries: Vec<Vec<u8>> = Vec::new();
    reader
        .for_each_entry(|_, bytes| {
            entries.push(bytes.to_vec());
            Ok(())
        })
        .unwrap();
    let accounts: Vec<&str> = credentials["users"]
        .as_array()
        .unwrap()
        .iter()
        // "admin" and "observer" are the roles' own names, which the log may say.
        .filter(|u| u["name"] != u["role"])
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    let mut published: std::collections::BTreeMap<u64, Vec<Opening>> = Default::default();
    // Every disclosure checks against the commitment its entry made at intake.
    let mut ledger = truce_domain::disclosure_ledger::DisclosureLedger::new();
    for (index, bytes) in entries.iter().enumerate() {
        assert_eq!(ledger.entry(index as u64, bytes, true), [], "entry {index}");
        let text = String::from_utf8_lossy(bytes);
        for account in &accounts {
            assert!(!text.contains(account), "entry {index} names {account}: {text}");
        }
        let entry: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        if entry["type"] == "disclosed" {
            let openings: Vec<disclosure::DisclosedOpening> =
                serde_json::from_value(entry["openings"].clone()).unwrap();
            for disclosed in openings {
                published.entry(disclosed.index).or_default().push(disclosed.opening());
            }
        }
    }
    assert!(ledger.openings_checked > 0);
    assert_eq!(
        ledger.openings_checked,
        published.values().map(Vec::len).sum::<usize>() as u64
    );
    let public: Vec<serde_json::Value> = entries
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            let openings = published.get(&(index as u64)).map_or(&[][..], Vec::as_slice);
            serde_json::Value::Object(disclosure::view(bytes, openings).unwrap())
        })
        .collect();
    let of_incident = |incident: u64, kind: &str| -> Vec<&serde_json::Value> {
        public
            .iter()
            .filter(|e| e["type"] == kind && e["incident"] == incident)
            .collect()
    };
    // The border clash (incident 2): Afghanistan's 58 and Pakistan's 23, side by side.
    let border_claims: Vec<(String, u64)> = public
        .iter()
        .filter(|e| {
            e["type"] == "report_filed"
                && e["placement"]["opened_incident"]
                    .as_u64()
                    .or(e["placement"]["joined_incident"].as_u64())
                    == Some(2)
        })
        .flat_map(|e| e["report"]["claims"].as_array().cloned().unwrap_or_default())
        .map(|c| {
            (
                c["claimant"].as_str().unwrap_or("").to_string(),
                c["deaths"]["best"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(border_claims.contains(&("AFG".into(), 58)), "{border_claims:?}");
    assert!(border_claims.contains(&("PAK".into(), 23)), "{border_claims:?}");
    // Paktika (incident 3): Pakistan's reply, both approvals, the penalties.
    let replies = of_incident(3, "reply_filed");
    assert!(
        replies
            .iter()
            .any(|r| r["by"] == "party PAK" && r["text"].as_str().unwrap_or("").contains("Hafiz Gul Bahadur")),
        "{replies:?}"
    );
    let approvals: Vec<&str> = of_incident(3, "determination_approved")
        .iter()
        .map(|a| a["by"].as_str().unwrap())
        .collect();
    assert_eq!(approvals, ["mediator QAT", "mediator TUR"]);
    let penalties = of_incident(3, "penalty_proposed");
    assert_eq!(penalties.len(), 2, "{penalties:?}");
    let statements = of_incident(3, "statement_attached");
    assert!(
        statements
            .iter()
            .any(|s| s["text"].as_str().unwrap_or("").contains("rejects the finding")),
        "{statements:?}"
    );
}

/// A party that verified the log before the incidents were final (a
/// mirror of the log at that size, as it then stood) verifies it again:
/// the walk starts where it stopped, and the disclosures of entries it
/// walked last time are checked against those entries, each proved from
/// the tiles.
fn a_second_verify_fetches_only_what_is_new(
    data: &std::path::Path,
    base_url: &str,
    vkey: &str,
    full_run_disclosed: u64,
    scratch: &std::path::Path,
) {
    use truce_log::{TileId, TileKind};
    let reader = truce_store::LogReader::open(&data.join("truce.db")).unwrap();
    let mut first_disclosed = None;
    reader
        .for_each_entry(|index, bytes| {
            let entry: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            if entry["type"] == "disclosed" && first_disclosed.is_none() {
                first_disclosed = Some(index);
            }
            Ok(())
        })
        .unwrap();
    let first_disclosed = first_disclosed.expect("the demo discloses");
    let earlier = (1..=first_disclosed)
        .rev()
        .find_map(|size| reader.checkpoint_at(size).ok())
        .expect("a checkpoint before the first disclosure");
    let mirror = scratch.join("mirror-before-finality");
    let levels = (0..8u8).map(|level| TileKind::Hashes { level });
    for kind in std::iter::once(TileKind::Entries).chain(levels) {
        for tile in TileId::tiles_for_size(kind, earlier.size) {
            let path = mirror.join(tile.path());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, reader.tile(tile).unwrap()).unwrap();
        }
    }
    std::fs::write(mirror.join("checkpoint"), &earlier.note).unwrap();
    let verify = |state: &std::path::Path, source: &[&str]| {
        let out = Command::new(TRUCE)
            .args(["log", "verify", "--vkey", vkey, "--state", state.to_str().unwrap()])
            .args(source)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{text}");
        text
    };
    let mirrored = ["--dir", mirror.to_str().unwrap()];
    let state = scratch.join("party-state");
    let out = verify(&state, &mirrored);
    assert!(out.contains(&format!("at size {}", earlier.size)), "{out}");
    assert!(scratch.join("party-state.walk").is_file());
    let out = verify(&state, &["--url", base_url]);
    assert!(
        out.contains(&format!("after the saved walk at size {}", earlier.size)),
        "{out}"
    );
    assert_eq!(disclosed_commitments(&out), full_run_disclosed, "{out}");
    // A saved walk that is not one is said, and the whole log walked.
    let other = scratch.join("other-party-state");
    verify(&other, &mirrored);
    std::fs::write(scratch.join("other-party-state.walk"), b"not a walk").unwrap();
    let out = verify(&other, &["--url", base_url]);
    assert!(
        out.contains("is unusable") && out.contains("walking the whole log"),
        "{out}"
    );
    assert!(!out.contains("after the saved walk"), "{out}");
    assert_eq!(disclosed_commitments(&out), full_run_disclosed, "{out}");
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
    let out = String::from_utf8_lossy(&verify.stdout).to_string();
    assert!(out.contains("ok: demo.truce.example/doha-ceasefire at size "), "{out}");
    assert!(
        disclosed_commitments(&out) > 0,
        "the final incidents' disclosures are checked: {out}"
    );
    let full_run_disclosed = disclosed_commitments(&out);
    a_second_verify_fetches_only_what_is_new(&data, base_url, vkey, full_run_disclosed, dir.path());
    // A party checks the openings the server gives it against the log.
    let afghanistan = credentials["users"][4]["token"].as_str().unwrap();
    let verify = Command::new(TRUCE)
        .args([
            "log",
            "verify",
            "--url",
            base_url,
            "--vkey",
            vkey,
            "--openings",
            "--token",
            afghanistan,
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout).to_string();
    assert!(
        verify.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let served: Vec<u64> = out
        .lines()
        .find(|l| l.contains("openings served to you"))
        .map(numbers)
        .unwrap_or_default();
    assert!(served[0] > 0 && served[1] > 0, "some opened, some withheld: {out}");
    // A user for each role and each party, each with a password and a token.
    let users = credentials["users"].as_array().unwrap();
    let roles: Vec<(&str, Option<&str>)> = users
        .iter()
        .map(|u| (u["role"].as_str().unwrap(), u["for"].as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("admin", None),
            ("mediator", Some("QAT")),
            ("mediator", Some("TUR")),
            ("monitor", Some("MVM")),
            ("party", Some("AFG")),
            ("party", Some("PAK")),
            ("observer", None)
        ]
    );
    for user in users {
        assert!(user["password"].as_str().unwrap().len() >= 20);
        assert!(user["token"].as_str().unwrap().starts_with("truce_"));
    }
    assert_eq!(users[4]["party"], "AFG");
    assert!(credentials["scenario"].as_str().unwrap().starts_with("Illustrative"));
    drop(first);
    the_public_log_tells_the_story(&data, &credentials);

    // The scenario, by the agreement's rules: the Paktika airstrikes confirmed
    // against Pakistan breach its ceasefire for 14 days; the ladder's two
    // penalties, one complied with, one not.
    let status = Command::new(TRUCE)
        .args(["status", "--data", data.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let series: Vec<(&str, &str)> = status["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["at"].as_str().unwrap(), p["agreement"].as_str().unwrap()))
        .collect();
    assert_eq!(
        series,
        [
            ("2025-10-14T13:00:00Z", "not_in_effect"),
            ("2025-10-15T13:00:00Z", "holding"),
            ("2025-10-17T18:00:00Z", "breached"),
            ("2025-10-31T18:00:00Z", "holding")
        ]
    );
    let penalties: Vec<(&str, &str, &str)> = status["penalties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["decision"]["code"].as_str().unwrap(),
                p["party"].as_str().unwrap(),
                p["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        penalties,
        [
            ("PEN-ATTRIBUTION", "PAK", "complied"),
            ("PEN-COMPENSATION", "PAK", "not_complied")
        ]
    );
    let pakistan = &status["scorecards"][1];
    assert_eq!(
        (pakistan["party"].as_str(), pakistan["confirmed"].as_u64()),
        (Some("PAK"), Some(1))
    );
    assert_eq!(
        status["scorecards"][0]["replies_pending"], 1,
        "today's allegation awaits Afghanistan's reply"
    );
    // What the demo recorded rebuilds from its log exactly, floats and all.
    let audit = Command::new(TRUCE)
        .args(["audit", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(audit.status.success(), "{}", String::from_utf8_lossy(&audit.stderr));

    // The border clash: Afghanistan claims 58, Pakistan confirms 23 (and
    // claims 200 of the other side); the export carries the mechanism's
    // figure, the determination's 23 (23 to 58), not a sum of claims.
    let export = Command::new(TRUCE)
        .args(["export", "--data", data.to_str().unwrap(), "--format", "ucdp-csv"])
        .output()
        .unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let mut rows = csv::Reader::from_reader(&export.stdout[..]);
    let headers = rows.headers().unwrap().clone();
    let border = rows
        .records()
        .map(Result::unwrap)
        .find(|row| &row[0] == "2")
        .expect("incident 2 is exported");
    let column = |name: &str| &border[headers.iter().position(|h| h == name).unwrap()];
    assert_eq!(
        (column("low"), column("best"), column("high")),
        ("23", "23", "58"),
        "{border:?}"
    );
    let by_category: u32 = ["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]
        .iter()
        .map(|c| column(c).parse::<u32>().unwrap())
        .sum();
    assert_eq!(by_category, 23, "the categories add up to the best figure: {border:?}");

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
