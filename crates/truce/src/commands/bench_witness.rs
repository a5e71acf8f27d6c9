//! `truce bench witness`: the witnesses' cost, each figure beside its peer
//! measured in the same run.
//!
//! - add-checkpoint requests a second one witness answers, each a
//!   checkpoint one entry larger than the last with its consistency proof,
//!   one after another over one keep-alive connection (a witness moves its
//!   state for one log one request at a time); its physical limit is the
//!   disk's synced commits a second, measured on the same disk;
//! - the latency from a submission's checkpoint to its full quorum with
//!   the four witnesses of the demo on loopback;
//! - `truce bench api`'s submissions with those four witnesses against none.

use super::bench_core::median;
use super::bench_figure::Figure;
use super::local_witnesses;
use crate::datadir::DataDir;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use truce_log::witness_protocol::AddCheckpoint;
use truce_store::{LogReader, LogWriter};
use truce_witness::files::WitnessDir;

const AGREEMENT: &str = include_str!("../../../../examples/doha-ceasefire.toml");

pub fn run(json: bool, requests: u64, seconds: u64, connections: u32) -> anyhow::Result<ExitCode> {
    let scratch = tempfile::tempdir()?;
    if !json {
        println!(
            "truce bench witness: one witness's add-checkpoint rate, the quorum's latency, submissions with four witnesses"
        );
    }
    let print = |figure: Figure| figure.print(json);

    let (rate, synced) = add_checkpoint_rate(scratch.path(), requests)?;
    print(Figure::new("witness_add_checkpoint_per_s", rate, "requests/s").against("target", 1_000.0));
    print(
        Figure::new("witness_add_checkpoint_per_s", rate, "requests/s")
            .against("synced SQLite commits/s on this disk", synced),
    );

    let (median, p90) = quorum_latency(scratch.path(), 60)?;
    print(Figure::new("witness_quorum_latency_median_ms", median, "ms").against("target", 50.0));
    print(Figure::new("witness_quorum_latency_p90_ms", p90, "ms"));

    let (with, without) = submissions_with_witnesses(scratch.path(), seconds, connections)?;
    print(Figure::new("api_submissions_per_s", with, "requests/s").against("the same with no witnesses", without));
    Ok(ExitCode::SUCCESS)
}

/// One witness answering `requests` add-checkpoints in a row, and the
/// disk's synced commits a second (the witness syncs one a request).
fn add_checkpoint_rate(scratch: &std::path::Path, requests: u64) -> anyhow::Result<(f64, f64)> {
    // A log of `requests` entries, one checkpoint at each size.
    let log_dir = DataDir::create(&scratch.join("rate-log"), "bench.truce.example/witness")?;
    let mut writer = LogWriter::open(&log_dir.database(), log_dir.signer()?)?;
    for i in 0..requests {
        writer.append_batch(&[truce_store::LogEntry::new(format!("entry {i}").into_bytes())?])?;
    }
    drop(writer);
    let reader = LogReader::open(&log_dir.database())?;
    let mut bodies = Vec::with_capacity(requests as usize);
    for size in 1..=requests {
        let checkpoint = reader.checkpoint_at(size)?;
        let old = size - 1;
        let proof = if old == 0 {
            Vec::new()
        } else {
            reader.consistency_proof(old, size)?
        };
        bodies.push(
            AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: checkpoint.note,
            }
            .to_body(),
        );
    }
    let witness_dir = WitnessDir::at(&scratch.join("rate-witness"));
    witness_dir.init("witness.bench.truce.example")?;
    witness_dir
        .state()?
        .add_log("bench.truce.example/witness", &log_dir.verifier()?.to_string())?;
    let witness = Arc::new(witness_dir.witness()?);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let url = format!("http://{}/add-checkpoint", listener.local_addr()?);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("the listener");
            let _ = axum::serve(listener, truce_witness::http::router(witness)).await;
        });
    });
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let start = Instant::now();
    for (i, body) in bodies.iter().enumerate() {
        let status = agent.post(&url).send(body.as_str())?.status().as_u16();
        if status != 200 {
            anyhow::bail!("the witness answered {status} to checkpoint {}", i + 1);
        }
    }
    let rate = requests as f64 / start.elapsed().as_secs_f64();
    Ok((rate, synced_commits_per_s(&scratch.join("synced.db"), requests)?))
}

/// Synced commits a second of one small row, as the witness's state writes them.
fn synced_commits_per_s(path: &std::path::Path, commits: u64) -> anyhow::Result<f64> {
    let state = truce_store::witness_state::WitnessState::create(path)?;
    drop(state);
    let mut state = truce_store::witness_state::WitnessState::open(path)?;
    state.add_log("peer", "peer")?;
    let start = Instant::now();
    for size in 1..=commits {
        state.advance("peer", |_| {
            (
                Some(truce_store::witness_state::Advance {
                    size,
                    root: truce_log::Hash([0; 32]),
                    note: String::new(),
                    cosigned_at: 0,
                }),
                (),
            )
        })?;
    }
    Ok(commits as f64 / start.elapsed().as_secs_f64())
}

/// A server whose agreement names the four local witnesses, serving them too.
fn witnessed_server(path: &std::path::Path) -> anyhow::Result<(DataDir, String, super::bench_server::BenchServer)> {
    let dir = DataDir::create(&path.join("data"), super::bench_api::BENCH_ORIGIN)?;
    let witnesses = local_witnesses::create(path, super::bench_api::BENCH_ORIGIN, &dir.verifier()?)?;
    let agreement = format!("{AGREEMENT}{}", local_witnesses::agreement_section(&witnesses));
    local_witnesses::serve_in_background(witnesses)?;
    let token = super::bench_api::register(&dir, &agreement)?;
    let server = super::bench_server::BenchServer::start(dir.path())?;
    Ok((dir, token, server))
}

/// From each submission's acknowledgment to the moment `/log/checkpoint`
/// carries all four cosignatures on a checkpoint that includes it.
fn quorum_latency(scratch: &std::path::Path, samples: usize) -> anyhow::Result<(f64, f64)> {
    let (dir, token, server) = witnessed_server(&scratch.join("quorum"))?;
    let reader = LogReader::open(&dir.database())?;
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let base = server.base();
    let mut latencies = Vec::with_capacity(samples);
    for i in 0..samples {
        let report = serde_json::json!({
            "external_id": format!("quorum-{i}"),
            "source": {"type": "media", "name": "Dawn", "grading": "B2"},
            "time": {"start": "2025-11-20T10:00:00+04:30", "precision": "hour"},
            "location": {"latitude": 31.0 + (i % 50) as f64 * 0.2, "longitude": 65.7, "precision": "exact"},
            "act": "ACT-SHELLING",
            "claims": [],
        });
        let status = agent
            .post(&format!("{base}/api/v1/reports"))
            .header("authorization", &format!("Bearer {token}"))
            .header("content-type", "application/json")
            .send(report.to_string())?
            .status()
            .as_u16();
        let acknowledged = Instant::now();
        if !(200..300).contains(&status) {
            anyhow::bail!("a submission was answered {status}");
        }
        let size = reader.latest_checkpoint()?.size;
        loop {
            let note = agent
                .get(&format!("{base}/log/checkpoint"))
                .call()?
                .body_mut()
                .read_to_string()?;
            let served: u64 = note.lines().nth(1).and_then(|l| l.parse().ok()).unwrap_or(0);
            if served >= size && note.matches('\u{2014}').count() == 5 {
                break;
            }
            if acknowledged.elapsed() > Duration::from_secs(30) {
                anyhow::bail!("no quorum within 30 s on size {size}");
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        latencies.push(acknowledged.elapsed().as_secs_f64() * 1000.0);
    }
    server.stop()?;
    latencies.sort_by(f64::total_cmp);
    Ok((latencies[samples / 2], latencies[samples * 9 / 10]))
}

/// `truce bench api`'s spread stream against a server with the four
/// witnesses and one with none (the same agreement otherwise), both up,
/// three rounds each in turn; the medians (one round against one moves by
/// a sixth on this machine).
fn submissions_with_witnesses(scratch: &std::path::Path, seconds: u64, connections: u32) -> anyhow::Result<(f64, f64)> {
    let (dir, token, server) = witnessed_server(&scratch.join("load"))?;
    let (plain_dir, plain_token) = super::bench_api::prepare(&scratch.join("load-plain"), AGREEMENT)?;
    let plain = super::bench_server::BenchServer::start(plain_dir.path())?;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        without.push(super::bench_api::spread_submissions(
            &plain_dir,
            &plain.base(),
            &plain_token,
            scratch,
            seconds,
            connections,
        )?);
        with.push(super::bench_api::spread_submissions(
            &dir,
            &server.base(),
            &token,
            scratch,
            seconds,
            connections,
        )?);
    }
    server.stop()?;
    plain.stop()?;
    Ok((median(&mut with), median(&mut without)))
}

/// Rounds of each submission load.
const ROUNDS: usize = 3;
