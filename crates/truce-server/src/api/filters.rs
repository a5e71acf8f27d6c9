//! Which incidents a request asks for: the filters of `GET /api/v1/incidents`
//! and of the exports, parsed from the query string into typed values (an
//! unknown party, act, zone or status is a 400 naming it) of the store's
//! `IncidentFilter`, which writes the condition for the caller's role.

use super::auth::Caller;
use crate::{AppState, Problem};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use truce_domain::access::{Action, permits};
use truce_domain::agreement::Agreement;
use truce_domain::codes::Code;
use truce_domain::verification::lifecycle::Stage;
use truce_store::incident_list::{IncidentFilter, SearchWords};

/// The filters and the page as they arrive in the query string.
#[derive(Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// The cursor: the `next` of the previous page (the last id seen).
    #[serde(default)]
    pub after: Option<u64>,
    /// How many at most: 1 to 500 in a page (50 if absent); in an export, no limit if absent.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Only incidents at this stage of the lifecycle (`reported`, `under_review`, …, `final`).
    #[serde(default)]
    pub status: Option<String>,
    /// Only incidents attributed to this party: the responsible party of the
    /// latest determination or, before one, the party the reports accuse.
    #[serde(default)]
    pub party: Option<String>,
    /// Only incidents of this prohibited act (its code in the agreement).
    #[serde(default)]
    pub act: Option<String>,
    /// Only incidents in this zone of the agreement (its code).
    #[serde(default)]
    pub zone: Option<String>,
    /// Only incidents that happened at or after this moment (RFC 3339, or a date: its midnight UTC).
    #[serde(default)]
    pub from: Option<String>,
    /// Only incidents that happened before this moment (RFC 3339, or a date: its midnight UTC).
    #[serde(default)]
    pub to: Option<String>,
    /// Words that must all appear in a report of the incident (its narrative, place or actors).
    #[serde(default)]
    pub q: Option<String>,
}

/// The longest search text, in bytes.
const SEARCH_BYTES_MAX: usize = 200;

impl IncidentQuery {
    pub fn parse(&self, agreement: &Agreement) -> Result<IncidentFilter, Problem> {
        let status = match &self.status {
            None => None,
            Some(text) => Some(Stage::ALL.iter().copied().find(|s| s.as_str() == text).ok_or_else(|| {
                let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
                Problem::bad_request("status", format!("{text:?} is not one of {}", names.join(", ")))
            })?),
        };
        let known = |field: &str, text: &Option<String>, codes: Vec<&Code>| -> Result<Option<Code>, Problem> {
            let Some(text) = text else { return Ok(None) };
            match codes.iter().find(|c| c.as_str() == text) {
                Some(code) => Ok(Some((*code).clone())),
                None => {
                    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
                    Err(Problem::bad_request(
                        field,
                        format!("{text:?} is not one of the agreement's: {}", names.join(", ")),
                    ))
                }
            }
        };
        let party = known(
            "party",
            &self.party,
            agreement.parties.iter().map(|p| &p.code).collect(),
        )?;
        let act = known("act", &self.act, agreement.acts.iter().map(|a| &a.code).collect())?;
        let zone = known("zone", &self.zone, agreement.zones.iter().map(|z| &z.code).collect())?;
        let from = self.from.as_deref().map(|t| moment("from", t)).transpose()?;
        let to = self.to.as_deref().map(|t| moment("to", t)).transpose()?;
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err(Problem::bad_request(
                "to",
                format!("to ({to}) must be after from ({from})"),
            ));
        }
        let words = self.q.as_deref().map(search_words).transpose()?;
        Ok(IncidentFilter {
            status,
            party,
            act,
            zone,
            from,
            to,
            words,
        })
    }
}

/// A moment: RFC 3339, or a date (its midnight UTC).
fn moment(field: &str, text: &str) -> Result<DateTime<Utc>, Problem> {
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return Ok(moment.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|day| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        .map_err(|_| {
            Problem::bad_request(
                field,
                format!("{text:?} is neither an RFC 3339 moment nor a date (YYYY-MM-DD)"),
            )
        })
}

/// The words of a search, all required.
fn search_words(text: &str) -> Result<SearchWords, Problem> {
    if text.len() > SEARCH_BYTES_MAX {
        return Err(Problem::bad_request(
            "q",
            format!("the search is {} bytes, more than {SEARCH_BYTES_MAX}", text.len()),
        ));
    }
    SearchWords::of(text).ok_or_else(|| Problem::bad_request("q", "the search has no words (letters or digits)"))
}

/// Whether `caller` may see incident `incident` (a receipt never names, and
/// openings are never served of, an incident its caller may not read).
pub async fn may_see_incident(state: &AppState, caller: &Caller, incident: u64) -> Result<bool, Problem> {
    if permits(&caller.role(), Action::ReadAll) {
        return Ok(true);
    }
    let condition = IncidentFilter::default().condition(&caller.role());
    super::api(state)?
        .reads
        .run(move |connection| truce_store::incident_list::selects(connection, &condition, incident))
        .await
        .map_err(Problem::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_has_words_and_a_bounded_length() {
        assert!(search_words("shelling near Torkham").is_ok());
        assert_eq!(search_words(" -- ").unwrap_err().field.as_deref(), Some("q"));
        assert!(search_words(&"a".repeat(201)).is_err());
    }

    #[test]
    fn moments_are_rfc3339_or_dates() {
        assert_eq!(
            moment("from", "2025-10-12").unwrap().to_rfc3339(),
            "2025-10-12T00:00:00+00:00"
        );
        assert_eq!(
            moment("from", "2025-10-12T05:00:00+05:00").unwrap().to_rfc3339(),
            "2025-10-12T00:00:00+00:00"
        );
        let problem = moment("to", "12/10/2025").unwrap_err();
        assert_eq!(problem.field.as_deref(), Some("to"));
    }
}
