//! Reading the log: checkpoints, tiles, entry bundles, entries and proofs,
//! from a small pool of SQLite connections, each read inside one snapshot.

use crate::error::StoreError;
use crate::schema;
use crate::tiles::{TileCache, read_nodes, read_tile};
use crate::writer::latest_checkpoint;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use truce_domain::disclosure::Opening;
use truce_log::hash::HASH_BYTES;
use truce_log::proof::ProofPlan;
use truce_log::tile::{TILE_WIDTH, decode_entry_bundle, encode_entry_bundle};
use truce_log::{Hash, ProofError, TileId, TileKind, consistency_plan, inclusion_plan};

/// A checkpoint as stored: its tree size and root, and the signed note text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: Hash,
    pub note: String,
}

/// What [`LogReader::scan_entries`] finds, in order: full entry bundles
/// (by bundle index), then the entries of the unfinished bundle (by index).
pub enum StoredEntries {
    Bundle(u64, Vec<u8>),
    Pending(u64, Vec<u8>),
}

/// Why a read found nothing or was refused. `NotFound` and `Proof` are the
/// reader's mistakes (404, 400); `Store` is ours.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    NotFound(String),
    #[error("the tree has {tree_size} entries; {requested} is beyond it")]
    BeyondTree { requested: u64, tree_size: u64 },
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ReadError {
    fn from(error: rusqlite::Error) -> ReadError {
        ReadError::Store(StoreError::Database(error))
    }
}

/// Reads the log. Cheap to share: it holds a pool of connections, and every
/// method runs in one read snapshot, so what it returns is consistent with a
/// single checkpoint.
pub struct LogReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    tiles_cached: TileCache,
}

/// Connections kept open while idle; more may be opened under load.
const IDLE_CONNECTIONS_MAX: usize = 16;

impl LogReader {
    pub fn open(path: &Path) -> Result<LogReader, StoreError> {
        let reader = LogReader {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            tiles_cached: TileCache::default(),
        };
        let connection = reader.connect()?;
        reader.release(connection);
        Ok(reader)
    }

    fn connect(&self) -> Result<Connection, StoreError> {
        if let Some(connection) = self.idle.lock().expect("pool lock").pop() {
            return Ok(connection);
        }
        let connection = Connection::open(&self.path)?;
        schema::configure(&connection)?;
        connection.pragma_update(None, "query_only", true)?;
        Ok(connection)
    }

    fn release(&self, connection: Connection) {
        let mut idle = self.idle.lock().expect("pool lock");
        if idle.len() < IDLE_CONNECTIONS_MAX {
            idle.push(connection);
        }
    }

    /// Runs `read` inside one read transaction (one consistent snapshot).
    fn snapshot<T>(&self, read: impl FnOnce(&Connection) -> Result<T, ReadError>) -> Result<T, ReadError> {
        let mut connection = self.connect()?;
        let result = {
            let transaction = connection.transaction()?;
            let result = read(&transaction);
            transaction.finish()?;
            result
        };
        self.release(connection);
        result
    }

    pub fn latest_checkpoint(&self) -> Result<StoredCheckpoint, ReadError> {
        self.snapshot(current_checkpoint)
    }

    /// The checkpoint of `size` with the witnesses' cosignatures collected on it, as one note.
    pub fn cosigned_note(&self, checkpoint: &StoredCheckpoint) -> Result<String, ReadError> {
        let lines = self.snapshot(|connection| Ok(crate::cosignatures::lines_at(connection, checkpoint.size)?))?;
        let mut note = checkpoint.note.clone();
        for line in lines {
            note.push_str(&line);
            note.push('\n');
        }
        Ok(note)
    }

    /// The latest checkpoint that `witnesses` witnesses have all cosigned, if any.
    pub fn latest_cosigned_by_all(&self, witnesses: usize) -> Result<Option<StoredCheckpoint>, ReadError> {
        let size =
            self.snapshot(|connection| Ok(crate::cosignatures::latest_cosigned_by_all(connection, witnesses)?))?;
        size.map(|size| self.checkpoint_at(size)).transpose()
    }

    /// Each witness's latest cosignature.
    pub fn cosigned(&self) -> Result<Vec<crate::cosignatures::Cosigned>, ReadError> {
        self.snapshot(|connection| Ok(crate::cosignatures::latest(connection)?))
    }

    /// The checkpoint signed at exactly `size`, if the log signed one there.
    pub fn checkpoint_at(&self, size: u64) -> Result<StoredCheckpoint, ReadError> {
        self.snapshot(|connection| {
            let row = connection
                .prepare_cached("SELECT root, note FROM log_checkpoints WHERE size = ?1")?
                .query_row([size as i64], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
                })
                .optional()?;
            let (root, note) =
                row.ok_or_else(|| ReadError::NotFound(format!("no checkpoint was signed at size {size}")))?;
            let root = Hash::from_slice(&root).map_err(|e| StoreError::Corrupt(format!("checkpoint root: {e}")))?;
            Ok(StoredCheckpoint { size, root, note })
        })
    }

    /// The bytes of a tile or entry bundle, exactly as C2SP tlog-tiles serves them.
    pub fn tile(&self, tile: TileId) -> Result<Vec<u8>, ReadError> {
        self.snapshot(|connection| match tile.kind {
            TileKind::Hashes { level } => hash_tile(connection, level, tile),
            TileKind::Entries => entry_bundle(connection, tile),
        })
    }

    /// Entry `index`, if the log holds it.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, ReadError> {
        self.snapshot(|connection| {
            let tree_size = current_checkpoint(connection)?.size;
            entry_in(connection, index, tree_size)
        })
    }

    /// The entries `range` of the log (clipped to its size), oldest first,
    /// from one snapshot: each full bundle the range touches is read once,
    /// the unfinished one's entries by one indexed scan, so a page of the
    /// log explorer costs the same whatever the log's length.
    pub fn entries(&self, range: std::ops::Range<u64>) -> Result<Vec<(u64, Vec<u8>)>, ReadError> {
        self.snapshot(|connection| {
            let tree_size = current_checkpoint(connection)?.size;
            let (start, end) = (range.start, range.end.min(tree_size));
            let mut found = Vec::with_capacity(end.saturating_sub(start) as usize);
            let mut index = start;
            while index < end {
                let bundle_index = index / TILE_WIDTH;
                let bundle_end = ((bundle_index + 1) * TILE_WIDTH).min(end);
                let full: Option<Vec<u8>> = connection
                    .prepare_cached("SELECT data FROM log_bundles WHERE idx = ?1")?
                    .query_row([bundle_index as i64], |row| row.get(0))
                    .optional()?;
                if let Some(bundle) = full {
                    let entries = decode_entry_bundle(&bundle)
                        .map_err(|e| StoreError::Corrupt(format!("entry bundle {bundle_index}: {e}")))?;
                    for i in index..bundle_end {
                        let entry = entries.get((i % TILE_WIDTH) as usize).ok_or_else(|| {
                            StoreError::Corrupt(format!("entry bundle {bundle_index} lacks entry {i}"))
                        })?;
                        found.push((i, entry.to_vec()));
                    }
                } else {
                    let mut statement = connection.prepare_cached(
                        "SELECT idx, data FROM log_pending WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
                    )?;
                    let rows = statement.query_map(params![index as i64, bundle_end as i64], |row| {
                        Ok((row.get::<_, i64>(0)? as u64, row.get::<_, Vec<u8>>(1)?))
                    })?;
                    for row in rows {
                        found.push(row?);
                    }
                }
                index = bundle_end;
            }
            if found.len() as u64 != end.saturating_sub(start) {
                return Err(StoreError::Corrupt(format!("entries {start}..{end} are not all stored")).into());
            }
            Ok(found)
        })
    }

    /// Entry `index` and its inclusion proof in the tree of `size` entries,
    /// from one snapshot: what a receipt holds.
    pub fn entry_with_inclusion_proof(&self, index: u64, size: u64) -> Result<(Vec<u8>, Vec<Hash>), ReadError> {
        self.snapshot(|connection| {
            check_size(connection, size)?;
            let entry = entry_in(connection, index, size)?;
            let proof = self.proof(connection, &inclusion_plan(index, size)?)?;
            Ok((entry, proof))
        })
    }

    /// The hashes of a planned proof, read from the stored tiles.
    fn proof(&self, connection: &Connection, plan: &ProofPlan) -> Result<Vec<Hash>, ReadError> {
        let hashes = read_nodes(connection, &plan.nodes(), Some(&self.tiles_cached))?;
        Ok(plan
            .assemble(&hashes)
            .map_err(|node| StoreError::Corrupt(format!("node {node:?} missing")))?)
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ReadError> {
        self.snapshot(|connection| {
            check_size(connection, size)?;
            self.proof(connection, &inclusion_plan(index, size)?)
        })
    }

    /// The consistency proof from the tree of `old_size` entries to that of `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, ReadError> {
        self.snapshot(|connection| {
            check_size(connection, new_size)?;
            self.proof(connection, &consistency_plan(old_size, new_size)?)
        })
    }

    /// Calls `visit` with each full entry bundle in order, then with each
    /// entry of the unfinished one, all within one snapshot at the
    /// checkpoint it returns. The audit rehashes the log from this.
    pub fn scan_entries(
        &self,
        mut visit: impl FnMut(StoredEntries) -> Result<(), StoreError>,
    ) -> Result<StoredCheckpoint, ReadError> {
        self.snapshot(|connection| {
            let checkpoint = current_checkpoint(connection)?;
            scan_stored(connection, &mut visit)?;
            Ok(checkpoint)
        })
    }

    /// Calls `visit` with every entry in index order, within one snapshot
    /// at the checkpoint it returns.
    pub fn for_each_entry(
        &self,
        mut visit: impl FnMut(u64, &[u8]) -> Result<(), StoreError>,
    ) -> Result<StoredCheckpoint, ReadError> {
        self.scan_entries(|stored| match stored {
            StoredEntries::Bundle(bundle_index, bundle) => {
                let entries = decode_entry_bundle(&bundle)
                    .map_err(|e| StoreError::Corrupt(format!("entry bundle {bundle_index}: {e}")))?;
                for (offset, entry) in entries.iter().enumerate() {
                    visit(bundle_index * TILE_WIDTH + offset as u64, entry)?;
                }
                Ok(())
            }
            StoredEntries::Pending(index, entry) => visit(index, &entry),
        })
    }

    /// Calls `visit` with every entry's event, its public form joined with
    /// its stored openings (the whole record), in index order, within one
    /// snapshot at the checkpoint it returns.
    pub fn for_each_envelope(
        &self,
        mut visit: impl FnMut(u64, truce_domain::event::Envelope) -> Result<(), StoreError>,
    ) -> Result<StoredCheckpoint, ReadError> {
        self.for_each_entry_with_openings(|index, bytes, openings| {
            visit(index, crate::engine::envelope_at(index, bytes, &openings)?)
        })
    }

    /// Calls `visit` with every entry's bytes (its public form) and its
    /// stored openings, in index order, within one snapshot at the
    /// checkpoint it returns: the openings are walked beside the entries.
    pub fn for_each_entry_with_openings(
        &self,
        mut visit: impl FnMut(u64, &[u8], Vec<Opening>) -> Result<(), StoreError>,
    ) -> Result<StoredCheckpoint, ReadError> {
        fn advance(rows: &mut rusqlite::Rows) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
            Ok(match rows.next()? {
                Some(row) => Some((row.get::<_, i64>(0)? as u64, row.get(1)?)),
                None => None,
            })
        }
        self.snapshot(|connection| {
            let checkpoint = current_checkpoint(connection)?;
            let mut statement = connection.prepare("SELECT log_index, openings FROM openings ORDER BY log_index")?;
            let mut rows = statement.query([])?;
            let mut next = advance(&mut rows)?;
            let mut each = |index: u64, bytes: &[u8]| -> Result<(), StoreError> {
                let mut openings = Vec::new();
                while let Some((at, document)) = &next {
                    if *at > index {
                        break;
                    }
                    if *at == index {
                        openings = crate::openings::decode(index, document)?.0;
                    }
                    next = advance(&mut rows)?;
                }
                visit(index, bytes, openings)
            };
            scan_stored(connection, |stored| match stored {
                StoredEntries::Bundle(bundle_index, bundle) => {
                    let entries = decode_entry_bundle(&bundle)
                        .map_err(|e| StoreError::Corrupt(format!("entry bundle {bundle_index}: {e}")))?;
                    for (offset, entry) in entries.iter().enumerate() {
                        each(bundle_index * TILE_WIDTH + offset as u64, entry)?;
                    }
                    Ok(())
                }
                StoredEntries::Pending(index, entry) => each(index, &entry),
            })?;
            Ok(checkpoint)
        })
    }

    /// Entry `index` with its stored openings, as the whole event.
    pub fn envelope(&self, index: u64) -> Result<truce_domain::event::Envelope, ReadError> {
        let bytes = self.entry(index)?;
        let openings = self.openings(index)?.map(|row| row.openings).unwrap_or_default();
        Ok(crate::engine::envelope_at(index, &bytes, &openings)?)
    }

    /// The stored openings of entry `index`, if it committed to anything.
    pub fn openings(&self, index: u64) -> Result<Option<crate::openings::EntryOpenings>, ReadError> {
        self.snapshot(|connection| Ok(crate::openings::at(connection, index)?))
    }

    /// The latest usable snapshot of the standing at or below `size` (see `snapshots`).
    pub fn standing_snapshot(&self, size: u64) -> Result<Option<crate::snapshots::Snapshot>, ReadError> {
        self.snapshot(|connection| Ok(crate::snapshots::latest(connection, size)?))
    }

    /// The stored openings of entries `start..end`, in order.
    pub fn openings_in(&self, start: u64, end: u64) -> Result<Vec<crate::openings::EntryOpenings>, ReadError> {
        self.snapshot(|connection| Ok(crate::openings::range(connection, start, end)?))
    }

    /// The groups of entry `index` that the log has disclosed.
    pub fn disclosed_groups(
        &self,
        index: u64,
    ) -> Result<std::collections::BTreeSet<truce_domain::disclosure::Group>, ReadError> {
        self.snapshot(|connection| Ok(crate::openings::disclosed_groups(connection, index)?))
    }

    /// The stored hashes of tree level 8 (one per full entry bundle), in order.
    pub fn bundle_roots(&self, bundles: u64) -> Result<Vec<Hash>, ReadError> {
        self.snapshot(|connection| {
            let mut roots = Vec::with_capacity(bundles as usize);
            for tile in TileId::tiles_for_size(TileKind::Hashes { level: 1 }, bundles * TILE_WIDTH) {
                let bytes = hash_tile(connection, 1, tile)?;
                roots.extend(bytes.chunks(32).map(|chunk| Hash::from_slice(chunk).expect("32 bytes")));
            }
            Ok(roots)
        })
    }
}

/// Visits the stored bundles in order, then the unfinished bundle's entries.
fn scan_stored(
    connection: &Connection,
    mut visit: impl FnMut(StoredEntries) -> Result<(), StoreError>,
) -> Result<(), ReadError> {
    let mut statement = connection.prepare("SELECT idx, data FROM log_bundles ORDER BY idx")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        visit(StoredEntries::Bundle(row.get::<_, i64>(0)? as u64, row.get(1)?))?;
    }
    let mut statement = connection.prepare("SELECT idx, data FROM log_pending ORDER BY idx")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        visit(StoredEntries::Pending(row.get::<_, i64>(0)? as u64, row.get(1)?))?;
    }
    Ok(())
}

fn current_checkpoint(connection: &Connection) -> Result<StoredCheckpoint, ReadError> {
    latest_checkpoint(connection)?
        .ok_or_else(|| ReadError::Store(StoreError::Corrupt("the log has no checkpoint".into())))
}

fn check_size(connection: &Connection, size: u64) -> Result<(), ReadError> {
    let tree_size: i64 = connection
        .prepare_cached("SELECT max(size) FROM log_checkpoints")?
        .query_row([], |row| row.get::<_, Option<i64>>(0))?
        .unwrap_or(0);
    let tree_size = tree_size as u64;
    if size > tree_size {
        return Err(ReadError::BeyondTree {
            requested: size,
            tree_size,
        });
    }
    Ok(())
}

fn hash_tile(connection: &Connection, level: u8, tile: TileId) -> Result<Vec<u8>, ReadError> {
    let not_found = || ReadError::NotFound(format!("the log has no {}", tile.path()));
    if level >= 8 {
        return Err(not_found());
    }
    let (width, bytes) = read_tile(connection, level, tile.index)?.ok_or_else(not_found)?;
    if width < tile.width.get() {
        return Err(not_found());
    }
    // A stored tile starts with its served hashes; a narrower tile is a prefix.
    let served = bytes
        .get(..tile.width.get() as usize * HASH_BYTES)
        .ok_or_else(|| StoreError::Corrupt(format!("tile {level}/{} is truncated", tile.index)))?;
    Ok(served.to_vec())
}

/// Entry `index` of a tree of `tree_size`: a row of its own while its
/// bundle is unfinished (the common case for a fresh receipt), else cut from
/// its full bundle.
fn entry_in(connection: &Connection, index: u64, tree_size: u64) -> Result<Vec<u8>, ReadError> {
    if index >= tree_size {
        return Err(ReadError::BeyondTree {
            requested: index,
            tree_size,
        });
    }
    let pending: Option<Vec<u8>> = connection
        .prepare_cached("SELECT data FROM log_pending WHERE idx = ?1")?
        .query_row([index as i64], |row| row.get(0))
        .optional()?;
    if let Some(entry) = pending {
        return Ok(entry);
    }
    let bundle = entry_bundle(
        connection,
        TileId {
            kind: TileKind::Entries,
            index: index / TILE_WIDTH,
            width: truce_log::TileWidth::FULL,
        },
    )?;
    let entries = decode_entry_bundle(&bundle).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(entries[(index % TILE_WIDTH) as usize].to_vec())
}

fn entry_bundle(connection: &Connection, tile: TileId) -> Result<Vec<u8>, ReadError> {
    let not_found = || ReadError::NotFound(format!("the log has no {}", tile.path()));
    let full: Option<Vec<u8>> = connection
        .prepare_cached("SELECT data FROM log_bundles WHERE idx = ?1")?
        .query_row([tile.index as i64], |row| row.get(0))
        .optional()?;
    if let Some(bundle) = full {
        if tile.width.is_full() {
            return Ok(bundle);
        }
        let entries = decode_entry_bundle(&bundle).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        return Ok(encode_entry_bundle(
            entries[..tile.width.get() as usize].iter().copied(),
        ));
    }
    if tile.width.is_full() {
        return Err(not_found());
    }
    let first = tile.index * TILE_WIDTH;
    let mut statement =
        connection.prepare_cached("SELECT data FROM log_pending WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")?;
    let entries: Vec<Vec<u8>> = statement
        .query_map(params![first as i64, (first + tile.width.get()) as i64], |row| {
            row.get(0)
        })?
        .collect::<Result<_, _>>()?;
    if entries.len() as u64 != tile.width.get() {
        return Err(not_found());
    }
    Ok(encode_entry_bundle(entries.iter().map(Vec::as_slice)))
}
