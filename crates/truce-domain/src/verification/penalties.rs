//! The penalty ladder, applied. When a determination that a party violated
//! the agreement becomes final, the ladder the parties signed decides the
//! penalty, by this rule:
//!
//! 1. The violations that count are the party's final confirmed
//!    violations up to this one, since its last clean period (a gap of
//!    `clean_period_days` without a violation wipes the slate: decay).
//! 2. A rung matches when the violation is at least its `min_severity`,
//!    the party has at least `min_violations` counted violations within
//!    its `within_days` (this one included), and the verified civilian
//!    deaths reach its `civilian_deaths_min`, if it has one.
//! 3. Of the matching rungs, the highest that is not compensation applies
//!    (escalation: a third violation is referred, not warned again), and
//!    every matching compensation rung applies beside it (compensation is
//!    owed to victims whatever else happens), at `compensation_per_victim`
//!    times the verified civilian deaths.
//!
//! More violations never lower the penalty: each count only rises, so the
//! set of matching rungs only grows.

use crate::agreement::{Agreement, PenaltyKind, Severity};
use crate::codes::Code;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A final determination that a party violated the agreement, as the ladder sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub incident: u64,
    pub party: Code,
    /// When the incident happened.
    pub at: DateTime<Utc>,
    pub severity: Severity,
    pub civilian_deaths: u32,
}

/// A penalty the ladder gives, with its explanation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PenaltyDecision {
    pub step: u32,
    pub code: Code,
    pub kind: PenaltyKind,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// The earlier violations (incidents) that counted towards it.
    pub prior_incidents: Vec<u64>,
    pub explanation: String,
}

/// The penalties for `violation`, given the same party's earlier final
/// violations `prior`, in the order of their incidents' times (violations
/// of other parties in `prior` are ignored). Costs O(log n) a rung, plus
/// the violations within the ladder's longest window, so recomputing a
/// long history stays fast.
pub fn penalties_for(agreement: &Agreement, prior: &[Violation], violation: &Violation) -> Vec<PenaltyDecision> {
    let own: Vec<&Violation> = prior
        .iter()
        .filter(|v| v.party == violation.party && v.at <= violation.at)
        .collect();
    let longest = agreement
        .penalties
        .iter()
        .map(|rung| rung.within_days)
        .max()
        .unwrap_or(0);
    let clean = Duration::days(i64::from(agreement.process.clean_period_days));
    // Decay: only violations after the last clean period count. A gap
    // further back than the longest window cannot change any count.
    let horizon = violation.at - Duration::days(i64::from(longest));
    let mut first_counted = own.partition_point(|v| v.at <= horizon).saturating_sub(1);
    let mut later = violation.at;
    let mut wiped = false;
    for index in (first_counted..own.len()).rev() {
        if later - own[index].at >= clean {
            first_counted = index + 1;
            wiped = true;
            break;
        }
        later = own[index].at;
    }
    let counted = &own[first_counted.min(own.len())..];
    let decay_note = if wiped {
        format!(
            "; earlier violations before a clean period of {} days no longer count",
            agreement.process.clean_period_days
        )
    } else {
        String::new()
    };
    let mut matching = Vec::new();
    for rung in &agreement.penalties {
        let from = violation.at - Duration::days(i64::from(rung.within_days));
        let within = &counted[counted.partition_point(|v| v.at <= from)..];
        let count = within.len() as u32 + 1;
        let severe_enough = violation.severity >= rung.min_severity;
        let enough = count >= rung.min_violations;
        let deaths = rung
            .civilian_deaths_min
            .is_none_or(|min| violation.civilian_deaths >= min);
        if severe_enough && enough && deaths {
            // The earlier violations that made the count: the most recent ones the rung needs.
            let needed = rung.min_violations.saturating_sub(1) as usize;
            let mut prior_incidents: Vec<u64> = within[within.len() - needed..].iter().map(|v| v.incident).collect();
            prior_incidents.sort_unstable();
            let explanation = format!(
                "step {} ({}): a {} violation (at least {}), {} confirmed violation(s) by {} within {} days (at least {}){}{}",
                rung.step,
                rung.code,
                severity_name(violation.severity),
                severity_name(rung.min_severity),
                count,
                violation.party,
                rung.within_days,
                rung.min_violations,
                match rung.civilian_deaths_min {
                    Some(min) => format!(", {} civilian death(s) (at least {min})", violation.civilian_deaths),
                    None => String::new(),
                },
                decay_note,
            );
            matching.push(PenaltyDecision {
                step: rung.step,
                code: rung.code.clone(),
                kind: rung.kind,
                description: rung.description.clone(),
                measure: rung.measure.clone(),
                duration_days: rung.duration_days,
                amount: rung
                    .compensation_per_victim
                    .map(|per_victim| per_victim * f64::from(violation.civilian_deaths)),
                prior_incidents,
                explanation,
            });
        }
    }
    let highest = matching
        .iter()
        .filter(|p| p.kind != PenaltyKind::Compensation)
        .map(|p| p.step)
        .max();
    matching
        .into_iter()
        .filter(|p| p.kind == PenaltyKind::Compensation || Some(p.step) == highest)
        .collect()
}

pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Minor => "minor",
        Severity::Serious => "serious",
        Severity::Grave => "grave",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn agreement() -> Agreement {
        Agreement::from_toml(include_str!("../../../../examples/doha-ceasefire.toml")).unwrap()
    }

    fn violation(incident: u64, party: &str, day: i64, severity: Severity, civilians: u32) -> Violation {
        Violation {
            incident,
            party: Code::parse(party).unwrap(),
            at: DateTime::from_timestamp(1_760_000_000 + day * 86_400, 0).unwrap(),
            severity,
            civilian_deaths: civilians,
        }
    }

    fn codes(penalties: &[PenaltyDecision]) -> Vec<&str> {
        penalties.iter().map(|p| p.code.as_str()).collect()
    }

    /// The example ladder, rung by rung: (earlier violations, this one) → penalties.
    #[test]
    fn the_ladder_table() {
        use Severity::*;
        let cases: Vec<(Vec<Violation>, Violation, Vec<&str>)> = vec![
            (vec![], violation(1, "AFG", 0, Minor, 0), vec!["PEN-WARNING"]),
            (vec![], violation(1, "AFG", 0, Serious, 0), vec!["PEN-ATTRIBUTION"]),
            // A second serious violation within 30 days: the trade measure is suspended.
            (
                vec![violation(1, "AFG", 0, Serious, 0)],
                violation(2, "AFG", 10, Serious, 0),
                vec!["PEN-TRADE"],
            ),
            // ... but not 30 days or more later.
            (
                vec![violation(1, "AFG", 0, Serious, 0)],
                violation(2, "AFG", 30, Serious, 0),
                vec!["PEN-ATTRIBUTION"],
            ),
            // The other party's violations do not count against this one.
            (
                vec![violation(1, "PAK", 0, Serious, 0)],
                violation(2, "AFG", 10, Serious, 0),
                vec!["PEN-ATTRIBUTION"],
            ),
            // Grave with civilian deaths: compensation beside the highest rung.
            (
                vec![],
                violation(1, "PAK", 0, Grave, 10),
                vec!["PEN-ATTRIBUTION", "PEN-COMPENSATION"],
            ),
            // Grave without civilian deaths: no compensation.
            (vec![], violation(1, "PAK", 0, Grave, 0), vec!["PEN-ATTRIBUTION"]),
            // A third within 90 days, grave: referral, and compensation.
            (
                vec![violation(1, "PAK", 0, Serious, 0), violation(2, "PAK", 40, Serious, 0)],
                violation(3, "PAK", 80, Grave, 3),
                vec!["PEN-COMPENSATION", "PEN-REFERRAL"],
            ),
            // Decay: a clean period of 90 days wipes the slate.
            (
                vec![violation(1, "PAK", 0, Serious, 0), violation(2, "PAK", 10, Serious, 0)],
                violation(3, "PAK", 101, Grave, 0),
                vec!["PEN-ATTRIBUTION"],
            ),
        ];
        for (i, (prior, this, expected)) in cases.into_iter().enumerate() {
            assert_eq!(codes(&penalties_for(&agreement(), &prior, &this)), expected, "case {i}");
        }
    }

    #[test]
    fn a_penalty_explains_itself() {
        let prior = [violation(1, "AFG", 0, Severity::Serious, 0)];
        let given = penalties_for(&agreement(), &prior, &violation(2, "AFG", 10, Severity::Serious, 0));
        assert_eq!(given[0].prior_incidents, vec![1]);
        assert_eq!(
            given[0].explanation,
            "step 3 (PEN-TRADE): a serious violation (at least serious), 2 confirmed violation(s) by AFG within 30 days (at least 2)"
        );
        let compensation = penalties_for(&agreement(), &[], &violation(3, "PAK", 0, Severity::Grave, 10));
        assert_eq!(compensation[1].amount, Some(100_000.0));
    }

    fn severity() -> impl Strategy<Value = Severity> {
        prop_oneof![Just(Severity::Minor), Just(Severity::Serious), Just(Severity::Grave)]
    }

    proptest! {
        /// One more violation by the same party, anywhere in its history,
        /// never lowers the penalty of its latest violation.
        #[test]
        fn more_violations_never_lower_the_penalty(
            days in proptest::collection::vec(0i64..200, 0..8),
            extra_day in 0i64..200,
            severities in proptest::collection::vec(severity(), 8),
            latest in severity(),
            civilians in 0u32..5,
        ) {
            let ladder = agreement();
            let mut history: Vec<Violation> = days.iter().enumerate()
                .map(|(i, day)| violation(i as u64, "AFG", *day, severities[i], 0)).collect();
            history.sort_by_key(|v| v.at);
            let this = violation(100, "AFG", 200, latest, civilians);
            let top = |penalties: Vec<PenaltyDecision>| penalties.iter()
                .filter(|p| p.kind != PenaltyKind::Compensation).map(|p| p.step).max().unwrap_or(0);
            let before = top(penalties_for(&ladder, &history, &this));
            let mut more = history.clone();
            more.push(violation(99, "AFG", extra_day, Severity::Minor, 0));
            more.sort_by_key(|v| v.at);
            let after = top(penalties_for(&ladder, &more, &this));
            prop_assert!(after >= before, "{} then {}", before, after);
        }
    }
}
