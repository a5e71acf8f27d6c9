//! The verifier a party runs on its own machine, against the log's server
//! or a mirrored copy of its files: it trusts only the log's verifier key and
//! the checkpoint it saved last time, and checks everything else.
//!
//! It fetches the signed checkpoint and every entry bundle and tile of that
//! tree, rehashes the entries, compares each served tile with the hashes it
//! computed, recomputes the root, and proves the saved checkpoint consistent
//! with the new one from the nodes it computed. Each failure says which and where.

use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use crate::hash::{HASH_BYTES, Hash, leaf_hash};
use crate::note::VerifierKey;
use crate::proof::{ProofError, consistency_plan, verify_consistency};
use crate::tile::{TILE_HEIGHT, TILE_WIDTH, TileId, TileKind, TileWidth, decode_entry_bundle};
use crate::tree::{NodeId, RightEdge};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

pub use crate::tile_proof::TileProver;
pub use crate::walk_state::WalkState;

/// Where the log's files come from: `checkpoint`, `tile/...`, as served
/// (shared by the threads that fetch ahead of the walk).
pub trait TileSource: Sync {
    /// The bytes at `path`, `Ok(None)` if there is nothing there.
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
}

/// A mirror of the log's files in a directory, laid out as their URL paths.
pub struct DirectorySource(pub PathBuf);

impl TileSource for DirectorySource {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(self.0.join(path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.to_string()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("fetching {path} failed: {reason}")]
    Fetch { path: String, reason: String },
    #[error("the log does not serve {0}")]
    Missing(String),
    #[error("the checkpoint is not signed by the trusted key: {0}")]
    BadCheckpoint(CheckpointError),
    #[error("the saved checkpoint is unusable: {0}")]
    BadSavedState(CheckpointError),
    #[error("{path} is malformed: {why}")]
    MalformedBundle { path: String, why: String },
    #[error(
        "{path} differs at position {position} from the hash of the data below it (tree level {level}, node {node}): an entry or a tile was changed"
    )]
    TileMismatch {
        path: String,
        position: u64,
        level: u8,
        node: u64,
    },
    #[error("{path} is {found} bytes where {expected} were expected")]
    TileLength {
        path: String,
        found: usize,
        expected: usize,
    },
    #[error(
        "the entries hash to root {computed} at size {size}, but the signed checkpoint says {signed}: the entries were changed"
    )]
    RootMismatch { size: u64, computed: Hash, signed: Hash },
    #[error("entry {index}: {why}")]
    Entry { index: u64, why: String },
    #[error("rollback: the log now shows {served} entries, fewer than the {saved} of the checkpoint saved last time")]
    Rollback { saved: u64, served: u64 },
    #[error("fork: at size {size} the saved checkpoint has root {saved} but the log now signs {served}")]
    Fork { size: u64, saved: Hash, served: Hash },
    #[error(
        "fork: the log at {new_size} entries is not an extension of the saved checkpoint at {old_size}: entry {index} differs from the one verified then"
    )]
    Diverged { old_size: u64, new_size: u64, index: u64 },
    #[error("fork: the log at {new_size} entries is not an extension of the saved checkpoint at {old_size}: {reason}")]
    Inconsistent {
        old_size: u64,
        new_size: u64,
        reason: ProofError,
    },
}

/// What a successful verification established.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    pub checkpoint: Checkpoint,
    /// The signed note, to be saved as the state for the next run.
    pub checkpoint_note: String,
    pub entries: u64,
    pub tiles_checked: u64,
    pub previous: Option<Checkpoint>,
    /// Where the walk stopped, for the next run to start from (`None` when nothing was walked).
    pub walk: Option<WalkState>,
    /// The size of the saved walk this run started from, when it did.
    pub resumed_from: Option<u64>,
}

/// What a caller checks of each entry as the walk reaches it, in log
/// order (the log's own checks know nothing of what entries mean), with a
/// prover of the verified tree's older entries, for what an entry refers
/// back to when the walk did not start at the beginning.
pub type EntryCheck<'a> = &'a mut dyn FnMut(u64, &[u8], &TileProver) -> Result<(), String>;

/// Verifies the log at `source` against `log_key` and, if given, the
/// signed checkpoint note saved by the previous run; `check` sees every
/// entry walked, and its first refusal ends the walk. With `resume`, the
/// walk the previous run saved at that checkpoint, only the entries after
/// it are fetched and hashed: the new root is computed from the saved edge,
/// which proves the new tree an extension of the saved one.
pub fn verify_log(
    source: &dyn TileSource,
    log_key: &VerifierKey,
    saved_note: Option<&[u8]>,
    resume: Option<&WalkState>,
    check: EntryCheck,
) -> Result<VerifyReport, VerifyError> {
    let note_bytes = fetch_required(source, "checkpoint")?;
    let current = SignedCheckpoint::open(&note_bytes, log_key)
        .map_err(VerifyError::BadCheckpoint)?
        .checkpoint;
    let previous = saved_note
        .map(|note| SignedCheckpoint::open(note, log_key).map_err(VerifyError::BadSavedState))
        .transpose()?
        .map(|signed| signed.checkpoint);
    if let Some(previous) = &previous {
        check_not_rolled_back(previous, &current)?;
    }
    let wanted: HashSet<NodeId> = match &previous {
        Some(previous) if previous.size < current.size && previous.size > 0 => {
            consistency_plan(previous.size, current.size)
                .expect("sizes checked")
                .nodes()
                .into_iter()
                .collect()
        }
        _ => HashSet::new(),
    };
    // A saved walk is used only at the saved checkpoint's own tree.
    let resume = match (&previous, resume) {
        (Some(previous), Some(walk))
            if walk.size() == previous.size && walk.size() > 0 && walk.root() == previous.root =>
        {
            Some(walk.clone())
        }
        _ => None,
    };
    let resumed_from = resume.as_ref().map(WalkState::size);
    let first_bundle = resumed_from.map_or(0, |size| size / TILE_WIDTH);
    let bundles: Vec<TileId> = TileId::tiles_for_size(TileKind::Entries, current.size)
        .into_iter()
        .filter(|bundle| bundle.index >= first_bundle)
        .collect();
    // The walk asks for each bundle, then the level-0 tile it completes.
    let ahead: Vec<String> = bundles
        .iter()
        .flat_map(|bundle| {
            let tile = TileId {
                kind: TileKind::Hashes { level: 0 },
                ..*bundle
            };
            [bundle.path(), tile.path()]
        })
        .collect();
    let prefetch = crate::prefetch::Prefetch::new(source, ahead);
    let prover = TileProver::new(source, current.size, current.root);
    let walk = prefetch
        .run(|source| {
            let walk = match resume {
                Some(saved) => TreeWalk::resume(saved),
                None => TreeWalk::new(wanted),
            };
            walk_entries(source, walk, &bundles, &mut |index, entry| check(index, entry, &prover))
        })
        .map_err(|error| match (error, resumed_from) {
            (VerifyError::Entry { index, .. }, Some(old_size)) if index < old_size => VerifyError::Diverged {
                old_size,
                new_size: current.size,
                index,
            },
            (error, _) => error,
        })?;
    let root = walk.edge.root();
    if root != current.root {
        return Err(VerifyError::RootMismatch {
            size: current.size,
            computed: root,
            signed: current.root,
        });
    }
    if let Some(previous) = &previous
        && resumed_from.is_none()
    {
        check_consistency(previous, &current, &walk.captured)?;
    }
    let note = String::from_utf8(note_bytes).expect("a verified note is UTF-8");
    Ok(VerifyReport {
        checkpoint: current,
        checkpoint_note: note,
        entries: walk.edge.size() - resumed_from.unwrap_or(0),
        tiles_checked: walk.tiles_checked,
        previous,
        walk: Some(WalkState {
            edge: walk.edge,
            filling: walk.filling,
        }),
        resumed_from,
    })
}

/// [`EntryCheck`] with its prover already bound.
type WalkedEntryCheck<'a> = &'a mut dyn FnMut(u64, &[u8]) -> Result<(), String>;

/// Fetches `bundles`, hashes their entries into `walk`, which checks each
/// tile as it completes, and gives the walk at the right edge. Entries the
/// walk already holds (the start of a bundle it resumed in) must hash as
/// they did.
fn walk_entries(
    source: &dyn TileSource,
    mut walk: TreeWalk,
    bundles: &[TileId],
    check: WalkedEntryCheck,
) -> Result<TreeWalk, VerifyError> {
    for bundle in bundles {
        let path = bundle.path();
        let bytes = fetch_required(source, &path)?;
        let entries = decode_entry_bundle(&bytes).map_err(|e| VerifyError::MalformedBundle {
            path: path.clone(),
            why: e.to_string(),
        })?;
        if entries.len() as u64 != bundle.width.get() {
            let why = format!("{} entries where {} were expected", entries.len(), bundle.width.get());
            return Err(VerifyError::MalformedBundle { path, why });
        }
        for (position, entry) in entries.into_iter().enumerate() {
            let index = bundle.index * TILE_WIDTH + position as u64;
            if index < walk.edge.size() {
                let saved = walk.filling.first().and_then(|tile| tile.hashes.get(position));
                if saved != Some(&leaf_hash(entry)) {
                    let why = "differs from the entry verified at the saved checkpoint: the log's history was changed";
                    return Err(VerifyError::Entry { index, why: why.into() });
                }
                continue;
            }
            check(index, entry).map_err(|why| VerifyError::Entry { index, why })?;
            walk.push_leaf(leaf_hash(entry), source)?;
        }
    }
    walk.finish(source)?;
    Ok(walk)
}

fn fetch_required(source: &dyn TileSource, path: &str) -> Result<Vec<u8>, VerifyError> {
    source
        .fetch(path)
        .map_err(|reason| VerifyError::Fetch {
            path: path.to_string(),
            reason,
        })?
        .ok_or_else(|| VerifyError::Missing(path.to_string()))
}

fn check_not_rolled_back(previous: &Checkpoint, current: &Checkpoint) -> Result<(), VerifyError> {
    if current.size < previous.size {
        return Err(VerifyError::Rollback {
            saved: previous.size,
            served: current.size,
        });
    }
    if current.size == previous.size && current.root != previous.root {
        return Err(VerifyError::Fork {
            size: current.size,
            saved: previous.root,
            served: current.root,
        });
    }
    Ok(())
}

fn check_consistency(
    previous: &Checkpoint,
    current: &Checkpoint,
    captured: &HashMap<NodeId, Hash>,
) -> Result<(), VerifyError> {
    if previous.size == 0 || previous.size == current.size {
        return Ok(());
    }
    let plan = consistency_plan(previous.size, current.size).expect("sizes checked");
    let proof = plan.assemble(captured).expect("every complete node was captured");
    verify_consistency(previous.size, current.size, &proof, &previous.root, &current.root).map_err(|reason| {
        VerifyError::Inconsistent {
            old_size: previous.size,
            new_size: current.size,
            reason,
        }
    })
}

/// Walks the tree leaf by leaf, keeping of tree levels 0, 8, 16… (the
/// levels that tiles serve) only the hashes of the tile still being filled:
/// each full tile is checked against the served one as soon as it is complete.
struct TreeWalk {
    edge: RightEdge,
    /// For each tile level, the hashes of the tile being filled.
    filling: Vec<FillingTile>,
    wanted: HashSet<NodeId>,
    captured: HashMap<NodeId, Hash>,
    tiles_checked: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FillingTile {
    pub(crate) index: u64,
    pub(crate) hashes: Vec<Hash>,
}

impl TreeWalk {
    fn new(wanted: HashSet<NodeId>) -> TreeWalk {
        TreeWalk {
            edge: RightEdge::new(),
            filling: Vec::new(),
            wanted,
            captured: HashMap::new(),
            tiles_checked: 0,
        }
    }

    /// The walk where a previous run stopped.
    fn resume(saved: WalkState) -> TreeWalk {
        TreeWalk {
            edge: saved.edge,
            filling: saved.filling,
            wanted: HashSet::new(),
            captured: HashMap::new(),
            tiles_checked: 0,
        }
    }

    /// Adds a leaf, then checks the tiles it completed.
    fn push_leaf(&mut self, leaf: Hash, source: &dyn TileSource) -> Result<(), VerifyError> {
        let (filling, wanted, captured) = (&mut self.filling, &self.wanted, &mut self.captured);
        self.edge.append(leaf, |node, hash| {
            if wanted.contains(&node) {
                captured.insert(node, hash);
            }
            if node.level % TILE_HEIGHT == 0 {
                let tile_level = usize::from(node.level / TILE_HEIGHT);
                if filling.len() <= tile_level {
                    filling.resize_with(tile_level + 1, FillingTile::default);
                }
                filling[tile_level].hashes.push(hash);
            }
        });
        for (level, tile) in self.filling.iter_mut().enumerate() {
            if tile.hashes.len() as u64 == TILE_WIDTH {
                check_tile(source, level as u8, tile)?;
                self.tiles_checked += 1;
                *tile = FillingTile {
                    index: tile.index + 1,
                    hashes: Vec::new(),
                };
            }
        }
        Ok(())
    }

    /// Checks the partial tiles left at the right edge.
    fn finish(&mut self, source: &dyn TileSource) -> Result<(), VerifyError> {
        for (level, tile) in self.filling.iter().enumerate() {
            if !tile.hashes.is_empty() {
                check_tile(source, level as u8, tile)?;
                self.tiles_checked += 1;
            }
        }
        Ok(())
    }
}

fn check_tile(source: &dyn TileSource, level: u8, tile: &FillingTile) -> Result<(), VerifyError> {
    let width = TileWidth::new(tile.hashes.len() as u64).expect("1 to 256 hashes");
    let path = TileId {
        kind: TileKind::Hashes { level },
        index: tile.index,
        width,
    }
    .path();
    let bytes = fetch_required(source, &path)?;
    if bytes.len() != tile.hashes.len() * HASH_BYTES {
        return Err(VerifyError::TileLength {
            path,
            found: bytes.len(),
            expected: tile.hashes.len() * HASH_BYTES,
        });
    }
    for (position, (served, computed)) in bytes.chunks_exact(HASH_BYTES).zip(&tile.hashes).enumerate() {
        if computed.0 != served {
            let node = tile.index * TILE_WIDTH + position as u64;
            return Err(VerifyError::TileMismatch {
                path,
                position: position as u64,
                level: level * TILE_HEIGHT,
                node,
            });
        }
    }
    Ok(())
}
