//! The agreement document: the shipped example loads, and every kind of
//! mistake is reported with its field path and line, all at once.

use chrono::{TimeZone, Utc};
use truce_domain::agreement::{Agreement, ObligationKind, PenaltyKind, ZoneShape};
use truce_domain::codes::Code;

const EXAMPLE: &str = include_str!("../../../examples/doha-ceasefire.toml");

#[test]
fn the_doha_example_loads() {
    let agreement = Agreement::from_toml(EXAMPLE).unwrap();
    assert_eq!(agreement.id.as_str(), "DOHA-2025");
    assert_eq!(agreement.parties.len(), 2);
    assert_eq!(agreement.process.approvals_required, 2);
    // 18:00 in Pakistan (UTC+5) is 13:00 UTC; the truce lasted 48 hours.
    let truce = &agreement.windows[0];
    assert_eq!(truce.starts, Utc.with_ymd_and_hms(2025, 10, 15, 13, 0, 0).unwrap());
    assert_eq!(truce.ends, Some(Utc.with_ymd_and_hms(2025, 10, 17, 13, 0, 0).unwrap()));
    assert_eq!(agreement.windows[2].extends, Some(Code::parse("EXTENSION-1").unwrap()));
    assert!(agreement.in_effect_at(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    assert!(!agreement.in_effect_at(Utc.with_ymd_and_hms(2025, 10, 15, 12, 59, 59).unwrap()));
    assert!(matches!(agreement.zones[0].shape, ZoneShape::BorderBuffer { distance_km } if distance_km == 25.0));
    assert!(
        agreement
            .obligations
            .iter()
            .any(|o| o.kind == ObligationKind::NoUseOfTerritory)
    );
    assert_eq!(agreement.penalties[2].kind, PenaltyKind::SuspendMeasure);
    assert_eq!(agreement.conditions[0].from.as_str(), "AFG");
}

/// Replaces `from` by `to` in the example (once), and returns the errors as "line: path".
fn errors_after(edits: &[(&str, &str)]) -> Vec<String> {
    let mut text = EXAMPLE.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "the example has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    match Agreement::from_toml(&text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0.iter().map(|e| format!("{}: {}", e.line, e.path)).collect(),
    }
}

fn line_of(needle: &str) -> usize {
    EXAMPLE.lines().position(|line| line.contains(needle)).unwrap() + 1
}

#[test]
fn every_semantic_error_is_reported_with_its_path_and_line() {
    let errors = errors_after(&[
        ("code = \"PAK\"", "code = \"pak\""),
        ("time_zone = \"Asia/Kabul\"", "time_zone = \"Asia/Nowhere\""),
        ("ends = \"2025-10-17T18:00:00\"", "ends = \"2025-10-14T18:00:00\""),
        ("extends = \"EXTENSION-1\"", "extends = \"EXTENSION-9\""),
        (
            "acled_sub_event_type = \"Armed clash\"",
            "acled_sub_event_type = \"Skirmish\"",
        ),
        ("approvals_required = 2", "approvals_required = 3"),
        ("from = \"AFG\"", "from = \"PAK\""),
    ]);
    let expected = [
        format!("{}: parties[1].code", line_of("code = \"PAK\"")),
        format!("{}: parties[0].time_zone", line_of("Asia/Kabul")),
        format!("{}: windows[0].ends", line_of("ends = \"2025-10-17T18:00:00\"")),
        format!("{}: windows[2].extends", line_of("extends = \"EXTENSION-1\"")),
        format!(
            "{}: acts[2].acled_sub_event_type",
            line_of("acled_sub_event_type = \"Armed clash\"")
        ),
        format!("{}: process.approvals_required", line_of("approvals_required")),
        format!("{}: conditions[0].from", line_of("from = \"AFG\"")),
    ];
    for error in &expected {
        assert!(errors.contains(error), "missing {error:?} in {errors:#?}");
    }
    // A party renamed to lower case no longer exists, so the references to it fail too.
    assert!(errors.len() >= expected.len());
}

#[test]
fn the_disclosure_section_is_checked_by_group_and_moment() {
    let agreement = truce_domain::agreement::Agreement::from_toml(EXAMPLE).unwrap();
    assert_eq!(agreement.disclosure, truce_domain::disclosure::Disclosure::default());
    let errors = errors_after(&[
        ("narrative = \"final\"", "narrative = \"soon\""),
        ("findings = \"final\"", "finding = \"final\""),
    ]);
    assert_eq!(
        errors,
        [
            format!("{}: disclosure.narrative", line_of("narrative = \"final\"")),
            format!("{}: disclosure.finding", line_of("findings = \"final\"")),
        ]
    );
    let edited = EXAMPLE.replace("narrative = \"final\"", "narrative = \"intake\"");
    let agreement = truce_domain::agreement::Agreement::from_toml(&edited).unwrap();
    use truce_domain::disclosure::{Group, When};
    assert_eq!(agreement.disclosure.when(Group::Narrative), When::Intake);
}

#[test]
fn syntax_and_unknown_fields_are_reported_with_their_line() {
    let errors = errors_after(&[(
        "signed_place = \"Doha, Qatar\"",
        "signed_place = \"Doha, Qatar\"\nsigned_by = \"nobody\"",
    )]);
    assert_eq!(errors, [format!("{}: ", line_of("signed_place") + 1)]);
    let errors = errors_after(&[("version = 1", "version = = 1")]);
    assert_eq!(errors, [format!("{}: ", line_of("version = 1"))]);
    let errors = errors_after(&[("distance_km = 25", "distance_km = \"far\"")]);
    assert_eq!(errors, [format!("{}: ", line_of("distance_km"))]);
}

#[test]
fn zone_and_penalty_rules_are_checked() {
    let errors = errors_after(&[("distance_km = 25", "distance_km = 0")]);
    assert_eq!(errors, [format!("{}: zones[0].distance_km", line_of("distance_km"))]);
    let errors = errors_after(&[("[69.8, 33.6]]]}", "[69.8, 33.7]]]}")]);
    assert_eq!(errors, [format!("{}: zones[1].geojson", line_of("geojson"))]);
    let errors = errors_after(&[("measure = \"Torkham trade facilitation\"\n", "")]);
    assert_eq!(
        errors,
        [format!("{}: penalties[2].kind", line_of("kind = \"suspend_measure\""))]
    );
    let errors = errors_after(&[("step = 3", "step = 1")]);
    assert_eq!(errors, [format!("{}: penalties[2].step", line_of("step = 3"))]);
}

#[test]
fn the_witnesses_are_each_a_party_or_mediator_with_a_cosigner_key_and_a_url() {
    let cosigner =
        truce_log::cosignature::Cosigner::from_seed(truce_log::KeyName::parse("witness.afg.example").unwrap(), [7; 32]);
    let log_key = truce_log::SignerKey::from_seed(truce_log::KeyName::parse("log.example").unwrap(), [8; 32]);
    let witness = |name: &str, vkey: &str, url: &str| {
        format!("\n[[witnesses]]\nname = \"{name}\"\nvkey = \"{vkey}\"\nurl = \"{url}\"\n")
    };
    let good = witness("AFG", &cosigner.verifier().to_string(), "https://witness.afg.example/");
    let agreement = Agreement::from_toml(&format!("{EXAMPLE}{good}")).unwrap();
    assert_eq!(agreement.witnesses.len(), 1);
    assert_eq!(
        agreement.witnesses[0].url, "https://witness.afg.example",
        "the trailing slash is dropped"
    );
    let bad = [
        witness("AFG", &cosigner.verifier().to_string(), "https://a.example"),
        witness("XYZ", &cosigner.verifier().to_string(), "https://b.example"),
        witness("PAK", &log_key.verifier().to_string(), "https://c.example"),
        witness("QAT", "not-a-key", "https://d.example"),
        witness("TUR", &cosigner.verifier().to_string(), "ftp://e.example"),
    ];
    let text = format!("{EXAMPLE}{good}{}", bad.concat());
    let errors = Agreement::from_toml(&text).unwrap_err().0;
    let found: Vec<(String, String)> = errors.iter().map(|e| (e.path.clone(), e.message.clone())).collect();
    let expect = [
        ("witnesses[1].name", "AFG has a witness already"),
        ("witnesses[2].name", "XYZ is not a party or mediator"),
        ("witnesses[3].vkey", "not a cosignature/v1 key"),
        ("witnesses[4].vkey", ""),
        ("witnesses[5].url", "http:// or https://"),
    ];
    for (path, says) in expect {
        assert!(
            found.iter().any(|(p, m)| p == path && m.contains(says)),
            "{path}: {says} in {found:?}"
        );
    }
    assert!(
        errors.iter().all(|e| e.line > EXAMPLE.lines().count()),
        "each error has its line"
    );
}
