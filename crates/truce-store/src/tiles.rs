//! Reading and writing tiles and nodes in SQLite, shared by the writer
//! (which rebuilds its right edge from them) and the readers (proofs).

use crate::error::StoreError;
use crate::schema::tile_row_id;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use truce_log::tile::NodeSlot;
use truce_log::{Hash, NodeId, StoredTile};

/// The stored width and encoded nodes of tile (`level`, `index`), if any.
pub fn read_tile(connection: &Connection, level: u8, index: u64) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
    let mut statement = connection.prepare_cached("SELECT width, nodes FROM log_tiles WHERE id = ?1")?;
    let row = statement
        .query_row([tile_row_id(level, index)], |row| {
            Ok((row.get::<_, i64>(0)? as u64, row.get::<_, Vec<u8>>(1)?))
        })
        .optional()?;
    Ok(row)
}

pub fn write_tile(connection: &Connection, level: u8, index: u64, tile: &StoredTile) -> Result<(), StoreError> {
    let mut statement =
        connection.prepare_cached("INSERT OR REPLACE INTO log_tiles (id, width, nodes) VALUES (?1, ?2, ?3)")?;
    statement.execute(params![tile_row_id(level, index), tile.width() as i64, tile.encode()])?;
    Ok(())
}

/// Tiles kept in memory by readers: every tile above level 0 (one per
/// 65,536 entries at level 1) and the partial tiles of the right edge. A
/// stored tile only ever grows, and a node once stored never changes, so a
/// cached tile answers for every node within its width. Proofs then read at
/// most the leaf's own level-0 tile from the database.
#[derive(Default)]
pub struct TileCache {
    tiles: std::sync::Mutex<HashMap<(u8, u64), CachedTile>>,
}

/// A tile's stored width and its encoded nodes.
type CachedTile = (u64, std::sync::Arc<Vec<u8>>);

/// Tiles the cache holds at most (16 KiB each).
const TILES_CACHED_MAX: usize = 4096;

impl TileCache {
    fn get(&self, level: u8, index: u64) -> Option<CachedTile> {
        self.tiles
            .lock()
            .expect("tile cache lock")
            .get(&(level, index))
            .cloned()
    }

    fn offer(&self, level: u8, index: u64, width: u64, bytes: &[u8]) {
        if level == 0 && width == truce_log::tile::TILE_WIDTH {
            return;
        }
        let mut tiles = self.tiles.lock().expect("tile cache lock");
        if tiles.len() >= TILES_CACHED_MAX {
            tiles.clear();
        }
        tiles.insert((level, index), (width, std::sync::Arc::new(bytes.to_vec())));
    }
}

/// The hashes of `nodes`, reading each tile they live in once. A node that
/// should be stored but is not means the store is corrupt.
pub fn read_nodes(
    connection: &Connection,
    nodes: &[NodeId],
    cache: Option<&TileCache>,
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
    let mut statement = connection.prepare_cached("SELECT width, nodes FROM log_tiles WHERE id = ?1")?;
    for ((level, index), wanted) in by_tile {
        let missing = |node: NodeId| StoreError::Corrupt(format!("node {node:?} is missing from tile {level}/{index}"));
        // Every wanted node, if the tile (of this width) holds them all.
        let pick = |width: u64, bytes: &[u8]| -> Option<Vec<(NodeId, Hash)>> {
            let found = wanted
                .iter()
                .map(|(node, slot)| Some((*node, StoredTile::node_from_encoded(width, bytes, *slot)?)));
            found.collect()
        };
        let cached = cache.and_then(|cache| cache.get(level, index));
        if let Some(found) = cached.and_then(|(width, bytes)| pick(width, &bytes)) {
            hashes.extend(found);
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
        hashes.extend(pick(width, bytes).ok_or_else(|| missing(wanted[0].0))?);
        if let Some(cache) = cache {
            cache.offer(level, index, width, bytes);
        }
    }
    Ok(hashes)
}
