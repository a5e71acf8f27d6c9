//! The SQLite schema of the log and the connection settings that make it
//! durable: WAL, full sync, and a busy timeout for concurrent readers.

use rusqlite::Connection;

/// Tables:
/// - `log_meta`: the origin and the schema version.
/// - `log_tiles`: one row a tile, keyed by [`tile_row_id`]; `nodes` is a
///   `truce_log::StoredTile` (the served hashes and the tile's interior
///   nodes); the right-edge tile of each level is rewritten as it grows.
/// - `log_bundles`: full entry bundles, exactly as served.
/// - `log_pending`: the entries of the unfinished last bundle, one a row.
/// - `log_checkpoints`: every signed checkpoint, by tree size.
/// - `log_cosignatures`: the witnesses' cosignature lines on them, by
///   size and witness (every one collected is kept).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log_tiles (id INTEGER PRIMARY KEY, width INTEGER NOT NULL, nodes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS log_bundles (idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS log_pending (idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS log_checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log_cosignatures (
    size INTEGER NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL, cosigned_at INTEGER NOT NULL,
    PRIMARY KEY (size, witness)
);
-- Each witness's latest cosignature, read when the server starts, in a few
-- index steps however many checkpoints were cosigned.
CREATE INDEX IF NOT EXISTS log_cosignatures_by_witness ON log_cosignatures (witness, size);
";

pub const SCHEMA_VERSION: &str = "1";

/// The row id of tile (`level`, `index`): the level in the top byte. Levels
/// are below 8 and indexes below 2^56 in any log of fewer than 2^64 entries.
pub fn tile_row_id(level: u8, index: u64) -> i64 {
    debug_assert!(level < 8 && index < 1 << 56);
    ((u64::from(level) << 56) | index) as i64
}

pub fn configure(connection: &Connection) -> rusqlite::Result<()> {
    // 16 KiB pages hold a whole stored tile (510 hashes, 16,320 bytes) in
    // one page, so a proof reads a node in place instead of assembling the
    // tile from overflow pages. Takes effect only when the file is created.
    connection.pragma_update(None, "page_size", 16384)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    connection.pragma_update(None, "cache_size", -16_384)?;
    // Read pages through a memory map: proofs and tiles then cost no system
    // call and no copy. The map is address space, not memory.
    connection.pragma_update(None, "mmap_size", 1i64 << 40)?;
    Ok(())
}

pub fn create(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(SCHEMA)
}
