//! An incident as one caller may see it: the API's answer to
//! `GET /api/v1/incidents/{id}` and the matter of its page, one typed view
//! both render. What the caller's role withholds is withheld here, once:
//! other sources' names, the claimants who are not parties, the monitors'
//! tasks, and the names in the rules' explanations.

use serde::Serialize;
use truce_domain::codes::Code;
use truce_domain::incident::IncidentView;
use truce_domain::report::{Claim, SourceType};
use truce_domain::role::Role;
use truce_domain::state::State;
use truce_domain::verification::case::{Finding, IssuedDetermination, PenaltyRecord, ReplyRecord, Task};
use truce_domain::verification::lifecycle::Stage;
use truce_domain::verification::rules::{Explanation, REDACTED, SourceFact};

#[derive(Clone, Debug, Serialize)]
pub struct IncidentDetail {
    pub id: u64,
    pub status: Stage,
    /// When it happened: the earliest start among its reports.
    pub happened_at: Option<chrono::DateTime<chrono::Utc>>,
    pub sources: Vec<SourceShown>,
    /// How the agreement's rules judge its sources, if it has reports.
    pub verification: Option<Explanation>,
    pub tasks: Vec<TaskShown>,
    pub findings: Vec<Finding>,
    pub replies: Vec<ReplyRecord>,
    /// Every determination issued, the current one last.
    pub determinations: Vec<IssuedDetermination>,
    pub appeals: Vec<(Code, String)>,
    pub penalties: Vec<PenaltyRecord>,
    pub claims: Vec<ClaimShown>,
    pub estimate: Estimate,
}

/// A source of the incident's reports: whole, or its kind alone.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum SourceShown {
    Whole(SourceFact),
    Withheld {
        source_type: SourceType,
        name: &'static str,
    },
}

impl SourceShown {
    pub fn name(&self) -> &str {
        match self {
            SourceShown::Whole(source) => &source.name,
            SourceShown::Withheld { name, .. } => name,
        }
    }

    pub fn source_type(&self) -> SourceType {
        match self {
            SourceShown::Whole(source) => source.source_type,
            SourceShown::Withheld { source_type, .. } => *source_type,
        }
    }
}

/// A monitors' task: whole, or only that it exists and when it is due.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum TaskShown {
    Whole(Task),
    Withheld {
        id: u64,
        due: chrono::DateTime<chrono::Utc>,
    },
}

/// A claim with whether its claimant is an interested party.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimShown {
    pub claim: Claim,
    pub interested: bool,
}

/// The mechanism's estimate of the deaths, and whether a determination stated them.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Estimate {
    pub low: u32,
    pub best: u32,
    pub high: u32,
    pub verified: bool,
}

impl IncidentDetail {
    /// Incident `id` from the engine's `state` and its projected `view`, as
    /// `role` may see it (`redact`: the role may not read everything).
    pub fn of(
        state: &State,
        agreement: &truce_domain::agreement::Agreement,
        view: &IncidentView,
        id: u64,
        role: &Role,
        redact: bool,
    ) -> IncidentDetail {
        let mut case = state.verification().case(id).cloned().unwrap_or_default();
        let facts = state.incident_facts(id);
        // Each determination keeps the explanation it was made on: withheld names there too.
        if redact {
            for issued in &mut case.determinations {
                issued.determination.explanation = issued.determination.explanation.redacted();
            }
        }
        let verification = state
            .explain(id, agreement)
            .map(|e| if redact { e.redacted() } else { e });
        let penalties = state
            .verification()
            .penalties()
            .iter()
            .filter(|p| p.incident == id)
            .cloned()
            .collect();
        // A party sees its own reports whole; any other source as its kind alone.
        let own = |name: &str| matches!(role, Role::Party(code) if code.as_str() == name);
        let sources = facts
            .as_ref()
            .map(|f| {
                f.sources
                    .iter()
                    .map(|s| {
                        if redact && !own(&s.name) && s.source_type != SourceType::Party {
                            SourceShown::Withheld {
                                source_type: s.source_type,
                                name: REDACTED,
                            }
                        } else {
                            SourceShown::Whole(s.clone())
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Which team goes where, and what it is to look at, is the monitors' until it has been.
        let tasks = case
            .tasks
            .iter()
            .map(|t| {
                if redact {
                    TaskShown::Withheld { id: t.id, due: t.due }
                } else {
                    TaskShown::Whole(t.clone())
                }
            })
            .collect();
        // Who claimed is a source: a party learns the claimant only if it is a party.
        let claims = view
            .claims
            .iter()
            .map(|(claim, interested)| {
                let mut claim = claim.clone();
                if redact && claim.claimant_party.is_none() {
                    claim.claimant = REDACTED.to_string();
                }
                ClaimShown {
                    claim,
                    interested: *interested,
                }
            })
            .collect();
        let deaths = view.deaths();
        IncidentDetail {
            id,
            status: case.stage(),
            happened_at: facts.as_ref().map(|f| f.at),
            sources,
            verification,
            tasks,
            findings: case.findings.clone(),
            replies: case.replies.clone(),
            determinations: case.determinations.clone(),
            appeals: case.appeals.clone(),
            penalties,
            claims,
            estimate: Estimate {
                low: deaths.low,
                best: deaths.best,
                high: deaths.high,
                verified: view.stated_deaths().is_some(),
            },
        }
    }

    /// The current determination: the last issued.
    pub fn current(&self) -> Option<&IssuedDetermination> {
        self.determinations.last()
    }
}
