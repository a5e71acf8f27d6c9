//! Correlation against ground truth: synthetic incidents, each reported by
//! several sources with jittered times and places, must come back together
//! (pairwise precision and recall at least 0.95), and reports that disagree
//! on act or perpetrator, or lie too far apart, must stay apart.

use truce_domain::correlate::{CorrelationRules, Correlator, correlate_in_order};
use truce_domain::report::{Report, ReportInput};
use truce_domain::synthetic::{SyntheticWorld, generate, pairwise_scores};

fn correlate(reports: &[Report]) -> Vec<u64> {
    correlate_in_order(CorrelationRules::default(), reports)
}

#[test]
fn synthetic_incidents_are_found_again() {
    let labelled = generate(SyntheticWorld::default(), 20_000);
    let reports: Vec<Report> = labelled.iter().map(|l| l.input.parse().unwrap()).collect();
    let truth: Vec<u64> = labelled.iter().map(|l| l.true_incident).collect();
    let (precision, recall) = pairwise_scores(&truth, &correlate(&reports));
    eprintln!("pairwise precision {precision:.4}, recall {recall:.4}");
    assert!(precision >= 0.95, "precision {precision}");
    assert!(recall >= 0.95, "recall {recall}");
}

fn report(json: serde_json::Value) -> Report {
    serde_json::from_value::<ReportInput>(json).unwrap().parse().unwrap()
}

fn base() -> serde_json::Value {
    serde_json::json!({
        "external_id": "a",
        "source": {"type": "media", "name": "Dawn", "grading": "B2"},
        "time": {"start": "2025-10-12T02:00:00+05:00", "precision": "hour"},
        "location": {"latitude": 34.1, "longitude": 71.1, "precision": "exact"},
        "actor1": {"name": "PAK forces", "party": "PAK"},
        "act": "ACT-SHELLING",
    })
}

fn with(mut value: serde_json::Value, pointer: &str, new: serde_json::Value) -> serde_json::Value {
    *value.pointer_mut(pointer).unwrap() = new;
    value
}

#[test]
fn the_rule_keeps_apart_what_disagrees() {
    let check = |other: serde_json::Value, together: bool| {
        let other = with(other, "/source/name", serde_json::json!("Tolo News"));
        let incidents = correlate(&[report(base()), report(other.clone())]);
        assert_eq!(incidents[0] == incidents[1], together, "{other}");
    };
    check(with(base(), "/location/latitude", serde_json::json!(34.15)), true);
    check(with(base(), "/location/latitude", serde_json::json!(34.6)), false);
    check(
        with(base(), "/time/start", serde_json::json!("2025-10-12T20:00:00+05:00")),
        true,
    );
    check(
        with(base(), "/time/start", serde_json::json!("2025-10-14T20:00:00+05:00")),
        false,
    );
    check(with(base(), "/act", serde_json::json!("ACT-CLASH")), false);
    check(with(base(), "/actor1/party", serde_json::json!("AFG")), false);
    check(with(base(), "/actor1", serde_json::json!(null)), true);
    // A report known only to the province is too vague to place.
    check(with(base(), "/location/precision", serde_json::json!("country")), false);
    // A source reports an event once: its second report is another event.
    let incidents = correlate(&[report(base()), report(base())]);
    assert_ne!(incidents[0], incidents[1]);
}

#[test]
fn merge_and_reset_keep_the_index_right() {
    let a = report(base());
    let far = report(with(base(), "/location/latitude", serde_json::json!(35.5)));
    let near_a = report(with(base(), "/source/name", serde_json::json!("Tolo News")));
    let near_far = report(with(
        with(base(), "/source/name", serde_json::json!("Tolo News")),
        "/location/latitude",
        serde_json::json!(35.5),
    ));
    let mut correlator = Correlator::new(CorrelationRules::default());
    correlator.open(1, &a);
    correlator.open(2, &far);
    correlator.merge(1, 2);
    assert!(correlator.footprint(2).is_none());
    assert_eq!(correlator.best_match(&near_a), Some(1));
    let far_footprint = truce_domain::correlate::IncidentFootprint::of(&far, &correlator.rules());
    correlator.reset(1, &[&far_footprint]);
    assert_eq!(correlator.best_match(&near_a), None);
    assert_eq!(correlator.best_match(&near_far), Some(1));
}
