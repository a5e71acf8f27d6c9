//! Snapshots of the record's standing (`truce_domain::state::Standing`: the
//! verification cases, penalties, bulletin editions and counters) taken at
//! checkpoints, so what needs only the standing (`truce status`) reads the
//! latest snapshot and replays the log's tail after it instead of the whole
//! log.
//!
//! A snapshot is a cache, like the projections: written by the engine in
//! the transaction of the batch whose checkpoint it is taken at, tied to
//! that checkpoint's root, ignored when its format is not this build's or
//! its checkpoint is not the log's, and checked by `truce audit` against a
//! replay of the log from its start.

use crate::error::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use truce_domain::state::Standing;

/// The standing's encoding; a snapshot of another is ignored (and replaced by the next one taken).
pub const STANDING_FORMAT: i64 = 1;

/// A snapshot every this many entries (and when the engine opens a log
/// whose latest snapshot is further behind): the tail a reader replays is
/// at most about this long.
pub const SNAPSHOT_EVERY_ENTRIES: u64 = 8_192;

/// How many snapshots are kept (the newest): one to read, one spare.
const KEPT: i64 = 2;

pub fn create(connection: &Connection) -> Result<(), StoreError> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS standing_snapshots (
            log_size INTEGER PRIMARY KEY,
            root BLOB NOT NULL,
            format INTEGER NOT NULL,
            standing BLOB NOT NULL
        );",
    )?;
    Ok(())
}

/// Keeps `standing` as the state after the first `size` entries, whose
/// checkpoint has `root`; called inside the transaction that writes that
/// checkpoint. Older snapshots beyond the kept ones are dropped.
pub fn write(connection: &Connection, size: u64, root: &[u8], standing: &[u8]) -> Result<(), StoreError> {
    connection
        .prepare_cached(
            "INSERT OR REPLACE INTO standing_snapshots (log_size, root, format, standing) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![size as i64, root, STANDING_FORMAT, standing])?;
    connection
        .prepare_cached(
            "DELETE FROM standing_snapshots WHERE log_size NOT IN
                (SELECT log_size FROM standing_snapshots ORDER BY log_size DESC LIMIT ?1)",
        )?
        .execute([KEPT])?;
    Ok(())
}

/// The standing encoded for a snapshot.
pub fn encode(standing: &Standing) -> Vec<u8> {
    serde_json::to_vec(standing).expect("a standing is plain data and always encodes")
}

/// A snapshot read back: the log size it was taken at and the standing then.
#[derive(Debug)]
pub struct Snapshot {
    pub size: u64,
    pub standing: Standing,
}

/// The latest usable snapshot at or below `size`: of this build's format,
/// at a checkpoint the log signed with the same root. One that does not
/// decode is skipped (it is a cache; `truce audit` names it).
pub fn latest(connection: &Connection, size: u64) -> Result<Option<Snapshot>, StoreError> {
    if !exists(connection)? {
        return Ok(None);
    }
    let mut statement = connection.prepare_cached(
        "SELECT s.log_size, s.standing FROM standing_snapshots s
           JOIN log_checkpoints c ON c.size = s.log_size AND c.root = s.root
          WHERE s.format = ?1 AND s.log_size <= ?2
          ORDER BY s.log_size DESC",
    )?;
    let mut rows = statement.query(params![STANDING_FORMAT, size as i64])?;
    while let Some(row) = rows.next()? {
        let at = row.get::<_, i64>(0)? as u64;
        let bytes: Vec<u8> = row.get(1)?;
        match serde_json::from_slice(&bytes) {
            Ok(standing) => return Ok(Some(Snapshot { size: at, standing })),
            Err(error) => tracing::warn!(size = at, %error, "a standing snapshot does not decode; skipped"),
        }
    }
    Ok(None)
}

/// A stored snapshot as the audit sees it.
#[derive(Debug)]
pub struct StoredSnapshot {
    pub size: u64,
    pub format: i64,
    /// Whether the log signed a checkpoint at its size with its root.
    pub at_checkpoint: bool,
    /// The standing it holds, or why it does not decode.
    pub standing: Result<Standing, String>,
}

/// Every stored snapshot, oldest first, for the audit.
pub fn all(connection: &Connection) -> Result<Vec<StoredSnapshot>, StoreError> {
    if !exists(connection)? {
        return Ok(Vec::new());
    }
    let mut statement = connection.prepare(
        "SELECT s.log_size, s.format, s.standing, c.size IS NOT NULL FROM standing_snapshots s
           LEFT JOIN log_checkpoints c ON c.size = s.log_size AND c.root = s.root
          ORDER BY s.log_size",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)? as u64,
            row.get::<_, i64>(1)?,
            row.get::<_, Vec<u8>>(2)?,
            row.get::<_, bool>(3)?,
        ))
    })?;
    let mut found = Vec::new();
    for row in rows {
        let (size, format, bytes, at_checkpoint) = row?;
        found.push(StoredSnapshot {
            size,
            format,
            at_checkpoint,
            standing: serde_json::from_slice(&bytes).map_err(|e| e.to_string()),
        });
    }
    Ok(found)
}

/// The size of the latest snapshot of this format, if any.
pub fn latest_size(connection: &Connection) -> Result<Option<u64>, StoreError> {
    if !exists(connection)? {
        return Ok(None);
    }
    Ok(connection
        .prepare_cached("SELECT MAX(log_size) FROM standing_snapshots WHERE format = ?1")?
        .query_row([STANDING_FORMAT], |row| row.get::<_, Option<i64>>(0))
        .optional()?
        .flatten()
        .map(|size| size as u64))
}

/// Whether the table is there: a store written before snapshots, opened read-only, has none.
fn exists(connection: &Connection) -> Result<bool, StoreError> {
    Ok(connection
        .prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'standing_snapshots'")?
        .exists([])?)
}
