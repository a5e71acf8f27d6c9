//! Events: every change of the record, as appended to the log. An event's
//! JSON is a compatibility boundary: replaying the log must read every event
//! ever written, so fields are only ever added, with defaults.

use crate::codes::Code;
use crate::geography::GeoFacts;
use crate::report::Report;
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
/// event's fields sit beside `v`, `at` and `by`, so no event may have a
/// field of those names (`tests/state.rs` round-trips every event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The envelope format's version.
    pub v: u8,
    pub at: DateTime<Utc>,
    /// The user or process that caused it.
    pub by: String,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Debug, thiserror::Error)]
#[error("log entry is not a truce event: {0}")]
pub struct NotAnEvent(String);

impl Envelope {
    pub const VERSION: u8 = 1;

    pub fn new(at: DateTime<Utc>, by: &str, event: Event) -> Envelope {
        Envelope {
            v: Envelope::VERSION,
            at,
            by: by.to_string(),
            event,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("events serialize")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Envelope, NotAnEvent> {
        serde_json::from_slice(bytes).map_err(|e| NotAnEvent(e.to_string()))
    }
}
