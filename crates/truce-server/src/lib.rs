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
pub mod witnesses;

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
    /// How the agreement's witnesses stand (none when it names none).
    pub witnesses: Arc<witnesses::WitnessBoard>,
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
        .layer(axum::middleware::from_fn(page_policy))
        .layer(axum::middleware::from_fn(ops::measure))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// What a page may load and run: only this server's own files (no inline
/// script, no other origin), and it may not be framed.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Where evidence is downloaded: files as their uploaders sent them, which
/// the page policy never touches (they carry their own, stricter one).
pub const EVIDENCE_PATH: &str = "/api/v1/evidence/";

/// Puts the page policy on the server's own pages. Evidence is not a page:
/// an HTML file uploaded as evidence keeps its `default-src 'none'; sandbox`,
/// whatever its media type, and so does any answer that set a policy itself.
async fn page_policy(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let evidence = request.uri().path().starts_with(EVIDENCE_PATH);
    let mut response = next.run(request).await;
    let headers = response.headers();
    let is_page = headers
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_page && !evidence && !headers.contains_key(axum::http::header::CONTENT_SECURITY_POLICY) {
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

/// The longest a client may take to send a request's head (its line and
/// headers): a connection that trickles them in is closed, so slow clients
/// cannot hold connections open for ever.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long connections under way may take to finish once the server is told to stop.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `router(state)` on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_until(listener, router(state), HEADER_READ_TIMEOUT, std::future::pending()).await
}

/// Serves `app` on `listener` until `stop` completes, then lets the
/// connections under way finish. Each request knows its client's address
/// (`ConnectInfo<SocketAddr>`), and a request's head must arrive within
/// `header_timeout`.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: std::time::Duration,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;
    // HTTP/1.1 only (TLS and HTTP/2 end at the proxy in front, if any): its
    // head timeout runs from the first byte awaited, so a client that sends
    // nothing, or trickles, is cut off; each idle keep-alive too.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(remote));
                request
            });
        let connection = builder.serve_connection(
            TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(service),
        );
        let connection = graceful.watch(connection);
        while connections.try_join_next().is_some() {} // the finished ones
        connections.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %remote, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    // Connections under way finish; one that will not (an event stream's
    // reader) is let go after a while, so the engine still stops in order.
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}: closing them");
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    Ok(())
}
