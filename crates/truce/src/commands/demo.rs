//! `truce demo`: a fresh data directory seeded with sample log entries,
//! served on localhost, with `demo-credentials.json` telling a newcomer
//! where it is and which key verifies it. The seeded ceasefire scenario
//! replaces the sample entries once the domain lands.

use crate::datadir::DataDir;
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use truce_store::{LogEntry, LogWriter};

pub const DEMO_ORIGIN: &str = "demo.truce.example/doha-ceasefire";
const SAMPLE_ENTRIES: u64 = 600;

pub fn run(data: &Path, listen: SocketAddr) -> anyhow::Result<ExitCode> {
    let dir = fresh_demo_dir(data)?;
    seed(&dir)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(super::serve::serve(&dir, listen, |bound| {
        if let Err(error) = announce(&dir, bound) {
            eprintln!("error: {error:#}");
        }
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// Replaces an earlier demo at `data`, but never a directory that is not one.
fn fresh_demo_dir(data: &Path) -> anyhow::Result<DataDir> {
    if data.exists() {
        if !data.join("demo-credentials.json").exists() && data.read_dir()?.next().is_some() {
            bail!(
                "{} exists and is not an earlier demo; choose another --data",
                data.display()
            );
        }
        std::fs::remove_dir_all(data).with_context(|| format!("removing the earlier demo at {}", data.display()))?;
    }
    DataDir::create(data, DEMO_ORIGIN)
}

fn seed(dir: &DataDir) -> anyhow::Result<()> {
    let mut writer = LogWriter::open(&dir.database(), dir.signer()?)?;
    let entries: Vec<LogEntry> = (0..SAMPLE_ENTRIES).map(sample_entry).collect();
    writer.append_batch(&entries[..10])?;
    writer.append_batch(&entries[10..])?;
    Ok(())
}

fn sample_entry(sequence: u64) -> LogEntry {
    let kinds = [
        "report.filed",
        "claim.recorded",
        "evidence.registered",
        "incident.opened",
    ];
    let body = serde_json::json!({
        "sample": true,
        "sequence": sequence,
        "kind": kinds[(sequence % 4) as usize],
        "note": "sample entry: the seeded ceasefire scenario replaces these",
    });
    LogEntry::new(serde_json::to_vec(&body).expect("json")).expect("small")
}

fn announce(dir: &DataDir, bound: SocketAddr) -> anyhow::Result<()> {
    let base_url = format!("http://{bound}");
    let vkey = dir.verifier()?.to_string();
    let credentials = serde_json::json!({
        "base_url": base_url,
        "log_url": format!("{base_url}/log"),
        "log_vkey": vkey,
        "origin": DEMO_ORIGIN,
    });
    let path = dir.path().join("demo-credentials.json");
    std::fs::write(&path, serde_json::to_string_pretty(&credentials)? + "\n")?;
    println!("truce demo is serving {base_url}");
    println!("  checkpoint:  {base_url}/log/checkpoint");
    println!("  credentials: {}", path.display());
    println!("  verify it:   truce log verify --url {base_url} --vkey '{vkey}' --state my-checkpoint");
    println!("Stop with Ctrl-C.");
    Ok(())
}
