//! Incidents out: one record an incident, written as CSV with UCDP GED's
//! columns or as a GeoJSON FeatureCollection of points.

use serde::Serialize;

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
