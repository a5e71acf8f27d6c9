//! `truce-store`: truce's durable storage. Today it holds the log: entries,
//! tiles and checkpoints in one SQLite file (WAL), written by a single
//! [`LogWriter`] behind a group-committing [`Sequencer`] and read by any
//! number of [`LogReader`]s.
//!
//! The contract, which every test holds it to:
//! - an append is acknowledged only after its batch and the checkpoint that
//!   covers it are durable (one transaction, fully synced);
//! - the tree size never decreases and a stored checkpoint always matches the
//!   stored tiles: opening the log recomputes the root from them and refuses
//!   a mismatch;
//! - readers see whole batches or nothing, and are safe to use concurrently.

pub mod accounts;
mod audit;
pub mod bench_peer;
pub mod bulletins;
pub mod cosignatures;
mod engine;
mod engine_service;
mod entry;
mod error;
pub mod evidence;
pub mod incident_list;
pub mod openings;
pub mod pool;
pub mod projections;
mod projections_verification;
pub mod queries;
mod reader;
mod rebuild;
mod schema;
mod sequencer;
mod service;
pub mod snapshots;
mod tiles;
pub mod witness_state;
pub mod worklists;
mod writer;

pub use audit::{AuditError, AuditReport, audit_log};
pub use engine::{Batch, Engine, Outcome, Submission, envelope_at, replay_standing, replay_state};
pub use engine_service::{Committed, EngineHandle, EngineService, Notification};
pub use entry::{EntryTooLarge, LogEntry};
pub use error::{StoreError, is_full, is_io_full};
pub use pool::Database;
pub use reader::{LogReader, ReadError, StoredCheckpoint, StoredEntries};
pub use rebuild::{ProjectionAudit, audit_projections, rebuild_in_memory};
pub use sequencer::{Appended, Sequencer, SequencerConfig, SequencerHandle};
pub use writer::{AppendedBatch, LogWriter};
