//! An incident's casualty estimate from its claims, by a rule written down
//! in advance, with every claimant's own figure kept beside it.
//!
//! The rule, per death category:
//! - the claims that count are those of sources without a stake: monitors,
//!   media, sensors, the public; the parties' own claims count only when
//!   nobody else has given a figure;
//! - denials and disputes give no figure;
//! - **best** is the median of the counted claims' best figures (the lower
//!   middle one for an even count), **low** the smallest low, **high** the
//!   largest high, so that low ≤ best ≤ high holds for a combined estimate
//!   even where a claim breaks it;
//! - a single counted claim stands as published, order and all (a curated
//!   dataset's figures are not corrected behind its back; the report carries
//!   a warning instead).
//!
//! The incident's total is the same rule over claims of a total (UCDP's
//! low, best and high) when there are any, else the sum of the categories.

use crate::report::{Claim, DeathCategory, Figure, Stance};
use serde::Serialize;
use std::collections::BTreeMap;

/// A claim with whether its claimant has a stake (is a party).
#[derive(Clone, Debug)]
pub struct WeighedClaim<'a> {
    pub claim: &'a Claim,
    pub interested: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CasualtyEstimate {
    /// By category, in category order (without the total).
    pub by_category: BTreeMap<DeathCategory, Figure>,
    /// The estimate of claims of a total, if any; else the sum over categories.
    pub total: Figure,
}

pub fn estimate(claims: &[WeighedClaim]) -> CasualtyEstimate {
    let categories = [
        DeathCategory::SideA,
        DeathCategory::SideB,
        DeathCategory::Civilians,
        DeathCategory::Unknown,
    ];
    let by_category: BTreeMap<DeathCategory, Figure> = categories
        .into_iter()
        .filter_map(|category| Some((category, estimate_category(claims, category)?)))
        .collect();
    let sum = by_category.values().fold(
        Figure {
            low: 0,
            best: 0,
            high: 0,
        },
        |sum, f| Figure {
            low: sum.low.saturating_add(f.low),
            best: sum.best.saturating_add(f.best),
            high: sum.high.saturating_add(f.high),
        },
    );
    let total = estimate_category(claims, DeathCategory::Total).unwrap_or(sum);
    CasualtyEstimate { by_category, total }
}

fn estimate_category(claims: &[WeighedClaim], category: DeathCategory) -> Option<Figure> {
    let asserted: Vec<&WeighedClaim> = claims
        .iter()
        .filter(|c| c.claim.category == category && c.claim.stance == Stance::Assert)
        .collect();
    let disinterested: Vec<&WeighedClaim> = asserted.iter().copied().filter(|c| !c.interested).collect();
    combine(if disinterested.is_empty() {
        &asserted
    } else {
        &disinterested
    })
}

fn combine(claims: &[&WeighedClaim]) -> Option<Figure> {
    match claims {
        [] => return None,
        [only] => return Some(only.claim.deaths),
        _ => {}
    }
    let mut bests: Vec<u32> = claims.iter().map(|c| c.claim.deaths.best).collect();
    bests.sort_unstable();
    let best = bests[(bests.len() - 1) / 2];
    let low = claims
        .iter()
        .map(|c| c.claim.deaths.low)
        .min()
        .expect("not empty")
        .min(best);
    let high = claims
        .iter()
        .map(|c| c.claim.deaths.high)
        .max()
        .expect("not empty")
        .max(best);
    Some(Figure { low, best, high })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;

    fn claim(claimant: &str, party: Option<&str>, category: DeathCategory, low: u32, best: u32, high: u32) -> Claim {
        Claim {
            claimant: claimant.into(),
            claimant_party: party.map(|p| Code::parse(p).unwrap()),
            stance: Stance::Assert,
            category,
            deaths: Figure { low, best, high },
        }
    }

    #[test]
    fn party_figures_stand_beside_but_do_not_drive_the_estimate() {
        // One side claims 58 soldiers killed, the other confirms 23; two outlets report 25 and 30.
        let claims = [
            claim("AFG", Some("AFG"), DeathCategory::SideB, 58, 58, 58),
            claim("PAK", Some("PAK"), DeathCategory::SideB, 23, 23, 23),
            claim("Dawn", None, DeathCategory::SideB, 20, 25, 30),
            claim("Tolo", None, DeathCategory::SideB, 30, 30, 35),
        ];
        let weighed: Vec<WeighedClaim> = claims
            .iter()
            .map(|c| WeighedClaim {
                claim: c,
                interested: c.claimant_party.is_some(),
            })
            .collect();
        let estimate = estimate(&weighed);
        assert_eq!(
            estimate.by_category[&DeathCategory::SideB],
            Figure {
                low: 20,
                best: 25,
                high: 35
            }
        );
        assert_eq!(estimate.total.best, 25);
    }

    #[test]
    fn parties_alone_give_the_estimate_and_a_broken_claim_does_not_break_it() {
        let claims = [
            claim("AFG", Some("AFG"), DeathCategory::Civilians, 12, 10, 9),
            claim("PAK", Some("PAK"), DeathCategory::Civilians, 0, 0, 0),
        ];
        let weighed: Vec<WeighedClaim> = claims
            .iter()
            .map(|c| WeighedClaim {
                claim: c,
                interested: true,
            })
            .collect();
        let figure = estimate(&weighed).by_category[&DeathCategory::Civilians];
        assert_eq!(
            figure,
            Figure {
                low: 0,
                best: 0,
                high: 9
            }
        );
        assert!(figure.low <= figure.best && figure.best <= figure.high);
    }
}
