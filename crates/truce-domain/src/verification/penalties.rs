//! The penalty ladder, applied. When a determination that a party violated
//! the agreement becomes final, the ladder the parties signed decides the
//! penalty, by this rule:
//!
//! 1. The violations that count are the party's final confirmed
//!    violations up to this one, since its last clean period (a gap of
//!    `clean_period_days` without a violation wipes the slate: decay).
//! 2. A rung matches when the violation is at least its `min_severity`,
//!    the party has at least `min_violations` counted violations within
//!    its `within_days` (this one included), the verified civilian deaths
//!    reach its `civilian_deaths_min`, if it has one, and, where the rung
//!    names them, the violation is of one of its `acts` (acts or
//!    obligations) and by one of its `parties`.
//! 3. Of the matching rungs, the highest that is not compensation applies
//!    (escalation: a third violation is referred, not warned again), and
//!    every matching compensation rung applies beside it (compensation is
//!    owed to victims whatever else happens), at `compensation_per_victim`
//!    times the verified civilian deaths.
//!
//! More violations never lower the penalty: each count only rises, so the
//! set of matching rungs only grows.

use crate::agreement::{Agreement, PenaltyKind, PenaltyStep, Severity};
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
    /// The acts and obligations it violated.
    pub provisions: Vec<Code>,
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
/// violations `prior`, in the order of their incidents' times. Costs
/// O(log n) a rung, plus the violations within the ladder's longest
/// window, so recomputing a long history stays fast.
pub fn penalties_for(agreement: &Agreement, prior: &[Violation], violation: &Violation) -> Vec<PenaltyDecision> {
    debug_assert!(
        prior.iter().all(|v| v.party == violation.party),
        "prior holds the same party's violations"
    );
    let own = &prior[..prior.partition_point(|v| v.at <= violation.at)];
    let longest = agreement
        .penalties
        .iter()
        .map(|rung| rung.within_days)
        .max()
        .unwrap_or(0);
    let clean = Duration::days(i64::from(agreement.process.clean_period_days));
    // Decay: only violations after the last clean period count. Those at
    // or before the horizon lie outside every rung's window, so only gaps
    // from the horizon on can change a count, and none of them can be a
    // clean period if all of them together are shorter than one.
    let horizon = violation.at - Duration::days(i64::from(longest));
    let inside = own.partition_point(|v| v.at <= horizon);
    let window = &own[inside..];
    let mut first_counted = 0;
    let mut wiped = inside > 0 && window.first().map_or(violation.at, |v| v.at) - own[inside - 1].at >= clean;
    if window.first().is_some_and(|first| violation.at - first.at >= clean) {
        let mut later = violation.at;
        for index in (0..window.len()).rev() {
            if later - window[index].at >= clean {
                first_counted = index + 1;
                wiped = true;
                break;
            }
            later = window[index].at;
        }
    }
    let counted = &window[first_counted..];
    let decay_note = if wiped {
        format!(
            "; earlier violations before a clean period of {} days no longer count",
            agreement.process.clean_period_days
        )
    } else {
        String::new()
    };
    // Which rungs match, and with how many violations (cheap); then the
    // decisions, explained, for the rungs that apply.
    let mut matching: Vec<(&PenaltyStep, &[Violation])> = Vec::new();
    for rung in &agreement.penalties {
        let from = violation.at - Duration::days(i64::from(rung.within_days));
        let within = &counted[counted.partition_point(|v| v.at <= from)..];
        let count = within.len() as u32 + 1;
        let severe_enough = violation.severity >= rung.min_severity;
        let enough = count >= rung.min_violations;
        let deaths = rung
            .civilian_deaths_min
            .is_none_or(|min| violation.civilian_deaths >= min);
        let act = rung.acts.is_empty() || violation.provisions.iter().any(|p| rung.acts.contains(p));
        let party = rung.parties.is_empty() || rung.parties.contains(&violation.party);
        if severe_enough && enough && deaths && act && party {
            matching.push((rung, within));
        }
    }
    let highest = matching
        .iter()
        .filter(|(rung, _)| rung.kind != PenaltyKind::Compensation)
        .map(|(rung, _)| rung.step)
        .max();
    matching
        .into_iter()
        .filter(|(rung, _)| rung.kind == PenaltyKind::Compensation || Some(rung.step) == highest)
        .map(|(rung, within)| decision(rung, within, violation, &decay_note))
        .collect()
}

/// The decision a matching rung gives, with its explanation.
fn decision(rung: &PenaltyStep, within: &[Violation], violation: &Violation, decay_note: &str) -> PenaltyDecision {
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
        within.len() + 1,
        violation.party,
        rung.within_days,
        rung.min_violations,
        match rung.civilian_deaths_min {
            Some(min) => format!(", {} civilian death(s) (at least {min})", violation.civilian_deaths),
            None => String::new(),
        },
        decay_note,
    );
    PenaltyDecision {
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
    }
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
            provisions: vec![Code::parse("ACT-CLASH").unwrap()],
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

    /// A rung that names acts and parties applies to those only.
    #[test]
    fn rungs_can_be_for_some_acts_and_parties() {
        let text = format!(
            "{}\n[[penalties]]\nstep = 6\ncode = \"PEN-AIRSPACE\"\nkind = \"suspend_measure\"\n\
             description = \"Suspension of the joint airspace channel\"\nmin_severity = \"minor\"\n\
             measure = \"Joint airspace deconfliction channel\"\nduration_days = 30\n\
             acts = [\"ACT-AIRSTRIKE\"]\nparties = [\"PAK\"]\n",
            include_str!("../../../../examples/doha-ceasefire.toml")
        );
        // The rung goes after the conditions in the file; TOML arrays of tables may interleave.
        let ladder = Agreement::from_toml(&text).unwrap();
        let airstrike = |party: &str| Violation {
            provisions: vec![Code::parse("ACT-AIRSTRIKE").unwrap()],
            ..violation(1, party, 0, Severity::Minor, 0)
        };
        assert_eq!(codes(&penalties_for(&ladder, &[], &airstrike("PAK"))), ["PEN-AIRSPACE"]);
        assert_eq!(
            codes(&penalties_for(&ladder, &[], &airstrike("AFG"))),
            ["PEN-WARNING"],
            "not for AFG"
        );
        assert_eq!(
            codes(&penalties_for(
                &ladder,
                &[],
                &violation(1, "PAK", 0, Severity::Minor, 0)
            )),
            ["PEN-WARNING"],
            "not for a clash"
        );
        let wrong = text.replace("acts = [\"ACT-AIRSTRIKE\"]", "acts = [\"ACT-NONE\"]");
        let errors = Agreement::from_toml(&wrong).unwrap_err().to_string();
        assert!(
            errors.contains("penalties[5].acts[0]: ACT-NONE is not one of the acts and obligations"),
            "{errors}"
        );
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

    /// The ladder's rule read literally: walk back over every earlier
    /// violation to the last clean period, count each rung's window, keep
    /// the highest rung and every compensation rung.
    fn reference(agreement: &Agreement, prior: &[Violation], violation: &Violation) -> Vec<(String, Vec<u64>)> {
        let clean = Duration::days(i64::from(agreement.process.clean_period_days));
        let mut counted: Vec<&Violation> = Vec::new();
        let mut later = violation.at;
        for earlier in prior.iter().rev() {
            if later - earlier.at >= clean {
                break;
            }
            counted.push(earlier);
            later = earlier.at;
        }
        let matching: Vec<_> = agreement
            .penalties
            .iter()
            .filter_map(|rung| {
                let mut within: Vec<&Violation> = counted
                    .iter()
                    .copied()
                    .filter(|v| violation.at - v.at < Duration::days(i64::from(rung.within_days)))
                    .collect();
                within.reverse();
                let ok = violation.severity >= rung.min_severity
                    && within.len() as u32 + 1 >= rung.min_violations
                    && rung.civilian_deaths_min.is_none_or(|m| violation.civilian_deaths >= m)
                    && (rung.acts.is_empty() || violation.provisions.iter().any(|p| rung.acts.contains(p)))
                    && (rung.parties.is_empty() || rung.parties.contains(&violation.party));
                ok.then(|| {
                    let needed = rung.min_violations as usize - 1;
                    let mut prior: Vec<u64> = within[within.len() - needed..].iter().map(|v| v.incident).collect();
                    prior.sort_unstable();
                    (rung, prior)
                })
            })
            .collect();
        let highest = matching
            .iter()
            .filter(|(r, _)| r.kind != PenaltyKind::Compensation)
            .map(|(r, _)| r.step)
            .max();
        matching
            .into_iter()
            .filter(|(r, _)| r.kind == PenaltyKind::Compensation || Some(r.step) == highest)
            .map(|(r, prior)| (r.code.to_string(), prior))
            .collect()
    }

    proptest! {
        /// The fast ladder gives what the literal reading gives.
        #[test]
        fn the_fast_ladder_agrees_with_the_literal_one(
            days in proptest::collection::vec(0i64..400, 0..30),
            severities in proptest::collection::vec(severity(), 30),
            latest in severity(),
            civilians in 0u32..3,
        ) {
            let ladder = agreement();
            let mut days = days;
            days.sort_unstable();
            let history: Vec<Violation> = days.iter().enumerate()
                .map(|(i, day)| violation(i as u64, "PAK", *day, severities[i], 0)).collect();
            let this = violation(100, "PAK", 400, latest, civilians);
            let fast: Vec<(String, Vec<u64>)> = penalties_for(&ladder, &history, &this)
                .into_iter().map(|p| (p.code.to_string(), p.prior_incidents)).collect();
            prop_assert_eq!(fast, reference(&ladder, &history, &this));
        }

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
