//! `truce status`: the ceasefire's status per party and for the agreement,
//! as a time series, each party's scorecard and the penalties, recomputed
//! from the log by the agreement's rules (read-only: it runs beside a
//! server). It needs only the record's standing, so it reads the latest
//! snapshot and the log's tail after it, not the whole log.

use crate::datadir::DataDir;
use anyhow::Context;
use chrono::{Duration, Utc};
use std::path::Path;
use std::process::ExitCode;
use truce_domain::verification::scorecard::scorecards;
use truce_domain::verification::status::status_series;
use truce_store::{LogReader, replay_standing};

pub fn run(data: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let agreement = dir
        .agreement()?
        .context("this data directory holds no agreement; status follows the agreement's rules")?;
    let (state, replayed) = replay_standing(&LogReader::open(&dir.database())?)?;
    tracing::debug!(replayed, "entries replayed after the latest snapshot");
    let verification = state.verification();
    let now = Utc::now();
    let from = agreement.windows.iter().map(|w| w.starts).min().unwrap_or(now) - Duration::days(1);
    let series = status_series(&agreement, verification.violations(), from, now);
    let cards = scorecards(
        &agreement,
        verification.cases().map(|(_, case)| case),
        verification.penalties(),
        |party| state.filed_by_party(party.as_str()),
        now,
    );
    if json {
        let document = serde_json::json!({
            "agreement": agreement.id,
            "at": now,
            "series": series,
            "scorecards": cards,
            "penalties": verification.penalties(),
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} ({}), status by its rules", agreement.title, agreement.id);
    for point in &series {
        let parties: Vec<String> = point
            .parties
            .iter()
            .map(|p| format!("{} {}", p.party, p.status.as_str()))
            .collect();
        println!(
            "  from {}  {:<13} ({})",
            point.at.format("%Y-%m-%d %H:%M UTC"),
            point.agreement.as_str(),
            parties.join(", ")
        );
    }
    if let Some(last) = series.last() {
        for party in &last.parties {
            println!("  {} now: {}", party.party, party.reasons.join("; "));
        }
    }
    println!("scorecards:");
    println!(
        "  party  filed received confirmed unfounded  replies(on time/late/missed/pending)  penalties(proposed/in effect/complied/not)"
    );
    for c in &cards {
        println!(
            "  {:<6} {:>5} {:>8} {:>9} {:>9}  {:>3}/{}/{}/{}{:>28}/{}/{}/{}",
            c.party,
            c.allegations_filed,
            c.allegations_received,
            c.confirmed,
            c.unfounded,
            c.replies_on_time,
            c.replies_late,
            c.replies_missed,
            c.replies_pending,
            c.penalties_proposed,
            c.penalties_in_effect,
            c.penalties_complied,
            c.penalties_not_complied
        );
    }
    println!("penalties:");
    for penalty in verification.penalties() {
        println!(
            "  {} {} on {} (incident {}): {}{}\n      {}",
            penalty.id,
            penalty.decision.code,
            penalty.party,
            penalty.incident,
            penalty.state.as_str(),
            penalty
                .decision
                .amount
                .map(|a| format!(", amount {a}"))
                .unwrap_or_default(),
            penalty.decision.explanation
        );
    }
    Ok(ExitCode::SUCCESS)
}
