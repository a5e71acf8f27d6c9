//! Snapshots of the standing: the engine takes one every
//! `SNAPSHOT_EVERY_ENTRIES` entries and when it opens a log without a recent
//! one; `replay_standing` reads the latest and the tail after it and gives
//! what a replay of the whole log gives; one edited, moved off its
//! checkpoint or unreadable is skipped by readers and named by the audit.

use truce_domain::report::ReportInput;
use truce_domain::state::{Command, Standing};
use truce_log::{KeyName, SignerKey};
use truce_store::snapshots::{self, SNAPSHOT_EVERY_ENTRIES};
use truce_store::{Engine, LogReader, LogWriter, Submission, audit_projections, replay_standing, replay_state};

fn signer() -> SignerKey {
    SignerKey::from_seed(KeyName::parse("truce.test/snapshots").unwrap(), [6; 32])
}

/// Report `n`: every third from a party (so the standing counts it), spread out so most open incidents.
fn report(n: u64) -> Submission {
    let source = match n % 3 {
        0 => serde_json::json!({"type": "party", "name": "AFG", "grading": "C3"}),
        1 => serde_json::json!({"type": "party", "name": "PAK", "grading": "C3"}),
        _ => serde_json::json!({"type": "media", "name": "Dawn", "grading": "B2"}),
    };
    let input: ReportInput = serde_json::from_value(serde_json::json!({
        "external_id": format!("r-{n}"),
        "source": source,
        "time": {"start": format!("2025-10-{:02}T02:00:00+05:00", 1 + n % 28), "precision": "hour"},
        "location": {"latitude": 30.0 + (n % 500) as f64 * 0.05, "longitude": 68.0 + (n / 500) as f64 * 0.05, "precision": "exact"},
        "narrative": "shelling near the crossing",
        "claims": [],
    }))
    .unwrap();
    Submission::new(
        "tester",
        Command::FileReport {
            report: Box::new(input.parse().unwrap()),
            sealed_commitment: None,
            correlate: true,
            geo: None,
        },
    )
}

fn file(engine: &mut Engine, range: std::ops::Range<u64>) {
    let batches: Vec<Vec<Submission>> = range
        .collect::<Vec<u64>>()
        .chunks(1_000)
        .map(|chunk| chunk.iter().map(|&n| report(n)).collect())
        .collect();
    engine.submit_pipelined(batches.into_iter(), |_| Ok(())).unwrap();
}

fn whole_replay(path: &std::path::Path) -> Standing {
    replay_state(&LogReader::open(path).unwrap())
        .unwrap()
        .standing()
        .clone()
}

fn problems(path: &std::path::Path) -> Vec<String> {
    let live = rusqlite::Connection::open(path).unwrap();
    audit_projections(&live, &LogReader::open(path).unwrap())
        .unwrap()
        .broken_snapshots
}

#[test]
fn the_standing_is_the_latest_snapshot_and_the_tail_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    file(&mut engine, 0..SNAPSHOT_EVERY_ENTRIES + 500);
    let merge = Submission::new(
        "monitor",
        Command::MergeIncidents {
            into: 1,
            from: 2,
            reason: "the same shelling".into(),
        },
    );
    engine.submit(vec![merge]).unwrap();
    let size = engine.writer().size();
    drop(engine);

    let connection = rusqlite::Connection::open(&path).unwrap();
    let latest = snapshots::latest_size(&connection)
        .unwrap()
        .expect("a snapshot was taken");
    assert!(
        latest >= SNAPSHOT_EVERY_ENTRIES && latest < size,
        "taken at {latest} of {size}"
    );
    let (standing, replayed) = replay_standing(&LogReader::open(&path).unwrap()).unwrap();
    assert_eq!(replayed, size - latest, "only the tail is replayed");
    let whole = whole_replay(&path);
    assert_eq!(standing, whole);
    assert!(whole.filed_by_party("AFG") > 2_000 && whole.verification().case(2).is_some());
    assert_eq!(problems(&path), Vec::<String>::new());
}

#[test]
fn opening_a_log_without_a_recent_snapshot_takes_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    file(&mut engine, 0..300);
    drop(engine);
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection.execute("DELETE FROM standing_snapshots", []).unwrap();
    let (_, replayed) = replay_standing(&LogReader::open(&path).unwrap()).unwrap();
    assert_eq!(replayed, 300, "without a snapshot the whole log is replayed");

    let engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    drop(engine);
    assert_eq!(snapshots::latest_size(&connection).unwrap(), Some(300));
    let (standing, replayed) = replay_standing(&LogReader::open(&path).unwrap()).unwrap();
    assert_eq!((replayed, standing), (0, whole_replay(&path)));
}

#[test]
fn a_snapshot_edited_moved_or_unreadable_is_named_and_a_moved_one_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    file(&mut engine, 0..200);
    drop(engine);
    drop(Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap()); // Takes the snapshot at 200.
    let connection = rusqlite::Connection::open(&path).unwrap();
    let truth = whole_replay(&path);

    // Edited: a party's count of reports changed.
    let text: String = connection
        .query_row("SELECT standing FROM standing_snapshots", [], |row| {
            row.get::<_, Vec<u8>>(0)
        })
        .map(|bytes| String::from_utf8(bytes).unwrap())
        .unwrap();
    let edited = text.replacen("\"AFG\":67", "\"AFG\":1", 1);
    assert_ne!(edited, text, "the snapshot names AFG's 67 reports: {text}");
    connection
        .execute("UPDATE standing_snapshots SET standing = ?1", [edited.as_bytes()])
        .unwrap();
    assert_eq!(
        problems(&path),
        ["the snapshot of the standing at size 200 differs from the log's events up to it"]
    );

    // Moved off its checkpoint: its root is not the log's at its size, so readers replay the whole log.
    connection
        .execute("UPDATE standing_snapshots SET root = zeroblob(32)", [])
        .unwrap();
    let (standing, replayed) = replay_standing(&LogReader::open(&path).unwrap()).unwrap();
    assert_eq!((replayed, &standing), (200, &truth));
    assert!(
        problems(&path)
            .contains(&"the snapshot of the standing at size 200 is not at a checkpoint the log signed".to_string())
    );

    // Unreadable: skipped by readers, named by the audit.
    connection
        .execute(
            "UPDATE standing_snapshots SET standing = x'7b7b', root = (SELECT root FROM log_checkpoints WHERE size = 200)",
            [],
        )
        .unwrap();
    let (standing, replayed) = replay_standing(&LogReader::open(&path).unwrap()).unwrap();
    assert_eq!((replayed, standing), (200, truth));
    let named = problems(&path);
    assert_eq!(named.len(), 1);
    assert!(
        named[0].starts_with("the snapshot of the standing at size 200 does not decode"),
        "{named:?}"
    );
}
