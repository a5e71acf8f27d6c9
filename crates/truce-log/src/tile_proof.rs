//! An older entry, proved from the tiles alone: its bundle is fetched, its
//! leaf hashed, and its inclusion proof in the verified tree assembled from
//! the hash tiles (each proof node is a node a tile holds, or the hash of
//! up to 128 consecutive nodes of one tile) and checked against the signed
//! root. A verifier that resumes from its saved walk uses it for what a
//! new entry refers back to (a disclosure opens an entry of the past).

use crate::client::TileSource;
use crate::hash::{HASH_BYTES, Hash, leaf_hash};
use crate::proof::{inclusion_plan, verify_inclusion};
use crate::tile::{TILE_HEIGHT, TILE_WIDTH, TileId, TileKind, TileWidth, decode_entry_bundle};
use crate::tree::{NodeId, reference_root};
use std::collections::HashMap;
use std::sync::Mutex;

/// Entries of the tree of `size` leaves and root `root`, each proved before it is given.
pub struct TileProver<'a> {
    source: &'a dyn TileSource,
    size: u64,
    root: Hash,
    /// Hash tiles fetched so far (a disclosure names entries close together).
    fetched: Mutex<HashMap<String, Vec<u8>>>,
}

impl<'a> TileProver<'a> {
    pub fn new(source: &'a dyn TileSource, size: u64, root: Hash) -> TileProver<'a> {
        TileProver {
            source,
            size,
            root,
            fetched: Mutex::new(HashMap::new()),
        }
    }

    /// Entry `index`, once its inclusion in the tree is proved.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, String> {
        if index >= self.size {
            return Err(format!("entry {index} is not in the tree of {} entries", self.size));
        }
        let bundle = self.tile(TileKind::Entries, index / TILE_WIDTH)?;
        let entries = decode_entry_bundle(&bundle).map_err(|e| format!("the bundle of entry {index}: {e}"))?;
        let entry = entries
            .get((index % TILE_WIDTH) as usize)
            .ok_or_else(|| format!("the bundle of entry {index} is too short"))?
            .to_vec();
        let plan = inclusion_plan(index, self.size).map_err(|e| e.to_string())?;
        let mut hashes = HashMap::new();
        for node in plan.nodes() {
            hashes.insert(node, self.node(node)?);
        }
        let proof = plan.assemble(&hashes).expect("every node of the plan was read");
        verify_inclusion(&leaf_hash(&entry), index, self.size, &proof, &self.root)
            .map_err(|e| format!("entry {index} is not proved in the verified tree: {e}"))?;
        Ok(entry)
    }

    /// The hash of perfect subtree `node`, from the tile of its level's band.
    fn node(&self, node: NodeId) -> Result<Hash, String> {
        let band = node.level / TILE_HEIGHT;
        let below = u32::from(node.level % TILE_HEIGHT);
        let first = node.index << below;
        let tile = self.tile(TileKind::Hashes { level: band }, first / TILE_WIDTH)?;
        let start = (first % TILE_WIDTH) as usize;
        let count = 1usize << below;
        let hashes: Vec<Hash> = tile
            .chunks_exact(HASH_BYTES)
            .skip(start)
            .take(count)
            .map(|bytes| Hash::from_slice(bytes).expect("32 bytes"))
            .collect();
        if hashes.len() != count {
            return Err(format!("the tile holding node {node:?} is too short"));
        }
        Ok(reference_root(&hashes))
    }

    /// Tile `index` of `kind` in the tree of `size` leaves: full, or the partial one at the right edge.
    fn tile(&self, kind: TileKind, index: u64) -> Result<Vec<u8>, String> {
        let shift = match kind {
            TileKind::Hashes { level } => u32::from(level) * u32::from(TILE_HEIGHT),
            TileKind::Entries => 0,
        };
        let count = self.size >> shift;
        if index * TILE_WIDTH >= count {
            return Err(format!("no tile {index} at size {}", self.size));
        }
        let width = if (index + 1) * TILE_WIDTH <= count {
            TileWidth::FULL
        } else {
            TileWidth::new(count - index * TILE_WIDTH)
                .ok_or_else(|| format!("no tile {index} at size {}", self.size))?
        };
        let path = TileId { kind, index, width }.path();
        if let Some(bytes) = self.fetched.lock().expect("not poisoned").get(&path) {
            return Ok(bytes.clone());
        }
        let bytes = self
            .source
            .fetch(&path)?
            .ok_or_else(|| format!("the log does not serve {path}"))?;
        // Hash tiles (8 KiB at most) are kept; bundles, up to 16 MiB, are not.
        if let TileKind::Hashes { .. } = kind {
            self.fetched.lock().expect("not poisoned").insert(path, bytes.clone());
        }
        Ok(bytes)
    }
}
