//! The engine: commands in, events out, durably. It owns the log's writer and
//! the domain state; for each batch of submissions it decides, appends the
//! events and updates the projections in one transaction, and only then
//! answers. (One thread owns it; concurrency comes from batching.)

use crate::entry::{EntryTooLarge, LogEntry};
use crate::error::StoreError;
use crate::openings::{self, EntryOpenings};
use crate::projections;
use crate::reader::{LogReader, StoredCheckpoint};
use crate::writer::LogWriter;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rusqlite::{Connection, params};
use std::collections::{BTreeMap, BTreeSet};
use truce_domain::agreement::Agreement;
use truce_domain::disclosure::{self, DisclosedOpening, Disclosure, Opening, Seed, WithheldDigests};
use truce_domain::event::{Envelope, Event, Placement};
use truce_domain::report::ReportInput;
use truce_domain::sealed::{SealedFields, commitment};
use truce_domain::state::{Command, Context, DomainError, Standing, State, decide};

/// A command with who gives it and, for a report with sealed fields, the
/// salt and plaintext its commitment was made from (stored apart).
#[derive(Clone, Debug)]
pub struct Submission {
    pub command: Command,
    /// The account (or process) that gives it: committed in the log, never in clear.
    pub by: String,
    /// The role it acts in, as the public log names it (`party AFG`); `None` for a process.
    pub acting: Option<String>,
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
            acting: None,
            sealed: None,
            at: None,
        }
    }

    /// The same, acting as `label` (`Role::public_label`).
    pub fn acting(mut self, label: impl Into<String>) -> Submission {
        self.acting = Some(label.into());
        self
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
            acting: None,
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
    /// Entries since the last snapshot of the standing.
    since_snapshot: u64,
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
        crate::snapshots::create(writer.connection())?;
        let state = replay_state(&reader)?;
        let mut engine = Engine {
            writer,
            state,
            since_snapshot: 0,
            agreement: None,
        };
        engine.snapshot_if_behind()?;
        Ok(engine)
    }

    /// Takes a snapshot of the standing now if the latest is a snapshot's
    /// spacing behind the log (or there is none), so a log written before
    /// snapshots, or after a crash, gets one as soon as the engine opens it.
    fn snapshot_if_behind(&mut self) -> Result<(), StoreError> {
        let size = self.writer.size();
        let latest = crate::snapshots::latest_size(self.writer.connection())?;
        self.since_snapshot = size - latest.unwrap_or(0).min(size);
        if size > 0 && (latest.is_none() || self.since_snapshot >= crate::snapshots::SNAPSHOT_EVERY_ENTRIES) {
            let checkpoint = self.writer.checkpoint();
            crate::snapshots::write(
                self.writer.connection(),
                size,
                checkpoint.root.as_bytes(),
                &crate::snapshots::encode(self.state.standing()),
            )?;
            self.since_snapshot = 0;
        }
        Ok(())
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
        let base = Some((self.writer.size(), self.writer.connection()));
        let committed = prepare(
            &mut self.state,
            self.agreement.as_ref(),
            submissions,
            Encoding::EachBeforeTheNext(base),
        )
        .map(|prepared| prepared.with_snapshot_due(&mut self.since_snapshot, &self.state))
        .and_then(|prepared| commit(&mut self.writer, prepared));
        if committed.is_err() {
            self.reopen_state()?;
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
            since_snapshot,
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
                        let prepared = prepared.with_snapshot_due(since_snapshot, state);
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
            self.reopen_state()?;
        }
        result
    }

    /// After a batch failed to be stored: the state as the log has it.
    fn reopen_state(&mut self) -> Result<(), StoreError> {
        self.state = replay_state(&LogReader::open(self.writer.path())?)?;
        let latest = crate::snapshots::latest_size(self.writer.connection())?.unwrap_or(0);
        self.since_snapshot = self.writer.size().saturating_sub(latest);
        Ok(())
    }
}

/// A batch decided and encoded, not yet written.
struct Prepared {
    outcomes: Vec<Outcome>,
    envelopes: Vec<Envelope>,
    entries: Vec<LogEntry>,
    /// Each entry's openings, by its offset in the batch.
    openings: Vec<EntryOpenings>,
    sealed_rows: Vec<(u64, [u8; 32], String)>,
    /// The standing after the batch, encoded, when a snapshot is due with it.
    standing: Option<Vec<u8>>,
}

impl Prepared {
    /// Takes a snapshot of the standing with this batch if the entries
    /// since the last one reach the spacing; `state` is the state after it.
    fn with_snapshot_due(mut self, since_snapshot: &mut u64, state: &State) -> Prepared {
        *since_snapshot += self.entries.len() as u64;
        if *since_snapshot >= crate::snapshots::SNAPSHOT_EVERY_ENTRIES {
            self.standing = Some(crate::snapshots::encode(state.standing()));
            *since_snapshot = 0;
        }
        self
    }
}

/// How a batch's events are encoded for the log.
#[derive(Clone, Copy)]
enum Encoding<'a> {
    /// Each submission's before the next is decided: one that does not fit
    /// an entry is refused alone and the state never sees it. The server's
    /// way, where one user's submission must never fail another's. With the
    /// log's size before the batch and the writer's connection, so a
    /// finality can disclose what its incident's entries committed to.
    EachBeforeTheNext(Option<(u64, &'a Connection)>),
    /// All of them after deciding, on every core: a bulk import's way, whose
    /// rows the parsers' limits keep within an entry; if one slips by, the
    /// batch fails whole (and the state is replayed), as an import reports.
    /// (It files reports: nothing in it becomes final.)
    AllCoresAfter,
}

/// One event to be written: its envelope and what its openings row says.
struct ToWrite {
    envelope: Envelope,
    incident: Option<u64>,
    report: Option<u64>,
    final_already: bool,
}

impl ToWrite {
    fn new(state: &State, envelope: Envelope) -> ToWrite {
        let (incident, report) = belongs_to(state, &envelope.event);
        let final_already = incident.is_some_and(|incident| {
            state
                .verification()
                .case(incident)
                .is_some_and(|case| case.finalized_at.is_some())
        });
        ToWrite {
            envelope,
            incident,
            report,
            final_already,
        }
    }

    /// Its public form as a log entry and its openings. Each opening must
    /// fit a `disclosed` event of its own too, or it could never be
    /// published: one that would not is refused like an oversize entry.
    fn split(&self, policy: &Disclosure) -> (Result<LogEntry, EntryTooLarge>, Sealed) {
        let split = disclosure::split(&self.envelope, policy, self.final_already, disclosure::Seed::fresh());
        let largest_disclosure = split
            .openings
            .iter()
            .map(|opening| opening.text.len() + DISCLOSED_OVERHEAD_BYTES)
            .max()
            .unwrap_or(0);
        let entry = match LogEntry::new(split.public) {
            Ok(_) if largest_disclosure > truce_log::tile::ENTRY_BYTES_MAX => Err(EntryTooLarge(largest_disclosure)),
            entry => entry,
        };
        (entry, (split.openings, split.seed))
    }
}

/// The incident and the report an event belongs to, for its openings.
fn belongs_to(state: &State, event: &Event) -> (Option<u64>, Option<u64>) {
    match event {
        Event::ReportFiled {
            report_id, placement, ..
        } => (Some(placement.incident()), Some(*report_id)),
        Event::EvidenceRegistered {
            report_id: Some(report),
            ..
        } => (state.incident_of(*report), Some(*report)),
        other => (other.incident(), None),
    }
}

/// Decides the submissions in order against `state` (which advances with
/// each one recorded) and encodes their events as `encoding` says: each
/// split into its public form and its groups' openings, as the agreement's
/// `[disclosure]` says. A submission that makes an incident final also
/// records the `disclosed` events of what became public with it.
fn prepare(
    state: &mut State,
    agreement: Option<&Agreement>,
    submissions: Vec<Submission>,
    encoding: Encoding,
) -> Result<Prepared, StoreError> {
    let default_policy = Disclosure::default();
    let policy = agreement.map_or(&default_policy, |agreement| &agreement.disclosure);
    let mut outcomes = Vec::with_capacity(submissions.len());
    let mut to_write: Vec<ToWrite> = Vec::new();
    let mut entries: Vec<LogEntry> = Vec::new();
    let mut openings_rows: Vec<EntryOpenings> = Vec::new();
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
        let recorded: Vec<ToWrite> = events
            .into_iter()
            .map(|event| {
                let envelope = Envelope::new(at, &submission.by, event);
                let envelope = match &submission.acting {
                    Some(label) => envelope.acting(label),
                    None => envelope,
                };
                ToWrite::new(state, envelope)
            })
            .collect();
        let first_offset = to_write.len() as u64;
        if let Encoding::EachBeforeTheNext(_) = encoding {
            // Encoded before the state moves on: an event too large for an
            // entry refuses its own submission, never the batch it came with.
            let mut encoded = Vec::with_capacity(recorded.len());
            let mut too_large = None;
            for (offset, write) in recorded.iter().enumerate() {
                let (entry, openings) = write.split(policy);
                match entry {
                    Ok(entry) => encoded.push((entry, openings_row(first_offset + offset as u64, write, openings))),
                    Err(EntryTooLarge(bytes)) => {
                        too_large = Some(bytes);
                        break;
                    }
                }
            }
            if let Some(bytes) = too_large {
                outcomes.push(Outcome::Refused(DomainError::TooLarge {
                    bytes,
                    max: truce_log::tile::ENTRY_BYTES_MAX,
                }));
                continue;
            }
            for (entry, row) in encoded {
                entries.push(entry);
                openings_rows.push(row);
            }
        }
        let mut placement = None;
        let mut finalized = Vec::new();
        for write in &recorded {
            let event = &write.envelope.event;
            state.evolve(event);
            match event {
                Event::ReportFiled {
                    report_id,
                    placement: placed,
                    ..
                } => {
                    placement = Some(*placed);
                    if let Some((salt, plaintext)) = &submission.sealed {
                        sealed_rows.push((*report_id, *salt, plaintext.clone()));
                    }
                }
                Event::DeterminationFinal { incident, .. } => finalized.push(*incident),
                _ => {}
            }
        }
        let mut count = recorded.len() as u64;
        to_write.extend(recorded);
        for incident in finalized {
            let Encoding::EachBeforeTheNext(Some((size, connection))) = encoding else {
                return Err(StoreError::Corrupt(format!(
                    "incident {incident} became final in a pipelined batch, which cannot disclose: submit it on its own"
                )));
            };
            let due = disclosures(connection, size, &openings_rows, policy, state, incident)?;
            for event in due {
                let envelope = Envelope::new(at, "system", event).acting("system");
                let write = ToWrite::new(state, envelope);
                let (entry, openings) = write.split(policy);
                let entry = entry.map_err(|e| StoreError::Corrupt(format!("a disclosed event did not fit: {e}")))?;
                entries.push(entry);
                openings_rows.push(openings_row(to_write.len() as u64, &write, openings));
                to_write.push(write);
                count += 1;
            }
        }
        outcomes.push(Outcome::Recorded {
            first_index: first_offset,
            entries: count,
            placement,
        });
    }
    if encoding == Encoding::AllCoresAfter {
        // Encoding is the costly part of an event and needs no state: all cores do it.
        let encoded: Vec<(Result<LogEntry, EntryTooLarge>, Sealed)> =
            to_write.par_iter().map(|write| write.split(policy)).collect();
        for (offset, (entry, openings)) in encoded.into_iter().enumerate() {
            entries.push(entry.map_err(|too_large| {
                StoreError::Corrupt(format!(
                    "an event of this import did not fit a log entry ({too_large}): nothing of its batch was stored"
                ))
            })?);
            openings_rows.push(openings_row(offset as u64, &to_write[offset], openings));
        }
    }
    Ok(Prepared {
        outcomes,
        envelopes: to_write.into_iter().map(|write| write.envelope).collect(),
        entries,
        openings: openings_rows,
        sealed_rows,
        standing: None,
    })
}

impl PartialEq for Encoding<'_> {
    fn eq(&self, other: &Encoding) -> bool {
        matches!(
            (self, other),
            (Encoding::AllCoresAfter, Encoding::AllCoresAfter)
                | (Encoding::EachBeforeTheNext(_), Encoding::EachBeforeTheNext(_))
        )
    }
}

/// An entry's openings and the seed of their salts, as split.
type Sealed = (Vec<Opening>, Seed);

fn openings_row(offset: u64, write: &ToWrite, (openings, seed): Sealed) -> EntryOpenings {
    EntryOpenings {
        index: offset,
        incident: write.incident,
        report: write.report,
        openings,
        seed: Some(seed),
    }
}

/// At most this many bytes of openings go in one `disclosed` event, so it fits an entry.
const DISCLOSED_BYTES_MAX: usize = 56_000;
/// A bound on what a `disclosed` event of one opening adds to the opening's
/// text (its fields are that text, as JSON): the envelope, the index, the
/// group, the salt and the digests of the entry's other groups (at most
/// twelve, 64 hex digits and a name each).
const DISCLOSED_OVERHEAD_BYTES: usize = 2_048;

/// The `disclosed` events due when `incident` becomes final: the openings
/// of its entries (stored, or earlier in this batch, whose offsets count
/// from the log's `size`) in the groups `policy` discloses at finality, not
/// disclosed before, packed into events that fit an entry.
fn disclosures(
    connection: &Connection,
    size: u64,
    pending: &[EntryOpenings],
    policy: &Disclosure,
    state: &State,
    incident: u64,
) -> Result<Vec<Event>, StoreError> {
    let due: BTreeSet<_> = policy.at_final().into_iter().collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let members = state.members(incident);
    let mut entries = openings::of_incident(connection, incident, members)?;
    let member_set: BTreeSet<u64> = members.iter().copied().collect();
    entries.extend(
        pending
            .iter()
            .filter(|row| row.incident == Some(incident) || row.report.is_some_and(|r| member_set.contains(&r)))
            .map(|row| EntryOpenings {
                index: size + row.index,
                ..row.clone()
            }),
    );
    let mut events = Vec::new();
    let mut chunk = DisclosedChunk::default();
    for entry in entries {
        let already = openings::disclosed_groups(connection, entry.index)?;
        let entry_digests = disclosure::digests(&entry.openings);
        for opening in entry
            .openings
            .iter()
            .filter(|o| due.contains(&o.group) && !already.contains(&o.group))
        {
            let Some(disclosed) = DisclosedOpening::of(entry.index, opening) else {
                return Err(StoreError::Corrupt(format!(
                    "the opening of {} of entry {} is not a JSON object",
                    opening.group, entry.index
                )));
            };
            let bytes = serde_json::to_vec(&disclosed).map(|b| b.len()).unwrap_or(0) + 80 * entry_digests.len();
            if !chunk.openings.is_empty() && chunk.bytes + bytes > DISCLOSED_BYTES_MAX {
                events.push(std::mem::take(&mut chunk).event(incident));
            }
            chunk.bytes += bytes;
            chunk.openings.push(disclosed);
            chunk.digests.insert(entry.index, entry_digests.clone());
        }
    }
    if !chunk.openings.is_empty() {
        events.push(chunk.event(incident));
    }
    Ok(events)
}

/// The openings of one `disclosed` event as it is packed, with the
/// digests of every group of the entries they open.
#[derive(Default)]
struct DisclosedChunk {
    openings: Vec<DisclosedOpening>,
    digests: BTreeMap<u64, BTreeMap<truce_domain::disclosure::Group, String>>,
    bytes: usize,
}

impl DisclosedChunk {
    /// The event: its openings, and for each entry the digests of the
    /// groups it does not open, with which they check against the entry's commitment.
    fn event(mut self, incident: u64) -> Event {
        for disclosed in &self.openings {
            if let Some(digests) = self.digests.get_mut(&disclosed.index) {
                digests.remove(&disclosed.group);
            }
        }
        let withheld = self
            .digests
            .into_iter()
            .filter(|(_, digests)| !digests.is_empty())
            .map(|(index, digests)| WithheldDigests { index, digests })
            .collect();
        Event::Disclosed {
            incident,
            openings: self.openings,
            withheld,
        }
    }
}

/// Appends a prepared batch and its projection rows in one transaction.
/// A committed batch: each submission's outcome, the checkpoint covering
/// the batch, and its events from `first_index` on, each with its public
/// form (the log's entry) and its openings.
#[derive(Clone, Debug)]
pub struct Batch {
    pub outcomes: Vec<Outcome>,
    pub checkpoint: StoredCheckpoint,
    pub first_index: u64,
    pub envelopes: Vec<Envelope>,
    pub entries: Vec<LogEntry>,
    pub openings: Vec<Vec<Opening>>,
}

fn commit(writer: &mut LogWriter, prepared: Prepared) -> Result<Batch, StoreError> {
    let Prepared {
        mut outcomes,
        envelopes,
        entries,
        mut openings,
        sealed_rows,
        standing,
    } = prepared;
    let snapshot = |transaction: &rusqlite::Transaction, checkpoint: &StoredCheckpoint| match &standing {
        Some(bytes) => crate::snapshots::write(transaction, checkpoint.size, checkpoint.root.as_bytes(), bytes),
        None => Ok(()),
    };
    let batch = writer.append_batch_signed_with(
        &entries,
        |transaction, first_index| {
            for row in &mut openings {
                row.index += first_index;
            }
            openings::insert(transaction, &openings)?;
            for (offset, envelope) in envelopes.iter().enumerate() {
                projections::apply(transaction, first_index + offset as u64, envelope)?;
            }
            let mut insert =
                transaction.prepare_cached("INSERT INTO sealed (report_id, salt, plaintext) VALUES (?1, ?2, ?3)")?;
            for (report_id, salt, plaintext) in &sealed_rows {
                insert.execute(params![*report_id as i64, salt.as_slice(), plaintext])?;
            }
            Ok(())
        },
        snapshot,
    )?;
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
        entries,
        openings: openings.into_iter().map(|row| row.openings).collect(),
    })
}

/// Decodes the entry at `index`, with its openings, into an event
/// envelope, naming the index if it is not one.
pub fn envelope_at(index: u64, bytes: &[u8], openings: &[Opening]) -> Result<Envelope, StoreError> {
    disclosure::join(bytes, openings).map_err(|e| StoreError::Corrupt(format!("log entry {index}: {e}")))
}

/// The domain state after every event of the log.
pub fn replay_state(reader: &LogReader) -> Result<State, StoreError> {
    let mut state = State::default();
    reader
        .for_each_envelope(|_, envelope| {
            state.evolve(&envelope.event);
            Ok(())
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(state)
}

/// The record's standing at the log's latest checkpoint: the latest
/// snapshot's, evolved by the entries after it (the whole log when there is
/// none), read a bounded run of entries at a time. With the number of
/// entries replayed.
pub fn replay_standing(reader: &LogReader) -> Result<(Standing, u64), StoreError> {
    const RUN: u64 = 1_024;
    let read = |e: crate::reader::ReadError| StoreError::Corrupt(e.to_string());
    let size = reader.latest_checkpoint().map_err(read)?.size;
    let snapshot = reader.standing_snapshot(size).map_err(read)?;
    let (mut standing, from) = snapshot.map_or((Standing::default(), 0), |s| (s.standing, s.size));
    let mut start = from;
    while start < size {
        let end = (start + RUN).min(size);
        let entries = reader.entries(start..end).map_err(read)?;
        let mut openings = reader.openings_in(start, end).map_err(read)?.into_iter().peekable();
        for (index, bytes) in entries {
            let mut own = Vec::new();
            while let Some(row) = openings.next_if(|row| row.index <= index) {
                if row.index == index {
                    own = row.openings;
                }
            }
            standing.evolve(&envelope_at(index, &bytes, &own)?.event);
        }
        start = end;
    }
    Ok((standing, size - from))
}
