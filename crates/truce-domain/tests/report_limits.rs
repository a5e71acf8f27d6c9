//! A report that parses fits the log: whatever its text (quotes, backslashes
//! and control characters take more bytes once encoded), the limits of
//! `ReportInput::parse` keep its event inside one log entry, so a report can
//! never fail the batch it is written with.

use proptest::prelude::*;
use truce_domain::report::ReportInput;

/// Characters that cost one byte, two or three, as text or once encoded as JSON
/// (control characters are refused, but for a narrative's line breaks and tabs).
fn text(max: usize, lines: bool) -> impl Strategy<Value = String> {
    let mut chars = vec!['a', '"', '\\', 'ب', '€'];
    if lines {
        chars.extend(['\n', '\t']);
    }
    prop::collection::vec(prop::sample::select(chars), 0..=max).prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_report_that_parses_encodes_within_an_entry(
        narrative in text(20_000, true),
        name in text(300, false),
        claimants in prop::collection::vec(text(300, false), 0..=50),
    ) {
        let claims: Vec<serde_json::Value> = claimants
            .iter()
            .map(|claimant| serde_json::json!({"claimant": format!("c{claimant}"), "stance": "assert",
                "category": "civilians", "low": 4_000_000_000u32, "best": 4_000_000_000u32, "high": 4_000_000_000u32}))
            .collect();
        let input: ReportInput = serde_json::from_value(serde_json::json!({
            "external_id": format!("x{name}"),
            "source": {"type": "media", "name": format!("s{name}"), "owner": name, "grading": "B2"},
            "time": {"start": "2025-10-12T02:00:00+05:00", "precision": "hour"},
            "location": {"latitude": 34.0, "longitude": 71.0, "precision": "exact", "name": name},
            "actor1": {"name": name, "party": "PAK"},
            "actor2": {"name": name},
            "acled_event_type": name,
            "acled_sub_event_type": name,
            "narrative": narrative,
            "claims": claims,
        }))
        .unwrap();
        match input.parse() {
            Ok(report) => {
                let encoded = serde_json::to_vec(&report).unwrap().len();
                // The envelope, the placement and the geography add well under 5,000 bytes.
                prop_assert!(encoded <= 60_000, "a parsed report encodes to {} bytes", encoded);
            }
            Err(errors) => {
                prop_assert!(errors.iter().all(|e| e.message.contains("bytes")), "{:?}", errors);
            }
        }
    }
}
