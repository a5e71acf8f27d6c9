//! `truce bench log`: the log's speed, each figure beside a peer or a
//! physical limit measured in the same run on the same disk:
//! - durable appends at batch sizes 1, 64 and 1024, against the fsync rate
//!   and SQLite's own insert rate of the same rows in the same mode;
//! - group commit through the sequencer with many concurrent appenders;
//! - proofs read from a log of `--entries` entries (median and p99);
//! - the full audit against one core's raw SHA-256 over the same bytes;
//! - peak memory while appending `--entries` entries.

use super::bench_figure::Figure;
use crate::cli::BenchLogArgs;
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use truce_log::{KeyName, SignerKey};
use truce_store::{LogEntry, LogReader, LogWriter, Sequencer, SequencerConfig, audit_log};

const ENTRY_BYTES: usize = 256;

pub fn run(args: BenchLogArgs) -> anyhow::Result<ExitCode> {
    let temporary = tempfile_dir(args.dir.as_deref())?;
    let dir = temporary.path();
    let report = |figure: Figure| figure.print(args.json);
    if !args.json {
        println!(
            "truce bench log: {} entries of {ENTRY_BYTES} bytes in the large log, in {}",
            args.entries,
            dir.display()
        );
    }
    // The large log first, so that peak memory is the append's own.
    let large = dir.join("large.db");
    let (rate, peak_bytes) = build_large_log(&large, args.entries)?;
    report(Figure::new(
        &format!("append_{}_entries_batch_1024", args.entries),
        rate,
        "entries/s",
    ));
    report(
        Figure::new(
            &format!("peak_memory_appending_{}", args.entries),
            peak_bytes as f64 / 1e6,
            "MB",
        )
        .against("limit", 100.0),
    );

    let fsync_rate = measure_fsync_rate(dir)?;
    let sqlite_rate = measure_sqlite_insert_rate(&dir.join("sqlite-peer.db"))?;
    for batch in [1usize, 64, 1024] {
        let rate = measure_appends(&dir.join(format!("batch-{batch}.db")), batch)?;
        let figure = Figure::new(&format!("append_batch_{batch}"), rate, "entries/s");
        report(if batch == 1 {
            figure.against("fsyncs/s", fsync_rate)
        } else {
            figure.against("sqlite_inserts/s", sqlite_rate)
        });
    }
    report(Figure::new(
        "append_sequencer_256_concurrent",
        measure_sequencer(&dir.join("sequencer.db"))?,
        "entries/s",
    ));

    let reader = LogReader::open(&large)?;
    let (inclusion, consistency) = measure_proofs(&reader, args.entries)?;
    report(Figure::new("inclusion_proof_median", inclusion.0, "µs").against("target", 50.0));
    report(Figure::new("inclusion_proof_p99", inclusion.1, "µs"));
    report(Figure::new("consistency_proof_median", consistency.0, "µs").against("target", 50.0));
    report(Figure::new("consistency_proof_p99", consistency.1, "µs"));

    let (audit_rate, raw_rate) = measure_audit(&reader, args.entries)?;
    report(
        Figure::new("audit_throughput", audit_rate / 1e6, "MB/s").against("raw_sha256_one_core_MB/s", raw_rate / 1e6),
    );
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir(under: Option<&Path>) -> anyhow::Result<tempfile::TempDir> {
    Ok(match under {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            tempfile::tempdir_in(dir)?
        }
        None => tempfile::tempdir_in(".").context("creating a scratch directory here")?,
    })
}

fn signer() -> SignerKey {
    SignerKey::from_seed(KeyName::parse("bench.truce.example/log").expect("valid"), [1; 32])
}

/// Entry `index`: 256 bytes, distinct for every index (a xorshift stream).
fn entry(index: u64) -> LogEntry {
    let mut state = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut bytes = Vec::with_capacity(ENTRY_BYTES);
    while bytes.len() < ENTRY_BYTES {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    LogEntry::new(bytes).expect("256 bytes")
}

fn batch(first: u64, count: usize) -> Vec<LogEntry> {
    (first..first + count as u64).map(entry).collect()
}

fn build_large_log(path: &Path, entries: u64) -> anyhow::Result<(f64, u64)> {
    let mut writer = LogWriter::open(path, signer())?;
    let start = Instant::now();
    let mut appended = 0;
    while appended < entries {
        let count = 1024.min(entries - appended) as usize;
        writer.append_batch(&batch(appended, count))?;
        appended += count as u64;
    }
    let rate = entries as f64 / start.elapsed().as_secs_f64();
    Ok((rate, peak_resident_bytes()?))
}

/// The process's peak resident set (VmHWM), in bytes.
fn peak_resident_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .context("no VmHWM")?;
    let kilobytes: u64 = line.split_whitespace().nth(1).context("VmHWM value")?.parse()?;
    Ok(kilobytes * 1024)
}

/// The physical limit of batch 1: how many 256-byte write + fdatasync a second this disk does.
fn measure_fsync_rate(dir: &Path) -> anyhow::Result<f64> {
    use std::io::Write as _;
    let mut file = std::fs::File::create(dir.join("fsync-probe"))?;
    let start = Instant::now();
    let mut count = 0;
    while start.elapsed() < Duration::from_secs(2) {
        file.write_all(&[0u8; ENTRY_BYTES])?;
        file.sync_data()?;
        count += 1;
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// The peer: SQLite alone, WAL and full sync as the log uses it,
/// inserting the same 256-byte rows in transactions of 1024.
fn measure_sqlite_insert_rate(path: &Path) -> anyhow::Result<f64> {
    Ok(truce_store::bench_peer::sqlite_insert_rate(path, 300, 1024, |index| {
        entry(index).into_bytes()
    })?)
}

fn measure_appends(path: &Path, batch_size: usize) -> anyhow::Result<f64> {
    let mut writer = LogWriter::open(path, signer())?;
    let total = match batch_size {
        1 => 3_000,
        64 => 64 * 2_000,
        _ => 1024 * 400,
    };
    let start = Instant::now();
    let mut appended = 0u64;
    while appended < total {
        writer.append_batch(&batch(appended, batch_size))?;
        appended += batch_size as u64;
    }
    Ok(appended as f64 / start.elapsed().as_secs_f64())
}

fn measure_sequencer(path: &Path) -> anyhow::Result<f64> {
    let sequencer = Sequencer::start(LogWriter::open(path, signer())?, SequencerConfig::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let per_task = 2_000u64;
    let tasks = 256u64;
    let start = Instant::now();
    runtime.block_on(async {
        let mut handles = Vec::new();
        for task in 0..tasks {
            let handle = sequencer.handle();
            handles.push(tokio::spawn(async move {
                for i in 0..per_task {
                    handle.append(entry(task * per_task + i)).await?;
                }
                anyhow::Ok(())
            }));
        }
        for handle in handles {
            handle.await??;
        }
        anyhow::Ok(())
    })?;
    let rate = (tasks * per_task) as f64 / start.elapsed().as_secs_f64();
    sequencer.shutdown();
    Ok(rate)
}

/// Median and p99, in microseconds, of 10,000 random proofs of each kind.
fn measure_proofs(reader: &LogReader, size: u64) -> anyhow::Result<((f64, f64), (f64, f64))> {
    let mut random = rand::rngs::StdRng::seed_from_u64(7);
    let mut inclusion = Vec::new();
    let mut consistency = Vec::new();
    for _ in 0..10_000 {
        let index = random.gen_range(0..size);
        let start = Instant::now();
        let proof = reader.inclusion_proof(index, size)?;
        inclusion.push(start.elapsed());
        std::hint::black_box(proof);
        let old = random.gen_range(1..=size);
        let start = Instant::now();
        let proof = reader.consistency_proof(old, size)?;
        consistency.push(start.elapsed());
        std::hint::black_box(proof);
    }
    Ok((median_and_p99(&mut inclusion), median_and_p99(&mut consistency)))
}

use rand::{Rng as _, SeedableRng as _};

fn median_and_p99(durations: &mut [Duration]) -> (f64, f64) {
    durations.sort_unstable();
    let at = |quantile: f64| durations[((durations.len() - 1) as f64 * quantile) as usize].as_secs_f64() * 1e6;
    (at(0.5), at(0.99))
}

/// The audit's entry bytes a second, and one core's SHA-256 over the same bytes.
fn measure_audit(reader: &LogReader, entries: u64) -> anyhow::Result<(f64, f64)> {
    let start = Instant::now();
    let report = audit_log(reader)?;
    let audit_rate = report.entry_bytes as f64 / start.elapsed().as_secs_f64();
    // The same entries, generated again, hashed as one stream on one core.
    let chunk_entries = 1 << 16;
    let mut hasher = Sha256::new();
    let mut hashing = Duration::ZERO;
    let mut buffer = Vec::with_capacity(chunk_entries * ENTRY_BYTES);
    for first in (0..entries).step_by(chunk_entries) {
        buffer.clear();
        for index in first..(first + chunk_entries as u64).min(entries) {
            buffer.extend_from_slice(entry(index).as_bytes());
        }
        let start = Instant::now();
        hasher.update(&buffer);
        hashing += start.elapsed();
    }
    std::hint::black_box(hasher.finalize());
    Ok((
        audit_rate,
        (entries as usize * ENTRY_BYTES) as f64 / hashing.as_secs_f64(),
    ))
}
