//! The engine as a service: one thread owns the [`Engine`] (the domain
//! state and the log's writer) and turns concurrent submissions into
//! batches (group commit), as the [`crate::Sequencer`] does for raw
//! appends. Each caller hears its outcome only once the batch holding its
//! events, and the signed checkpoint covering them, are durable. Reads of
//! the domain state (status, scorecards, cases) run on the same thread,
//! between batches, so they see whole batches only.

use crate::engine::{Engine, Outcome, Submission};
use crate::error::StoreError;
use crate::reader::StoredCheckpoint;
use crate::service::Service;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use truce_domain::event::Envelope;

/// An event as committed, for whoever listens (the server's notifications).
#[derive(Clone, Debug)]
pub struct Notification {
    pub log_index: u64,
    /// The whole event (for deciding who is notified).
    pub envelope: Envelope,
    /// The log's entry: the event's public form.
    pub public: crate::LogEntry,
    /// The openings of its commitments, for the roles that may see them.
    pub openings: Vec<truce_domain::disclosure::Opening>,
}

/// An outcome with the checkpoint of the batch it was committed in.
#[derive(Clone, Debug)]
pub struct Committed {
    pub outcome: Outcome,
    pub checkpoint: StoredCheckpoint,
    /// The openings of the submission's first entry: the submitter keeps
    /// them in its receipt, to prove later what it filed.
    pub openings: Vec<truce_domain::disclosure::Opening>,
}

type Read = Box<dyn FnOnce(&Engine) + Send>;

/// Why a batch was not stored, as its submitters hear it.
struct Failure {
    storage_full: bool,
    message: String,
}

enum Job {
    Submit {
        submission: Box<Submission>,
        reply: oneshot::Sender<Result<Committed, Failure>>,
    },
    Read(Read),
    /// Tries a write of its own, to learn whether writes work again.
    Probe(oneshot::Sender<bool>),
}

/// Owns the engine's thread; stopping it commits what is queued first.
pub struct EngineService {
    service: Service<Job>,
    latest: Latest,
    failing: Failing,
}

/// Whether the last write failed (set by a failed batch or probe, cleared by a stored one).
type Failing = Arc<std::sync::atomic::AtomicBool>;

/// The latest durable checkpoint, replaced after each batch commits.
type Latest = Arc<std::sync::RwLock<Arc<StoredCheckpoint>>>;

fn read_latest(latest: &Latest) -> Arc<StoredCheckpoint> {
    match latest.read() {
        Ok(latest) => latest.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// A cheap, cloneable way to submit and to read; safe from many tasks at once.
#[derive(Clone)]
pub struct EngineHandle {
    sender: mpsc::Sender<Job>,
    latest: Latest,
    failing: Failing,
}

impl EngineService {
    /// Starts the thread; at most `batch_max` submissions commit together.
    /// Every committed event is sent to `notify`, if given (a listener that
    /// lags loses the oldest; the log keeps them all).
    pub fn start(
        engine: Engine,
        batch_max: usize,
        notify: Option<tokio::sync::broadcast::Sender<Arc<Notification>>>,
    ) -> EngineService {
        let batch_max = batch_max.max(1);
        let latest: Latest = Arc::new(std::sync::RwLock::new(Arc::new(engine.writer().checkpoint().clone())));
        let failing = Failing::default();
        let shared = Shared {
            latest: latest.clone(),
            failing: failing.clone(),
        };
        EngineService {
            service: Service::start("truce-engine", 16 * batch_max, move |receiver| {
                run(engine, receiver, batch_max, notify, shared)
            }),
            latest,
            failing,
        }
    }

    pub fn handle(&self) -> EngineHandle {
        EngineHandle {
            sender: self.service.sender(),
            latest: self.latest.clone(),
            failing: self.failing.clone(),
        }
    }

    /// Commits what is queued and waits for the thread, which ends once
    /// every handle is dropped (drop them first, or this waits for them).
    pub fn shutdown(mut self) {
        self.service.stop();
    }
}

impl EngineHandle {
    /// The latest checkpoint, from memory: the engine is the log's only
    /// writer, and replaces it as each batch commits, before any of the
    /// batch's submitters hears back. Its size is the version of everything
    /// the log and the projections hold.
    pub fn latest_checkpoint(&self) -> Arc<StoredCheckpoint> {
        read_latest(&self.latest)
    }

    /// A reader of the latest checkpoint that does not keep the engine
    /// running (it holds no sender of jobs), for tasks that outlive requests.
    pub fn latest_checkpoint_reader(&self) -> impl Fn() -> Arc<StoredCheckpoint> + Send + Sync + 'static {
        let latest = self.latest.clone();
        move || read_latest(&latest)
    }

    /// Submits one command and waits until its events are durable (or it is refused).
    pub async fn submit(&self, submission: Submission) -> Result<Committed, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job::Submit {
                submission: Box::new(submission),
                reply,
            })
            .await
            .map_err(|_| StoreError::SequencerStopped)?;
        answer
            .await
            .map_err(|_| StoreError::SequencerStopped)?
            .map_err(|failure| match failure.storage_full {
                true => StoreError::StorageFull(failure.message),
                false => StoreError::BatchFailed(failure.message),
            })
    }

    /// Whether writes work: `false` once a batch failed to be stored, until
    /// a batch or a probe ([`EngineHandle::probe_writes`]) is stored again.
    pub fn writes_work(&self) -> bool {
        !self.failing.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Tries a small write of the engine's own (nothing of the record) and
    /// says whether it was stored; a success means writes work again.
    pub async fn probe_writes(&self) -> Result<bool, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job::Probe(reply))
            .await
            .map_err(|_| StoreError::SequencerStopped)?;
        answer.await.map_err(|_| StoreError::SequencerStopped)
    }

    /// Runs `read` on the engine between batches and returns what it returns.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Read(Box::new(move |engine: &Engine| {
            let _ = reply.send(read(engine));
        }));
        self.sender.send(job).await.map_err(|_| StoreError::SequencerStopped)?;
        answer.await.map_err(|_| StoreError::SequencerStopped)
    }
}

/// The least time between two probe writes.
const PROBE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// What the engine's thread shares with the handles.
struct Shared {
    latest: Latest,
    failing: Failing,
}

fn run(
    mut engine: Engine,
    mut receiver: mpsc::Receiver<Job>,
    batch_max: usize,
    notify: Option<tokio::sync::broadcast::Sender<Arc<Notification>>>,
    shared: Shared,
) {
    use std::sync::atomic::Ordering;
    let Shared { latest, failing } = shared;
    let mut submissions: Vec<Submission> = Vec::with_capacity(batch_max);
    let mut replies: Vec<oneshot::Sender<Result<Committed, Failure>>> = Vec::with_capacity(batch_max);
    let mut reads: Vec<Read> = Vec::new();
    let mut probes: Vec<oneshot::Sender<bool>> = Vec::new();
    let mut last_probe: Option<(std::time::Instant, bool)> = None;
    while let Some(first) = receiver.blocking_recv() {
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Submit { submission, reply } => {
                    submissions.push(*submission);
                    replies.push(reply);
                }
                Job::Read(read) => reads.push(read),
                Job::Probe(reply) => probes.push(reply),
            }
            if submissions.len() < batch_max {
                next = receiver.try_recv().ok();
            }
        }
        if !submissions.is_empty() {
            match engine.submit_signed(std::mem::take(&mut submissions)) {
                Ok(batch) => {
                    failing.store(false, Ordering::Release);
                    last_probe = None;
                    match latest.write() {
                        Ok(mut latest) => *latest = Arc::new(batch.checkpoint.clone()),
                        Err(poisoned) => *poisoned.into_inner() = Arc::new(batch.checkpoint.clone()),
                    }
                    for (reply, outcome) in replies.drain(..).zip(batch.outcomes) {
                        let openings = match outcome {
                            Outcome::Recorded { first_index, .. } => batch
                                .openings
                                .get((first_index - batch.first_index) as usize)
                                .cloned()
                                .unwrap_or_default(),
                            _ => Vec::new(),
                        };
                        let _ = reply.send(Ok(Committed {
                            outcome,
                            checkpoint: batch.checkpoint.clone(),
                            openings,
                        }));
                    }
                    if let Some(notify) = &notify {
                        let written = batch.envelopes.into_iter().zip(batch.entries).zip(batch.openings);
                        for (offset, ((envelope, public), openings)) in written.enumerate() {
                            let _ = notify.send(Arc::new(Notification {
                                log_index: batch.first_index + offset as u64,
                                envelope,
                                public,
                                openings,
                            }));
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "committing a batch failed; nothing of it was stored");
                    failing.store(true, Ordering::Release);
                    let storage_full = error.is_storage_full();
                    for reply in replies.drain(..) {
                        let _ = reply.send(Err(Failure {
                            storage_full,
                            message: error.to_string(),
                        }));
                    }
                }
            }
        }
        for read in reads.drain(..) {
            read(&engine);
        }
        if !probes.is_empty() {
            // At most one probe write a second, however often readiness is asked.
            let works = match last_probe {
                Some((at, works)) if at.elapsed() < PROBE_INTERVAL => works,
                _ => {
                    let works = match engine.writer().probe() {
                        Ok(()) => true,
                        Err(error) => {
                            tracing::warn!(%error, "writes still fail");
                            false
                        }
                    };
                    last_probe = Some((std::time::Instant::now(), works));
                    works
                }
            };
            failing.store(!works, Ordering::Release);
            for reply in probes.drain(..) {
                let _ = reply.send(works);
            }
        }
    }
}
