//! The witnesses' cosignatures on the log's checkpoints, collected by the
//! server after each checkpoint and kept beside it: `/log/checkpoint`
//! serves the latest checkpoint with those it has, and every cosigned
//! checkpoint stays, so a receipt can be upgraded to one later.

use crate::error::StoreError;
use crate::schema;
use rusqlite::{Connection, params};
use std::path::Path;

/// One witness's latest cosignature: the size it cosigned and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    pub witness: String,
    pub size: u64,
    pub cosigned_at: u64,
}

/// A witness's cosignature `line` on the checkpoint of `size`, to keep.
#[derive(Clone, Debug)]
pub struct NewCosignature {
    pub size: u64,
    pub witness: String,
    pub line: String,
    pub cosigned_at: u64,
}

/// The writer of cosignatures: a connection of its own, beside the log's writer.
pub struct CosignatureStore {
    connection: Connection,
}

impl CosignatureStore {
    /// Its commits are not synced (WAL, `synchronous=NORMAL`): a
    /// cosignature is nobody's acknowledged data (the witness keeps its own
    /// state synced, and one lost in a power cut is collected again on a
    /// later checkpoint), and a sync each would compete for the disk with
    /// the log's own commits, which are.
    pub fn open(path: &Path) -> Result<CosignatureStore, StoreError> {
        let connection = Connection::open(path)?;
        schema::configure(&connection)?;
        schema::create(&connection)?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(CosignatureStore { connection })
    }

    /// Keeps every one of `cosignatures`, in one transaction.
    pub fn record_all(&mut self, cosignatures: &[NewCosignature]) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT OR REPLACE INTO log_cosignatures (size, witness, line, cosigned_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for c in cosignatures {
                insert.execute(params![c.size as i64, c.witness, c.line, c.cosigned_at as i64])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// Each witness's latest cosignature.
    pub fn latest(&self) -> Result<Vec<Cosigned>, StoreError> {
        latest(&self.connection)
    }
}

pub(crate) fn latest(connection: &Connection) -> Result<Vec<Cosigned>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT witness, MAX(size), cosigned_at FROM log_cosignatures GROUP BY witness ORDER BY witness",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(Cosigned {
            witness: row.get(0)?,
            size: row.get::<_, i64>(1)? as u64,
            cosigned_at: row.get::<_, i64>(2)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The cosignature lines on the checkpoint of `size`, by witness name.
pub(crate) fn lines_at(connection: &Connection, size: u64) -> Result<Vec<String>, StoreError> {
    let mut statement =
        connection.prepare_cached("SELECT line FROM log_cosignatures WHERE size = ?1 ORDER BY witness")?;
    let rows = statement.query_map([size as i64], |row| row.get(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The largest size every one of `witnesses` has cosigned.
pub(crate) fn latest_cosigned_by_all(connection: &Connection, witnesses: usize) -> Result<Option<u64>, StoreError> {
    Ok(connection
        .prepare_cached(
            "SELECT size FROM log_cosignatures GROUP BY size HAVING COUNT(*) >= ?1 ORDER BY size DESC LIMIT 1",
        )?
        .query_row([witnesses as i64], |row| row.get::<_, i64>(0))
        .map(|size| Some(size as u64))
        .or_else(|error| match error {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })?)
}
