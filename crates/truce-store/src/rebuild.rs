//! Rebuilding the projections from the log, and checking the live ones (and
//! the sealed plaintexts) against what the log says.

use crate::error::StoreError;
use crate::projections::{self, Row};
use crate::reader::LogReader;
use rusqlite::Connection;
use truce_domain::disclosure;
use truce_domain::sealed;

/// Projections replayed from every event of the log, in memory.
pub fn rebuild_in_memory(reader: &LogReader) -> Result<Connection, StoreError> {
    let connection = Connection::open_in_memory()?;
    projections::create(&connection)?;
    replay_into(&connection, reader)?;
    Ok(connection)
}

/// Applies every event of the log to the (empty) projections of `connection`, in one transaction.
pub fn replay_into(connection: &Connection, reader: &LogReader) -> Result<(), StoreError> {
    let transaction = connection.unchecked_transaction()?;
    reader
        .for_each_envelope(|index, envelope| projections::apply(&transaction, index, &envelope))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    transaction.commit()?;
    Ok(())
}

/// What `truce audit` finds in the projections and the sealed store.
#[derive(Debug, Default)]
pub struct ProjectionAudit {
    pub live_digest: String,
    pub rebuilt_digest: String,
    /// Rows that differ from what the log gives, each named.
    pub differences: Vec<String>,
    /// Sealed plaintexts that do not open their commitment.
    pub broken_seals: Vec<String>,
    /// Stored or disclosed openings that do not open their entry's commitment, by index and group.
    pub broken_openings: Vec<String>,
    /// Snapshots of the standing that are not what the log gives at their size.
    pub broken_snapshots: Vec<String>,
}

pub fn audit_projections(live: &Connection, reader: &LogReader) -> Result<ProjectionAudit, StoreError> {
    let rebuilt = rebuild_in_memory(reader)?;
    let live_rows: Vec<Row> = projections::rows(live)?;
    let rebuilt_rows = projections::rows(&rebuilt)?;
    Ok(ProjectionAudit {
        live_digest: projections::digest(live)?,
        rebuilt_digest: projections::digest(&rebuilt)?,
        differences: projections::differences(&live_rows, &rebuilt_rows),
        broken_seals: check_seals(live, &rebuilt)?,
        broken_openings: check_openings(live, reader)?,
        broken_snapshots: check_snapshots(live, reader)?,
    })
}

/// Each snapshot of the standing (of this build's format) must be the
/// standing the log's events give at its size, at a checkpoint the log
/// signed: replayed from the first entry, compared at each snapshot's size.
fn check_snapshots(live: &Connection, reader: &LogReader) -> Result<Vec<String>, StoreError> {
    let mut broken = Vec::new();
    let mut due = std::collections::BTreeMap::new();
    for snapshot in crate::snapshots::all(live)? {
        if snapshot.format != crate::snapshots::STANDING_FORMAT {
            continue; // Another build's: never read, replaced by the next one taken.
        }
        if !snapshot.at_checkpoint {
            broken.push(format!(
                "the snapshot of the standing at size {} is not at a checkpoint the log signed",
                snapshot.size
            ));
        }
        match snapshot.standing {
            Ok(standing) => {
                due.insert(snapshot.size, standing);
            }
            Err(error) => broken.push(format!(
                "the snapshot of the standing at size {} does not decode: {error}",
                snapshot.size
            )),
        }
    }
    if due.is_empty() {
        return Ok(broken);
    }
    let mut standing = truce_domain::state::Standing::default();
    let checkpoint = reader
        .for_each_envelope(|index, envelope| {
            standing.evolve(&envelope.event);
            if let Some(snapshot) = due.remove(&(index + 1))
                && snapshot != standing
            {
                broken.push(format!(
                    "the snapshot of the standing at size {} differs from the log's events up to it",
                    index + 1
                ));
            }
            Ok(())
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    for size in due.keys() {
        broken.push(format!(
            "the snapshot of the standing at size {size} is beyond the log's {} entries",
            checkpoint.size
        ));
    }
    Ok(broken)
}

/// Each stored opening must open its entry's commitment, and so must each
/// opening a `disclosed` event published (checked against the entry it names).
fn check_openings(live: &Connection, reader: &LogReader) -> Result<Vec<String>, StoreError> {
    let mut broken = Vec::new();
    // Only the commitments some `disclosed` event opens are kept for the walk.
    let disclosed: std::collections::HashSet<u64> = live
        .prepare("SELECT DISTINCT log_index FROM disclosed")?
        .query_map([], |row| row.get::<_, i64>(0))?
        .map(|index| index.map(|i| i as u64))
        .collect::<Result<_, _>>()?;
    let mut ledger = truce_domain::disclosure_ledger::DisclosureLedger::new();
    reader
        .for_each_entry_with_openings(|index, bytes, openings| {
            if let Err(error) = disclosure::check_openings(index, bytes, &openings, &Default::default()) {
                broken.push(format!("stored: {error}"));
            }
            let mismatches = ledger.entry(index, bytes, disclosed.contains(&index));
            broken.extend(mismatches.into_iter().map(|m| m.to_string()));
            Ok(())
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(broken)
}

/// Each sealed plaintext must open the commitment the log holds for its report.
fn check_seals(live: &Connection, rebuilt: &Connection) -> Result<Vec<String>, StoreError> {
    let mut broken = Vec::new();
    let mut statement = live.prepare("SELECT report_id, salt, plaintext FROM sealed ORDER BY report_id")?;
    let mut rows = statement.query([])?;
    let mut commitment_of = rebuilt.prepare("SELECT sealed_commitment FROM reports WHERE id = ?1")?;
    while let Some(row) = rows.next()? {
        let report: i64 = row.get(0)?;
        let salt: Vec<u8> = row.get(1)?;
        let plaintext: String = row.get(2)?;
        let commitment: Option<String> = commitment_of.query_row([report], |r| r.get(0)).unwrap_or(None);
        let opens = match (<[u8; 32]>::try_from(salt.as_slice()), commitment) {
            (Ok(salt), Some(commitment)) => sealed::opens(&commitment, &salt, &plaintext),
            _ => false,
        };
        if !opens {
            broken.push(format!(
                "sealed fields of report {report} do not match the commitment in the log"
            ));
        }
    }
    Ok(broken)
}
