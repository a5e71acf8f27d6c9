//! `truce-server`: truce's HTTP server. Today it serves the log:
//!
//! - the C2SP tlog-tiles read API (`/log/checkpoint`, `/log/key`,
//!   `/log/tile/...`), so any tlog client, mirror or CDN can read it;
//! - JSON conveniences under `/api/v1/log` (inclusion and consistency proofs,
//!   single entries);
//! - errors as RFC 9457 problem documents, never a 500 for a reader's mistake.
//!
//! [`router`] builds the whole application from an [`AppState`], so tests
//! drive it with `oneshot` or bind it to port 0.

mod log_api;
mod problem;

pub use problem::Problem;

use axum::Router;
use std::sync::Arc;
use truce_store::LogReader;

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub log: Arc<LogReader>,
    /// The log's verifier key line, served at `/log/key`.
    pub log_vkey: String,
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(log_api::routes())
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .fallback(|| async { Problem::not_found("no such resource") })
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `router(state)` on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
