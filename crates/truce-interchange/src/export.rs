//! Incidents out: one record an incident, written as CSV with UCDP GED's
//! columns or as a GeoJSON FeatureCollection of points.

use serde::Serialize;
use truce_domain::casualties::{WeighedClaim, estimate};
use truce_domain::report::{DeathCategory, Report, SourceType};

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
    /// The record of incident `id` from its reports: the earliest start and
    /// latest end, the most precise place, the first report's sides, and the
    /// casualty estimate of `truce_domain::casualties` over all their claims.
    pub fn from_reports(id: u64, status: &str, reports: &[Report]) -> Option<IncidentRecord> {
        let first = reports.first()?;
        let located = reports.iter().min_by(|a, b| {
            a.location
                .precision
                .radius_km()
                .total_cmp(&b.location.precision.radius_km())
        })?;
        let claims: Vec<WeighedClaim> = reports
            .iter()
            .flat_map(|report| {
                let interested = report.source.source_type == SourceType::Party;
                report.claims.iter().map(move |claim| WeighedClaim {
                    claim,
                    interested: interested || claim.claimant_party.is_some(),
                })
            })
            .collect();
        let estimate = estimate(&claims);
        let deaths = |category| estimate.by_category.get(&category).map(|f| f.best).unwrap_or(0);
        let mut sources: Vec<&str> = reports.iter().map(|r| r.source.name.as_str()).collect();
        sources.sort_unstable();
        sources.dedup();
        let day = |time: chrono::DateTime<chrono::FixedOffset>| time.date_naive().to_string();
        Some(IncidentRecord {
            id,
            date_start: day(reports.iter().map(|r| r.time.start).min()?),
            date_end: day(reports.iter().map(|r| r.time.end).max()?),
            latitude: located.location.latitude.degrees(),
            longitude: located.location.longitude.degrees(),
            where_prec: located.location.precision.ucdp_code(),
            date_prec: reports.iter().map(|r| r.time.precision.ucdp_code()).min()?,
            side_a: first.actor1.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
            side_b: first.actor2.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
            deaths_a: deaths(DeathCategory::SideA),
            deaths_b: deaths(DeathCategory::SideB),
            deaths_civilians: deaths(DeathCategory::Civilians),
            deaths_unknown: deaths(DeathCategory::Unknown),
            low: estimate.total.low,
            best: estimate.total.best,
            high: estimate.total.high,
            number_of_sources: sources.len() as u32,
            status: status.to_string(),
        })
    }
}

/// CSV with UCDP GED's column names (those truce has), one row an incident.
pub fn write_ucdp_csv(records: &[IncidentRecord], output: impl std::io::Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(output);
    for record in records {
        writer.serialize(record)?;
    }
    writer.flush()?;
    Ok(())
}

/// A GeoJSON FeatureCollection: each incident a Point (longitude, latitude) with its fields.
pub fn geojson(records: &[IncidentRecord]) -> serde_json::Value {
    let features: Vec<serde_json::Value> = records
        .iter()
        .map(|record| {
            serde_json::json!({
                "type": "Feature",
                "id": record.id,
                "geometry": {"type": "Point", "coordinates": [record.longitude, record.latitude]},
                "properties": record,
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}
