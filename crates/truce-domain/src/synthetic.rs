//! Synthetic reports with ground truth, for measuring correlation: known
//! incidents, each reported 1 to 8 times by different sources, time and place
//! jittered within each report's stated precision, perpetrators sometimes
//! missing, and casualty claims that conflict (the parties inflate and
//! deny, outlets come near the truth). Deterministic for a given seed.

use crate::codes::Code;
use crate::report::{
    ActorRef, ClaimInput, DeathCategory, LocationInput, LocationPrecision, ReportInput, SourceInput, SourceType,
    Stance, TimeInput, TimePrecision,
};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The shape of the synthetic world.
#[derive(Clone, Copy, Debug)]
pub struct SyntheticWorld {
    /// Incidents a day across the region (Afghanistan's 2020 rate in UCDP GED was about 9).
    pub incidents_per_day: f64,
    pub seed: u64,
    /// When the first incident may happen.
    pub start: DateTime<Utc>,
}

impl Default for SyntheticWorld {
    fn default() -> SyntheticWorld {
        SyntheticWorld {
            incidents_per_day: 30.0,
            seed: 2025,
            start: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
        }
    }
}

/// A report and the incident it truly belongs to.
#[derive(Clone, Debug)]
pub struct LabelledReport {
    pub input: ReportInput,
    pub true_incident: u64,
}

const ACTS: [(&str, &str); 4] = [
    ("ACT-AIRSTRIKE", "Explosions/Remote violence"),
    ("ACT-SHELLING", "Explosions/Remote violence"),
    ("ACT-CLASH", "Battles"),
    ("ACT-CIVILIANS", "Violence against civilians"),
];
const OUTLETS: [(&str, &str); 6] = [
    ("Dawn", "Dawn Group"),
    ("Tolo News", "Moby Group"),
    ("Geo News", "Jang Group"),
    ("The News", "Jang Group"),
    ("Pajhwok", "Pajhwok"),
    ("Reuters", "Thomson Reuters"),
];

/// Generates at least `reports` reports (whole incidents), in time order.
pub fn generate(world: SyntheticWorld, reports: usize) -> Vec<LabelledReport> {
    let mut rng = StdRng::seed_from_u64(world.seed);
    let start = world.start;
    let seconds_between = 86_400.0 / world.incidents_per_day;
    let mut out = Vec::with_capacity(reports + 8);
    let mut incident = 0u64;
    while out.len() < reports {
        let offset = (incident as f64 * seconds_between + rng.gen_range(0.0..seconds_between)) as i64;
        let truth = Truth {
            time: start + Duration::seconds(offset),
            latitude: rng.gen_range(29.5..36.5),
            longitude: rng.gen_range(62.0..73.5),
            act: rng.gen_range(0..ACTS.len()),
            perpetrator: ["AFG", "PAK"][rng.gen_range(0..2)],
            deaths: rng.gen_range(0..40),
        };
        let count = rng.gen_range(1..=8);
        for source in 0..count {
            out.push(LabelledReport {
                input: report(&mut rng, &truth, incident, source),
                true_incident: incident,
            });
        }
        incident += 1;
    }
    out
}

struct Truth {
    time: DateTime<Utc>,
    latitude: f64,
    longitude: f64,
    act: usize,
    perpetrator: &'static str,
    deaths: u32,
}

fn report(rng: &mut StdRng, truth: &Truth, incident: u64, source: usize) -> ReportInput {
    let (source_type, name, owner) = match source {
        0 => (SourceType::Party, truth.perpetrator_victim().to_string(), None),
        1 => (SourceType::Party, truth.perpetrator.to_string(), None),
        2 => (SourceType::Monitor, format!("Team {}", rng.gen_range(1..9)), None),
        _ => {
            let (outlet, owner) = OUTLETS[(source - 3) % OUTLETS.len()];
            (SourceType::Media, outlet.to_string(), Some(owner.to_string()))
        }
    };
    let time_precision = [
        TimePrecision::Hour,
        TimePrecision::Day,
        TimePrecision::Day,
        TimePrecision::Days,
    ][rng.gen_range(0..4)];
    let jitter_hours = match time_precision {
        TimePrecision::Hour => rng.gen_range(-1..=1),
        TimePrecision::Day => rng.gen_range(-10..=10),
        _ => rng.gen_range(-48..=48),
    };
    let offset = FixedOffset::east_opt(if source.is_multiple_of(2) { 16_200 } else { 18_000 }).expect("offset");
    let time = (truth.time + Duration::hours(jitter_hours)).with_timezone(&offset);
    let location_precision = [
        LocationPrecision::Exact,
        LocationPrecision::Within25Km,
        LocationPrecision::District,
    ][rng.gen_range(0..3)];
    let jitter_km = location_precision.radius_km() * rng.gen_range(0.0..0.8);
    let bearing: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
    let latitude = truth.latitude + jitter_km / 111.0 * bearing.sin();
    let longitude = truth.longitude + jitter_km / (111.0 * truth.latitude.to_radians().cos()) * bearing.cos();
    let perpetrator_known = source_type == SourceType::Party || rng.gen_bool(0.7);
    let (act, event_type) = ACTS[truth.act];
    let (claimed, stance) = match source {
        0 => (truth.deaths.saturating_mul(2) + 3, Stance::Assert),
        1 => (
            truth.deaths / 3,
            if truth.deaths > 5 {
                Stance::Dispute
            } else {
                Stance::Assert
            },
        ),
        _ => ((truth.deaths as f64 * rng.gen_range(0.8..1.2)) as u32, Stance::Assert),
    };
    let claim = ClaimInput {
        claimant: name.clone(),
        claimant_party: (source_type == SourceType::Party).then(|| name.clone()),
        stance,
        category: DeathCategory::SideB,
        low: i64::from(claimed.saturating_sub(2)),
        best: i64::from(claimed),
        high: i64::from(claimed + 3),
    };
    ReportInput {
        external_id: format!("synthetic-{incident}-{source}"),
        source: SourceInput {
            source_type,
            name,
            owner,
            channel: "synthetic".into(),
            grading: format!("{}{}", ['A', 'B', 'C'][source % 3], 1 + source % 4),
        },
        time: TimeInput {
            start: time.to_rfc3339(),
            end: None,
            precision: time_precision,
        },
        location: LocationInput {
            latitude,
            longitude,
            precision: location_precision,
            name: None,
        },
        actor1: perpetrator_known.then(|| ActorRef {
            name: format!("{} forces", truth.perpetrator),
            party: Some(Code::parse(truth.perpetrator).expect("code")),
        }),
        actor2: None,
        act: rng.gen_bool(0.8).then(|| act.to_string()),
        acled_event_type: Some(event_type.to_string()),
        acled_sub_event_type: None,
        narrative: String::new(),
        language: "en".into(),
        claims: vec![claim],
        submitter_identity: None,
        protected_source: None,
    }
}

impl Truth {
    fn perpetrator_victim(&self) -> &'static str {
        if self.perpetrator == "AFG" { "PAK" } else { "AFG" }
    }
}

/// Pairwise precision and recall of a clustering against the truth: of the
/// pairs of reports put together, how many belong together, and of those
/// that belong together, how many were put together.
pub fn pairwise_scores(truth: &[u64], predicted: &[u64]) -> (f64, f64) {
    use std::collections::HashMap;
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut both: HashMap<(u64, u64), u64> = HashMap::new();
    let mut by_truth: HashMap<u64, u64> = HashMap::new();
    let mut by_prediction: HashMap<u64, u64> = HashMap::new();
    for (&t, &p) in truth.iter().zip(predicted) {
        *both.entry((t, p)).or_default() += 1;
        *by_truth.entry(t).or_default() += 1;
        *by_prediction.entry(p).or_default() += 1;
    }
    let together: u64 = both.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = by_prediction.values().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = by_truth.values().map(|&n| pairs(n)).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (ratio(together, predicted_pairs), ratio(together, true_pairs))
}
