//! decide and evolve: filing, correlation, idempotence, merge and split,
//! and refusals with their reasons; replaying the events rebuilds the state.

use truce_domain::event::{Envelope, Event, Placement};
use truce_domain::report::{Report, ReportInput};
use truce_domain::state::{Command, Context, DomainError, State, decide};

fn now() -> Context<'static> {
    Context::at(chrono::Utc::now())
}

fn report(source: &str, latitude: f64) -> Report {
    let input: ReportInput = serde_json::from_value(serde_json::json!({
        "external_id": format!("{source}-1"),
        "source": {"type": "media", "name": source, "grading": "B2"},
        "time": {"start": "2025-10-12T02:00:00+05:00", "precision": "hour"},
        "location": {"latitude": latitude, "longitude": 71.1, "precision": "exact"},
        "act": "ACT-SHELLING",
        "claims": [{"claimant": source, "stance": "assert", "category": "side_b", "low": 20, "best": 10, "high": 30}],
    }))
    .unwrap();
    input.parse().unwrap()
}

fn run(state: &mut State, log: &mut Vec<Event>, command: Command) -> Result<Vec<Event>, DomainError> {
    let events = decide(state, &command, &Context::at(chrono::Utc::now()))?;
    for event in &events {
        state.evolve(event);
        log.push(event.clone());
    }
    Ok(events)
}

fn file(report: Report) -> Command {
    Command::FileReport {
        report: Box::new(report),
        sealed_commitment: None,
        correlate: true,
        geo: None,
    }
}

#[test]
fn reports_correlate_merge_split_and_replay() {
    let (mut state, mut log) = (State::default(), Vec::new());
    run(&mut state, &mut log, file(report("Dawn", 34.10))).unwrap();
    let events = run(&mut state, &mut log, file(report("Tolo", 34.11))).unwrap();
    let Event::ReportFiled {
        report_id: 2,
        placement: Placement::JoinedIncident(1),
        warnings,
        ..
    } = &events[0]
    else {
        panic!("{events:?}");
    };
    assert_eq!(warnings.len(), 1, "low > best is a warning");
    let events = run(&mut state, &mut log, file(report("Geo", 35.5))).unwrap();
    assert!(matches!(
        events[0],
        Event::ReportFiled {
            report_id: 3,
            placement: Placement::OpenedIncident(2),
            ..
        }
    ));
    // The same report again adds nothing.
    assert!(
        run(&mut state, &mut log, file(report("Dawn", 34.10)))
            .unwrap()
            .is_empty()
    );

    run(
        &mut state,
        &mut log,
        Command::MergeIncidents {
            into: 1,
            from: 2,
            reason: "same strike".into(),
        },
    )
    .unwrap();
    assert_eq!(state.members(1), [1, 2, 3]);
    assert_eq!(state.incident_count(), 1);
    let events = run(
        &mut state,
        &mut log,
        Command::SplitIncident {
            from: 1,
            report_ids: vec![3],
            reason: "another village".into(),
        },
    )
    .unwrap();
    assert!(matches!(events[0], Event::IncidentSplit { into: 3, .. }));
    assert_eq!(
        (state.members(1), state.members(3)),
        ([1u64, 2].as_slice(), [3u64].as_slice())
    );

    // Replaying the envelopes' bytes rebuilds the same state.
    let mut replayed = State::default();
    for event in &log {
        let bytes = Envelope::new(chrono::Utc::now(), "test", event.clone()).to_bytes();
        replayed.evolve(&Envelope::from_bytes(&bytes).unwrap().event);
    }
    for report in 1..=3 {
        assert_eq!(replayed.incident_of(report), state.incident_of(report));
    }
    assert_eq!(
        decide(&replayed, &file(report("Tolo", 34.11)), &now()).unwrap(),
        Vec::new()
    );
}

#[test]
fn refusals_say_why() {
    let (mut state, mut log) = (State::default(), Vec::new());
    run(&mut state, &mut log, file(report("Dawn", 34.10))).unwrap();
    let merge = |into, from, reason: &str| Command::MergeIncidents {
        into,
        from,
        reason: reason.into(),
    };
    assert_eq!(
        decide(&state, &merge(1, 1, "x"), &now()),
        Err(DomainError::MergeIntoItself)
    );
    assert_eq!(
        decide(&state, &merge(1, 9, "x"), &now()),
        Err(DomainError::NoSuchIncident(9))
    );
    assert_eq!(
        decide(&state, &merge(1, 2, " "), &now()),
        Err(DomainError::ReasonRequired)
    );
    let split = |ids: Vec<u64>| Command::SplitIncident {
        from: 1,
        report_ids: ids,
        reason: "x".into(),
    };
    assert_eq!(
        decide(&state, &split(vec![1]), &now()),
        Err(DomainError::SplitMovesNothingOrAll)
    );
    assert_eq!(
        decide(&state, &split(vec![7]), &now()),
        Err(DomainError::NotInIncident { report: 7, incident: 1 })
    );
}

#[test]
fn enum_names_match_their_json() {
    use truce_domain::report::{DeathCategory, SourceType, Stance};
    let json = |value: serde_json::Value| value.as_str().unwrap().to_string();
    for stance in [Stance::Assert, Stance::Deny, Stance::Dispute] {
        assert_eq!(stance.as_str(), json(serde_json::to_value(stance).unwrap()));
    }
    for source in [
        SourceType::Party,
        SourceType::Monitor,
        SourceType::Media,
        SourceType::Sensor,
        SourceType::Public,
    ] {
        assert_eq!(source.as_str(), json(serde_json::to_value(source).unwrap()));
    }
    use truce_domain::report::{LocationPrecision as L, TimePrecision as T};
    for precision in [
        L::Exact,
        L::Within25Km,
        L::District,
        L::Province,
        L::LinearFeature,
        L::Country,
        L::InternationalWaters,
    ] {
        assert_eq!(precision.as_str(), json(serde_json::to_value(precision).unwrap()));
    }
    for precision in [T::Hour, T::Day, T::Days, T::Week, T::Month, T::Year] {
        assert_eq!(precision.as_str(), json(serde_json::to_value(precision).unwrap()));
    }
    use DeathCategory::*;
    for category in [SideA, SideB, Civilians, Unknown, Total] {
        assert_eq!(category.as_str(), json(serde_json::to_value(category).unwrap()));
    }
}

#[test]
fn oversized_fields_are_refused_by_name() {
    let mut input: ReportInput = serde_json::from_value(serde_json::json!({
        "external_id": "x",
        "source": {"type": "media", "name": "Dawn", "grading": "B2"},
        "time": {"start": "2025-10-12T02:00:00+05:00", "precision": "hour"},
        "location": {"latitude": 34.0, "longitude": 71.0, "precision": "exact"},
    }))
    .unwrap();
    input.narrative = "x".repeat(20_001);
    input.source.name = "y".repeat(301);
    let errors = input.parse().unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["source.name", "narrative"]);
}

#[test]
fn every_event_round_trips_through_its_envelope() {
    use truce_domain::codes::Code;
    use truce_domain::event::CustodyAction;
    let report = report("Dawn", 34.1);
    let events = [
        Event::AgreementRegistered {
            agreement_id: Code::parse("DOHA-2025").unwrap(),
            version: 1,
            title: "t".into(),
            document_sha256: "00".repeat(32),
        },
        Event::ReportFiled {
            report_id: 1,
            placement: Placement::OpenedIncident(1),
            report: Box::new(report),
            sealed_commitment: Some("ab".repeat(32)),
            warnings: vec!["w".into()],
            geo: None,
        },
        Event::EvidenceRegistered {
            sha256: "cd".repeat(32),
            media_type: "image/jpeg".into(),
            size: 10,
            collected_by: "Team 3".into(),
            source_url: Some("https://example.org/x".into()),
            report_id: Some(1),
        },
        Event::CustodyRecorded {
            sha256: "cd".repeat(32),
            action: CustodyAction::Transferred,
            custodian: "Team 3".into(),
            recipient: Some("HQ".into()),
            note: "sealed bag 12".into(),
        },
        Event::IncidentsMerged {
            into: 1,
            from: 2,
            reason: "same".into(),
        },
        Event::IncidentSplit {
            from: 1,
            into: 3,
            report_ids: vec![2],
            reason: "two".into(),
        },
        Event::BulletinPublished {
            period_kind: truce_domain::bulletin::PeriodKind::Weekly,
            period_start: chrono::Utc::now(),
            period_end: chrono::Utc::now(),
            edition: 2,
            checkpoint_size: 646,
            checkpoint_root: "3BxG6+ZzsS/n3tDwLCAYaJHDP3IqzbQoy7o6px79Tvw=".into(),
            document_sha256: "ef".repeat(32),
            document_size: 5489,
            headline: Some(truce_domain::bulletin::Headline::default()),
        },
        Event::Disclosed {
            incident: 3,
            openings: vec![truce_domain::disclosure::DisclosedOpening {
                index: 12,
                group: truce_domain::disclosure::Group::Narrative,
                salt: truce_domain::sealed::Salt([0xab; 32]),
                fields: serde_json::from_str(r#"{"report.narrative":"x"}"#).unwrap(),
            }],
            withheld: vec![truce_domain::disclosure::WithheldDigests {
                index: 12,
                digests: [(truce_domain::disclosure::Group::Account, "cd".repeat(32))].into(),
            }],
        },
    ];
    use truce_domain::disclosure::{Disclosure, Seed, check_openings, join, split};
    for event in events {
        let envelope = Envelope::new(chrono::Utc::now(), "someone", event).acting("monitor");
        assert_eq!(Envelope::from_bytes(&envelope.to_bytes()).unwrap(), envelope);
        // Split for the log and joined with its openings, each event is whole
        // again, whatever the agreement discloses when; its openings open
        // its commitments, and the public form never names the account.
        for (policy, final_already) in [
            (Disclosure::default(), false),
            (Disclosure::default(), true),
            (Disclosure::all_at_intake(), false),
        ] {
            let split = split(&envelope, &policy, final_already, Seed::fresh());
            assert_eq!(join(&split.public, &split.openings).unwrap(), envelope);
            check_openings(7, &split.public, &split.openings, &Default::default()).unwrap();
            let public = String::from_utf8(split.public.clone()).unwrap();
            if policy != Disclosure::all_at_intake() {
                assert!(!public.contains("someone"), "{public}");
            }
        }
    }
}

proptest::proptest! {
    /// Replaying the log must rebuild the projections bit for bit, so an
    /// event's floats must come back from its JSON exactly.
    #[test]
    fn coordinates_survive_the_envelope_exactly(latitude in -90.0f64..=90.0, longitude in -180.0f64..=180.0) {
        let mut report = report("Dawn", 0.0);
        report.location.latitude = truce_domain::report::Latitude::new(latitude).unwrap();
        report.location.longitude = truce_domain::report::Longitude::new(longitude).unwrap();
        let event = Event::ReportFiled {
            report_id: 1,
            placement: Placement::OpenedIncident(1),
            report: Box::new(report),
            sealed_commitment: None,
            warnings: Vec::new(),
            geo: None,
        };
        let envelope = Envelope::new(chrono::Utc::now(), "p", event);
        proptest::prop_assert_eq!(Envelope::from_bytes(&envelope.to_bytes()).unwrap(), envelope);
    }
}
