//! `truce-server`: truce's HTTP server. It serves the log:
//!
//! - the C2SP tlog-tiles read API (`/log/checkpoint`, `/log/key`,
//!   `/log/tile/...`), so any tlog client, mirror or CDN can read it;
//! - JSON conveniences under `/api/v1/log` (inclusion and consistency proofs,
//!   single entries);
//! - errors as RFC 9457 problem documents, never a 500 for a reader's mistake;
//! - and, with an [`Api`], the JSON API over the ceasefire's record (see
//!   [`api`]) and the web interface over it (see [`web`]).
//!
//! [`router`] builds the whole application from an [`AppState`], so tests
//! drive it with `oneshot` or bind it to port 0.

pub mod api;
mod log_api;
mod ops;
mod problem;
pub mod web;

pub use api::Api;
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
    /// The JSON API over the ceasefire's record; `None` serves the log alone.
    pub api: Option<Arc<Api>>,
}

/// The longest a request may take before it is answered 503 (the work it
/// started, a durable submission included, still completes).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The most bytes a request body may hold (a report with its narrative and claims fits in far less).
pub const BODY_BYTES_MAX: usize = 256 * 1024;

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(log_api::routes())
        .merge(api::routes())
        .merge(ops::routes())
        .merge(web::routes())
        .fallback(|| async { Problem::not_found("no such resource") })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_BYTES_MAX))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(page_policy))
        .layer(axum::middleware::from_fn(ops::measure))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// What a page may load and run: only this server's own files (no inline
/// script, no other origin), and it may not be framed.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

async fn page_policy(mut response: axum::response::Response) -> axum::response::Response {
    let is_page = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_page {
        let headers = response.headers_mut();
        headers.insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(PAGE_POLICY),
        );
        headers.insert(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        );
    }
    response
}

/// Serves `router(state)` on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
