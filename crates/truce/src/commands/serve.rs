//! `truce serve`: the HTTP server over a data directory. It holds the log's
//! writer (and its lock) for as long as it runs.

use crate::datadir::DataDir;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use truce_server::AppState;
use truce_store::{LogReader, LogWriter, Sequencer, SequencerConfig};

pub fn run(data: &Path, listen: SocketAddr) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(serve(&dir, listen, |_| {}))?;
    Ok(ExitCode::SUCCESS)
}

/// Binds `listen`, tells `on_bound` the address, and serves until Ctrl-C.
pub async fn serve(dir: &DataDir, listen: SocketAddr, on_bound: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let writer = LogWriter::open(&dir.database(), dir.signer()?)?;
    let sequencer = Sequencer::start(writer, SequencerConfig::default());
    let state = AppState {
        log: Arc::new(LogReader::open(&dir.database())?),
        log_vkey: dir.verifier()?.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let bound = listener.local_addr()?;
    tracing::info!(%bound, data = %dir.path().display(), "serving");
    on_bound(bound);
    axum::serve(listener, truce_server::router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    sequencer.shutdown();
    Ok(())
}
