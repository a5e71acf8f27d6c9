//! The ceasefire's status, per party and for the agreement, as a time
//! series, by the rules written in the agreement:
//!
//! - outside every effective window the status is `not_in_effect`;
//! - inside, a party's status is the worst `status_rules` entry its final
//!   confirmed violations match (at least `min_violations` of at least
//!   `min_severity` within the last `within_days`), else `holding`;
//! - a conditional clause ("PAK's ceasefire holds only while there are no
//!   attacks from AFG") releases its party while the other party has a
//!   confirmed violation within the clause's `within_days`: the released
//!   party's status is then at least `breached`, and says why;
//! - the agreement's status is the worst of its parties'.
//!
//! The series changes only when a violation is confirmed, when one leaves
//! a rule's window, or at a window's edge, so it is computed at exactly
//! those moments.

use super::penalties::Violation;
use crate::agreement::{Agreement, CeasefireStatus};
use crate::codes::Code;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyStatus {
    pub party: Code,
    pub status: CeasefireStatus,
    /// Why: the rule that matched, or the clause that released the party.
    pub reasons: Vec<String>,
}

/// One point of the series: from `at`, until the next point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusPoint {
    pub at: DateTime<Utc>,
    pub agreement: CeasefireStatus,
    pub parties: Vec<PartyStatus>,
}

/// The confirmed violations indexed for status questions: per party, sorted by time.
pub struct ViolationIndex<'a> {
    by_party: Vec<(Code, Vec<&'a Violation>)>,
}

impl<'a> ViolationIndex<'a> {
    pub fn new(agreement: &Agreement, violations: &'a [Violation]) -> ViolationIndex<'a> {
        let by_party = agreement
            .parties
            .iter()
            .map(|party| {
                let mut own: Vec<&Violation> = violations.iter().filter(|v| v.party == party.code).collect();
                own.sort_by_key(|v| v.at);
                (party.code.clone(), own)
            })
            .collect();
        ViolationIndex { by_party }
    }

    /// The party's violations in (at - days, at].
    fn within(&self, party: &Code, at: DateTime<Utc>, days: u32) -> &[&'a Violation] {
        let Some((_, own)) = self.by_party.iter().find(|(code, _)| code == party) else {
            return &[];
        };
        let from = at - Duration::days(i64::from(days));
        let start = own.partition_point(|v| v.at <= from);
        let end = own.partition_point(|v| v.at <= at);
        &own[start..end]
    }
}

/// Each party's status and the agreement's at `at`, with the reasons.
pub fn status_at(agreement: &Agreement, index: &ViolationIndex, at: DateTime<Utc>) -> StatusPoint {
    evaluate(agreement, index, at, true)
}

/// The status at `at`; the reasons (which cost most) only if `explain`.
fn evaluate(agreement: &Agreement, index: &ViolationIndex, at: DateTime<Utc>, explain: bool) -> StatusPoint {
    if !agreement.in_effect_at(at) {
        let parties = agreement
            .parties
            .iter()
            .map(|p| PartyStatus {
                party: p.code.clone(),
                status: CeasefireStatus::NotInEffect,
                reasons: if explain {
                    vec!["outside every effective window".into()]
                } else {
                    Vec::new()
                },
            })
            .collect();
        return StatusPoint {
            at,
            agreement: CeasefireStatus::NotInEffect,
            parties,
        };
    }
    let mut parties = Vec::new();
    for party in &agreement.parties {
        let mut status = CeasefireStatus::Holding;
        let mut reasons = Vec::new();
        for rule in &agreement.status_rules {
            let count = index
                .within(&party.code, at, rule.within_days)
                .iter()
                .filter(|v| v.severity >= rule.min_severity)
                .count() as u32;
            if count >= rule.min_violations && rule.status >= status {
                if rule.status > status {
                    reasons.clear();
                }
                status = rule.status;
                if !explain {
                    continue;
                }
                reasons.push(format!(
                    "{} confirmed violation(s) of at least {} severity within {} days (rule: {} from {})",
                    count,
                    super::penalties::severity_name(rule.min_severity),
                    rule.within_days,
                    rule.status.as_str(),
                    rule.min_violations
                ));
            }
        }
        for condition in agreement.conditions.iter().filter(|c| c.party == party.code) {
            let attacks = index.within(&condition.from, at, condition.within_days).len();
            if attacks > 0 {
                if status < CeasefireStatus::Breached {
                    status = CeasefireStatus::Breached;
                }
                if !explain {
                    continue;
                }
                reasons.push(format!(
                    "released by its condition \"{}\": {attacks} confirmed violation(s) by {} within {} days",
                    condition.description, condition.from, condition.within_days
                ));
            }
        }
        if reasons.is_empty() && explain {
            reasons.push("no confirmed violation within any rule's window".into());
        }
        parties.push(PartyStatus {
            party: party.code.clone(),
            status,
            reasons,
        });
    }
    let worst = parties
        .iter()
        .map(|p| p.status)
        .max()
        .unwrap_or(CeasefireStatus::Holding);
    StatusPoint {
        at,
        agreement: worst,
        parties,
    }
}

/// The status from `from` to `to`: the first point, then a point at every change.
pub fn status_series(
    agreement: &Agreement,
    violations: &[Violation],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<StatusPoint> {
    let index = ViolationIndex::new(agreement, violations);
    let longest = |days: u32| Duration::days(i64::from(days));
    let mut moments: Vec<DateTime<Utc>> = vec![from];
    for window in &agreement.windows {
        moments.push(window.starts);
        moments.extend(window.ends);
    }
    for violation in violations {
        moments.push(violation.at);
        for rule in &agreement.status_rules {
            moments.push(violation.at + longest(rule.within_days));
        }
        for condition in &agreement.conditions {
            moments.push(violation.at + longest(condition.within_days));
        }
    }
    moments.retain(|m| *m >= from && *m <= to);
    moments.sort_unstable();
    moments.dedup();
    let mut series: Vec<StatusPoint> = Vec::new();
    let statuses = |point: &StatusPoint| -> Vec<CeasefireStatus> { point.parties.iter().map(|p| p.status).collect() };
    for moment in moments {
        // Statuses first; the reasons only where the series changes.
        let point = evaluate(agreement, &index, moment, false);
        let changed = series
            .last()
            .is_none_or(|last| last.agreement != point.agreement || statuses(last) != statuses(&point));
        if changed {
            series.push(evaluate(agreement, &index, moment, true));
        }
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreement::Severity;

    fn agreement() -> Agreement {
        Agreement::from_toml(include_str!("../../../../examples/doha-ceasefire.toml")).unwrap()
    }

    fn time(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn violation(incident: u64, party: &str, at: &str, severity: Severity) -> Violation {
        Violation {
            incident,
            party: Code::parse(party).unwrap(),
            at: time(at),
            severity,
            civilian_deaths: 0,
            provisions: vec![],
        }
    }

    fn statuses(point: &StatusPoint) -> (CeasefireStatus, Vec<CeasefireStatus>) {
        (point.agreement, point.parties.iter().map(|p| p.status).collect())
    }

    /// (violations, moment) → (the agreement's status, each party's)
    type StatusCase<'a> = (Vec<Violation>, &'a str, (CeasefireStatus, Vec<CeasefireStatus>));

    #[test]
    fn the_status_table() {
        use CeasefireStatus::*;
        use Severity::*;
        let ladder = agreement();
        let cases: Vec<StatusCase> = vec![
            // Before the first window.
            (
                vec![],
                "2025-10-01T00:00:00Z",
                (NotInEffect, vec![NotInEffect, NotInEffect]),
            ),
            (vec![], "2025-11-01T00:00:00Z", (Holding, vec![Holding, Holding])),
            // A minor violation strains; a serious one alone strains too.
            (
                vec![violation(1, "PAK", "2025-10-25T00:00:00Z", Minor)],
                "2025-10-26T00:00:00Z",
                (Strained, vec![Holding, Strained]),
            ),
            // Two serious within 14 days breach; PAK is not released by AFG's conduct.
            (
                vec![
                    violation(1, "PAK", "2025-10-25T00:00:00Z", Serious),
                    violation(2, "PAK", "2025-10-30T00:00:00Z", Serious),
                ],
                "2025-10-31T00:00:00Z",
                (Breached, vec![Holding, Breached]),
            ),
            // One grave violation by AFG breaches AFG, and releases PAK by its condition.
            (
                vec![violation(1, "AFG", "2025-10-25T00:00:00Z", Grave)],
                "2025-10-26T00:00:00Z",
                (Breached, vec![Breached, Breached]),
            ),
            // 14 days later, both hold again.
            (
                vec![violation(1, "AFG", "2025-10-25T00:00:00Z", Grave)],
                "2025-11-09T00:00:00Z",
                (Holding, vec![Holding, Holding]),
            ),
            // Four serious in 14 days: collapsed.
            (
                (0..4)
                    .map(|i| violation(i, "AFG", &format!("2025-10-2{i}T00:00:00Z"), Serious))
                    .collect(),
                "2025-10-24T00:00:00Z",
                (Collapsed, vec![Collapsed, Breached]),
            ),
        ];
        for (i, (violations, at, expected)) in cases.into_iter().enumerate() {
            let index = ViolationIndex::new(&ladder, &violations);
            assert_eq!(statuses(&status_at(&ladder, &index, time(at))), expected, "case {i}");
        }
    }

    #[test]
    fn the_series_changes_only_when_the_status_does() {
        let ladder = agreement();
        let violations = [violation(1, "AFG", "2025-10-25T00:00:00Z", Severity::Grave)];
        let series = status_series(
            &ladder,
            &violations,
            time("2025-10-10T00:00:00Z"),
            time("2025-12-01T00:00:00Z"),
        );
        let steps: Vec<(String, CeasefireStatus)> = series.iter().map(|p| (p.at.to_rfc3339(), p.agreement)).collect();
        assert_eq!(
            steps,
            vec![
                ("2025-10-10T00:00:00+00:00".to_string(), CeasefireStatus::NotInEffect),
                ("2025-10-15T13:00:00+00:00".to_string(), CeasefireStatus::Holding),
                ("2025-10-25T00:00:00+00:00".to_string(), CeasefireStatus::Breached),
                ("2025-11-08T00:00:00+00:00".to_string(), CeasefireStatus::Holding),
            ]
        );
        let released = &series[2].parties[1];
        assert!(
            released.reasons[0].starts_with("released by its condition"),
            "{released:?}"
        );
    }
}
