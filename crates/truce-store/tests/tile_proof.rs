//! An older entry proved from the tiles alone (`truce_log::client::TileProver`,
//! what a resumed `truce log verify` uses for the entries a new disclosure
//! opens), against the tiles this store serves: every entry asked for comes
//! back proved, at sizes whose proofs reach three tile levels and a ragged
//! right edge, and a changed bundle or tile is refused.

use truce_log::client::{TileProver, TileSource};
use truce_log::{KeyName, SignerKey, TileId};
use truce_store::{LogEntry, LogReader, LogWriter};

/// The store's tiles by path, changed by `tamper` on the way out.
struct Served<'a> {
    reader: &'a LogReader,
    tamper: &'a (dyn Fn(&str, &mut Vec<u8>) + Sync),
}

impl TileSource for Served<'_> {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let tile = TileId::parse_path(path).map_err(|e| e.to_string())?;
        let mut bytes = self.reader.tile(tile).map_err(|e| e.to_string())?;
        (self.tamper)(path, &mut bytes);
        Ok(Some(bytes))
    }
}

#[test]
fn an_older_entry_is_proved_from_the_tiles_and_a_changed_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let signer = SignerKey::from_seed(KeyName::parse("truce.test/tile-proof").unwrap(), [5; 32]);
    let mut writer = LogWriter::open(&path, signer).unwrap();
    let size = 65_536 + 700;
    let entries: Vec<LogEntry> = (0..size)
        .map(|i| LogEntry::new(format!("entry {i}").into_bytes()).unwrap())
        .collect();
    for batch in entries.chunks(4096) {
        writer.append_batch(batch).unwrap();
    }
    let reader = LogReader::open(&path).unwrap();
    let checkpoint = reader.latest_checkpoint().unwrap();
    assert_eq!(checkpoint.size, size as u64);
    let honest = Served {
        reader: &reader,
        tamper: &|_, _| {},
    };
    let prover = TileProver::new(&honest, checkpoint.size, checkpoint.root);
    for index in [0, 1, 255, 256, 65_535, 65_536, 66_000, size as u64 - 1] {
        assert_eq!(
            prover.entry(index).unwrap(),
            format!("entry {index}").into_bytes(),
            "entry {index}"
        );
    }
    assert!(prover.entry(size as u64).unwrap_err().contains("not in the tree"));

    // A bundle changed: its entry no longer hashes into the signed root.
    let changed_bundle = Served {
        reader: &reader,
        tamper: &|path, bytes| {
            if path == "tile/entries/001" {
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
            }
        },
    };
    let prover = TileProver::new(&changed_bundle, checkpoint.size, checkpoint.root);
    let error = prover.entry(511).unwrap_err();
    assert!(
        error.contains("entry 511 is not proved in the verified tree"),
        "{error}"
    );
    // A tile changed on the proof's path: the proof fails too.
    let changed_tile = Served {
        reader: &reader,
        tamper: &|path, bytes| {
            if path.starts_with("tile/1/") {
                bytes[0] ^= 1;
            }
        },
    };
    let prover = TileProver::new(&changed_tile, checkpoint.size, checkpoint.root);
    assert!(prover.entry(300).is_err());
}
