//! Property tests of every parser that reads untrusted input: arbitrary
//! bytes never panic, and what the writers produce always parses back.
//! (The fuzz targets in `fuzz/` drive the same parsers with coverage.)

use proptest::prelude::*;
use truce_log::checkpoint::Checkpoint;
use truce_log::note::{KeyName, Note, SignerKey, VerifierKey};
use truce_log::tile::{
    TileId, TileKind, TileWidth, decode_entry_bundle, decode_index, encode_entry_bundle, encode_index,
};
use truce_log::{Hash, StoredTile};

fn signer() -> SignerKey {
    SignerKey::from_seed(KeyName::parse("truce.test/properties").unwrap(), [5; 32])
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_a_parser(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Note::parse(&bytes);
        let _ = Checkpoint::parse(&text);
        let _ = TileId::parse_path(&text);
        let _ = text.parse::<VerifierKey>();
        let _ = text.parse::<SignerKey>();
        let _ = decode_entry_bundle(&bytes);
        let _ = StoredTile::decode(bytes.len() as u64 % 300, &bytes);
    }

    #[test]
    fn text_shaped_like_notes_and_paths_never_panics(
        text in "(tile/(entries|[0-9]{1,3})/(x[0-9]{3}/){0,3}[0-9]{2,4}(\\.p/[0-9]{1,4})?)|([a-z./]{1,12}\n[0-9]{1,4}\n[A-Za-z0-9+/=]{0,48}\n(\n\u{2014} [a-z]{1,5} [A-Za-z0-9+/=]{0,100}\n){0,3})"
    ) {
        let _ = TileId::parse_path(&text);
        let _ = Note::parse(text.as_bytes());
        let _ = Checkpoint::parse(&text);
    }

    #[test]
    fn signed_checkpoints_round_trip(origin in "[a-z0-9.]{1,20}/[a-z0-9-]{1,20}", size in any::<u64>(), root in any::<[u8; 32]>(), extensions in prop::collection::vec("[ -~]{1,30}", 0..3)) {
        let checkpoint = Checkpoint { origin, size, root: Hash(root), extensions };
        let text = checkpoint.to_text();
        prop_assert_eq!(Checkpoint::parse(&text).unwrap(), checkpoint);
        let note = Note::sign(&text, &signer()).unwrap();
        let parsed = Note::parse(note.to_text().as_bytes()).unwrap();
        prop_assert!(parsed.verify(&[signer().verifier()]).is_ok());
    }

    #[test]
    fn tile_paths_round_trip(level in 0u8..64, index in any::<u64>(), width in 1u64..=256, entries in any::<bool>()) {
        let kind = if entries { TileKind::Entries } else { TileKind::Hashes { level } };
        let tile = TileId { kind, index, width: TileWidth::new(width).unwrap() };
        prop_assert_eq!(TileId::parse_path(&tile.path()).unwrap(), tile);
        prop_assert_eq!(decode_index(&encode_index(index)).unwrap(), index);
    }

    #[test]
    fn entry_bundles_round_trip(entries in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..40)) {
        let bundle = encode_entry_bundle(entries.iter().map(Vec::as_slice));
        let decoded: Vec<Vec<u8>> = decode_entry_bundle(&bundle).unwrap().iter().map(|e| e.to_vec()).collect();
        prop_assert_eq!(decoded, entries);
    }
}
