//! Correlation: does a new report describe an incident already known, or a
//! new one? The rule, applied incrementally:
//!
//! A report may join an incident when
//! - their times overlap once each is widened by its precision's slack and
//!   by [`CorrelationRules::window_hours`];
//! - their places lie within [`CorrelationRules::distance_km`] plus both
//!   precisions' radii;
//! - their acts agree (the same agreement act, else the same ACLED event
//!   type, when both name one);
//! - their perpetrators agree (the same party, when both name one);
//! - the incident has no report yet from the report's source: a source
//!   reports an event once, so a second report from it is another event.
//!
//! Of the incidents that qualify, the report joins the nearest (distance and
//! time, each as a share of what the rule allows); with none, it opens one.
//! Reports known only to the country or to the month or year are too vague
//! to place: they open an incident of their own, for a monitor to merge.
//!
//! Incidents are indexed in a grid of one-degree cells and two-day buckets,
//! so finding the candidates costs the few cells a report touches, not a
//! scan. An incident that grows is indexed under its new cells too; its old
//! cells stay until a merge or split, and every candidate is checked against
//! the incident's current footprint, so a stale cell costs a look, never a
//! wrong answer.

use crate::codes::Code;
use crate::report::{Report, TimePrecision};
// foldhash, seeded per process as std's SipHash is (crafting collisions needs the seed), and several times faster.
use foldhash::{HashMap, HashSet};

/// The thresholds of the rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CorrelationRules {
    pub window_hours: i64,
    pub distance_km: f64,
    /// Reports less precise than this radius open their own incident.
    pub radius_km_max: f64,
}

impl Default for CorrelationRules {
    fn default() -> CorrelationRules {
        CorrelationRules {
            window_hours: 24,
            distance_km: 15.0,
            radius_km_max: 150.0,
        }
    }
}

/// What correlation knows of an incident: enough to compare a report with it.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentFootprint {
    /// Seconds since the epoch, UTC, widened by precision.
    pub start: i64,
    pub end: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_km: f64,
    pub act: Option<Code>,
    pub acled_event_type: Option<String>,
    pub perpetrator: Option<Code>,
    /// The sources that reported it (outlet, team or party names).
    pub sources: Vec<String>,
    /// Whether it is precise enough to be placed (see the module's rule).
    pub placeable: bool,
}

impl IncidentFootprint {
    pub fn of(report: &Report, rules: &CorrelationRules) -> IncidentFootprint {
        let slack = report.time.precision.slack_hours() * 3600;
        IncidentFootprint {
            start: report.time.start.timestamp() - slack,
            end: report.time.end.timestamp() + slack,
            latitude: report.location.latitude.degrees(),
            longitude: report.location.longitude.degrees(),
            radius_km: report.location.precision.radius_km(),
            act: report.act.clone(),
            acled_event_type: report.acled_event_type.clone(),
            perpetrator: report.perpetrator_party().cloned(),
            sources: vec![report.source.name.clone()],
            placeable: report.location.precision.radius_km() <= rules.radius_km_max
                && !matches!(report.time.precision, TimePrecision::Month | TimePrecision::Year),
        }
    }

    /// The footprint after `other` (a report's or incident's) joins it: the
    /// union of times, the more precise place, names filled where missing.
    pub fn absorb(&mut self, other: &IncidentFootprint) {
        self.placeable &= other.placeable;
        self.start = self.start.min(other.start);
        self.end = self.end.max(other.end);
        if other.radius_km < self.radius_km {
            (self.latitude, self.longitude, self.radius_km) = (other.latitude, other.longitude, other.radius_km);
        }
        if self.act.is_none() {
            self.act = other.act.clone();
        }
        if self.acled_event_type.is_none() {
            self.acled_event_type = other.acled_event_type.clone();
        }
        if self.perpetrator.is_none() {
            self.perpetrator = other.perpetrator.clone();
        }
        for source in &other.sources {
            if !self.sources.contains(source) {
                self.sources.push(source.clone());
            }
        }
    }
}

/// Both are named, and differently.
fn disagree<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x != y)
}

/// Great-circle distance in kilometres (haversine, mean Earth radius).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().asin()
}

/// Grid cells of one degree and two days: at 30 incidents a day over the
/// region a cell holds about one incident, and a report touches few cells.
const CELL_DEGREES: f64 = 1.0;
const BUCKET_SECONDS: i64 = 2 * 86_400;

type Cell = (i32, i32, i64);

/// The incremental correlator: incident footprints and their grid index.
#[derive(Clone, Debug, Default)]
pub struct Correlator {
    rules: CorrelationRules,
    footprints: HashMap<u64, IncidentFootprint>,
    grid: HashMap<Cell, Vec<u64>>,
    /// The cells each incident is indexed under, to unindex it.
    cells_of: HashMap<u64, HashSet<Cell>>,
}

impl Correlator {
    pub fn new(rules: CorrelationRules) -> Correlator {
        Correlator {
            rules,
            ..Correlator::default()
        }
    }

    pub fn rules(&self) -> CorrelationRules {
        self.rules
    }

    pub fn footprint(&self, incident: u64) -> Option<&IncidentFootprint> {
        self.footprints.get(&incident)
    }

    /// The incident `report` should join, or `None` to open a new one.
    pub fn best_match(&self, report: &Report) -> Option<u64> {
        self.best_match_footprint(&IncidentFootprint::of(report, &self.rules))
    }

    /// The incident a report with this footprint should join.
    pub fn best_match_footprint(&self, footprint: &IncidentFootprint) -> Option<u64> {
        if !footprint.placeable {
            return None;
        }
        let mut best: Option<(f64, u64)> = None;
        let reach_km = footprint.radius_km + self.rules.distance_km / 2.0;
        // An incident indexed in several of these cells is scored once for each:
        // the same score, so the same best, and cheaper than remembering which were seen.
        for cell in cells(footprint, reach_km, self.rules.window_hours * 3600 / 2) {
            for &incident in self.grid.get(&cell).into_iter().flatten() {
                if let Some(score) = self.score(footprint, &self.footprints[&incident]) {
                    let better = best.is_none_or(|(best_score, best_id)| (score, incident) < (best_score, best_id));
                    if better {
                        best = Some((score, incident));
                    }
                }
            }
        }
        best.map(|(_, incident)| incident)
    }

    /// How far apart, as a share of what the rule allows; `None` if they may not join.
    fn score(&self, report: &IncidentFootprint, incident: &IncidentFootprint) -> Option<f64> {
        let window = self.rules.window_hours * 3600;
        let gap = (report.start - incident.end).max(incident.start - report.end).max(0);
        if gap > window {
            return None;
        }
        // The cheap refusals first; the distance on the sphere last.
        if disagree(&report.act, &incident.act) || disagree(&report.perpetrator, &incident.perpetrator) {
            return None;
        }
        if report.sources.iter().any(|source| incident.sources.contains(source)) {
            return None;
        }
        let acts_named = report.act.is_some() && incident.act.is_some();
        if !acts_named && disagree(&report.acled_event_type, &incident.acled_event_type) {
            return None;
        }
        let allowed_km = self.rules.distance_km + report.radius_km + incident.radius_km;
        let km = distance_km(report.latitude, report.longitude, incident.latitude, incident.longitude);
        if km > allowed_km {
            return None;
        }
        Some(km / allowed_km + gap as f64 / window.max(1) as f64)
    }

    /// Records a new incident opened by `report`.
    pub fn open(&mut self, incident: u64, report: &Report) {
        self.open_footprint(incident, IncidentFootprint::of(report, &self.rules));
    }

    pub fn open_footprint(&mut self, incident: u64, footprint: IncidentFootprint) {
        if footprint.placeable {
            self.index(incident, &footprint);
        }
        self.footprints.insert(incident, footprint);
    }

    /// Records that `report` joined `incident`.
    pub fn join(&mut self, incident: u64, report: &Report) {
        self.join_footprint(incident, &IncidentFootprint::of(report, &self.rules));
    }

    pub fn join_footprint(&mut self, incident: u64, addition: &IncidentFootprint) {
        self.replace(incident, |footprint| footprint.absorb(addition));
    }

    /// Folds incident `from` into `into` (a monitor's merge).
    pub fn merge(&mut self, into: u64, from: u64) {
        self.unindex(from);
        if let Some(absorbed) = self.footprints.remove(&from) {
            self.replace(into, |footprint| footprint.absorb(&absorbed));
        }
    }

    /// Replaces an incident's footprint (after a split) with the union of
    /// its remaining reports' footprints; with none, forgets the incident.
    pub fn reset(&mut self, incident: u64, reports: &[&IncidentFootprint]) {
        self.unindex(incident);
        self.footprints.remove(&incident);
        let Some((first, rest)) = reports.split_first() else {
            return;
        };
        let mut footprint = (*first).clone();
        for other in rest {
            footprint.absorb(other);
        }
        self.open_footprint(incident, footprint);
    }

    fn replace(&mut self, incident: u64, change: impl FnOnce(&mut IncidentFootprint)) {
        let Some(mut footprint) = self.footprints.remove(&incident) else {
            return;
        };
        change(&mut footprint);
        if footprint.placeable {
            self.index(incident, &footprint);
        } else {
            self.unindex(incident);
        }
        self.footprints.insert(incident, footprint);
    }

    /// Indexes `incident` under every cell of `footprint` it is not under yet.
    fn index(&mut self, incident: u64, footprint: &IncidentFootprint) {
        // A report and an incident may join only if their discs, each widened
        // by half the distance rule, meet, and likewise their times: so each
        // is indexed under, and looks in, the cells of its own widened disc.
        let reach_km = footprint.radius_km + self.rules.distance_km / 2.0;
        let known = self.cells_of.entry(incident).or_default();
        for cell in cells(footprint, reach_km, self.rules.window_hours * 3600 / 2) {
            if known.insert(cell) {
                self.grid.entry(cell).or_default().push(incident);
            }
        }
    }

    fn unindex(&mut self, incident: u64) {
        for cell in self.cells_of.remove(&incident).unwrap_or_default() {
            if let Some(list) = self.grid.get_mut(&cell) {
                list.retain(|&other| other != incident);
                if list.is_empty() {
                    self.grid.remove(&cell);
                }
            }
        }
    }
}

/// Correlates `reports` in order, from nothing: each report's incident
/// (numbered from 1 as they open). What filing them one by one would do,
/// without the rest of the record: for measuring the rule.
pub fn correlate_in_order(rules: CorrelationRules, reports: &[Report]) -> Vec<u64> {
    let mut correlator = Correlator::new(rules);
    let mut opened = 0;
    reports
        .iter()
        .map(|report| match correlator.best_match(report) {
            Some(incident) => {
                correlator.join(incident, report);
                incident
            }
            None => {
                opened += 1;
                correlator.open(opened, report);
                opened
            }
        })
        .collect()
}

/// The grid cells within `reach_km` of the footprint's place and `reach_seconds` of its times.
fn cells(footprint: &IncidentFootprint, reach_km: f64, reach_seconds: i64) -> Vec<Cell> {
    let lat_reach = reach_km / 111.0;
    let lon_reach = reach_km / (111.0 * footprint.latitude.to_radians().cos().max(0.05));
    let lat_cells = cell_range(footprint.latitude, lat_reach);
    let lon_cells = cell_range(footprint.longitude, lon_reach);
    let first_bucket = (footprint.start - reach_seconds).div_euclid(BUCKET_SECONDS);
    let last_bucket = (footprint.end + reach_seconds).div_euclid(BUCKET_SECONDS);
    let mut out = Vec::new();
    for lat in lat_cells.clone() {
        for lon in lon_cells.clone() {
            for bucket in first_bucket..=last_bucket {
                out.push((lat, lon, bucket));
            }
        }
    }
    out
}

fn cell_range(degrees: f64, reach: f64) -> std::ops::RangeInclusive<i32> {
    ((degrees - reach) / CELL_DEGREES).floor() as i32..=((degrees + reach) / CELL_DEGREES).floor() as i32
}
