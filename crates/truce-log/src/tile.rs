//! C2SP tlog-tiles: tile coordinates, their URL paths, entry bundles, and the
//! layout in which a tile is stored together with its interior nodes.
//!
//! A tile at level `L`, index `N` holds the hashes of tree level `8 * L` from
//! `N * 256` on: up to 256 of them, fewer in a partial tile at the right edge.
//! Served tiles hold just those hashes. Stored tiles also keep the tile's
//! interior nodes (tree levels `8L + 1 .. 8L + 7`) so that a proof reads each
//! of its hashes instead of recomputing it: see [`StoredTile`].

use crate::hash::{HASH_BYTES, Hash};
use crate::tree::NodeId;

/// Tree levels covered by one tile level.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;
/// Tile levels a path may name (C2SP tlog-tiles: 0 to 63). Only levels 0 to 7
/// can hold hashes in a log of fewer than 2^64 entries; the others are empty.
pub const TILE_LEVELS_MAX: u8 = 64;

/// The width of a tile: 1 to 256 hashes or entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileWidth(u16);

impl TileWidth {
    pub const FULL: TileWidth = TileWidth(TILE_WIDTH as u16);

    pub fn new(width: u64) -> Option<TileWidth> {
        (1..=TILE_WIDTH).contains(&width).then_some(TileWidth(width as u16))
    }

    pub fn get(self) -> u64 {
        u64::from(self.0)
    }

    pub fn is_full(self) -> bool {
        self == TileWidth::FULL
    }
}

/// Which tile: hashes at tile level `level`, or entry bundles; index `index`;
/// `width` entries or hashes (full or partial).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TileId {
    pub kind: TileKind,
    pub index: u64,
    pub width: TileWidth,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TileKind {
    /// Hashes of tree level `8 * level`.
    Hashes { level: u8 },
    /// Entry bundles: entries prefixed by their big-endian uint16 length.
    Entries,
}

/// Why a tile path is not one the spec allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TilePathError {
    #[error("a tile path must start with \"tile/\"")]
    NotATilePath,
    #[error("the tile level {0:?} is not a decimal number from 0 to {max}", max = TILE_LEVELS_MAX - 1)]
    BadLevel(String),
    #[error("the tile index {0:?} is not in canonical x001/x234/067 form")]
    NonCanonicalIndex(String),
    #[error("the partial width {0:?} is not a decimal number from 1 to 255")]
    BadWidth(String),
    #[error("the tile path has a malformed suffix {0:?}; expected .p/<width>")]
    BadSuffix(String),
}

impl TileId {
    /// The hash tiles and entry bundle that hold the tree of `size` leaves at
    /// the given tile kind: every full tile plus the partial one, if any.
    pub fn tiles_for_size(kind: TileKind, size: u64) -> Vec<TileId> {
        let shift = match kind {
            TileKind::Hashes { level } => u32::from(level) * u32::from(TILE_HEIGHT),
            TileKind::Entries => 0,
        };
        let count = if shift >= 64 { 0 } else { size >> shift };
        let full = count / TILE_WIDTH;
        let mut tiles: Vec<TileId> = (0..full)
            .map(|index| TileId {
                kind,
                index,
                width: TileWidth::FULL,
            })
            .collect();
        if let Some(width) = TileWidth::new(count % TILE_WIDTH) {
            tiles.push(TileId {
                kind,
                index: full,
                width,
            });
        }
        tiles
    }

    /// The path below the log's prefix, such as `tile/0/x001/234.p/7`.
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_string(),
        };
        let mut path = format!("tile/{level}/{}", encode_index(self.index));
        if !self.width.is_full() {
            path.push_str(&format!(".p/{}", self.width.get()));
        }
        path
    }

    /// Parses a path such as `tile/0/x001/234.p/7`, refusing every form that
    /// is not the canonical one.
    pub fn parse_path(path: &str) -> Result<TileId, TilePathError> {
        let rest = path.strip_prefix("tile/").ok_or(TilePathError::NotATilePath)?;
        let (level_text, rest) = rest.split_once('/').ok_or(TilePathError::NotATilePath)?;
        let kind = if level_text == "entries" {
            TileKind::Entries
        } else {
            TileKind::Hashes {
                level: parse_level(level_text)?,
            }
        };
        let (index_text, width) = match rest.split_once(".p/") {
            Some((index_text, width_text)) => (index_text, parse_partial_width(width_text)?),
            None => (rest, TileWidth::FULL),
        };
        if index_text.contains('.') {
            return Err(TilePathError::BadSuffix(index_text.to_string()));
        }
        let index = decode_index(index_text)?;
        Ok(TileId { kind, index, width })
    }
}

fn parse_level(text: &str) -> Result<u8, TilePathError> {
    let bad = || TilePathError::BadLevel(text.to_string());
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || (text.len() > 1 && text.starts_with('0')) {
        return Err(bad());
    }
    let level: u8 = text.parse().map_err(|_| bad())?;
    if level >= TILE_LEVELS_MAX {
        return Err(bad());
    }
    Ok(level)
}

fn parse_partial_width(text: &str) -> Result<TileWidth, TilePathError> {
    let bad = || TilePathError::BadWidth(text.to_string());
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') {
        return Err(bad());
    }
    let width: u64 = text.parse().map_err(|_| bad())?;
    TileWidth::new(width).filter(|width| !width.is_full()).ok_or_else(bad)
}

/// Encodes a tile index as groups of three digits, all but the last
/// prefixed by `x`: 1234067 becomes `x001/x234/067`.
pub fn encode_index(index: u64) -> String {
    let digits = format!("{index:03}");
    let padded = format!("{}{digits}", "0".repeat((3 - digits.len() % 3) % 3));
    let groups: Vec<&str> = padded
        .as_bytes()
        .chunks(3)
        .map(|g| std::str::from_utf8(g).unwrap())
        .collect();
    let (last, leading) = groups.split_last().expect("at least one group");
    let mut path: String = leading.iter().map(|group| format!("x{group}/")).collect();
    path.push_str(last);
    path
}

/// Decodes an index written by [`encode_index`], refusing any other
/// spelling of the same number (a missing or extra group, a leading `x000`).
pub fn decode_index(text: &str) -> Result<u64, TilePathError> {
    let bad = || TilePathError::NonCanonicalIndex(text.to_string());
    let groups: Vec<&str> = text.split('/').collect();
    let (last, leading) = groups.split_last().ok_or_else(bad)?;
    let mut digits = String::new();
    for group in leading {
        digits.push_str(group.strip_prefix('x').ok_or_else(bad)?);
    }
    digits.push_str(last);
    let groups_ok = leading.iter().all(|g| g.len() == 4) && last.len() == 3;
    if !groups_ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let index: u64 = digits.parse().map_err(|_| bad())?;
    if encode_index(index) != text {
        return Err(bad());
    }
    Ok(index)
}

/// Builds an entry bundle: each entry prefixed by its length as a big-endian
/// uint16. Entries longer than 65,535 bytes cannot be bundled and are refused
/// before they reach the log (see [`ENTRY_BYTES_MAX`]).
pub fn encode_entry_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut bundle = Vec::new();
    for entry in entries {
        let length = u16::try_from(entry.len()).expect("entries are at most 65535 bytes");
        bundle.extend_from_slice(&length.to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    bundle
}

/// The largest entry a log accepts: its length must fit the bundle's uint16 prefix.
pub const ENTRY_BYTES_MAX: usize = u16::MAX as usize;

/// Why bytes are not an entry bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("the entry bundle ends inside entry {entry} (at byte {offset})")]
    Truncated { entry: usize, offset: usize },
    #[error("the entry bundle holds {found} entries where {expected} were expected")]
    WrongCount { found: usize, expected: usize },
}

/// Splits an entry bundle into its entries.
pub fn decode_entry_bundle(bundle: &[u8]) -> Result<Vec<&[u8]>, BundleError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < bundle.len() {
        let truncated = BundleError::Truncated {
            entry: entries.len(),
            offset,
        };
        let prefix = bundle.get(offset..offset + 2).ok_or(truncated.clone())?;
        let length = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        let entry = bundle.get(offset + 2..offset + 2 + length).ok_or(truncated)?;
        entries.push(entry);
        offset += 2 + length;
    }
    Ok(entries)
}

/// Where a node lives in stored tiles: the tile (`level`, `index`), the
/// sublevel within it (0 to 7) and the position within that sublevel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSlot {
    pub tile_level: u8,
    pub tile_index: u64,
    pub sublevel: u8,
    pub position: u64,
}

impl NodeSlot {
    pub fn of(node: NodeId) -> NodeSlot {
        let tile_level = node.level / TILE_HEIGHT;
        let sublevel = node.level % TILE_HEIGHT;
        let per_tile_shift = TILE_HEIGHT - sublevel;
        NodeSlot {
            tile_level,
            tile_index: node.index >> per_tile_shift,
            sublevel,
            position: node.index & ((1 << per_tile_shift) - 1),
        }
    }
}

/// A tile as stored: for each sublevel `s` from 0 to 7, the `width >> s`
/// complete nodes at tree level `8L + s`, concatenated. The first `width`
/// hashes are the tile that C2SP tlog-tiles serves.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StoredTile {
    sublevels: [Vec<Hash>; TILE_HEIGHT as usize],
}

impl StoredTile {
    pub fn width(&self) -> u64 {
        self.sublevels[0].len() as u64
    }

    pub fn is_full(&self) -> bool {
        self.width() == TILE_WIDTH
    }

    /// Records a node completed at `slot`. Nodes of one sublevel arrive in order.
    pub fn record(&mut self, slot: NodeSlot, hash: Hash) {
        let sublevel = &mut self.sublevels[usize::from(slot.sublevel)];
        debug_assert_eq!(sublevel.len() as u64, slot.position, "nodes arrive in order");
        sublevel.push(hash);
    }

    pub fn get(&self, slot: NodeSlot) -> Option<Hash> {
        self.sublevels[usize::from(slot.sublevel)]
            .get(slot.position as usize)
            .copied()
    }

    /// The served tile: the bottom `width` hashes, concatenated.
    pub fn served_bytes(&self, width: TileWidth) -> Option<Vec<u8>> {
        let hashes = self.sublevels[0].get(..width.get() as usize)?;
        Some(hashes.iter().flat_map(|hash| hash.0).collect())
    }

    /// Reads one node straight from bytes written by [`StoredTile::encode`]
    /// for a tile of `width`, without decoding the rest: proofs read a few
    /// hashes from each of a few tiles.
    pub fn node_from_encoded(width: u64, bytes: &[u8], slot: NodeSlot) -> Option<Hash> {
        if slot.position >= width >> slot.sublevel {
            return None;
        }
        let before: u64 = (0..slot.sublevel).map(|sublevel| width >> sublevel).sum();
        let start = usize::try_from(before + slot.position).ok()? * HASH_BYTES;
        Hash::from_slice(bytes.get(start..start + HASH_BYTES)?).ok()
    }

    pub fn encode(&self) -> Vec<u8> {
        self.sublevels.iter().flatten().flat_map(|hash| hash.0).collect()
    }

    /// Decodes bytes written by [`StoredTile::encode`] for a tile of `width`.
    pub fn decode(width: u64, bytes: &[u8]) -> Option<StoredTile> {
        let mut tile = StoredTile::default();
        let mut chunks = bytes.chunks_exact(HASH_BYTES);
        if !bytes.len().is_multiple_of(HASH_BYTES) || width > TILE_WIDTH {
            return None;
        }
        for (sublevel, hashes) in tile.sublevels.iter_mut().enumerate() {
            for _ in 0..(width >> sublevel) {
                hashes.push(Hash::from_slice(chunks.next()?).ok()?);
            }
        }
        chunks.next().is_none().then_some(tile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_encoding_follows_the_spec_examples() {
        for (index, text) in [
            (0, "000"),
            (7, "007"),
            (999, "999"),
            (1000, "x001/000"),
            (1234067, "x001/x234/067"),
            (u64::MAX, "x018/x446/x744/x073/x709/x551/615"),
        ] {
            assert_eq!(encode_index(index), text);
            assert_eq!(decode_index(text), Ok(index), "{text}");
        }
    }

    #[test]
    fn non_canonical_indexes_are_refused() {
        for text in [
            "",
            "0",
            "00",
            "0000",
            "x000/001",
            "x1/234",
            "001/234",
            "x001/x234",
            "x001/23",
            "x001/2345",
            "abc",
            "x001//234",
            "-01",
            "+01",
        ] {
            assert!(decode_index(text).is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn tile_paths_round_trip_and_bad_ones_are_refused() {
        for path in [
            "tile/0/000",
            "tile/1/x001/234.p/7",
            "tile/entries/x002/000",
            "tile/entries/005.p/255",
            "tile/7/000",
            "tile/63/000",
        ] {
            assert_eq!(TileId::parse_path(path).unwrap().path(), path);
        }
        for path in [
            "tile/64/000",
            "tile/01/000",
            "tile//000",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/007",
            "tile/0/000.p/",
            "tile/0/000.q/5",
            "tile/0/000.p/5/6",
            "tiles/0/000",
            "tile/0/",
            "tile/x/000",
            "tile/0/000.p/-1",
        ] {
            assert!(TileId::parse_path(path).is_err(), "{path:?} was accepted");
        }
    }

    #[test]
    fn tiles_for_size_lists_full_tiles_then_the_partial_one() {
        let paths =
            |kind, size| -> Vec<String> { TileId::tiles_for_size(kind, size).iter().map(TileId::path).collect() };
        assert_eq!(paths(TileKind::Hashes { level: 0 }, 0), Vec::<String>::new());
        assert_eq!(
            paths(TileKind::Hashes { level: 0 }, 257),
            ["tile/0/000", "tile/0/001.p/1"]
        );
        // The spec's example: a tree of 70,000 entries.
        assert_eq!(
            paths(TileKind::Hashes { level: 1 }, 70000),
            ["tile/1/000", "tile/1/001.p/17"]
        );
        assert_eq!(paths(TileKind::Hashes { level: 2 }, 70000), ["tile/2/000.p/1"]);
        assert_eq!(
            paths(TileKind::Hashes { level: 0 }, 70000).last().unwrap(),
            "tile/0/273.p/112"
        );
        assert_eq!(paths(TileKind::Entries, 512), ["tile/entries/000", "tile/entries/001"]);
    }

    #[test]
    fn entry_bundles_round_trip_and_truncation_is_caught() {
        let entries: [&[u8]; 3] = [b"", b"one", &[7u8; 300]];
        let bundle = encode_entry_bundle(entries);
        assert_eq!(decode_entry_bundle(&bundle).unwrap(), entries);
        assert_eq!(
            decode_entry_bundle(&bundle[..bundle.len() - 1]),
            Err(BundleError::Truncated { entry: 2, offset: 7 })
        );
        assert_eq!(
            decode_entry_bundle(&[0]),
            Err(BundleError::Truncated { entry: 0, offset: 0 })
        );
    }

    #[test]
    fn stored_tiles_round_trip_and_nodes_read_from_the_encoding() {
        let mut tile = StoredTile::default();
        let mut edge = crate::tree::RightEdge::new();
        let mut nodes = Vec::new();
        for i in 0u64..200 {
            edge.append(crate::hash::leaf_hash(&i.to_be_bytes()), |node, hash| {
                if node.level < TILE_HEIGHT {
                    tile.record(NodeSlot::of(node), hash);
                    nodes.push((node, hash));
                }
            });
        }
        let bytes = tile.encode();
        assert_eq!(StoredTile::decode(200, &bytes), Some(tile.clone()));
        assert_eq!(StoredTile::decode(201, &bytes), None);
        for (node, hash) in nodes {
            assert_eq!(
                StoredTile::node_from_encoded(200, &bytes, NodeSlot::of(node)),
                Some(hash)
            );
        }
        // Node (7, 1) would cover leaves 128..256, beyond the tile's 200.
        assert_eq!(
            StoredTile::node_from_encoded(200, &bytes, NodeSlot::of(NodeId::new(7, 1))),
            None
        );
        assert_eq!(tile.served_bytes(TileWidth::new(3).unwrap()).unwrap().len(), 96);
    }

    #[test]
    fn node_slots_place_nodes_in_their_tiles() {
        let slot = NodeSlot::of(NodeId::new(0, 257));
        assert_eq!(
            (slot.tile_level, slot.tile_index, slot.sublevel, slot.position),
            (0, 1, 0, 1)
        );
        let slot = NodeSlot::of(NodeId::new(8, 3));
        assert_eq!(
            (slot.tile_level, slot.tile_index, slot.sublevel, slot.position),
            (1, 0, 0, 3)
        );
        let slot = NodeSlot::of(NodeId::new(7, 5));
        assert_eq!(
            (slot.tile_level, slot.tile_index, slot.sublevel, slot.position),
            (0, 2, 7, 1)
        );
    }
}
