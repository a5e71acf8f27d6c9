//! `truce log verify` as a party runs it, against a live server and a
//! mirror: it accepts an honest log, and it exits non-zero, saying which and
//! where, for a wrong signature, a changed entry, a changed tile, a rewritten
//! history, a rollback and a fork.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use truce_log::{KeyName, SignerKey};
use truce_server::AppState;
use truce_store::{LogEntry, LogReader, LogWriter};

const TRUCE: &str = env!("CARGO_BIN_EXE_truce");

/// A log served over HTTP from this process, on a port of its own.
struct ServedLog {
    dir: tempfile::TempDir,
    writer: LogWriter,
    url: String,
    _runtime: tokio::runtime::Runtime,
}

fn signer() -> SignerKey {
    SignerKey::from_seed(KeyName::parse("truce.test/verify").unwrap(), [9; 32])
}

fn vkey() -> String {
    signer().verifier().to_string()
}

impl ServedLog {
    fn start(entries: u64, tag: &str) -> ServedLog {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("truce.db");
        let mut writer = LogWriter::open(&path, signer()).unwrap();
        append(&mut writer, 0, entries, tag);
        let state = AppState {
            log: Arc::new(LogReader::open(&path).unwrap()),
            log_vkey: vkey(),
            api: None,
            witnesses: Default::default(),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { truce_server::serve(listener, state).await });
        ServedLog {
            dir,
            writer,
            url,
            _runtime: runtime,
        }
    }

    fn append(&mut self, count: u64, tag: &str) {
        let size = self.writer.size();
        append(&mut self.writer, size, count, tag);
    }

    fn mirror(&self) -> PathBuf {
        let mirror = self.dir.path().join(format!("mirror-{}", self.writer.size()));
        let (code, out) = truce(&["log", "mirror", "--url", &self.url, "--dir", mirror.to_str().unwrap()]);
        assert_eq!(code, 0, "{out}");
        mirror
    }
}

fn append(writer: &mut LogWriter, first: u64, count: u64, tag: &str) {
    let entries: Vec<LogEntry> = (first..first + count)
        .map(|i| LogEntry::new(format!("{tag} entry {i}").into_bytes()).unwrap())
        .collect();
    writer.append_batch(&entries).unwrap();
}

/// Runs truce; returns its exit code and everything it printed.
fn truce(args: &[&str]) -> (i32, String) {
    let output = Command::new(TRUCE).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

fn verify_url(url: &str, state: &Path) -> (i32, String) {
    truce(&[
        "log",
        "verify",
        "--url",
        url,
        "--vkey",
        &vkey(),
        "--state",
        state.to_str().unwrap(),
    ])
}

fn verify_dir(dir: &Path, state: Option<&Path>) -> (i32, String) {
    let mut args = vec!["log", "verify", "--dir", dir.to_str().unwrap(), "--vkey"];
    let key = vkey();
    args.push(&key);
    if let Some(state) = state {
        args.extend(["--state", state.to_str().unwrap()]);
    }
    truce(&args)
}

fn assert_fails_with(result: (i32, String), expected: &[&str]) {
    let (code, out) = result;
    assert_ne!(code, 0, "verification passed but should not have:\n{out}");
    for fragment in expected {
        assert!(out.contains(fragment), "expected {fragment:?} in:\n{out}");
    }
}

#[test]
fn an_honest_log_verifies_and_its_growth_is_proved_consistent() {
    let mut log = ServedLog::start(700, "honest");
    let state = log.dir.path().join("state");
    let (code, out) = verify_url(&log.url, &state);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("at size 700"), "{out}");
    assert!(std::fs::read_to_string(&state).unwrap().contains("\n700\n"));

    log.append(70_000 - 700 + 13, "honest");
    let (code, out) = verify_url(&log.url, &state);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("consistent with the saved checkpoint at size 700"),
        "{out}"
    );
    // Only what is new was walked, from where the saved walk stopped.
    assert!(out.contains("(69313 entries after the saved walk at size 700"), "{out}");
    // The state now holds the new checkpoint, and the mirror verifies offline too.
    assert!(std::fs::read_to_string(&state).unwrap().contains("\n70013\n"));
    let (code, out) = verify_dir(&log.mirror(), Some(&state));
    assert_eq!(code, 0, "{out}");
    // Unchanged since the saved checkpoint: only the checkpoint is read (a
    // mirror holding nothing else still verifies), and only with the state.
    let (code, out) = verify_url(&log.url, &state);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok: unchanged since the saved checkpoint"), "{out}");
    assert!(out.contains("at size 70013"), "{out}");
    let bare = log.mirror();
    std::fs::remove_dir_all(bare.join("tile")).unwrap();
    let (code, out) = verify_dir(&bare, Some(&state));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing fetched but the checkpoint"), "{out}");
    let (code, _) = verify_dir(&bare, None);
    assert_ne!(code, 0, "without the state the whole log is needed");
    // The vkey may also be given as a file.
    let key_file = log.dir.path().join("log.vkey");
    std::fs::write(&key_file, vkey() + "\n").unwrap();
    let (code, out) = truce(&["log", "verify", "--url", &log.url, "--vkey", key_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_wrong_signature_is_refused() {
    let log = ServedLog::start(10, "sig");
    let impostor = SignerKey::from_seed(KeyName::parse("truce.test/verify").unwrap(), [10; 32])
        .verifier()
        .to_string();
    let result = truce(&["log", "verify", "--url", &log.url, "--vkey", &impostor]);
    assert_fails_with(result, &["not signed by the trusted key"]);

    // A checkpoint edited in a mirror no longer matches its signature.
    let mirror = log.mirror();
    let note = std::fs::read_to_string(mirror.join("checkpoint")).unwrap();
    std::fs::write(mirror.join("checkpoint"), note.replacen("\n10\n", "\n9\n", 1)).unwrap();
    assert_fails_with(
        verify_dir(&mirror, None),
        &["not signed by the trusted key", "does not verify"],
    );
}

#[test]
fn a_changed_entry_is_named_by_its_tile_and_position() {
    let log = ServedLog::start(600, "entry");
    let mirror = log.mirror();
    let bundle_path = mirror.join("tile/entries/001");
    let mut bundle = std::fs::read(&bundle_path).unwrap();
    let position = bundle.windows(15).position(|w| w == b"entry entry 300").unwrap();
    bundle[position + 14] = b'9';
    std::fs::write(&bundle_path, bundle).unwrap();
    assert_fails_with(
        verify_dir(&mirror, None),
        &["tile/0/001", "position 44", "an entry or a tile was changed"],
    );
}

#[test]
fn a_changed_tile_is_named() {
    let log = ServedLog::start(70_000, "tile");
    let mirror = log.mirror();
    let tile_path = mirror.join("tile/1/000");
    let original = std::fs::read(&tile_path).unwrap();
    let mut tile = original.clone();
    tile[32 * 200] ^= 0x80;
    std::fs::write(&tile_path, tile).unwrap();
    assert_fails_with(
        verify_dir(&mirror, None),
        &["tile/1/000", "position 200", "tree level 8"],
    );
    std::fs::write(&tile_path, original).unwrap();
    let short = mirror.join("tile/0/273.p/112");
    std::fs::write(&short, [0u8; 31]).unwrap();
    assert_fails_with(verify_dir(&mirror, None), &["tile/0/273.p/112", "31 bytes"]);
}

#[test]
fn a_rewritten_history_with_matching_tiles_fails_the_signed_root() {
    // A second log with the same key and size but other entries: its tiles
    // match its entries, but not the checkpoint the honest log signed.
    let honest = ServedLog::start(300, "honest");
    let rewritten = ServedLog::start(300, "rewritten");
    let mirror = rewritten.mirror();
    std::fs::copy(honest.mirror().join("checkpoint"), mirror.join("checkpoint")).unwrap();
    assert_fails_with(verify_dir(&mirror, None), &["the entries were changed", "size 300"]);
}

#[test]
fn a_rollback_to_a_smaller_tree_is_refused() {
    let mut log = ServedLog::start(600, "rollback");
    let old_mirror = log.mirror();
    log.append(100, "rollback");
    let state = log.dir.path().join("state");
    assert_eq!(verify_url(&log.url, &state).0, 0);
    assert_fails_with(
        verify_dir(&old_mirror, Some(&state)),
        &["rollback", "600 entries", "700"],
    );
    // The saved state is kept when verification fails.
    assert!(std::fs::read_to_string(&state).unwrap().contains("\n700\n"));
}

#[test]
fn a_fork_is_refused_at_equal_and_at_larger_sizes() {
    let mut honest = ServedLog::start(500, "shared");
    let mut forked = ServedLog::start(500, "shared");
    honest.append(10, "honest");
    forked.append(10, "forked");
    let state = honest.dir.path().join("state");
    assert_eq!(verify_url(&honest.url, &state).0, 0);
    assert_fails_with(verify_url(&forked.url, &state), &["fork", "at size 510"]);

    forked.append(100, "forked");
    assert_fails_with(
        verify_url(&forked.url, &state),
        &["fork", "not an extension of the saved checkpoint at 510"],
    );
}

#[test]
fn a_history_changed_under_the_saved_walk_is_caught_where_it_resumes() {
    // Two logs alike from entry 256 on, signed with the same key: a party
    // that walked the first at 700 resumes there on the second, at 1000.
    let mut honest = ServedLog::start(256, "early");
    honest.append(444, "same");
    let mut rewritten = ServedLog::start(256, "rewritten early");
    rewritten.append(444, "same");
    rewritten.append(300, "later");
    let state = honest.dir.path().join("state");
    assert_eq!(verify_url(&honest.url, &state).0, 0);
    // Its entries before 512 are not fetched again, but the tile above
    // them holds the hash of bundle 0, which the saved walk knows otherwise.
    assert_fails_with(
        verify_url(&rewritten.url, &state),
        &["tile/1/000.p/3 differs at position 0", "an entry or a tile was changed"],
    );

    // An entry of the bundle the walk resumes in, changed, is named.
    let mut other = ServedLog::start(600, "same start");
    other.append(100, "other end");
    let mut honest = ServedLog::start(600, "same start");
    honest.append(100, "honest end");
    let state = honest.dir.path().join("state2");
    assert_eq!(verify_url(&honest.url, &state).0, 0);
    other.append(50, "more");
    assert_fails_with(
        verify_url(&other.url, &state),
        &[
            "fork",
            "not an extension of the saved checkpoint at 700",
            "entry 600 differs",
        ],
    );
}
