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
    /// claims (also when the determination states no figure). Exports and
    /// pages say this one, each party's claim beside it.
    pub fn deaths(&self) -> Figure {
        match self.stated_deaths() {
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
        match self.stated_deaths() {
            Some(verified) if rule.iter().map(|&d| u64::from(d)).sum::<u64>() != u64::from(verified.best) => {
                let civilians = verified.civilians.min(verified.best);
                [0, 0, civilians, verified.best - civilians]
            }
            _ => rule,
        }
    }

    /// The latest determination's figure, if it states one: a determination
    /// may be made without a figure (no violation, unverifiable), which its
    /// input leaves at zero, so a zero figure over claims of deaths is
    /// taken as none stated and the estimate rule's figure stands.
    pub fn stated_deaths(&self) -> Option<VerifiedDeaths> {
        self.verified
            .filter(|verified| *verified != VerifiedDeaths::default() || self.estimate().total.high == 0)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::report::Stance;

    fn claim(party: Option<&str>, category: DeathCategory, best: u32) -> (Claim, bool) {
        let claim = Claim {
            claimant: party.unwrap_or("Dawn").into(),
            claimant_party: party.map(|p| Code::parse(p).unwrap()),
            stance: Stance::Assert,
            category,
            deaths: Figure {
                low: best,
                best,
                high: best,
            },
        };
        let interested = claim.claimant_party.is_some();
        (claim, interested)
    }

    /// The border clash: AFG claims 58 of side B, PAK 23 (and 200 of side A),
    /// a wire service 23; the determination verified 23 (23 to 58).
    fn border_clash(verified: Option<VerifiedDeaths>) -> IncidentView {
        IncidentView {
            id: 2,
            status: "final".into(),
            reports: Vec::new(),
            claims: vec![
                claim(Some("AFG"), DeathCategory::SideB, 58),
                claim(Some("PAK"), DeathCategory::SideB, 23),
                claim(Some("PAK"), DeathCategory::SideA, 200),
                claim(None, DeathCategory::SideB, 23),
            ],
            verified,
        }
    }

    #[test]
    fn the_determination_s_figure_is_the_mechanism_s_once_stated() {
        let before = border_clash(None);
        assert_eq!(before.deaths().best, 223, "the rule sums the categories");
        let verified = VerifiedDeaths {
            low: 23,
            best: 23,
            high: 58,
            civilians: 0,
        };
        let after = border_clash(Some(verified));
        assert_eq!(
            after.deaths(),
            Figure {
                low: 23,
                best: 23,
                high: 58
            }
        );
        assert_eq!(
            after.deaths_by_category(),
            [0, 0, 0, 23],
            "the categories add up to the figure"
        );
        // A determination without a figure (its input left at zero) leaves the rule's.
        let unstated = border_clash(Some(VerifiedDeaths::default()));
        assert_eq!(unstated.deaths().best, 223);
        assert_eq!(unstated.stated_deaths(), None);
    }
}
