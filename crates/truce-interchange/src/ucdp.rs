//! UCDP GED: one row an event, each already a curated incident. Reads the
//! full GED schema (ids, `where_prec`, `date_prec`) and cut-down copies such
//! as a spreadsheet export whose first column is a row number and whose
//! `type_of_violence` is spelled out.

use crate::RowError;
use serde::Deserialize;
use truce_domain::report::{
    ActorRef, ClaimInput, DeathCategory, LocationInput, LocationPrecision, ReportInput, SourceInput, SourceType,
    Stance, TimeInput, TimePrecision,
};

/// The columns truce reads; every other column is ignored.
#[derive(Debug, Deserialize)]
pub struct UcdpRow {
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    /// A spreadsheet's unnamed row-number column, when there is no `id`.
    #[serde(default, rename = "")]
    pub row_number: Option<String>,
    pub side_a: String,
    pub side_b: String,
    #[serde(default)]
    pub source_article: Option<String>,
    #[serde(default)]
    pub where_coordinates: Option<String>,
    #[serde(default)]
    pub where_prec: Option<i64>,
    #[serde(default)]
    pub date_prec: Option<i64>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    pub date_start: String,
    pub date_end: String,
    pub deaths_a: i64,
    pub deaths_b: i64,
    pub deaths_civilians: i64,
    pub deaths_unknown: i64,
    pub low: i64,
    pub best: i64,
    pub high: i64,
}

pub const SOURCE_NAME: &str = "UCDP GED";

impl UcdpRow {
    /// The report for this row, read from `line` (numbered from 1).
    pub fn into_report_input(self, line: u64) -> Result<ReportInput, RowError> {
        let error = |reason: String| RowError { line, reason };
        let id = match (&self.id, &self.row_number) {
            (Some(id), _) => id.to_string().trim_matches('"').to_string(),
            (None, Some(row)) if !row.trim().is_empty() => format!("row-{}", row.trim()),
            _ => return Err(error("no id column and no row number".into())),
        };
        let (Some(latitude), Some(longitude)) = (self.latitude, self.longitude) else {
            return Err(error("latitude and longitude are required".into()));
        };
        let date = |field: &str, text: &str| -> Result<String, RowError> {
            let day = text
                .get(..10)
                .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
            day.map(|d| format!("{d}T00:00:00+00:00"))
                .ok_or_else(|| error(format!("{field} {text:?} is not a date such as 2020-01-31")))
        };
        let precision = match self.where_prec {
            Some(code) => {
                LocationPrecision::from_ucdp(code).ok_or_else(|| error(format!("where_prec {code} is not 1 to 7")))?
            }
            None => LocationPrecision::Within25Km,
        };
        let time_precision = match self.date_prec {
            Some(code) => {
                TimePrecision::from_ucdp(code).ok_or_else(|| error(format!("date_prec {code} is not 1 to 5")))?
            }
            None => TimePrecision::Day,
        };
        let claim = |category, low: i64, best: i64, high: i64| ClaimInput {
            claimant: SOURCE_NAME.into(),
            claimant_party: None,
            stance: Stance::Assert,
            category,
            low,
            best,
            high,
        };
        let claims = vec![
            claim(DeathCategory::SideA, self.deaths_a, self.deaths_a, self.deaths_a),
            claim(DeathCategory::SideB, self.deaths_b, self.deaths_b, self.deaths_b),
            claim(
                DeathCategory::Civilians,
                self.deaths_civilians,
                self.deaths_civilians,
                self.deaths_civilians,
            ),
            claim(
                DeathCategory::Unknown,
                self.deaths_unknown,
                self.deaths_unknown,
                self.deaths_unknown,
            ),
            claim(DeathCategory::Total, self.low, self.best, self.high),
        ];
        Ok(ReportInput {
            external_id: format!("ucdp-{id}"),
            source: SourceInput {
                source_type: SourceType::Public,
                name: SOURCE_NAME.into(),
                owner: Some("Uppsala Conflict Data Program".into()),
                channel: "dataset".into(),
                grading: "B2".into(),
            },
            time: TimeInput {
                start: date("date_start", &self.date_start)?,
                end: Some(date("date_end", &self.date_end)?),
                precision: time_precision,
            },
            location: LocationInput {
                latitude,
                longitude,
                precision,
                name: self.where_coordinates,
            },
            actor1: Some(ActorRef {
                name: self.side_a,
                party: None,
            }),
            actor2: Some(ActorRef {
                name: self.side_b,
                party: None,
            }),
            act: None,
            acled_event_type: None,
            acled_sub_event_type: None,
            narrative: self.source_article.unwrap_or_default(),
            language: "en".into(),
            claims,
            submitter_identity: None,
            protected_source: None,
        })
    }
}

/// Reads a UCDP GED CSV: each data row with its line number (the header is line 1).
pub fn read_csv(input: impl std::io::Read) -> impl Iterator<Item = Result<ReportInput, RowError>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let (headers, header_error) = match reader.headers() {
        Ok(headers) => (Some(headers.clone()), None),
        Err(error) => (
            None,
            Some(RowError {
                line: 1,
                reason: format!("the header row: {error}"),
            }),
        ),
    };
    let rows = reader.into_records().map(move |record| match record {
        Err(error) => Err(RowError {
            line: error.position().map(|p| p.line()).unwrap_or(0),
            reason: error.to_string(),
        }),
        Ok(record) => {
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            deserialize(&record, headers.as_ref(), line)
        }
    });
    header_error.map(Err).into_iter().chain(rows)
}

fn deserialize(
    record: &csv::StringRecord,
    headers: Option<&csv::StringRecord>,
    line: u64,
) -> Result<ReportInput, RowError> {
    // As truce exports it, a cell may be quoted against spreadsheet formulas.
    let record = crate::spreadsheet::restore_record(record);
    let row: UcdpRow = record.deserialize(headers).map_err(|e| RowError {
        line,
        reason: e.to_string(),
    })?;
    row.into_report_input(line)
}

/// Reads a UCDP GED GeoJSON FeatureCollection: each feature with its
/// position in the collection (from 1), in place of a line.
pub fn read_geojson(text: &str) -> Result<Vec<Result<ReportInput, RowError>>, RowError> {
    let collection: serde_json::Value = serde_json::from_str(text).map_err(|e| RowError {
        line: e.line() as u64,
        reason: e.to_string(),
    })?;
    let features = collection["features"].as_array().ok_or_else(|| RowError {
        line: 1,
        reason: "not a GeoJSON FeatureCollection".into(),
    })?;
    Ok(features
        .iter()
        .enumerate()
        .map(|(i, feature)| {
            let line = i as u64 + 1;
            let mut properties = feature["properties"].clone();
            let coordinates = &feature["geometry"]["coordinates"];
            properties["longitude"] = coordinates[0].clone();
            properties["latitude"] = coordinates[1].clone();
            let row: UcdpRow = serde_json::from_value(properties).map_err(|e| RowError {
                line,
                reason: format!("feature {line}: {e}"),
            })?;
            row.into_report_input(line)
        })
        .collect())
}
