//! The physical limits the benchmarks measure the log against, in the same
//! run: SQLite alone, configured as the log configures it.

use crate::error::StoreError;
use rusqlite::Connection;
use std::path::Path;
use std::time::Instant;

/// Rows a second SQLite inserts into a fresh database at `path` (16 KiB
/// pages, WAL, full sync), `batches` transactions of `batch` rows, row `i`
/// holding `row(i)`.
pub fn sqlite_insert_rate(
    path: &Path,
    batches: u64,
    batch: u64,
    row: impl Fn(u64) -> Vec<u8>,
) -> Result<f64, StoreError> {
    let mut connection = Connection::open(path)?;
    connection.pragma_update(None, "page_size", 16384)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.execute_batch("CREATE TABLE rows (idx INTEGER PRIMARY KEY, data BLOB NOT NULL)")?;
    let rows = batches * batch;
    let start = Instant::now();
    for first in (0..rows).step_by(batch as usize) {
        let transaction = connection.transaction()?;
        {
            let mut statement = transaction.prepare_cached("INSERT INTO rows (idx, data) VALUES (?1, ?2)")?;
            for index in first..first + batch {
                statement.execute(rusqlite::params![index as i64, row(index)])?;
            }
        }
        transaction.commit()?;
    }
    Ok(rows as f64 / start.elapsed().as_secs_f64())
}
