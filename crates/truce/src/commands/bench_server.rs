//! The server the HTTP benchmarks load: `truce serve` on its own runtime
//! and thread in this process, on a free loopback port, stopped when the
//! handle is dropped or `stop` is called.

use crate::datadir::DataDir;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::Path;

/// The bench user's rate limit: far above what two cores can serve, so the
/// limiter's cost is measured but it never refuses.
const BENCH_REQUESTS_PER_SECOND: u32 = 10_000_000;

pub struct BenchServer {
    pub address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl BenchServer {
    /// Serves the data directory at `path` until stopped.
    pub fn start(path: &Path) -> anyhow::Result<BenchServer> {
        let (bound_tx, bound_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let dir = DataDir::open(path)?;
        let thread = std::thread::spawn(move || -> anyhow::Result<()> {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(super::serve::serve_until(
                &dir,
                "127.0.0.1:0".parse()?,
                BENCH_REQUESTS_PER_SECOND,
                Default::default(),
                move |bound| {
                    let _ = bound_tx.send(bound);
                },
                async {
                    let _ = stop_rx.await;
                },
            ))
        });
        let address = bound_rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .context("the server did not start")?;
        Ok(BenchServer {
            address,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops the server and waits for it, with its error if it failed.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| anyhow::anyhow!("the server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
