//! A determination: what the mechanism concludes about an incident, as the
//! mediators will approve it. Built from what a caller sends
//! ([`DeterminationInput`]) only if it is coherent with the agreement: a
//! confirmed violation names a party of the agreement, the provisions it
//! violated (acts or obligations of the agreement), a severity, and, when
//! the act was a non-state group's operating from the party's territory,
//! an obligation of that kind binding that party.

use super::rules::{Confidence, Explanation};
use crate::agreement::{Agreement, ObligationKind, Severity};
use crate::codes::Code;
use crate::report::FieldError;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    ViolationConfirmed,
    NoViolation,
    Unverifiable,
    Duplicate,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::ViolationConfirmed => "violation_confirmed",
            Verdict::NoViolation => "no_violation",
            Verdict::Unverifiable => "unverifiable",
            Verdict::Duplicate => "duplicate",
        }
    }
}

/// Verified deaths: the mechanism's own estimate, beside (never instead of) each claim.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedDeaths {
    pub low: u32,
    pub best: u32,
    pub high: u32,
    /// Of `best`, how many were civilians (the ladder's compensation counts these).
    pub civilians: u32,
}

/// What a caller proposes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeterminationInput {
    pub verdict: Verdict,
    #[serde(default)]
    pub responsible_party: Option<String>,
    /// The party answers for a non-state armed group operating from its territory.
    #[serde(default)]
    pub via_non_state_group: bool,
    #[serde(default)]
    pub provisions: Vec<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    pub rationale: String,
    /// SHA-256 of the evidence relied on.
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub deaths: VerifiedDeaths,
}

/// A determination as recorded: checked against the agreement, with the
/// verification rules' explanation at the time and the confidence they support.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Determination {
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_party: Option<Code>,
    #[serde(default)]
    pub via_non_state_group: bool,
    #[serde(default)]
    pub provisions: Vec<Code>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub confidence: Confidence,
    pub rationale: String,
    #[serde(default)]
    pub evidence: Vec<String>,
    pub deaths: VerifiedDeaths,
    pub explanation: Explanation,
}

impl DeterminationInput {
    /// Checks the proposal against the agreement and the rules' explanation;
    /// every problem is named by its field.
    pub fn parse(&self, agreement: &Agreement, explanation: Explanation) -> Result<Determination, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut error = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.to_string(),
                message,
            })
        };
        let rationale = self.rationale.trim();
        if rationale.is_empty() {
            error("rationale", "a determination gives its reasons".into());
        } else if rationale.len() > 20_000 {
            error("rationale", "at most 20,000 bytes".into());
        }
        for (i, sha) in self.evidence.iter().enumerate() {
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
                error(
                    &format!("evidence[{i}]"),
                    format!("{sha:?} is not a lower-case hex SHA-256"),
                );
            }
        }
        let deaths = self.deaths;
        if !(deaths.low <= deaths.best && deaths.best <= deaths.high) {
            error(
                "deaths",
                format!(
                    "verified deaths need low ≤ best ≤ high, not {}/{}/{}",
                    deaths.low, deaths.best, deaths.high
                ),
            );
        }
        if deaths.civilians > deaths.best {
            error(
                "deaths.civilians",
                format!("{} civilians among {} deaths", deaths.civilians, deaths.best),
            );
        }
        let party = match &self.responsible_party {
            Some(text) => match Code::parse(text) {
                Ok(code) if agreement.party(&code).is_some() => Some(code),
                _ => {
                    let parties: Vec<&str> = agreement.parties.iter().map(|p| p.code.as_str()).collect();
                    error(
                        "responsible_party",
                        format!("{text:?} is not a party ({})", parties.join(", ")),
                    );
                    None
                }
            },
            None => None,
        };
        let mut provisions = Vec::new();
        for (i, text) in self.provisions.iter().enumerate() {
            match Code::parse(text) {
                Ok(code) if agreement.act(&code).is_some() || agreement.obligations.iter().any(|o| o.code == code) => {
                    provisions.push(code)
                }
                _ => error(
                    &format!("provisions[{i}]"),
                    format!("{text:?} is neither an act nor an obligation of the agreement"),
                ),
            }
        }
        let confirmed = self.verdict == Verdict::ViolationConfirmed;
        if confirmed {
            if self.responsible_party.is_none() {
                error(
                    "responsible_party",
                    "a confirmed violation names the responsible party".into(),
                );
            }
            if self.provisions.is_empty() {
                error(
                    "provisions",
                    "a confirmed violation names the provisions violated".into(),
                );
            }
            if self.severity.is_none() {
                error(
                    "severity",
                    "a confirmed violation has a severity (minor, serious, grave)".into(),
                );
            }
            if !explanation.passed() {
                error(
                    "verdict",
                    format!(
                        "the verification rules do not allow confirming a violation: {}",
                        explanation.failures()
                    ),
                );
            }
        } else if self.responsible_party.is_some() || self.severity.is_some() {
            error(
                "verdict",
                format!(
                    "only a confirmed violation has a responsible party and a severity, not {}",
                    self.verdict.as_str()
                ),
            );
        }
        if self.via_non_state_group {
            let binding = agreement.obligations.iter().any(|o| {
                o.kind == ObligationKind::NoUseOfTerritory
                    && provisions.contains(&o.code)
                    && party.as_ref().is_some_and(|p| o.parties.contains(p))
            });
            if !binding {
                error(
                    "via_non_state_group",
                    "a party answers for a group on its territory only under a no-use-of-territory obligation it signed: name it in provisions".into(),
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Determination {
            verdict: self.verdict,
            responsible_party: party,
            via_non_state_group: self.via_non_state_group,
            provisions,
            severity: self.severity,
            confidence: explanation.confidence,
            rationale: rationale.to_string(),
            evidence: self.evidence.clone(),
            deaths,
            explanation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement() -> Agreement {
        Agreement::from_toml(include_str!("../../../../examples/doha-ceasefire.toml")).unwrap()
    }

    fn explanation(passed: bool) -> Explanation {
        Explanation {
            independent_sources: vec![],
            interested_sources: vec![],
            checks: vec![super::super::rules::RuleCheck {
                rule: "at least 2 independent sources".into(),
                passed,
                why: "1 independent (Dawn)".into(),
            }],
            confidence: Confidence::Moderate,
        }
    }

    fn confirmed() -> DeterminationInput {
        DeterminationInput {
            verdict: Verdict::ViolationConfirmed,
            responsible_party: Some("PAK".into()),
            via_non_state_group: false,
            provisions: vec!["ACT-AIRSTRIKE".into(), "OBL-CEASE".into()],
            severity: Some(Severity::Grave),
            rationale: "Monitors observed the craters.".into(),
            evidence: vec!["a".repeat(64)],
            deaths: VerifiedDeaths {
                low: 10,
                best: 10,
                high: 12,
                civilians: 10,
            },
        }
    }

    fn fields(input: DeterminationInput, passed: bool) -> Vec<String> {
        match input.parse(&agreement(), explanation(passed)) {
            Ok(_) => vec![],
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn a_coherent_determination_is_accepted_with_the_rules_confidence() {
        let determination = confirmed().parse(&agreement(), explanation(true)).unwrap();
        assert_eq!(determination.confidence, Confidence::Moderate);
        assert_eq!(determination.responsible_party.unwrap().as_str(), "PAK");
    }

    #[test]
    fn every_incoherence_is_named_by_its_field() {
        assert_eq!(fields(confirmed(), false), vec!["verdict"], "the rules failed");
        let mut input = confirmed();
        input.responsible_party = Some("IND".into());
        input.provisions.push("ACT-NONE".into());
        input.evidence.push("not-a-hash".into());
        input.deaths = VerifiedDeaths {
            low: 5,
            best: 3,
            high: 4,
            civilians: 4,
        };
        input.rationale = " ".into();
        assert_eq!(
            fields(input, true),
            vec![
                "rationale",
                "evidence[1]",
                "deaths",
                "deaths.civilians",
                "responsible_party",
                "provisions[2]"
            ]
        );
        let mut unverifiable = confirmed();
        unverifiable.verdict = Verdict::Unverifiable;
        assert_eq!(
            fields(unverifiable, false),
            vec!["verdict"],
            "an unverifiable verdict names no party"
        );
        let mut via_group = confirmed();
        via_group.via_non_state_group = true;
        assert_eq!(fields(via_group.clone(), true), vec!["via_non_state_group"]);
        via_group.provisions = vec!["OBL-TERRITORY".into()];
        assert_eq!(fields(via_group, true), Vec::<String>::new());
        let mut bare = confirmed();
        bare.responsible_party = None;
        bare.provisions.clear();
        bare.severity = None;
        assert_eq!(fields(bare, true), vec!["responsible_party", "provisions", "severity"]);
    }
}
