//! The engine: commands in, events out, durably. It owns the log's writer and
//! the domain state; for each batch of submissions it decides, appends the
//! events and updates the projections in one transaction, and only then
//! answers. (One thread owns it; concurrency comes from batching.)

use crate::entry::LogEntry;
use crate::error::StoreError;
use crate::projections;
use crate::reader::LogReader;
use crate::writer::LogWriter;
use chrono::Utc;
use rayon::prelude::*;
use rusqlite::params;
use truce_domain::event::{Envelope, Event, Placement};
use truce_domain::state::{Command, State, decide};

/// A command with who gives it and, for a report with sealed fields, the
/// salt and plaintext its commitment was made from (stored apart).
#[derive(Clone, Debug)]
pub struct Submission {
    pub command: Command,
    pub by: String,
    pub sealed: Option<([u8; 32], String)>,
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
    Refused(String),
}

pub struct Engine {
    writer: LogWriter,
    state: State,
}

impl Engine {
    /// Opens the engine over `writer`'s log, replaying it into the state.
    pub fn open(writer: LogWriter) -> Result<Engine, StoreError> {
        projections::create(writer.connection())?;
        let state = replay_state(&LogReader::open(writer.path())?)?;
        Ok(Engine { writer, state })
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
        let mut outcomes = Vec::with_capacity(submissions.len());
        let mut envelopes: Vec<Envelope> = Vec::new();
        let mut sealed_rows: Vec<(u64, [u8; 32], String)> = Vec::new();
        let now = Utc::now();
        for submission in submissions {
            let events = match decide(&self.state, &submission.command) {
                Ok(events) if events.is_empty() => {
                    outcomes.push(Outcome::Unchanged);
                    continue;
                }
                Ok(events) => events,
                Err(error) => {
                    outcomes.push(Outcome::Refused(error.to_string()));
                    continue;
                }
            };
            let mut placement = None;
            for event in &events {
                self.state.evolve(event);
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
                entries: events.len() as u64,
                placement,
            });
            envelopes.extend(
                events
                    .into_iter()
                    .map(|event| Envelope::new(now, &submission.by, event)),
            );
        }
        // Encoding is the costly part of an event and needs no state: all cores do it.
        let entries: Result<Vec<LogEntry>, StoreError> = envelopes
            .par_iter()
            .map(|envelope| LogEntry::new(envelope.to_bytes()))
            .collect::<Result<_, _>>()
            .map_err(|too_large| {
                // Inputs are bounded (see `ReportInput::parse`), so this means a bug, not bad input.
                StoreError::Corrupt(format!("an event did not fit a log entry: {too_large}"))
            });
        let entries = match entries {
            Ok(entries) => entries,
            Err(error) => {
                self.state = replay_state(&LogReader::open(self.writer.path())?)?;
                return Err(error);
            }
        };
        let appended = self.writer.append_batch_with(&entries, |transaction, first_index| {
            for (offset, envelope) in envelopes.iter().enumerate() {
                projections::apply(transaction, first_index + offset as u64, envelope)?;
            }
            let mut insert =
                transaction.prepare_cached("INSERT INTO sealed (report_id, salt, plaintext) VALUES (?1, ?2, ?3)")?;
            for (report_id, salt, plaintext) in &sealed_rows {
                insert.execute(params![*report_id as i64, salt.as_slice(), plaintext])?;
            }
            Ok(())
        });
        match appended {
            Ok(batch) => {
                for outcome in &mut outcomes {
                    if let Outcome::Recorded { first_index, .. } = outcome {
                        *first_index += batch.first_index;
                    }
                }
                Ok(outcomes)
            }
            Err(error) => {
                self.state = replay_state(&LogReader::open(self.writer.path())?)?;
                Err(error)
            }
        }
    }
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
