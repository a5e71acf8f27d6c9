//! The agreement's verification rules, evaluated on one incident and
//! explained: how many independent sources reported it (a party is an
//! interested source and never counts; outlets of one owner count once),
//! whether a monitor's own observation is needed for the act alleged and
//! whether there is one, and the confidence the sources' Admiralty grades
//! support. Each rule says whether it passed and why, in words a party's
//! liaison officer can check against the record.

use crate::agreement::Agreement;
use crate::codes::Code;
use crate::report::{Grading, SourceType};
use serde::{Deserialize, Serialize};

/// What the rules need to know of one report of the incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFact {
    pub source_type: SourceType,
    pub name: String,
    /// Outlets of one owner are one source.
    pub owner: Option<String>,
    pub grading: Grading,
    pub act: Option<Code>,
}

impl SourceFact {
    /// The source it counts as: its owner, if it has one, else its name.
    pub fn independence_key(&self) -> &str {
        self.owner.as_deref().unwrap_or(&self.name)
    }
}

/// How far the evidence goes, from the sources' grades (see [`evaluate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Moderate,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Moderate => "moderate",
            Confidence::High => "high",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCheck {
    pub rule: String,
    pub passed: bool,
    pub why: String,
}

/// What stands where a source's name is withheld.
pub const REDACTED: &str = "(redacted)";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The independent sources counted, by owner or name, sorted.
    pub independent_sources: Vec<String>,
    /// The interested sources (the parties), sorted: recorded, not counted.
    pub interested_sources: Vec<String>,
    pub checks: Vec<RuleCheck>,
    pub confidence: Confidence,
}

impl Explanation {
    /// The explanation as one not cleared for the sources sees it (a
    /// party): how many independent sources were counted and what each rule
    /// found, never who they were.
    pub fn redacted(&self) -> Explanation {
        let mut names: Vec<&str> = self.independent_sources.iter().map(String::as_str).collect();
        // The longest first, so a name inside another is not half replaced.
        names.sort_by_key(|name| std::cmp::Reverse(name.len()));
        let hide = |text: &str| {
            names
                .iter()
                .filter(|name| !name.is_empty())
                .fold(text.to_string(), |text, name| text.replace(name, REDACTED))
        };
        Explanation {
            independent_sources: vec![REDACTED.to_string(); self.independent_sources.len()],
            interested_sources: self.interested_sources.clone(),
            checks: self
                .checks
                .iter()
                .map(|check| RuleCheck {
                    rule: check.rule.clone(),
                    passed: check.passed,
                    why: hide(&check.why),
                })
                .collect(),
            confidence: self.confidence,
        }
    }

    /// Whether every rule passed: a violation may then be confirmed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }

    /// The rules that failed, with why, for a refusal.
    pub fn failures(&self) -> String {
        let failed: Vec<String> = self
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{}: {}", c.rule, c.why))
            .collect();
        failed.join("; ")
    }
}

/// A grade "at least" `reliability` and `credibility` (A is best, 1 is best).
fn graded_at_least(grading: Grading, reliability: char, credibility: u8) -> bool {
    grading.reliability <= reliability && grading.credibility <= credibility
}

/// Evaluates the agreement's verification rules on an incident's sources
/// and the monitors' own observations (`observed`: a monitor's finding
/// that says it saw the act or its immediate aftermath).
///
/// Confidence, from the independent sources' Admiralty grades: **high**
/// with two sources graded B2 or better (or a monitor's observation and
/// one such source); **moderate** with one source graded C3 or better;
/// **low** otherwise.
pub fn evaluate(agreement: &Agreement, sources: &[SourceFact], acts: &[Code], observed: bool) -> Explanation {
    let mut independent: Vec<&SourceFact> = sources.iter().filter(|s| s.source_type != SourceType::Party).collect();
    independent.sort_by(|a, b| {
        a.independence_key()
            .cmp(b.independence_key())
            .then(a.grading.reliability.cmp(&b.grading.reliability))
    });
    let mut keys: Vec<String> = independent.iter().map(|s| s.independence_key().to_string()).collect();
    keys.dedup();
    let mut interested: Vec<String> = sources
        .iter()
        .filter(|s| s.source_type == SourceType::Party)
        .map(|s| s.name.clone())
        .collect();
    interested.sort();
    interested.dedup();

    let mut checks = Vec::new();
    let required = agreement.process.independent_sources_min as usize;
    checks.push(RuleCheck {
        rule: format!("at least {required} independent sources"),
        passed: keys.len() >= required,
        why: format!(
            "{} independent ({}){}",
            keys.len(),
            if keys.is_empty() {
                "none".into()
            } else {
                keys.join(", ")
            },
            if interested.is_empty() {
                String::new()
            } else {
                format!(
                    "; parties are interested sources and do not count ({})",
                    interested.join(", ")
                )
            }
        ),
    });
    let monitor_report = sources.iter().any(|s| s.source_type == SourceType::Monitor);
    for code in acts {
        if let Some(act) = agreement.act(code).filter(|a| a.monitor_observation_required) {
            let seen = observed || monitor_report;
            checks.push(RuleCheck {
                rule: format!("{} needs a monitor's own observation", act.code),
                passed: seen,
                why: if observed {
                    "a monitor's finding records an observation".into()
                } else if monitor_report {
                    "a monitoring team reported it".into()
                } else {
                    format!("no monitor observed it ({})", act.description)
                },
            });
        }
    }
    // One grade a source: the best of the reports from that owner or name.
    let mut best_grades: Vec<Grading> = Vec::new();
    let mut last_key: Option<&str> = None;
    for source in &independent {
        if last_key != Some(source.independence_key()) {
            best_grades.push(source.grading);
            last_key = Some(source.independence_key());
        } else if let Some(grade) = best_grades.last_mut()
            && (source.grading.reliability, source.grading.credibility) < (grade.reliability, grade.credibility)
        {
            *grade = source.grading;
        }
    }
    let strong = best_grades.iter().filter(|g| graded_at_least(**g, 'B', 2)).count() + usize::from(observed);
    let fair = best_grades.iter().filter(|g| graded_at_least(**g, 'C', 3)).count() + usize::from(observed);
    let confidence = if strong >= 2 {
        Confidence::High
    } else if fair >= 1 {
        Confidence::Moderate
    } else {
        Confidence::Low
    };
    Explanation {
        independent_sources: keys,
        interested_sources: interested,
        checks,
        confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement() -> Agreement {
        Agreement::from_toml(include_str!("../../../../examples/doha-ceasefire.toml")).unwrap()
    }

    fn source(source_type: SourceType, name: &str, owner: Option<&str>, grade: &str) -> SourceFact {
        SourceFact {
            source_type,
            name: name.into(),
            owner: owner.map(Into::into),
            grading: Grading::parse(grade).unwrap(),
            act: None,
        }
    }

    fn code(text: &str) -> Code {
        Code::parse(text).unwrap()
    }

    /// (sources, acts, observed) → (passes, confidence, independent count)
    type RuleCase = (Vec<SourceFact>, Vec<Code>, bool, bool, Confidence, usize);

    #[test]
    fn the_rules_table() {
        use SourceType::*;
        let cases: Vec<RuleCase> = vec![
            // Two parties accusing each other: no independent source at all.
            (
                vec![source(Party, "AFG", None, "B2"), source(Party, "PAK", None, "B2")],
                vec![code("ACT-CLASH")],
                false,
                false,
                Confidence::Low,
                0,
            ),
            // Two outlets of one owner are one source.
            (
                vec![
                    source(Media, "Geo News", Some("Jang Group"), "B2"),
                    source(Media, "The News", Some("Jang Group"), "B2"),
                ],
                vec![code("ACT-CLASH")],
                false,
                false,
                Confidence::Moderate,
                1,
            ),
            // Two independent outlets, a clash: passes, high confidence.
            (
                vec![source(Media, "Dawn", None, "B2"), source(Media, "TOLOnews", None, "A1")],
                vec![code("ACT-CLASH")],
                false,
                true,
                Confidence::High,
                2,
            ),
            // An airstrike needs a monitor: two outlets are not enough.
            (
                vec![source(Media, "Dawn", None, "B2"), source(Media, "TOLOnews", None, "B2")],
                vec![code("ACT-AIRSTRIKE")],
                false,
                false,
                Confidence::High,
                2,
            ),
            // ... a monitor's finding of observation is.
            (
                vec![source(Media, "Dawn", None, "B2"), source(Media, "TOLOnews", None, "C3")],
                vec![code("ACT-AIRSTRIKE")],
                true,
                true,
                Confidence::High,
                2,
            ),
            // Poorly graded sources: passes the count, low confidence.
            (
                vec![
                    source(Public, "caller 1", None, "E5"),
                    source(Public, "caller 2", None, "D4"),
                ],
                vec![],
                false,
                true,
                Confidence::Low,
                2,
            ),
        ];
        for (i, (sources, acts, observed, passes, confidence, count)) in cases.into_iter().enumerate() {
            let explained = evaluate(&agreement(), &sources, &acts, observed);
            assert_eq!(explained.passed(), passes, "case {i}: {explained:?}");
            assert_eq!(explained.confidence, confidence, "case {i}");
            assert_eq!(explained.independent_sources.len(), count, "case {i}");
        }
    }

    #[test]
    fn the_explanation_says_why() {
        let sources = [
            source(SourceType::Party, "PAK", None, "B2"),
            source(SourceType::Media, "Dawn", None, "B2"),
        ];
        let explained = evaluate(&agreement(), &sources, &[code("ACT-SHELLING")], false);
        assert_eq!(
            explained.failures(),
            "at least 2 independent sources: 1 independent (Dawn); parties are interested sources and do not count (PAK); \
             ACT-SHELLING needs a monitor's own observation: no monitor observed it (Artillery, mortar or missile fire across the border)"
        );
    }
}
