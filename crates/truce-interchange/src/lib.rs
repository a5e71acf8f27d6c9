//! `truce-interchange`: reading and writing the formats the field already
//! uses. Readers turn rows into [`truce_domain::report::ReportInput`]s (the
//! domain then checks them); a bad row is an error naming its line, never a
//! reason to stop. Writers take plain export records.
//!
//! - [`acled`]: ACLED event CSV in and out.
//! - [`ucdp`]: UCDP GED rows, from CSV (full or cut-down schema) and GeoJSON.
//! - [`gdelt`]: GDELT 1.0 and 2.0 event exports (CAMEO 18 to 20 as reports).
//! - [`jsonl`]: truce's own JSON Lines of reports.
//! - [`export`]: incidents as UCDP-style CSV, HXL-tagged CSV and GeoJSON.
//! - [`spreadsheet`]: CSV text cells quoted so spreadsheets never run them as formulas.
//!
//! No file or network I/O: callers hand in readers and strings.

pub mod acled;
pub mod export;
pub mod gdelt;
pub mod jsonl;
pub mod spreadsheet;
pub mod ucdp;

/// One input row that could not become a report: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}
