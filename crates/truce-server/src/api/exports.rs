//! `GET /api/v1/export/{format}`: the incidents a caller may see, filtered
//! as the list is ([`super::filters`]), as one file: CSV with UCDP GED's
//! columns (`ucdp_csv`), the same with HXL hashtags (`hxl_csv`), or GeoJSON
//! (`geojson`). The file is streamed as it is read, a thousand incidents at
//! a time, so an export of the whole record neither waits nor fills memory.
//! Reports as JSON Lines, with their sources, stay with `truce export` on
//! the server: they name who reported.

use super::api;
use super::auth::Caller;
use super::incidents::{QueryResult, query_of};
use crate::{AppState, Problem};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use truce_interchange::export::{CsvHead, IncidentRecord, feature, write_csv};
use truce_store::incident_list::{self, Condition};

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
    let condition = query.parse(&api.agreement)?.condition(&caller.role());
    let reads = api.reads.clone();
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let (after, limit) = (query.after.unwrap_or(0), query.limit);
    tokio::task::spawn_blocking(move || {
        let Err(failure) = stream(&reads, &condition, format, after, limit, &sender) else {
            return;
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
    reads: &truce_store::pool::ConnectionPool,
    condition: &Condition,
    format: Format,
    after: u64,
    limit: Option<u32>,
    sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), String> {
    let send = |bytes: Vec<u8>| sender.blocking_send(Ok(Bytes::from(bytes))).is_ok();
    if !send(format.opening()) {
        return Ok(());
    }
    let mut first = true;
    let mut gone = false;
    reads
        .with(|connection| {
            incident_list::for_each_part(
                connection,
                condition,
                after,
                limit.map(u64::from),
                PART_INCIDENTS,
                |views| {
                    let records: Vec<IncidentRecord> = views.iter().filter_map(IncidentRecord::from_view).collect();
                    if !records.is_empty() && !send(format.part(&records, first)) {
                        gone = true;
                        return false;
                    }
                    first &= records.is_empty();
                    true
                },
            )
        })
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if !gone {
        send(format.closing().to_vec());
    }
    Ok(())
}
