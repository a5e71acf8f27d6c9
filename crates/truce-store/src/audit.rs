//! The full audit of a stored log: rehash every entry, check each entry
//! bundle against the stored tile hash that commits to it, and recompute the
//! root of the latest checkpoint. Reading and hashing overlap, and bundles are
//! hashed on all cores, so the audit runs near the speed of SHA-256 itself.

use crate::error::StoreError;
use crate::reader::{LogReader, ReadError, StoredCheckpoint, StoredEntries};
use rayon::prelude::*;
use std::sync::mpsc;
use truce_log::tile::TILE_WIDTH;
use truce_log::{Hash, RightEdge, leaf_hash, node_hash};

/// What the audit found when everything matched.
#[derive(Clone, Debug)]
pub struct AuditReport {
    pub checkpoint: StoredCheckpoint,
    /// The bytes of all entries hashed, without the bundles' length prefixes.
    pub entry_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("entry bundle {bundle} (entries {first}..{end}) {why}")]
    Bundle {
        bundle: u64,
        first: u64,
        end: u64,
        why: String,
    },
    #[error("the entries give root {computed} at size {size}, but the checkpoint says {expected}")]
    RootMismatch { size: u64, computed: Hash, expected: Hash },
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Bundles handed from the reading thread to the hashing threads at once.
const CHUNK_BUNDLES: usize = 32;

pub fn audit_log(reader: &LogReader) -> Result<AuditReport, AuditError> {
    let (sender, receiver) = mpsc::sync_channel::<Vec<(u64, Vec<u8>)>>(4);
    let mut pending_leaves: Vec<Hash> = Vec::new();
    let (mut bundled_bytes, mut pending_bytes) = (0u64, 0u64);
    let (scan, bundle_roots) = std::thread::scope(|scope| {
        let hashing = scope.spawn(move || hash_bundles(receiver));
        let mut chunk = Vec::with_capacity(CHUNK_BUNDLES);
        let scan = reader.scan_entries(|stored| {
            match stored {
                StoredEntries::Bundle(index, bundle) => {
                    // The entries, without their two-byte length prefixes.
                    bundled_bytes += (bundle.len() as u64).saturating_sub(2 * TILE_WIDTH);
                    chunk.push((index, bundle));
                    if chunk.len() == CHUNK_BUNDLES {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_BUNDLES));
                        sender
                            .send(full)
                            .map_err(|_| StoreError::Corrupt("the hashing thread stopped".into()))?;
                    }
                }
                StoredEntries::Pending(_, entry) => {
                    pending_bytes += entry.len() as u64;
                    pending_leaves.push(leaf_hash(&entry));
                }
            }
            Ok(())
        });
        if !chunk.is_empty() {
            let _ = sender.send(chunk);
        }
        drop(sender);
        (scan, hashing.join().expect("hashing thread"))
    });
    let checkpoint = scan?;
    let bundle_roots = bundle_roots?;
    check_bundles_against_tiles(reader, &bundle_roots)?;
    check_root(&checkpoint, &bundle_roots, &pending_leaves)?;
    Ok(AuditReport {
        checkpoint,
        entry_bytes: bundled_bytes + pending_bytes,
    })
}

fn hash_bundles(receiver: mpsc::Receiver<Vec<(u64, Vec<u8>)>>) -> Result<Vec<Hash>, AuditError> {
    let mut roots = Vec::new();
    for chunk in receiver {
        let hashed: Vec<Result<Hash, AuditError>> = chunk
            .par_iter()
            .map(|(index, bundle)| bundle_root(*index, bundle))
            .collect();
        for ((index, _), root) in chunk.iter().zip(hashed) {
            if *index != roots.len() as u64 {
                return Err(bundle_error(
                    *index,
                    format!("is stored where bundle {} belongs", roots.len()),
                ));
            }
            roots.push(root?);
        }
    }
    Ok(roots)
}

fn bundle_error(bundle: u64, why: String) -> AuditError {
    AuditError::Bundle {
        bundle,
        first: bundle * TILE_WIDTH,
        end: (bundle + 1) * TILE_WIDTH,
        why,
    }
}

/// The root of the perfect subtree over one full bundle's 256 entries,
/// hashing the entries where they lie in the bundle.
fn bundle_root(index: u64, bundle: &[u8]) -> Result<Hash, AuditError> {
    let mut level = [Hash::default(); TILE_WIDTH as usize];
    let mut offset = 0usize;
    for (position, slot) in level.iter_mut().enumerate() {
        let truncated = || bundle_error(index, format!("ends inside entry {position} (at byte {offset})"));
        let prefix = bundle.get(offset..offset + 2).ok_or_else(truncated)?;
        let end = offset + 2 + usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        *slot = leaf_hash(bundle.get(offset + 2..end).ok_or_else(truncated)?);
        offset = end;
    }
    if offset != bundle.len() {
        return Err(bundle_error(
            index,
            format!(
                "holds more than 256 entries ({} bytes left over)",
                bundle.len() - offset
            ),
        ));
    }
    let mut width = level.len();
    while width > 1 {
        for pair in 0..width / 2 {
            level[pair] = node_hash(&level[2 * pair], &level[2 * pair + 1]);
        }
        width /= 2;
    }
    Ok(level[0])
}

fn check_bundles_against_tiles(reader: &LogReader, bundle_roots: &[Hash]) -> Result<(), AuditError> {
    let stored = reader.bundle_roots(bundle_roots.len() as u64)?;
    for (index, (computed, stored)) in bundle_roots.iter().zip(&stored).enumerate() {
        if computed != stored {
            let why =
                format!("hashes to {computed}, but the stored tile hash is {stored}: an entry or a tile was changed");
            return Err(bundle_error(index as u64, why));
        }
    }
    Ok(())
}

fn check_root(checkpoint: &StoredCheckpoint, bundle_roots: &[Hash], pending: &[Hash]) -> Result<(), AuditError> {
    let mut bundles_edge = RightEdge::new();
    for root in bundle_roots {
        bundles_edge.append(*root, |_, _| {});
    }
    let mut pending_edge = RightEdge::new();
    for leaf in pending {
        pending_edge.append(*leaf, |_, _| {});
    }
    let size = bundle_roots.len() as u64 * TILE_WIDTH + pending.len() as u64;
    let subtrees = [bundles_edge.subtree_hashes(), pending_edge.subtree_hashes()].concat();
    let computed = RightEdge::from_subtree_hashes(size, &subtrees).map(|edge| edge.root());
    match computed {
        Some(root) if size == checkpoint.size && root == checkpoint.root => Ok(()),
        computed => Err(AuditError::RootMismatch {
            size,
            computed: computed.unwrap_or_default(),
            expected: checkpoint.root,
        }),
    }
}
