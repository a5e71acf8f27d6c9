//! The agreement: who signed, when it holds, where, what is prohibited, what
//! each party owes, how allegations are verified and answered, and the
//! penalties agreed in advance. Written by the mediators as TOML (see
//! `examples/doha-ceasefire.toml`), parsed once into [`Agreement`], whose
//! fields can then be trusted.
//!
//! [`Agreement::from_toml`] reports every error at once, each with its field
//! path (`windows[1].ends`) and line, so a mediator fixes a draft in one pass.

mod raw;
mod validate;

use crate::codes::Code;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::fmt;

/// The ACLED event types and their sub-event types (ACLED codebook, 2023).
pub const ACLED_EVENT_TYPES: &[(&str, &[&str])] = &[
    (
        "Battles",
        &[
            "Armed clash",
            "Government regains territory",
            "Non-state actor overtakes territory",
        ],
    ),
    (
        "Explosions/Remote violence",
        &[
            "Chemical weapon",
            "Air/drone strike",
            "Suicide bomb",
            "Shelling/artillery/missile attack",
            "Remote explosive/landmine/IED",
            "Grenade",
        ],
    ),
    (
        "Violence against civilians",
        &["Sexual violence", "Attack", "Abduction/forced disappearance"],
    ),
    (
        "Protests",
        &[
            "Peaceful protest",
            "Protest with intervention",
            "Excessive force against protesters",
        ],
    ),
    ("Riots", &["Violent demonstration", "Mob violence"]),
    (
        "Strategic developments",
        &[
            "Agreement",
            "Arrests",
            "Change to group/activity",
            "Disrupted weapons use",
            "Headquarters or base established",
            "Looting/property destruction",
            "Non-violent transfer of territory",
            "Other",
        ],
    ),
];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    pub id: Code,
    pub title: String,
    pub version: u32,
    /// When it was signed, with the offset it was signed in.
    pub signed_at: DateTime<FixedOffset>,
    pub signed_place: String,
    pub parties: Vec<Party>,
    pub mediators: Vec<Actor>,
    pub monitors: Vec<Actor>,
    pub windows: Vec<Window>,
    pub zones: Vec<Zone>,
    pub acts: Vec<ProhibitedAct>,
    pub obligations: Vec<Obligation>,
    pub process: Process,
    pub penalties: Vec<PenaltyStep>,
    pub conditions: Vec<Condition>,
    /// How each party's ceasefire status follows from its confirmed violations, mildest first.
    pub status_rules: Vec<StatusRule>,
    /// When each group of confidential fields becomes public in the log.
    pub disclosure: crate::disclosure::Disclosure,
    /// The witnesses the log asks to cosign each checkpoint: one a party or mediator.
    pub witnesses: Vec<Witness>,
}

/// A party's or mediator's witness (C2SP tlog-witness): the log sends it
/// every checkpoint and collects its cosignature.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Witness {
    /// The party or mediator whose witness it is (its name in policies).
    pub name: Code,
    /// Its cosigner verifier key line (`name+keyid+base64(0x04||key)`).
    #[serde(serialize_with = "display")]
    pub vkey: truce_log::VerifierKey,
    /// Its submission prefix: the log POSTs `{url}/add-checkpoint`.
    pub url: String,
}

fn display<S: serde::Serializer>(value: &impl std::fmt::Display, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Party {
    pub code: Code,
    pub name: String,
    /// ISO 3166-1 numeric, as Natural Earth names countries ("004", "586").
    pub country_iso: String,
    pub time_zone: chrono_tz::Tz,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub code: Code,
    pub name: String,
}

/// A period in which the ceasefire holds. An extension names the window it extends.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Window {
    pub code: Code,
    pub starts: DateTime<Utc>,
    /// `None`: open-ended, until the agreement says otherwise.
    pub ends: Option<DateTime<Utc>>,
    /// The zone the times were written in.
    pub time_zone: chrono_tz::Tz,
    pub extends: Option<Code>,
}

impl Window {
    pub fn contains(&self, moment: DateTime<Utc>) -> bool {
        moment >= self.starts && self.ends.is_none_or(|ends| moment < ends)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Zone {
    pub code: Code,
    pub name: String,
    pub shape: ZoneShape,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ZoneShape {
    /// Everything within `distance_km` of the border between the parties.
    BorderBuffer { distance_km: f64 },
    /// Polygons as GeoJSON (lon, lat) rings; the first ring of each is the outer one.
    Polygons { rings: Vec<Polygon> },
}

/// A polygon's rings of (longitude, latitude), the outer ring first, each closed.
pub type Polygon = Vec<Vec<(f64, f64)>>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProhibitedAct {
    pub code: Code,
    pub description: String,
    pub acled_event_type: String,
    pub acled_sub_event_type: Option<String>,
    /// Whether a monitor's own observation is needed to confirm it (airstrikes, artillery).
    pub monitor_observation_required: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationKind {
    /// Cease hostilities against the other party.
    CeaseHostilities,
    /// Not allow its territory to be used against the other (acts by non-state armed groups operating from it).
    NoUseOfTerritory,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Obligation {
    pub code: Code,
    pub description: String,
    pub kind: ObligationKind,
    pub parties: Vec<Code>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Process {
    pub reply_window_hours: u32,
    pub appeal_window_hours: u32,
    /// Mediator approvals a determination or penalty needs (k of the n mediators).
    pub approvals_required: u32,
    pub independent_sources_min: u32,
    /// After this many days without a confirmed violation, a party's earlier
    /// violations no longer count towards the penalty ladder (decay).
    pub clean_period_days: u32,
    /// Days a party has to comply with a penalty once it takes effect.
    pub compliance_days: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Serious,
    Grave,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyKind {
    FormalWarning,
    PublicAttribution,
    SuspendMeasure,
    Compensation,
    Referral,
}

/// One rung of the penalty ladder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PenaltyStep {
    pub step: u32,
    pub code: Code,
    pub kind: PenaltyKind,
    pub description: String,
    pub min_severity: Severity,
    /// Applies once the party has this many confirmed violations within `within_days`.
    pub min_violations: u32,
    pub within_days: u32,
    pub civilian_deaths_min: Option<u32>,
    /// For `suspend_measure`: which confidence-building measure, for how long.
    pub measure: Option<String>,
    pub duration_days: Option<u32>,
    pub compensation_per_victim: Option<f64>,
    /// Applies only to violations of one of these acts or obligations; empty: any.
    pub acts: Vec<Code>,
    /// Applies only to these parties; empty: any.
    pub parties: Vec<Code>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    /// The party's commitment holds only while there are no attacks from `from`.
    NoAttacksFrom,
}

/// A conditional clause: "holds only while there are no attacks from the Afghan side".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub party: Code,
    pub kind: ConditionKind,
    pub from: Code,
    pub description: String,
    /// A confirmed violation by `from` within this many days releases `party`.
    pub within_days: u32,
}

/// The ceasefire's state for a party, from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeasefireStatus {
    /// Outside every effective window.
    NotInEffect,
    Holding,
    Strained,
    Breached,
    Collapsed,
}

impl CeasefireStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CeasefireStatus::NotInEffect => "not_in_effect",
            CeasefireStatus::Holding => "holding",
            CeasefireStatus::Strained => "strained",
            CeasefireStatus::Breached => "breached",
            CeasefireStatus::Collapsed => "collapsed",
        }
    }
}

/// "`min_violations` confirmed violations of at least `min_severity` within
/// `within_days` put a party's ceasefire in `status`."
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusRule {
    pub status: CeasefireStatus,
    pub min_severity: Severity,
    pub min_violations: u32,
    pub within_days: u32,
}

/// One problem in an agreement document: where and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgreementError {
    /// The field path, such as `windows[1].ends` (empty for the whole document).
    pub path: String,
    /// 1-based line of the document.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for AgreementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.path, self.message)
        }
    }
}

/// Every problem found in an agreement document, in the order of its lines.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct AgreementErrors(pub Vec<AgreementError>);

impl fmt::Display for AgreementErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{} error(s) in the agreement:\n{}", self.0.len(), lines.join("\n"))
    }
}

impl Agreement {
    /// Parses and checks an agreement document.
    pub fn from_toml(text: &str) -> Result<Agreement, AgreementErrors> {
        let raw: raw::RawAgreement = toml::from_str(text).map_err(|error| {
            let line = error.span().map(|span| line_of(text, span.start)).unwrap_or(1);
            let message = error.message().trim().to_string();
            AgreementErrors(vec![AgreementError {
                path: String::new(),
                line,
                message,
            }])
        })?;
        validate::validate(raw, text)
    }

    pub fn party(&self, code: &Code) -> Option<&Party> {
        self.parties.iter().find(|party| &party.code == code)
    }

    pub fn act(&self, code: &Code) -> Option<&ProhibitedAct> {
        self.acts.iter().find(|act| &act.code == code)
    }

    /// Whether the ceasefire is in effect at `moment` (in any of its windows).
    pub fn in_effect_at(&self, moment: DateTime<Utc>) -> bool {
        self.windows.iter().any(|window| window.contains(moment))
    }
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
