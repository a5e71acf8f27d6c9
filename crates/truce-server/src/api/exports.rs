//! `GET /api/v1/export/{format}`: the incidents a caller may see, filtered
//! as the list is ([`super::filters`]), as one file: CSV with UCDP GED's
//! columns (`ucdp_csv`), the same with HXL hashtags (`hxl_csv`), or GeoJSON
//! (`geojson`). The file is streamed as it is read, a thousand incidents at
//! a time, so an export of the whole record neither waits nor fills memory.
//! Reports as JSON Lines, with their sources, stay with `truce export` on
//! the server: they name who reported.

use super::api;
use super::auth::Caller;
use super::filters::Condition;
use super::incidents::{QueryResult, query_of, summaries};
use crate::{AppState, Problem};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use truce_interchange::export::{CsvHead, IncidentRecord, feature, write_csv};
use truce_store::queries;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/export/{format}", axum::routing::get(export))
}

/// The formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    UcdpCsv,
    HxlCsv,
    GeoJson,
}

impl Format {
    fn parse(text: &str) -> Result<Format, Problem> {
        match text {
            "ucdp_csv" => Ok(Format::UcdpCsv),
            "hxl_csv" => Ok(Format::HxlCsv),
            "geojson" => Ok(Format::GeoJson),
            _ => Err(Problem::not_found(format!(
                "no export format {text:?}: ucdp_csv, hxl_csv or geojson"
            ))),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::UcdpCsv | Format::HxlCsv => "text/csv; charset=utf-8",
            Format::GeoJson => "application/geo+json",
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Format::UcdpCsv => "incidents.csv",
            Format::HxlCsv => "incidents-hxl.csv",
            Format::GeoJson => "incidents.geojson",
        }
    }

    /// The bytes that open the file, before any incident.
    fn opening(self) -> Vec<u8> {
        let mut bytes = Vec::new();
        match self {
            // Written with no records, the writers give the head alone.
            Format::UcdpCsv => write_csv(&[], &mut bytes, CsvHead::Names).unwrap_or_default(),
            Format::HxlCsv => write_csv(&[], &mut bytes, CsvHead::NamesAndHxl).unwrap_or_default(),
            Format::GeoJson => bytes.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":["),
        }
        bytes
    }

    /// A part of the file: `records`, the first of them first in the file if `first`.
    fn part(self, records: &[IncidentRecord], first: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        match self {
            Format::UcdpCsv | Format::HxlCsv => {
                write_csv(records, &mut bytes, CsvHead::Continuation).unwrap_or_default()
            }
            Format::GeoJson => {
                for (i, record) in records.iter().enumerate() {
                    if !(first && i == 0) {
                        bytes.push(b',');
                    }
                    bytes.extend_from_slice(feature(record).to_string().as_bytes());
                }
            }
        }
        bytes
    }

    fn closing(self) -> &'static [u8] {
        match self {
            Format::GeoJson => b"]}\n",
            _ => b"",
        }
    }
}

/// How many incidents are read for one part of the stream.
const PART_INCIDENTS: u32 = 1000;

#[utoipa::path(
    get,
    path = "/api/v1/export/{format}",
    summary = "The incidents the caller may see, filtered as the list is, as one CSV or GeoJSON file",
    params(
        ("format" = String, Path, description = "ucdp_csv, hxl_csv or geojson"),
        super::filters::IncidentQuery
    ),
    responses(
        (status = 200, description = "the file, streamed", content((String = "text/csv"), (Object = "application/geo+json"))),
        (status = "4XX", description = "a problem document naming the field", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(format): Path<String>,
    query: QueryResult,
) -> Result<Response, Problem> {
    let format = Format::parse(&format)?;
    let query = query_of(query)?;
    let api = api(&state)?;
    let condition = query.parse(&api.agreement)?.condition(&caller);
    let reads = api.reads.clone();
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let (after, limit) = (query.after.unwrap_or(0), query.limit);
    tokio::task::spawn_blocking(move || {
        let produced = reads.with(|connection| stream(connection, &condition, format, after, limit, &sender));
        let failure = match produced {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(failed) => failed.to_string(),
        };
        // The head is sent: all that is left is to cut the stream short, so the client sees it broken.
        tracing::error!(%failure, "an export failed");
        let _ = sender.blocking_send(Err(std::io::Error::other(failure)));
    });
    // Fused: a compressing body polls again after the end, which an unfused `unfold` answers with a panic.
    let parts = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|part| (part, receiver))
    });
    let body = Body::from_stream(futures_util::StreamExt::fuse(parts));
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", format.file_name()),
            ),
        ],
        body,
    )
        .into_response())
}

/// Reads the incidents a part at a time and sends each part; stops early if the client has gone.
fn stream(
    connection: &rusqlite::Connection,
    condition: &Condition,
    format: Format,
    mut after: u64,
    limit: Option<u32>,
    sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), truce_store::StoreError> {
    let send = |bytes: Vec<u8>| sender.blocking_send(Ok(Bytes::from(bytes))).is_ok();
    if !send(format.opening()) {
        return Ok(());
    }
    let mut remaining = limit.map(u64::from);
    let mut first = true;
    loop {
        let take = remaining.map_or(PART_INCIDENTS, |r| r.min(u64::from(PART_INCIDENTS)) as u32);
        if take == 0 {
            break;
        }
        let page = summaries(connection, condition, after, Some(take))?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let mut records = Vec::with_capacity(page.len());
        for summary in &page {
            if let Some(record) = queries::incident(connection, summary.id)?
                .as_ref()
                .and_then(IncidentRecord::from_view)
            {
                records.push(record);
            }
        }
        remaining = remaining.map(|r| r - page.len() as u64);
        if !records.is_empty() && !send(format.part(&records, first)) {
            return Ok(());
        }
        first &= records.is_empty();
    }
    send(format.closing().to_vec());
    Ok(())
}
