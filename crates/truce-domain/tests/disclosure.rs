//! The log's public form: what a report's entry says in clear, what it
//! only commits to, and that the openings prove the text received.

use std::collections::BTreeSet;
use truce_domain::access::Relation;
use truce_domain::codes::Code;
use truce_domain::disclosure::{
    DisclosedOpening, Disclosure, Group, OpeningError, When, check_openings, fresh_salt, join, split, view_for,
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
        let split = split(&envelope, &Disclosure::default(), false, fresh_salt);
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
        let committed: BTreeSet<&str> = value["commitments"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
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
fn a_changed_opening_is_named_by_index_and_group() {
    let envelope = filed(canary_report("media"));
    let split = split(&envelope, &Disclosure::default(), false, fresh_salt);
    check_openings(41, &split.public, &split.openings).unwrap();
    let mut forged = split.openings.clone();
    let claims = forged.iter_mut().find(|o| o.group == Group::Claims).unwrap();
    claims.text = claims.text.replace("58", "23");
    assert_eq!(
        check_openings(41, &split.public, &forged),
        Err(OpeningError::Differs {
            index: 41,
            group: Group::Claims
        })
    );
    let mut wrong_salt = split.openings.clone();
    wrong_salt[0].salt = truce_domain::sealed::Salt([0; 32]);
    assert!(check_openings(41, &split.public, &wrong_salt).is_err());
    let mut unknown = split.openings.clone();
    unknown[0].group = Group::Rationale;
    assert_eq!(
        check_openings(41, &split.public, &unknown[..1]),
        Err(OpeningError::NoCommitment {
            index: 41,
            group: Group::Rationale
        })
    );
}

#[test]
fn the_agreement_decides_what_is_clear_at_intake() {
    let envelope = filed(canary_report("media"));
    let policy = Disclosure::default().with(Group::Narrative, When::Intake);
    let split = split(&envelope, &policy, false, fresh_salt);
    let public = String::from_utf8(split.public.clone()).unwrap();
    assert!(public.contains("CANARY-NARRATIVE"));
    assert!(!public.contains("CANARY-SOURCE"));
    // Once the incident is final, what is due at finality is public at once.
    let split = truce_domain::disclosure::split(&envelope, &Disclosure::default(), true, fresh_salt);
    let public = String::from_utf8(split.public).unwrap();
    assert!(public.contains("CANARY-CLAIMANT") && public.contains("CANARY-SOURCE"));
    assert!(!public.contains("canary-account"));
}

#[test]
fn each_role_sees_what_it_may() {
    let envelope = filed(canary_report("media"));
    let split = split(&envelope, &Disclosure::default(), false, fresh_salt);
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
        let split = split(&filed(report), &Disclosure::default(), false, fresh_salt);
        for opening in &split.openings {
            let disclosed = DisclosedOpening::of(9, opening).unwrap();
            let bytes = serde_json::to_vec(&disclosed).unwrap();
            let back: DisclosedOpening = serde_json::from_slice(&bytes).unwrap();
            proptest::prop_assert_eq!(&back.opening(), opening);
        }
    }
}

/// A `disclosed` entry for incident 1 publishing `openings`.
fn disclosed_entry(openings: Vec<DisclosedOpening>) -> Vec<u8> {
    let envelope = Envelope::new(chrono::Utc::now(), "system", Event::Disclosed { incident: 1, openings });
    split(&envelope, &Disclosure::default(), true, fresh_salt).public
}

#[test]
fn a_verifier_checks_each_disclosure_against_the_commitment_made_at_intake() {
    use truce_domain::disclosure_ledger::{DisclosureLedger, DisclosureMismatch};
    let intake = split(
        &filed(canary_report("media")),
        &Disclosure::default(),
        false,
        fresh_salt,
    );
    let claims = intake.openings.iter().find(|o| o.group == Group::Claims).unwrap();
    let honest = DisclosedOpening::of(7, claims).unwrap();
    let mut forged = honest.clone();
    forged.fields["report.claims"][0]["best"] = 23.into();

    let mut ledger = DisclosureLedger::new();
    assert!(ledger.entry(7, &intake.public, true).is_empty());
    assert!(ledger.entry(8, &disclosed_entry(vec![honest.clone()]), true).is_empty());
    assert_eq!((ledger.disclosed_events, ledger.openings_checked), (1, 1));
    assert_eq!(
        ledger.entry(9, &disclosed_entry(vec![forged]), true),
        [DisclosureMismatch::Differs {
            at: 9,
            index: 7,
            group: Group::Claims
        }]
    );
    // An opening of an entry the log never committed to, or committed to later.
    let mut elsewhere = honest;
    elsewhere.index = 12;
    assert_eq!(
        ledger.entry(10, &disclosed_entry(vec![elsewhere]), true),
        [DisclosureMismatch::NoCommitment {
            at: 10,
            index: 12,
            group: Group::Claims
        }]
    );
}
