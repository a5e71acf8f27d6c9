//! Crash safety: `truce log append` is killed with SIGKILL at random moments
//! while it appends; after each crash the log must open, its checkpoint must
//! verify, and every entry it acknowledged must be there, at its index.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;
use truce_log::SignedCheckpoint;
use truce_store::LogReader;

const TRUCE: &str = env!("CARGO_BIN_EXE_truce");

#[test]
fn every_acknowledged_entry_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = Command::new(TRUCE)
        .args(["init", "--data", data.to_str().unwrap(), "--origin", "truce.test/crash"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let vkey = std::fs::read_to_string(data.join("log.vkey"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut acknowledged: Vec<(u64, String)> = Vec::new();
    // Kill after 20 to 320 ms: early, mid-batch, mid-fsync, at random.
    let delays = [20u64, 170, 90, 320, 45, 250];
    for (round, delay) in delays.iter().enumerate() {
        let mut child = Command::new(TRUCE)
            .args(["log", "append", "--data", data.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            for i in 0..2_000_000u64 {
                if writeln!(stdin, "round {round} line {i} {}", "x".repeat((i % 200) as usize)).is_err() {
                    break;
                }
            }
        });
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .map(|line| {
                    let (index, text) = line.split_once('\t').unwrap();
                    (index.parse::<u64>().unwrap(), text.to_string())
                })
                .collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(*delay));
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = feeder.join();
        acknowledged.extend(reader.join().unwrap());

        let reader = LogReader::open(&data.join("truce.db")).unwrap();
        let checkpoint = reader.latest_checkpoint().unwrap();
        SignedCheckpoint::open(checkpoint.note.as_bytes(), &vkey).unwrap();
        for (index, text) in &acknowledged {
            assert!(
                *index < checkpoint.size,
                "round {round}: acknowledged {index} beyond size {}",
                checkpoint.size
            );
            assert_eq!(
                reader.entry(*index).unwrap(),
                text.as_bytes(),
                "round {round}: entry {index}"
            );
        }
    }
    assert!(
        acknowledged.len() > 1000,
        "only {} entries were acknowledged: the test did not load the log",
        acknowledged.len()
    );
    // The writer reopens after the last crash (it rechecks the root), and the audit passes.
    let audit = Command::new(TRUCE)
        .args(["log", "audit", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(audit.status.success(), "{}", String::from_utf8_lossy(&audit.stderr));
    let append = Command::new(TRUCE)
        .args(["log", "append", "--data", data.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let output = {
        let mut child = append;
        child.stdin.take().unwrap().write_all(b"after the crashes\n").unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).ends_with("\tafter the crashes\n"));
}
