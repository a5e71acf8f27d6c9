//! Public bulletins, daily and weekly, in the manner of the OSCE Special
//! Monitoring Mission's daily reports: for a [`BulletinPeriod`], how many
//! incidents (per accused party, act and zone, beside the previous
//! period's), the violations confirmed, the casualties (the mechanism's
//! estimate beside each party's own claim, other sources' highest figure
//! unnamed), the determinations made final and the penalties they brought,
//! and the status at the period's end, all as of one checkpoint of the log.
//!
//! Composition is pure ([`compose`]): the store reads the inputs as values
//! ([`BulletinInputs`]) on the engine's thread, so the figures are exactly
//! those of the checkpoint the bulletin names. The JSON form
//! ([`Bulletin::to_json`]) is the published document whose SHA-256 the log
//! holds; its field order is the structs' order, so it is stable.

mod compose;
mod markdown;
mod period;

pub use compose::{BulletinInputs, CasualtyInput, FinalDetermination, IncidentLine, compose};
pub use markdown::{figure, markdown};
pub use period::{BulletinPeriod, PeriodError, PeriodKind};

use crate::codes::Code;
use crate::report::Figure;
use crate::verification::determination::Verdict;
use crate::verification::status::StatusPoint;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The version of the document's shape.
pub const BULLETIN_FORMAT: u32 = 1;

/// At most this many incidents are itemised under casualties (the largest
/// first); the totals count all of them.
pub const CASUALTY_ROWS_MAX: usize = 200;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bulletin {
    pub format: u32,
    pub agreement: Code,
    pub title: String,
    pub period: PeriodDoc,
    /// The checkpoint whose log the figures are read from.
    pub checkpoint: CheckpointRef,
    pub incidents: IncidentCounts,
    /// Violations made final in the period, per party of the agreement.
    pub violations_confirmed: Vec<PartyCount>,
    pub casualties: Casualties,
    pub determinations: Vec<DeterminationLine>,
    /// Penalties brought by the period's determinations, or in effect from within it.
    pub penalties: Vec<PenaltyLine>,
    /// The status per party and of the agreement at the period's end (or at the checkpoint, if sooner).
    pub status: StatusPoint,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeriodDoc {
    pub kind: PeriodKind,
    pub start: DateTime<Utc>,
    /// The first moment after the period.
    pub end: DateTime<Utc>,
    pub label: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRef {
    pub size: u64,
    pub root: String,
}

/// This period's count beside the previous period's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub current: u64,
    pub previous: u64,
}

/// A count under a key (a party, an act, a zone); `None` is "not said".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyedCount {
    pub key: Option<String>,
    #[serde(flatten)]
    pub count: Count,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentCounts {
    pub total: Count,
    pub by_party: Vec<KeyedCount>,
    pub by_act: Vec<KeyedCount>,
    /// An incident in several zones counts in each.
    pub by_zone: Vec<KeyedCount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyCount {
    pub party: Code,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyClaim {
    pub party: Code,
    pub deaths: Figure,
}

/// One incident's deaths: the estimate beside the claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentCasualties {
    pub incident: u64,
    pub estimate: Figure,
    /// Whether `estimate` is a final determination's verified deaths (else the casualty rule's).
    pub verified: bool,
    /// Each party's own claim, named.
    pub party_claims: Vec<PartyClaim>,
    /// The highest figure any other source gave; sources are protected, so unnamed.
    pub others_highest: Option<Figure>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Casualties {
    /// The sum of the incidents' estimates.
    pub estimate: Figure,
    pub party_claims: Vec<PartyClaim>,
    pub others_highest: Option<Figure>,
    pub incidents: Vec<IncidentCasualties>,
    /// How many incidents had figures (more than are itemised, past [`CASUALTY_ROWS_MAX`]).
    pub incident_count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeterminationLine {
    pub incident: u64,
    pub number: u32,
    pub finalized_at: DateTime<Utc>,
    pub verdict: Verdict,
    pub responsible_party: Option<Code>,
    pub provisions: Vec<Code>,
    /// Where the incident's first report puts it (WGS84 degrees), for the bulletin's map.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PenaltyLine {
    pub penalty: u64,
    pub incident: u64,
    pub party: Code,
    pub code: Code,
    pub description: String,
    pub state: String,
    pub in_effect_from: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
}

/// The figures small enough to ride in the log entry itself.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headline {
    pub incidents: u64,
    pub violations_confirmed: u64,
    pub deaths_best: u32,
    pub determinations: u64,
    pub penalties: u64,
}

impl Bulletin {
    /// The published document: pretty JSON, one newline at the end.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a bulletin serializes");
        bytes.push(b'\n');
        bytes
    }

    pub fn headline(&self) -> Headline {
        Headline {
            incidents: self.incidents.total.current,
            violations_confirmed: self.violations_confirmed.iter().map(|p| p.count).sum(),
            deaths_best: self.casualties.estimate.best,
            determinations: self.determinations.len() as u64,
            penalties: self.penalties.len() as u64,
        }
    }
}
