//! `truce bench rules`: recomputing everything the rules derive (each
//! violation's penalties by the ladder, the status series, the scorecards)
//! over a long history of final determinations, against the issue's
//! target of one second for 100,000. The history is synthetic and seeded:
//! two parties, five years, every verdict, severities and civilian deaths
//! drawn at random, each incident with a reply request answered on time or
//! late or not at all.

use super::bench_figure::Figure;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::process::ExitCode;
use std::time::Instant;
use truce_domain::agreement::{Agreement, Severity};
use truce_domain::codes::Code;
use truce_domain::verification::case::{Case, IssuedDetermination, ReplyRecord};
use truce_domain::verification::determination::{Determination, Verdict, VerifiedDeaths};
use truce_domain::verification::lifecycle::Stage;
use truce_domain::verification::penalties::{Violation, penalties_for};
use truce_domain::verification::rules::{Confidence, Explanation};
use truce_domain::verification::scorecard::scorecards;
use truce_domain::verification::status::status_series;

const AGREEMENT: &str = include_str!("../../../../examples/doha-ceasefire.toml");

/// A final case with one reply request and its determination.
fn history(agreement: &Agreement, determinations: usize) -> (Vec<Case>, Vec<Violation>) {
    let mut rng = StdRng::seed_from_u64(9162);
    let start = agreement.windows[0].starts;
    let span = Duration::days(5 * 365).num_seconds();
    let mut cases = Vec::with_capacity(determinations);
    let mut violations = Vec::new();
    let parties: Vec<Code> = agreement.parties.iter().map(|p| p.code.clone()).collect();
    for incident in 1..=determinations as u64 {
        let at: DateTime<Utc> = start + Duration::seconds(span * incident as i64 / determinations as i64);
        let accused = parties[rng.gen_range(0..parties.len())].clone();
        let verdict = [
            Verdict::ViolationConfirmed,
            Verdict::ViolationConfirmed,
            Verdict::NoViolation,
            Verdict::Unverifiable,
        ][rng.gen_range(0..4)];
        let severity = [Severity::Minor, Severity::Serious, Severity::Grave][rng.gen_range(0..3)];
        let civilians = if rng.gen_bool(0.3) { rng.gen_range(1..20) } else { 0 };
        let confirmed = verdict == Verdict::ViolationConfirmed;
        if confirmed {
            violations.push(Violation {
                incident,
                party: accused.clone(),
                at,
                severity,
                civilian_deaths: civilians,
                provisions: vec![agreement.acts[rng.gen_range(0..agreement.acts.len())].code.clone()],
            });
        }
        let due = at + Duration::hours(48);
        let reply = match rng.gen_range(0..3) {
            0 => Some((at + Duration::hours(20), "reply".to_string())),
            1 => Some((at + Duration::hours(60), "late reply".to_string())),
            _ => None,
        };
        cases.push(Case {
            stage: Some(Stage::Final),
            tasks: vec![],
            findings: vec![],
            replies: vec![ReplyRecord {
                party: accused.clone(),
                asked_at: at,
                due,
                reply,
                reminded: false,
            }],
            determinations: vec![IssuedDetermination {
                number: 1,
                determination: Determination {
                    verdict,
                    responsible_party: confirmed.then(|| accused.clone()),
                    via_non_state_group: false,
                    provisions: vec![],
                    severity: confirmed.then_some(severity),
                    confidence: Confidence::High,
                    rationale: String::new(),
                    evidence: vec![],
                    deaths: VerifiedDeaths {
                        low: civilians,
                        best: civilians,
                        high: civilians,
                        civilians,
                    },
                    explanation: Explanation {
                        independent_sources: vec![],
                        interested_sources: vec![],
                        checks: vec![],
                        confidence: Confidence::High,
                    },
                },
                approvals: vec![],
                urgency: None,
                statements: vec![],
            }],
            finalized_at: Some(at + Duration::hours(72)),
            appeals: vec![],
        });
    }
    (cases, violations)
}

pub fn run(json: bool, determinations: usize) -> anyhow::Result<ExitCode> {
    let agreement = Agreement::from_toml(AGREEMENT).map_err(|e| anyhow::anyhow!("the example agreement: {e}"))?;
    let (cases, violations) = history(&agreement, determinations);
    let now = violations.last().map_or(Utc::now(), |v| v.at) + Duration::days(1);

    let start = Instant::now();
    // Penalties: each violation against the same party's earlier ones, in time order.
    let mut by_party: Vec<(Code, Vec<Violation>)> =
        agreement.parties.iter().map(|p| (p.code.clone(), Vec::new())).collect();
    let mut penalties = 0usize;
    for violation in &violations {
        let Some((_, prior)) = by_party.iter_mut().find(|(code, _)| *code == violation.party) else {
            continue;
        };
        penalties += penalties_for(&agreement, prior, violation).len();
        prior.push(violation.clone());
    }
    let penalties_seconds = start.elapsed().as_secs_f64();
    let series = status_series(&agreement, &violations, agreement.windows[0].starts, now);
    let status_seconds = start.elapsed().as_secs_f64() - penalties_seconds;
    let cards = scorecards(&agreement, cases.iter(), &[], |_| 0, now);
    let total = start.elapsed().as_secs_f64();
    let scorecard_seconds = total - penalties_seconds - status_seconds;

    if !json {
        println!(
            "truce bench rules: {} final determinations ({} confirmed violations) over five years, recomputed",
            cases.len(),
            violations.len()
        );
    }
    let print = |figure: Figure| figure.print(json);
    print(Figure::new("rules_recompute_s", total, "s").against("target", 1.0));
    print(Figure::new("rules_penalties_s", penalties_seconds, "s"));
    print(Figure::new("rules_penalties_given", penalties as f64, "penalties"));
    print(Figure::new("rules_status_s", status_seconds, "s"));
    print(Figure::new("rules_status_changes", series.len() as f64, "points"));
    print(Figure::new("rules_scorecards_s", scorecard_seconds, "s"));
    print(Figure::new(
        "rules_confirmed_in_scorecards",
        cards.iter().map(|c| c.confirmed).sum::<u64>() as f64,
        "violations",
    ));
    Ok(ExitCode::SUCCESS)
}
