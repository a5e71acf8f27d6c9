//! The log's read API: C2SP tlog-tiles paths and JSON proofs.

use crate::{AppState, Problem};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use std::collections::HashMap;
use truce_log::checkpoint::parse_canonical_u64;
use truce_log::{TileId, leaf_hash};
use truce_store::{LogReader, ReadError, StoredCheckpoint};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/key", get(key))
        .route("/log/policy", get(policy))
        .route("/api/v1/log/witnesses", get(witnesses))
        .route("/log/tile/{*path}", get(tile))
        .route("/api/v1/log/proof/inclusion", get(inclusion_proof))
        .route("/api/v1/log/proof/consistency", get(consistency_proof))
        .route("/api/v1/log/entries/{index}", get(entry))
}

/// Runs a read on the blocking pool and maps its errors to problems.
pub(crate) async fn read<T: Send + 'static>(
    state: &AppState,
    read: impl FnOnce(&LogReader) -> Result<T, ReadError> + Send + 'static,
) -> Result<T, Problem> {
    let log = state.log.clone();
    let result = tokio::task::spawn_blocking(move || read(&log))
        .await
        .map_err(|e| Problem::internal(&e))?;
    result.map_err(problem_of)
}

/// The problem a failed read is: a reader's mistake is a 4xx, ours a 500.
fn problem_of(error: ReadError) -> Problem {
    match error {
        ReadError::NotFound(detail) => Problem::not_found(detail),
        ReadError::BeyondTree { .. } => Problem::not_found(error.to_string()),
        ReadError::Proof(proof) => Problem::bad_request("size", proof.to_string()),
        ReadError::Store(store) => Problem::internal(&store),
    }
}

fn plain_text(body: String, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The latest checkpoint. With the engine here, it holds the latest in
/// memory; else one indexed row, cheaper read in place than through the
/// blocking pool.
pub(crate) fn latest_checkpoint(state: &AppState) -> Result<StoredCheckpoint, Problem> {
    match &state.api {
        Some(api) => Ok(StoredCheckpoint::clone(&api.engine.latest_checkpoint())),
        None => state.log.latest_checkpoint().map_err(problem_of),
    }
}

/// The latest checkpoint with the witnesses' cosignatures collected on it.
async fn checkpoint(State(state): State<AppState>) -> Result<Response, Problem> {
    let checkpoint = latest_checkpoint(&state)?;
    if state.witnesses.count() == 0 {
        return Ok(plain_text(checkpoint.note, "no-cache, max-age=0"));
    }
    let note = read(&state, move |log| log.cosigned_note(&checkpoint)).await?;
    Ok(plain_text(note, "no-cache, max-age=0"))
}

/// The witnesses' standing and the latest checkpoint all of them cosigned.
#[derive(serde::Serialize)]
struct WitnessesView {
    size: u64,
    witnesses: Vec<crate::witnesses::WitnessStanding>,
    /// The latest checkpoint every witness cosigned, with their cosignatures.
    cosigned_by_all: Option<CosignedCheckpoint>,
}

#[derive(serde::Serialize)]
struct CosignedCheckpoint {
    size: u64,
    note: String,
}

async fn witnesses(State(state): State<AppState>) -> Result<Response, Problem> {
    let size = latest_checkpoint(&state)?.size;
    let standings = state.witnesses.standings();
    let count = standings.len();
    let cosigned_by_all = if count == 0 {
        None
    } else {
        read(&state, move |log| {
            log.latest_cosigned_by_all(count)?
                .map(|checkpoint| {
                    let note = log.cosigned_note(&checkpoint)?;
                    Ok(CosignedCheckpoint {
                        size: checkpoint.size,
                        note,
                    })
                })
                .transpose()
        })
        .await?
    };
    let view = WitnessesView {
        size,
        witnesses: standings,
        cosigned_by_all,
    };
    let mut response = axum::Json(view).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, max-age=0"));
    Ok(response)
}

/// The trust policy the agreement implies (C2SP tlog-policy): this log,
/// every witness the agreement names, all of them required. A convenience
/// for a reader's first policy: the server's word, which a party checks
/// against the agreement it signed before trusting it.
async fn policy(State(state): State<AppState>) -> Result<Response, Problem> {
    Ok(plain_text(agreed_policy(&state)?, "no-cache, max-age=0"))
}

/// The policy text [`policy`] serves.
pub(crate) fn agreed_policy(state: &AppState) -> Result<String, Problem> {
    let log: truce_log::VerifierKey = state
        .log_vkey
        .parse()
        .map_err(|e: truce_log::note::NoteError| Problem::internal(&e))?;
    let witnesses: Vec<_> = state
        .witnesses
        .standings()
        .into_iter()
        .map(|w| (w.name, w.vkey, Some(w.url)))
        .collect();
    Ok(truce_log::Policy::requiring_all(&log, &witnesses))
}

async fn key(State(state): State<AppState>) -> Response {
    plain_text(format!("{}\n", state.log_vkey), "max-age=3600")
}

async fn tile(State(state): State<AppState>, Path(path): Path<String>) -> Result<Response, Problem> {
    let tile = TileId::parse_path(&format!("tile/{path}")).map_err(|e| Problem::bad_request("path", e.to_string()))?;
    let bytes = read(&state, move |log| log.tile(tile)).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=604800, immutable"),
    );
    Ok(response)
}

/// Reads the named query parameters as canonical decimal u64s, refusing
/// missing, malformed and unknown ones by name.
pub(crate) fn u64_params<const N: usize>(
    query: &HashMap<String, String>,
    names: [&str; N],
) -> Result<[u64; N], Problem> {
    if let Some(unknown) = query.keys().find(|key| !names.contains(&key.as_str())) {
        return Err(Problem::bad_request(
            unknown,
            format!("unknown query parameter {unknown:?}; expected {names:?}"),
        ));
    }
    let mut values = [0u64; N];
    for (value, name) in values.iter_mut().zip(names) {
        let text = query
            .get(name)
            .ok_or_else(|| Problem::bad_request(name, format!("the query parameter {name} is required")))?;
        *value = parse_canonical_u64(text).ok_or_else(|| {
            Problem::bad_request(
                name,
                format!("{name} must be a non-negative decimal integer, not {text:?}"),
            )
        })?;
    }
    Ok(values)
}

#[derive(Serialize)]
struct InclusionProofBody {
    index: u64,
    size: u64,
    hashes: Vec<String>,
}

async fn inclusion_proof(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let [index, size] = u64_params(&query, ["index", "size"])?;
    if index >= size {
        return Err(Problem::bad_request(
            "index",
            format!("index {index} is not below size {size}"),
        ));
    }
    let hashes = read(&state, move |log| log.inclusion_proof(index, size)).await?;
    let hashes = hashes.iter().map(|hash| hash.to_base64()).collect();
    Ok(axum::Json(InclusionProofBody { index, size, hashes }).into_response())
}

#[derive(Serialize)]
struct ConsistencyProofBody {
    from: u64,
    to: u64,
    hashes: Vec<String>,
}

async fn consistency_proof(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let [from, to] = u64_params(&query, ["from", "to"])?;
    if from == 0 {
        return Err(Problem::bad_request(
            "from",
            "a consistency proof from size 0 proves nothing",
        ));
    }
    if from > to {
        return Err(Problem::bad_request(
            "from",
            format!("from ({from}) is larger than to ({to})"),
        ));
    }
    let hashes = read(&state, move |log| log.consistency_proof(from, to)).await?;
    let hashes = hashes.iter().map(|hash| hash.to_base64()).collect();
    Ok(axum::Json(ConsistencyProofBody { from, to, hashes }).into_response())
}

#[derive(Serialize)]
struct EntryBody {
    index: u64,
    leaf_hash: String,
    /// The entry's bytes in standard base64.
    data: String,
}

async fn entry(State(state): State<AppState>, Path(index): Path<String>) -> Result<Response, Problem> {
    let index = parse_canonical_u64(&index).ok_or_else(|| {
        Problem::bad_request(
            "index",
            format!("the entry index must be a non-negative decimal integer, not {index:?}"),
        )
    })?;
    let data = read(&state, move |log| log.entry(index)).await?;
    let body = EntryBody {
        index,
        leaf_hash: leaf_hash(&data).to_base64(),
        data: BASE64.encode(&data),
    };
    Ok(axum::Json(body).into_response())
}
