//! `truce import`: rows from a file become reports (correlated) or incidents
//! (one a row), in batches of one transaction each. A bad row is reported
//! with its line and reason, written to the rejects file, and skipped; the
//! rest is imported. Importing the same file twice adds nothing. The file is
//! read as the import goes, a batch at a time (a UCDP GeoJSON document, one
//! JSON value, is the exception), so memory does not grow with the file.

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
    let progress = progress_bar(file)?;
    let rows = read_rows(format, file, &parties, &progress)?;
    let skipped = rows.skipped.clone();
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
    let context = ImportContext { correlate, agreement };
    let mut summary = import_rows(&mut engine, rows, &context, &mut rejects)?;
    summary.skipped = skipped.get();
    summary.rows_read += skipped.get();
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
/// pipelined (the next batch is read, checked and decided while the last
/// is written), counting what happened and writing rejected rows in line order.
pub fn import_rows(
    engine: &mut Engine,
    rows: RowChunks,
    context: &ImportContext,
    rejects: &mut Rejects,
) -> anyhow::Result<ImportSummary> {
    let mut refused: Vec<RowError> = Vec::new();
    let mut rows_read = 0u64;
    let lines_of_batches = std::sync::Mutex::new(std::collections::VecDeque::<Vec<u64>>::new());
    let committed = std::sync::Mutex::new(Vec::<(Vec<u64>, Vec<Outcome>)>::new());
    let batches = rows.chunks.map(|chunk| {
        let count = chunk.len();
        rows_read += count as u64;
        // Checking rows needs no state: all cores do it; deciding stays in order.
        let checked: Vec<Result<(u64, Submission), RowError>> = chunk
            .into_par_iter()
            .map(|row| row.and_then(|(line, input)| submission(line, &input, context).map(|s| (line, s))))
            .collect();
        let mut submissions = Vec::with_capacity(count);
        let mut lines = Vec::with_capacity(count);
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
        submissions
    });
    engine.submit_pipelined(batches, |outcomes| {
        let lines = lines_of_batches.lock().expect("lock").pop_front().unwrap_or_default();
        committed.lock().expect("lock").push((lines, outcomes));
        Ok(())
    })?;
    let mut summary = ImportSummary {
        rows_read,
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

/// The rows of a file, a batch at a time, read as they are asked for.
pub struct RowChunks {
    chunks: Box<dyn Iterator<Item = Vec<Row>>>,
    /// Rows skipped so far as not for truce (GDELT events that are not violence).
    pub skipped: std::rc::Rc<std::cell::Cell<u64>>,
}

/// The rows of `file` as `format` reads them, a batch at a time; reading
/// moves `progress` by the bytes read.
pub fn read_rows(
    format: ImportFormat,
    file: &Path,
    parties: &[Code],
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<RowChunks> {
    let open = || -> anyhow::Result<_> {
        let opened = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        Ok(std::io::BufReader::with_capacity(1 << 20, progress.wrap_read(opened)))
    };
    let skipped = std::rc::Rc::new(std::cell::Cell::new(0));
    let chunks: Box<dyn Iterator<Item = Vec<Row>>> = match format {
        ImportFormat::Gdelt => {
            let parties = parties.to_vec();
            let counted = skipped.clone();
            let rows = open()?.lines().enumerate().filter_map(move |(i, line)| {
                let number = i as u64 + 1;
                let parsed = line
                    .map_err(|e| RowError {
                        line: number,
                        reason: e.to_string(),
                    })
                    .and_then(|text| gdelt::parse_line(number, &text, &parties));
                match parsed {
                    Ok(GdeltRow::Skipped) => {
                        counted.set(counted.get() + 1);
                        None
                    }
                    Ok(GdeltRow::Report(input)) => Some(Ok((number, *input))),
                    Err(error) => Some(Err(error)),
                }
            });
            Box::new(in_batches(rows))
        }
        ImportFormat::Jsonl => Box::new(JsonlChunks {
            lines: open()?.lines().enumerate(),
        }),
        ImportFormat::Acled => Box::new(in_batches(acled::read_csv(open()?))),
        ImportFormat::Ucdp => Box::new(in_batches(
            ucdp::read_csv(open()?).enumerate().map(|(i, row)| with_line(i, row)),
        )),
        ImportFormat::UcdpGeojson => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut open()?, &mut text)
                .with_context(|| format!("reading {}", file.display()))?;
            let rows: Vec<Row> = ucdp::read_geojson(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
                .into_iter()
                .enumerate()
                .map(|(i, row)| row.map(|input| (i as u64 + 1, input)))
                .collect();
            Box::new(in_batches(rows.into_iter()))
        }
    };
    Ok(RowChunks { chunks, skipped })
}

/// `rows` a batch at a time.
fn in_batches(mut rows: impl Iterator<Item = Row>) -> impl Iterator<Item = Vec<Row>> {
    std::iter::from_fn(move || {
        let batch: Vec<Row> = rows.by_ref().take(BATCH_ROWS).collect();
        (!batch.is_empty()).then_some(batch)
    })
}

/// JSON Lines a batch at a time: the lines read in order, parsed on all cores.
struct JsonlChunks<R: BufRead> {
    lines: std::iter::Enumerate<std::io::Lines<R>>,
}

impl<R: BufRead> Iterator for JsonlChunks<R> {
    type Item = Vec<Row>;

    fn next(&mut self) -> Option<Vec<Row>> {
        let mut lines = Vec::with_capacity(BATCH_ROWS);
        for (i, line) in self.lines.by_ref() {
            // Blank lines are not rows.
            if line.as_ref().is_ok_and(|l| l.trim().is_empty()) {
                continue;
            }
            lines.push((i as u64 + 1, line));
            if lines.len() == BATCH_ROWS {
                break;
            }
        }
        if lines.is_empty() {
            return None;
        }
        Some(
            lines
                .into_par_iter()
                .map(|(number, line)| {
                    let text = line.map_err(|e| RowError {
                        line: number,
                        reason: e.to_string(),
                    })?;
                    jsonl::parse_line(number, &text).map(|input| (number, input))
                })
                .collect(),
        )
    }
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

/// A bar of the file's bytes read (rows are counted as they are read, not before).
fn progress_bar(file: &Path) -> anyhow::Result<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return Ok(indicatif::ProgressBar::hidden());
    }
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("opening {}", file.display()))?
        .len();
    let bar = indicatif::ProgressBar::new(bytes);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {binary_bytes}/{binary_total_bytes}, {binary_bytes_per_sec}, {eta} left",
        )
        .expect("template"),
    );
    Ok(bar)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_come_a_batch_at_a_time_with_their_own_line_numbers() {
        // 2,500 lines, every seventh blank, the others not JSON: each row is refused with its line.
        let text: String = (1..=2_500)
            .map(|n| {
                if n % 7 == 0 {
                    "  \n".to_string()
                } else {
                    format!("not json {n}\n")
                }
            })
            .collect();
        let chunks: Vec<Vec<Row>> = JsonlChunks {
            lines: std::io::Cursor::new(text).lines().enumerate(),
        }
        .collect();
        let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
        let rows = 2_500 - 2_500 / 7;
        assert_eq!(sizes, [BATCH_ROWS, BATCH_ROWS, rows - 2 * BATCH_ROWS]);
        let lines: Vec<u64> = chunks
            .iter()
            .flatten()
            .map(|row| row.as_ref().unwrap_err().line)
            .collect();
        let expected: Vec<u64> = (1..=2_500).filter(|n| n % 7 != 0).collect();
        assert_eq!(lines, expected);
    }
}
