//! The SQLite log against the in-memory reference: roots, tiles, bundles,
//! entries and proofs after batches of every shape, across reopening, and
//! refusal of a store edited behind the writer's back.

use proptest::prelude::*;
use std::path::Path;
use truce_log::proof::reference;
use truce_log::tile::{TILE_WIDTH, decode_entry_bundle};
use truce_log::tree::reference_root;
use truce_log::{
    Hash, KeyName, SignedCheckpoint, SignerKey, TileId, TileKind, leaf_hash, verify_consistency, verify_inclusion,
};
use truce_store::{LogEntry, LogReader, LogWriter, ReadError, Sequencer, SequencerConfig, StoreError};

fn signer() -> SignerKey {
    SignerKey::from_seed(KeyName::parse("truce.test/log").unwrap(), [42; 32])
}

fn entry(i: u64) -> LogEntry {
    LogEntry::new(format!("entry {i} {}", "x".repeat((i % 50) as usize)).into_bytes()).unwrap()
}

/// Everything a reader can see must agree with the reference tree over `entries`.
fn check_reader_against_reference(reader: &LogReader, entries: &[LogEntry]) {
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e.as_bytes())).collect();
    let size = entries.len() as u64;
    let checkpoint = reader.latest_checkpoint().unwrap();
    assert_eq!(checkpoint.size, size);
    assert_eq!(checkpoint.root, reference_root(&leaves));
    SignedCheckpoint::open(checkpoint.note.as_bytes(), &signer().verifier()).unwrap();

    for tile in TileId::tiles_for_size(TileKind::Hashes { level: 0 }, size) {
        let start = (tile.index * TILE_WIDTH) as usize;
        let expected: Vec<u8> = leaves[start..start + tile.width.get() as usize]
            .iter()
            .flat_map(|h| h.0)
            .collect();
        assert_eq!(reader.tile(tile).unwrap(), expected, "{}", tile.path());
    }
    for tile in TileId::tiles_for_size(TileKind::Hashes { level: 1 }, size) {
        let bytes = reader.tile(tile).unwrap();
        for (i, hash) in bytes.chunks(32).enumerate() {
            let start = ((tile.index * TILE_WIDTH + i as u64) * TILE_WIDTH) as usize;
            assert_eq!(
                hash,
                reference_root(&leaves[start..start + TILE_WIDTH as usize]).0,
                "{}",
                tile.path()
            );
        }
    }
    for tile in TileId::tiles_for_size(TileKind::Entries, size) {
        let bundle = reader.tile(tile).unwrap();
        let start = (tile.index * TILE_WIDTH) as usize;
        let decoded = decode_entry_bundle(&bundle).unwrap();
        assert_eq!(decoded.len() as u64, tile.width.get());
        for (i, data) in decoded.iter().enumerate() {
            assert_eq!(*data, entries[start + i].as_bytes());
        }
    }
    for index in [0, size / 3, size.saturating_sub(1)] {
        if index < size {
            assert_eq!(reader.entry(index).unwrap(), entries[index as usize].as_bytes());
            let proof = reader.inclusion_proof(index, size).unwrap();
            assert_eq!(proof, reference::inclusion_proof(index as usize, &leaves));
            verify_inclusion(&leaves[index as usize], index, size, &proof, &checkpoint.root).unwrap();
        }
    }
    // A page of entries, across bundle boundaries and past the end (clipped).
    for range in [0..size, size / 3..size / 3 + 50, size.saturating_sub(50)..size + 10] {
        let expected: Vec<(u64, Vec<u8>)> = (range.start..range.end.min(size))
            .map(|i| (i, entries[i as usize].as_bytes().to_vec()))
            .collect();
        assert_eq!(reader.entries(range.clone()).unwrap(), expected, "{range:?}");
    }
    for old in [1, size / 2, size] {
        if old >= 1 && old <= size {
            let proof = reader.consistency_proof(old, size).unwrap();
            let old_root = reference_root(&leaves[..old as usize]);
            verify_consistency(old, size, &proof, &old_root, &checkpoint.root).unwrap();
        }
    }
}

fn append_in_batches(path: &Path, batch_sizes: &[usize]) -> Vec<LogEntry> {
    let mut writer = LogWriter::open(path, signer()).unwrap();
    let mut entries = Vec::new();
    for &batch_size in batch_sizes {
        let batch: Vec<LogEntry> = (0..batch_size).map(|i| entry((entries.len() + i) as u64)).collect();
        let appended = writer.append_batch(&batch).unwrap();
        assert_eq!(appended.first_index, entries.len() as u64);
        entries.extend(batch);
        assert_eq!(appended.checkpoint.size, entries.len() as u64);
    }
    entries
}

#[test]
fn an_empty_log_has_a_signed_checkpoint_of_size_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    LogWriter::open(&path, signer()).unwrap();
    let reader = LogReader::open(&path).unwrap();
    check_reader_against_reference(&reader, &[]);
    assert!(matches!(
        reader.entry(0),
        Err(ReadError::BeyondTree {
            requested: 0,
            tree_size: 0
        })
    ));
    assert!(matches!(
        reader.tile(TileId::parse_path("tile/0/000.p/1").unwrap()),
        Err(ReadError::NotFound(_))
    ));
}

#[test]
fn batches_across_tile_boundaries_match_the_reference_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let entries = append_in_batches(&path, &[1, 255, 1, 300, 1024, 1, 64, 65536 - 1646 + 3]);
    let reader = LogReader::open(&path).unwrap();
    check_reader_against_reference(&reader, &entries);
    // Reopening derives the same right edge and goes on where it stopped.
    let mut writer = LogWriter::open(&path, signer()).unwrap();
    let more: Vec<LogEntry> = (0..700).map(|i| entry(entries.len() as u64 + i)).collect();
    writer.append_batch(&more).unwrap();
    let all: Vec<LogEntry> = entries.into_iter().chain(more).collect();
    check_reader_against_reference(&reader, &all);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn random_batch_shapes_match_the_reference(batch_sizes in prop::collection::vec(1usize..600, 1..8)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let entries = append_in_batches(&path, &batch_sizes);
        check_reader_against_reference(&LogReader::open(&path).unwrap(), &entries);
    }
}

#[test]
fn partial_tiles_of_older_checkpoints_stay_servable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    append_in_batches(&path, &[10, 500]);
    let reader = LogReader::open(&path).unwrap();
    // The checkpoint at size 10 needs tile/0/000.p/10 and bundle 000.p/10.
    assert_eq!(reader.checkpoint_at(10).unwrap().size, 10);
    assert_eq!(
        reader
            .tile(TileId::parse_path("tile/0/000.p/10").unwrap())
            .unwrap()
            .len(),
        320
    );
    let bundle = reader
        .tile(TileId::parse_path("tile/entries/000.p/10").unwrap())
        .unwrap();
    assert_eq!(decode_entry_bundle(&bundle).unwrap().len(), 10);
    assert!(matches!(
        reader.tile(TileId::parse_path("tile/0/001.p/255").unwrap()),
        Err(ReadError::NotFound(_))
    ));
    assert!(matches!(
        reader.tile(TileId::parse_path("tile/entries/002").unwrap()),
        Err(ReadError::NotFound(_))
    ));
    assert!(matches!(reader.checkpoint_at(11), Err(ReadError::NotFound(_))));
}

#[test]
fn proofs_beyond_the_tree_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    append_in_batches(&path, &[5]);
    let reader = LogReader::open(&path).unwrap();
    assert!(matches!(reader.inclusion_proof(5, 5), Err(ReadError::Proof(_))));
    assert!(matches!(
        reader.inclusion_proof(0, 6),
        Err(ReadError::BeyondTree {
            requested: 6,
            tree_size: 5
        })
    ));
    assert!(matches!(reader.consistency_proof(0, 5), Err(ReadError::Proof(_))));
    assert!(matches!(reader.consistency_proof(4, 3), Err(ReadError::Proof(_))));
}

#[test]
fn a_right_edge_tile_edited_behind_the_writer_is_caught_on_open() {
    // Opening checks the right edge (here the level-1 tile holding node (8, 0));
    // the audit checks everything else.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    append_in_batches(&path, &[300]);
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute(
            "UPDATE log_tiles SET nodes = zeroblob(length(nodes)) WHERE id = 1 << 56",
            [],
        )
        .unwrap();
    drop(connection);
    match LogWriter::open(&path, signer()) {
        Err(StoreError::Corrupt(message)) => assert!(message.contains("root"), "{message}"),
        other => panic!("expected corruption, got {:?}", other.map(|w| w.size())),
    }
}

#[test]
fn a_log_opened_with_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    append_in_batches(&path, &[3]);
    let other = SignerKey::from_seed(KeyName::parse("truce.test/other").unwrap(), [1; 32]);
    assert!(matches!(
        LogWriter::open(&path, other),
        Err(StoreError::WrongOrigin { .. })
    ));
}

#[test]
fn oversized_entries_never_become_entries() {
    assert!(LogEntry::new(vec![0; 65535]).is_ok());
    assert_eq!(LogEntry::new(vec![0; 65536]).unwrap_err().0, 65536);
}

#[test]
fn concurrent_appends_are_batched_and_each_gets_its_own_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let sequencer = Sequencer::start(LogWriter::open(&path, signer()).unwrap(), SequencerConfig::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let appends = 2000u64;
    let mut indexes: Vec<u64> = runtime.block_on(async {
        let tasks: Vec<_> = (0..appends)
            .map(|i| {
                let handle = sequencer.handle();
                tokio::spawn(async move {
                    let appended = handle.append(entry(i)).await.unwrap();
                    assert!(appended.checkpoint.size > appended.index);
                    appended.index
                })
            })
            .collect();
        let mut indexes = Vec::new();
        for task in tasks {
            indexes.push(task.await.unwrap());
        }
        indexes
    });
    sequencer.shutdown();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..appends).collect::<Vec<_>>());
    let connection = rusqlite::Connection::open(&path).unwrap();
    let checkpoints: i64 = connection
        .query_row("SELECT count(*) FROM log_checkpoints", [], |r| r.get(0))
        .unwrap();
    assert!(
        checkpoints < appends as i64,
        "{checkpoints} checkpoints for {appends} appends: no batching"
    );
    assert_eq!(
        LogReader::open(&path).unwrap().latest_checkpoint().unwrap().size,
        appends
    );
}

#[test]
fn the_audit_recomputes_the_root_and_names_a_changed_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let entries = append_in_batches(&path, &[1000, 37]);
    let reader = LogReader::open(&path).unwrap();
    let report = truce_store::audit_log(&reader).unwrap();
    assert_eq!(report.checkpoint.size, entries.len() as u64);
    let bytes: u64 = entries.iter().map(|e| e.as_bytes().len() as u64).sum();
    assert_eq!(report.entry_bytes, bytes);

    // Change one byte of one entry in bundle 2, behind the writer's back.
    let connection = rusqlite::Connection::open(&path).unwrap();
    let mut bundle: Vec<u8> = connection
        .query_row("SELECT data FROM log_bundles WHERE idx = 2", [], |r| r.get(0))
        .unwrap();
    bundle[10] ^= 1;
    connection
        .execute("UPDATE log_bundles SET data = ?1 WHERE idx = 2", [bundle])
        .unwrap();
    match truce_store::audit_log(&reader) {
        Err(truce_store::AuditError::Bundle {
            bundle: 2,
            first: 512,
            end: 768,
            ..
        }) => {}
        other => panic!("expected bundle 2 to be named, got {other:?}"),
    }

    // A changed pending entry changes the root.
    let dir2 = tempfile::tempdir().unwrap();
    let path2 = dir2.path().join("log.db");
    append_in_batches(&path2, &[300]);
    let connection2 = rusqlite::Connection::open(&path2).unwrap();
    connection2
        .execute("UPDATE log_pending SET data = x'00' WHERE idx = 299", [])
        .unwrap();
    let reader2 = LogReader::open(&path2).unwrap();
    assert!(matches!(
        truce_store::audit_log(&reader2),
        Err(truce_store::AuditError::RootMismatch { size: 300, .. })
    ));
}

#[test]
fn a_second_writer_on_the_same_log_is_refused_until_the_first_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let first = LogWriter::open(&path, signer()).unwrap();
    assert!(matches!(LogWriter::open(&path, signer()), Err(StoreError::Locked(_))));
    drop(first);
    LogWriter::open(&path, signer()).unwrap();
}
