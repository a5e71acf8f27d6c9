//! The single writer of the log: appends batches of entries in one durable
//! transaction each, keeping only the right edge of the tree in memory.

use crate::entry::LogEntry;
use crate::error::StoreError;
use crate::reader::StoredCheckpoint;
use crate::schema;
use crate::tiles::{read_nodes, read_tile, write_tile};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::{Path, PathBuf};
use truce_log::tile::{NodeSlot, TILE_HEIGHT, TILE_WIDTH, encode_entry_bundle};
use truce_log::{Checkpoint, Hash, NodeId, RightEdge, SignerKey, StoredTile, leaf_hash};

/// The outcome of one durable batch: the index of its first entry and the
/// signed checkpoint that covers it.
#[derive(Clone, Debug)]
pub struct AppendedBatch {
    pub first_index: u64,
    pub count: u64,
    pub checkpoint: StoredCheckpoint,
}

/// The right-edge tile of one tile level: the only tile of that level still growing.
#[derive(Clone, Debug, Default)]
struct EdgeTile {
    index: u64,
    tile: StoredTile,
    dirty: bool,
}

/// What the writer keeps in memory between batches, all derivable from the
/// database: [`LogWriter::open`] derives it and checks it against the checkpoint.
struct WriterState {
    edge: RightEdge,
    /// Indexed by tile level.
    edge_tiles: Vec<EdgeTile>,
    /// Entries of the unfinished last bundle, and how many of them are stored.
    pending: Vec<Vec<u8>>,
    pending_stored: usize,
    checkpoint: StoredCheckpoint,
}

/// The only writer of a log file. Not `Sync`: the [`crate::Sequencer`] owns
/// it on a thread of its own and feeds it batches.
pub struct LogWriter {
    /// Held for the writer's lifetime: a second writer on the same file,
    /// with its own right edge, would corrupt the log.
    _lock: std::fs::File,
    connection: Connection,
    path: PathBuf,
    signer: SignerKey,
    state: WriterState,
}

impl LogWriter {
    /// Opens (or creates) the log at `path`, signed by `signer`, whose name is
    /// the log's origin. Recomputes the root from the stored tiles and refuses
    /// a log whose latest checkpoint does not match them.
    pub fn open(path: &Path, signer: SignerKey) -> Result<LogWriter, StoreError> {
        let lock = lock_exclusively(path)?;
        let connection = Connection::open(path)?;
        schema::configure(&connection)?;
        schema::create(&connection)?;
        let origin = signer.name().to_string();
        check_origin(&connection, path, &origin)?;
        if latest_checkpoint(&connection)?.is_none() {
            let note = sign(&signer, 0, Hash::empty_tree_root())?;
            insert_checkpoint(&connection, &note)?;
        }
        let state = load_state(&connection)?;
        Ok(LogWriter {
            _lock: lock,
            connection,
            path: path.to_path_buf(),
            signer,
            state,
        })
    }

    /// The writer's connection, for schema changes outside a batch.
    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Caps the database at about `bytes` (SQLite's `max_page_count`; never
    /// below what it holds now), or lifts the cap: past it, writes fail as
    /// on a full disk. An operator keeps room on a shared disk this way, and
    /// the tests fill a disk without filling the machine's.
    pub fn cap_size(&self, bytes: Option<u64>) -> Result<(), StoreError> {
        let page_size: u64 = self.connection.query_row("PRAGMA page_size", [], |row| row.get(0))?;
        // SQLite's own ceiling, 2^32 - 2 pages, is no cap at all.
        let pages = bytes.map_or(0xFFFF_FFFE, |bytes| bytes.div_ceil(page_size).max(1));
        self.connection
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// Stores, then frees, a quarter of a mebibyte of scratch in the log's
    /// database (nothing of the log): whether a write as large as a batch's
    /// would be stored now. After a disk filled up, this tells when it has
    /// room again.
    pub fn probe(&self) -> Result<(), StoreError> {
        const PROBE_BYTES: i64 = 256 * 1024;
        self.connection
            .execute_batch("CREATE TABLE IF NOT EXISTS write_probe (id INTEGER PRIMARY KEY, scratch BLOB NOT NULL)")?;
        self.connection.execute(
            "INSERT OR REPLACE INTO write_probe (id, scratch) VALUES (1, zeroblob(?1))",
            [PROBE_BYTES],
        )?;
        self.connection.execute("DELETE FROM write_probe", [])?;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.state.edge.size()
    }

    pub fn checkpoint(&self) -> &StoredCheckpoint {
        &self.state.checkpoint
    }

    /// Appends `entries` in one transaction with a new signed checkpoint, and
    /// returns once both are durable. On any error nothing of the batch is
    /// stored and the writer reloads its state from the database.
    pub fn append_batch(&mut self, entries: &[LogEntry]) -> Result<AppendedBatch, StoreError> {
        self.append_batch_with(entries, |_, _| Ok(()))
    }

    /// Like [`LogWriter::append_batch`], and runs `also` in the same
    /// transaction (with the index of the batch's first entry): the domain
    /// updates its projections there, so the log and the projections commit
    /// together or not at all.
    pub fn append_batch_with(
        &mut self,
        entries: &[LogEntry],
        also: impl FnOnce(&Transaction, u64) -> Result<(), StoreError>,
    ) -> Result<AppendedBatch, StoreError> {
        self.append_batch_signed_with(entries, also, |_, _| Ok(()))
    }

    /// The same, and `signed` runs in the transaction once the batch's
    /// checkpoint is signed (what is tied to that checkpoint is written there).
    pub fn append_batch_signed_with(
        &mut self,
        entries: &[LogEntry],
        also: impl FnOnce(&Transaction, u64) -> Result<(), StoreError>,
        signed: impl FnOnce(&Transaction, &StoredCheckpoint) -> Result<(), StoreError>,
    ) -> Result<AppendedBatch, StoreError> {
        let first_index = self.size();
        if entries.is_empty() {
            return Ok(AppendedBatch {
                first_index,
                count: 0,
                checkpoint: self.state.checkpoint.clone(),
            });
        }
        let result = write_batch(
            &mut self.connection,
            &self.signer,
            &mut self.state,
            entries,
            also,
            signed,
        );
        match result {
            Ok(checkpoint) => {
                self.state.checkpoint = checkpoint.clone();
                Ok(AppendedBatch {
                    first_index,
                    count: entries.len() as u64,
                    checkpoint,
                })
            }
            Err(error) => {
                self.state = load_state(&self.connection)?;
                Err(error)
            }
        }
    }
}

fn lock_exclusively(path: &Path) -> Result<std::fs::File, StoreError> {
    let lock_path = path.with_extension("writer-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::Locked(format!("{}: {e}", lock_path.display())))?;
    file.try_lock().map_err(|_| {
        StoreError::Locked(format!(
            "{} is held by another writer (is truce serve running?)",
            lock_path.display()
        ))
    })?;
    Ok(file)
}

fn check_origin(connection: &Connection, path: &Path, origin: &str) -> Result<(), StoreError> {
    let stored: Option<String> = connection
        .query_row("SELECT value FROM log_meta WHERE key = 'origin'", [], |row| row.get(0))
        .optional()?;
    match stored {
        Some(found) if found != origin => Err(StoreError::WrongOrigin {
            path: path.display().to_string(),
            found,
            expected: origin.to_string(),
        }),
        Some(_) => Ok(()),
        None => {
            connection.execute(
                "INSERT INTO log_meta (key, value) VALUES ('origin', ?1), ('schema_version', ?2)",
                params![origin, schema::SCHEMA_VERSION],
            )?;
            Ok(())
        }
    }
}

fn sign(signer: &SignerKey, size: u64, root: Hash) -> Result<StoredCheckpoint, StoreError> {
    let note = Checkpoint::new(signer.name().as_str(), size, root)
        .sign(signer)
        .map_err(|error| StoreError::Signing(error.to_string()))?;
    Ok(StoredCheckpoint {
        size,
        root,
        note: note.to_text(),
    })
}

fn insert_checkpoint(connection: &Connection, checkpoint: &StoredCheckpoint) -> Result<(), StoreError> {
    let mut statement =
        connection.prepare_cached("INSERT INTO log_checkpoints (size, root, note) VALUES (?1, ?2, ?3)")?;
    statement.execute(params![
        checkpoint.size as i64,
        checkpoint.root.as_bytes().as_slice(),
        checkpoint.note
    ])?;
    Ok(())
}

pub(crate) fn latest_checkpoint(connection: &Connection) -> Result<Option<StoredCheckpoint>, StoreError> {
    let mut statement =
        connection.prepare_cached("SELECT size, root, note FROM log_checkpoints ORDER BY size DESC LIMIT 1")?;
    let row = statement
        .query_row([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    row.map(|(size, root, note)| {
        let root = Hash::from_slice(&root).map_err(|e| StoreError::Corrupt(format!("checkpoint root: {e}")))?;
        Ok(StoredCheckpoint {
            size: size as u64,
            root,
            note,
        })
    })
    .transpose()
}

fn write_batch(
    connection: &mut Connection,
    signer: &SignerKey,
    state: &mut WriterState,
    entries: &[LogEntry],
    also: impl FnOnce(&Transaction, u64) -> Result<(), StoreError>,
    signed: impl FnOnce(&Transaction, &StoredCheckpoint) -> Result<(), StoreError>,
) -> Result<StoredCheckpoint, StoreError> {
    let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    also(&transaction, state.edge.size())?;
    for entry in entries {
        append_entry(&transaction, state, entry.as_bytes())?;
    }
    store_pending(&transaction, state)?;
    for (level, edge_tile) in state.edge_tiles.iter_mut().enumerate() {
        if edge_tile.dirty {
            write_tile(&transaction, level as u8, edge_tile.index, &edge_tile.tile)?;
            edge_tile.dirty = false;
        }
    }
    let checkpoint = sign(signer, state.edge.size(), state.edge.root())?;
    insert_checkpoint(&transaction, &checkpoint)?;
    signed(&transaction, &checkpoint)?;
    transaction.commit()?;
    Ok(checkpoint)
}

fn append_entry(transaction: &Transaction, state: &mut WriterState, entry: &[u8]) -> Result<(), StoreError> {
    let index = state.edge.size();
    let mut completed: Vec<(NodeId, Hash)> = Vec::with_capacity(8);
    state
        .edge
        .append(leaf_hash(entry), |node, hash| completed.push((node, hash)));
    for (node, hash) in completed {
        record_node(transaction, &mut state.edge_tiles, node, hash)?;
    }
    state.pending.push(entry.to_vec());
    if state.pending.len() as u64 == TILE_WIDTH {
        let bundle_index = index / TILE_WIDTH;
        let bundle = encode_entry_bundle(state.pending.iter().map(Vec::as_slice));
        transaction
            .prepare_cached("INSERT INTO log_bundles (idx, data) VALUES (?1, ?2)")?
            .execute(params![bundle_index as i64, bundle])?;
        if state.pending_stored > 0 {
            transaction
                .prepare_cached("DELETE FROM log_pending WHERE idx >= ?1")?
                .execute([(bundle_index * TILE_WIDTH) as i64])?;
        }
        state.pending.clear();
        state.pending_stored = 0;
    }
    Ok(())
}

/// Stores the entries of the unfinished bundle that are not stored yet.
fn store_pending(transaction: &Transaction, state: &mut WriterState) -> Result<(), StoreError> {
    let first_pending_index = state.edge.size() - state.pending.len() as u64;
    let mut statement = transaction.prepare_cached("INSERT INTO log_pending (idx, data) VALUES (?1, ?2)")?;
    for (offset, entry) in state.pending.iter().enumerate().skip(state.pending_stored) {
        statement.execute(params![(first_pending_index + offset as u64) as i64, entry])?;
    }
    state.pending_stored = state.pending.len();
    Ok(())
}

/// Puts a completed node into the right-edge tile of its level, first
/// writing out the previous tile of that level if it was not written yet.
fn record_node(
    transaction: &Transaction,
    edge_tiles: &mut Vec<EdgeTile>,
    node: NodeId,
    hash: Hash,
) -> Result<(), StoreError> {
    let slot = NodeSlot::of(node);
    let level = usize::from(slot.tile_level);
    if edge_tiles.len() <= level {
        edge_tiles.resize_with(level + 1, EdgeTile::default);
    }
    let edge_tile = &mut edge_tiles[level];
    if edge_tile.index != slot.tile_index {
        if edge_tile.dirty {
            write_tile(transaction, slot.tile_level, edge_tile.index, &edge_tile.tile)?;
        }
        debug_assert!(edge_tile.tile.is_full() || edge_tile.tile.width() == 0);
        *edge_tile = EdgeTile {
            index: slot.tile_index,
            tile: StoredTile::default(),
            dirty: false,
        };
    }
    edge_tile.tile.record(slot, hash);
    edge_tile.dirty = true;
    Ok(())
}

/// Derives the writer's state from the database and checks it: the root
/// recomputed from the stored tiles must be the latest checkpoint's, and the
/// stored entries must number exactly its tree size.
fn load_state(connection: &Connection) -> Result<WriterState, StoreError> {
    let checkpoint =
        latest_checkpoint(connection)?.ok_or_else(|| StoreError::Corrupt("the log has no checkpoint".into()))?;
    let size = checkpoint.size;
    let nodes = RightEdge::nodes_for_size(size);
    let hashes = read_nodes(connection, &nodes, None)?;
    let ordered: Vec<Hash> = nodes.iter().map(|node| hashes[node]).collect();
    let edge = RightEdge::from_subtree_hashes(size, &ordered).expect("one hash per node");
    if edge.root() != checkpoint.root {
        return Err(StoreError::Corrupt(format!(
            "the stored tiles give root {} at size {size}, but the checkpoint says {}",
            edge.root(),
            checkpoint.root
        )));
    }
    Ok(WriterState {
        edge_tiles: load_edge_tiles(connection, size)?,
        pending: load_pending(connection, size)?,
        pending_stored: (size % TILE_WIDTH) as usize,
        edge,
        checkpoint,
    })
}

fn load_edge_tiles(connection: &Connection, size: u64) -> Result<Vec<EdgeTile>, StoreError> {
    let mut edge_tiles = Vec::new();
    for level in 0..8u8 {
        let count = size >> (u32::from(level) * u32::from(TILE_HEIGHT));
        if count == 0 {
            break;
        }
        let (index, width) = (count / TILE_WIDTH, count % TILE_WIDTH);
        let mut edge_tile = EdgeTile {
            index,
            ..EdgeTile::default()
        };
        if width > 0 {
            let (stored_width, bytes) = read_tile(connection, level, index)?
                .ok_or_else(|| StoreError::Corrupt(format!("tile {level}/{index} is missing")))?;
            edge_tile.tile = StoredTile::decode(stored_width, &bytes)
                .filter(|_| stored_width == width)
                .ok_or_else(|| StoreError::Corrupt(format!("tile {level}/{index} is not {width} wide")))?;
        }
        edge_tiles.push(edge_tile);
    }
    Ok(edge_tiles)
}

fn load_pending(connection: &Connection, size: u64) -> Result<Vec<Vec<u8>>, StoreError> {
    let first = size / TILE_WIDTH * TILE_WIDTH;
    let full_bundles: i64 = connection.query_row("SELECT count(*) FROM log_bundles", [], |row| row.get(0))?;
    if full_bundles as u64 != size / TILE_WIDTH {
        return Err(StoreError::Corrupt(format!(
            "{full_bundles} full entry bundles for a tree of size {size}"
        )));
    }
    let mut statement = connection.prepare("SELECT idx, data FROM log_pending ORDER BY idx")?;
    let rows = statement.query_map([], |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, Vec<u8>>(1)?)))?;
    let mut pending = Vec::new();
    for row in rows {
        let (index, data) = row?;
        if index != first + pending.len() as u64 {
            return Err(StoreError::Corrupt(format!(
                "pending entry {index} is out of place (expected {})",
                first + pending.len() as u64
            )));
        }
        pending.push(data);
    }
    if pending.len() as u64 != size - first {
        return Err(StoreError::Corrupt(format!(
            "{} pending entries for a tree of size {size}",
            pending.len()
        )));
    }
    Ok(pending)
}
