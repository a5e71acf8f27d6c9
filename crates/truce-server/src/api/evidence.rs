//! Evidence over HTTP. `POST /api/v1/evidence` takes the file itself as the
//! body (its `Content-Type` is its media type; up to
//! [`EVIDENCE_BYTES_MAX`]), stores it by SHA-256 (written, synced, then
//! renamed into place: never half a file under its name) and registers it
//! in the log as collected by the caller, optionally for one report, with
//! a receipt. The same bytes sent twice are stored and registered once.
//!
//! `GET /api/v1/evidence/{sha256}` gives the bytes back to those cleared
//! to see every source (monitors, mediators, the admin) and to whoever
//! registered them; a party never reaches another's evidence, which could
//! show who reported. It is served as an attachment that browsers do not
//! sniff, so an uploaded page never runs on this origin.

use super::api;
use super::auth::{Caller, Permitted, may};
use crate::{AppState, Problem};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use truce_domain::access::{Action, permits};
use truce_domain::role::Role;
use truce_domain::state::Command;
use truce_store::evidence::EvidenceError;

/// The largest evidence file, in bytes: a phone's photo or a short video clip.
pub const EVIDENCE_BYTES_MAX: usize = 32 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/evidence",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(EVIDENCE_BYTES_MAX)),
        )
        .route("/api/v1/evidence/{sha256}", get(download))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The report the evidence supports (a party's own reports only).
    #[serde(default)]
    report: Option<u64>,
    /// Where it was found, if it was published.
    #[serde(default)]
    source_url: Option<String>,
}

/// The longest `source_url`, in bytes.
const URL_BYTES_MAX: usize = 2000;

/// Whether a browser could run script in a file of `media_type` (an HTML
/// or XML document, SVG, JavaScript): such evidence is never served as
/// itself, and a party may not upload it.
fn runs_script(media_type: &str) -> bool {
    let (kind, sub) = media_type.split_once('/').unwrap_or((media_type, ""));
    matches!(
        media_type,
        "text/html" | "application/xhtml+xml" | "image/svg+xml" | "application/xml" | "text/xml" | "text/xsl"
    ) || sub.ends_with("+xml")
        || sub.contains("javascript")
        || sub.contains("ecmascript")
        || (kind == "multipart" && sub == "x-mixed-replace")
}

/// A media type as `type/subtype`, without parameters, or a 415.
fn media_type(headers: &HeaderMap) -> Result<String, Problem> {
    let text = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let token = |part: &str| {
        !part.is_empty()
            && part.len() <= 127
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => Ok(essence),
        _ => Err(Problem::unsupported_media_type(
            "send the evidence as the body, with its media type as Content-Type (image/jpeg, application/pdf, …)",
        )),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/evidence",
    summary = "Upload evidence (the body is the file; Content-Type is its media type)",
    params(UploadQuery),
    request_body(content = Vec<u8>, description = "the file, up to 32 MiB", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "stored and registered, with its receipt", body = crate::api::receipt::Submitted),
        (status = 200, description = "these bytes were registered before: nothing recorded", body = crate::api::receipt::Submitted),
        (status = "4XX", description = "refused: a problem document naming the field", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn upload(
    State(state): State<AppState>,
    caller: Permitted<may::RegisterEvidence>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, Problem> {
    let Query(query) = query.map_err(|e| Problem::bad_request("query", e.body_text()))?;
    let media_type = media_type(&headers)?;
    if matches!(caller.role(), Role::Party(_)) && runs_script(&media_type) {
        return Err(Problem::unsupported_media_type(format!(
            "a party may not upload {media_type}: a document that can run script (HTML, SVG, XML, JavaScript); \
             send it as a PDF, an image or text/plain"
        )));
    }
    let bytes = body.map_err(|e| match e.status().as_u16() {
        413 => Problem::too_large(format!("evidence is at most {EVIDENCE_BYTES_MAX} bytes")),
        _ => Problem::bad_request("body", e.body_text()),
    })?;
    if bytes.is_empty() {
        return Err(Problem::unprocessable("body", "the evidence is empty"));
    }
    if let Some(url) = &query.source_url
        && (url.len() > URL_BYTES_MAX || !(url.starts_with("https://") || url.starts_with("http://")))
    {
        return Err(Problem::bad_request(
            "source_url",
            format!("source_url must be an http(s) address of at most {URL_BYTES_MAX} bytes"),
        ));
    }
    let api = api(&state)?;
    // The report is checked before anything is stored: a refusal leaves no file behind.
    if let Some(report) = query.report {
        let filer = api
            .reads
            .run(move |connection| truce_store::queries::report_source(connection, report))
            .await?;
        let Some(truce_store::queries::ReportSource {
            source_type,
            source_name,
        }) = filer
        else {
            return Err(Problem::not_found(format!("no report {report}")));
        };
        if let Role::Party(party) = caller.role()
            && (source_type != "party" || source_name != party.as_str())
        {
            return Err(Problem::forbidden(format!(
                "a party attaches evidence to its own reports only; report {report} is not one of them"
            )));
        }
    }
    let store = api.evidence.clone();
    let stored = tokio::task::spawn_blocking(move || store.put(&bytes))
        .await
        .map_err(|e| Problem::internal(&e))?
        .map_err(|e| match e {
            EvidenceError::TooLarge { .. } => Problem::too_large(e.to_string()),
            EvidenceError::Io { ref error, .. } if truce_store::is_io_full(error) => Problem::insufficient_storage(),
            other => Problem::internal(&other),
        })?;
    let register = Command::RegisterEvidence {
        sha256: stored.sha256.clone(),
        media_type,
        size: stored.size,
        collected_by: caller.name().to_string(),
        source_url: query.source_url,
        report_id: query.report,
    };
    let extra = serde_json::json!({"sha256": stored.sha256, "size": stored.size});
    super::submit_with_receipt(&state, caller.submission(register), extra).await
}

#[utoipa::path(
    get,
    path = "/api/v1/evidence/{sha256}",
    summary = "An evidence file (monitors, mediators, the admin, and whoever registered it)",
    params(("sha256" = String, Path, description = "the file's SHA-256, in lowercase hex")),
    responses(
        (status = 200, description = "the file, as an attachment", content_type = "application/octet-stream"),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha256): Path<String>,
) -> Result<Response, Problem> {
    let api = api(&state)?;
    if caller.user.is_none() {
        return Err(Problem::unauthorized(
            "evidence needs a signed-in user: send Authorization: Bearer <token>",
        ));
    }
    let key = sha256.clone();
    let registered = api
        .reads
        .run(move |connection| truce_store::queries::evidence_registration(connection, &key))
        .await?;
    // Unknown and not yours are one answer: a party must not learn what exists.
    let may_see = |collected_by: &str| permits(&caller.role(), Action::ReadAll) || collected_by == caller.name();
    let Some(media_type) = registered.filter(|r| may_see(&r.collected_by)).map(|r| r.media_type) else {
        return Err(Problem::not_found(format!("no evidence {sha256} that you may see")));
    };
    let store = api.evidence.clone();
    let name = sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || store.get(&name))
        .await
        .map_err(|e| Problem::internal(&e))?
        .map_err(|e| Problem::internal(&e))?;
    // A file that could run script goes out as bytes, whoever sent it.
    let served_as = if runs_script(&media_type) {
        "application/octet-stream".to_string()
    } else {
        media_type
    };
    Ok((
        [
            (header::CONTENT_TYPE, served_as),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{sha256}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
