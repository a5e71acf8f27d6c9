//! ACLED: one row an event, each already a curated incident (ACLED's export
//! columns; those truce does not use are ignored). Dates are ISO
//! (`2025-10-15`) or spelled out (`15 October 2025`), as ACLED's exports have
//! both. Fatalities become one claim of the total.

use crate::RowError;
use crate::export::IncidentRecord;
use crate::spreadsheet::{neutralise, restore_record};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use truce_domain::report::{
    ActorRef, ClaimInput, DeathCategory, LocationInput, LocationPrecision, ReportInput, SourceInput, SourceType,
    Stance, TimeInput, TimePrecision,
};

pub const SOURCE_NAME: &str = "ACLED";

#[derive(Debug, Deserialize)]
pub struct AcledRow {
    pub event_id_cnty: String,
    pub event_date: String,
    #[serde(default)]
    pub time_precision: Option<i64>,
    pub event_type: String,
    #[serde(default)]
    pub sub_event_type: Option<String>,
    pub actor1: String,
    #[serde(default)]
    pub actor2: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub geo_precision: Option<i64>,
    #[serde(default)]
    pub notes: Option<String>,
    pub fatalities: i64,
}

fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%d %B %Y"))
        .ok()
}

impl AcledRow {
    pub fn into_report_input(self, line: u64) -> Result<ReportInput, RowError> {
        let error = |reason: String| RowError { line, reason };
        let date = parse_date(self.event_date.trim()).ok_or_else(|| {
            error(format!(
                "event_date {:?} is not a date such as 2025-10-15",
                self.event_date
            ))
        })?;
        let time_precision = match self.time_precision.unwrap_or(1) {
            1 => TimePrecision::Day,
            2 => TimePrecision::Week,
            3 => TimePrecision::Month,
            other => return Err(error(format!("time_precision {other} is not 1 to 3"))),
        };
        let precision = match self.geo_precision.unwrap_or(1) {
            1 => LocationPrecision::Exact,
            2 => LocationPrecision::Within25Km,
            3 => LocationPrecision::Province,
            other => return Err(error(format!("geo_precision {other} is not 1 to 3"))),
        };
        let actor = |name: &str| {
            (!name.trim().is_empty()).then(|| ActorRef {
                name: name.trim().to_string(),
                party: None,
            })
        };
        Ok(ReportInput {
            external_id: format!("acled-{}", self.event_id_cnty.trim()),
            source: SourceInput {
                source_type: SourceType::Public,
                name: SOURCE_NAME.into(),
                owner: Some("Armed Conflict Location & Event Data".into()),
                channel: "dataset".into(),
                grading: "B2".into(),
            },
            time: TimeInput {
                start: format!("{date}T00:00:00+00:00"),
                end: None,
                precision: time_precision,
            },
            location: LocationInput {
                latitude: self.latitude,
                longitude: self.longitude,
                precision,
                name: self.location,
            },
            actor1: actor(&self.actor1),
            actor2: self.actor2.as_deref().and_then(actor),
            act: None,
            acled_event_type: Some(self.event_type),
            acled_sub_event_type: self.sub_event_type.filter(|s| !s.is_empty()),
            narrative: self.notes.unwrap_or_default(),
            language: "en".into(),
            claims: vec![ClaimInput {
                claimant: SOURCE_NAME.into(),
                claimant_party: None,
                stance: Stance::Assert,
                category: DeathCategory::Total,
                low: self.fatalities,
                best: self.fatalities,
                high: self.fatalities,
            }],
            submitter_identity: None,
            protected_source: None,
        })
    }
}

/// Reads an ACLED CSV: each data row with its line (the header is line 1).
/// Cells quoted against spreadsheet formulas (as truce writes them) are read back as they were.
pub fn read_csv(input: impl std::io::Read) -> impl Iterator<Item = Result<(u64, ReportInput), RowError>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let headers = reader.headers().cloned().ok();
    reader.into_records().map(move |record| {
        let record = record.map_err(|e| RowError {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            reason: e.to_string(),
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row: AcledRow = restore_record(&record)
            .deserialize(headers.as_ref())
            .map_err(|e| RowError {
                line,
                reason: e.to_string(),
            })?;
        row.into_report_input(line).map(|input| (line, input))
    })
}

/// An incident in ACLED's columns.
#[derive(Debug, Serialize)]
pub struct AcledRecord<'a> {
    pub event_id_cnty: String,
    pub event_date: &'a str,
    pub time_precision: u8,
    pub event_type: Cow<'a, str>,
    pub sub_event_type: Cow<'a, str>,
    pub actor1: Cow<'a, str>,
    pub actor2: Cow<'a, str>,
    pub latitude: f64,
    pub longitude: f64,
    pub geo_precision: u8,
    pub source: String,
    pub fatalities: u32,
}

/// Writes incidents with ACLED's columns; `event_types` gives each its
/// (event type, sub-event type), from its reports. Text cells are
/// neutralised for spreadsheets ([`crate::spreadsheet`]); [`read_csv`]
/// restores them.
pub fn write_csv(records: &[(IncidentRecord, String, String)], output: impl std::io::Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(output);
    for (record, event_type, sub_event_type) in records {
        writer.serialize(AcledRecord {
            event_id_cnty: format!("TRUCE{}", record.id),
            event_date: &record.date_start,
            time_precision: match record.date_prec {
                1 | 2 => 1,
                3 => 2,
                _ => 3,
            },
            event_type: neutralise(event_type),
            sub_event_type: neutralise(sub_event_type),
            actor1: neutralise(&record.side_a),
            actor2: neutralise(&record.side_b),
            latitude: record.latitude,
            longitude: record.longitude,
            geo_precision: match record.where_prec {
                1 => 1,
                2 | 3 => 2,
                _ => 3,
            },
            source: format!("{} sources", record.number_of_sources),
            fatalities: record.best,
        })?;
    }
    writer.flush()?;
    Ok(())
}
