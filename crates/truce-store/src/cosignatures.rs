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

/// Each witness's latest cosignature, in the order of their names: one
/// witness after another by the `(witness, size)` index, never a scan of
/// every cosignature kept.
pub(crate) fn latest(connection: &Connection) -> Result<Vec<Cosigned>, StoreError> {
    use rusqlite::OptionalExtension;
    let mut next = connection.prepare_cached("SELECT MIN(witness) FROM log_cosignatures WHERE witness > ?1")?;
    let mut newest = connection.prepare_cached(
        "SELECT size, cosigned_at FROM log_cosignatures WHERE witness = ?1 ORDER BY size DESC LIMIT 1",
    )?;
    let mut found = Vec::new();
    let mut after = String::new();
    while let Some(witness) = next.query_row([&after], |row| row.get::<_, Option<String>>(0))? {
        if let Some((size, cosigned_at)) = newest
            .query_row([&witness], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))
            .optional()?
        {
            found.push(Cosigned {
                witness: witness.clone(),
                size: size as u64,
                cosigned_at: cosigned_at as u64,
            });
        }
        after = witness;
    }
    Ok(found)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_witness_s_latest_cosignature_is_found_by_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = CosignatureStore::open(&dir.path().join("log.db")).unwrap();
        assert!(store.latest().unwrap().is_empty());
        let row = |size, witness: &str, at| NewCosignature {
            size,
            witness: witness.into(),
            line: format!("line {witness} {size}"),
            cosigned_at: at,
        };
        store
            .record_all(&[
                row(3, "PAK", 30),
                row(9, "AFG", 90),
                row(5, "AFG", 50),
                row(12, "PAK", 120),
                row(2, "QAT", 20),
            ])
            .unwrap();
        let latest = store.latest().unwrap();
        let seen: Vec<(&str, u64, u64)> = latest
            .iter()
            .map(|c| (c.witness.as_str(), c.size, c.cosigned_at))
            .collect();
        assert_eq!(seen, [("AFG", 9, 90), ("PAK", 12, 120), ("QAT", 2, 20)]);
        let plan: String = store
            .connection
            .query_row(
                "EXPLAIN QUERY PLAN SELECT size, cosigned_at FROM log_cosignatures WHERE witness = 'AFG' ORDER BY size DESC LIMIT 1",
                [],
                |row| row.get(3),
            )
            .unwrap();
        assert!(plan.contains("log_cosignatures_by_witness"), "{plan}");
    }
}
