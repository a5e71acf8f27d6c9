//! The agreement as written: strings and numbers with their places in the
//! document, before any check. Unknown fields are refused by name.

use serde::Deserialize;
use toml::Spanned;

pub type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgreement {
    pub id: S<String>,
    pub title: S<String>,
    pub version: S<i64>,
    pub signed_at: S<String>,
    pub signed_place: S<String>,
    pub parties: Vec<RawParty>,
    pub mediators: Vec<RawActor>,
    #[serde(default)]
    pub monitors: Vec<RawActor>,
    pub windows: Vec<RawWindow>,
    #[serde(default)]
    pub zones: Vec<RawZone>,
    pub acts: Vec<RawAct>,
    #[serde(default)]
    pub obligations: Vec<RawObligation>,
    pub process: RawProcess,
    #[serde(default)]
    pub penalties: Vec<RawPenalty>,
    #[serde(default)]
    pub conditions: Vec<RawCondition>,
    #[serde(default)]
    pub status_rules: Vec<RawStatusRule>,
    /// Group name to when it becomes public (`intake`, `final`, `never`).
    #[serde(default)]
    pub disclosure: std::collections::BTreeMap<String, S<String>>,
    #[serde(default)]
    pub witnesses: Vec<RawWitness>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWitness {
    pub name: S<String>,
    pub vkey: S<String>,
    pub url: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParty {
    pub code: S<String>,
    pub name: S<String>,
    pub country_iso: S<String>,
    pub time_zone: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActor {
    pub code: S<String>,
    pub name: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    pub code: S<String>,
    pub starts: S<String>,
    pub ends: Option<S<String>>,
    pub time_zone: S<String>,
    pub extends: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawZone {
    pub code: S<String>,
    pub name: S<String>,
    pub kind: S<String>,
    pub distance_km: Option<S<f64>>,
    pub geojson: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAct {
    pub code: S<String>,
    pub description: S<String>,
    pub acled_event_type: S<String>,
    pub acled_sub_event_type: Option<S<String>>,
    #[serde(default)]
    pub monitor_observation_required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObligation {
    pub code: S<String>,
    pub description: S<String>,
    pub kind: S<String>,
    pub parties: S<Vec<S<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProcess {
    pub reply_window_hours: S<i64>,
    pub appeal_window_hours: S<i64>,
    pub approvals_required: S<i64>,
    pub independent_sources_min: S<i64>,
    pub clean_period_days: Option<S<i64>>,
    pub compliance_days: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPenalty {
    pub step: S<i64>,
    pub code: S<String>,
    pub kind: S<String>,
    pub description: S<String>,
    pub min_severity: S<String>,
    #[serde(default = "one")]
    pub min_violations: S<i64>,
    #[serde(default = "ninety")]
    pub within_days: S<i64>,
    pub civilian_deaths_min: Option<S<i64>>,
    pub measure: Option<S<String>>,
    pub duration_days: Option<S<i64>>,
    pub compensation_per_victim: Option<S<f64>>,
    /// Only for violations of these acts or obligations (any, if absent).
    #[serde(default)]
    pub acts: Vec<S<String>>,
    /// Only for these parties (any, if absent).
    #[serde(default)]
    pub parties: Vec<S<String>>,
}

fn one() -> S<i64> {
    Spanned::new(0..0, 1)
}

fn ninety() -> S<i64> {
    Spanned::new(0..0, 90)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub party: S<String>,
    pub kind: S<String>,
    pub from: S<String>,
    pub description: S<String>,
    #[serde(default = "fourteen")]
    pub within_days: S<i64>,
}

fn fourteen() -> S<i64> {
    Spanned::new(0..0, 14)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStatusRule {
    pub status: S<String>,
    pub min_severity: S<String>,
    #[serde(default = "one")]
    pub min_violations: S<i64>,
    pub within_days: S<i64>,
}
