//! Each party's record, as the public and the other party will judge it:
//! allegations it filed and received, how many were confirmed against it or
//! found unfounded, whether it replied on time, its penalties and whether it
//! complied. An allegation "received" is an incident on which the party was
//! asked to reply; it is "unfounded" when the final verdict there is no
//! violation.

use super::case::{Case, PenaltyRecord, PenaltyState};
use super::determination::Verdict;
use super::lifecycle::Stage;
use crate::agreement::Agreement;
use crate::codes::Code;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scorecard {
    pub party: Code,
    /// Reports the party itself filed.
    pub allegations_filed: u64,
    pub allegations_received: u64,
    pub confirmed: u64,
    pub unfounded: u64,
    pub replies_on_time: u64,
    pub replies_late: u64,
    /// Reply windows that closed without a reply.
    pub replies_missed: u64,
    /// Reply windows still open.
    pub replies_pending: u64,
    pub penalties_proposed: u64,
    pub penalties_in_effect: u64,
    pub penalties_complied: u64,
    pub penalties_not_complied: u64,
}

/// The scorecards at `at`, one a party in the agreement's order. `filed`
/// gives how many reports each party filed.
pub fn scorecards<'a>(
    agreement: &Agreement,
    cases: impl Iterator<Item = &'a Case>,
    penalties: &[PenaltyRecord],
    filed: impl Fn(&Code) -> u64,
    at: DateTime<Utc>,
) -> Vec<Scorecard> {
    let mut cards: Vec<Scorecard> = agreement
        .parties
        .iter()
        .map(|p| Scorecard {
            party: p.code.clone(),
            allegations_filed: filed(&p.code),
            allegations_received: 0,
            confirmed: 0,
            unfounded: 0,
            replies_on_time: 0,
            replies_late: 0,
            replies_missed: 0,
            replies_pending: 0,
            penalties_proposed: 0,
            penalties_in_effect: 0,
            penalties_complied: 0,
            penalties_not_complied: 0,
        })
        .collect();
    let card =
        |cards: &mut Vec<Scorecard>, party: &Code| -> Option<usize> { cards.iter().position(|c| &c.party == party) };
    for case in cases {
        let final_verdict = (case.stage() == Stage::Final)
            .then(|| case.current())
            .flatten()
            .map(|d| (d.determination.verdict, d.determination.responsible_party.clone()));
        for record in &case.replies {
            let Some(i) = card(&mut cards, &record.party) else {
                continue;
            };
            let c = &mut cards[i];
            c.allegations_received += 1;
            match &record.reply {
                Some((replied, _)) if *replied <= record.due => c.replies_on_time += 1,
                Some(_) => c.replies_late += 1,
                None if at > record.due => c.replies_missed += 1,
                None => c.replies_pending += 1,
            }
            if let Some((Verdict::NoViolation, _)) = &final_verdict {
                c.unfounded += 1;
            }
        }
        if let Some((Verdict::ViolationConfirmed, Some(party))) = &final_verdict
            && let Some(i) = card(&mut cards, party)
        {
            cards[i].confirmed += 1;
        }
    }
    for penalty in penalties {
        let Some(i) = card(&mut cards, &penalty.party) else {
            continue;
        };
        let c = &mut cards[i];
        match penalty.state {
            PenaltyState::Proposed => c.penalties_proposed += 1,
            PenaltyState::InEffect => c.penalties_in_effect += 1,
            PenaltyState::Complied => c.penalties_complied += 1,
            PenaltyState::NotComplied => c.penalties_not_complied += 1,
            PenaltyState::Withdrawn => {}
        }
    }
    cards
}
