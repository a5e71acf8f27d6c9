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

/// The hashes of `nodes`, reading each tile they live in once. A node that
/// should be stored but is not means the store is corrupt.
pub fn read_nodes(
    connection: &Connection,
    nodes: &[NodeId],
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
        let mut rows = statement.query([tile_row_id(level, index)])?;
        let Some(row) = rows.next()? else {
            return Err(missing(wanted[0].0));
        };
        let width = row.get::<_, i64>(0)? as u64;
        let bytes = row
            .get_ref(1)?
            .as_blob()
            .map_err(|e| StoreError::Corrupt(format!("tile {level}/{index}: {e}")))?;
        for (node, slot) in wanted {
            let hash =
                StoredTile::node_from_encoded(width, bytes, slot).ok_or_else(|| missing(node))?;
            hashes.insert(node, hash);
        }
    }
    Ok(hashes)
}
