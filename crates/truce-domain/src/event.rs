//! Events: every change of the record, as appended to the log. An event's
//! JSON is a compatibility boundary: replaying the log must read every event
//! ever written, so fields are only ever added, with defaults.

use crate::codes::Code;
use crate::geography::GeoFacts;
use crate::report::Report;
use crate::verification::determination::Determination;
use crate::verification::penalties::PenaltyDecision;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    AgreementRegistered {
        agreement_id: Code,
        version: u32,
        title: String,
        /// SHA-256 of the TOML document, which is kept in the blob store.
        document_sha256: String,
    },
    /// A report was filed and placed: it opened an incident or joined one.
    ReportFiled {
        report_id: u64,
        placement: Placement,
        report: Box<Report>,
        /// The salted commitment to the sealed fields, if the report has any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed_commitment: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<String>,
        /// Country, zones, border distance and cross-border flag, as computed when filed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        geo: Option<GeoFacts>,
    },
    /// Evidence entered the store (its bytes are in the blob store, by hash).
    EvidenceRegistered {
        sha256: String,
        media_type: String,
        size: u64,
        collected_by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_url: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report_id: Option<u64>,
    },
    /// A step in the evidence's chain of custody (Berkeley Protocol).
    CustodyRecorded {
        sha256: String,
        action: CustodyAction,
        /// Who acted (the envelope's `by` is who recorded it).
        custodian: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recipient: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
    IncidentsMerged {
        into: u64,
        from: u64,
        reason: String,
    },
    IncidentSplit {
        from: u64,
        into: u64,
        report_ids: Vec<u64>,
        reason: String,
    },
    /// Someone (the envelope's `by`) read a report's sealed fields: every
    /// read of a protected source is on the record, its content never is.
    SealedRead {
        report_id: u64,
    },
    // Verification (see `crate::verification`): each step of an incident's case.
    ReviewStarted {
        incident: u64,
    },
    TaskAssigned {
        incident: u64,
        task: u64,
        team: Code,
        due: DateTime<Utc>,
        description: String,
    },
    FindingsFiled {
        incident: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task: Option<u64>,
        summary: String,
        #[serde(default)]
        evidence: Vec<String>,
        /// A monitor saw the act or its immediate aftermath itself.
        #[serde(default)]
        observed: bool,
    },
    /// The accused party is notified and has until `due` to reply.
    ReplyRequested {
        incident: u64,
        party: Code,
        asked_at: DateTime<Utc>,
        due: DateTime<Utc>,
    },
    /// The party was reminded that its reply window closes at `due`.
    ReplyReminded {
        incident: u64,
        party: Code,
        due: DateTime<Utc>,
    },
    ReplyFiled {
        incident: u64,
        party: Code,
        text: String,
        #[serde(default)]
        evidence: Vec<String>,
        replied_at: DateTime<Utc>,
        on_time: bool,
    },
    DeterminationIssued {
        incident: u64,
        /// 1 for the first, 2 after an appeal, and so on.
        number: u32,
        determination: Box<Determination>,
    },
    /// One mediator's approval, in its own name.
    DeterminationApproved {
        incident: u64,
        number: u32,
        mediator: Code,
    },
    /// A mediator lets the determination become final before the reply window closes.
    UrgencyInvoked {
        incident: u64,
        number: u32,
        mediator: Code,
        reason: String,
    },
    DeterminationFinal {
        incident: u64,
        number: u32,
        finalized_at: DateTime<Utc>,
        /// When the incident happened: what the ladder and the status count by.
        incident_at: DateTime<Utc>,
    },
    /// A party's own statement (dissent), kept beside the determination.
    StatementAttached {
        incident: u64,
        number: u32,
        party: Code,
        text: String,
    },
    AppealFiled {
        incident: u64,
        party: Code,
        grounds: String,
        #[serde(default)]
        withdrawn_penalties: Vec<u64>,
    },
    /// The ladder's penalty for a final violation, awaiting the mediators' quorum.
    PenaltyProposed {
        penalty: u64,
        incident: u64,
        party: Code,
        decision: Box<PenaltyDecision>,
    },
    PenaltyApproved {
        penalty: u64,
        mediator: Code,
    },
    PenaltyInEffect {
        penalty: u64,
        from: DateTime<Utc>,
        due: DateTime<Utc>,
    },
    ComplianceRecorded {
        penalty: u64,
        complied: bool,
        note: String,
    },
    /// A public bulletin: its document (JSON) is in the blob store under
    /// `document_sha256`, so a reader can hash what it downloads and
    /// compare; the figures are those of the log at `checkpoint_size`.
    BulletinPublished {
        period_kind: crate::bulletin::PeriodKind,
        period_start: DateTime<Utc>,
        /// The first moment after the period.
        period_end: DateTime<Utc>,
        /// 1 for the period's first bulletin; a later one is a new edition.
        edition: u32,
        checkpoint_size: u64,
        checkpoint_root: String,
        document_sha256: String,
        document_size: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        headline: Option<crate::bulletin::Headline>,
    },
    /// Openings made public when `incident` became final, as the
    /// agreement's `[disclosure]` says: each opens a commitment of an
    /// earlier entry, which anyone can check (`truce log verify`).
    Disclosed {
        incident: u64,
        openings: Vec<crate::disclosure::DisclosedOpening>,
        /// For each entry it opens (version 3), the digests of the groups
        /// it does not open, so its openings check against the entry's one
        /// commitment.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        withheld: Vec<crate::disclosure::WithheldDigests>,
    },
}

impl Event {
    /// The incident the event is about, when it names one.
    pub fn incident(&self) -> Option<u64> {
        match self {
            Event::ReviewStarted { incident }
            | Event::TaskAssigned { incident, .. }
            | Event::FindingsFiled { incident, .. }
            | Event::ReplyRequested { incident, .. }
            | Event::ReplyReminded { incident, .. }
            | Event::ReplyFiled { incident, .. }
            | Event::DeterminationIssued { incident, .. }
            | Event::DeterminationApproved { incident, .. }
            | Event::UrgencyInvoked { incident, .. }
            | Event::DeterminationFinal { incident, .. }
            | Event::StatementAttached { incident, .. }
            | Event::AppealFiled { incident, .. }
            | Event::PenaltyProposed { incident, .. }
            | Event::Disclosed { incident, .. } => Some(*incident),
            Event::ReportFiled { placement, .. } => Some(placement.incident()),
            Event::IncidentsMerged { into, .. } => Some(*into),
            Event::IncidentSplit { from, .. } => Some(*from),
            Event::AgreementRegistered { .. }
            | Event::EvidenceRegistered { .. }
            | Event::CustodyRecorded { .. }
            | Event::SealedRead { .. }
            | Event::PenaltyApproved { .. }
            | Event::PenaltyInEffect { .. }
            | Event::ComplianceRecorded { .. }
            | Event::BulletinPublished { .. } => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustodyAction {
    Collected,
    Transferred,
    Examined,
}

impl CustodyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            CustodyAction::Collected => "collected",
            CustodyAction::Transferred => "transferred",
            CustodyAction::Examined => "examined",
        }
    }
}

/// Where a filed report went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    OpenedIncident(u64),
    JoinedIncident(u64),
}

impl Placement {
    pub fn incident(self) -> u64 {
        match self {
            Placement::OpenedIncident(incident) | Placement::JoinedIncident(incident) => incident,
        }
    }
}

/// An event with when and by whom it was recorded: one log entry. The
/// event's fields sit beside `v`, `at`, `by`, `acting`, `commitment` and `commitments`,
/// so no event may have a field of those names (`tests/state.rs`
/// round-trips every event). This is the whole record; the log holds its
/// public form (`crate::disclosure::split`), where `by` names the role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The envelope format's version: 1 before commitments (`by` in clear),
    /// 2 with a commitment a group, 3 with one commitment over the groups' digests.
    pub v: u8,
    pub at: DateTime<Utc>,
    /// The user or process that caused it.
    pub by: String,
    /// The role it acted in and for whom (`party AFG`, `mediator QAT`,
    /// `monitor`): what the public form says instead of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting: Option<String>,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Debug, thiserror::Error)]
#[error("log entry is not a truce event: {0}")]
pub struct NotAnEvent(String);

impl Envelope {
    pub const VERSION: u8 = 3;

    pub fn new(at: DateTime<Utc>, by: &str, event: Event) -> Envelope {
        Envelope {
            v: Envelope::VERSION,
            at,
            by: by.to_string(),
            acting: None,
            event,
        }
    }

    /// The same, acting as `acting` (a role's public label).
    pub fn acting(mut self, acting: &str) -> Envelope {
        self.acting = Some(acting.to_string());
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("events serialize")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Envelope, NotAnEvent> {
        serde_json::from_slice(bytes).map_err(|e| NotAnEvent(e.to_string()))
    }
}
