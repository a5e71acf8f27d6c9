//! The engine: commands in, events out, durably. It owns the log's writer and
//! the domain state; for each batch of submissions it decides, appends the
//! events and updates the projections in one transaction, and only then
//! answers. (One thread owns it; concurrency comes from batching.)

use crate::entry::{EntryTooLarge, LogEntry};
use crate::error::StoreError;
use crate::projections;
use crate::reader::{LogReader, StoredCheckpoint};
use crate::writer::LogWriter;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rusqlite::params;
use truce_domain::agreement::Agreement;
use truce_domain::event::{Envelope, Event, Placement};
use truce_domain::report::ReportInput;
use truce_domain::sealed::{SealedFields, commitment};
use truce_domain::state::{Command, Context, DomainError, State, decide};

/// A command with who gives it and, for a report with sealed fields, the
/// salt and plaintext its commitment was made from (stored apart).
#[derive(Clone, Debug)]
pub struct Submission {
    pub command: Command,
    pub by: String,
    pub sealed: Option<([u8; 32], String)>,
    /// When it happens; `None` is now. Only a scripted scenario (the demo)
    /// or a replayed import sets it: the server always leaves it `None`.
    pub at: Option<DateTime<Utc>>,
}

impl Submission {
    pub fn new(by: &str, command: Command) -> Submission {
        Submission {
            command,
            by: by.to_string(),
            sealed: None,
            at: None,
        }
    }

    /// A report's submission: its sealed fields, if it has any, salted
    /// afresh and kept apart; `command` gets their commitment (the only
    /// trace of them the log will hold).
    pub fn report(by: &str, input: &ReportInput, command: impl FnOnce(Option<String>) -> Command) -> Submission {
        let fields = SealedFields {
            submitter_identity: input.submitter_identity.clone(),
            protected_source: input.protected_source.clone(),
        };
        let sealed = (!fields.is_empty()).then(|| {
            let mut salt = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
            (salt, fields.plaintext())
        });
        let sealed_commitment = sealed.as_ref().map(|(salt, plaintext)| commitment(salt, plaintext));
        Submission {
            command: command(sealed_commitment),
            by: by.to_string(),
            sealed,
            at: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Recorded as `entries` log entries from `first_index` on; a filed
    /// report's placement (the incident it opened or joined).
    Recorded {
        first_index: u64,
        entries: u64,
        placement: Option<Placement>,
    },
    /// Nothing to do (the report was filed before).
    Unchanged,
    /// Refused by the rules, with the rule it breaks.
    Refused(DomainError),
}

pub struct Engine {
    writer: LogWriter,
    state: State,
    /// The agreement verification follows, once registered.
    agreement: Option<Agreement>,
}

impl Engine {
    /// Opens the engine over `writer`'s log, replaying it into the state.
    pub fn open(writer: LogWriter) -> Result<Engine, StoreError> {
        let reader = LogReader::open(writer.path())?;
        if projections::migrate(writer.connection())? {
            crate::rebuild::replay_into(writer.connection(), &reader)?;
        }
        crate::accounts::create(writer.connection())?;
        let state = replay_state(&reader)?;
        Ok(Engine {
            writer,
            state,
            agreement: None,
        })
    }

    /// Gives the engine the agreement (as registered in the log) whose rules verification follows.
    pub fn set_agreement(&mut self, agreement: Agreement) {
        self.agreement = Some(agreement);
    }

    pub fn agreement(&self) -> Option<&Agreement> {
        self.agreement.as_ref()
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn writer(&self) -> &LogWriter {
        &self.writer
    }

    /// Decides every submission in order (each sees the ones before it), then
    /// appends all their events and updates the projections in one
    /// transaction. On a storage error nothing is stored and the state is
    /// replayed from the log.
    pub fn submit(&mut self, submissions: Vec<Submission>) -> Result<Vec<Outcome>, StoreError> {
        Ok(self.submit_signed(submissions)?.outcomes)
    }

    /// The same, with the signed checkpoint that covers the batch (with it
    /// and an inclusion proof, each submitter holds a receipt) and the
    /// events the batch recorded (for notifications).
    pub fn submit_signed(&mut self, submissions: Vec<Submission>) -> Result<Batch, StoreError> {
        let committed = prepare(
            &mut self.state,
            self.agreement.as_ref(),
            submissions,
            Encoding::EachBeforeTheNext,
        )
        .and_then(|prepared| commit(&mut self.writer, prepared));
        if committed.is_err() {
            self.state = replay_state(&LogReader::open(self.writer.path())?)?;
        }
        committed
    }

    /// The same for a stream of batches, as a pipeline over two threads:
    /// while one batch is written (log and projections, one transaction),
    /// the next is decided and encoded. Each batch is still one durable
    /// transaction, in order; `on_committed` hears of each once it is. On an
    /// error nothing after the failed batch is stored, and the state is
    /// replayed from the log.
    pub fn submit_pipelined(
        &mut self,
        batches: impl Iterator<Item = Vec<Submission>>,
        mut on_committed: impl FnMut(Vec<Outcome>) -> Result<(), StoreError> + Send,
    ) -> Result<(), StoreError> {
        let Engine {
            writer,
            state,
            agreement,
        } = self;
        let result = std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Prepared>(1);
            let committer = scope.spawn(move || -> Result<(), StoreError> {
                for prepared in receiver {
                    on_committed(commit(writer, prepared)?.outcomes)?;
                }
                Ok(())
            });
            let mut prepared_all = Ok(());
            for batch in batches {
                match prepare(state, agreement.as_ref(), batch, Encoding::AllCoresAfter) {
                    Ok(prepared) => {
                        if sender.send(prepared).is_err() {
                            break; // The committer stopped on an error, which it returns.
                        }
                    }
                    Err(error) => {
                        prepared_all = Err(error);
                        break;
                    }
                }
            }
            drop(sender);
            let committed = committer.join().expect("the committer thread");
            committed.and(prepared_all)
        });
        if result.is_err() {
            self.state = replay_state(&LogReader::open(self.writer.path())?)?;
        }
        result
    }
}

/// A batch decided and encoded, not yet written.
struct Prepared {
    outcomes: Vec<Outcome>,
    envelopes: Vec<Envelope>,
    entries: Vec<LogEntry>,
    sealed_rows: Vec<(u64, [u8; 32], String)>,
}

/// How a batch's events are encoded for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    /// Each submission's before the next is decided: one that does not fit
    /// an entry is refused alone and the state never sees it. The server's
    /// way, where one user's submission must never fail another's.
    EachBeforeTheNext,
    /// All of them after deciding, on every core: a bulk import's way, whose
    /// rows the parsers' limits keep within an entry; if one slips by, the
    /// batch fails whole (and the state is replayed), as an import reports.
    AllCoresAfter,
}

/// Decides the submissions in order against `state` (which advances with
/// each one recorded) and encodes their events as `encoding` says.
fn prepare(
    state: &mut State,
    agreement: Option<&Agreement>,
    submissions: Vec<Submission>,
    encoding: Encoding,
) -> Result<Prepared, StoreError> {
    let mut outcomes = Vec::with_capacity(submissions.len());
    let mut envelopes: Vec<Envelope> = Vec::new();
    let mut entries: Vec<LogEntry> = Vec::new();
    let mut sealed_rows: Vec<(u64, [u8; 32], String)> = Vec::new();
    let now = Utc::now();
    for submission in submissions {
        let at = submission.at.unwrap_or(now);
        let context = Context { at, agreement };
        let events = match decide(state, &submission.command, &context) {
            Ok(events) if events.is_empty() => {
                outcomes.push(Outcome::Unchanged);
                continue;
            }
            Ok(events) => events,
            Err(error) => {
                outcomes.push(Outcome::Refused(error));
                continue;
            }
        };
        let recorded: Vec<Envelope> = events
            .into_iter()
            .map(|event| Envelope::new(at, &submission.by, event))
            .collect();
        if encoding == Encoding::EachBeforeTheNext {
            // Encoded before the state moves on: an event too large for an
            // entry refuses its own submission, never the batch it came with.
            let encoded: Result<Vec<LogEntry>, EntryTooLarge> = recorded
                .iter()
                .map(|envelope| LogEntry::new(envelope.to_bytes()))
                .collect();
            match encoded {
                Ok(encoded) => entries.extend(encoded),
                Err(EntryTooLarge(bytes)) => {
                    outcomes.push(Outcome::Refused(DomainError::TooLarge {
                        bytes,
                        max: truce_log::tile::ENTRY_BYTES_MAX,
                    }));
                    continue;
                }
            }
        }
        let mut placement = None;
        for envelope in &recorded {
            let event = &envelope.event;
            state.evolve(event);
            if let Event::ReportFiled {
                report_id,
                placement: placed,
                ..
            } = event
            {
                placement = Some(*placed);
                if let Some((salt, plaintext)) = &submission.sealed {
                    sealed_rows.push((*report_id, *salt, plaintext.clone()));
                }
            }
        }
        outcomes.push(Outcome::Recorded {
            first_index: envelopes.len() as u64,
            entries: recorded.len() as u64,
            placement,
        });
        envelopes.extend(recorded);
    }
    if encoding == Encoding::AllCoresAfter {
        // Encoding is the costly part of an event and needs no state: all cores do it.
        entries = envelopes
            .par_iter()
            .map(|envelope| LogEntry::new(envelope.to_bytes()))
            .collect::<Result<_, _>>()
            .map_err(|too_large| {
                StoreError::Corrupt(format!(
                    "an event of this import did not fit a log entry ({too_large}): nothing of its batch was stored"
                ))
            })?;
    }
    Ok(Prepared {
        outcomes,
        envelopes,
        entries,
        sealed_rows,
    })
}

/// Appends a prepared batch and its projection rows in one transaction.
/// A committed batch: each submission's outcome, the checkpoint covering
/// the batch, and its events from `first_index` on.
#[derive(Clone, Debug)]
pub struct Batch {
    pub outcomes: Vec<Outcome>,
    pub checkpoint: StoredCheckpoint,
    pub first_index: u64,
    pub envelopes: Vec<Envelope>,
}

fn commit(writer: &mut LogWriter, prepared: Prepared) -> Result<Batch, StoreError> {
    let Prepared {
        mut outcomes,
        envelopes,
        entries,
        sealed_rows,
    } = prepared;
    let batch = writer.append_batch_with(&entries, |transaction, first_index| {
        for (offset, envelope) in envelopes.iter().enumerate() {
            projections::apply(transaction, first_index + offset as u64, envelope)?;
        }
        let mut insert =
            transaction.prepare_cached("INSERT INTO sealed (report_id, salt, plaintext) VALUES (?1, ?2, ?3)")?;
        for (report_id, salt, plaintext) in &sealed_rows {
            insert.execute(params![*report_id as i64, salt.as_slice(), plaintext])?;
        }
        Ok(())
    })?;
    for outcome in &mut outcomes {
        if let Outcome::Recorded { first_index, .. } = outcome {
            *first_index += batch.first_index;
        }
    }
    Ok(Batch {
        outcomes,
        checkpoint: batch.checkpoint,
        first_index: batch.first_index,
        envelopes,
    })
}

/// Decodes the entry at `index` into an event envelope, naming the index if it is not one.
pub fn envelope_at(index: u64, bytes: &[u8]) -> Result<Envelope, StoreError> {
    Envelope::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("log entry {index}: {e}")))
}

/// The domain state after every event of the log.
pub fn replay_state(reader: &LogReader) -> Result<State, StoreError> {
    let mut state = State::default();
    reader
        .for_each_entry(|index, bytes| {
            state.evolve(&envelope_at(index, bytes)?.event);
            Ok(())
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(state)
}
