//! The engine: commands become events in the log and rows in the
//! projections in one transaction; a rebuild from the log gives the same
//! rows; a row or a sealed plaintext edited behind truce's back is named.

use truce_domain::event::Placement;
use truce_domain::report::ReportInput;
use truce_domain::sealed::{SealedFields, commitment};
use truce_domain::state::Command;
use truce_log::{KeyName, SignerKey};
use truce_store::{Engine, LogReader, LogWriter, Outcome, Submission, audit_projections, projections};

fn signer() -> SignerKey {
    SignerKey::from_seed(KeyName::parse("truce.test/engine").unwrap(), [4; 32])
}

fn submission(source: &str, latitude: f64, sealed: Option<&str>) -> Submission {
    let input: ReportInput = serde_json::from_value(serde_json::json!({
        "external_id": format!("{source}-1"),
        "source": {"type": "media", "name": source, "grading": "B2"},
        "time": {"start": "2025-10-12T02:00:00+05:00", "precision": "hour"},
        "location": {"latitude": latitude, "longitude": 71.1, "precision": "exact"},
        "narrative": format!("{source} reports shelling near the crossing"),
        "claims": [{"claimant": source, "stance": "assert", "category": "civilians", "low": 3, "best": 4, "high": 5}],
    }))
    .unwrap();
    let report = input.parse().unwrap();
    let sealed = sealed.map(|identity| {
        let fields = SealedFields {
            submitter_identity: Some(identity.into()),
            protected_source: None,
        };
        ([9u8; 32], fields.plaintext())
    });
    let sealed_commitment = sealed.as_ref().map(|(salt, plaintext)| commitment(salt, plaintext));
    Submission {
        command: Command::FileReport {
            report: Box::new(report),
            sealed_commitment,
            correlate: true,
            geo: None,
        },
        by: "tester".into(),
        acting: Some("monitor".into()),
        sealed,
        at: None,
    }
}

#[test]
fn events_and_projections_commit_together_and_rebuild_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    let outcomes = engine
        .submit(vec![
            submission("Dawn", 34.10, Some("reporter 7")),
            submission("Tolo", 34.11, None),
            submission("Geo", 35.5, None),
        ])
        .unwrap();
    assert!(matches!(
        &outcomes[0],
        Outcome::Recorded {
            first_index: 0,
            entries: 1,
            placement: Some(Placement::OpenedIncident(1))
        }
    ));
    assert!(matches!(
        &outcomes[1],
        Outcome::Recorded {
            first_index: 1,
            entries: 1,
            placement: Some(Placement::JoinedIncident(1))
        }
    ));
    assert!(matches!(&outcomes[2], Outcome::Recorded { first_index: 2, .. }));
    assert_eq!(engine.writer().size(), 3);
    let again = engine.submit(vec![submission("Dawn", 34.10, None)]).unwrap();
    assert_eq!(again, [Outcome::Unchanged]);
    drop(engine);

    // The log holds the commitment, never the identity.
    let reader = LogReader::open(&path).unwrap();
    let mut log_text = String::new();
    reader
        .for_each_entry(|_, bytes| {
            log_text.push_str(&String::from_utf8_lossy(bytes));
            Ok(())
        })
        .unwrap();
    assert!(!log_text.contains("reporter 7"));
    assert!(log_text.contains("sealed_commitment"));

    let live = rusqlite::Connection::open(&path).unwrap();
    let incidents: Vec<i64> = live
        .prepare("SELECT incident_id FROM reports ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(incidents, [1, 1, 2]);
    let audit = audit_projections(&live, &reader).unwrap();
    assert_eq!(audit.live_digest, audit.rebuilt_digest);
    assert!(audit.differences.is_empty() && audit.broken_seals.is_empty());

    // Reopening replays the log: the duplicate is still recognised.
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    assert_eq!(
        engine.submit(vec![submission("Tolo", 34.11, None)]).unwrap(),
        [Outcome::Unchanged]
    );
    drop(engine);

    // Rows edited behind truce's back are named.
    live.execute("UPDATE claims SET best = 40 WHERE report_id = 2", [])
        .unwrap();
    live.execute("DELETE FROM incidents WHERE id = 2", []).unwrap();
    live.execute(
        "UPDATE sealed SET plaintext = '{\"submitter_identity\":\"someone else\"}'",
        [],
    )
    .unwrap();
    let audit = audit_projections(&live, &reader).unwrap();
    assert_ne!(audit.live_digest, audit.rebuilt_digest);
    assert_eq!(audit.differences.len(), 2, "{:?}", audit.differences);
    assert!(
        audit
            .differences
            .iter()
            .any(|d| d.starts_with("claims row 2,0 differs")),
        "{:?}",
        audit.differences
    );
    assert!(
        audit
            .differences
            .iter()
            .any(|d| d.starts_with("incidents row 2 is missing")),
        "{:?}",
        audit.differences
    );
    assert_eq!(
        audit.broken_seals,
        ["sealed fields of report 1 do not match the commitment in the log"]
    );
    assert_eq!(
        projections::digest(&truce_store::rebuild_in_memory(&reader).unwrap()).unwrap(),
        audit.rebuilt_digest
    );
}

#[test]
fn refused_commands_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    let merge = Submission {
        command: Command::MergeIncidents {
            into: 1,
            from: 2,
            reason: "x".into(),
        },
        by: "t".into(),
        acting: None,
        sealed: None,
        at: None,
    };
    let outcomes = engine.submit(vec![merge]).unwrap();
    assert!(matches!(&outcomes[..], [Outcome::Refused(error)] if error.to_string() == "incident 1 does not exist"));
    assert_eq!(engine.writer().size(), 0);
}

/// An event too large for a log entry (its parser would have refused it;
/// this one was made behind the parser's back) is refused alone: the
/// submissions batched with it are recorded, and the state does not see it.
#[test]
fn an_event_too_large_for_the_log_fails_only_its_own_submission() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    let mut huge = submission("Huge", 34.10, None);
    if let Command::FileReport { report, .. } = &mut huge.command {
        report.narrative = "\u{1}".repeat(20_000);
    }
    let outcomes = engine
        .submit(vec![
            submission("Dawn", 34.10, None),
            huge,
            submission("Geo", 35.5, None),
        ])
        .unwrap();
    assert!(
        matches!(outcomes[0], Outcome::Recorded { first_index: 0, .. }),
        "{outcomes:?}"
    );
    assert!(
        matches!(&outcomes[1], Outcome::Refused(error) if error.to_string().contains("over the 65535 a log entry holds")),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[2], Outcome::Recorded { first_index: 1, .. }),
        "{outcomes:?}"
    );
    assert_eq!(engine.writer().size(), 2);
    // The refused report left no trace in the state: filed again, small, it opens its own place.
    let again = engine.submit(vec![submission("Huge", 40.0, None)]).unwrap();
    assert!(
        matches!(again[0], Outcome::Recorded { first_index: 2, .. }),
        "{again:?}"
    );
}

#[test]
fn the_pipeline_records_what_one_batch_at_a_time_records() {
    let batches = || {
        vec![
            vec![
                submission("Dawn", 34.10, Some("reporter 7")),
                submission("Tolo", 34.11, None),
            ],
            vec![submission("Geo", 35.5, None), submission("Dawn", 34.10, None)],
            vec![submission("Reuters", 34.12, None)],
        ]
    };
    let dir = tempfile::tempdir().unwrap();
    let one_at_a_time = dir.path().join("sequential.db");
    let mut engine = Engine::open(LogWriter::open(&one_at_a_time, signer()).unwrap()).unwrap();
    let sequential: Vec<Vec<Outcome>> = batches()
        .into_iter()
        .map(|batch| engine.submit(batch).unwrap())
        .collect();
    drop(engine);

    let pipelined_path = dir.path().join("pipelined.db");
    let mut engine = Engine::open(LogWriter::open(&pipelined_path, signer()).unwrap()).unwrap();
    let mut pipelined = Vec::new();
    engine
        .submit_pipelined(batches().into_iter(), |outcomes| {
            pipelined.push(outcomes);
            Ok(())
        })
        .unwrap();
    drop(engine);
    assert_eq!(pipelined, sequential);
    assert_eq!(
        pipelined[1][1],
        Outcome::Unchanged,
        "the same report again, in a later batch"
    );
    let digest = |path: &std::path::Path| projections::digest(&rusqlite::Connection::open(path).unwrap()).unwrap();
    assert_eq!(digest(&pipelined_path), digest(&one_at_a_time));
}

/// An incident's id, report count, time, latitude and status.
type Summary = (i64, i64, Option<i64>, Option<f64>, String);

/// The summary columns of `incidents`, as a user of the list sees them.
fn summaries(path: &std::path::Path) -> Vec<Summary> {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection
        .prepare("SELECT id, report_count, happened_at, latitude, status FROM incidents ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn incident_summaries_follow_merges_and_splits_and_match_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    engine
        .submit(vec![
            submission("Dawn", 34.10, None),
            submission("Tolo", 34.11, None),
            submission("Geo", 35.5, None),
        ])
        .unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2025-10-12T02:00:00+05:00")
        .unwrap()
        .timestamp();
    assert_eq!(
        summaries(&path),
        [
            (1, 2, Some(start), Some(34.10), "reported".to_string()),
            (2, 1, Some(start), Some(35.5), "reported".to_string())
        ]
    );
    let merge = Submission::new(
        "tester",
        Command::MergeIncidents {
            into: 1,
            from: 2,
            reason: "one strike".into(),
        },
    );
    assert!(matches!(
        engine.submit(vec![merge]).unwrap()[0],
        Outcome::Recorded { .. }
    ));
    assert_eq!(summaries(&path)[0].1, 3);
    assert_eq!(summaries(&path)[1].4, "closed_duplicate");
    let split = Submission::new(
        "tester",
        Command::SplitIncident {
            from: 1,
            report_ids: vec![1],
            reason: "two strikes".into(),
        },
    );
    assert!(matches!(
        engine.submit(vec![split]).unwrap()[0],
        Outcome::Recorded { .. }
    ));
    let after = summaries(&path);
    assert_eq!(after[0], (1, 2, Some(start), Some(34.11), "reported".to_string()));
    assert_eq!(after[2], (3, 1, Some(start), Some(34.10), "reported".to_string()));
    drop(engine);

    let live = rusqlite::Connection::open(&path).unwrap();
    let found: Vec<i64> = live
        .prepare("SELECT rowid FROM report_text WHERE report_text MATCH 'Dawn OR Geo' ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(found, [1, 3], "the narratives are searchable");
    let audit = audit_projections(&live, &LogReader::open(&path).unwrap()).unwrap();
    assert!(audit.differences.is_empty(), "{:?}", audit.differences);
}

#[test]
fn projections_of_an_older_version_are_rebuilt_from_the_log_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let mut engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    engine
        .submit(vec![
            submission("Dawn", 34.10, Some("reporter 7")),
            submission("Geo", 35.5, None),
        ])
        .unwrap();
    drop(engine);
    let live = rusqlite::Connection::open(&path).unwrap();
    // An older store: another version, and a table without the summary.
    live.execute_batch(
        "UPDATE log_meta SET value = '1' WHERE key = 'projections_version';
         DROP TABLE incidents;
         CREATE TABLE incidents (id INTEGER PRIMARY KEY, opened_by_report INTEGER NOT NULL, status TEXT NOT NULL,
                                 merged_into INTEGER, log_index INTEGER NOT NULL);",
    )
    .unwrap();
    let engine = Engine::open(LogWriter::open(&path, signer()).unwrap()).unwrap();
    drop(engine);
    assert_eq!(summaries(&path).len(), 2);
    let audit = audit_projections(&live, &LogReader::open(&path).unwrap()).unwrap();
    assert!(audit.differences.is_empty(), "{:?}", audit.differences);
    assert!(
        audit.broken_seals.is_empty(),
        "the sealed plaintexts survive the rebuild"
    );
}
