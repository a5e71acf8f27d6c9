//! Composition: the inputs, as values read at one checkpoint, into a
//! [`Bulletin`]. No I/O and no clock: the same inputs give the same bytes.

use super::*;
use crate::agreement::Agreement;
use crate::casualties::{WeighedClaim, estimate};
use crate::report::{Claim, DeathCategory, Stance};
use crate::verification::case::PenaltyRecord;
use crate::verification::determination::VerifiedDeaths;
use crate::verification::penalties::Violation;
use crate::verification::status::{ViolationIndex, status_at};
use std::collections::BTreeMap;

/// What the counts need of an incident (the projection's summary row).
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentLine {
    pub id: u64,
    pub at: DateTime<Utc>,
    pub accused: Option<String>,
    pub act: Option<String>,
    pub zones: Vec<String>,
}

/// An incident's claims, and its verified deaths if a determination of it is final.
#[derive(Clone, Debug, PartialEq)]
pub struct CasualtyInput {
    pub incident: u64,
    pub claims: Vec<Claim>,
    pub verified: Option<VerifiedDeaths>,
}

/// A determination made final in the period.
#[derive(Clone, Debug, PartialEq)]
pub struct FinalDetermination {
    pub incident: u64,
    pub number: u32,
    pub finalized_at: DateTime<Utc>,
    pub verdict: Verdict,
    pub responsible_party: Option<Code>,
    pub provisions: Vec<Code>,
    /// (latitude, longitude) of the incident, if known.
    pub location: Option<(f64, f64)>,
}

/// Everything a bulletin is composed from, read at one checkpoint.
pub struct BulletinInputs<'a> {
    pub period: BulletinPeriod,
    pub checkpoint: CheckpointRef,
    /// When the checkpoint was read: the status is the period's end's, or this moment's if sooner.
    pub as_of: DateTime<Utc>,
    /// The incidents that happened in the period and in the one before
    /// (composition counts each by its time; others are ignored).
    pub incidents: Vec<IncidentLine>,
    /// Incidents of the period with claims, and those determined final in it.
    pub casualties: Vec<CasualtyInput>,
    /// Determinations made final in the period (others are ignored).
    pub determinations: Vec<FinalDetermination>,
    /// Every penalty (composition picks the period's).
    pub penalties: &'a [PenaltyRecord],
    /// Every final confirmed violation, for the status.
    pub violations: &'a [Violation],
}

pub fn compose(agreement: &Agreement, inputs: BulletinInputs) -> Bulletin {
    let period = inputs.period;
    let at = period.end().min(inputs.as_of);
    let index = ViolationIndex::new(agreement, inputs.violations);
    let previous = period.previous();
    let within = |p: BulletinPeriod, at: DateTime<Utc>| at >= p.start() && at < p.end();
    let (current, before): (Vec<IncidentLine>, Vec<IncidentLine>) = inputs
        .incidents
        .into_iter()
        .filter(|i| within(period, i.at) || within(previous, i.at))
        .partition(|i| within(period, i.at));
    let determinations: Vec<FinalDetermination> = inputs
        .determinations
        .into_iter()
        .filter(|d| within(period, d.finalized_at))
        .collect();
    Bulletin {
        format: BULLETIN_FORMAT,
        agreement: agreement.id.clone(),
        title: agreement.title.clone(),
        period: PeriodDoc {
            kind: period.kind(),
            start: period.start(),
            end: period.end(),
            label: period.label(),
        },
        checkpoint: inputs.checkpoint,
        incidents: counts(&current, &before),
        violations_confirmed: violations_confirmed(agreement, &determinations),
        casualties: casualties(&inputs.casualties),
        penalties: penalties(period, &determinations, inputs.penalties),
        determinations: determinations.iter().map(determination_line).collect(),
        status: status_at(agreement, &index, at),
    }
}

fn counts(current: &[IncidentLine], previous: &[IncidentLine]) -> IncidentCounts {
    IncidentCounts {
        total: Count {
            current: current.len() as u64,
            previous: previous.len() as u64,
        },
        by_party: count_by(current, previous, |i| vec![i.accused.clone()]),
        by_act: count_by(current, previous, |i| vec![i.act.clone()]),
        by_zone: count_by(current, previous, |i| i.zones.iter().cloned().map(Some).collect()),
    }
}

/// Counts per key in both periods; the largest current count first, then by key.
fn count_by(
    current: &[IncidentLine],
    previous: &[IncidentLine],
    keys: impl Fn(&IncidentLine) -> Vec<Option<String>>,
) -> Vec<KeyedCount> {
    let mut table: BTreeMap<Option<String>, Count> = BTreeMap::new();
    for incident in current {
        for key in keys(incident) {
            table.entry(key).or_default().current += 1;
        }
    }
    for incident in previous {
        for key in keys(incident) {
            table.entry(key).or_default().previous += 1;
        }
    }
    let mut rows: Vec<KeyedCount> = table
        .into_iter()
        .map(|(key, count)| KeyedCount { key, count })
        .collect();
    rows.sort_by(|a, b| b.count.current.cmp(&a.count.current).then_with(|| a.key.cmp(&b.key)));
    rows
}

fn violations_confirmed(agreement: &Agreement, determinations: &[FinalDetermination]) -> Vec<PartyCount> {
    agreement
        .parties
        .iter()
        .map(|party| PartyCount {
            party: party.code.clone(),
            count: determinations
                .iter()
                .filter(|d| {
                    d.verdict == Verdict::ViolationConfirmed && d.responsible_party.as_ref() == Some(&party.code)
                })
                .count() as u64,
        })
        .collect()
}

fn determination_line(d: &FinalDetermination) -> DeterminationLine {
    DeterminationLine {
        incident: d.incident,
        number: d.number,
        finalized_at: d.finalized_at,
        verdict: d.verdict,
        responsible_party: d.responsible_party.clone(),
        provisions: d.provisions.clone(),
        latitude: d.location.map(|l| l.0),
        longitude: d.location.map(|l| l.1),
    }
}

/// The penalties the period's confirmed violations brought, and those in effect from within the period.
fn penalties(period: BulletinPeriod, determinations: &[FinalDetermination], all: &[PenaltyRecord]) -> Vec<PenaltyLine> {
    let confirmed: Vec<u64> = determinations
        .iter()
        .filter(|d| d.verdict == Verdict::ViolationConfirmed)
        .map(|d| d.incident)
        .collect();
    let within = |at: Option<DateTime<Utc>>| at.is_some_and(|at| at >= period.start() && at < period.end());
    all.iter()
        .filter(|p| confirmed.contains(&p.incident) || within(p.in_effect_from))
        .map(|p| PenaltyLine {
            penalty: p.id,
            incident: p.incident,
            party: p.party.clone(),
            code: p.decision.code.clone(),
            description: p.decision.description.clone(),
            state: p.state.as_str().to_string(),
            in_effect_from: p.in_effect_from,
            due: p.due,
        })
        .collect()
}

fn casualties(inputs: &[CasualtyInput]) -> Casualties {
    let mut rows: Vec<IncidentCasualties> = inputs.iter().map(incident_casualties).collect();
    let mut total = Casualties {
        incident_count: rows.len() as u64,
        ..Casualties::default()
    };
    let mut parties: BTreeMap<Code, Figure> = BTreeMap::new();
    for row in &rows {
        total.estimate = add(total.estimate, row.estimate);
        for claim in &row.party_claims {
            let sum = parties.entry(claim.party.clone()).or_default();
            *sum = add(*sum, claim.deaths);
        }
        if let Some(others) = row.others_highest {
            total.others_highest = Some(add(total.others_highest.unwrap_or_default(), others));
        }
    }
    total.party_claims = parties
        .into_iter()
        .map(|(party, deaths)| PartyClaim { party, deaths })
        .collect();
    rows.sort_by(|a, b| b.estimate.best.cmp(&a.estimate.best).then(a.incident.cmp(&b.incident)));
    rows.truncate(CASUALTY_ROWS_MAX);
    total.incidents = rows;
    total
}

fn incident_casualties(input: &CasualtyInput) -> IncidentCasualties {
    let estimate = match input.verified {
        Some(v) => Figure {
            low: v.low,
            best: v.best,
            high: v.high,
        },
        None => {
            let weighed: Vec<WeighedClaim> = input
                .claims
                .iter()
                .map(|claim| WeighedClaim {
                    claim,
                    interested: claim.claimant_party.is_some(),
                })
                .collect();
            estimate(&weighed).total
        }
    };
    let mut claimants: Vec<Code> = input.claims.iter().filter_map(|c| c.claimant_party.clone()).collect();
    claimants.sort();
    claimants.dedup();
    let party_claims = claimants
        .into_iter()
        .filter_map(|party| {
            let deaths = highest(
                input
                    .claims
                    .iter()
                    .filter(|c| c.claimant_party.as_ref() == Some(&party)),
            )?;
            Some(PartyClaim { party, deaths })
        })
        .collect();
    IncidentCasualties {
        incident: input.incident,
        estimate,
        verified: input.verified.is_some(),
        party_claims,
        others_highest: highest(input.claims.iter().filter(|c| c.claimant_party.is_none())),
    }
}

/// The highest asserted figure: per death category the claim with the
/// highest best (then high), summed over categories, or the highest claim
/// of a total if that is more. `None` when nothing was asserted.
fn highest<'a>(claims: impl Iterator<Item = &'a Claim>) -> Option<Figure> {
    let mut by_category: BTreeMap<DeathCategory, Figure> = BTreeMap::new();
    for claim in claims.filter(|c| c.stance == Stance::Assert) {
        let best = by_category.entry(claim.category).or_insert(claim.deaths);
        if (claim.deaths.best, claim.deaths.high) > (best.best, best.high) {
            *best = claim.deaths;
        }
    }
    let total = by_category.remove(&DeathCategory::Total);
    let sum = (!by_category.is_empty()).then(|| by_category.into_values().fold(Figure::default(), add));
    match (sum, total) {
        (Some(sum), Some(total)) if (total.best, total.high) > (sum.best, sum.high) => Some(total),
        (sum, total) => sum.or(total),
    }
}

fn add(a: Figure, b: Figure) -> Figure {
    Figure {
        low: a.low.saturating_add(b.low),
        best: a.best.saturating_add(b.best),
        high: a.high.saturating_add(b.high),
    }
}
