//! Operations: `/healthz` (the process answers), `/readyz` (the log and the
//! engine answer), and Prometheus metrics at `/metrics`: requests by status
//! class, their latency as a histogram, the log's size.

use crate::{AppState, Problem};
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

struct Metrics {
    /// By status class: 1xx..5xx.
    responses: [AtomicU64; 5],
    /// Cumulative counts per bucket, then +Inf.
    latency: [AtomicU64; 11],
    latency_micros_sum: AtomicU64,
}

static METRICS: Metrics = Metrics {
    responses: [const { AtomicU64::new(0) }; 5],
    latency: [const { AtomicU64::new(0) }; 11],
    latency_micros_sum: AtomicU64::new(0),
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
}

/// Counts every response by status class and time.
pub async fn measure(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let response = next.run(request).await;
    let seconds = start.elapsed().as_secs_f64();
    let class = (response.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    METRICS.responses[class].fetch_add(1, Ordering::Relaxed);
    let bucket = BUCKETS
        .iter()
        .position(|bound| seconds <= *bound)
        .unwrap_or(BUCKETS.len());
    METRICS.latency[bucket].fetch_add(1, Ordering::Relaxed);
    METRICS
        .latency_micros_sum
        .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    response
}

async fn ready(State(state): State<AppState>) -> Result<&'static str, Problem> {
    let log = state.log.clone();
    tokio::task::spawn_blocking(move || log.latest_checkpoint())
        .await
        .map_err(|e| Problem::internal(&e))?
        .map_err(|e| Problem::unavailable(format!("the log cannot be read: {e}")))?;
    if let Some(api) = &state.api {
        tokio::time::timeout(Duration::from_secs(2), api.engine.read(|_| ()))
            .await
            .map_err(|_| Problem::unavailable("the engine did not answer within 2 s"))?
            .map_err(|e| Problem::unavailable(format!("the engine is stopped: {e}")))?;
        // Not ready while writes fail (a full disk): each check tries a
        // small write, so readiness returns by itself once space does.
        if !api.engine.writes_work() {
            let works = tokio::time::timeout(Duration::from_secs(2), api.engine.probe_writes())
                .await
                .map_err(|_| Problem::unavailable("the engine did not answer within 2 s"))?
                .map_err(|e| Problem::unavailable(format!("the engine is stopped: {e}")))?;
            if !works {
                return Err(Problem::unavailable(
                    "writes are failing (is the disk full?): submissions are refused with 507 until they work",
                ));
            }
        }
    }
    Ok("ready\n")
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = String::new();
    text.push_str("# HELP truce_http_responses_total HTTP responses by status class.\n");
    text.push_str("# TYPE truce_http_responses_total counter\n");
    for (i, count) in METRICS.responses.iter().enumerate() {
        text.push_str(&format!(
            "truce_http_responses_total{{class=\"{}xx\"}} {}\n",
            i + 1,
            count.load(Ordering::Relaxed)
        ));
    }
    text.push_str("# HELP truce_http_request_duration_seconds Time to answer a request.\n");
    text.push_str("# TYPE truce_http_request_duration_seconds histogram\n");
    let mut cumulative = 0;
    for (i, count) in METRICS.latency.iter().enumerate() {
        cumulative += count.load(Ordering::Relaxed);
        let bound = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
        text.push_str(&format!(
            "truce_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}\n"
        ));
    }
    text.push_str(&format!(
        "truce_http_request_duration_seconds_sum {}\n",
        METRICS.latency_micros_sum.load(Ordering::Relaxed) as f64 / 1e6
    ));
    text.push_str(&format!("truce_http_request_duration_seconds_count {cumulative}\n"));
    let log = state.log.clone();
    if let Ok(Ok(checkpoint)) = tokio::task::spawn_blocking(move || log.latest_checkpoint()).await {
        text.push_str("# HELP truce_log_entries The log's size, by its latest signed checkpoint.\n");
        text.push_str("# TYPE truce_log_entries gauge\n");
        text.push_str(&format!("truce_log_entries {}\n", checkpoint.size));
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
