//! `truce-domain`: what a ceasefire mechanism knows, as types that cannot hold
//! an invalid value and functions without I/O.
//!
//! - [`agreement`]: the agreement the parties signed, parsed from TOML with
//!   every error named by its field path and line.
//! - [`codes`]: the short codes that name parties, mediators, acts and zones.
//!
//! This crate does no I/O and knows nothing of SQL, HTTP or the log's format.

pub mod agreement;
pub mod codes;
