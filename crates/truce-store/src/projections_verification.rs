//! The projections of verification events: each incident's status, its
//! case history (every step with its log index), reply windows,
//! determinations with their approvals, and penalties with their state.
//! Part of [`crate::projections`], kept apart because it is a separate
//! concern with its own tables.

use crate::error::StoreError;
use rusqlite::{Connection, params};
use truce_domain::event::Event;
use truce_domain::verification::case::PenaltyState;

fn set_status(connection: &Connection, incident: u64, status: &str) -> Result<(), StoreError> {
    connection
        .prepare_cached("UPDATE incidents SET status = ?1 WHERE id = ?2")?
        .execute(params![status, incident as i64])?;
    Ok(())
}

fn set_penalty_state(connection: &Connection, penalty: u64, state: PenaltyState) -> Result<(), StoreError> {
    connection
        .prepare_cached("UPDATE penalties SET state = ?1 WHERE id = ?2")?
        .execute(params![state.as_str(), penalty as i64])?;
    Ok(())
}

/// Appends the mediator (?1) to the comma-separated `approvals` of the rows `key_condition` selects.
fn add_approval(
    connection: &Connection,
    table: &str,
    key_condition: &str,
    mediator: &str,
    key: &[i64],
) -> Result<(), StoreError> {
    let sql = format!(
        "UPDATE {table} SET approvals = approvals || (CASE approvals WHEN '' THEN '' ELSE ',' END) || ?1 WHERE {key_condition}"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    statement.raw_bind_parameter(1, mediator)?;
    for (i, value) in key.iter().enumerate() {
        statement.raw_bind_parameter(i + 2, value)?;
    }
    statement.raw_execute()?;
    Ok(())
}

/// Records the step in the incident's (or penalty's) history, with the event as detail.
fn step(connection: &Connection, log_index: u64, event: &Event) -> Result<(), StoreError> {
    let (incident, penalty, party, mediator) = match event {
        Event::ReviewStarted { incident }
        | Event::TaskAssigned { incident, .. }
        | Event::FindingsFiled { incident, .. }
        | Event::DeterminationIssued { incident, .. }
        | Event::DeterminationFinal { incident, .. } => (Some(*incident), None, None, None),
        Event::ReplyRequested { incident, party, .. }
        | Event::ReplyReminded { incident, party, .. }
        | Event::ReplyFiled { incident, party, .. }
        | Event::StatementAttached { incident, party, .. }
        | Event::AppealFiled { incident, party, .. } => (Some(*incident), None, Some(party), None),
        Event::DeterminationApproved { incident, mediator, .. } | Event::UrgencyInvoked { incident, mediator, .. } => {
            (Some(*incident), None, None, Some(mediator))
        }
        Event::PenaltyProposed {
            penalty,
            incident,
            party,
            ..
        } => (Some(*incident), Some(*penalty), Some(party), None),
        Event::PenaltyApproved { penalty, mediator } => (None, Some(*penalty), None, Some(mediator)),
        Event::PenaltyInEffect { penalty, .. } | Event::ComplianceRecorded { penalty, .. } => {
            (None, Some(*penalty), None, None)
        }
        _ => return Ok(()),
    };
    let detail = serde_json::to_value(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let kind = detail["type"].as_str().unwrap_or_default().to_string();
    connection
        .prepare_cached(
            "INSERT INTO case_steps (log_index, incident_id, penalty_id, kind, party, mediator, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            log_index as i64,
            incident.map(|i| i as i64),
            penalty.map(|p| p as i64),
            kind,
            party.map(|p| p.as_str()),
            mediator.map(|m| m.as_str()),
            detail.to_string()
        ])?;
    Ok(())
}

pub fn apply(connection: &Connection, log_index: u64, event: &Event) -> Result<(), StoreError> {
    step(connection, log_index, event)?;
    match event {
        Event::ReviewStarted { incident } => set_status(connection, *incident, "under_review")?,
        Event::TaskAssigned { incident, .. } => set_status(connection, *incident, "investigating")?,
        Event::ReplyRequested {
            incident,
            party,
            asked_at,
            due,
        } => {
            set_status(connection, *incident, "awaiting_reply")?;
            connection
                .prepare_cached("INSERT INTO replies (incident_id, party, asked_at, due) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![
                    *incident as i64,
                    party.as_str(),
                    asked_at.timestamp(),
                    due.timestamp()
                ])?;
        }
        Event::ReplyFiled {
            incident,
            party,
            replied_at,
            on_time,
            ..
        } => {
            connection
                .prepare_cached(
                    "UPDATE replies SET replied_at = ?1, on_time = ?2 WHERE incident_id = ?3 AND party = ?4",
                )?
                .execute(params![
                    replied_at.timestamp(),
                    *on_time,
                    *incident as i64,
                    party.as_str()
                ])?;
        }
        Event::DeterminationIssued {
            incident,
            number,
            determination,
        } => {
            set_status(
                connection,
                *incident,
                if *number == 1 { "determined" } else { "redetermined" },
            )?;
            connection
                .prepare_cached(
                    "INSERT INTO determinations (incident_id, number, verdict, responsible_party, severity, confidence,
                     approvals, log_index) VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7)",
                )?
                .execute(params![
                    *incident as i64,
                    *number,
                    determination.verdict.as_str(),
                    determination.responsible_party.as_ref().map(|p| p.as_str()),
                    determination
                        .severity
                        .map(truce_domain::verification::penalties::severity_name),
                    determination.confidence.as_str(),
                    log_index as i64
                ])?;
            connection
                .prepare_cached("UPDATE incidents SET verdict = ?1, responsible_party = ?2 WHERE id = ?3")?
                .execute(params![
                    determination.verdict.as_str(),
                    determination.responsible_party.as_ref().map(|p| p.as_str()),
                    *incident as i64
                ])?;
        }
        Event::DeterminationApproved {
            incident,
            number,
            mediator,
        } => add_approval(
            connection,
            "determinations",
            "incident_id = ?2 AND number = ?3",
            mediator.as_str(),
            &[*incident as i64, i64::from(*number)],
        )?,
        Event::DeterminationFinal {
            incident,
            number,
            finalized_at,
            ..
        } => {
            set_status(connection, *incident, "final")?;
            connection
                .prepare_cached("UPDATE determinations SET final_at = ?1 WHERE incident_id = ?2 AND number = ?3")?
                .execute(params![finalized_at.timestamp(), *incident as i64, *number])?;
        }
        Event::AppealFiled {
            incident,
            withdrawn_penalties,
            ..
        } => {
            set_status(connection, *incident, "appealed")?;
            for penalty in withdrawn_penalties {
                set_penalty_state(connection, *penalty, PenaltyState::Withdrawn)?;
            }
        }
        Event::PenaltyProposed {
            penalty,
            incident,
            party,
            decision,
        } => {
            let kind = serde_json::to_value(decision.kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            connection
                .prepare_cached(
                    "INSERT INTO penalties (id, incident_id, party, step, code, kind, amount, state, approvals, log_index)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'proposed', '', ?8)",
                )?
                .execute(params![
                    *penalty as i64,
                    *incident as i64,
                    party.as_str(),
                    decision.step,
                    decision.code.as_str(),
                    kind.as_str().unwrap_or_default(),
                    decision.amount,
                    log_index as i64
                ])?;
        }
        Event::PenaltyApproved { penalty, mediator } => add_approval(
            connection,
            "penalties",
            "id = ?2",
            mediator.as_str(),
            &[*penalty as i64],
        )?,
        Event::PenaltyInEffect { penalty, from, due } => {
            connection
                .prepare_cached(
                    "UPDATE penalties SET state = 'in_effect', in_effect_from = ?1, due = ?2 WHERE id = ?3",
                )?
                .execute(params![from.timestamp(), due.timestamp(), *penalty as i64])?;
        }
        Event::ComplianceRecorded { penalty, complied, .. } => set_penalty_state(
            connection,
            *penalty,
            if *complied {
                PenaltyState::Complied
            } else {
                PenaltyState::NotComplied
            },
        )?,
        _ => {}
    }
    Ok(())
}
