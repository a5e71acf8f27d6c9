//! `truce import`: rows from a file become reports (correlated) or incidents
//! (one a row), in batches of one transaction each. A bad row is reported
//! with its line and reason, written to the rejects file, and skipped; the
//! rest is imported. Importing the same file twice adds nothing.

use crate::cli::{ImportAs, ImportFormat};
use crate::datadir::DataDir;
use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use truce_domain::agreement::Agreement;
use truce_domain::codes::Code;
use truce_domain::event::Placement;
use truce_domain::report::ReportInput;
use truce_interchange::gdelt::{self, GdeltRow};
use truce_interchange::{RowError, acled, jsonl, ucdp};
use truce_store::{Engine, LogWriter, Outcome, Submission};

/// Rows decided and committed together.
const BATCH_ROWS: usize = 1024;

#[derive(Debug, Default, Serialize)]
pub struct ImportSummary {
    pub rows_read: u64,
    pub imported: u64,
    pub already_imported: u64,
    pub rejected: u64,
    /// Rows of a kind truce does not record (GDELT events that are not violence).
    pub skipped: u64,
    pub incidents_opened: u64,
    pub rejects_file: Option<PathBuf>,
}

pub fn run(
    data: &Path,
    format: ImportFormat,
    import_as: Option<ImportAs>,
    json: bool,
    file: &Path,
) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let correlate = match import_as {
        Some(choice) => choice == ImportAs::Reports,
        None => matches!(format, ImportFormat::Jsonl | ImportFormat::Gdelt),
    };
    let agreement = dir.agreement()?;
    let parties: Vec<Code> = agreement
        .iter()
        .flat_map(|a| a.parties.iter().map(|p| p.code.clone()))
        .collect();
    let (rows, skipped) = read_rows(format, file, &parties)?;
    let mut engine = Engine::open(LogWriter::open(&dir.database(), dir.signer()?)?)?;
    if let Some(agreement) = &agreement {
        // Its `[disclosure]` says what the log commits to.
        engine.set_agreement(agreement.clone());
    }
    let rejects_path = dir.path().join("rejects").join(format!(
        "{}.rejects.txt",
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "import".into())
    ));
    let mut rejects = Rejects {
        path: rejects_path,
        file: None,
    };
    let progress = progress_bar(rows.len() as u64);
    let context = ImportContext { correlate, agreement };
    let mut summary = import_rows(&mut engine, &rows, &context, &mut rejects, &progress)?;
    summary.skipped = skipped;
    summary.rows_read += skipped;
    progress.finish_and_clear();
    summary.rejects_file = rejects.file.is_some().then_some(rejects.path);
    print_summary(&summary, json)?;
    Ok(ExitCode::SUCCESS)
}

pub type Row = Result<(u64, ReportInput), RowError>;

/// What every row of an import is filed with.
pub struct ImportContext {
    /// Reports go through correlation; otherwise each opens its own incident.
    pub correlate: bool,
    /// The agreement, for zones and cross-border acts.
    pub agreement: Option<Agreement>,
}

/// Imports `rows` through `engine` in batches of one transaction each,
/// pipelined (the next batch is checked and decided while the last is
/// written), counting what happened and writing rejected rows in line order.
pub fn import_rows(
    engine: &mut Engine,
    rows: &[Row],
    context: &ImportContext,
    rejects: &mut Rejects,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<ImportSummary> {
    let mut refused: Vec<RowError> = Vec::new();
    let lines_of_batches = std::sync::Mutex::new(std::collections::VecDeque::<Vec<u64>>::new());
    let committed = std::sync::Mutex::new(Vec::<(Vec<u64>, Vec<Outcome>)>::new());
    let batches = rows.chunks(BATCH_ROWS).map(|chunk| {
        // Checking rows needs no state: all cores do it; deciding stays in order.
        let checked: Vec<Result<(u64, Submission), RowError>> = chunk
            .par_iter()
            .map(|row| {
                row.clone()
                    .and_then(|(line, input)| submission(line, &input, context).map(|s| (line, s)))
            })
            .collect();
        let mut submissions = Vec::with_capacity(chunk.len());
        let mut lines = Vec::with_capacity(chunk.len());
        for row in checked {
            match row {
                Ok((line, submission)) => {
                    submissions.push(submission);
                    lines.push(line);
                }
                Err(error) => refused.push(error),
            }
        }
        lines_of_batches.lock().expect("lock").push_back(lines);
        progress.inc(chunk.len() as u64);
        submissions
    });
    engine.submit_pipelined(batches, |outcomes| {
        let lines = lines_of_batches.lock().expect("lock").pop_front().unwrap_or_default();
        committed.lock().expect("lock").push((lines, outcomes));
        Ok(())
    })?;
    let mut summary = ImportSummary {
        rows_read: rows.len() as u64,
        rejected: refused.len() as u64,
        ..ImportSummary::default()
    };
    for (lines, outcomes) in committed.into_inner().expect("lock") {
        for (line, outcome) in lines.into_iter().zip(outcomes) {
            match outcome {
                Outcome::Recorded { placement, .. } => {
                    summary.imported += 1;
                    if let Some(Placement::OpenedIncident(_)) = placement {
                        summary.incidents_opened += 1;
                    }
                }
                Outcome::Unchanged => summary.already_imported += 1,
                Outcome::Refused(reason) => {
                    summary.rejected += 1;
                    refused.push(RowError {
                        line,
                        reason: reason.to_string(),
                    });
                }
            }
        }
    }
    refused.sort_by_key(|error| error.line);
    for error in &refused {
        rejects.write(error)?;
    }
    Ok(summary)
}

/// The rows of `file`, and how many were skipped as not for truce.
pub fn read_rows(format: ImportFormat, file: &Path, parties: &[Code]) -> anyhow::Result<(Vec<Row>, u64)> {
    let open = || std::fs::File::open(file).with_context(|| format!("opening {}", file.display()));
    if let ImportFormat::Gdelt = format {
        let mut rows = Vec::new();
        let mut skipped = 0;
        for (i, line) in std::io::BufReader::new(open()?).lines().enumerate() {
            let number = i as u64 + 1;
            let parsed = line
                .map_err(|e| RowError {
                    line: number,
                    reason: e.to_string(),
                })
                .and_then(|text| gdelt::parse_line(number, &text, parties));
            match parsed {
                Ok(GdeltRow::Skipped) => skipped += 1,
                Ok(GdeltRow::Report(input)) => rows.push(Ok((number, *input))),
                Err(error) => rows.push(Err(error)),
            }
        }
        return Ok((rows, skipped));
    }
    let rows = match format {
        ImportFormat::Jsonl => {
            let lines: Vec<std::io::Result<String>> = std::io::BufReader::new(open()?).lines().collect();
            lines
                .into_par_iter()
                .enumerate()
                .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
                .map(|(i, line)| {
                    let line_number = i as u64 + 1;
                    let text = line.map_err(|e| RowError {
                        line: line_number,
                        reason: e.to_string(),
                    })?;
                    jsonl::parse_line(line_number, &text).map(|input| (line_number, input))
                })
                .collect()
        }
        ImportFormat::Gdelt => unreachable!("read above"),
        ImportFormat::Acled => acled::read_csv(open()?).collect(),
        ImportFormat::Ucdp => ucdp::read_csv(open()?)
            .enumerate()
            .map(|(i, row)| with_line(i, row))
            .collect(),
        ImportFormat::UcdpGeojson => {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            ucdp::read_geojson(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
                .into_iter()
                .enumerate()
                .map(|(i, row)| row.map(|input| (i as u64 + 1, input)))
                .collect()
        }
    };
    Ok((rows, 0))
}

/// CSV rows carry their line inside errors; good rows get theirs from the position (header is line 1).
fn with_line(index: usize, row: Result<ReportInput, RowError>) -> Row {
    row.map(|input| (index as u64 + 2, input))
}

fn submission(line: u64, input: &ReportInput, context: &ImportContext) -> Result<Submission, RowError> {
    let report = input.parse().map_err(|errors| RowError {
        line,
        reason: errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
    })?;
    Ok(Submission::report("import", input, |sealed_commitment| {
        crate::geography::file_report(report, context.agreement.as_ref(), sealed_commitment, context.correlate)
    })
    .acting("admin"))
}

/// The rejects file, created at the first rejected row.
pub struct Rejects {
    pub path: PathBuf,
    pub file: Option<std::fs::File>,
}

impl Rejects {
    fn write(&mut self, error: &RowError) -> anyhow::Result<()> {
        if self.file.is_none() {
            std::fs::create_dir_all(self.path.parent().expect("in a directory"))?;
            self.file = Some(std::fs::File::create(&self.path)?);
        }
        writeln!(self.file.as_mut().expect("opened"), "{error}")?;
        Ok(())
    }
}

fn progress_bar(rows: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(rows);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows, {per_sec}, {eta} left").expect("template"),
    );
    bar
}

fn print_summary(summary: &ImportSummary, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(summary)?);
        return Ok(());
    }
    println!(
        "{} rows read: {} imported, {} already imported, {} rejected, {} skipped; {} incidents opened",
        summary.rows_read,
        summary.imported,
        summary.already_imported,
        summary.rejected,
        summary.skipped,
        summary.incidents_opened
    );
    if let Some(path) = &summary.rejects_file {
        println!("rejected rows, with their line and reason: {}", path.display());
    }
    Ok(())
}
