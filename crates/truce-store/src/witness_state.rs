//! A witness's state (C2SP tlog-witness), in its own SQLite file on its
//! operator's machine, apart from any log: for each log it trusts, the
//! origin, the log's verifier key and the latest checkpoint it cosigned;
//! and the refused requests that carried a valid log signature, kept as
//! evidence of a split view.
//!
//! [`WitnessState::advance`] checks and stores in one immediate
//! transaction, fully synced before it returns, so two requests can never
//! both pass the check against one old size (the spec's rollback race),
//! even from two processes, and a cosignature is never given for a state
//! a crash could lose.

use crate::error::StoreError;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use truce_log::Hash;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS witness_logs (
    origin TEXT PRIMARY KEY,
    vkey TEXT NOT NULL,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT,
    cosigned_at INTEGER
);
CREATE TABLE IF NOT EXISTS witness_evidence (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    request TEXT NOT NULL,
    stored_size INTEGER NOT NULL,
    at INTEGER NOT NULL
);
";

/// What the witness holds for one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessedLog {
    pub origin: String,
    /// The log's verifier key line.
    pub vkey: String,
    /// The size of the latest checkpoint cosigned (0 before the first).
    pub size: u64,
    pub root: Hash,
    /// That checkpoint as the log sent it, signatures included.
    pub note: Option<String>,
    /// When it was cosigned (POSIX seconds).
    pub cosigned_at: Option<u64>,
}

/// The checkpoint a witness moves to once it has checked it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advance {
    pub size: u64,
    pub root: Hash,
    pub note: String,
    pub cosigned_at: u64,
}

/// A refused request kept as evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub origin: String,
    /// The status it was answered.
    pub status: u16,
    pub reason: String,
    /// The request body, whose checkpoint the log signed.
    pub request: String,
    /// The size the witness had cosigned when it refused.
    pub stored_size: u64,
    pub at: u64,
}

pub struct WitnessState {
    connection: Connection,
}

impl WitnessState {
    /// Creates the state file; refuses one that exists (a witness whose
    /// state is replaced could be made to cosign a rollback).
    pub fn create(path: &Path) -> Result<WitnessState, StoreError> {
        if path.exists() {
            return Err(StoreError::Corrupt(format!(
                "{} exists already: a witness's state is never recreated",
                path.display()
            )));
        }
        WitnessState::connect(path)
    }

    /// Opens the state `create` made; refuses to start without it.
    pub fn open(path: &Path) -> Result<WitnessState, StoreError> {
        if !path.exists() {
            return Err(StoreError::Corrupt(format!(
                "{} does not exist: run truce witness init first (a witness that lost its state must be retired, not restarted)",
                path.display()
            )));
        }
        WitnessState::connect(path)
    }

    fn connect(path: &Path) -> Result<WitnessState, StoreError> {
        let connection = Connection::open(path)?;
        configure(&connection)?;
        connection.execute_batch(SCHEMA)?;
        Ok(WitnessState { connection })
    }

    /// Trusts the log `origin` with key `vkey`. Adding it again with the
    /// same key changes nothing; with another key it is refused (a log's
    /// key is changed by retiring the witness's record of it, deliberately).
    pub fn add_log(&mut self, origin: &str, vkey: &str) -> Result<bool, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<String> = transaction
            .query_row("SELECT vkey FROM witness_logs WHERE origin = ?1", [origin], |row| {
                row.get(0)
            })
            .optional()?;
        let added = match existing {
            Some(known) if known == vkey => false,
            Some(known) => {
                return Err(StoreError::Corrupt(format!(
                    "the witness already trusts {origin} with the key {known}"
                )));
            }
            None => {
                transaction.execute(
                    "INSERT INTO witness_logs (origin, vkey, size, root) VALUES (?1, ?2, 0, ?3)",
                    params![origin, vkey, Hash::empty_tree_root().as_bytes().as_slice()],
                )?;
                true
            }
        };
        transaction.commit()?;
        Ok(added)
    }

    pub fn logs(&self) -> Result<Vec<WitnessedLog>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT origin, vkey, size, root, note, cosigned_at FROM witness_logs ORDER BY origin")?;
        let mut logs = Vec::new();
        for row in statement.query_map([], witnessed_log)? {
            logs.push(row??);
        }
        Ok(logs)
    }

    pub fn log(&self, origin: &str) -> Result<Option<WitnessedLog>, StoreError> {
        read_log(&self.connection, origin)
    }

    /// Reads what the witness holds for `origin` and, in the same
    /// transaction, stores what `decide` moves it to (if anything). `None`
    /// if the origin is unknown.
    pub fn advance<T>(
        &mut self,
        origin: &str,
        decide: impl FnOnce(&WitnessedLog) -> (Option<Advance>, T),
    ) -> Result<Option<T>, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(stored) = read_log(&transaction, origin)? else {
            return Ok(None);
        };
        let (advance, answer) = decide(&stored);
        if let Some(advance) = advance {
            let changed = transaction.execute(
                "UPDATE witness_logs SET size = ?2, root = ?3, note = ?4, cosigned_at = ?5
                 WHERE origin = ?1 AND size = ?6",
                params![
                    origin,
                    advance.size as i64,
                    advance.root.as_bytes().as_slice(),
                    advance.note,
                    advance.cosigned_at as i64,
                    stored.size as i64
                ],
            )?;
            if changed != 1 {
                return Err(StoreError::Corrupt(format!(
                    "the record of {origin} changed under its transaction"
                )));
            }
        }
        transaction.commit()?;
        Ok(Some(answer))
    }

    pub fn record_evidence(&mut self, evidence: &Evidence) -> Result<(), StoreError> {
        self.connection.execute(
            "INSERT INTO witness_evidence (origin, status, reason, request, stored_size, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                evidence.origin,
                evidence.status,
                evidence.reason,
                evidence.request,
                evidence.stored_size as i64,
                evidence.at as i64
            ],
        )?;
        Ok(())
    }

    pub fn evidence(&self) -> Result<Vec<Evidence>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT origin, status, reason, request, stored_size, at FROM witness_evidence ORDER BY id")?;
        let rows = statement.query_map([], |row| {
            Ok(Evidence {
                origin: row.get(0)?,
                status: row.get(1)?,
                reason: row.get(2)?,
                request: row.get(3)?,
                stored_size: row.get::<_, i64>(4)? as u64,
                at: row.get::<_, i64>(5)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

fn configure(connection: &Connection) -> rusqlite::Result<()> {
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.busy_timeout(std::time::Duration::from_secs(10))
}

fn read_log(connection: &Connection, origin: &str) -> Result<Option<WitnessedLog>, StoreError> {
    connection
        .prepare_cached("SELECT origin, vkey, size, root, note, cosigned_at FROM witness_logs WHERE origin = ?1")?
        .query_row([origin], witnessed_log)
        .optional()?
        .transpose()
}

fn witnessed_log(row: &rusqlite::Row) -> rusqlite::Result<Result<WitnessedLog, StoreError>> {
    let origin: String = row.get(0)?;
    let root: Vec<u8> = row.get(3)?;
    let Ok(root) = Hash::from_slice(&root) else {
        return Ok(Err(StoreError::Corrupt(format!(
            "the stored root of {origin} is not 32 bytes"
        ))));
    };
    Ok(Ok(WitnessedLog {
        vkey: row.get(1)?,
        size: row.get::<_, i64>(2)? as u64,
        root,
        note: row.get(4)?,
        cosigned_at: row.get::<_, Option<i64>>(5)?.map(|t| t as u64),
        origin,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_advances_only_from_what_it_holds_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("witness.db");
        let mut state = WitnessState::create(&path).unwrap();
        assert!(WitnessState::create(&path).is_err(), "never recreated");
        assert!(state.add_log("log.example/a", "vkey-a").unwrap());
        assert!(!state.add_log("log.example/a", "vkey-a").unwrap());
        assert!(state.add_log("log.example/a", "vkey-b").is_err());
        let to = |size: u64| Advance {
            size,
            root: Hash([size as u8; 32]),
            note: format!("note {size}"),
            cosigned_at: 1000 + size,
        };
        let seen = state
            .advance("log.example/a", |stored| (Some(to(5)), stored.size))
            .unwrap();
        assert_eq!(seen, Some(0));
        assert_eq!(state.advance("log.example/b", |_| (None, ())).unwrap(), None);
        state
            .record_evidence(&Evidence {
                origin: "log.example/a".into(),
                status: 422,
                reason: "the consistency proof does not verify".into(),
                request: "old 5\n...".into(),
                stored_size: 5,
                at: 7,
            })
            .unwrap();
        drop(state);
        let state = WitnessState::open(&path).unwrap();
        let log = state.log("log.example/a").unwrap().unwrap();
        assert_eq!((log.size, log.root, log.cosigned_at), (5, Hash([5; 32]), Some(1005)));
        assert_eq!(state.evidence().unwrap()[0].status, 422);
        assert!(WitnessState::open(&dir.path().join("missing.db")).is_err());
    }
}
