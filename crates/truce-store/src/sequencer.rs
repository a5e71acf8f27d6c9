//! The sequencer: one thread owns the [`LogWriter`] and turns concurrent
//! appends into batches (group commit). Each caller gets its index only after
//! the batch holding its entry, and the checkpoint covering it, are durable.

use crate::entry::LogEntry;
use crate::error::StoreError;
use crate::reader::StoredCheckpoint;
use crate::service::Service;
use crate::writer::LogWriter;
use tokio::sync::{mpsc, oneshot};

/// Limits of the sequencer, named with their unit last.
#[derive(Clone, Copy, Debug)]
pub struct SequencerConfig {
    /// The most entries committed in one transaction.
    pub batch_entries_max: usize,
    /// The most appends waiting for the writer; further callers wait for room.
    pub queue_entries_max: usize,
}

impl Default for SequencerConfig {
    fn default() -> SequencerConfig {
        SequencerConfig {
            batch_entries_max: 1024,
            queue_entries_max: 16 * 1024,
        }
    }
}

/// A durable append: the entry's index and the checkpoint that includes it.
#[derive(Clone, Debug)]
pub struct Appended {
    pub index: u64,
    pub checkpoint: StoredCheckpoint,
}

struct Request {
    entry: LogEntry,
    reply: oneshot::Sender<Result<Appended, String>>,
}

/// Owns the writer thread; dropping it stops the thread after the queue drains.
pub struct Sequencer {
    service: Service<Request>,
}

/// A cheap, cloneable way to append; safe to use from many tasks at once.
#[derive(Clone)]
pub struct SequencerHandle {
    sender: mpsc::Sender<Request>,
}

impl Sequencer {
    pub fn start(writer: LogWriter, config: SequencerConfig) -> Sequencer {
        Sequencer {
            service: Service::start("truce-sequencer", config.queue_entries_max, move |receiver| {
                run(writer, receiver, config.batch_entries_max)
            }),
        }
    }

    pub fn handle(&self) -> SequencerHandle {
        SequencerHandle {
            sender: self.service.sender(),
        }
    }

    /// Stops taking appends, commits what is queued and waits for the thread.
    pub fn shutdown(mut self) {
        self.service.stop();
    }
}

impl SequencerHandle {
    /// Appends one entry and waits until it is durable.
    pub async fn append(&self, entry: LogEntry) -> Result<Appended, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request { entry, reply })
            .await
            .map_err(|_| StoreError::SequencerStopped)?;
        answer
            .await
            .map_err(|_| StoreError::SequencerStopped)?
            .map_err(StoreError::BatchFailed)
    }

    /// The same, for callers outside an async runtime.
    pub fn append_blocking(&self, entry: LogEntry) -> Result<Appended, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .blocking_send(Request { entry, reply })
            .map_err(|_| StoreError::SequencerStopped)?;
        answer
            .blocking_recv()
            .map_err(|_| StoreError::SequencerStopped)?
            .map_err(StoreError::BatchFailed)
    }
}

fn run(mut writer: LogWriter, mut receiver: mpsc::Receiver<Request>, batch_entries_max: usize) {
    let mut batch: Vec<Request> = Vec::with_capacity(batch_entries_max);
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        while batch.len() < batch_entries_max {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        commit(&mut writer, &mut batch);
    }
}

fn commit(writer: &mut LogWriter, batch: &mut Vec<Request>) {
    let entries: Vec<LogEntry> = batch
        .iter_mut()
        .map(|request| std::mem::replace(&mut request.entry, LogEntry::empty()))
        .collect();
    match writer.append_batch(&entries) {
        Ok(appended) => {
            for (offset, request) in batch.drain(..).enumerate() {
                let index = appended.first_index + offset as u64;
                let _ = request.reply.send(Ok(Appended {
                    index,
                    checkpoint: appended.checkpoint.clone(),
                }));
            }
        }
        Err(error) => {
            tracing::error!(%error, entries = entries.len(), "appending a batch failed; nothing of it was stored");
            for request in batch.drain(..) {
                let _ = request.reply.send(Err(error.to_string()));
            }
        }
    }
}
