//! An incident as read back for exports and bulletins: its reports' places,
//! times and sources, and every claim, each marked interested or not.

use crate::casualties::{CasualtyEstimate, WeighedClaim, estimate};
use crate::report::{Claim, DeathCategory, Figure, LocationPrecision, SourceType, TimePrecision};
use crate::verification::determination::VerifiedDeaths;

/// What an incident's view needs of one of its reports.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportFacts {
    /// Seconds since the epoch, UTC.
    pub start: i64,
    pub end: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub location_precision: LocationPrecision,
    pub time_precision: TimePrecision,
    pub source_name: String,
    pub source_type: SourceType,
    pub actor1: Option<String>,
    pub actor2: Option<String>,
    pub acled_event_type: Option<String>,
    pub acled_sub_event_type: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IncidentView {
    pub id: u64,
    pub status: String,
    /// In filing order.
    pub reports: Vec<ReportFacts>,
    /// Every claim of its reports, with whether its claimant has a stake.
    pub claims: Vec<(Claim, bool)>,
    /// The deaths its latest determination verified, once one is issued.
    pub verified: Option<VerifiedDeaths>,
}

impl IncidentView {
    pub fn estimate(&self) -> CasualtyEstimate {
        let weighed: Vec<WeighedClaim> = self
            .claims
            .iter()
            .map(|(claim, interested)| WeighedClaim {
                claim,
                interested: *interested,
            })
            .collect();
        estimate(&weighed)
    }

    /// The mechanism's figure of the deaths: what the latest determination
    /// verified once there is one (the mediators weighed the claims, the
    /// evidence and the replies); before, the estimate rule over the
    /// claims. Exports and pages say this one, each party's claim beside it.
    pub fn deaths(&self) -> Figure {
        match self.verified {
            Some(verified) => Figure {
                low: verified.low,
                best: verified.best,
                high: verified.high,
            },
            None => self.estimate().total,
        }
    }

    /// [`IncidentView::deaths`] by UCDP's categories (side A, side B,
    /// civilians, unknown), summing to its best figure: the rule's own
    /// categories when they agree with it, else the verified civilians and
    /// the rest as of unknown status.
    pub fn deaths_by_category(&self) -> [u32; 4] {
        let estimate = self.estimate();
        let of = |category| estimate.by_category.get(&category).map_or(0, |f: &Figure| f.best);
        let rule = [
            of(DeathCategory::SideA),
            of(DeathCategory::SideB),
            of(DeathCategory::Civilians),
            of(DeathCategory::Unknown),
        ];
        match self.verified {
            Some(verified) if rule.iter().map(|&d| u64::from(d)).sum::<u64>() != u64::from(verified.best) => {
                let civilians = verified.civilians.min(verified.best);
                [0, 0, civilians, verified.best - civilians]
            }
            _ => rule,
        }
    }

    /// The report whose place is known best (the first, among equals).
    pub fn best_located(&self) -> Option<&ReportFacts> {
        self.reports.iter().min_by(|a, b| {
            a.location_precision
                .radius_km()
                .total_cmp(&b.location_precision.radius_km())
        })
    }

    /// The ACLED event and sub-event types its reports name first.
    pub fn acled_types(&self) -> (String, String) {
        let event_type = self
            .reports
            .iter()
            .find_map(|r| r.acled_event_type.clone())
            .unwrap_or_default();
        let sub = self
            .reports
            .iter()
            .find_map(|r| r.acled_sub_event_type.clone())
            .unwrap_or_default();
        (event_type, sub)
    }

    /// Distinct sources, by name.
    pub fn source_count(&self) -> usize {
        let mut names: Vec<&str> = self.reports.iter().map(|r| r.source_name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    }
}
