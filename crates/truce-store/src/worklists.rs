//! What waits for someone, read from the projections: a party's reply
//! requests and the final findings against it, a mediator's determinations
//! and penalties awaiting approval, the incidents awaiting a determination,
//! and the penalties with their compliance; the confirmed violations a day,
//! for the chart; the evidence filed with an incident's reports. Each read
//! is bounded and indexed, so the pages stay fast whatever the size of the
//! record.

use crate::error::StoreError;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use truce_domain::verification::lifecycle::Stage;

/// Rows a list shows at most.
pub const ROWS_MAX: u32 = 200;

fn time(seconds: Option<i64>) -> Option<DateTime<Utc>> {
    seconds.and_then(|s| DateTime::from_timestamp(s, 0))
}

/// A reply asked of a party.
pub struct ReplyRequest {
    pub incident: u64,
    pub act: Option<String>,
    pub happened_at: Option<DateTime<Utc>>,
    pub asked_at: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    pub on_time: Option<bool>,
}

/// The replies asked of `party`, the latest deadline first.
pub fn reply_requests(connection: &Connection, party: &str) -> Result<Vec<ReplyRequest>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT r.incident_id, i.act, i.happened_at, r.asked_at, r.due, r.replied_at, r.on_time
         FROM replies r LEFT JOIN incidents i ON i.id = r.incident_id
         WHERE r.party = ?1 ORDER BY r.due DESC LIMIT ?2",
    )?;
    statement
        .query_map(params![party, ROWS_MAX], |row| {
            Ok(ReplyRequest {
                incident: row.get::<_, i64>(0)? as u64,
                act: row.get(1)?,
                happened_at: time(row.get(2)?),
                asked_at: time(row.get(3)?),
                due: time(row.get(4)?),
                replied_at: time(row.get(5)?),
                on_time: row.get::<_, Option<i64>>(6)?.map(|v| v != 0),
            })
        })?
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}

/// One determination, as the lists show it.
pub struct DeterminationRow {
    pub incident: u64,
    pub number: u32,
    pub verdict: String,
    pub responsible_party: Option<String>,
    pub approvals: Vec<String>,
    pub final_at: Option<DateTime<Utc>>,
}

fn determination_row(row: &rusqlite::Row) -> rusqlite::Result<DeterminationRow> {
    Ok(DeterminationRow {
        incident: row.get::<_, i64>(0)? as u64,
        number: row.get(1)?,
        verdict: row.get(2)?,
        responsible_party: row.get(3)?,
        approvals: split(&row.get::<_, String>(4)?),
        final_at: time(row.get(5)?),
    })
}

fn split(approvals: &str) -> Vec<String> {
    approvals
        .split(',')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// The final determinations that name `party` responsible, the newest first.
pub fn final_against(connection: &Connection, party: &str) -> Result<Vec<DeterminationRow>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT incident_id, number, verdict, responsible_party, approvals, final_at FROM determinations
         WHERE responsible_party = ?1 AND final_at IS NOT NULL ORDER BY final_at DESC LIMIT ?2",
    )?;
    statement
        .query_map(params![party, ROWS_MAX], determination_row)?
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}

/// The newest `?1` incidents in any of `statuses`, as a common table
/// `waiting(id)`: one ordered range of the `(status, id)` index a status,
/// so the read stays short however many incidents there are.
fn newest_in(statuses: &[Stage]) -> String {
    let ranges: Vec<String> = statuses
        .iter()
        .map(|status| {
            format!(
                "SELECT id FROM (SELECT id FROM incidents WHERE status = '{}' AND merged_into IS NULL ORDER BY id DESC LIMIT ?1)",
                status.as_str()
            )
        })
        .collect();
    format!("WITH waiting(id) AS ({})", ranges.join(" UNION ALL "))
}

/// How many incidents are in any of `statuses` (counted on the `(status, id)` index).
fn count_in(connection: &Connection, statuses: &[Stage]) -> rusqlite::Result<u64> {
    let mut total = 0;
    for status in statuses {
        let count: i64 = connection
            .prepare_cached("SELECT COUNT(*) FROM incidents WHERE status = ?1")?
            .query_row([status.as_str()], |row| row.get(0))?;
        total += count as u64;
    }
    Ok(total)
}

/// The stages at which a determination awaits the mediators' approval.
pub const AWAITING_APPROVAL: [Stage; 2] = [Stage::Determined, Stage::Redetermined];
/// The stages at which an incident awaits a determination.
pub const AWAITING_DETERMINATION: [Stage; 3] = [Stage::Investigating, Stage::AwaitingReply, Stage::Appealed];

/// The current determinations not yet final: those the mediators are to approve.
pub fn awaiting_approval(connection: &Connection) -> Result<Vec<DeterminationRow>, StoreError> {
    let sql = format!(
        "{} SELECT d.incident_id, d.number, d.verdict, d.responsible_party, d.approvals, d.final_at
         FROM waiting w JOIN determinations d ON d.incident_id = w.id
         WHERE d.final_at IS NULL AND d.number = (SELECT MAX(number) FROM determinations WHERE incident_id = w.id)
         ORDER BY w.id DESC LIMIT ?1",
        newest_in(&AWAITING_APPROVAL)
    );
    let mut statement = connection.prepare_cached(&sql)?;
    statement
        .query_map(params![ROWS_MAX], determination_row)?
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}

/// How many determinations await approval, in all.
pub fn awaiting_approval_count(connection: &Connection) -> Result<u64, StoreError> {
    Ok(count_in(connection, &AWAITING_APPROVAL)?)
}

/// An incident waiting for a step, as the lists show it.
pub struct IncidentRow {
    pub id: u64,
    pub status: Stage,
    pub act: Option<String>,
    pub accused: Option<String>,
    pub happened_at: Option<DateTime<Utc>>,
}

/// The incidents under investigation or awaiting a reply, or appealed: each awaits a determination.
pub fn awaiting_determination(connection: &Connection) -> Result<Vec<IncidentRow>, StoreError> {
    let sql = format!(
        "{} SELECT i.id, i.status, i.act, i.accused, i.happened_at FROM waiting w JOIN incidents i ON i.id = w.id
         ORDER BY w.id DESC LIMIT ?1",
        newest_in(&AWAITING_DETERMINATION)
    );
    let mut statement = connection.prepare_cached(&sql)?;
    statement
        .query_map(params![ROWS_MAX], |row| {
            Ok(IncidentRow {
                id: row.get::<_, i64>(0)? as u64,
                status: crate::incident_list::stage_column(row, 1)?,
                act: row.get(2)?,
                accused: row.get(3)?,
                happened_at: time(row.get(4)?),
            })
        })?
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}

/// How many incidents are at `status`, in all.
pub fn count_at(connection: &Connection, stage: Stage) -> Result<u64, StoreError> {
    Ok(count_in(connection, &[stage])?)
}

/// A penalty, as the lists show it.
pub struct PenaltyRow {
    pub id: u64,
    pub incident: u64,
    pub party: String,
    pub code: String,
    pub kind: String,
    pub amount: Option<f64>,
    pub state: String,
    pub approvals: Vec<String>,
    pub due: Option<DateTime<Utc>>,
}

/// The penalties, the newest first; `state` keeps those in that state only.
pub fn penalties(connection: &Connection, state: Option<&str>) -> Result<Vec<PenaltyRow>, StoreError> {
    const COLUMNS: &str = "SELECT id, incident_id, party, code, kind, amount, state, approvals, due FROM penalties";
    let row = |row: &rusqlite::Row| -> rusqlite::Result<PenaltyRow> {
        Ok(PenaltyRow {
            id: row.get::<_, i64>(0)? as u64,
            incident: row.get::<_, i64>(1)? as u64,
            party: row.get(2)?,
            code: row.get(3)?,
            kind: row.get(4)?,
            amount: row.get(5)?,
            state: row.get(6)?,
            approvals: split(&row.get::<_, String>(7)?),
            due: time(row.get(8)?),
        })
    };
    // Two statements, so the one by state reads the (state, id) index.
    match state {
        Some(state) => connection
            .prepare_cached(&format!("{COLUMNS} WHERE state = ?1 ORDER BY id DESC LIMIT ?2"))?
            .query_map(params![state, ROWS_MAX], row)?
            .collect::<Result<_, _>>()
            .map_err(StoreError::from),
        None => connection
            .prepare_cached(&format!("{COLUMNS} ORDER BY id DESC LIMIT ?1"))?
            .query_map(params![ROWS_MAX], row)?
            .collect::<Result<_, _>>()
            .map_err(StoreError::from),
    }
}

/// How many penalties are proposed and await the mediators.
pub fn proposed_penalties_count(connection: &Connection) -> Result<u64, StoreError> {
    connection
        .prepare_cached("SELECT COUNT(*) FROM penalties WHERE state = 'proposed'")?
        .query_row([], |row| row.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(StoreError::from)
}

/// How many replies `party` has yet to give while their window is open.
pub fn open_replies_count(connection: &Connection, party: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
    connection
        .prepare_cached("SELECT COUNT(*) FROM replies WHERE party = ?1 AND due > ?2 AND replied_at IS NULL")?
        .query_row(params![party, now.timestamp()], |row| row.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(StoreError::from)
}

/// How many penalties each party has in each state: (party, state, count), over all of them.
pub fn penalty_counts(connection: &Connection) -> Result<Vec<(String, String, u64)>, StoreError> {
    let mut statement = connection
        .prepare_cached("SELECT party, state, COUNT(*) FROM penalties GROUP BY party, state ORDER BY party, state")?;
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)? as u64)))?
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}

/// A count a role's dashboard shows of what waits for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// The replies the party has yet to give while their window is open.
    OpenReplies(String),
    /// The determinations awaiting the mediators' approval.
    AwaitingApproval,
    /// The penalties proposed, awaiting the mediators.
    ProposedPenalties,
    /// The incidents at this stage.
    AtStage(Stage),
}

/// How many of `what` there are, over all (not a page).
pub fn count(connection: &Connection, what: &Waiting, now: DateTime<Utc>) -> Result<u64, StoreError> {
    match what {
        Waiting::OpenReplies(party) => open_replies_count(connection, party, now),
        Waiting::AwaitingApproval => awaiting_approval_count(connection),
        Waiting::ProposedPenalties => proposed_penalties_count(connection),
        Waiting::AtStage(stage) => count_at(connection, *stage),
    }
}

/// Final confirmed violations attributed to `party` among incidents that happened on `day`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayCount {
    pub day: NaiveDate,
    pub party: String,
    pub count: u64,
}

/// The counts, from the projections: final determinations only, by the day the incident happened (UTC).
pub fn confirmed_per_day(connection: &Connection) -> Result<Vec<DayCount>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT date(happened_at, 'unixepoch') AS day, responsible_party, COUNT(*) FROM incidents
         WHERE status = 'final' AND verdict = 'violation_confirmed' AND responsible_party IS NOT NULL
           AND happened_at IS NOT NULL
         GROUP BY day, responsible_party ORDER BY day, responsible_party",
    )?;
    let rows = statement.query_map([], |row| {
        let day: String = row.get(0)?;
        Ok((day, row.get::<_, String>(1)?, row.get::<_, i64>(2)?))
    })?;
    let mut counts = Vec::new();
    for row in rows {
        let (day, party, count) = row?;
        if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
            counts.push(DayCount {
                day,
                party,
                count: count as u64,
            });
        }
    }
    Ok(counts)
}

/// One evidence file filed with an incident's reports.
pub struct EvidenceRow {
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
    pub collected_by: String,
}

/// The evidence registered with the incident's reports (bounded: a page, not an archive).
pub fn evidence_of(connection: &Connection, incident: u64) -> Result<Vec<EvidenceRow>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT e.sha256, e.media_type, e.size, e.collected_by FROM evidence e
         JOIN reports r ON r.id = e.report_id WHERE r.incident_id = ?1 ORDER BY e.log_index LIMIT 200",
    )?;
    statement
        .query_map([incident as i64], |row| {
            Ok(EvidenceRow {
                sha256: row.get(0)?,
                media_type: row.get(1)?,
                size: row.get::<_, i64>(2)? as u64,
                collected_by: row.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}
