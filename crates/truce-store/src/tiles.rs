//! Reading and writing tiles and nodes in SQLite, shared by the writer
//! (which rebuilds its right edge from them) and the readers (proofs).

use crate::error::StoreError;
use crate::schema::tile_row_id;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use truce_log::tile::NodeSlot;
use truce_log::{Hash, NodeId, StoredTile};

/// The stored width and encoded nodes of tile (`level`, `index`), if any.
pub fn read_tile(
    connection: &Connection,
    level: u8,
    index: u64,
) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
    let mut statement =
        connection.prepare_cached("SELECT width, nodes FROM log_tiles WHERE id = ?1")?;
    let row = statement
        .query_row([tile_row_id(level, index)], |row| {
            Ok((row.get::<_, i64>(0)? as u64, row.get::<_, Vec<u8>>(1)?))
        })
        .optional()?;
    Ok(row)
}

pub fn write_tile(
    connection: &Connection,
    level: u8,
    index: u64,
    tile: &StoredTile,
) -> Result<(), StoreError> {
    let mut statement = connection.prepare_cached(
        "INSERT OR REPLACE INTO log_tiles (id, width, nodes) VALUES (?1, ?2, ?3)",
    )?;
    statement.execute(params![
        tile_row_id(level, index),
        tile.width() as i64,
        tile.encode()
    ])?;
    Ok(())
}

/// Full tiles above level 0, kept in memory by readers. A full tile never
/// changes, and there are few of them (one per 65,536 entries at level 1),
/// so proofs read at most the leaf's own level-0 tile from the database.
#[derive(Default)]
pub struct UpperTileCache {
    tiles: std::sync::Mutex<HashMap<(u8, u64), std::sync::Arc<Vec<u8>>>>,
}

/// Tiles the cache holds at most (16 KiB each): those of 268 million entries.
const UPPER_TILES_CACHED_MAX: usize = 4096;

impl UpperTileCache {
    fn get(&self, level: u8, index: u64) -> Option<std::sync::Arc<Vec<u8>>> {
        self.tiles
            .lock()
            .expect("tile cache lock")
            .get(&(level, index))
            .cloned()
    }

    fn offer(&self, level: u8, index: u64, width: u64, bytes: &[u8]) {
        if level == 0 || width != truce_log::tile::TILE_WIDTH {
            return;
        }
        let mut tiles = self.tiles.lock().expect("tile cache lock");
        if tiles.len() >= UPPER_TILES_CACHED_MAX {
            tiles.clear();
        }
        tiles.insert((level, index), std::sync::Arc::new(bytes.to_vec()));
    }
}

/// The hashes of `nodes`, reading each tile they live in once. A node that
/// should be stored but is not means the store is corrupt.
pub fn read_nodes(
    connection: &Connection,
    nodes: &[NodeId],
    cache: Option<&UpperTileCache>,
) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let mut by_tile: HashMap<(u8, u64), Vec<(NodeId, NodeSlot)>> = HashMap::new();
    for node in nodes {
        let slot = NodeSlot::of(*node);
        by_tile
            .entry((slot.tile_level, slot.tile_index))
            .or_default()
            .push((*node, slot));
    }
    let mut hashes = HashMap::with_capacity(nodes.len());
    let mut statement =
        connection.prepare_cached("SELECT width, nodes FROM log_tiles WHERE id = ?1")?;
    for ((level, index), wanted) in by_tile {
        let missing = |node: NodeId| {
            StoreError::Corrupt(format!(
                "node {node:?} is missing from tile {level}/{index}"
            ))
        };
        let mut pick = |width: u64, bytes: &[u8]| -> Result<(), StoreError> {
            for (node, slot) in &wanted {
                let hash = StoredTile::node_from_encoded(width, bytes, *slot)
                    .ok_or_else(|| missing(*node))?;
                hashes.insert(*node, hash);
            }
            Ok(())
        };
        if let Some(bytes) = cache.and_then(|cache| cache.get(level, index)) {
            pick(truce_log::tile::TILE_WIDTH, &bytes)?;
            continue;
        }
        let mut rows = statement.query([tile_row_id(level, index)])?;
        let Some(row) = rows.next()? else {
            return Err(missing(wanted[0].0));
        };
        let width = row.get::<_, i64>(0)? as u64;
        let bytes = row
            .get_ref(1)?
            .as_blob()
            .map_err(|e| StoreError::Corrupt(format!("tile {level}/{index}: {e}")))?;
        pick(width, bytes)?;
        if let Some(cache) = cache {
            cache.offer(level, index, width, bytes);
        }
    }
    Ok(hashes)
}
