//! `truce demo`: a fresh data directory seeded with the example agreement,
//! a user for each role and party, the illustrative scenario of the Doha
//! ceasefire (see [`scenario`]) and synthetic background reports, served on
//! localhost, with `demo-credentials.json` telling a newcomer where it is,
//! which key verifies it, and how each user signs in.

mod scenario;
mod users;

use super::local_witnesses as witnesses;

use crate::datadir::DataDir;
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use truce_domain::agreement::Agreement;
use truce_domain::state::Command;
use truce_domain::synthetic::{SyntheticWorld, generate};
use truce_store::evidence::BlobStore;
use truce_store::{Engine, LogWriter, Submission};

pub const DEMO_ORIGIN: &str = "demo.truce.example/doha-ceasefire";

pub fn run(
    data: &Path,
    listen: SocketAddr,
    webhook_targets: truce_server::api::webhooks::TargetPolicy,
) -> anyhow::Result<ExitCode> {
    let dir = fresh_demo_dir(data)?;
    let users = users::create(&dir)?;
    let log_key = dir.verifier()?;
    let witnesses = witnesses::create(dir.path(), DEMO_ORIGIN, &log_key)?;
    let agreement = format!("{AGREEMENT}{}", witnesses::agreement_section(&witnesses));
    seed(&dir, &agreement)?;
    let policy = witnesses::write_policy(dir.path(), &log_key, &witnesses)?;
    let listed: Vec<serde_json::Value> = witnesses
        .iter()
        .map(|w| serde_json::json!({"name": w.name, "vkey": w.vkey.to_string(), "url": w.url}))
        .collect();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        witnesses::serve(witnesses)?;
        super::serve::serve(
            &dir,
            listen,
            truce_server::api::limits::REQUESTS_PER_SECOND,
            webhook_targets,
            |bound| {
                if let Err(error) = announce(&dir, bound, &users, &listed, &policy) {
                    eprintln!("error: {error:#}");
                }
            },
        )
        .await
    })?;
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

/// The example agreement, embedded so the demo needs no file.
const AGREEMENT: &str = include_str!("../../../../examples/doha-ceasefire.toml");
const SEEDED_REPORTS: usize = 600;

/// Seeds the log with the agreement `text` (the example's, naming the demo's witnesses) and the story.
fn seed(dir: &DataDir, text: &str) -> anyhow::Result<()> {
    let mut engine = Engine::open(LogWriter::open(&dir.database(), dir.signer()?)?)?;
    let agreement = Agreement::from_toml(text).map_err(|e| anyhow::anyhow!("the embedded agreement: {e}"))?;
    std::fs::write(dir.path().join("agreement.toml"), text)?;
    let mut register = Submission::new(
        users::name_of("admin", None),
        Command::register_agreement(&agreement, text),
    )
    .acting("admin");
    register.at = Some(chrono::DateTime::parse_from_rfc3339("2025-10-15T12:00:00Z")?.to_utc());
    engine.submit(vec![register])?;
    engine.set_agreement(agreement.clone());
    let evidence = BlobStore::new(&dir.path().join("evidence"), 256 * 1024 * 1024);
    scenario::Scenario::new(&mut engine, &agreement, evidence).run()?;
    // Background: synthetic reports from after the story, correlated like any others.
    let world = SyntheticWorld {
        incidents_per_day: 4.0,
        seed: 2025,
        start: chrono::DateTime::parse_from_rfc3339("2025-10-25T00:00:00Z")?.to_utc(),
    };
    let submissions = generate(world, SEEDED_REPORTS)
        .into_iter()
        .take(SEEDED_REPORTS)
        .map(|labelled| {
            let report = labelled
                .input
                .parse()
                .map_err(|e| anyhow::anyhow!("a seeded report: {e:?}"))?;
            let command = crate::geography::file_report(report, Some(&agreement), None, true);
            Ok(Submission::new(users::name_of("monitor", Some("MVM")), command).acting("monitor"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    engine.submit(submissions)?;
    Ok(())
}

fn announce(
    dir: &DataDir,
    bound: SocketAddr,
    users: &[users::DemoUser],
    witnesses: &[serde_json::Value],
    policy: &Path,
) -> anyhow::Result<()> {
    let base_url = format!("http://{bound}");
    let vkey = dir.verifier()?.to_string();
    let credentials = serde_json::json!({
        "base_url": base_url,
        "log_url": format!("{base_url}/log"),
        "log_vkey": vkey,
        "origin": DEMO_ORIGIN,
        "scenario": "Illustrative: built on public reporting of October 2025; the determinations and penalties are invented to show truce, not findings about real events. Background reports are synthetic.",
        "users": users,
        "witnesses": witnesses,
        "witness_policy": policy,
    });
    let path = dir.path().join("demo-credentials.json");
    std::fs::write(&path, serde_json::to_string_pretty(&credentials)? + "\n")?;
    println!("truce demo is serving {base_url}");
    println!("  checkpoint:  {base_url}/log/checkpoint");
    println!("  credentials: {}", path.display());
    println!("  verify it:   truce log verify --url {base_url} --vkey '{vkey}' --state my-checkpoint");
    println!(
        "  witnessed:   {} witnesses (AFG, PAK, QAT, TUR) cosign each checkpoint; add --policy {}",
        witnesses.len(),
        policy.display()
    );
    println!("  sign in as any of (passwords and API tokens in the credentials file):");
    for user in users {
        println!(
            "    {:<22} {}",
            user.name,
            match &user.affiliation {
                Some(code) => format!("{} for {code}", user.role),
                None => user.role.to_string(),
            }
        );
    }
    println!("Stop with Ctrl-C.");
    Ok(())
}
