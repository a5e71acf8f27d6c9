//! The record's state as far as deciding needs it, and the two pure
//! functions of event sourcing: [`decide`] turns a command into events
//! (or refuses it), [`State::evolve`] applies an event. Replaying every event
//! of the log through `evolve` rebuilds the state exactly.

use crate::correlate::{CorrelationRules, Correlator, IncidentFootprint};
use crate::event::{CustodyAction, Event, Placement};
use crate::geography::GeoFacts;
use crate::report::{Report, SourceType};
use crate::verification::case::{IncidentFacts, Verification, VerificationCommand, VerificationError};
use crate::verification::lifecycle::{Step, advance};
use crate::verification::rules::{Explanation, SourceFact, evaluate};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::verification::case::Context;

/// What a caller asks for.
#[derive(Clone, Debug)]
pub enum Command {
    /// Register (a version of) the agreement; its text lives in the data directory, its hash in the log.
    RegisterAgreement {
        agreement_id: crate::codes::Code,
        version: u32,
        title: String,
        document_sha256: String,
    },
    /// File a report. `correlate: false` gives it an incident of its own
    /// (curated datasets such as UCDP GED, one incident a row).
    FileReport {
        report: Box<Report>,
        sealed_commitment: Option<String>,
        correlate: bool,
        /// What geography says of the report's place, computed when it is filed.
        geo: Option<GeoFacts>,
    },
    RegisterEvidence {
        sha256: String,
        media_type: String,
        size: u64,
        collected_by: String,
        source_url: Option<String>,
        report_id: Option<u64>,
    },
    RecordCustody {
        sha256: String,
        action: CustodyAction,
        by: String,
        to: Option<String>,
        note: String,
    },
    MergeIncidents {
        into: u64,
        from: u64,
        reason: String,
    },
    SplitIncident {
        from: u64,
        report_ids: Vec<u64>,
        reason: String,
    },
    /// A step of an incident's verification, a determination, a penalty.
    Verify(VerificationCommand),
    /// Record that the giver read a report's sealed fields (before they are shown).
    RecordSealedRead {
        report_id: u64,
    },
    /// Publish a bulletin whose document is already in the blob store.
    PublishBulletin(Box<BulletinRecord>),
}

/// What the log says of a bulletin, as composed (the edition is the state's to give).
#[derive(Clone, Debug, PartialEq)]
pub struct BulletinRecord {
    pub period: crate::bulletin::BulletinPeriod,
    pub checkpoint_size: u64,
    pub checkpoint_root: String,
    pub document_sha256: String,
    pub document_size: u64,
    pub headline: crate::bulletin::Headline,
}

impl Command {
    /// Registers `agreement`, parsed from `document`, whose SHA-256 the log keeps.
    pub fn register_agreement(agreement: &crate::agreement::Agreement, document: &str) -> Command {
        use sha2::{Digest, Sha256};
        Command::RegisterAgreement {
            agreement_id: agreement.id.clone(),
            version: agreement.version,
            title: agreement.title.clone(),
            document_sha256: hex::encode(Sha256::digest(document.as_bytes())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("incident {0} does not exist")]
    NoSuchIncident(u64),
    #[error("an incident cannot be merged into itself")]
    MergeIntoItself,
    #[error("report {report} is not in incident {incident}")]
    NotInIncident { report: u64, incident: u64 },
    #[error("a split must move some but not all of the incident's reports")]
    SplitMovesNothingOrAll,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("report {0} does not exist")]
    NoSuchReport(u64),
    #[error("no evidence with SHA-256 {0} is registered")]
    NoSuchEvidence(String),
    #[error("a transfer names who received the evidence (to)")]
    TransferWithoutRecipient,
    #[error(transparent)]
    Verification(#[from] VerificationError),
    #[error("{0:?} is not a lower-case hex SHA-256")]
    BadDigest(String),
    /// Encoded for the log, the command's event would not fit an entry
    /// (the parsers' limits should prevent it; this refuses what slips by,
    /// alone, so it never fails the batch it arrived with).
    #[error("the command's event is {bytes} bytes once encoded, over the {max} a log entry holds")]
    TooLarge { bytes: usize, max: usize },
}

#[derive(Clone, Debug)]
pub struct State {
    /// What grows with what people do, not with the reports filed; snapshotted.
    standing: Standing,
    correlator: Correlator,
    /// Source name, then external id, of every report: filing is idempotent.
    filed: HashMap<String, HashMap<String, u64>>,
    footprints: HashMap<u64, IncidentFootprint>,
    incident_of: HashMap<u64, u64>,
    members: HashMap<u64, Vec<u64>>,
    evidence: HashSet<String>,
    /// What verification needs of each report: its source and when it happened.
    report_facts: HashMap<u64, (SourceFact, i64)>,
}

/// The part of the state whose size follows what the mission's people did
/// (cases, determinations, penalties, bulletins) and a few counters, never
/// the number of reports: what `truce status` needs, and small enough to
/// keep as a snapshot at a checkpoint, so reading it costs only the log's
/// tail since. Its evolution needs nothing of the rest of the state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    next_report: u64,
    next_incident: u64,
    /// Reports filed by each party (sources of type party), by party code.
    filed_by_party: BTreeMap<String, u64>,
    verification: Verification,
    /// Bulletins published, by period kind and start: the next is one more edition.
    #[serde(with = "editions_as_list")]
    bulletin_editions: BTreeMap<(crate::bulletin::PeriodKind, i64), u32>,
}

impl Default for Standing {
    fn default() -> Standing {
        Standing {
            next_report: 1,
            next_incident: 1,
            filed_by_party: BTreeMap::new(),
            verification: Verification::default(),
            bulletin_editions: BTreeMap::new(),
        }
    }
}

impl Standing {
    pub fn verification(&self) -> &Verification {
        &self.verification
    }

    /// How many reports the party (by code) filed as a source.
    pub fn filed_by_party(&self, party: &str) -> u64 {
        self.filed_by_party.get(party).copied().unwrap_or(0)
    }

    /// Applies the part of one event that concerns the standing.
    pub fn evolve(&mut self, event: &Event) {
        match event {
            Event::AgreementRegistered { .. }
            | Event::CustodyRecorded { .. }
            | Event::Disclosed { .. }
            | Event::EvidenceRegistered { .. } => {}
            Event::BulletinPublished {
                period_kind,
                period_start,
                edition,
                ..
            } => {
                let editions = self
                    .bulletin_editions
                    .entry((*period_kind, period_start.timestamp()))
                    .or_default();
                *editions = (*editions).max(*edition);
            }
            Event::ReportFiled {
                report_id,
                report,
                placement,
                ..
            } => {
                if let Placement::OpenedIncident(incident) = placement {
                    self.next_incident = self.next_incident.max(incident + 1);
                }
                if report.source.source_type == SourceType::Party {
                    *self.filed_by_party.entry(report.source.name.clone()).or_default() += 1;
                }
                self.next_report = self.next_report.max(report_id + 1);
            }
            Event::IncidentsMerged { from, .. } => self.verification.close_as_duplicate(*from),
            Event::IncidentSplit { into, .. } => self.next_incident = self.next_incident.max(into + 1),
            other => self.verification.evolve(other),
        }
    }
}

/// Bulletin editions as a list of `[kind, start, edition]` (a map's keys must be strings in JSON).
mod editions_as_list {
    use crate::bulletin::PeriodKind;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    type Editions = BTreeMap<(PeriodKind, i64), u32>;

    pub fn serialize<S: Serializer>(editions: &Editions, serializer: S) -> Result<S::Ok, S::Error> {
        let list: Vec<(PeriodKind, i64, u32)> = editions.iter().map(|(&(k, s), &e)| (k, s, e)).collect();
        list.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Editions, D::Error> {
        let list = Vec::<(PeriodKind, i64, u32)>::deserialize(deserializer)?;
        Ok(list.into_iter().map(|(k, s, e)| ((k, s), e)).collect())
    }
}

impl Default for State {
    fn default() -> State {
        State::new(CorrelationRules::default())
    }
}

impl State {
    pub fn new(rules: CorrelationRules) -> State {
        State {
            standing: Standing::default(),
            correlator: Correlator::new(rules),
            filed: HashMap::new(),
            footprints: HashMap::new(),
            incident_of: HashMap::new(),
            members: HashMap::new(),
            evidence: HashSet::new(),
            report_facts: HashMap::new(),
        }
    }

    pub fn standing(&self) -> &Standing {
        &self.standing
    }

    pub fn incident_of(&self, report: u64) -> Option<u64> {
        self.incident_of.get(&report).copied()
    }

    pub fn members(&self, incident: u64) -> &[u64] {
        self.members.get(&incident).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn incident_count(&self) -> usize {
        self.members.len()
    }

    pub fn verification(&self) -> &Verification {
        &self.standing.verification
    }

    /// How many reports the party (by code) filed as a source.
    pub fn filed_by_party(&self, party: &str) -> u64 {
        self.standing.filed_by_party(party)
    }

    /// The agreement's verification rules evaluated on an incident now, if it exists.
    pub fn explain(&self, incident: u64, agreement: &crate::agreement::Agreement) -> Option<Explanation> {
        let facts = self.incident_facts(incident)?;
        let observed = self
            .standing
            .verification
            .case(incident)
            .is_some_and(|case| case.findings.iter().any(|f| f.observed));
        Some(evaluate(agreement, &facts.sources, &facts.acts, observed))
    }

    /// What verification needs to know of an incident, if it exists.
    pub fn incident_facts(&self, incident: u64) -> Option<IncidentFacts> {
        let members = self.members.get(&incident).filter(|m| !m.is_empty())?;
        let mut sources = Vec::with_capacity(members.len());
        let mut acts: Vec<crate::codes::Code> = Vec::new();
        let mut earliest = i64::MAX;
        for report in members {
            if let Some((source, start)) = self.report_facts.get(report) {
                if let Some(act) = &source.act
                    && !acts.contains(act)
                {
                    acts.push(act.clone());
                }
                earliest = earliest.min(*start);
                sources.push(source.clone());
            }
        }
        Some(IncidentFacts {
            sources,
            acts,
            at: DateTime::from_timestamp(earliest, 0).unwrap_or(DateTime::<Utc>::MIN_UTC),
        })
    }

    /// Applies one event. Events come from `decide` or from the log, so they
    /// are trusted to be consistent with the state.
    pub fn evolve(&mut self, event: &Event) {
        self.standing.evolve(event);
        match event {
            Event::EvidenceRegistered { sha256, .. } => {
                self.evidence.insert(sha256.clone());
            }
            Event::ReportFiled {
                report_id,
                report,
                placement,
                ..
            } => {
                self.filed
                    .entry(report.source.name.clone())
                    .or_default()
                    .insert(report.external_id.clone(), *report_id);
                let footprint = IncidentFootprint::of(report, &self.correlator.rules());
                match *placement {
                    Placement::OpenedIncident(incident) => self.correlator.open_footprint(incident, footprint.clone()),
                    Placement::JoinedIncident(incident) => self.correlator.join_footprint(incident, &footprint),
                }
                self.footprints.insert(*report_id, footprint);
                let source = &report.source;
                let fact = SourceFact {
                    source_type: source.source_type,
                    name: source.name.clone(),
                    owner: source.owner.clone(),
                    grading: source.grading,
                    act: report.act.clone(),
                };
                self.report_facts
                    .insert(*report_id, (fact, report.time.start.timestamp()));
                self.incident_of.insert(*report_id, placement.incident());
                self.members.entry(placement.incident()).or_default().push(*report_id);
            }
            Event::IncidentsMerged { into, from, .. } => {
                self.correlator.merge(*into, *from);
                let moved = self.members.remove(from).unwrap_or_default();
                for report in &moved {
                    self.incident_of.insert(*report, *into);
                }
                self.members.entry(*into).or_default().extend(moved);
            }
            Event::IncidentSplit {
                from, into, report_ids, ..
            } => {
                let remaining: Vec<u64> = self
                    .members(*from)
                    .iter()
                    .copied()
                    .filter(|r| !report_ids.contains(r))
                    .collect();
                for report in report_ids {
                    self.incident_of.insert(*report, *into);
                }
                self.reset_incident(*from, remaining);
                self.reset_incident(*into, report_ids.clone());
            }
            _ => {}
        }
    }

    fn reset_incident(&mut self, incident: u64, reports: Vec<u64>) {
        let footprints: Vec<&IncidentFootprint> = reports.iter().map(|r| &self.footprints[r]).collect();
        self.correlator.reset(incident, &footprints);
        self.members.insert(incident, reports);
    }
}

/// The events `command` causes in `state` under `context` (the time and the
/// agreement), or why it is refused. Filing a report already filed (same
/// source, same external id) causes nothing.
pub fn decide(state: &State, command: &Command, context: &Context) -> Result<Vec<Event>, DomainError> {
    match command {
        Command::RegisterAgreement {
            agreement_id,
            version,
            title,
            document_sha256,
        } => Ok(vec![Event::AgreementRegistered {
            agreement_id: agreement_id.clone(),
            version: *version,
            title: title.clone(),
            document_sha256: document_sha256.clone(),
        }]),
        Command::FileReport {
            report,
            sealed_commitment,
            correlate,
            geo,
        } => {
            if state
                .filed
                .get(&report.source.name)
                .is_some_and(|ids| ids.contains_key(&report.external_id))
            {
                return Ok(Vec::new());
            }
            let report_id = state.standing.next_report;
            let joined = if *correlate {
                state.correlator.best_match(report)
            } else {
                None
            };
            let placement = match joined {
                Some(incident) => Placement::JoinedIncident(incident),
                None => Placement::OpenedIncident(state.standing.next_incident),
            };
            Ok(vec![Event::ReportFiled {
                report_id,
                placement,
                report: report.clone(),
                sealed_commitment: sealed_commitment.clone(),
                warnings: report.warnings(),
                geo: geo.clone(),
            }])
        }
        Command::RegisterEvidence {
            sha256,
            media_type,
            size,
            collected_by,
            source_url,
            report_id,
        } => {
            if state.evidence.contains(sha256) {
                return Ok(Vec::new());
            }
            if let Some(report) = report_id.filter(|r| *r == 0 || *r >= state.standing.next_report) {
                return Err(DomainError::NoSuchReport(report));
            }
            Ok(vec![Event::EvidenceRegistered {
                sha256: sha256.clone(),
                media_type: media_type.clone(),
                size: *size,
                collected_by: collected_by.clone(),
                source_url: source_url.clone(),
                report_id: *report_id,
            }])
        }
        Command::RecordCustody {
            sha256,
            action,
            by,
            to,
            note,
        } => {
            if !state.evidence.contains(sha256) {
                return Err(DomainError::NoSuchEvidence(sha256.clone()));
            }
            if *action == CustodyAction::Transferred && to.is_none() {
                return Err(DomainError::TransferWithoutRecipient);
            }
            Ok(vec![Event::CustodyRecorded {
                sha256: sha256.clone(),
                action: *action,
                custodian: by.clone(),
                recipient: to.clone(),
                note: note.clone(),
            }])
        }
        Command::MergeIncidents { into, from, reason } => {
            require_reason(reason)?;
            if into == from {
                return Err(DomainError::MergeIntoItself);
            }
            for incident in [into, from] {
                if !state.members.contains_key(incident) {
                    return Err(DomainError::NoSuchIncident(*incident));
                }
            }
            advance(*from, state.standing.verification.stage(*from), Step::CloseAsDuplicate)
                .map_err(VerificationError::from)?;
            Ok(vec![Event::IncidentsMerged {
                into: *into,
                from: *from,
                reason: reason.clone(),
            }])
        }
        Command::SplitIncident {
            from,
            report_ids,
            reason,
        } => {
            require_reason(reason)?;
            let members = state.members.get(from).ok_or(DomainError::NoSuchIncident(*from))?;
            if let Some(report) = report_ids.iter().find(|r| !members.contains(r)) {
                return Err(DomainError::NotInIncident {
                    report: *report,
                    incident: *from,
                });
            }
            if report_ids.is_empty() || report_ids.len() >= members.len() {
                return Err(DomainError::SplitMovesNothingOrAll);
            }
            let into = state.standing.next_incident;
            Ok(vec![Event::IncidentSplit {
                from: *from,
                into,
                report_ids: report_ids.clone(),
                reason: reason.clone(),
            }])
        }
        Command::RecordSealedRead { report_id } => {
            if *report_id == 0 || *report_id >= state.standing.next_report {
                return Err(DomainError::NoSuchReport(*report_id));
            }
            Ok(vec![Event::SealedRead { report_id: *report_id }])
        }
        Command::PublishBulletin(record) => publish_bulletin(state, record),
        Command::Verify(command) => {
            let incident = command.incident();
            let facts = incident.and_then(|i| state.incident_facts(i));
            Ok(crate::verification::case::decide(
                &state.standing.verification,
                facts.as_ref(),
                command,
                context,
            )?)
        }
    }
}

fn require_reason(reason: &str) -> Result<(), DomainError> {
    if reason.trim().is_empty() {
        Err(DomainError::ReasonRequired)
    } else {
        Ok(())
    }
}

/// A bulletin's event: the next edition of its period. Publishing a period
/// again is not refused: it is a new edition, listed beside the earlier
/// (the record may have changed since, and both stay on the log).
fn publish_bulletin(state: &State, record: &BulletinRecord) -> Result<Vec<Event>, DomainError> {
    let digest = &record.document_sha256;
    if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(DomainError::BadDigest(digest.clone()));
    }
    let period = record.period;
    let published = state
        .standing
        .bulletin_editions
        .get(&(period.kind(), period.start().timestamp()))
        .copied()
        .unwrap_or(0);
    Ok(vec![Event::BulletinPublished {
        period_kind: period.kind(),
        period_start: period.start(),
        period_end: period.end(),
        edition: published + 1,
        checkpoint_size: record.checkpoint_size,
        checkpoint_root: record.checkpoint_root.clone(),
        document_sha256: digest.clone(),
        document_size: record.document_size,
        headline: Some(record.headline),
    }])
}
