//! The JSON API under `/api/v1`: reports, incidents and their
//! verification, penalties, status and scorecards. Every request acts as
//! its caller ([`auth::Caller`]): what it may do is the role table of
//! `truce_domain::access`, and whom it acts for (a mediator, a party) comes
//! from its role, never from the request. Every accepted submission answers
//! with a receipt ([`receipt`]): its log index, the signed checkpoint that
//! includes it and the inclusion proof.

pub mod auth;
mod body;
pub(crate) mod bulletins;
mod entry_view;
mod events;
pub mod evidence;
mod exports;
pub(crate) mod filters;
pub(crate) mod incident_detail;
pub(crate) mod incidents;
pub mod limits;
pub mod openapi;
mod openings;
pub mod public_cache;
mod receipt;
pub mod reminders;
mod reports;
pub mod session;
pub(crate) mod status;
mod verification;
pub mod webhooks;

use crate::{AppState, Problem};
use axum::Router;
use std::sync::Arc;
use truce_domain::agreement::Agreement;
use truce_domain::report::Report;
use truce_domain::state::{Command, DomainError};
use truce_domain::verification::case::VerificationError;
use truce_store::{Committed, EngineHandle, Outcome, Submission};

/// Files a report placed on the map: the shell's geography, handed in.
pub type PlaceReport = dyn Fn(Report, Option<String>) -> Command + Send + Sync;

/// What the API needs beyond the log's reader.
pub struct Api {
    pub engine: EngineHandle,
    pub accounts: Arc<auth::ConnectionPool>,
    /// Read-only connections to the projections.
    pub reads: Arc<auth::ConnectionPool>,
    pub agreement: Arc<Agreement>,
    pub place_report: Arc<PlaceReport>,
    /// The database, for reading projections.
    pub database: std::path::PathBuf,
    /// Failed sign-ins, to slow guessing.
    pub logins: session::LoginLimiter,
    /// The evidence files, by SHA-256.
    pub evidence: Arc<truce_store::evidence::BlobStore>,
    /// Each signed-in user's rate of requests.
    pub limits: limits::RequestLimiter,
    /// Anonymous reads' answers, until the record changes.
    pub public: public_cache::PublicCache,
    /// Every committed event, as the engine service sends them.
    pub notifications: tokio::sync::broadcast::Sender<std::sync::Arc<truce_store::Notification>>,
    /// The internal hosts the operator lets webhooks reach (none by
    /// default); the dispatcher is given the same.
    pub webhook_targets: webhooks::TargetPolicy,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(reports::routes())
        .merge(incidents::routes())
        .merge(exports::routes())
        .merge(evidence::routes())
        .merge(verification::routes())
        .merge(status::routes())
        .merge(bulletins::routes())
        .merge(session::routes())
        .merge(events::routes())
        .merge(webhooks::routes())
        .merge(openings::routes())
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(|| async { axum::Json(openapi::document()) }),
        )
}

/// The API of `state`, or a 404 when the server serves the log alone.
pub fn api(state: &AppState) -> Result<&Api, Problem> {
    state
        .api
        .as_deref()
        .ok_or_else(|| Problem::not_found("this server serves the log only"))
}

/// The problem a refusal by the rules is, with the right status.
pub fn refusal(error: &DomainError) -> Problem {
    use VerificationError as V;
    match error {
        DomainError::NoSuchIncident(_)
        | DomainError::NoSuchReport(_)
        | DomainError::NoSuchEvidence(_)
        | DomainError::Verification(V::NoSuchIncident(_) | V::NoSuchPenalty(_) | V::NoSuchTask { .. }) => {
            Problem::not_found(error.to_string())
        }
        DomainError::Verification(V::Fields(errors)) => {
            let field = errors.first().map_or("body", |e| e.field.as_str());
            Problem::unprocessable(field, error.to_string())
        }
        DomainError::Verification(V::Empty(field)) => Problem::unprocessable(field, error.to_string()),
        DomainError::Verification(V::NotAParty(_)) => Problem::unprocessable("party", error.to_string()),
        DomainError::Verification(V::NotAMonitor(_)) => Problem::unprocessable("team", error.to_string()),
        DomainError::ReasonRequired => Problem::unprocessable("reason", error.to_string()),
        DomainError::TooLarge { .. } => Problem::unprocessable("body", error.to_string()),
        _ => Problem::conflict(error.to_string()),
    }
}

/// Submits as the caller, waits until durable, and turns a refusal into its problem.
pub async fn submit(state: &AppState, submission: Submission) -> Result<Committed, Problem> {
    let committed = api(state)?
        .engine
        .submit(submission)
        .await
        .map_err(|e| Problem::store(&e))?;
    match &committed.outcome {
        Outcome::Refused(error) => Err(refusal(error)),
        _ => Ok(committed),
    }
}

/// Submits and answers 201 with the outcome's receipt (200 when nothing changed).
pub async fn submit_with_receipt(
    state: &AppState,
    submission: Submission,
    extra: serde_json::Value,
) -> Result<axum::response::Response, Problem> {
    let committed = submit(state, submission).await?;
    receipt::respond(state, committed, extra).await
}
