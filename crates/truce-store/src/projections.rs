//! The projections: SQL tables derived from the log's events, updated in the
//! transaction that appends the events. They hold queryable facts, not
//! documents: a report's full text is in the log, at `log_index`. They are a cache: `rebuild` replays
//! the log into fresh tables and must find them identical, row for row.
//!
//! Sealed plaintexts are not a projection (they are never in the log): the
//! `sealed` table is kept apart, and checked against the commitments the log
//! holds instead.

use crate::error::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use truce_domain::event::{Envelope, Event, Placement};

/// The shape of these tables: a store whose projections are of another
/// version has them rebuilt from the log when it is opened.
pub const PROJECTIONS_VERSION: &str = "5";

/// `incidents` carries a summary of each incident (its report count, when
/// it happened, where its first report puts it, its act, the accused party,
/// zones, and its latest verdict), kept as reports arrive, so a page of
/// incidents is one indexed read, not eight subqueries a row.
/// `report_text` indexes each report's public words (narrative, place,
/// actors) for full-text search; sealed fields are never in it.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    log_index INTEGER NOT NULL,
    incident_id INTEGER,
    source_name TEXT NOT NULL,
    external_id TEXT NOT NULL,
    source_type TEXT NOT NULL,
    event_start INTEGER NOT NULL,
    event_end INTEGER NOT NULL,
    time_precision TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    location_precision TEXT NOT NULL,
    act TEXT,
    acled_event_type TEXT,
    acled_sub_event_type TEXT,
    actor1 TEXT,
    actor2 TEXT,
    perpetrator TEXT,
    sealed_commitment TEXT,
    country_iso TEXT,
    border_distance_km REAL,
    zones TEXT,
    cross_border INTEGER
);
CREATE INDEX IF NOT EXISTS reports_by_incident ON reports (incident_id);
CREATE TABLE IF NOT EXISTS claims (
    report_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    claimant TEXT NOT NULL,
    claimant_party TEXT,
    stance TEXT NOT NULL,
    category TEXT NOT NULL,
    low INTEGER NOT NULL,
    best INTEGER NOT NULL,
    high INTEGER NOT NULL,
    PRIMARY KEY (report_id, position)
);
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY,
    opened_by_report INTEGER NOT NULL,
    status TEXT NOT NULL,
    merged_into INTEGER,
    log_index INTEGER NOT NULL,
    report_count INTEGER NOT NULL DEFAULT 0,
    happened_at INTEGER,
    latitude REAL,
    longitude REAL,
    act TEXT,
    accused TEXT,
    zones TEXT,
    verdict TEXT,
    responsible_party TEXT
);
CREATE INDEX IF NOT EXISTS incidents_by_status ON incidents (status, id);
CREATE INDEX IF NOT EXISTS incidents_by_time ON incidents (happened_at);
CREATE VIRTUAL TABLE IF NOT EXISTS report_text USING fts5 (text, content = '', detail = none, columnsize = 0);
CREATE TABLE IF NOT EXISTS evidence (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    collected_by TEXT NOT NULL,
    source_url TEXT,
    report_id INTEGER,
    log_index INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS custody (
    log_index INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    action TEXT NOT NULL,
    by_whom TEXT NOT NULL,
    to_whom TEXT,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS case_steps (
    log_index INTEGER PRIMARY KEY,
    incident_id INTEGER,
    penalty_id INTEGER,
    kind TEXT NOT NULL,
    party TEXT,
    mediator TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_steps_by_incident ON case_steps (incident_id);
CREATE TABLE IF NOT EXISTS replies (
    incident_id INTEGER NOT NULL,
    party TEXT NOT NULL,
    asked_at INTEGER NOT NULL,
    due INTEGER NOT NULL,
    replied_at INTEGER,
    on_time INTEGER,
    PRIMARY KEY (incident_id, party)
);
CREATE TABLE IF NOT EXISTS determinations (
    incident_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    responsible_party TEXT,
    severity TEXT,
    confidence TEXT NOT NULL,
    approvals TEXT NOT NULL,
    final_at INTEGER,
    log_index INTEGER NOT NULL,
    PRIMARY KEY (incident_id, number)
);
CREATE INDEX IF NOT EXISTS determinations_by_final ON determinations (final_at);
CREATE TABLE IF NOT EXISTS penalties (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    party TEXT NOT NULL,
    step INTEGER NOT NULL,
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount REAL,
    state TEXT NOT NULL,
    approvals TEXT NOT NULL,
    in_effect_from INTEGER,
    due INTEGER,
    log_index INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sealed_reads (
    log_index INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL,
    reader TEXT NOT NULL,
    read_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bulletins (
    log_index INTEGER PRIMARY KEY,
    period_kind TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    edition INTEGER NOT NULL,
    checkpoint_size INTEGER NOT NULL,
    checkpoint_root TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    document_size INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    headline TEXT
);
CREATE TABLE IF NOT EXISTS sealed (
    report_id INTEGER PRIMARY KEY,
    salt BLOB NOT NULL,
    plaintext TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS openings (
    log_index INTEGER PRIMARY KEY,
    incident_id INTEGER,
    report_id INTEGER,
    openings BLOB NOT NULL
);
DROP INDEX IF EXISTS openings_by_incident;
DROP INDEX IF EXISTS openings_by_report;
CREATE INDEX IF NOT EXISTS openings_by_incident_not_report ON openings (incident_id)
    WHERE incident_id IS NOT NULL AND report_id IS NULL;
CREATE TABLE IF NOT EXISTS disclosed (
    log_index INTEGER NOT NULL,
    grp TEXT NOT NULL,
    disclosed_in INTEGER NOT NULL,
    PRIMARY KEY (log_index, grp)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS evidence_by_report ON evidence (report_id) WHERE report_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS replies_by_party ON replies (party, due);
CREATE INDEX IF NOT EXISTS penalties_by_state ON penalties (state, id);
CREATE INDEX IF NOT EXISTS case_steps_by_penalty ON case_steps (penalty_id);
CREATE INDEX IF NOT EXISTS determinations_by_party ON determinations (responsible_party, final_at);
";

/// The projected tables, with their key columns, in digest order.
pub const TABLES: [(&str, &str); 12] = [
    ("reports", "id"),
    ("claims", "report_id, position"),
    ("incidents", "id"),
    ("evidence", "sha256"),
    ("custody", "log_index"),
    ("case_steps", "log_index"),
    ("replies", "incident_id, party"),
    ("determinations", "incident_id, number"),
    ("penalties", "id"),
    ("sealed_reads", "log_index"),
    ("bulletins", "log_index"),
    ("disclosed", "log_index, grp"),
];

/// The database at `path` with its projections' tables (made if missing),
/// to compare them with the log.
pub fn open(path: &std::path::Path) -> Result<Connection, StoreError> {
    let connection = Connection::open(path)?;
    create(&connection)?;
    Ok(connection)
}

pub fn create(connection: &Connection) -> Result<(), StoreError> {
    connection.execute_batch(SCHEMA)?;
    Ok(())
}

/// Brings a store's projections to [`PROJECTIONS_VERSION`]: tables of
/// another version are dropped and created afresh (the sealed plaintexts
/// and the openings, which are not projections, are kept). Returns whether they were, in
/// which case the caller replays the log into them.
pub fn migrate(connection: &Connection) -> Result<bool, StoreError> {
    let version: Option<String> = connection
        .query_row(
            "SELECT value FROM log_meta WHERE key = 'projections_version'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    if version.as_deref() == Some(PROJECTIONS_VERSION) {
        create(connection)?;
        return Ok(false);
    }
    let transaction = connection.unchecked_transaction()?;
    for (table, _) in TABLES {
        transaction.execute_batch(&format!("DROP TABLE IF EXISTS {table}"))?;
    }
    transaction.execute_batch("DROP TABLE IF EXISTS report_text")?;
    create(&transaction)?;
    transaction.execute(
        "INSERT OR REPLACE INTO log_meta (key, value) VALUES ('projections_version', ?1)",
        [PROJECTIONS_VERSION],
    )?;
    transaction.commit()?;
    Ok(true)
}

/// Applies one event, logged at `log_index`, to the tables.
pub fn apply(connection: &Connection, log_index: u64, envelope: &Envelope) -> Result<(), StoreError> {
    match &envelope.event {
        Event::AgreementRegistered { .. } => {}
        Event::EvidenceRegistered {
            sha256,
            media_type,
            size,
            collected_by,
            source_url,
            report_id,
        } => {
            connection
                .prepare_cached(
                    "INSERT INTO evidence (sha256, media_type, size, collected_by, source_url, report_id, log_index)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    sha256,
                    media_type,
                    *size as i64,
                    collected_by,
                    source_url,
                    report_id.map(|r| r as i64),
                    log_index as i64
                ])?;
        }
        Event::CustodyRecorded {
            sha256,
            action,
            custodian,
            recipient,
            note,
        } => {
            connection
                .prepare_cached(
                    "INSERT INTO custody (log_index, sha256, action, by_whom, to_whom, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![log_index as i64, sha256, action.as_str(), custodian, recipient, note])?;
        }
        Event::ReportFiled {
            report_id,
            report,
            sealed_commitment,
            placement,
            geo,
            ..
        } => {
            if let Placement::OpenedIncident(incident) = placement {
                connection
                    .prepare_cached(
                        "INSERT INTO incidents (id, opened_by_report, status, log_index) VALUES (?1, ?2, 'reported', ?3)",
                    )?
                    .execute(params![*incident as i64, *report_id as i64, log_index as i64])?;
            }
            connection
                .prepare_cached(
                    "INSERT INTO reports (id, log_index, source_name, external_id, source_type, event_start, event_end,
                     time_precision, latitude, longitude, location_precision, act, actor1, actor2, perpetrator,
                     sealed_commitment, incident_id, country_iso, border_distance_km, zones, cross_border,
                     acled_event_type, acled_sub_event_type)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
                     ?21, ?22, ?23)",
                )?
                .execute(params![
                    *report_id as i64,
                    log_index as i64,
                    report.source.name,
                    report.external_id,
                    report.source.source_type.as_str(),
                    report.time.start.timestamp(),
                    report.time.end.timestamp(),
                    report.time.precision.as_str(),
                    report.location.latitude.degrees(),
                    report.location.longitude.degrees(),
                    report.location.precision.as_str(),
                    report.act.as_ref().map(|c| c.as_str()),
                    report.actor1.as_ref().map(|a| a.name.as_str()),
                    report.actor2.as_ref().map(|a| a.name.as_str()),
                    report.perpetrator_party().map(|c| c.as_str()),
                    sealed_commitment,
                    placement.incident() as i64,
                    geo.as_ref().and_then(|g| g.country_iso.as_deref()),
                    geo.as_ref().map(|g| (g.border_distance_km * 1000.0).round() / 1000.0),
                    geo.as_ref()
                        .map(|g| g.zones.iter().map(|z| z.as_str()).collect::<Vec<_>>().join(",")),
                    geo.as_ref().map(|g| g.cross_border),
                    report.acled_event_type,
                    report.acled_sub_event_type,
                ])?;
            let mut insert = connection.prepare_cached(
                "INSERT INTO claims (report_id, position, claimant, claimant_party, stance, category, low, best, high)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for (position, claim) in report.claims.iter().enumerate() {
                insert.execute(params![
                    *report_id as i64,
                    position as i64,
                    claim.claimant,
                    claim.claimant_party.as_ref().map(|c| c.to_string()),
                    claim.stance.as_str(),
                    claim.category.as_str(),
                    claim.deaths.low,
                    claim.deaths.best,
                    claim.deaths.high,
                ])?;
            }
            summarize_arrival(connection, placement.incident(), report, geo.as_ref())?;
            index_text(connection, *report_id, report)?;
        }
        Event::IncidentsMerged { into, from, .. } => {
            connection
                .prepare_cached("UPDATE reports SET incident_id = ?1 WHERE incident_id = ?2")?
                .execute(params![*into as i64, *from as i64])?;
            connection
                .prepare_cached("UPDATE incidents SET status = 'closed_duplicate', merged_into = ?1 WHERE id = ?2")?
                .execute(params![*into as i64, *from as i64])?;
            summarize(connection, *into)?;
            summarize(connection, *from)?;
        }
        Event::IncidentSplit {
            from, into, report_ids, ..
        } => {
            let first = report_ids.first().copied().unwrap_or_default();
            connection
                .prepare_cached(
                    "INSERT INTO incidents (id, opened_by_report, status, log_index) VALUES (?1, ?2, 'reported', ?3)",
                )?
                .execute(params![*into as i64, first as i64, log_index as i64])?;
            for report in report_ids {
                place_report(connection, *report, *into)?;
            }
            summarize(connection, *into)?;
            summarize(connection, *from)?;
        }
        Event::SealedRead { report_id } => {
            connection
                .prepare_cached(
                    "INSERT INTO sealed_reads (log_index, report_id, reader, read_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    log_index as i64,
                    *report_id as i64,
                    envelope.by,
                    envelope.at.timestamp()
                ])?;
        }
        Event::BulletinPublished { .. } => bulletin(connection, log_index, envelope)?,
        Event::Disclosed { openings, .. } => crate::openings::record_disclosed(connection, log_index, openings)?,
        other => crate::projections_verification::apply(connection, log_index, other)?,
    }
    Ok(())
}

/// A published bulletin's row: what the log says of it (the document is in the blob store).
fn bulletin(connection: &Connection, log_index: u64, envelope: &Envelope) -> Result<(), StoreError> {
    let Event::BulletinPublished {
        period_kind,
        period_start,
        period_end,
        edition,
        checkpoint_size,
        checkpoint_root,
        document_sha256,
        document_size,
        headline,
    } = &envelope.event
    else {
        return Ok(());
    };
    connection
        .prepare_cached(
            "INSERT INTO bulletins (log_index, period_kind, period_start, period_end, edition, checkpoint_size,
             checkpoint_root, document_sha256, document_size, published_at, published_by, headline)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            log_index as i64,
            period_kind.as_str(),
            period_start.timestamp(),
            period_end.timestamp(),
            edition,
            *checkpoint_size as i64,
            checkpoint_root,
            document_sha256,
            *document_size as i64,
            envelope.at.timestamp(),
            envelope.by,
            headline.map(|h| serde_json::to_string(&h).expect("a headline serializes")),
        ])?;
    Ok(())
}

/// Updates the summary of `incident` for a report just placed in it. Reports
/// arrive in id order, so "the first report with a value" is the first to
/// arrive with one: the same row [`summarize`] computes from scratch.
fn summarize_arrival(
    connection: &Connection,
    incident: u64,
    report: &truce_domain::report::Report,
    geo: Option<&truce_domain::geography::GeoFacts>,
) -> Result<(), StoreError> {
    let start = report.time.start.timestamp();
    let zones = geo.map(|g| g.zones.iter().map(|z| z.as_str()).collect::<Vec<_>>().join(","));
    connection
        .prepare_cached(
            "UPDATE incidents SET report_count = report_count + 1,
                happened_at = MIN(COALESCE(happened_at, ?2), ?2),
                latitude = COALESCE(latitude, ?3), longitude = COALESCE(longitude, ?4),
                act = COALESCE(act, ?5), accused = COALESCE(accused, ?6), zones = COALESCE(zones, ?7)
             WHERE id = ?1",
        )?
        .execute(params![
            incident as i64,
            start,
            report.location.latitude.degrees(),
            report.location.longitude.degrees(),
            report.act.as_ref().map(|c| c.as_str()),
            report.perpetrator_party().map(|c| c.as_str()),
            zones,
        ])?;
    Ok(())
}

/// Recomputes the summary of `incident` from its reports (after a merge or a split).
fn summarize(connection: &Connection, incident: u64) -> Result<(), StoreError> {
    connection
        .prepare_cached(
            "UPDATE incidents SET
                report_count = (SELECT COUNT(*) FROM reports WHERE incident_id = ?1),
                happened_at = (SELECT MIN(event_start) FROM reports WHERE incident_id = ?1),
                latitude = (SELECT latitude FROM reports WHERE incident_id = ?1 ORDER BY id LIMIT 1),
                longitude = (SELECT longitude FROM reports WHERE incident_id = ?1 ORDER BY id LIMIT 1),
                act = (SELECT act FROM reports WHERE incident_id = ?1 AND act IS NOT NULL ORDER BY id LIMIT 1),
                accused = (SELECT perpetrator FROM reports
                           WHERE incident_id = ?1 AND perpetrator IS NOT NULL ORDER BY id LIMIT 1),
                zones = (SELECT zones FROM reports WHERE incident_id = ?1 AND zones IS NOT NULL ORDER BY id LIMIT 1)
             WHERE id = ?1",
        )?
        .execute(params![incident as i64])?;
    Ok(())
}

/// Indexes a report's public words for search.
fn index_text(
    connection: &Connection,
    report_id: u64,
    report: &truce_domain::report::Report,
) -> Result<(), StoreError> {
    let mut text = report.narrative.clone();
    let names = [
        report.location.name.as_deref(),
        report.actor1.as_ref().map(|a| a.name.as_str()),
        report.actor2.as_ref().map(|a| a.name.as_str()),
    ];
    for name in names.into_iter().flatten() {
        text.push('\n');
        text.push_str(name);
    }
    if text.trim().is_empty() {
        return Ok(());
    }
    connection
        .prepare_cached("INSERT INTO report_text (rowid, text) VALUES (?1, ?2)")?
        .execute(params![report_id as i64, text])?;
    Ok(())
}

fn place_report(connection: &Connection, report: u64, incident: u64) -> Result<(), StoreError> {
    connection
        .prepare_cached("UPDATE reports SET incident_id = ?1 WHERE id = ?2")?
        .execute(params![incident as i64, report as i64])?;
    Ok(())
}

/// One projected row, as text, keyed by table and primary key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub table: &'static str,
    pub key: String,
    pub values: String,
}

/// Every projected row, in table and key order.
pub fn rows(connection: &Connection) -> Result<Vec<Row>, StoreError> {
    let mut rows = Vec::new();
    for (table, key) in TABLES {
        let mut statement = connection.prepare(&format!("SELECT * FROM {table} ORDER BY {key}"))?;
        let key_columns = key.split(", ").count();
        let columns = statement.column_count();
        let mut result = statement.query([])?;
        while let Some(row) = result.next()? {
            let mut values = Vec::with_capacity(columns);
            for column in 0..columns {
                let value: rusqlite::types::Value = row.get(column)?;
                values.push(match value {
                    rusqlite::types::Value::Null => "null".to_string(),
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Real(f) => format!("{f:?}"),
                    rusqlite::types::Value::Text(t) => serde_json::to_string(&t).expect("text"),
                    rusqlite::types::Value::Blob(b) => hex::encode(b),
                });
            }
            rows.push(Row {
                table,
                key: values[..key_columns].join(","),
                values: values.join("|"),
            });
        }
    }
    Ok(rows)
}

/// The SHA-256 of every projected row: equal digests, equal projections.
pub fn digest(connection: &Connection) -> Result<String, StoreError> {
    let mut hasher = Sha256::new();
    for row in rows(connection)? {
        hasher.update(row.table.as_bytes());
        hasher.update([0]);
        hasher.update(row.values.as_bytes());
        hasher.update([b'\n']);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The rows that differ between two projections: (table, key, live, rebuilt).
pub fn differences(live: &[Row], rebuilt: &[Row]) -> Vec<String> {
    use std::collections::BTreeMap;
    let index = |rows: &[Row]| -> BTreeMap<(&'static str, String), String> {
        rows.iter()
            .map(|row| ((row.table, row.key.clone()), row.values.clone()))
            .collect()
    };
    let (live, rebuilt) = (index(live), index(rebuilt));
    let mut out = Vec::new();
    for (key, values) in &live {
        match rebuilt.get(key) {
            Some(expected) if expected == values => {}
            Some(expected) => out.push(format!(
                "{} row {} differs: holds {values}, the log gives {expected}",
                key.0, key.1
            )),
            None => out.push(format!("{} row {} is not in the log", key.0, key.1)),
        }
    }
    for key in rebuilt.keys().filter(|key| !live.contains_key(*key)) {
        out.push(format!("{} row {} is missing", key.0, key.1));
    }
    out
}
