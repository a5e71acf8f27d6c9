//! Verification: from an incident to a final determination, a penalty and
//! the ceasefire's status, by the rules the parties signed.
//!
//! - [`lifecycle`]: the incident's stages and the steps between them.
//! - [`rules`]: the agreement's verification rules, evaluated and explained.
//! - [`determination`]: verdicts, checked against the agreement.
//! - [`penalties`]: the penalty ladder, applied.
//! - [`status`]: holding, strained, breached, collapsed, as a time series.
//! - [`case`]: each incident's case (replies, approvals, finality) and the
//!   decisions on verification commands.
//! - [`scorecard`]: each party's record.

pub mod case;
pub mod determination;
pub mod lifecycle;
pub mod penalties;
pub mod rules;
pub mod scorecard;
pub mod status;
