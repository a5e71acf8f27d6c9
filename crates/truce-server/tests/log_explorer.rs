//! The log explorer page, `/log`, driven through the router over a log of
//! 600 entries (two full bundles and an unfinished one): it names the
//! latest checkpoint and the verifier key, pages the entries newest first
//! by index (across bundle boundaries), and answers a bad page parameter
//! with a 400 problem document, never a 500.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::Arc;
use tower::ServiceExt as _;
use truce_log::{KeyName, SignerKey};
use truce_server::{AppState, router};
use truce_store::{LogEntry, LogReader, LogWriter};

const ENTRIES: u64 = 600;

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let signer = SignerKey::from_seed(KeyName::parse("truce.test/explorer").unwrap(), [7; 32]);
    let mut writer = LogWriter::open(&path, signer.clone()).unwrap();
    let batch: Vec<LogEntry> = (0..ENTRIES)
        .map(|i| {
            let envelope = format!(
                r#"{{"v":1,"at":"2025-10-12T03:{:02}:00Z","by":"user-{i}","type":"kind_{i}"}}"#,
                i % 60
            );
            LogEntry::new(envelope.into_bytes()).unwrap()
        })
        .collect();
    writer.append_batch(&batch[..300]).unwrap();
    writer.append_batch(&batch[300..599]).unwrap();
    // One entry that is not an event: the page still lists it.
    writer
        .append_batch(&[LogEntry::new(b"not json".to_vec()).unwrap()])
        .unwrap();
    let state = AppState {
        log: Arc::new(LogReader::open(&path).unwrap()),
        log_vkey: signer.verifier().to_string(),
        api: None,
        witnesses: Default::default(),
    };
    Fixture { _dir: dir, state }
}

async fn get(fixture: &Fixture, uri: &str) -> (StatusCode, String, String) {
    let (status, content_type, body) = common::get(&fixture.state, uri).await;
    (status, content_type, String::from_utf8(body).unwrap())
}

/// The entry indexes the page's table links to, in order.
fn listed(page: &str) -> Vec<u64> {
    page.split(r#"<a href="/api/v1/log/entries/"#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn the_page_names_the_checkpoint_and_key_and_lists_the_newest_entries() {
    let f = fixture();
    let checkpoint = f.state.log.latest_checkpoint().unwrap();
    let (status, content_type, page) = get(&f, "/log").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    assert_eq!(checkpoint.size, ENTRIES);
    assert!(page.contains(&format!(r#"<dd id="checkpoint-size">{ENTRIES}</dd>"#)));
    assert!(page.contains(&checkpoint.root.to_base64()));
    // The note as signed, signature line and all (maud escapes nothing in it but HTML).
    assert!(page.contains(checkpoint.note.lines().last().unwrap()));
    assert!(page.contains(&f.state.log_vkey), "the verifier key is shown");
    assert!(page.contains(r#"src="/assets/log-explorer.js""#));
    assert!(page.contains("<noscript>"));
    assert_eq!(listed(&page), (550..600).rev().collect::<Vec<_>>());
    assert!(page.contains("kind_598"), "each entry's kind");
    assert!(
        !page.contains("user-598"),
        "not who caused it: that could name who reported"
    );
    assert!(page.contains("Not a truce event"), "entry 599 is not JSON");
    assert!(
        page.contains(r#"href="/log?lang=en&amp;before=550""#),
        "an older page by index"
    );
    assert!(!page.contains("Newer entries"), "the newest page has nothing newer");
}

#[tokio::test]
async fn older_pages_go_by_index_across_bundles_to_the_first_entry() {
    let f = fixture();
    let (status, _, page) = get(&f, "/log?before=280").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        listed(&page),
        (230..280).rev().collect::<Vec<_>>(),
        "bundle 0 into bundle 1"
    );
    assert!(page.contains("Entries 230 to 279"));
    assert!(page.contains(r#"href="/log?lang=en&amp;before=330""#));
    assert!(page.contains(r#"href="/log?lang=en&amp;before=230""#));
    let (status, _, page) = get(&f, "/log?lang=ar&before=20").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"dir="rtl""#));
    assert_eq!(listed(&page), (0..20).rev().collect::<Vec<_>>());
    assert!(!page.contains("before=0\""), "nothing is older than entry 0");
    let (status, _, page) = get(&f, "/log?before=0").await;
    assert_eq!(status, StatusCode::OK);
    assert!(listed(&page).is_empty());
}

#[tokio::test]
async fn a_bad_page_parameter_is_a_400_problem_naming_it() {
    let f = fixture();
    for (uri, field) in [
        ("/log?before=abc", "before"),
        ("/log?before=-1", "before"),
        ("/log?before=007", "before"),
        ("/log?before=601", "before"),
        ("/log?before=99999999999999999999999", "before"),
        ("/log?before=", "before"),
        ("/log?page=2", "page"),
    ] {
        let (status, content_type, body) = get(&f, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(content_type, "application/problem+json", "{uri}");
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["status"], 400, "{uri}");
        assert!(
            problem.to_string().contains(field),
            "{uri}: {problem} should name {field}"
        );
    }
}

#[tokio::test]
async fn the_script_is_served_and_the_page_runs_under_the_policy() {
    let f = fixture();
    let (status, content_type, script) = get(&f, "/assets/log-explorer.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/javascript"));
    assert!(script.contains("crypto.subtle"));
    let response = router(f.state.clone())
        .oneshot(Request::get("/log").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let policy = response.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"));
}
