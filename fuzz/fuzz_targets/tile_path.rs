#![no_main]
//! Tile paths: only canonical paths parse, and they print back unchanged.
use libfuzzer_sys::fuzz_target;
use truce_log::TileId;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(tile) = TileId::parse_path(text)
    {
        assert_eq!(tile.path(), text);
    }
});
