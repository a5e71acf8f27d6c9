//! The witness's HTTP interface: `POST /add-checkpoint` as C2SP
//! tlog-witness defines it (the submission prefix is the server's root),
//! and `GET /` naming the witness and its verifier key. The check and the
//! store run off the async threads; one request at a time moves the state.

use crate::witness::Witness;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;

/// The largest request a witness reads: 63 proof lines and a checkpoint
/// with its signatures fit in far less.
pub const BODY_BYTES_MAX: usize = 64 * 1024;

pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/", get(about))
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(witness)
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let answered = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, now)).await;
    match answered {
        Ok(answer) => (
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, answer.content_type)],
            answer.body,
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the witness failed to answer\n").into_response(),
    }
}

async fn about(State(witness): State<Arc<Witness>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "a C2SP tlog-witness; POST /add-checkpoint\n{}\n",
            witness.cosigner().verifier()
        ),
    )
        .into_response()
}
