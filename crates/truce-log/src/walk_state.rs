//! Where a verifier's walk stopped, saved beside its checkpoint so that the
//! next run starts there and fetches only what is new: the right edge of
//! the verified tree (the hashes of its perfect subtrees, at most 64) and,
//! for each tile level, the hashes of the tile it was filling (at most 255
//! a level). The edge is what the next root is computed from, so the file
//! is trusted as the saved checkpoint is; its edge must give that
//! checkpoint's root, or it is not used.
//!
//! Bytes: `truce-walk/v1\n`, the size (8 bytes, big endian), the number of
//! subtree hashes (1 byte) and the hashes, the number of tile levels (1
//! byte) and for each the number of its hashes (2 bytes) and the hashes.
//! The tiles' indexes follow from the size.

use crate::client::FillingTile;
use crate::hash::{HASH_BYTES, Hash};
use crate::tile::{TILE_HEIGHT, TILE_WIDTH};
use crate::tree::RightEdge;

const MAGIC: &[u8] = b"truce-walk/v1\n";

/// A verified walk's stopping point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkState {
    pub(crate) edge: RightEdge,
    pub(crate) filling: Vec<FillingTile>,
}

impl WalkState {
    /// The size of the tree the walk verified.
    pub fn size(&self) -> u64 {
        self.edge.size()
    }

    /// The root of that tree.
    pub fn root(&self) -> Hash {
        self.edge.root()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let subtrees = self.edge.subtree_hashes();
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&self.size().to_be_bytes());
        bytes.push(subtrees.len() as u8);
        for hash in &subtrees {
            bytes.extend_from_slice(&hash.0);
        }
        bytes.push(self.filling.len() as u8);
        for tile in &self.filling {
            bytes.extend_from_slice(&(tile.hashes.len() as u16).to_be_bytes());
            for hash in &tile.hashes {
                bytes.extend_from_slice(&hash.0);
            }
        }
        bytes
    }

    /// The state [`WalkState::to_bytes`] wrote, or why these bytes are not one.
    pub fn from_bytes(bytes: &[u8]) -> Result<WalkState, String> {
        let mut rest = bytes.strip_prefix(MAGIC).ok_or("not a saved walk (truce-walk/v1)")?;
        let size = u64::from_be_bytes(take(&mut rest, 8)?.try_into().expect("8 bytes"));
        let count = usize::from(take(&mut rest, 1)?[0]);
        let subtrees = hashes(&mut rest, count)?;
        let edge = RightEdge::from_subtree_hashes(size, &subtrees).ok_or_else(|| {
            format!(
                "{} subtree hashes do not make the edge of a tree of {size}",
                subtrees.len()
            )
        })?;
        let levels = usize::from(take(&mut rest, 1)?[0]);
        if levels > 8 {
            return Err(format!("{levels} tile levels, more than a tree of 64-bit size has"));
        }
        let mut filling = Vec::with_capacity(levels);
        for level in 0..levels {
            let count = usize::from(u16::from_be_bytes(take(&mut rest, 2)?.try_into().expect("2 bytes")));
            let nodes = size >> (level as u32 * u32::from(TILE_HEIGHT));
            if nodes == 0 || count as u64 != nodes % TILE_WIDTH {
                return Err(format!(
                    "level {level} holds {count} hashes, not the {} of a tree of {size}",
                    nodes % TILE_WIDTH
                ));
            }
            filling.push(FillingTile {
                index: nodes / TILE_WIDTH,
                hashes: hashes(&mut rest, count)?,
            });
        }
        let reached = (0..8u32)
            .filter(|level| (size >> (level * u32::from(TILE_HEIGHT))) > 0)
            .count();
        if levels != reached || !rest.is_empty() {
            return Err(format!("the tile levels do not match a tree of {size}"));
        }
        // The tiles being filled make the edge: a stale or changed hash in
        // them would accuse an honest log of a fork, so they must agree.
        if edge_of(&filling) != subtrees {
            return Err("its tiles do not make its edge".into());
        }
        Ok(WalkState { edge, filling })
    }
}

/// The right edge's subtree hashes, largest first, from the tiles being
/// filled: at each band, from the top, the perfect subtrees over its hashes.
fn edge_of(filling: &[FillingTile]) -> Vec<Hash> {
    let mut subtrees = Vec::new();
    for tile in filling.iter().rev() {
        let mut start = 0;
        for bit in (0..TILE_HEIGHT).rev() {
            let span = 1usize << bit;
            if tile.hashes.len() & span != 0 {
                subtrees.push(crate::tree::reference_root(&tile.hashes[start..start + span]));
                start += span;
            }
        }
    }
    subtrees
}

fn take<'a>(rest: &mut &'a [u8], count: usize) -> Result<&'a [u8], String> {
    if rest.len() < count {
        return Err("cut short".into());
    }
    let (taken, after) = rest.split_at(count);
    *rest = after;
    Ok(taken)
}

fn hashes(rest: &mut &[u8], count: usize) -> Result<Vec<Hash>, String> {
    let bytes = take(rest, count * HASH_BYTES)?;
    Ok(bytes
        .chunks_exact(HASH_BYTES)
        .map(|chunk| Hash::from_slice(chunk).expect("32 bytes"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::reference_root;

    /// The walk state of a tree of `size` leaves, from the leaves themselves.
    fn state_of(size: u64) -> WalkState {
        let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect();
        let mut edge = RightEdge::new();
        for leaf in &leaves {
            edge.append(*leaf, |_, _| {});
        }
        let mut filling = Vec::new();
        for level in 0..8u32 {
            let span = 1usize << (level * u32::from(TILE_HEIGHT));
            let nodes = size >> (level * u32::from(TILE_HEIGHT));
            if nodes == 0 {
                break;
            }
            let index = nodes / TILE_WIDTH;
            let hashes = (index * TILE_WIDTH..nodes)
                .map(|node| reference_root(&leaves[node as usize * span..(node as usize + 1) * span]))
                .collect();
            filling.push(FillingTile { index, hashes });
        }
        WalkState { edge, filling }
    }

    #[test]
    fn a_saved_walk_comes_back_as_it_was() {
        for size in [1, 2, 255, 256, 257, 511, 65_536 + 3] {
            let state = state_of(size);
            let back = WalkState::from_bytes(&state.to_bytes()).unwrap();
            assert_eq!(back, state, "size {size}");
            assert_eq!(back.root(), state.edge.root());
        }
    }

    #[test]
    fn what_is_not_a_saved_walk_is_refused_with_why() {
        let bytes = state_of(300).to_bytes();
        // A hash of a tile being filled, changed: it no longer makes the edge.
        let mut stale = bytes.clone();
        let last = stale.len() - 1;
        stale[last] ^= 1;
        assert_eq!(
            WalkState::from_bytes(&stale).unwrap_err(),
            "its tiles do not make its edge"
        );
        assert!(
            WalkState::from_bytes(b"something else")
                .unwrap_err()
                .contains("not a saved walk")
        );
        assert_eq!(
            WalkState::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err(),
            "cut short"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            WalkState::from_bytes(&longer)
                .unwrap_err()
                .contains("do not match a tree of 300")
        );
        // A size the hashes do not fit.
        let mut resized = bytes.clone();
        resized[MAGIC.len() + 7] = 45; // 300 = 0x012c becomes 0x012d
        assert!(WalkState::from_bytes(&resized).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_a_walk_or_refused(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&tail);
            let _ = WalkState::from_bytes(&bytes);
        }
    }
}
