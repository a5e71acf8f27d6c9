//! Incidents out: one record an incident, written as CSV with UCDP GED's
//! columns or as a GeoJSON FeatureCollection of points.

use serde::Serialize;
use truce_domain::incident::IncidentView;

/// An incident as exported: where and when, who, and its casualty estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IncidentRecord {
    pub id: u64,
    pub date_start: String,
    pub date_end: String,
    pub latitude: f64,
    pub longitude: f64,
    pub where_prec: u8,
    pub date_prec: u8,
    pub side_a: String,
    pub side_b: String,
    pub deaths_a: u32,
    pub deaths_b: u32,
    pub deaths_civilians: u32,
    pub deaths_unknown: u32,
    pub low: u32,
    pub best: u32,
    pub high: u32,
    pub number_of_sources: u32,
    pub status: String,
}

impl IncidentRecord {
    /// The record of an incident: the earliest start and latest end of its
    /// reports, the best-known place, the first report's sides, and the
    /// mechanism's figure of the deaths ([`IncidentView::deaths`]: the
    /// determination's, else the estimate rule's over all its claims).
    pub fn from_view(view: &IncidentView) -> Option<IncidentRecord> {
        let first = view.reports.first()?;
        let located = view.best_located()?;
        let total = view.deaths();
        let [deaths_a, deaths_b, deaths_civilians, deaths_unknown] = view.deaths_by_category();
        let day = |seconds: i64| chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.date_naive().to_string());
        Some(IncidentRecord {
            id: view.id,
            date_start: day(view.reports.iter().map(|r| r.start).min()?)?,
            date_end: day(view.reports.iter().map(|r| r.end).max()?)?,
            latitude: located.latitude,
            longitude: located.longitude,
            where_prec: located.location_precision.ucdp_code(),
            date_prec: view.reports.iter().map(|r| r.time_precision.ucdp_code()).min()?,
            side_a: first.actor1.clone().unwrap_or_default(),
            side_b: first.actor2.clone().unwrap_or_default(),
            deaths_a,
            deaths_b,
            deaths_civilians,
            deaths_unknown,
            low: total.low,
            best: total.best,
            high: total.high,
            number_of_sources: view.source_count() as u32,
            status: view.status.clone(),
        })
    }
}

impl IncidentRecord {
    /// The record with its text cells neutralised for CSV ([`crate::spreadsheet`]).
    fn for_spreadsheet(&self) -> IncidentRecord {
        let text = |cell: &str| crate::spreadsheet::neutralise(cell).into_owned();
        IncidentRecord {
            side_a: text(&self.side_a),
            side_b: text(&self.side_b),
            status: text(&self.status),
            ..self.clone()
        }
    }
}

/// CSV with UCDP GED's column names (those truce has), one row an incident.
pub fn write_ucdp_csv(records: &[IncidentRecord], output: impl std::io::Write) -> Result<(), csv::Error> {
    write_csv(records, output, CsvHead::Names)
}

/// What a CSV starts with: a whole file starts with its header; the later
/// parts of one written in parts (a streamed export) start with none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvHead {
    /// The column names.
    Names,
    /// The column names, then HXL's hashtag row.
    NamesAndHxl,
    /// Nothing: rows that continue a file.
    Continuation,
}

/// Records as CSV rows, after the head asked for.
pub fn write_csv(records: &[IncidentRecord], output: impl std::io::Write, head: CsvHead) -> Result<(), csv::Error> {
    // The head is written by hand, so a file of no records still names its columns.
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(output);
    if head != CsvHead::Continuation {
        writer.write_record(COLUMNS)?;
    }
    if head == CsvHead::NamesAndHxl {
        writer.write_record(HXL_TAGS)?;
    }
    for record in records {
        writer.serialize(record.for_spreadsheet())?;
    }
    writer.flush()?;
    Ok(())
}

/// [`IncidentRecord`]'s column names, in order.
const COLUMNS: [&str; 18] = [
    "id",
    "date_start",
    "date_end",
    "latitude",
    "longitude",
    "where_prec",
    "date_prec",
    "side_a",
    "side_b",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "low",
    "best",
    "high",
    "number_of_sources",
    "status",
];

/// The HXL hashtags of [`IncidentRecord`]'s columns, in order
/// (Humanitarian Exchange Language, hxlstandard.org).
pub const HXL_TAGS: [&str; 18] = [
    "#event+id",
    "#date+start",
    "#date+end",
    "#geo+lat",
    "#geo+lon",
    "#geo+precision",
    "#date+precision",
    "#org+side_a",
    "#org+side_b",
    "#affected+killed+side_a",
    "#affected+killed+side_b",
    "#affected+killed+civilians",
    "#affected+killed+unknown",
    "#affected+killed+min",
    "#affected+killed",
    "#affected+killed+max",
    "#meta+sources+num",
    "#status",
];

/// CSV with a header row, then HXL's hashtag row, then one row an incident.
pub fn write_hxl_csv(records: &[IncidentRecord], output: impl std::io::Write) -> Result<(), csv::Error> {
    write_csv(records, output, CsvHead::NamesAndHxl)
}

/// A GeoJSON FeatureCollection: each incident a Point (longitude, latitude) with its fields.
pub fn geojson(records: &[IncidentRecord]) -> serde_json::Value {
    let features: Vec<serde_json::Value> = records.iter().map(feature).collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

/// One incident as a GeoJSON Feature: a Point (longitude, latitude) with its fields.
pub fn feature(record: &IncidentRecord) -> serde_json::Value {
    serde_json::json!({
        "type": "Feature",
        "id": record.id,
        "geometry": {"type": "Point", "coordinates": [record.longitude, record.latitude]},
        "properties": record,
    })
}
