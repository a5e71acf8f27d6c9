//! `truce-domain`: what a ceasefire mechanism knows, as types that cannot hold
//! an invalid value and functions without I/O.
//!
//! - [`access`]: who may do what, the role table as one function.
//! - [`agreement`]: the agreement the parties signed, parsed from TOML with
//!   every error named by its field path and line.
//! - [`bulletin`]: public bulletins, daily and weekly, composed from values read at one checkpoint.
//! - [`casualties`]: an incident's casualty estimate from its claims, by a written rule.
//! - [`codes`]: the short codes that name parties, mediators, acts and zones.
//! - [`correlate`]: which incident a report belongs to, incrementally.
//! - [`disclosure`]: the log's public form: commitments at intake, openings at the agreed moment.
//! - [`disclosure_ledger`]: checks, from the public log alone, that each disclosure opens an earlier commitment.
//! - [`event`]: the events appended to the log, in their envelope.
//! - [`geography`]: country, zones, distance to the border, cross-border acts.
//! - [`incident`]: an incident as read back, with its casualty estimate.
//! - [`report`]: reports and the claims they carry, checked field by field.
//! - [`role`]: who a user is to the mechanism, and for whom it acts.
//! - [`sealed`]: commitments to what must not be public.
//! - [`state`]: `decide` and `evolve`, the pure heart of event sourcing.
//! - [`synthetic`]: reports with ground truth, to measure correlation.
//! - [`verification`]: lifecycle, verification rules, determinations,
//!   penalties, status and scorecards.
//!
//! This crate does no I/O and knows nothing of SQL, HTTP or the log's format.

pub mod access;
pub mod agreement;
pub mod bulletin;
pub mod casualties;
pub mod codes;
pub mod correlate;
pub mod disclosure;
pub mod disclosure_ledger;
pub mod event;
pub mod geography;
pub mod incident;
pub mod report;
pub mod role;
pub mod sealed;
pub mod state;
pub mod synthetic;
pub mod verification;
