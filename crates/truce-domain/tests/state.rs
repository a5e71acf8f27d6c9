//! decide and evolve: filing, correlation, idempotence, merge and split,
//! and refusals with their reasons; replaying the events rebuilds the state.

use truce_domain::event::{Envelope, Event};
use truce_domain::report::{Report, ReportInput};
use truce_domain::state::{Command, DomainError, State, decide};

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
    let events = decide(state, &command)?;
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
    }
}

#[test]
fn reports_correlate_merge_split_and_replay() {
    let (mut state, mut log) = (State::default(), Vec::new());
    run(&mut state, &mut log, file(report("Dawn", 34.10))).unwrap();
    let events = run(&mut state, &mut log, file(report("Tolo", 34.11))).unwrap();
    assert!(matches!(
        events[1],
        Event::ReportJoinedIncident {
            incident_id: 1,
            report_id: 2
        }
    ));
    if let Event::ReportFiled { warnings, .. } = &events[0] {
        assert_eq!(warnings.len(), 1, "low > best is a warning");
    }
    let events = run(&mut state, &mut log, file(report("Geo", 35.5))).unwrap();
    assert!(matches!(
        events[1],
        Event::IncidentOpened {
            incident_id: 2,
            report_id: 3
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
    assert_eq!(decide(&replayed, &file(report("Tolo", 34.11))).unwrap(), Vec::new());
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
    assert_eq!(decide(&state, &merge(1, 1, "x")), Err(DomainError::MergeIntoItself));
    assert_eq!(decide(&state, &merge(1, 9, "x")), Err(DomainError::NoSuchIncident(9)));
    assert_eq!(decide(&state, &merge(1, 2, " ")), Err(DomainError::ReasonRequired));
    let split = |ids: Vec<u64>| Command::SplitIncident {
        from: 1,
        report_ids: ids,
        reason: "x".into(),
    };
    assert_eq!(
        decide(&state, &split(vec![1])),
        Err(DomainError::SplitMovesNothingOrAll)
    );
    assert_eq!(
        decide(&state, &split(vec![7])),
        Err(DomainError::NotInIncident { report: 7, incident: 1 })
    );
}
