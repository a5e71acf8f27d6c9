//! An incident's way from first report to final determination. Each step
//! is an event; a step the lifecycle does not allow is refused, naming the
//! state and the steps it allows.
//!
//! ```text
//! reported → under_review → investigating → awaiting_reply → determined → final
//!                 │               │  ↑______________│  │         ↑          │
//!                 │               └────────────────────┘         │          ↓
//!                 └──→ (any state before final) closed_duplicate  └─ redetermined ← appealed
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Reported,
    UnderReview,
    Investigating,
    AwaitingReply,
    Determined,
    Appealed,
    Redetermined,
    Final,
    ClosedDuplicate,
}

/// The steps that move an incident, one a kind of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    StartReview,
    Investigate,
    RequestReply,
    Determine,
    Finalize,
    Appeal,
    CloseAsDuplicate,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Reported,
        Stage::UnderReview,
        Stage::Investigating,
        Stage::AwaitingReply,
        Stage::Determined,
        Stage::Appealed,
        Stage::Redetermined,
        Stage::Final,
        Stage::ClosedDuplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reported => "reported",
            Stage::UnderReview => "under_review",
            Stage::Investigating => "investigating",
            Stage::AwaitingReply => "awaiting_reply",
            Stage::Determined => "determined",
            Stage::Appealed => "appealed",
            Stage::Redetermined => "redetermined",
            Stage::Final => "final",
            Stage::ClosedDuplicate => "closed_duplicate",
        }
    }

    /// Where `step` takes an incident in this stage, if the lifecycle allows it.
    pub fn after(self, step: Step) -> Option<Stage> {
        use Stage::*;
        use Step::*;
        match (self, step) {
            (Reported, StartReview) => Some(UnderReview),
            (UnderReview | Investigating | AwaitingReply, Investigate) => Some(Investigating),
            // A reply can be asked for once the allegation is reviewed, of each
            // party it concerns, and again after more investigation.
            (UnderReview | Investigating | AwaitingReply, RequestReply) => Some(AwaitingReply),
            (UnderReview | Investigating | AwaitingReply, Determine) => Some(Determined),
            (Appealed, Determine) => Some(Redetermined),
            (Determined | Redetermined, Finalize) => Some(Final),
            (Final, Appeal) => Some(Appealed),
            (Reported | UnderReview | Investigating | AwaitingReply, CloseAsDuplicate) => Some(ClosedDuplicate),
            _ => None,
        }
    }

    /// The steps this stage allows, in the lifecycle's order.
    pub fn allowed(self) -> Vec<Step> {
        Step::ALL
            .into_iter()
            .filter(|step| self.after(*step).is_some())
            .collect()
    }
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::StartReview,
        Step::Investigate,
        Step::RequestReply,
        Step::Determine,
        Step::Finalize,
        Step::Appeal,
        Step::CloseAsDuplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::StartReview => "start_review",
            Step::Investigate => "investigate",
            Step::RequestReply => "request_reply",
            Step::Determine => "determine",
            Step::Finalize => "finalize",
            Step::Appeal => "appeal",
            Step::CloseAsDuplicate => "close_as_duplicate",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step the lifecycle refuses, with what it would allow instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("incident {incident} is {stage}: {step} is not allowed; allowed next: {}", list(.allowed))]
pub struct IllegalStep {
    pub incident: u64,
    pub stage: Stage,
    pub step: Step,
    pub allowed: Vec<Step>,
}

fn list(steps: &[Step]) -> String {
    if steps.is_empty() {
        return "nothing (the incident is closed)".into();
    }
    steps.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// The stage `step` leads to from `stage`, or the refusal.
pub fn advance(incident: u64, stage: Stage, step: Step) -> Result<Stage, IllegalStep> {
    stage.after(step).ok_or_else(|| IllegalStep {
        incident,
        stage,
        step,
        allowed: stage.allowed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;
    use Step::*;

    /// Every (stage, step) pair and where it leads; every pair not listed is refused.
    const TABLE: &[(Stage, Step, Stage)] = &[
        (Reported, StartReview, UnderReview),
        (Reported, CloseAsDuplicate, ClosedDuplicate),
        (UnderReview, Investigate, Investigating),
        (UnderReview, RequestReply, AwaitingReply),
        (UnderReview, Determine, Determined),
        (UnderReview, CloseAsDuplicate, ClosedDuplicate),
        (Investigating, Investigate, Investigating),
        (Investigating, RequestReply, AwaitingReply),
        (Investigating, Determine, Determined),
        (Investigating, CloseAsDuplicate, ClosedDuplicate),
        (AwaitingReply, Investigate, Investigating),
        (AwaitingReply, RequestReply, AwaitingReply),
        (AwaitingReply, Determine, Determined),
        (AwaitingReply, CloseAsDuplicate, ClosedDuplicate),
        (Determined, Finalize, Final),
        (Final, Appeal, Appealed),
        (Appealed, Determine, Redetermined),
        (Redetermined, Finalize, Final),
    ];

    #[test]
    fn every_transition_is_the_table() {
        for stage in Stage::ALL {
            for step in Step::ALL {
                let expected = TABLE
                    .iter()
                    .find(|(s, t, _)| *s == stage && *t == step)
                    .map(|(_, _, to)| *to);
                assert_eq!(stage.after(step), expected, "{stage} + {step}");
            }
        }
    }

    #[test]
    fn a_refusal_names_the_stage_and_the_allowed_steps() {
        let refused = advance(7, Reported, Finalize).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "incident 7 is reported: finalize is not allowed; allowed next: start_review, close_as_duplicate"
        );
        assert_eq!(
            advance(7, ClosedDuplicate, StartReview).unwrap_err().to_string(),
            "incident 7 is closed_duplicate: start_review is not allowed; allowed next: nothing (the incident is closed)"
        );
        assert_eq!(advance(7, Determined, Finalize), Ok(Final));
    }
}
