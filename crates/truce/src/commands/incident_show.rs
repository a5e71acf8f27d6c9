//! `truce incident show`: one incident as the record holds it, for a
//! monitor, a mediator or a party's liaison to check: its reports and every
//! claim side by side (conflicting casualty figures beside the estimate),
//! the agreement's verification rules evaluated and explained now, the
//! replies, each determination with its approvals and the parties'
//! statements, the penalties, and the history with log indexes. Read-only.

use crate::datadir::DataDir;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;
use truce_store::{LogReader, queries, replay_state};

pub fn run(data: &Path, id: u64, json: bool) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let connection = truce_store::accounts::open(&dir.database())?;
    let Some(view) = queries::incident(&connection, id)? else {
        eprintln!("error: incident {id} does not exist");
        return Ok(ExitCode::FAILURE);
    };
    let reader = LogReader::open(&dir.database())?;
    let state = replay_state(&reader)?;
    let verification = state.verification();
    let case = verification.case(id).cloned().unwrap_or_default();
    let facts = state.incident_facts(id).context("an incident without reports")?;
    let explanation = dir.agreement()?.and_then(|agreement| state.explain(id, &agreement));
    let estimate = view.estimate();
    let penalties: Vec<_> = verification.penalties().iter().filter(|p| p.incident == id).collect();
    let mut history = Vec::new();
    for (index, kind) in queries::history(&connection, id)? {
        let envelope = reader.envelope(index)?;
        history.push(serde_json::json!({"log_index": index, "kind": kind, "at": envelope.at, "by": envelope.by}));
    }
    let claims: Vec<serde_json::Value> = view
        .claims
        .iter()
        .map(|(claim, interested)| serde_json::json!({"claim": claim, "interested": interested}))
        .collect();
    if json {
        let document = serde_json::json!({
            "id": id,
            "status": case.stage().as_str(),
            "sources": facts.sources,
            "incident_at": facts.at,
            "claims": claims,
            "verified": view.stated_deaths(),
            "estimate": {"total": estimate.total, "by_category": estimate.by_category.iter().map(|(c, f)| (c.as_str(), f)).collect::<std::collections::BTreeMap<_, _>>()},
            "verification": explanation,
            "tasks": case.tasks,
            "findings": case.findings,
            "replies": case.replies,
            "determinations": case.determinations,
            "appeals": case.appeals,
            "penalties": penalties,
            "history": history,
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "incident {id}: {} (happened {})",
        case.stage().as_str(),
        facts.at.to_rfc3339()
    );
    println!("reports ({}):", facts.sources.len());
    for source in &facts.sources {
        println!(
            "  {} ({}, graded {}{})",
            source.name,
            source.source_type.as_str(),
            String::from(source.grading),
            source
                .owner
                .as_deref()
                .map(|o| format!(", owned by {o}"))
                .unwrap_or_default()
        );
    }
    println!("claims, side by side:");
    for (claim, interested) in &view.claims {
        println!(
            "  {:<28} {:<7} {:<10} {:>4} / {:>4} / {:>4}{}",
            claim.claimant,
            claim.stance.as_str(),
            claim.category.as_str(),
            claim.deaths.low,
            claim.deaths.best,
            claim.deaths.high,
            if *interested { "  (interested)" } else { "" }
        );
    }
    println!(
        "  estimate from the claims (low / best / high): {} / {} / {}",
        estimate.total.low, estimate.total.best, estimate.total.high
    );
    if let Some(verified) = view.stated_deaths() {
        println!(
            "  verified by the latest determination (low / best / high): {} / {} / {}",
            verified.low, verified.best, verified.high
        );
    }
    if let Some(explanation) = &explanation {
        println!("verification rules (confidence {}):", explanation.confidence.as_str());
        for check in &explanation.checks {
            println!(
                "  [{}] {}: {}",
                if check.passed { "pass" } else { "FAIL" },
                check.rule,
                check.why
            );
        }
    }
    for task in &case.tasks {
        println!(
            "task {}: {} to {}, due {}",
            task.id,
            task.description,
            task.team,
            task.due.to_rfc3339()
        );
    }
    for finding in &case.findings {
        println!(
            "finding{}: {} (evidence: {})",
            if finding.observed {
                " (observed by the monitors)"
            } else {
                ""
            },
            finding.summary,
            if finding.evidence.is_empty() {
                "none".to_string()
            } else {
                finding.evidence.join(", ")
            }
        );
    }
    for reply in &case.replies {
        match &reply.reply {
            Some((at, text)) => println!(
                "reply of {} ({}): {text}",
                reply.party,
                if *at <= reply.due { "on time" } else { "late" }
            ),
            None => println!(
                "reply of {}: none yet, window closes {}",
                reply.party,
                reply.due.to_rfc3339()
            ),
        }
    }
    for issued in &case.determinations {
        let d = &issued.determination;
        let approvals: Vec<&str> = issued.approvals.iter().map(|c| c.as_str()).collect();
        println!(
            "determination {}: {}{}{} — confidence {}, approved by {}{}",
            issued.number,
            d.verdict.as_str(),
            d.responsible_party
                .as_ref()
                .map(|p| format!(" by {p}"))
                .unwrap_or_default(),
            d.severity
                .map(|s| format!(", {}", truce_domain::verification::penalties::severity_name(s)))
                .unwrap_or_default(),
            d.confidence.as_str(),
            if approvals.is_empty() {
                "no one yet".to_string()
            } else {
                approvals.join(", ")
            },
            issued
                .urgency
                .as_ref()
                .map(|(m, r)| format!("; urgency invoked by {m}: {r}"))
                .unwrap_or_default()
        );
        println!(
            "  verified deaths {} / {} / {} ({} civilians); {}",
            d.deaths.low, d.deaths.best, d.deaths.high, d.deaths.civilians, d.rationale
        );
        for (party, text) in &issued.statements {
            println!("  statement of {party}: {text}");
        }
    }
    for penalty in &penalties {
        println!(
            "penalty {}: {} on {}, {} — {}",
            penalty.id,
            penalty.decision.code,
            penalty.party,
            penalty.state.as_str(),
            penalty.decision.explanation
        );
    }
    println!("history:");
    for step in &history {
        println!(
            "  #{:<8} {:<25} {}  by {}",
            step["log_index"],
            step["kind"].as_str().unwrap_or_default(),
            step["at"].as_str().unwrap_or_default(),
            step["by"].as_str().unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
