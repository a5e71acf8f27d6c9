//! Reading back: incidents from the projections, reports from the log.

use crate::error::StoreError;
use crate::reader::LogReader;
use rusqlite::Connection;
use std::collections::HashMap;
use truce_domain::codes::Code;
use truce_domain::event::Event;
use truce_domain::incident::{IncidentView, ReportFacts};
use truce_domain::report::{Claim, Figure, Report};
use truce_domain::verification::determination::VerifiedDeaths;

pub(crate) fn parse<T: serde::de::DeserializeOwned>(what: &str, text: String) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.clone()))
        .map_err(|_| StoreError::Corrupt(format!("the projections hold {text:?} as a {what}")))
}

/// Every incident not closed as a duplicate, in id order, with its reports' facts and its claims.
pub fn incidents(connection: &Connection) -> Result<Vec<IncidentView>, StoreError> {
    incidents_where(connection, None)
}

/// One incident (closed as a duplicate or not), if it exists.
pub fn incident(connection: &Connection, id: u64) -> Result<Option<IncidentView>, StoreError> {
    Ok(incidents_where(connection, Some(id))?.pop())
}

/// Every history step of an incident: (log index, kind), reports and verification steps, in log order.
pub fn history(connection: &Connection, incident: u64) -> Result<Vec<(u64, String)>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT log_index, 'report_filed' FROM reports WHERE incident_id = ?1
         UNION ALL SELECT log_index, kind FROM case_steps WHERE incident_id = ?1
         UNION ALL SELECT c.log_index, c.kind FROM case_steps c JOIN penalties p ON p.id = c.penalty_id
           WHERE p.incident_id = ?1 AND c.incident_id IS NULL
         ORDER BY 1",
    )?;
    let rows = statement.query_map([incident as i64], |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn incidents_where(connection: &Connection, only: Option<u64>) -> Result<Vec<IncidentView>, StoreError> {
    let mut incidents: Vec<IncidentView> = Vec::new();
    let mut position: HashMap<u64, usize> = HashMap::new();
    // One statement for one incident, another for all: an "?1 IS NULL OR id = ?1"
    // would keep SQLite from the index and read every incident to find one.
    const REPORTS: &str = "SELECT i.id, i.status, r.event_start, r.event_end, r.latitude, r.longitude,
                r.location_precision, r.time_precision, r.source_name, r.source_type, r.actor1, r.actor2,
                r.acled_event_type, r.acled_sub_event_type
         FROM incidents i JOIN reports r ON r.incident_id = i.id";
    let mut statement = match only {
        Some(_) => connection.prepare_cached(&format!("{REPORTS} WHERE i.id = ?1 ORDER BY r.id"))?,
        None => connection.prepare_cached(&format!(
            "{REPORTS} WHERE ?1 IS NULL AND i.status != 'closed_duplicate' ORDER BY i.id, r.id"
        ))?,
    };
    let mut rows = statement.query([only.map(|id| id as i64)])?;
    while let Some(row) = rows.next()? {
        let id = row.get::<_, i64>(0)? as u64;
        let facts = ReportFacts {
            start: row.get(2)?,
            end: row.get(3)?,
            latitude: row.get(4)?,
            longitude: row.get(5)?,
            location_precision: parse("location precision", row.get(6)?)?,
            time_precision: parse("time precision", row.get(7)?)?,
            source_name: row.get(8)?,
            source_type: parse("source type", row.get(9)?)?,
            actor1: row.get(10)?,
            actor2: row.get(11)?,
            acled_event_type: row.get(12)?,
            acled_sub_event_type: row.get(13)?,
        };
        if incidents.last().is_none_or(|incident| incident.id != id) {
            position.insert(id, incidents.len());
            incidents.push(IncidentView {
                id,
                status: row.get(1)?,
                reports: Vec::new(),
                claims: Vec::new(),
                verified: None,
            });
        }
        incidents.last_mut().expect("pushed").reports.push(facts);
    }
    const CLAIMS: &str = "SELECT r.incident_id, r.source_type, c.claimant, c.claimant_party, c.stance, c.category,
                c.low, c.best, c.high
         FROM claims c JOIN reports r ON r.id = c.report_id";
    let mut statement = match only {
        Some(_) => connection.prepare_cached(&format!(
            "{CLAIMS} WHERE r.incident_id = ?1 ORDER BY c.report_id, c.position"
        ))?,
        None => connection.prepare_cached(&format!("{CLAIMS} WHERE ?1 IS NULL ORDER BY c.report_id, c.position"))?,
    };
    let mut rows = statement.query([only.map(|id| id as i64)])?;
    while let Some(row) = rows.next()? {
        let Some(&index) = position.get(&(row.get::<_, i64>(0)? as u64)) else {
            continue;
        };
        let claimant_party: Option<String> = row.get(3)?;
        let claim = Claim {
            claimant: row.get(2)?,
            claimant_party: claimant_party
                .map(|code| Code::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose()?,
            stance: parse("stance", row.get(4)?)?,
            category: parse("death category", row.get(5)?)?,
            deaths: Figure {
                low: row.get(6)?,
                best: row.get(7)?,
                high: row.get(8)?,
            },
        };
        let interested = row.get::<_, String>(1)? == "party" || claim.claimant_party.is_some();
        incidents[index].claims.push((claim, interested));
    }
    // The deaths each determination verified are in its step's event; the latest counts.
    const DETERMINED: &str = "SELECT incident_id, json_extract(detail, '$.determination.deaths')
         FROM case_steps WHERE kind = 'determination_issued'";
    let mut statement = match only {
        Some(_) => connection.prepare_cached(&format!("{DETERMINED} AND incident_id = ?1 ORDER BY log_index"))?,
        None => connection.prepare_cached(&format!("{DETERMINED} AND ?1 IS NULL ORDER BY log_index"))?,
    };
    let mut rows = statement.query([only.map(|id| id as i64)])?;
    while let Some(row) = rows.next()? {
        let Some(&index) = position.get(&(row.get::<_, i64>(0)? as u64)) else {
            continue;
        };
        let deaths: Option<String> = row.get(1)?;
        let deaths: VerifiedDeaths = serde_json::from_str(deaths.as_deref().unwrap_or_default())
            .map_err(|e| StoreError::Corrupt(format!("a determination's deaths in the projections: {e}")))?;
        incidents[index].verified = Some(deaths);
    }
    Ok(incidents)
}

/// Calls `visit` with every report ever filed, from the log, in filing order.
pub fn for_each_report(
    reader: &LogReader,
    mut visit: impl FnMut(&Report) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    reader
        .for_each_envelope(|_, envelope| match envelope.event {
            Event::ReportFiled { report, .. } => visit(&report),
            _ => Ok(()),
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(())
}

/// A report's sealed fields as stored: their salt, their text, and the
/// commitment the report's entry holds.
pub struct SealedFields {
    pub salt: Vec<u8>,
    pub plaintext: String,
    pub commitment: Option<String>,
}

/// Report `report`'s sealed fields, if it has any.
pub fn sealed_fields(connection: &Connection, report: u64) -> Result<Option<SealedFields>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(connection
        .prepare_cached(
            "SELECT s.salt, s.plaintext, r.sealed_commitment FROM sealed s JOIN reports r ON r.id = s.report_id
             WHERE s.report_id = ?1",
        )?
        .query_row([report as i64], |row| {
            Ok(SealedFields {
                salt: row.get(0)?,
                plaintext: row.get(1)?,
                commitment: row.get(2)?,
            })
        })
        .optional()?)
}

/// Who filed a report: its source's type (`party`, `monitor`, ...) and name.
pub struct ReportSource {
    pub source_type: String,
    pub source_name: String,
}

/// Report `report`'s source, if the report exists.
pub fn report_source(connection: &Connection, report: u64) -> Result<Option<ReportSource>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(connection
        .prepare_cached("SELECT source_type, source_name FROM reports WHERE id = ?1")?
        .query_row([report as i64], |row| {
            Ok(ReportSource {
                source_type: row.get(0)?,
                source_name: row.get(1)?,
            })
        })
        .optional()?)
}

/// An evidence file as registered: its media type and the account that collected it.
pub struct EvidenceRegistration {
    pub media_type: String,
    pub collected_by: String,
}

/// The registration of the evidence file whose SHA-256 is `sha256` (hex), if any.
pub fn evidence_registration(
    connection: &Connection,
    sha256: &str,
) -> Result<Option<EvidenceRegistration>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(connection
        .prepare_cached("SELECT media_type, collected_by FROM evidence WHERE sha256 = ?1")?
        .query_row([sha256], |row| {
            Ok(EvidenceRegistration {
                media_type: row.get(0)?,
                collected_by: row.get(1)?,
            })
        })
        .optional()?)
}

/// Every report's external id and the incident it was placed in, in filing
/// order (what `truce bench correlate` scores against the truth).
pub fn report_placements(connection: &Connection) -> Result<Vec<(String, u64)>, StoreError> {
    let mut statement = connection.prepare("SELECT external_id, incident_id FROM reports ORDER BY id")?;
    let pairs = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64)))?
        .collect::<Result<_, _>>()?;
    Ok(pairs)
}
