//! Verification driven through `decide` and `evolve` as the engine drives
//! them: the whole path of an allegation to a final determination and its
//! penalties, the right of reply and the quorum, appeals, refusals with
//! their reasons, and properties over random sequences of commands: no
//! determination is final without its quorum or before the reply window
//! allows, and replaying the events reproduces every case and penalty.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use truce_domain::agreement::{Agreement, Severity};
use truce_domain::codes::Code;
use truce_domain::event::Event;
use truce_domain::report::{Report, ReportInput};
use truce_domain::state::{Command, Context, DomainError, State, decide};
use truce_domain::verification::case::{PenaltyState, VerificationCommand as V, VerificationError};
use truce_domain::verification::determination::{DeterminationInput, Verdict, VerifiedDeaths};
use truce_domain::verification::lifecycle::Stage;
use truce_domain::verification::scorecard::scorecards;

fn agreement() -> Agreement {
    Agreement::from_toml(include_str!("../../../examples/doha-ceasefire.toml")).unwrap()
}

fn code(text: &str) -> Code {
    Code::parse(text).unwrap()
}

fn time(hours: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-10-25T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + Duration::hours(hours)
}

fn report(external_id: &str, source_type: &str, name: &str, grade: &str) -> Report {
    let input: ReportInput = serde_json::from_value(serde_json::json!({
        "external_id": external_id,
        "source": {"type": source_type, "name": name, "grading": grade},
        "time": {"start": "2025-10-24T22:00:00+04:30", "precision": "hour"},
        "location": {"latitude": 32.95, "longitude": 69.46, "precision": "exact"},
        "act": "ACT-AIRSTRIKE",
        "actor1": {"name": "Pakistan Air Force", "party": "PAK"},
        "claims": [{"claimant": name, "stance": "assert", "category": "civilians", "low": 10, "best": 10, "high": 12}],
    }))
    .unwrap();
    input.parse().unwrap()
}

/// A state with the airstrike of the story reported by Afghanistan, two outlets and a monitoring team.
struct World {
    state: State,
    log: Vec<Event>,
    agreement: Agreement,
}

impl World {
    fn new() -> World {
        let mut world = World {
            state: State::default(),
            log: Vec::new(),
            agreement: agreement(),
        };
        for (id, kind, name, grade) in [
            ("afg-1", "party", "AFG", "B2"),
            ("dawn-1", "media", "Dawn", "B2"),
            ("tolo-1", "media", "TOLOnews", "B2"),
        ] {
            let command = Command::FileReport {
                report: Box::new(report(id, kind, name, grade)),
                sealed_commitment: None,
                correlate: true,
                geo: None,
            };
            world.run(command, time(0)).unwrap();
        }
        world
    }

    fn run(&mut self, command: Command, at: DateTime<Utc>) -> Result<Vec<Event>, DomainError> {
        let context = Context {
            at,
            agreement: Some(&self.agreement),
        };
        let events = decide(&self.state, &command, &context)?;
        for event in &events {
            self.state.evolve(event);
            self.log.push(event.clone());
        }
        Ok(events)
    }

    fn verify(&mut self, command: V, hours: i64) -> Result<Vec<Event>, DomainError> {
        self.run(Command::Verify(command), time(hours))
    }

    fn stage(&self) -> Stage {
        self.state.verification().stage(1)
    }
}

fn confirmed() -> DeterminationInput {
    DeterminationInput {
        verdict: Verdict::ViolationConfirmed,
        responsible_party: Some("PAK".into()),
        via_non_state_group: false,
        provisions: vec!["ACT-AIRSTRIKE".into(), "OBL-CEASE".into()],
        severity: Some(Severity::Grave),
        rationale: "Monitors saw the craters; two independent outlets; Pakistan's reply does not dispute the strike."
            .into(),
        evidence: vec![],
        deaths: VerifiedDeaths {
            low: 10,
            best: 10,
            high: 12,
            civilians: 10,
        },
    }
}

fn kinds(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap()["type"].as_str().unwrap().to_string())
        .collect()
}

/// Review, investigation, reply, determination, quorum: the way of the story's airstrike.
fn to_determination(world: &mut World) {
    world.verify(V::StartReview { incident: 1 }, 1).unwrap();
    world
        .verify(
            V::AssignTask {
                incident: 1,
                team: code("MVM"),
                due: time(48),
                description: "Visit the site in Paktika".into(),
            },
            2,
        )
        .unwrap();
    world
        .verify(
            V::FileFindings {
                incident: 1,
                task: Some(1),
                summary: "Three craters; debris of guided munitions".into(),
                evidence: vec![],
                observed: true,
            },
            20,
        )
        .unwrap();
    world
        .verify(
            V::RequestReply {
                incident: 1,
                party: code("PAK"),
            },
            21,
        )
        .unwrap();
    assert_eq!(world.stage(), Stage::AwaitingReply);
    world
        .verify(
            V::IssueDetermination {
                incident: 1,
                input: Box::new(confirmed()),
            },
            22,
        )
        .unwrap();
    assert_eq!(world.stage(), Stage::Determined);
}

#[test]
fn an_allegation_becomes_a_final_determination_with_its_penalties() {
    let mut world = World::new();
    to_determination(&mut world);
    world
        .verify(
            V::FileReply {
                incident: 1,
                party: code("PAK"),
                text: "The strike targeted militants who attacked our posts.".into(),
                evidence: vec![],
            },
            30,
        )
        .unwrap();
    let first = world
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("QAT"),
            },
            31,
        )
        .unwrap();
    assert_eq!(
        kinds(&first),
        ["determination_approved"],
        "one of two approvals is not a quorum"
    );
    let second = world
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("TUR"),
            },
            32,
        )
        .unwrap();
    assert_eq!(
        kinds(&second),
        [
            "determination_approved",
            "determination_final",
            "penalty_proposed",
            "penalty_proposed"
        ]
    );
    assert_eq!(world.stage(), Stage::Final);
    let penalties = world.state.verification().penalties();
    let codes: Vec<&str> = penalties.iter().map(|p| p.decision.code.as_str()).collect();
    assert_eq!(codes, ["PEN-ATTRIBUTION", "PEN-COMPENSATION"]);
    assert_eq!(penalties[1].decision.amount, Some(100_000.0));

    // The penalty takes effect with both mediators, then compliance is recorded.
    let approved = world
        .verify(
            V::ApprovePenalty {
                penalty: 1,
                mediator: code("QAT"),
            },
            33,
        )
        .unwrap();
    assert_eq!(kinds(&approved), ["penalty_approved"]);
    let approved = world
        .verify(
            V::ApprovePenalty {
                penalty: 1,
                mediator: code("TUR"),
            },
            34,
        )
        .unwrap();
    assert_eq!(kinds(&approved), ["penalty_approved", "penalty_in_effect"]);
    world
        .verify(
            V::RecordCompliance {
                penalty: 1,
                complied: true,
                note: "Attribution published in the bulletin".into(),
            },
            40,
        )
        .unwrap();
    assert_eq!(world.state.verification().penalties()[0].state, PenaltyState::Complied);

    // Pakistan's dissent stands beside the determination.
    world
        .verify(
            V::AttachStatement {
                incident: 1,
                party: code("PAK"),
                text: "Pakistan rejects the attribution.".into(),
            },
            41,
        )
        .unwrap();
    let case = world.state.verification().case(1).unwrap();
    assert_eq!(case.current().unwrap().statements.len(), 1);

    let cards = scorecards(
        &world.agreement,
        world.state.verification().cases().map(|(_, c)| c),
        world.state.verification().penalties(),
        |party| world.state.filed_by_party(party.as_str()),
        time(50),
    );
    assert_eq!((cards[0].party.as_str(), cards[0].allegations_filed), ("AFG", 1));
    let pakistan = &cards[1];
    assert_eq!(
        (
            pakistan.allegations_received,
            pakistan.confirmed,
            pakistan.replies_on_time
        ),
        (1, 1, 1)
    );
    assert_eq!((pakistan.penalties_complied, pakistan.penalties_proposed), (1, 1));
}

#[test]
fn the_reply_window_holds_finality_unless_urgency_is_invoked() {
    let mut world = World::new();
    to_determination(&mut world);
    // The reply window runs 48 hours from hour 21: until hour 69.
    world
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("QAT"),
            },
            23,
        )
        .unwrap();
    let approved = world
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("TUR"),
            },
            24,
        )
        .unwrap();
    assert_eq!(
        kinds(&approved),
        ["determination_approved"],
        "quorum, but PAK may still reply"
    );
    let refused = world.verify(V::Finalize { incident: 1 }, 60).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "determination 1 of incident 1 cannot be final yet: PAK may reply until 2025-10-27T21:00:00+00:00 (or a mediator invokes urgency)"
    );
    let mut urgent = World::new();
    to_determination(&mut urgent);
    urgent
        .verify(
            V::InvokeUrgency {
                incident: 1,
                mediator: code("TUR"),
                reason: "Strikes continue; a finding is needed now".into(),
            },
            23,
        )
        .unwrap();
    urgent
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("QAT"),
            },
            23,
        )
        .unwrap();
    let approved = urgent
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("TUR"),
            },
            24,
        )
        .unwrap();
    assert_eq!(kinds(&approved)[..2], ["determination_approved", "determination_final"]);
    // Without urgency, the window's close allows it.
    let finalized = world.verify(V::Finalize { incident: 1 }, 69).unwrap();
    assert_eq!(kinds(&finalized)[0], "determination_final");
    // The reply that never came counts as missed.
    let cards = scorecards(
        &world.agreement,
        world.state.verification().cases().map(|(_, c)| c),
        world.state.verification().penalties(),
        |_| 0,
        time(70),
    );
    assert_eq!(cards[1].replies_missed, 1);
}

#[test]
fn an_appeal_reopens_withdraws_penalties_and_a_redetermination_needs_a_new_quorum() {
    let mut world = World::new();
    to_determination(&mut world);
    world
        .verify(
            V::InvokeUrgency {
                incident: 1,
                mediator: code("QAT"),
                reason: "urgent".into(),
            },
            23,
        )
        .unwrap();
    world
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("QAT"),
            },
            23,
        )
        .unwrap();
    world
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("TUR"),
            },
            23,
        )
        .unwrap();
    assert_eq!(world.state.verification().violations().len(), 1);
    // The appeal window is 72 hours after finality (hour 23).
    let late = world
        .verify(
            V::Appeal {
                incident: 1,
                party: code("PAK"),
                grounds: "new evidence".into(),
            },
            96,
        )
        .unwrap_err();
    assert!(
        matches!(
            late,
            DomainError::Verification(VerificationError::AppealWindowClosed { .. })
        ),
        "{late}"
    );
    let appealed = world
        .verify(
            V::Appeal {
                incident: 1,
                party: code("PAK"),
                grounds: "Satellite images show no strike at that hour".into(),
            },
            90,
        )
        .unwrap();
    let Event::AppealFiled {
        withdrawn_penalties, ..
    } = &appealed[0]
    else {
        panic!("{appealed:?}")
    };
    assert_eq!(withdrawn_penalties, &vec![1, 2]);
    assert_eq!(world.stage(), Stage::Appealed);
    assert!(world.state.verification().violations().is_empty());
    let mut softer = confirmed();
    softer.severity = Some(Severity::Serious);
    world
        .verify(
            V::IssueDetermination {
                incident: 1,
                input: Box::new(softer),
            },
            100,
        )
        .unwrap();
    assert_eq!(world.stage(), Stage::Redetermined);
    let one = world
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("QAT"),
            },
            101,
        )
        .unwrap();
    assert_eq!(
        kinds(&one),
        ["determination_approved"],
        "the earlier approvals were for determination 1"
    );
    world
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("TUR"),
            },
            102,
        )
        .unwrap();
    assert_eq!(world.stage(), Stage::Final);
    assert_eq!(world.state.verification().violations()[0].severity, Severity::Serious);
}

#[test]
fn refusals_name_their_reason() {
    let mut world = World::new();
    let refused = |world: &mut World, command: V, hours: i64| world.verify(command, hours).unwrap_err().to_string();
    assert_eq!(
        refused(&mut world, V::Finalize { incident: 1 }, 1),
        "incident 1 is reported: finalize is not allowed; allowed next: start_review, close_as_duplicate"
    );
    assert_eq!(
        refused(&mut world, V::StartReview { incident: 9 }, 1),
        "incident 9 does not exist"
    );
    world.verify(V::StartReview { incident: 1 }, 1).unwrap();
    assert_eq!(
        refused(
            &mut world,
            V::RequestReply {
                incident: 1,
                party: code("IND")
            },
            2
        ),
        "IND is not a party to the agreement"
    );
    assert_eq!(
        refused(
            &mut world,
            V::AssignTask {
                incident: 1,
                team: code("QAT"),
                due: time(5),
                description: "x".into()
            },
            2
        ),
        "QAT is not a monitoring team of the agreement"
    );
    // Without the monitors' observation the airstrike cannot be confirmed.
    let mut unobserved = World::new();
    unobserved.verify(V::StartReview { incident: 1 }, 1).unwrap();
    let refusal = unobserved
        .verify(
            V::IssueDetermination {
                incident: 1,
                input: Box::new(confirmed()),
            },
            2,
        )
        .unwrap_err()
        .to_string();
    assert!(
        refusal.starts_with("verdict: the verification rules do not allow confirming a violation: ACT-AIRSTRIKE needs a monitor's own observation"),
        "{refusal}"
    );
    let mut determined = World::new();
    to_determination(&mut determined);
    determined
        .verify(
            V::Approve {
                incident: 1,
                mediator: code("QAT"),
            },
            23,
        )
        .unwrap();
    assert_eq!(
        refused(
            &mut determined,
            V::Approve {
                incident: 1,
                mediator: code("QAT")
            },
            24
        ),
        "QAT has already approved determination 1 of incident 1"
    );
    assert_eq!(
        refused(
            &mut determined,
            V::Approve {
                incident: 1,
                mediator: code("AFG")
            },
            24
        ),
        "AFG is not a mediator of the agreement"
    );
    assert_eq!(
        refused(
            &mut determined,
            V::ApprovePenalty {
                penalty: 1,
                mediator: code("QAT")
            },
            24
        ),
        "penalty 1 does not exist"
    );
    // Nothing refused was recorded.
    let before = determined.log.len();
    let _ = determined.verify(V::Finalize { incident: 1 }, 25);
    assert_eq!(determined.log.len(), before);
}

/// A random command of the verification vocabulary, for incident 1 or penalty 1-2.
fn any_command() -> impl Strategy<Value = V> {
    let party = prop_oneof![Just("AFG"), Just("PAK")].prop_map(code);
    let mediator = prop_oneof![Just("QAT"), Just("TUR")].prop_map(code);
    prop_oneof![
        Just(V::StartReview { incident: 1 }),
        Just(V::FileFindings {
            incident: 1,
            task: None,
            summary: "seen".into(),
            evidence: vec![],
            observed: true
        }),
        party.clone().prop_map(|party| V::RequestReply { incident: 1, party }),
        party.clone().prop_map(|party| V::FileReply {
            incident: 1,
            party,
            text: "reply".into(),
            evidence: vec![]
        }),
        Just(V::IssueDetermination {
            incident: 1,
            input: Box::new(confirmed())
        }),
        mediator
            .clone()
            .prop_map(|mediator| V::Approve { incident: 1, mediator }),
        mediator.clone().prop_map(|mediator| V::InvokeUrgency {
            incident: 1,
            mediator,
            reason: "urgent".into()
        }),
        Just(V::Finalize { incident: 1 }),
        party.prop_map(|party| V::Appeal {
            incident: 1,
            party,
            grounds: "grounds".into()
        }),
        (1u64..3, mediator).prop_map(|(penalty, mediator)| V::ApprovePenalty { penalty, mediator }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn finality_needs_its_quorum_and_the_reply_window_and_replay_reproduces_everything(
        steps in proptest::collection::vec((any_command(), 0i64..12), 1..40)
    ) {
        let mut world = World::new();
        let mut hours = 0;
        for (command, advance) in steps {
            hours += advance;
            let events = match world.verify(command, hours) {
                Ok(events) => events,
                Err(_) => continue,
            };
            for event in &events {
                if let Event::DeterminationFinal { incident, finalized_at, .. } = event {
                    let case = world.state.verification().case(*incident).unwrap();
                    let current = case.current().unwrap();
                    prop_assert!(current.approvals.len() >= 2, "final with {:?}", current.approvals);
                    if current.urgency.is_none() {
                        for reply in &case.replies {
                            prop_assert!(
                                reply.reply.is_some() || *finalized_at >= reply.due,
                                "final at {finalized_at} before {}'s window closed at {}", reply.party, reply.due
                            );
                        }
                    }
                }
            }
        }
        // Replaying the log gives the same cases, violations and penalties.
        let mut replayed = State::default();
        for event in &world.log {
            replayed.evolve(event);
        }
        let original = world.state.verification();
        let again = replayed.verification();
        prop_assert_eq!(original.case(1), again.case(1));
        prop_assert_eq!(original.violations(), again.violations());
        prop_assert_eq!(original.penalties(), again.penalties());
        // Every event survives its trip through JSON (the log's encoding).
        for event in &world.log {
            let bytes = serde_json::to_vec(event).unwrap();
            prop_assert_eq!(&serde_json::from_slice::<Event>(&bytes).unwrap(), event);
        }
    }
}
