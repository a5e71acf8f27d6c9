//! Bulletins: the counts against the previous period, a week against a
//! day, the casualty claims beside the estimate, and sources unnamed.

use chrono::{DateTime, Utc};
use truce_domain::agreement::Agreement;
use truce_domain::bulletin::*;
use truce_domain::codes::Code;
use truce_domain::report::{Claim, DeathCategory, Figure, Stance};
use truce_domain::verification::determination::{Verdict, VerifiedDeaths};

fn agreement() -> Agreement {
    Agreement::from_toml(include_str!("../../../examples/doha-ceasefire.toml")).unwrap()
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn code(text: &str) -> Code {
    Code::parse(text).unwrap()
}

fn line(id: u64, at: &str, accused: Option<&str>, act: &str, zones: &[&str]) -> IncidentLine {
    IncidentLine {
        id,
        at: time(at),
        accused: accused.map(String::from),
        act: Some(act.into()),
        zones: zones.iter().map(|z| z.to_string()).collect(),
    }
}

fn period(date: &str, kind: PeriodKind) -> BulletinPeriod {
    BulletinPeriod::parse(date, kind, time("2025-10-15T13:00:00Z"), time("2025-12-01T00:00:00Z")).unwrap()
}

fn inputs(period: BulletinPeriod, incidents: Vec<IncidentLine>) -> BulletinInputs<'static> {
    BulletinInputs {
        period,
        checkpoint: CheckpointRef {
            size: 42,
            root: "root".into(),
        },
        as_of: time("2025-12-01T00:00:00Z"),
        incidents,
        casualties: Vec::new(),
        determinations: Vec::new(),
        penalties: &[],
        violations: &[],
    }
}

/// Incidents on 22–24 October and the week before.
fn incidents() -> Vec<IncidentLine> {
    vec![
        line(
            1,
            "2025-10-24T03:00:00Z",
            Some("PAK"),
            "ACT-AIRSTRIKE",
            &["BORDER-25KM"],
        ),
        line(2, "2025-10-24T23:59:59Z", Some("PAK"), "ACT-SHELLING", &[]),
        line(
            3,
            "2025-10-22T10:00:00Z",
            Some("AFG"),
            "ACT-AIRSTRIKE",
            &["BORDER-25KM", "KURRAM"],
        ),
        line(4, "2025-10-23T10:00:00Z", None, "ACT-IED", &["KURRAM"]),
        line(5, "2025-10-12T10:00:00Z", Some("AFG"), "ACT-AIRSTRIKE", &[]),
        line(6, "2025-10-17T10:00:00Z", Some("AFG"), "ACT-IED", &["KURRAM"]),
        // Outside both weeks, and the day after: never counted.
        line(7, "2025-10-25T00:00:00Z", Some("PAK"), "ACT-IED", &[]),
        line(8, "2025-10-10T23:59:59Z", Some("PAK"), "ACT-IED", &[]),
    ]
}

fn counts(rows: &[KeyedCount]) -> Vec<(Option<&str>, u64, u64)> {
    rows.iter()
        .map(|r| (r.key.as_deref(), r.count.current, r.count.previous))
        .collect()
}

#[test]
fn counts_per_party_act_and_zone_beside_the_previous_week() {
    let week = compose(
        &agreement(),
        inputs(period("2025-10-24", PeriodKind::Weekly), incidents()),
    );
    let c = &week.incidents;
    assert_eq!((c.total.current, c.total.previous), (4, 2));
    assert_eq!(
        counts(&c.by_party),
        vec![(Some("PAK"), 2, 0), (None, 1, 0), (Some("AFG"), 1, 2)]
    );
    assert_eq!(
        counts(&c.by_act),
        vec![
            (Some("ACT-AIRSTRIKE"), 2, 1),
            (Some("ACT-IED"), 1, 1),
            (Some("ACT-SHELLING"), 1, 0)
        ]
    );
    // An incident in two zones counts in each; one in none counts in neither.
    assert_eq!(
        counts(&c.by_zone),
        vec![(Some("BORDER-25KM"), 2, 0), (Some("KURRAM"), 2, 1)]
    );
    assert_eq!(week.period.start, time("2025-10-18T00:00:00Z"));
    assert_eq!(week.checkpoint.size, 42);
}

#[test]
fn a_day_counts_its_own_incidents_against_the_day_before() {
    let day = compose(
        &agreement(),
        inputs(period("2025-10-24", PeriodKind::Daily), incidents()),
    );
    assert_eq!((day.incidents.total.current, day.incidents.total.previous), (2, 1));
    assert_eq!(counts(&day.incidents.by_party), vec![(Some("PAK"), 2, 0), (None, 0, 1)]);
    assert_eq!(day.period.label, "2025-10-24");
}

fn claim(claimant: &str, party: Option<&str>, category: DeathCategory, low: u32, best: u32, high: u32) -> Claim {
    Claim {
        claimant: claimant.into(),
        claimant_party: party.map(code),
        stance: Stance::Assert,
        category,
        deaths: Figure { low, best, high },
    }
}

/// The border clash: AFG claims 58 soldiers killed, PAK confirms 23, a
/// newspaper says 30; and the Paktika strike, verified at 10.
fn casualty_inputs() -> Vec<CasualtyInput> {
    vec![
        CasualtyInput {
            incident: 2,
            claims: vec![
                claim("AFG", Some("AFG"), DeathCategory::SideB, 58, 58, 58),
                claim("PAK", Some("PAK"), DeathCategory::SideB, 23, 23, 23),
                claim("Secret Newspaper", None, DeathCategory::SideB, 20, 30, 40),
            ],
            verified: None,
        },
        CasualtyInput {
            incident: 3,
            claims: vec![
                claim("AFG", Some("AFG"), DeathCategory::Civilians, 10, 10, 17),
                claim("Hidden Local Officials", None, DeathCategory::Civilians, 10, 10, 10),
                claim("Protected Witness", None, DeathCategory::Civilians, 8, 12, 14),
            ],
            verified: Some(VerifiedDeaths {
                low: 10,
                best: 10,
                high: 10,
                civilians: 10,
            }),
        },
    ]
}

#[test]
fn each_partys_claim_stands_beside_the_estimate_and_other_sources_are_not_named() {
    let mut given = inputs(period("2025-10-24", PeriodKind::Weekly), Vec::new());
    given.casualties = casualty_inputs();
    let bulletin = compose(&agreement(), given);
    let c = &bulletin.casualties;
    let strike = c.incidents.iter().find(|i| i.incident == 3).unwrap();
    assert!(strike.verified);
    assert_eq!(
        strike.estimate,
        Figure {
            low: 10,
            best: 10,
            high: 10
        }
    );
    assert_eq!(strike.party_claims.len(), 1);
    assert_eq!(
        (
            strike.party_claims[0].party.as_str(),
            strike.party_claims[0].deaths.high
        ),
        ("AFG", 17)
    );
    assert_eq!(
        strike.others_highest,
        Some(Figure {
            low: 8,
            best: 12,
            high: 14
        })
    );
    let clash = c.incidents.iter().find(|i| i.incident == 2).unwrap();
    assert!(!clash.verified, "no determination: the casualty rule's estimate");
    assert_eq!(clash.estimate.best, 30, "the rule counts the disinterested source");
    let claimed: Vec<(&str, u32)> = clash
        .party_claims
        .iter()
        .map(|p| (p.party.as_str(), p.deaths.best))
        .collect();
    assert_eq!(claimed, vec![("AFG", 58), ("PAK", 23)]);
    // Totals: the estimates summed, each party's claims summed.
    assert_eq!(c.estimate.best, 40);
    let totals: Vec<(&str, u32)> = c
        .party_claims
        .iter()
        .map(|p| (p.party.as_str(), p.deaths.best))
        .collect();
    assert_eq!(totals, vec![("AFG", 68), ("PAK", 23)]);
    assert_eq!(bulletin.headline().deaths_best, 40);
    // No other source's name reaches the document, in either form.
    let json = String::from_utf8(bulletin.to_json()).unwrap();
    let md = markdown(&bulletin, &|key: &str| key.to_string());
    for secret in ["Secret Newspaper", "Hidden Local Officials", "Protected Witness"] {
        assert!(!json.contains(secret) && !md.contains(secret), "{secret} is named");
    }
    assert!(md.contains("AFG: 58 (58–58)"), "{md}");
}

#[test]
fn determinations_final_in_the_period_count_as_confirmed_violations_with_their_penalties() {
    let mut given = inputs(period("2025-10-24", PeriodKind::Weekly), Vec::new());
    let final_ = |incident: u64, at: &str, verdict: Verdict| FinalDetermination {
        incident,
        number: 1,
        finalized_at: time(at),
        verdict,
        responsible_party: Some(code("PAK")),
        provisions: vec![code("ACT-AIRSTRIKE")],
        location: Some((32.85, 69.28)),
    };
    given.determinations = vec![
        final_(3, "2025-10-23T08:00:00Z", Verdict::ViolationConfirmed),
        final_(9, "2025-10-20T08:00:00Z", Verdict::NoViolation),
        final_(10, "2025-10-01T08:00:00Z", Verdict::ViolationConfirmed),
    ];
    let bulletin = compose(&agreement(), given);
    let confirmed: Vec<(&str, u64)> = bulletin
        .violations_confirmed
        .iter()
        .map(|v| (v.party.as_str(), v.count))
        .collect();
    assert_eq!(confirmed, vec![("AFG", 0), ("PAK", 1)]);
    let incidents: Vec<u64> = bulletin.determinations.iter().map(|d| d.incident).collect();
    assert_eq!(incidents, vec![3, 9], "the one final before the week is not in it");
    // The document round-trips, so the pages can render what was published.
    let back: Bulletin = serde_json::from_slice(&bulletin.to_json()).unwrap();
    assert_eq!(back, bulletin);
}
