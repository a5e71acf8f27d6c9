//! `truce export`: reports as JSON Lines (they import again unchanged), or
//! incidents with UCDP GED's columns or as GeoJSON.

use crate::cli::ExportFormat;
use crate::datadir::DataDir;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use truce_interchange::export::{IncidentRecord, geojson, write_hxl_csv, write_ucdp_csv};
use truce_interchange::jsonl;
use truce_store::queries;

pub fn run(data: &Path, format: ExportFormat, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let connection = truce_store::pool::open_read_only(&dir.database())?;
    let mut output: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        ExportFormat::Jsonl => {
            let reader = truce_store::LogReader::open(&dir.database())?;
            queries::for_each_report(&reader, |report| {
                writeln!(output, "{}", jsonl::write_line(report))
                    .map_err(|e| truce_store::StoreError::Corrupt(e.to_string()))
            })?;
        }
        ExportFormat::UcdpCsv => write_ucdp_csv(&incident_records(&connection)?, &mut output)?,
        ExportFormat::HxlCsv => write_hxl_csv(&incident_records(&connection)?, &mut output)?,
        ExportFormat::AcledCsv => {
            let records: Vec<(IncidentRecord, String, String)> = queries::incidents(&connection)?
                .iter()
                .filter_map(|view| {
                    let (event_type, sub_event_type) = view.acled_types();
                    IncidentRecord::from_view(view).map(|record| (record, event_type, sub_event_type))
                })
                .collect();
            truce_interchange::acled::write_csv(&records, &mut output)?;
        }
        ExportFormat::Geojson => {
            serde_json::to_writer(&mut output, &geojson(&incident_records(&connection)?))?;
            writeln!(output)?;
        }
    }
    output.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn incident_records(connection: &truce_store::Database) -> anyhow::Result<Vec<IncidentRecord>> {
    Ok(queries::incidents(connection)?
        .iter()
        .filter_map(IncidentRecord::from_view)
        .collect())
}
