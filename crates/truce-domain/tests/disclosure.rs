//! The log's public form: what a report's entry says in clear, what it
//! only commits to, and that the openings prove the text received.

use std::collections::{BTreeMap, BTreeSet};
use truce_domain::access::Relation;
use truce_domain::codes::Code;
use truce_domain::disclosure::{
    DisclosedOpening, Disclosure, Group, Opening, OpeningError, Seed, When, WithheldDigests, check_openings, digests,
    join, split, view_for,
};
use truce_domain::event::{Envelope, Event, Placement};
use truce_domain::report::{Report, ReportInput};
use truce_domain::role::Role;

fn canary_report(source_type: &str) -> Report {
    let input: ReportInput = serde_json::from_value(serde_json::json!({
        "external_id": "CANARY-EXTERNAL-ID",
        "source": {"type": source_type, "name": "CANARY-SOURCE", "owner": "CANARY-OWNER", "grading": "B2"},
        "time": {"start": "2025-10-12T02:00:00+05:00", "precision": "hour"},
        "location": {"latitude": 34.123456, "longitude": 71.987654, "precision": "exact", "name": "CANARY-PLACE"},
        "actor1": {"name": "CANARY-ACTOR", "party": "PAK"},
        "act": "ACT-SHELLING",
        "narrative": "CANARY-NARRATIVE \"quoted\" and\nlined",
        "claims": [{"claimant": "CANARY-CLAIMANT", "stance": "assert", "category": "side_b", "low": 58, "best": 58, "high": 58}],
    }))
    .unwrap();
    input.parse().unwrap()
}

fn filed(report: Report) -> Envelope {
    Envelope::new(
        chrono::Utc::now(),
        "canary-account",
        Event::ReportFiled {
            report_id: 1,
            placement: Placement::OpenedIncident(1),
            report: Box::new(report),
            sealed_commitment: None,
            warnings: Vec::new(),
            geo: None,
        },
    )
    .acting("monitor")
}

#[test]
fn a_report_entry_says_in_clear_only_what_is_public() {
    for source_type in ["media", "monitor", "public", "party"] {
        let envelope = filed(canary_report(source_type));
        let split = split(&envelope, &Disclosure::default(), false, Seed::fresh());
        let public = String::from_utf8(split.public.clone()).unwrap();
        assert!(!public.contains("CANARY"), "{source_type}: {public}");
        assert!(!public.contains("canary-account"), "{public}");
        let value: serde_json::Value = serde_json::from_slice(&split.public).unwrap();
        // Public: who acted by role, the act, the accused party, the grading, the place to 0.1°.
        assert_eq!(value["by"], "monitor");
        assert_eq!(value["report"]["act"], "ACT-SHELLING");
        assert_eq!(value["report"]["actor1"]["party"], "PAK");
        assert_eq!(value["report"]["source"]["grading"], "B2");
        assert_eq!(value["report"]["location"]["latitude"], 34.1);
        assert_eq!(value["report"]["location"]["longitude"], 72.0);
        // One commitment over the groups' digests, which the openings give.
        let commitment = value["commitment"].as_str().unwrap();
        assert!(commitment.len() == 64 && commitment.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(value.get("commitments").is_none(), "{value}");
        let committed: BTreeSet<&str> = split.openings.iter().map(|o| o.group.as_str()).collect();
        let source_group = match source_type {
            "monitor" => "team",
            "public" => "person",
            _ => "source",
        };
        let expected: BTreeSet<&str> = ["account", "actors", "claims", "narrative", "place", source_group].into();
        assert_eq!(committed, expected);
        assert_eq!(join(&split.public, &split.openings).unwrap(), envelope);
    }
}

#[test]
fn a_changed_opening_is_named_by_index() {
    let envelope = filed(canary_report("media"));
    let split = split(&envelope, &Disclosure::default(), false, Seed::fresh());
    let none = BTreeMap::new();
    check_openings(41, &split.public, &split.openings, &none).unwrap();
    let all = digests(&split.openings);
    let claims_only = |openings: &[Opening]| -> Vec<Opening> {
        openings.iter().filter(|o| o.group == Group::Claims).cloned().collect()
    };
    let others: BTreeMap<Group, String> = all.clone().into_iter().filter(|(g, _)| *g != Group::Claims).collect();
    // One group opened, with the digests of the others.
    check_openings(41, &split.public, &claims_only(&split.openings), &others).unwrap();
    let mut forged = split.openings.clone();
    let claims = forged.iter_mut().find(|o| o.group == Group::Claims).unwrap();
    claims.text = claims.text.replace("58", "23");
    assert_eq!(
        check_openings(41, &split.public, &claims_only(&forged), &others),
        Err(OpeningError::DoNotOpen {
            index: 41,
            groups: vec![Group::Claims],
            withheld: vec![
                Group::Account,
                Group::Narrative,
                Group::Place,
                Group::Actors,
                Group::Source
            ],
        })
    );
    let error = check_openings(41, &split.public, &forged, &none).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the openings of account, narrative, place, actors, claims, source do not match entry 41's commitment"
    );
    // Without the others' digests, or with a wrong one, or a group twice, nothing checks.
    assert!(check_openings(41, &split.public, &claims_only(&split.openings), &none).is_err());
    let mut wrong = others.clone();
    wrong.insert(Group::Narrative, "00".repeat(32));
    assert!(check_openings(41, &split.public, &claims_only(&split.openings), &wrong).is_err());
    assert!(check_openings(41, &split.public, &split.openings, &all).is_err());
    let mut wrong_salt = split.openings.clone();
    wrong_salt[0].salt = truce_domain::sealed::Salt([0; 32]);
    assert!(check_openings(41, &split.public, &wrong_salt, &none).is_err());
    // An entry that commits to nothing opens nothing.
    let plain = split_of_nothing();
    assert_eq!(
        check_openings(41, &plain, &split.openings[..1], &none),
        Err(OpeningError::NoCommitment {
            index: 41,
            group: split.openings[0].group
        })
    );
}

/// An entry that commits to nothing: a review started.
fn split_of_nothing() -> Vec<u8> {
    let envelope = Envelope::new(chrono::Utc::now(), "system", Event::ReviewStarted { incident: 1 }).acting("system");
    split(&envelope, &Disclosure::all_at_intake(), false, Seed::fresh()).public
}

/// A log written with a commitment a group (envelope version 2) stays verifiable.
#[test]
fn a_version_2_entry_checks_group_by_group() {
    let envelope = filed(canary_report("media"));
    let split = split(&envelope, &Disclosure::default(), false, Seed::fresh());
    let mut form: serde_json::Value = serde_json::from_slice(&split.public).unwrap();
    let object = form.as_object_mut().unwrap();
    object.remove("commitment");
    object.insert("v".into(), 2.into());
    object.insert(
        "commitments".into(),
        serde_json::to_value(digests(&split.openings)).unwrap(),
    );
    let v2 = serde_json::to_vec(&form).unwrap();
    let none = BTreeMap::new();
    check_openings(5, &v2, &split.openings, &none).unwrap();
    let mut forged = split.openings.clone();
    let claims = forged.iter_mut().find(|o| o.group == Group::Claims).unwrap();
    claims.text = claims.text.replace("58", "23");
    assert_eq!(
        check_openings(5, &v2, &forged, &none),
        Err(OpeningError::Differs {
            index: 5,
            group: Group::Claims
        })
    );
    let mut unknown = split.openings.clone();
    unknown[0].group = Group::Rationale;
    assert_eq!(
        check_openings(5, &v2, &unknown[..1], &none),
        Err(OpeningError::NoCommitment {
            index: 5,
            group: Group::Rationale
        })
    );
    assert_eq!(join(&v2, &split.openings).unwrap().event, envelope.event);
}

#[test]
fn the_agreement_decides_what_is_clear_at_intake() {
    let envelope = filed(canary_report("media"));
    let policy = Disclosure::default().with(Group::Narrative, When::Intake);
    let split = split(&envelope, &policy, false, Seed::fresh());
    let public = String::from_utf8(split.public.clone()).unwrap();
    assert!(public.contains("CANARY-NARRATIVE"));
    assert!(!public.contains("CANARY-SOURCE"));
    // Once the incident is final, what is due at finality is public at once.
    let split = truce_domain::disclosure::split(&envelope, &Disclosure::default(), true, Seed::fresh());
    let public = String::from_utf8(split.public).unwrap();
    assert!(public.contains("CANARY-CLAIMANT") && public.contains("CANARY-SOURCE"));
    assert!(!public.contains("canary-account"));
}

#[test]
fn each_role_sees_what_it_may() {
    let envelope = filed(canary_report("media"));
    let split = split(&envelope, &Disclosure::default(), false, Seed::fresh());
    let text = |role: &Role, relation: Relation| {
        serde_json::to_string(&view_for(
            role,
            relation,
            &split.public,
            &split.openings,
            &BTreeSet::new(),
        ))
        .unwrap()
    };
    let pak = Role::Party(Code::parse("PAK").unwrap());
    let accused = text(&pak, Relation::VisibleIncident);
    assert!(accused.contains("CANARY-NARRATIVE") && accused.contains("CANARY-CLAIMANT"));
    assert!(!accused.contains("CANARY-SOURCE") && !accused.contains("canary-account"));
    assert!(!text(&pak, Relation::Other).contains("CANARY"));
    assert!(!text(&Role::Observer, Relation::VisibleIncident).contains("CANARY"));
    let monitor = text(&Role::Monitor(Code::parse("MVM").unwrap()), Relation::Other);
    assert!(monitor.contains("CANARY-SOURCE") && monitor.contains("canary-account"));
    // What the log disclosed, everyone sees.
    let disclosed: BTreeSet<Group> = [Group::Narrative].into();
    let observer = view_for(
        &Role::Observer,
        Relation::Other,
        &split.public,
        &split.openings,
        &disclosed,
    );
    assert!(serde_json::to_string(&observer).unwrap().contains("CANARY-NARRATIVE"));
}

proptest::proptest! {
    /// A disclosed opening carries its fields as JSON, not text: its text
    /// must come back byte for byte, or the commitment would not open.
    #[test]
    fn a_disclosed_opening_gives_back_its_text(narrative in "\\PC{0,200}", latitude in -89.9f64..89.9) {
        let mut report = canary_report("media");
        report.narrative = narrative;
        report.location.latitude = truce_domain::report::Latitude::new(latitude).unwrap();
        let split = split(&filed(report), &Disclosure::default(), false, Seed::fresh());
        for opening in &split.openings {
            let disclosed = DisclosedOpening::of(9, opening).unwrap();
            let bytes = serde_json::to_vec(&disclosed).unwrap();
            let back: DisclosedOpening = serde_json::from_slice(&bytes).unwrap();
            proptest::prop_assert_eq!(&back.opening(), opening);
        }
    }
}

/// A `disclosed` entry for incident 1 publishing `openings`, with the digests `withheld`.
fn disclosed_entry(openings: Vec<DisclosedOpening>, withheld: Vec<WithheldDigests>) -> Vec<u8> {
    let envelope = Envelope::new(
        chrono::Utc::now(),
        "system",
        Event::Disclosed {
            incident: 1,
            openings,
            withheld,
        },
    );
    split(&envelope, &Disclosure::default(), true, Seed::fresh()).public
}

#[test]
fn a_verifier_checks_each_disclosure_against_the_commitment_made_at_intake() {
    use truce_domain::disclosure_ledger::{DisclosureLedger, DisclosureMismatch};
    let intake = split(
        &filed(canary_report("media")),
        &Disclosure::default(),
        false,
        Seed::fresh(),
    );
    let claims = intake.openings.iter().find(|o| o.group == Group::Claims).unwrap();
    let honest = DisclosedOpening::of(7, claims).unwrap();
    let mut forged = honest.clone();
    forged.fields["report.claims"][0]["best"] = 23.into();
    let others = vec![WithheldDigests {
        index: 7,
        digests: digests(&intake.openings)
            .into_iter()
            .filter(|(group, _)| *group != Group::Claims)
            .collect(),
    }];

    let mut ledger = DisclosureLedger::new();
    assert!(ledger.entry(7, &intake.public, true).is_empty());
    assert!(
        ledger
            .entry(8, &disclosed_entry(vec![honest.clone()], others.clone()), true)
            .is_empty()
    );
    assert_eq!((ledger.disclosed_events, ledger.openings_checked), (1, 1));
    assert_eq!(
        ledger.entry(9, &disclosed_entry(vec![forged], others.clone()), true),
        [DisclosureMismatch::Differs {
            at: 9,
            index: 7,
            group: Group::Claims
        }]
    );
    // Without the digests of the groups it does not open, it cannot be checked.
    assert_eq!(
        ledger.entry(10, &disclosed_entry(vec![honest.clone()], Vec::new()), true),
        [DisclosureMismatch::Differs {
            at: 10,
            index: 7,
            group: Group::Claims
        }]
    );
    // An opening of an entry the log never committed to, or committed to later.
    let mut elsewhere = honest;
    elsewhere.index = 12;
    assert_eq!(
        ledger.entry(10, &disclosed_entry(vec![elsewhere], others), true),
        [DisclosureMismatch::NoCommitment {
            at: 10,
            index: 12,
            group: Group::Claims
        }]
    );
}
