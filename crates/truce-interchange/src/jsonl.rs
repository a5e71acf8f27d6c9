//! JSON Lines of reports: one [`ReportInput`] a line, as `truce export
//! --format jsonl` writes them.

use crate::RowError;
use truce_domain::report::{Report, ReportInput};

/// Parses one line (numbered from 1) into a report input.
pub fn parse_line(line: u64, text: &str) -> Result<ReportInput, RowError> {
    serde_json::from_str(text).map_err(|error| RowError {
        line,
        reason: error.to_string(),
    })
}

/// The line that re-imports as `report` (sealed fields are never exported).
pub fn write_line(report: &Report) -> String {
    serde_json::to_string(&ReportInput::from_report(report)).expect("reports serialize")
}
