//! `truce serve`: the HTTP server over a data directory. It holds the log's
//! writer (and its lock) for as long as it runs.

use crate::datadir::DataDir;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use truce_server::Api;
use truce_server::AppState;
use truce_server::api::webhooks::TargetPolicy;
use truce_store::pool::ConnectionPool;
use truce_store::{Engine, EngineService, LogReader, LogWriter, Sequencer, SequencerConfig};

pub fn run(
    data: &Path,
    listen: SocketAddr,
    requests_per_second: u32,
    webhook_targets: TargetPolicy,
) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(serve(&dir, listen, requests_per_second, webhook_targets, |_| {}))?;
    Ok(ExitCode::SUCCESS)
}

/// The writer's owner while serving: the engine for a ceasefire's record,
/// the raw sequencer for a log that holds none (`truce init --origin`).
enum Writer {
    Engine(EngineService),
    Raw(Sequencer),
}

/// Binds `listen`, tells `on_bound` the address, and serves until Ctrl-C;
/// each signed-in user may make `requests_per_second` (0: no limit);
/// webhooks may reach the internal hosts `webhook_targets` allows.
pub async fn serve(
    dir: &DataDir,
    listen: SocketAddr,
    requests_per_second: u32,
    webhook_targets: TargetPolicy,
    on_bound: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    serve_until(dir, listen, requests_per_second, webhook_targets, on_bound, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// The same, until `stop` completes; then what is queued is committed.
pub async fn serve_until(
    dir: &DataDir,
    listen: SocketAddr,
    requests_per_second: u32,
    webhook_targets: TargetPolicy,
    on_bound: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let writer = LogWriter::open(&dir.database(), dir.signer()?)?;
    let (owner, api) = match dir.agreement()? {
        Some(agreement) => {
            let mut engine = Engine::open(writer)?;
            engine.set_agreement(agreement.clone());
            let (notifications, _) = tokio::sync::broadcast::channel(4096);
            let service = EngineService::start(engine, 1024, Some(notifications.clone()));
            let agreement = Arc::new(agreement);
            let for_places = agreement.clone();
            let api = Api {
                engine: service.handle(),
                accounts: Arc::new(ConnectionPool::accounts(&dir.database())),
                reads: Arc::new(ConnectionPool::read_only(&dir.database())),
                agreement,
                place_report: Arc::new(move |report, commitment| {
                    crate::geography::file_report(report, Some(&for_places), commitment, true)
                }),
                database: dir.database(),
                logins: Default::default(),
                limits: truce_server::api::limits::RequestLimiter::per_second(requests_per_second),
                public: Default::default(),
                evidence: Arc::new(truce_store::evidence::BlobStore::new(
                    &dir.path().join("evidence"),
                    truce_server::api::evidence::EVIDENCE_BYTES_MAX as u64,
                )),
                notifications,
                webhook_targets,
            };
            truce_server::api::webhooks::spawn_dispatcher(
                &api.database,
                api.notifications.subscribe(),
                api.webhook_targets.clone(),
                Default::default(),
            )?;
            let api = Arc::new(api);
            // Parties are reminded 12 hours before their reply windows close.
            truce_server::api::reminders::spawn_reminders(
                &api,
                std::time::Duration::from_secs(12 * 3600),
                std::time::Duration::from_secs(60),
            );
            (Writer::Engine(service), Some(api))
        }
        None => (Writer::Raw(Sequencer::start(writer, SequencerConfig::default())), None),
    };
    let log = Arc::new(LogReader::open(&dir.database())?);
    let witnesses = match &api {
        Some(api) if !api.agreement.witnesses.is_empty() => {
            // Each commit wakes the collectors, which send its checkpoint on.
            let (woken, wake) = tokio::sync::watch::channel(0u64);
            let mut committed = api.notifications.subscribe();
            tokio::spawn(async move {
                loop {
                    match committed.recv().await {
                        Ok(notification) => {
                            let _ = woken.send(notification.log_index);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            let _ = woken.send(u64::MAX);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
            truce_server::witnesses::spawn_collector(
                log.clone(),
                Arc::new(api.engine.latest_checkpoint_reader()),
                truce_store::cosignatures::CosignatureStore::open(&dir.database())?,
                &api.agreement.witnesses,
                wake,
            )
        }
        _ => Default::default(),
    };
    let state = AppState {
        log,
        log_vkey: dir.verifier()?.to_string(),
        api,
        witnesses,
    };
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let bound = listener.local_addr()?;
    tracing::info!(%bound, data = %dir.path().display(), "serving");
    on_bound(bound);
    truce_server::serve_until(
        listener,
        truce_server::router(state),
        truce_server::HEADER_READ_TIMEOUT,
        stop,
    )
    .await?;
    match owner {
        Writer::Engine(service) => service.shutdown(),
        Writer::Raw(sequencer) => sequencer.shutdown(),
    }
    Ok(())
}
