//! `truce witness`: a party's or mediator's own C2SP tlog-witness (see
//! `truce_witness`): make its key and state, trust a log, serve
//! add-checkpoint, list the evidence it kept.

use crate::cli::WitnessCommand;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use truce_log::VerifierKey;
use truce_witness::files::WitnessDir;

pub fn run(command: WitnessCommand) -> anyhow::Result<ExitCode> {
    match command {
        WitnessCommand::Init { data, name } => {
            let vkey = WitnessDir::at(&data).init(&name)?;
            println!("{vkey}");
            eprintln!(
                "witness {name} made in {}: give the line above to the log and to the parties' policies",
                data.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        WitnessCommand::AddLog { data, origin, vkey } => add_log(&data, &origin, &vkey),
        WitnessCommand::Serve { data, listen } => serve(&data, listen),
        WitnessCommand::Evidence { data, json } => evidence(&data, json),
    }
}

fn add_log(data: &Path, origin: &str, vkey: &str) -> anyhow::Result<ExitCode> {
    let key: VerifierKey = vkey
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("--vkey {vkey:?}: {e}"))?;
    if key.name().as_str() != origin {
        anyhow::bail!(
            "--vkey names the key {}, not the origin {origin}: a log's key is named by its origin",
            key.name()
        );
    }
    let added = WitnessDir::at(data).state()?.add_log(origin, &key.to_string())?;
    if added {
        eprintln!("the witness now trusts {origin}");
    } else {
        eprintln!("the witness already trusts {origin} with this key");
    }
    Ok(ExitCode::SUCCESS)
}

fn serve(data: &Path, listen: SocketAddr) -> anyhow::Result<ExitCode> {
    let witness = Arc::new(WitnessDir::at(data).witness()?);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        let bound = listener.local_addr()?;
        tracing::info!(%bound, name = %witness.cosigner().name(), "witness serving");
        println!("witness {} on http://{bound}", witness.cosigner().name());
        axum::serve(listener, truce_witness::http::router(witness))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}

fn evidence(data: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let state = WitnessDir::at(data).state()?;
    let evidence = state.evidence()?;
    for item in &evidence {
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "origin": item.origin,
                    "status": item.status,
                    "reason": item.reason,
                    "stored_size": item.stored_size,
                    "at": item.at,
                    "request": item.request,
                })
            );
        } else {
            println!(
                "{} at {}: answered {} ({}); the witness had cosigned size {}\n{}",
                item.origin, item.at, item.status, item.reason, item.stored_size, item.request
            );
        }
    }
    if !json {
        eprintln!("{} refused checkpoint(s) the log signed", evidence.len());
    }
    Ok(ExitCode::SUCCESS)
}
