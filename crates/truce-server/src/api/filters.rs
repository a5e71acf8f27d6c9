//! Which incidents a request asks for: the filters of `GET /api/v1/incidents`
//! and of the exports, parsed from the query string into typed values (an
//! unknown party, act, zone or status is a 400 naming it), then written as
//! one SQL condition over `incidents i` with its named parameters.

use super::auth::Caller;
use crate::{AppState, Problem};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value;
use serde::Deserialize;
use truce_domain::access::{Action, permits};
use truce_domain::agreement::Agreement;
use truce_domain::codes::Code;
use truce_domain::role::Role;
use truce_domain::verification::lifecycle::Stage;

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

/// The filters, checked against the agreement.
#[derive(Debug, Default)]
pub struct IncidentFilter {
    status: Option<Stage>,
    party: Option<Code>,
    act: Option<Code>,
    zone: Option<Code>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    /// The search as an FTS5 query: each word quoted, all required.
    words: Option<String>,
}

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

/// Search text as an FTS5 query: its words, each quoted (so no word is
/// read as an operator), all required.
fn search_words(text: &str) -> Result<String, Problem> {
    if text.len() > SEARCH_BYTES_MAX {
        return Err(Problem::bad_request(
            "q",
            format!("the search is {} bytes, more than {SEARCH_BYTES_MAX}", text.len()),
        ));
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect();
    if words.is_empty() {
        return Err(Problem::bad_request("q", "the search has no words (letters or digits)"));
    }
    Ok(words.join(" "))
}

/// A condition on `incidents i` and the named parameters it uses.
/// The search's condition when few reports match: every match is gathered
/// first (FTS5 gives their rowids), and the page is cut from them.
pub const WORDS_MATCH_FEW: &str = "i.id IN (SELECT r.incident_id FROM reports r
                          WHERE r.id IN (SELECT rowid FROM report_text WHERE report_text MATCH :words))";
/// The same when many match: each incident in page order is asked whether a
/// report of it matches, so a page is found after a few incidents instead of
/// gathering every match (a million for a word of every report).
pub const WORDS_MATCH_MANY: &str = "EXISTS (SELECT 1 FROM reports r JOIN report_text t ON t.rowid = r.id
                          WHERE r.incident_id = i.id AND report_text MATCH :words)";
/// Matches counted before choosing: from this many on, `WORDS_MATCH_MANY`.
pub const WORDS_MANY: i64 = 20_000;

pub struct Condition {
    pub sql: String,
    pub params: Vec<(&'static str, Value)>,
}

impl Condition {
    /// The parameters as rusqlite takes them.
    pub fn bound(&self) -> Vec<(&str, &dyn rusqlite::ToSql)> {
        self.params
            .iter()
            .map(|(name, value)| (*name, value as &dyn rusqlite::ToSql))
            .collect()
    }
}

impl IncidentFilter {
    /// The condition selecting what `caller` asks for and may see: never a
    /// duplicate closed into another; for a party, the incidents its own
    /// reports opened (a report that joins an incident hidden from it does
    /// not unveil it), the allegations it was asked to answer and final
    /// findings; for observers
    /// (and anyone without a token), final findings only.
    pub fn condition(&self, caller: &Caller) -> Condition {
        let mut sql = vec!["i.status != 'closed_duplicate'".to_string()];
        let mut params: Vec<(&'static str, Value)> = Vec::new();
        let role = caller.role();
        if !permits(&role, Action::ReadAll) {
            match &role {
                Role::Party(party) => {
                    sql.push(
                        "(i.status = 'final'
                          OR EXISTS (SELECT 1 FROM replies p WHERE p.incident_id = i.id AND p.party = :viewer)
                          OR EXISTS (SELECT 1 FROM reports r WHERE r.id = i.opened_by_report
                                     AND r.source_type = 'party' AND r.source_name = :viewer))"
                            .into(),
                    );
                    params.push((":viewer", Value::Text(party.to_string())));
                }
                _ => sql.push("i.status = 'final'".into()),
            }
        }
        if let Some(status) = self.status {
            sql.push("i.status = :status".into());
            params.push((":status", Value::Text(status.as_str().into())));
        }
        if let Some(party) = &self.party {
            sql.push("COALESCE(i.responsible_party, i.accused) = :party".into());
            params.push((":party", Value::Text(party.to_string())));
        }
        if let Some(act) = &self.act {
            sql.push("i.act = :act".into());
            params.push((":act", Value::Text(act.to_string())));
        }
        if let Some(zone) = &self.zone {
            sql.push("(',' || i.zones || ',') LIKE :zone".into());
            params.push((":zone", Value::Text(format!("%,{zone},%"))));
        }
        if let Some(from) = self.from {
            sql.push("i.happened_at >= :from".into());
            params.push((":from", Value::Integer(from.timestamp())));
        }
        if let Some(to) = self.to {
            sql.push("i.happened_at < :to".into());
            params.push((":to", Value::Integer(to.timestamp())));
        }
        if let Some(words) = &self.words {
            sql.push(WORDS_MATCH_FEW.into());
            params.push((":words", Value::Text(words.clone())));
        }
        Condition {
            sql: sql.join(" AND "),
            params,
        }
    }
}

/// Whether `caller` may see incident `incident` (a receipt never names, and
/// openings are never served of, an incident its caller may not read).
pub async fn may_see_incident(state: &AppState, caller: &Caller, incident: u64) -> Result<bool, Problem> {
    if permits(&caller.role(), Action::ReadAll) {
        return Ok(true);
    }
    let condition = IncidentFilter::default().condition(caller);
    super::api(state)?
        .reads
        .run(move |connection| super::incidents::selects(connection, &condition, incident))
        .await
        .map_err(Problem::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_quoted_so_none_is_an_operator() {
        assert_eq!(
            search_words("shelling NEAR \"Torkham\" OR*").unwrap(),
            "\"shelling\" \"NEAR\" \"Torkham\" \"OR\""
        );
        assert_eq!(search_words("تورخم").unwrap(), "\"تورخم\"");
        assert!(search_words(" -- ").is_err());
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
