//! `truce bench ingest` and `truce bench correlate`: the core's speed and
//! correlation quality on synthetic reports with ground truth (see
//! `truce_domain::synthetic`), each figure beside a target or a peer
//! measured in the same run.

use super::bench_figure::Figure;
use super::import::{ImportContext, Rejects, import_rows, read_rows};
use crate::cli::{BenchCoreArgs, ImportFormat};
use crate::datadir::DataDir;
use anyhow::Context;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use truce_domain::agreement::Agreement;
use truce_domain::correlate::{CorrelationRules, correlate_in_order};
use truce_domain::report::Report;
use truce_domain::synthetic::{LabelledReport, SyntheticWorld, generate, pairwise_scores};
use truce_store::{Engine, LogWriter};

fn scratch(args: &BenchCoreArgs) -> anyhow::Result<tempfile::TempDir> {
    let under = args.dir.clone().unwrap_or_else(|| ".".into());
    std::fs::create_dir_all(&under)?;
    tempfile::tempdir_in(&under).context("creating a scratch directory")
}

/// The true incident of a synthetic report, from its external id `synthetic-<incident>-<source>`.
fn truth_of(external_id: &str) -> u64 {
    external_id
        .split('-')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// The example agreement: its `[disclosure]` is the policy measured.
const AGREEMENT: &str = include_str!("../../../../examples/doha-ceasefire.toml");

/// One import of `file` into a fresh data directory under `under`, the
/// engine holding `agreement` (its disclosure policy splits each event).
struct Ingested {
    summary: super::import::ImportSummary,
    seconds: f64,
    entries: u64,
    dir: DataDir,
}

fn ingest_once(under: &Path, file: &Path, agreement: &str) -> anyhow::Result<Ingested> {
    let dir = DataDir::create(under, "bench.truce.example/ingest")?;
    let mut engine = Engine::open(LogWriter::open(&dir.database(), dir.signer()?)?)?;
    engine.set_agreement(Agreement::from_toml(agreement).map_err(|e| anyhow::anyhow!("{e}"))?);
    let mut rejects = Rejects {
        path: under.join("rejects.txt"),
        file: None,
    };
    let start = Instant::now();
    let rows = read_rows(ImportFormat::Jsonl, file, &[], &indicatif::ProgressBar::hidden())?;
    let context = ImportContext {
        correlate: true,
        agreement: None,
    };
    let summary = import_rows(&mut engine, rows, &context, &mut rejects)?;
    let seconds = start.elapsed().as_secs_f64();
    let entries = engine.writer().size();
    Ok(Ingested {
        summary,
        seconds,
        entries,
        dir,
    })
}

pub fn ingest(args: BenchCoreArgs) -> anyhow::Result<ExitCode> {
    let reports = args.reports.unwrap_or(1_000_000);
    let scratch = scratch(&args)?;
    let file = scratch.path().join("reports.jsonl");
    write_jsonl(&generate(SyntheticWorld::default(), reports), &file)?;
    // The peer, in the same run: the same reports with every field in clear
    // (first, so neither run has the other's warm start).
    // The peer, in the same run: the same reports with every field in
    // clear. The two alternate, three rounds each, and the medians are
    // compared: one run against one run moves by a third on this machine.
    let in_clear_agreement = super::bench_disclosure::all_in_clear(AGREEMENT);
    let mut rates = Vec::new();
    let mut peer_rates = Vec::new();
    let mut last = None;
    for round in 0..ROUNDS {
        let peer = ingest_once(
            &scratch.path().join(format!("in-clear-{round}")),
            &file,
            &in_clear_agreement,
        )?;
        peer_rates.push(peer.summary.imported as f64 / peer.seconds);
        std::fs::remove_dir_all(peer.dir.path())?;
        let ingested = ingest_once(&scratch.path().join(format!("data-{round}")), &file, AGREEMENT)?;
        rates.push(ingested.summary.imported as f64 / ingested.seconds);
        if let Some(previous) = last.replace(ingested) {
            let previous: Ingested = previous;
            std::fs::remove_dir_all(previous.dir.path())?;
        }
    }
    let Ingested {
        summary,
        seconds,
        entries,
        dir,
    } = last.expect("at least one round");
    let (precision, recall) = stored_scores(&dir)?;
    let report = |figure: Figure| figure.print(args.json);
    if !args.json {
        println!(
            "truce bench ingest: {} synthetic reports from JSON Lines, correlated, logged, projected",
            summary.rows_read
        );
    }
    let rate = median(&mut rates);
    report(Figure::new("ingest_reports_per_s", rate, "reports/s").against("target", 50_000.0));
    report(
        Figure::new("ingest_reports_per_s", rate, "reports/s")
            .against("every field in clear, no commitments", median(&mut peer_rates)),
    );
    report(Figure::new(
        "ingest_log_entries_per_s",
        entries as f64 / seconds,
        "entries/s",
    ));
    report(Figure::new(
        "ingest_incidents_opened",
        summary.incidents_opened as f64,
        "incidents",
    ));
    report(Figure::new("ingest_rejected", summary.rejected as f64, "rows"));
    report(Figure::new("ingest_pairwise_precision", precision, "").against("target", 0.95));
    report(Figure::new("ingest_pairwise_recall", recall, "").against("target", 0.95));
    Ok(ExitCode::SUCCESS)
}

/// Rounds of the ingest and of its peer, alternating.
const ROUNDS: usize = 3;

/// The median of `values` (sorted in place).
pub(super) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn write_jsonl(reports: &[LabelledReport], path: &Path) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for labelled in reports {
        serde_json::to_writer(&mut out, &labelled.input)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Pairwise precision and recall of the incidents the import stored.
fn stored_scores(dir: &DataDir) -> anyhow::Result<(f64, f64)> {
    let connection = truce_store::pool::open_read_only(&dir.database())?;
    let pairs: Vec<(u64, u64)> = truce_store::queries::report_placements(&connection)?
        .into_iter()
        .map(|(external_id, incident)| (truth_of(&external_id), incident))
        .collect();
    let (truth, predicted): (Vec<u64>, Vec<u64>) = pairs.into_iter().unzip();
    Ok(pairwise_scores(&truth, &predicted))
}

pub fn correlate(args: BenchCoreArgs) -> anyhow::Result<ExitCode> {
    let count = args.reports.unwrap_or(200_000);
    let labelled = generate(SyntheticWorld::default(), count);
    let reports: Vec<Report> = labelled
        .iter()
        .map(|l| l.input.parse().map_err(|e| anyhow::anyhow!("{e:?}")))
        .collect::<Result<_, _>>()?;
    let truth: Vec<u64> = labelled.iter().map(|l| l.true_incident).collect();
    let start = Instant::now();
    let predicted = correlate_in_order(CorrelationRules::default(), &reports);
    let seconds = start.elapsed().as_secs_f64();
    let (precision, recall) = pairwise_scores(&truth, &predicted);
    let f1 = 2.0 * precision * recall / (precision + recall);
    let report = |figure: Figure| figure.print(args.json);
    if !args.json {
        println!(
            "truce bench correlate: {} synthetic reports of {} incidents",
            reports.len(),
            truth.last().map_or(0, |t| t + 1)
        );
    }
    report(Figure::new("correlate_pairwise_precision", precision, "").against("target", 0.95));
    report(Figure::new("correlate_pairwise_recall", recall, "").against("target", 0.95));
    let scratch = scratch(&args)?;
    match dbscan(&reports, &truth, scratch.path()) {
        Ok(peer) => {
            report(Figure::new("correlate_f1", f1, "").against("dbscan_f1", peer.f1));
            let rate = reports.len() as f64 / seconds;
            report(
                Figure::new("correlate_reports_per_s", rate, "reports/s")
                    .against("dbscan_reports_per_s", reports.len() as f64 / peer.seconds),
            );
        }
        Err(error) => {
            report(Figure::new("correlate_f1", f1, ""));
            report(Figure::new(
                "correlate_reports_per_s",
                reports.len() as f64 / seconds,
                "reports/s",
            ));
            eprintln!("the DBSCAN peer did not run ({error:#}); install it with: pip install scikit-learn");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Deserialize)]
struct PeerResult {
    f1: f64,
    seconds: f64,
}

/// Runs `scripts/dbscan_baseline.py` over the same reports.
fn dbscan(reports: &[Report], truth: &[u64], dir: &Path) -> anyhow::Result<PeerResult> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/dbscan_baseline.py");
    let csv = dir.join("reports.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&csv)?);
    writeln!(out, "latitude,longitude,hours,truth")?;
    for (report, incident) in reports.iter().zip(truth) {
        let hours = report.time.start.timestamp() as f64 / 3600.0;
        writeln!(
            out,
            "{},{},{hours},{incident}",
            report.location.latitude.degrees(),
            report.location.longitude.degrees()
        )?;
    }
    out.flush()?;
    drop(out);
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg(&csv)
        .output()
        .context("running python3")?;
    anyhow::ensure!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}
