//! Lists of incidents from the projections: which incidents a filter and
//! the reader's role select ([`IncidentFilter::condition`], one SQL
//! condition over `incidents i` with its named parameters, whose visibility
//! is the role table of `truce_domain::access`), a page of their summaries
//! by cursor, the newest, whether one is selected, and the whole selection
//! a part at a time for the exports.

use crate::error::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rusqlite::types::Value;
use truce_domain::access::{Action, permits};
use truce_domain::codes::Code;
use truce_domain::incident::IncidentView;
use truce_domain::role::Role;
use truce_domain::verification::lifecycle::Stage;

/// The stage a projection's column holds, refused (as a conversion
/// failure, naming the text) when it is not one of the domain's.
pub(crate) fn stage_column(row: &rusqlite::Row, index: usize) -> rusqlite::Result<Stage> {
    let text: String = row.get(index)?;
    Stage::ALL.iter().copied().find(|s| s.as_str() == text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("{text:?} is not a stage of the lifecycle").into(),
        )
    })
}

/// What a reader asks for, checked against the agreement by its caller.
#[derive(Clone, Debug, Default)]
pub struct IncidentFilter {
    pub status: Option<Stage>,
    /// The party attributed: the latest determination's responsible party, or before one the accused.
    pub party: Option<Code>,
    pub act: Option<Code>,
    pub zone: Option<Code>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Words that must all appear in a report of the incident.
    pub words: Option<SearchWords>,
}

/// The words of a search, each letters and digits only, at least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchWords(Vec<String>);

impl SearchWords {
    /// The words of `text` (split at anything but letters and digits); `None` when it has none.
    pub fn of(text: &str) -> Option<SearchWords> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        (!words.is_empty()).then_some(SearchWords(words))
    }

    /// As an FTS5 query: each word quoted (so none is read as an operator), all required.
    fn fts5_query(&self) -> String {
        let quoted: Vec<String> = self.0.iter().map(|w| format!("\"{w}\"")).collect();
        quoted.join(" ")
    }
}

/// One incident in a list: its summary, as the projections keep it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IncidentSummary {
    pub id: u64,
    #[schema(value_type = String)]
    pub status: Stage,
    pub happened_at: Option<chrono::DateTime<chrono::Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub reports: u64,
    /// The act of its first report that names one.
    pub act: Option<String>,
    /// The party its reports accuse (the first that names one).
    pub accused: Option<String>,
    /// The agreement's zones its first placed report falls in.
    pub zones: Vec<String>,
    pub verdict: Option<String>,
    pub responsible_party: Option<String>,
}

/// A condition on `incidents i` and the named parameters it uses.
/// The search's condition when few reports match: every match is gathered
/// first (FTS5 gives their rowids), and the page is cut from them.
const WORDS_MATCH_FEW: &str = "i.id IN (SELECT r.incident_id FROM reports r
                          WHERE r.id IN (SELECT rowid FROM report_text WHERE report_text MATCH :words))";
/// The same when many match: each incident in page order is asked whether a
/// report of it matches, so a page is found after a few incidents instead of
/// gathering every match (a million for a word of every report).
const WORDS_MATCH_MANY: &str = "EXISTS (SELECT 1 FROM reports r JOIN report_text t ON t.rowid = r.id
                          WHERE r.incident_id = i.id AND report_text MATCH :words)";
/// Matches counted before choosing: from this many on, `WORDS_MATCH_MANY`.
const WORDS_MANY: i64 = 20_000;

pub struct Condition {
    sql: String,
    params: Vec<(&'static str, Value)>,
}

impl Condition {
    /// The parameters as rusqlite takes them.
    fn bound(&self) -> Vec<(&str, &dyn rusqlite::ToSql)> {
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
    pub fn condition(&self, role: &Role) -> Condition {
        let mut sql = vec!["i.status != 'closed_duplicate'".to_string()];
        let mut params: Vec<(&'static str, Value)> = Vec::new();
        if !permits(role, Action::ReadAll) {
            match role {
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
            params.push((":words", Value::Text(words.fts5_query())));
        }
        Condition {
            sql: sql.join(" AND "),
            params,
        }
    }
}

/// The summaries `condition` selects after the id `after`, in id order, at most `limit`.
pub fn summaries(
    connection: &Connection,
    condition: &Condition,
    after: u64,
    limit: Option<u32>,
) -> Result<Vec<IncidentSummary>, StoreError> {
    select(connection, condition, after, limit, "ASC")
}

/// The newest `limit` summaries `condition` selects, in id order.
pub fn newest_summaries(
    connection: &Connection,
    condition: &Condition,
    limit: u32,
) -> Result<Vec<IncidentSummary>, StoreError> {
    let mut newest = select(connection, condition, 0, Some(limit), "DESC")?;
    newest.reverse();
    Ok(newest)
}

/// The newest `limit` summaries `condition` selects, in id order, and how many it selects in all.
pub fn latest_summaries(
    connection: &Connection,
    condition: &Condition,
    limit: u32,
) -> Result<(Vec<IncidentSummary>, u64), StoreError> {
    let newest = newest_summaries(connection, condition, limit)?;
    let sql = format!("SELECT COUNT(*) FROM incidents i WHERE {}", condition.sql);
    let total: i64 = connection
        .prepare_cached(&sql)?
        .query_row(condition.bound().as_slice(), |row| row.get(0))?;
    Ok((newest, total as u64))
}

/// Whether `condition` selects incident `id`: one indexed lookup.
pub fn selects(connection: &Connection, condition: &Condition, id: u64) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM incidents i WHERE i.id = :id AND {})",
        condition.sql
    );
    let id = id as i64;
    let mut params = condition.bound();
    params.push((":id", &id));
    Ok(connection
        .prepare_cached(&sql)?
        .query_row(params.as_slice(), |row| row.get(0))?)
}

/// The condition's SQL, its search (if any) in the form that suits how
/// many reports match: counted first, up to `WORDS_MANY`, on the index.
fn searched(connection: &Connection, condition: &Condition) -> Result<String, StoreError> {
    searched_with(connection, condition, WORDS_MANY)
}

fn searched_with(connection: &Connection, condition: &Condition, many: i64) -> Result<String, StoreError> {
    let Some((_, words)) = condition.params.iter().find(|(name, _)| *name == ":words") else {
        return Ok(condition.sql.clone());
    };
    let matches: i64 = connection
        .prepare_cached("SELECT COUNT(*) FROM (SELECT rowid FROM report_text WHERE report_text MATCH ?1 LIMIT ?2)")?
        .query_row(rusqlite::params![words, many], |row| row.get(0))?;
    Ok(if matches >= many {
        condition.sql.replace(WORDS_MATCH_FEW, WORDS_MATCH_MANY)
    } else {
        condition.sql.clone()
    })
}

/// `order`: `ASC` or `DESC`, by id.
fn select(
    connection: &Connection,
    condition: &Condition,
    after: u64,
    limit: Option<u32>,
    order: &'static str,
) -> Result<Vec<IncidentSummary>, StoreError> {
    let sql = format!(
        "SELECT i.id, i.status, i.happened_at, i.latitude, i.longitude, i.report_count, i.act, i.accused, i.zones,
                i.verdict, i.responsible_party
         FROM incidents i WHERE i.id > :after AND {} ORDER BY i.id {order} LIMIT :limit",
        searched(connection, condition)?
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let after = after as i64;
    let limit = limit.map_or(-1, i64::from);
    let mut params = condition.bound();
    params.push((":after", &after));
    params.push((":limit", &limit));
    let rows = statement.query_map(params.as_slice(), |row| {
        Ok(IncidentSummary {
            id: row.get::<_, i64>(0)? as u64,
            status: stage_column(row, 1)?,
            happened_at: row
                .get::<_, Option<i64>>(2)?
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
            latitude: row.get(3)?,
            longitude: row.get(4)?,
            reports: row.get::<_, i64>(5)? as u64,
            act: row.get(6)?,
            accused: row.get(7)?,
            zones: row
                .get::<_, Option<String>>(8)?
                .map(|z| z.split(',').filter(|z| !z.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            verdict: row.get(9)?,
            responsible_party: row.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every incident `condition` selects after the id `after` (at most
/// `limit`), read `part` at a time and handed to `each` as their views;
/// stops when `each` answers false (the reader has gone).
pub fn for_each_part(
    connection: &Connection,
    condition: &Condition,
    mut after: u64,
    limit: Option<u64>,
    part: u32,
    mut each: impl FnMut(Vec<IncidentView>) -> bool,
) -> Result<(), StoreError> {
    let mut remaining = limit;
    loop {
        let take = remaining.map_or(part, |r| r.min(u64::from(part)) as u32);
        if take == 0 {
            return Ok(());
        }
        let page = summaries(connection, condition, after, Some(take))?;
        let Some(last) = page.last() else { return Ok(()) };
        after = last.id;
        let mut views = Vec::with_capacity(page.len());
        for summary in &page {
            if let Some(view) = crate::queries::incident(connection, summary.id)? {
                views.push(view);
            }
        }
        remaining = remaining.map(|r| r - page.len() as u64);
        if !each(views) {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both forms of the search select the same incidents, in the same order.
    #[test]
    fn a_search_gives_the_same_page_whichever_form_it_takes() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE incidents (id INTEGER PRIMARY KEY, status TEXT);
                 CREATE TABLE reports (id INTEGER PRIMARY KEY, incident_id INTEGER);
                 CREATE INDEX reports_by_incident ON reports (incident_id);
                 CREATE VIRTUAL TABLE report_text USING fts5 (text, content = '', detail = none, columnsize = 0);",
            )
            .unwrap();
        for report in 1..=300i64 {
            let incident = (report + 1) / 2;
            let text = format!(
                "report {} {}",
                if report % 3 == 0 { "mortar" } else { "drone" },
                report % 7
            );
            connection
                .execute("INSERT OR IGNORE INTO incidents VALUES (?1, 'reported')", [incident])
                .unwrap();
            connection
                .execute("INSERT INTO reports VALUES (?1, ?2)", [report, incident])
                .unwrap();
            connection
                .execute(
                    "INSERT INTO report_text (rowid, text) VALUES (?1, ?2)",
                    rusqlite::params![report, text],
                )
                .unwrap();
        }
        let page = |words: &str, many: i64, after: i64| -> (bool, Vec<i64>) {
            let condition = Condition {
                sql: format!("i.status != 'closed_duplicate' AND {WORDS_MATCH_FEW}"),
                params: vec![(":words", Value::Text(words.into()))],
            };
            let sql = searched_with(&connection, &condition, many).unwrap();
            let query = format!("SELECT i.id FROM incidents i WHERE i.id > :after AND {sql} ORDER BY i.id LIMIT 20");
            let mut params = condition.bound();
            params.push((":after", &after));
            let ids = connection
                .prepare(&query)
                .unwrap()
                .query_map(params.as_slice(), |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            (sql.contains("EXISTS"), ids)
        };
        for (words, after) in [
            ("mortar", 0),
            ("drone", 40),
            ("mortar 3", 0),
            ("report", 140),
            ("absent", 0),
        ] {
            let (few_form, few) = page(words, i64::MAX, after);
            let (many_form, many) = page(words, 1, after);
            assert!(!few_form, "{words}: gathered when few match");
            assert_eq!(
                many_form,
                words != "absent",
                "{words}: asked incident by incident when many match"
            );
            assert_eq!(few, many, "{words} after {after}");
        }
        assert_eq!(page("mortar", 1, 0).1[..3], [2, 3, 5], "reports 3, 6 and 9");
    }
}

#[cfg(test)]
mod words {
    use super::SearchWords;

    #[test]
    fn search_words_are_quoted_so_none_is_an_operator() {
        assert_eq!(
            SearchWords::of("shelling NEAR \"Torkham\" OR*").unwrap().fts5_query(),
            "\"shelling\" \"NEAR\" \"Torkham\" \"OR\""
        );
        assert_eq!(SearchWords::of("تورخم").unwrap().fts5_query(), "\"تورخم\"");
        assert!(SearchWords::of(" -- ").is_none());
    }
}
