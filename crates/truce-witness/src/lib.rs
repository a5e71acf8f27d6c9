//! `truce-witness`: a C2SP tlog-witness that each party and mediator runs
//! on its own machine, with its own key and state. It cosigns a log's
//! checkpoint (C2SP tlog-cosignature, cosignature/v1) only after checking
//! that it extends the last checkpoint it cosigned, so the log's operator
//! cannot show one party one history and another party another, or roll
//! the record back, without a witness refusing and keeping the proof.
//!
//! - [`witness`]: the checks of an add-checkpoint request and the answer.
//! - [`http`]: the HTTP interface, `POST /add-checkpoint`.
//! - [`files`]: the witness's directory: key, verifier key, state.

pub mod files;
pub mod http;
pub mod witness;

pub use witness::{Answer, Witness};
