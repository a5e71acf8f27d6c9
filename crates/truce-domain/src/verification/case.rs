//! Each incident's case: tasks and findings, the accused party's right of
//! reply, the determination and each mediator's approval, finality,
//! statements, appeals, and the penalties that follow. [`Verification`] is
//! the state; [`decide`] turns a verification command into events or
//! refuses it with the rule it breaks; [`Verification::evolve`] applies
//! the events.
//!
//! The rules of finality: a determination is final only with the
//! agreement's quorum of approvals (k of n mediators, each approving in its
//! own name, once), and only once every party asked to reply has replied or
//! its reply window has closed, unless a mediator invoked urgency (logged
//! with its reason). A party may appeal within the appeal window after
//! finality; the appeal reopens the case, withdraws the penalties not yet
//! complied with, and takes the violation off the party's record until it is
//! determined again.

use super::determination::{Determination, DeterminationInput, Verdict};
use super::lifecycle::{IllegalStep, Stage, Step, advance};
use super::penalties::{PenaltyDecision, Violation, penalties_for};
use super::rules::{SourceFact, evaluate};
use crate::agreement::Agreement;
use crate::codes::Code;
use crate::event::Event;
use crate::report::FieldError;
use chrono::{DateTime, Duration, Utc};
use foldhash::HashMap;
use serde::{Deserialize, Serialize};

/// A verification command; who may give it is the shell's to check (the
/// mediator or party named here is the caller's own, never the caller's choice).
#[derive(Clone, Debug, PartialEq)]
pub enum VerificationCommand {
    StartReview {
        incident: u64,
    },
    AssignTask {
        incident: u64,
        team: Code,
        due: DateTime<Utc>,
        description: String,
    },
    FileFindings {
        incident: u64,
        task: Option<u64>,
        summary: String,
        evidence: Vec<String>,
        observed: bool,
    },
    /// Remind a party that its reply window is closing (the server does, ahead of time).
    RemindReply {
        incident: u64,
        party: Code,
    },
    RequestReply {
        incident: u64,
        party: Code,
    },
    FileReply {
        incident: u64,
        party: Code,
        text: String,
        evidence: Vec<String>,
    },
    IssueDetermination {
        incident: u64,
        input: Box<DeterminationInput>,
    },
    Approve {
        incident: u64,
        mediator: Code,
    },
    InvokeUrgency {
        incident: u64,
        mediator: Code,
        reason: String,
    },
    Finalize {
        incident: u64,
    },
    AttachStatement {
        incident: u64,
        party: Code,
        text: String,
    },
    Appeal {
        incident: u64,
        party: Code,
        grounds: String,
    },
    ApprovePenalty {
        penalty: u64,
        mediator: Code,
    },
    RecordCompliance {
        penalty: u64,
        complied: bool,
        note: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerificationError {
    #[error("no agreement is registered: verification follows its rules")]
    NoAgreement,
    #[error("incident {0} does not exist")]
    NoSuchIncident(u64),
    #[error(transparent)]
    Illegal(#[from] IllegalStep),
    #[error("{0} is not a party to the agreement")]
    NotAParty(Code),
    #[error("{0} is not a mediator of the agreement")]
    NotAMediator(Code),
    #[error("{0} is not a monitoring team of the agreement")]
    NotAMonitor(Code),
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// The fields of a determination that do not hold, each with why.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Fields(Vec<FieldError>),
    #[error("incident {incident} has no task {task}")]
    NoSuchTask { incident: u64, task: u64 },
    #[error("{party} was already asked to reply on incident {incident}")]
    AlreadyAsked { incident: u64, party: Code },
    #[error("{party} was not asked to reply on incident {incident}, or has replied")]
    NotAsked { incident: u64, party: Code },
    #[error("incident {0} has no determination yet")]
    NoDetermination(u64),
    #[error("{mediator} has already approved determination {number} of incident {incident}")]
    AlreadyApproved { incident: u64, number: u32, mediator: Code },
    #[error("determination {number} of incident {incident} cannot be final yet: {}", .blockers.join("; "))]
    NotYetFinal {
        incident: u64,
        number: u32,
        blockers: Vec<String>,
    },
    #[error("the appeal window of incident {incident} closed at {closed}")]
    AppealWindowClosed { incident: u64, closed: DateTime<Utc> },
    #[error("penalty {0} does not exist")]
    NoSuchPenalty(u64),
    #[error("penalty {penalty} is {state}: {action} is not possible")]
    PenaltyState {
        penalty: u64,
        state: &'static str,
        action: &'static str,
    },
    #[error("{mediator} has already approved penalty {penalty}")]
    PenaltyAlreadyApproved { penalty: u64, mediator: Code },
}

impl From<Vec<FieldError>> for VerificationError {
    fn from(errors: Vec<FieldError>) -> VerificationError {
        VerificationError::Fields(errors)
    }
}

impl VerificationCommand {
    /// The incident the command is about (penalty commands are about a penalty).
    pub fn incident(&self) -> Option<u64> {
        use VerificationCommand as C;
        match self {
            C::StartReview { incident }
            | C::AssignTask { incident, .. }
            | C::FileFindings { incident, .. }
            | C::RequestReply { incident, .. }
            | C::RemindReply { incident, .. }
            | C::FileReply { incident, .. }
            | C::IssueDetermination { incident, .. }
            | C::Approve { incident, .. }
            | C::InvokeUrgency { incident, .. }
            | C::Finalize { incident }
            | C::AttachStatement { incident, .. }
            | C::Appeal { incident, .. } => Some(*incident),
            C::ApprovePenalty { .. } | C::RecordCompliance { .. } => None,
        }
    }
}

/// What the rest of the state says about an incident, for verification.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentFacts {
    pub sources: Vec<SourceFact>,
    pub acts: Vec<Code>,
    /// When it happened: the earliest start among its reports.
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: u64,
    pub team: Code,
    pub due: DateTime<Utc>,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub task: Option<u64>,
    pub summary: String,
    pub evidence: Vec<String>,
    pub observed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplyRecord {
    pub party: Code,
    pub asked_at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    /// When it replied, and what.
    pub reply: Option<(DateTime<Utc>, String)>,
    /// Whether the party was reminded before the window closed.
    #[serde(default)]
    pub reminded: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssuedDetermination {
    pub number: u32,
    pub determination: Determination,
    pub approvals: Vec<Code>,
    pub urgency: Option<(Code, String)>,
    pub statements: Vec<(Code, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub stage: Option<Stage>,
    pub tasks: Vec<Task>,
    pub findings: Vec<Finding>,
    pub replies: Vec<ReplyRecord>,
    /// Every determination issued, the current one last.
    pub determinations: Vec<IssuedDetermination>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub appeals: Vec<(Code, String)>,
}

impl Case {
    pub fn stage(&self) -> Stage {
        self.stage.unwrap_or(Stage::Reported)
    }

    pub fn current(&self) -> Option<&IssuedDetermination> {
        self.determinations.last()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyState {
    /// Given by the ladder, awaiting the mediators' quorum.
    Proposed,
    InEffect,
    Complied,
    NotComplied,
    /// Withdrawn by an appeal.
    Withdrawn,
}

impl PenaltyState {
    pub fn as_str(self) -> &'static str {
        match self {
            PenaltyState::Proposed => "proposed",
            PenaltyState::InEffect => "in_effect",
            PenaltyState::Complied => "complied",
            PenaltyState::NotComplied => "not_complied",
            PenaltyState::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PenaltyRecord {
    pub id: u64,
    pub incident: u64,
    pub party: Code,
    pub decision: PenaltyDecision,
    pub approvals: Vec<Code>,
    pub state: PenaltyState,
    pub in_effect_from: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    cases: HashMap<u64, Case>,
    /// Final confirmed violations not under appeal, in the order they became final.
    violations: Vec<Violation>,
    penalties: Vec<PenaltyRecord>,
    next_task: u64,
}

/// The time and agreement a command is decided under.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub at: DateTime<Utc>,
    pub agreement: Option<&'a Agreement>,
}

impl Context<'_> {
    /// At `at`, without an agreement (enough for filing reports and evidence).
    pub fn at(at: DateTime<Utc>) -> Context<'static> {
        Context { at, agreement: None }
    }
}

impl Verification {
    pub fn case(&self, incident: u64) -> Option<&Case> {
        self.cases.get(&incident)
    }

    pub fn stage(&self, incident: u64) -> Stage {
        self.cases.get(&incident).map(Case::stage).unwrap_or(Stage::Reported)
    }

    pub fn cases(&self) -> impl Iterator<Item = (u64, &Case)> {
        self.cases.iter().map(|(id, case)| (*id, case))
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    pub fn penalties(&self) -> &[PenaltyRecord] {
        &self.penalties
    }

    pub fn penalty(&self, id: u64) -> Option<&PenaltyRecord> {
        id.checked_sub(1).and_then(|i| self.penalties.get(i as usize))
    }

    /// Marks an incident merged away as closed as a duplicate.
    pub fn close_as_duplicate(&mut self, incident: u64) {
        self.cases.entry(incident).or_default().stage = Some(Stage::ClosedDuplicate);
    }

    /// Applies a verification event (other events are ignored).
    pub fn evolve(&mut self, event: &Event) {
        let step = |cases: &mut HashMap<u64, Case>, incident: u64, step: Step| {
            let case = cases.entry(incident).or_default();
            case.stage = Some(case.stage().after(step).unwrap_or(case.stage()));
        };
        match event {
            Event::ReviewStarted { incident } => step(&mut self.cases, *incident, Step::StartReview),
            Event::TaskAssigned {
                incident,
                task,
                team,
                due,
                description,
            } => {
                step(&mut self.cases, *incident, Step::Investigate);
                self.next_task = self.next_task.max(*task);
                self.cases.entry(*incident).or_default().tasks.push(Task {
                    id: *task,
                    team: team.clone(),
                    due: *due,
                    description: description.clone(),
                });
            }
            Event::FindingsFiled {
                incident,
                task,
                summary,
                evidence,
                observed,
            } => self.cases.entry(*incident).or_default().findings.push(Finding {
                task: *task,
                summary: summary.clone(),
                evidence: evidence.clone(),
                observed: *observed,
            }),
            Event::ReplyRequested {
                incident,
                party,
                asked_at,
                due,
            } => {
                step(&mut self.cases, *incident, Step::RequestReply);
                self.cases.entry(*incident).or_default().replies.push(ReplyRecord {
                    party: party.clone(),
                    asked_at: *asked_at,
                    due: *due,
                    reply: None,
                    reminded: false,
                });
            }
            Event::ReplyReminded { incident, party, .. } => {
                let case = self.cases.entry(*incident).or_default();
                if let Some(record) = case.replies.iter_mut().find(|r| &r.party == party && r.reply.is_none()) {
                    record.reminded = true;
                }
            }
            Event::ReplyFiled {
                incident,
                party,
                text,
                replied_at,
                ..
            } => {
                let case = self.cases.entry(*incident).or_default();
                if let Some(record) = case.replies.iter_mut().find(|r| &r.party == party && r.reply.is_none()) {
                    record.reply = Some((*replied_at, text.clone()));
                }
            }
            Event::DeterminationIssued {
                incident,
                number,
                determination,
            } => {
                step(&mut self.cases, *incident, Step::Determine);
                self.cases
                    .entry(*incident)
                    .or_default()
                    .determinations
                    .push(IssuedDetermination {
                        number: *number,
                        determination: (**determination).clone(),
                        approvals: Vec::new(),
                        urgency: None,
                        statements: Vec::new(),
                    });
            }
            Event::DeterminationApproved { incident, mediator, .. } => {
                if let Some(current) = self.current_mut(*incident) {
                    current.approvals.push(mediator.clone());
                }
            }
            Event::UrgencyInvoked {
                incident,
                mediator,
                reason,
                ..
            } => {
                if let Some(current) = self.current_mut(*incident) {
                    current.urgency = Some((mediator.clone(), reason.clone()));
                }
            }
            Event::DeterminationFinal {
                incident,
                finalized_at,
                incident_at,
                ..
            } => {
                step(&mut self.cases, *incident, Step::Finalize);
                let case = self.cases.entry(*incident).or_default();
                case.finalized_at = Some(*finalized_at);
                if let Some(violation) = case
                    .current()
                    .and_then(|c| violation_of(*incident, &c.determination, *incident_at))
                {
                    self.violations.push(violation);
                }
            }
            Event::StatementAttached {
                incident, party, text, ..
            } => {
                if let Some(current) = self.current_mut(*incident) {
                    current.statements.push((party.clone(), text.clone()));
                }
            }
            Event::AppealFiled {
                incident,
                party,
                grounds,
                withdrawn_penalties,
            } => {
                step(&mut self.cases, *incident, Step::Appeal);
                self.cases
                    .entry(*incident)
                    .or_default()
                    .appeals
                    .push((party.clone(), grounds.clone()));
                self.violations.retain(|v| v.incident != *incident);
                for id in withdrawn_penalties {
                    if let Some(penalty) = self.penalty_mut(*id) {
                        penalty.state = PenaltyState::Withdrawn;
                    }
                }
            }
            Event::PenaltyProposed {
                penalty,
                incident,
                party,
                decision,
            } => self.penalties.push(PenaltyRecord {
                id: *penalty,
                incident: *incident,
                party: party.clone(),
                decision: (**decision).clone(),
                approvals: Vec::new(),
                state: PenaltyState::Proposed,
                in_effect_from: None,
                due: None,
            }),
            Event::PenaltyApproved { penalty, mediator } => {
                if let Some(record) = self.penalty_mut(*penalty) {
                    record.approvals.push(mediator.clone());
                }
            }
            Event::PenaltyInEffect { penalty, from, due } => {
                if let Some(record) = self.penalty_mut(*penalty) {
                    record.state = PenaltyState::InEffect;
                    record.in_effect_from = Some(*from);
                    record.due = Some(*due);
                }
            }
            Event::ComplianceRecorded { penalty, complied, .. } => {
                if let Some(record) = self.penalty_mut(*penalty) {
                    record.state = if *complied {
                        PenaltyState::Complied
                    } else {
                        PenaltyState::NotComplied
                    };
                }
            }
            _ => {}
        }
    }

    fn current_mut(&mut self, incident: u64) -> Option<&mut IssuedDetermination> {
        self.cases
            .get_mut(&incident)
            .and_then(|case| case.determinations.last_mut())
    }

    fn penalty_mut(&mut self, id: u64) -> Option<&mut PenaltyRecord> {
        id.checked_sub(1).and_then(|i| self.penalties.get_mut(i as usize))
    }

    /// Why the current determination of `incident` cannot be final at `at`, if it cannot.
    pub fn finality_blockers(&self, agreement: &Agreement, incident: u64, at: DateTime<Utc>) -> Vec<String> {
        self.blockers(agreement, incident, at, 0)
    }

    /// The same, counting `pending` approvals about to be given.
    fn blockers(&self, agreement: &Agreement, incident: u64, at: DateTime<Utc>, pending: usize) -> Vec<String> {
        let Some(case) = self.cases.get(&incident) else {
            return vec!["no determination".into()];
        };
        let Some(current) = case.current() else {
            return vec!["no determination".into()];
        };
        let mut blockers = Vec::new();
        let required = agreement.process.approvals_required as usize;
        if current.approvals.len() + pending < required {
            let have: Vec<&str> = current.approvals.iter().map(Code::as_str).collect();
            blockers.push(format!(
                "{} of {} mediator approvals needed, {} given{}",
                required,
                agreement.mediators.len(),
                have.len() + pending,
                if have.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", have.join(", "))
                }
            ));
        }
        if current.urgency.is_none() {
            for record in case.replies.iter().filter(|r| r.reply.is_none() && at < r.due) {
                blockers.push(format!(
                    "{} may reply until {} (or a mediator invokes urgency)",
                    record.party,
                    record.due.to_rfc3339()
                ));
            }
        }
        blockers
    }
}

/// The violation a final determination records, if it confirms one.
fn violation_of(incident: u64, determination: &Determination, at: DateTime<Utc>) -> Option<Violation> {
    match (
        determination.verdict,
        &determination.responsible_party,
        determination.severity,
    ) {
        (Verdict::ViolationConfirmed, Some(party), Some(severity)) => Some(Violation {
            incident,
            party: party.clone(),
            at,
            severity,
            civilian_deaths: determination.deaths.civilians,
            provisions: determination.provisions.clone(),
        }),
        _ => None,
    }
}

fn non_empty(field: &'static str, text: &str) -> Result<(), VerificationError> {
    if text.trim().is_empty() {
        return Err(VerificationError::Empty(field));
    }
    Ok(())
}

fn party(agreement: &Agreement, code: &Code) -> Result<(), VerificationError> {
    agreement
        .party(code)
        .map(|_| ())
        .ok_or_else(|| VerificationError::NotAParty(code.clone()))
}

fn mediator(agreement: &Agreement, code: &Code) -> Result<(), VerificationError> {
    if agreement.mediators.iter().any(|m| &m.code == code) {
        Ok(())
    } else {
        Err(VerificationError::NotAMediator(code.clone()))
    }
}

/// The reply asked of `party` on the incident and not yet given.
fn pending_reply<'a>(
    case: Option<&'a Case>,
    incident: u64,
    party: &Code,
) -> Result<&'a ReplyRecord, VerificationError> {
    case.and_then(|c| c.replies.iter().find(|r| &r.party == party && r.reply.is_none()))
        .ok_or_else(|| VerificationError::NotAsked {
            incident,
            party: party.clone(),
        })
}

/// The current determination, if it awaits approval (not yet final).
fn awaiting_finality(
    case: Option<&Case>,
    incident: u64,
    stage: Stage,
) -> Result<&IssuedDetermination, VerificationError> {
    let current = case
        .and_then(Case::current)
        .ok_or(VerificationError::NoDetermination(incident))?;
    if !matches!(stage, Stage::Determined | Stage::Redetermined) {
        return Err(IllegalStep {
            incident,
            stage,
            step: Step::Finalize,
            allowed: stage.allowed(),
        }
        .into());
    }
    Ok(current)
}

/// The events of finality: the determination becomes final and the ladder's penalties are proposed.
fn finalize(
    state: &Verification,
    agreement: &Agreement,
    incident: u64,
    facts: &IncidentFacts,
    at: DateTime<Utc>,
) -> Vec<Event> {
    let Some(current) = state.cases.get(&incident).and_then(Case::current) else {
        return Vec::new();
    };
    let mut events = vec![Event::DeterminationFinal {
        incident,
        number: current.number,
        finalized_at: at,
        incident_at: facts.at,
    }];
    if let Some(violation) = violation_of(incident, &current.determination, facts.at) {
        let mut prior: Vec<Violation> = state
            .violations
            .iter()
            .filter(|v| v.party == violation.party && v.incident != incident)
            .cloned()
            .collect();
        prior.sort_by(|a, b| a.at.cmp(&b.at).then(a.incident.cmp(&b.incident)));
        let first_id = state.penalties.len() as u64 + 1;
        for (offset, decision) in penalties_for(agreement, &prior, &violation).into_iter().enumerate() {
            events.push(Event::PenaltyProposed {
                penalty: first_id + offset as u64,
                incident,
                party: violation.party.clone(),
                decision: Box::new(decision),
            });
        }
    }
    events
}

/// The events a verification command causes, or the rule it breaks.
/// `facts` is `None` when the incident does not exist.
pub fn decide(
    state: &Verification,
    facts: Option<&IncidentFacts>,
    command: &VerificationCommand,
    context: &Context,
) -> Result<Vec<Event>, VerificationError> {
    use VerificationCommand as C;
    let agreement = context.agreement.ok_or(VerificationError::NoAgreement)?;
    let at = context.at;
    let no_incident = IncidentFacts {
        sources: vec![],
        acts: vec![],
        at,
    };
    let (incident, facts) = match (command.incident(), facts) {
        (Some(incident), Some(facts)) => (incident, facts),
        (Some(incident), None) => return Err(VerificationError::NoSuchIncident(incident)),
        (None, _) => (0, &no_incident),
    };
    let stage = state.stage(incident);
    let case = state.cases.get(&incident);
    let check = |step: Step| advance(incident, stage, step).map_err(VerificationError::from);
    match command {
        C::StartReview { .. } => {
            check(Step::StartReview)?;
            Ok(vec![Event::ReviewStarted { incident }])
        }
        C::AssignTask {
            team, due, description, ..
        } => {
            check(Step::Investigate)?;
            if !agreement.monitors.iter().any(|m| &m.code == team) {
                return Err(VerificationError::NotAMonitor(team.clone()));
            }
            non_empty("description", description)?;
            Ok(vec![Event::TaskAssigned {
                incident,
                task: state.next_task + 1,
                team: team.clone(),
                due: *due,
                description: description.trim().to_string(),
            }])
        }
        C::FileFindings {
            task,
            summary,
            evidence,
            observed,
            ..
        } => {
            if matches!(stage, Stage::Reported | Stage::Final | Stage::ClosedDuplicate) {
                return Err(IllegalStep {
                    incident,
                    stage,
                    step: Step::Investigate,
                    allowed: stage.allowed(),
                }
                .into());
            }
            if let Some(task) = task
                && !case.is_some_and(|c| c.tasks.iter().any(|t| t.id == *task))
            {
                return Err(VerificationError::NoSuchTask { incident, task: *task });
            }
            non_empty("summary", summary)?;
            Ok(vec![Event::FindingsFiled {
                incident,
                task: *task,
                summary: summary.trim().to_string(),
                evidence: evidence.clone(),
                observed: *observed,
            }])
        }
        C::RemindReply { party: code, .. } => {
            let record = pending_reply(case, incident, code)?;
            if record.reminded || at >= record.due {
                return Ok(Vec::new());
            }
            Ok(vec![Event::ReplyReminded {
                incident,
                party: code.clone(),
                due: record.due,
            }])
        }
        C::RequestReply { party: code, .. } => {
            check(Step::RequestReply)?;
            party(agreement, code)?;
            if case.is_some_and(|c| c.replies.iter().any(|r| &r.party == code)) {
                return Err(VerificationError::AlreadyAsked {
                    incident,
                    party: code.clone(),
                });
            }
            Ok(vec![Event::ReplyRequested {
                incident,
                party: code.clone(),
                asked_at: at,
                due: at + Duration::hours(i64::from(agreement.process.reply_window_hours)),
            }])
        }
        C::FileReply {
            party: code,
            text,
            evidence,
            ..
        } => {
            party(agreement, code)?;
            non_empty("text", text)?;
            let record = pending_reply(case, incident, code)?;
            Ok(vec![Event::ReplyFiled {
                incident,
                party: code.clone(),
                text: text.trim().to_string(),
                evidence: evidence.clone(),
                replied_at: at,
                on_time: at <= record.due,
            }])
        }
        C::IssueDetermination { input, .. } => {
            check(Step::Determine)?;
            let observed = case.is_some_and(|c| c.findings.iter().any(|f| f.observed));
            let explanation = evaluate(agreement, &facts.sources, &facts.acts, observed);
            let determination = input.parse(agreement, explanation)?;
            let number = case.map_or(0, |c| c.determinations.len() as u32) + 1;
            Ok(vec![Event::DeterminationIssued {
                incident,
                number,
                determination: Box::new(determination),
            }])
        }
        C::Approve { mediator: code, .. } => {
            mediator(agreement, code)?;
            let current = awaiting_finality(case, incident, stage)?;
            if current.approvals.contains(code) {
                return Err(VerificationError::AlreadyApproved {
                    incident,
                    number: current.number,
                    mediator: code.clone(),
                });
            }
            let approved = Event::DeterminationApproved {
                incident,
                number: current.number,
                mediator: code.clone(),
            };
            // With this approval, is it final?
            let mut events = vec![approved];
            if state.blockers(agreement, incident, at, 1).is_empty() {
                events.extend(finalize(state, agreement, incident, facts, at));
            }
            Ok(events)
        }
        C::InvokeUrgency {
            mediator: code, reason, ..
        } => {
            mediator(agreement, code)?;
            non_empty("reason", reason)?;
            let current = awaiting_finality(case, incident, stage)?;
            Ok(vec![Event::UrgencyInvoked {
                incident,
                number: current.number,
                mediator: code.clone(),
                reason: reason.trim().to_string(),
            }])
        }
        C::Finalize { .. } => {
            check(Step::Finalize)?;
            let blockers = state.finality_blockers(agreement, incident, at);
            if !blockers.is_empty() {
                return Err(VerificationError::NotYetFinal {
                    incident,
                    number: case.and_then(Case::current).map_or(0, |c| c.number),
                    blockers,
                });
            }
            Ok(finalize(state, agreement, incident, facts, at))
        }
        C::AttachStatement { party: code, text, .. } => {
            party(agreement, code)?;
            non_empty("text", text)?;
            let current = case
                .and_then(Case::current)
                .ok_or(VerificationError::NoDetermination(incident))?;
            Ok(vec![Event::StatementAttached {
                incident,
                number: current.number,
                party: code.clone(),
                text: text.trim().to_string(),
            }])
        }
        C::Appeal {
            party: code, grounds, ..
        } => {
            party(agreement, code)?;
            non_empty("grounds", grounds)?;
            check(Step::Appeal)?;
            let finalized = case.and_then(|c| c.finalized_at).unwrap_or(at);
            let closes = finalized + Duration::hours(i64::from(agreement.process.appeal_window_hours));
            if at > closes {
                return Err(VerificationError::AppealWindowClosed {
                    incident,
                    closed: closes,
                });
            }
            let withdrawn = state
                .penalties
                .iter()
                .filter(|p| {
                    p.incident == incident && matches!(p.state, PenaltyState::Proposed | PenaltyState::InEffect)
                })
                .map(|p| p.id)
                .collect();
            Ok(vec![Event::AppealFiled {
                incident,
                party: code.clone(),
                grounds: grounds.trim().to_string(),
                withdrawn_penalties: withdrawn,
            }])
        }
        C::ApprovePenalty {
            penalty,
            mediator: code,
        } => {
            mediator(agreement, code)?;
            let record = state
                .penalty(*penalty)
                .ok_or(VerificationError::NoSuchPenalty(*penalty))?;
            if record.state != PenaltyState::Proposed {
                return Err(VerificationError::PenaltyState {
                    penalty: *penalty,
                    state: record.state.as_str(),
                    action: "approval",
                });
            }
            if record.approvals.contains(code) {
                return Err(VerificationError::PenaltyAlreadyApproved {
                    penalty: *penalty,
                    mediator: code.clone(),
                });
            }
            let mut events = vec![Event::PenaltyApproved {
                penalty: *penalty,
                mediator: code.clone(),
            }];
            if record.approvals.len() + 1 >= agreement.process.approvals_required as usize {
                events.push(Event::PenaltyInEffect {
                    penalty: *penalty,
                    from: at,
                    due: at + Duration::days(i64::from(agreement.process.compliance_days)),
                });
            }
            Ok(events)
        }
        C::RecordCompliance {
            penalty,
            complied,
            note,
        } => {
            let record = state
                .penalty(*penalty)
                .ok_or(VerificationError::NoSuchPenalty(*penalty))?;
            if record.state != PenaltyState::InEffect {
                return Err(VerificationError::PenaltyState {
                    penalty: *penalty,
                    state: record.state.as_str(),
                    action: "recording compliance",
                });
            }
            non_empty("note", note)?;
            Ok(vec![Event::ComplianceRecorded {
                penalty: *penalty,
                complied: *complied,
                note: note.trim().to_string(),
            }])
        }
    }
}
