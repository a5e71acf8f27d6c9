//! `truce log append`: each line of standard input becomes one entry. Lines
//! are submitted concurrently through the sequencer, so they are batched;
//! each acknowledged index is printed (`index<TAB>line`) only once durable.

use crate::datadir::DataDir;
use anyhow::Context;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;
use truce_store::{LogEntry, LogWriter, Sequencer, SequencerConfig};

/// Lines in flight at once: enough to fill batches, bounded to bound memory.
const IN_FLIGHT_MAX: usize = 4096;

pub fn run(data: &Path) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    if dir.path().join("agreement.toml").exists() {
        anyhow::bail!(
            "{} holds a ceasefire record: raw entries would not be events (use `truce import`)",
            data.display()
        );
    }
    let sequencer = Sequencer::start(
        LogWriter::open(&dir.database(), dir.signer()?)?,
        SequencerConfig::default(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let handle = sequencer.handle();
    let appended = runtime.block_on(async move {
        let (printer, mut acknowledged) = tokio::sync::mpsc::channel::<(u64, String)>(IN_FLIGHT_MAX);
        let print = tokio::spawn(async move {
            let mut stdout = std::io::stdout();
            let mut count = 0u64;
            while let Some((index, line)) = acknowledged.recv().await {
                writeln!(stdout, "{index}\t{line}")?;
                stdout.flush()?;
                count += 1;
            }
            anyhow::Ok(count)
        });
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT_MAX));
        for (number, line) in std::io::stdin().lock().lines().enumerate() {
            let line = line.context("reading standard input")?;
            let entry = LogEntry::new(line.clone().into_bytes()).with_context(|| format!("line {}", number + 1))?;
            let permit = permits.clone().acquire_owned().await?;
            let (handle, printer) = (handle.clone(), printer.clone());
            tokio::spawn(async move {
                let _permit = permit;
                match handle.append(entry).await {
                    Ok(appended) => {
                        let _ = printer.send((appended.index, line)).await;
                    }
                    Err(error) => eprintln!("error: line {}: {error}", number + 1),
                }
            });
        }
        drop(printer);
        let _ = permits.acquire_many(IN_FLIGHT_MAX as u32).await?;
        print.await?
    })?;
    sequencer.shutdown();
    eprintln!("appended {appended} entries");
    Ok(ExitCode::SUCCESS)
}
