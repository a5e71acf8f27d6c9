//! `truce-log`: a tamper-evident, append-only log that any party can check on
//! its own machine. It knows nothing of ceasefires.
//!
//! - [`hash`]: RFC 9162 leaf and node hashing and the 32-byte [`Hash`].
//! - [`tree`]: tree geometry, the reference tree head, and the [`RightEdge`]
//!   an appender keeps in memory.
//! - [`proof`]: inclusion and consistency proofs, planned as lists of stored
//!   nodes and verified by the algorithms of RFC 9162.
//! - [`tile`]: C2SP tlog-tiles paths, entry bundles and the stored tile layout.
//! - [`note`], [`checkpoint`], [`cosignature`]: C2SP signed notes with
//!   Ed25519, tlog-checkpoint bodies and cosignature/v1.
//! - [`client`]: the verifier a party runs against a server or a mirror.
//! - [`witness_protocol`]: C2SP tlog-witness requests and answers, and
//!   [`policy`]: C2SP tlog-policy, which witnesses a verifier requires.
//!
//! Trust: a reader trusts nothing but the log's verifier key (and, for
//! cosignatures, its witnesses' keys). Everything else, tiles, entries and
//! proofs, is checked against signed checkpoints.

pub mod checkpoint;
pub mod client;
pub mod cosignature;
pub mod hash;
pub mod note;
pub mod policy;
mod prefetch;
pub mod proof;
pub mod tile;
mod tile_proof;
pub mod tree;
mod walk_state;
pub mod witness_protocol;

pub use checkpoint::{Checkpoint, SignedCheckpoint};
pub use hash::{Hash, leaf_hash, node_hash};
pub use note::{KeyName, Note, SignerKey, VerifierKey};
pub use policy::Policy;
pub use proof::{ProofError, consistency_plan, inclusion_plan, verify_consistency, verify_inclusion};
pub use tile::{StoredTile, TileId, TileKind, TileWidth};
pub use tree::{NodeId, RightEdge};
