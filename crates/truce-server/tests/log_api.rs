//! The read API driven through the router: C2SP paths and content types,
//! JSON proofs that verify, and every reader mistake answered with a
//! problem document (400 or 404), never a 500.

mod common;

use axum::http::StatusCode;
use std::sync::Arc;
use truce_log::{Hash, KeyName, SignedCheckpoint, SignerKey, leaf_hash, verify_consistency, verify_inclusion};
use truce_server::AppState;
use truce_store::{LogEntry, LogReader, LogWriter};

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    signer: SignerKey,
}

fn fixture(entries: u64) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let signer = SignerKey::from_seed(KeyName::parse("truce.test/api").unwrap(), [3; 32]);
    let mut writer = LogWriter::open(&path, signer.clone()).unwrap();
    let batch: Vec<LogEntry> = (0..entries)
        .map(|i| LogEntry::new(format!("entry {i}").into_bytes()).unwrap())
        .collect();
    writer.append_batch(&batch[..entries as usize / 2]).unwrap();
    writer.append_batch(&batch[entries as usize / 2..]).unwrap();
    let state = AppState {
        log: Arc::new(LogReader::open(&path).unwrap()),
        log_vkey: signer.verifier().to_string(),
        api: None,
        witnesses: Default::default(),
    };
    Fixture {
        _dir: dir,
        state,
        signer,
    }
}

async fn get(fixture: &Fixture, uri: &str) -> (StatusCode, String, Vec<u8>) {
    common::get(&fixture.state, uri).await
}

fn hashes(json: &serde_json::Value) -> Vec<Hash> {
    json["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn checkpoint_key_and_tiles_are_served_as_c2sp_specifies() {
    let f = fixture(600);
    let (status, content_type, body) = get(&f, "/log/checkpoint").await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "text/plain; charset=utf-8")
    );
    let checkpoint = SignedCheckpoint::open(&body, &f.signer.verifier()).unwrap().checkpoint;
    assert_eq!(checkpoint.size, 600);

    let (status, _, body) = get(&f, "/log/key").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(String::from_utf8(body).unwrap().trim(), f.signer.verifier().to_string());

    for (path, length) in [
        ("/log/tile/0/000", 8192),
        ("/log/tile/0/002.p/88", 88 * 32),
        ("/log/tile/1/000.p/2", 64),
        ("/log/tile/0/000.p/5", 160),
    ] {
        let (status, content_type, body) = get(&f, path).await;
        assert_eq!(
            (status, content_type.as_str(), body.len()),
            (StatusCode::OK, "application/octet-stream", length),
            "{path}"
        );
    }
    let (_, _, bundle) = get(&f, "/log/tile/entries/002.p/88").await;
    let entries = truce_log::tile::decode_entry_bundle(&bundle).unwrap();
    assert_eq!(entries.first().copied(), Some(b"entry 512".as_slice()));
    assert_eq!(entries.len(), 88);
}

#[tokio::test]
async fn json_proofs_verify_against_the_checkpoint() {
    let f = fixture(600);
    let checkpoint = f.state.log.latest_checkpoint().unwrap();
    let old = f.state.log.checkpoint_at(300).unwrap();
    let (status, content_type, body) = get(&f, "/api/v1/log/proof/inclusion?index=517&size=600").await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/json"));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    verify_inclusion(&leaf_hash(b"entry 517"), 517, 600, &hashes(&json), &checkpoint.root).unwrap();

    let (status, _, body) = get(&f, "/api/v1/log/proof/consistency?from=300&to=600").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    verify_consistency(300, 600, &hashes(&json), &old.root, &checkpoint.root).unwrap();

    let (status, _, body) = get(&f, "/api/v1/log/entries/42").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["leaf_hash"], leaf_hash(b"entry 42").to_base64());
}

#[tokio::test]
async fn reader_mistakes_get_problem_documents_never_a_500() {
    let f = fixture(600);
    let cases = [
        ("/log/tile/0/x000/001", 400, Some("path")),
        ("/log/tile/0/1", 400, Some("path")),
        ("/log/tile/0/000.p/0", 400, Some("path")),
        ("/log/tile/0/000.p/256", 400, Some("path")),
        ("/log/tile/64/000", 400, Some("path")),
        ("/log/tile/abc/000", 400, Some("path")),
        ("/log/tile/0/003", 404, None),
        ("/log/tile/0/002", 404, None),
        ("/log/tile/0/002.p/89", 404, None),
        ("/log/tile/9/000", 404, None),
        ("/log/tile/entries/005", 404, None),
        ("/api/v1/log/proof/inclusion?index=600&size=600", 400, Some("index")),
        ("/api/v1/log/proof/inclusion?index=1&size=601", 404, None),
        ("/api/v1/log/proof/inclusion?index=1", 400, Some("size")),
        ("/api/v1/log/proof/inclusion?index=-1&size=5", 400, Some("index")),
        ("/api/v1/log/proof/inclusion?index=01&size=5", 400, Some("index")),
        (
            "/api/v1/log/proof/inclusion?index=1&size=99999999999999999999",
            400,
            Some("size"),
        ),
        ("/api/v1/log/proof/inclusion?index=1&size=5&extra=1", 400, Some("extra")),
        ("/api/v1/log/proof/consistency?from=0&to=5", 400, Some("from")),
        ("/api/v1/log/proof/consistency?from=6&to=5", 400, Some("from")),
        ("/api/v1/log/proof/consistency?from=5&to=601", 404, None),
        ("/api/v1/log/entries/600", 404, None),
        ("/api/v1/log/entries/x", 400, Some("index")),
        ("/no/such/page", 404, None),
    ];
    for (uri, expected_status, field) in cases {
        let (status, content_type, body) = get(&f, uri).await;
        assert_eq!(
            status.as_u16(),
            expected_status,
            "{uri}: {}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(content_type, "application/problem+json", "{uri}");
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["status"], expected_status, "{uri}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{uri}");
        assert_eq!(problem["field"].as_str(), field, "{uri}");
    }
}
