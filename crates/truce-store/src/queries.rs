//! Reading the projections back as domain values, for exports and bulletins.

use crate::error::StoreError;
use rusqlite::Connection;
use truce_domain::report::Report;

/// An incident with its reports, in report order.
#[derive(Clone, Debug)]
pub struct IncidentWithReports {
    pub id: u64,
    pub status: String,
    pub reports: Vec<Report>,
}

/// Every incident not closed as a duplicate, in id order, with its reports.
pub fn incidents_with_reports(connection: &Connection) -> Result<Vec<IncidentWithReports>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT i.id, i.status, r.report_json FROM incidents i JOIN reports r ON r.incident_id = i.id
         WHERE i.status != 'closed_duplicate' ORDER BY i.id, r.id",
    )?;
    let mut rows = statement.query([])?;
    let mut incidents: Vec<IncidentWithReports> = Vec::new();
    while let Some(row) = rows.next()? {
        let id = row.get::<_, i64>(0)? as u64;
        let report: Report = serde_json::from_str(&row.get::<_, String>(2)?)
            .map_err(|e| StoreError::Corrupt(format!("the stored report of incident {id}: {e}")))?;
        match incidents.last_mut() {
            Some(incident) if incident.id == id => incident.reports.push(report),
            _ => incidents.push(IncidentWithReports {
                id,
                status: row.get(1)?,
                reports: vec![report],
            }),
        }
    }
    Ok(incidents)
}

/// Every report, in id order.
pub fn reports(connection: &Connection) -> Result<Vec<Report>, StoreError> {
    let mut statement = connection.prepare("SELECT id, report_json FROM reports ORDER BY id")?;
    let mut rows = statement.query([])?;
    let mut reports = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        reports.push(
            serde_json::from_str(&row.get::<_, String>(1)?)
                .map_err(|e| StoreError::Corrupt(format!("the stored report {id}: {e}")))?,
        );
    }
    Ok(reports)
}
