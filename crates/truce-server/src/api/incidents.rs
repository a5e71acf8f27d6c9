//! Incidents as each role may see them.
//!
//! - Mediators, monitors and the admin see every incident, unredacted.
//! - A party sees the incidents it reported, the allegations against it
//!   (those it was asked to reply to) and every final one; in an allegation
//!   against it, the other sources are redacted: it learns what was
//!   alleged and by which kind of source, never who reported it.
//! - Observers (and anyone without a token) see final determinations only.
//!
//! `GET /api/v1/incidents` pages by cursor (`?after=<id>&limit=<n>`, the
//! answer's `next` is the next page's cursor), filters by status, party,
//! act, zone and time, and searches the reports' words ([`super::filters`]).

use super::api;
use super::auth::Caller;
use super::body::Id;
use super::filters::{Condition, IncidentFilter, IncidentQuery, WORDS_MANY, WORDS_MATCH_FEW, WORDS_MATCH_MANY};
use crate::{AppState, Problem};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use truce_domain::access::{Action, permits};
use truce_domain::report::SourceType;
use truce_domain::role::Role;
use truce_store::queries;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", get(list))
        .route("/api/v1/incidents/{id}", get(one))
}

const LIMIT_MAX: u32 = 500;

/// One incident in a list: its summary, as the projections keep it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentSummary {
    pub id: u64,
    pub status: String,
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

/// A page of incidents.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentPage {
    pub items: Vec<IncidentSummary>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
}

/// The summaries `condition` selects after the id `after`, in id order, at most `limit`.
pub fn summaries(
    connection: &rusqlite::Connection,
    condition: &Condition,
    after: u64,
    limit: Option<u32>,
) -> rusqlite::Result<Vec<IncidentSummary>> {
    select(connection, condition, after, limit, "ASC")
}

/// The newest `limit` summaries `condition` selects, in id order.
pub fn newest_summaries(
    connection: &rusqlite::Connection,
    condition: &Condition,
    limit: u32,
) -> rusqlite::Result<Vec<IncidentSummary>> {
    let mut newest = select(connection, condition, 0, Some(limit), "DESC")?;
    newest.reverse();
    Ok(newest)
}

/// The newest `limit` summaries `condition` selects, in id order, and how many it selects in all.
pub fn latest_summaries(
    connection: &rusqlite::Connection,
    condition: &Condition,
    limit: u32,
) -> rusqlite::Result<(Vec<IncidentSummary>, u64)> {
    let newest = newest_summaries(connection, condition, limit)?;
    let sql = format!("SELECT COUNT(*) FROM incidents i WHERE {}", condition.sql);
    let total: i64 = connection
        .prepare_cached(&sql)?
        .query_row(condition.bound().as_slice(), |row| row.get(0))?;
    Ok((newest, total as u64))
}

/// Whether `condition` selects incident `id`: one indexed lookup.
pub fn selects(connection: &rusqlite::Connection, condition: &Condition, id: u64) -> rusqlite::Result<bool> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM incidents i WHERE i.id = :id AND {})",
        condition.sql
    );
    let id = id as i64;
    let mut params = condition.bound();
    params.push((":id", &id));
    connection
        .prepare_cached(&sql)?
        .query_row(params.as_slice(), |row| row.get(0))
}

/// The condition's SQL, its search (if any) in the form that suits how
/// many reports match: counted first, up to `WORDS_MANY`, on the index.
fn searched(connection: &rusqlite::Connection, condition: &Condition) -> rusqlite::Result<String> {
    searched_with(connection, condition, WORDS_MANY)
}

fn searched_with(connection: &rusqlite::Connection, condition: &Condition, many: i64) -> rusqlite::Result<String> {
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
    connection: &rusqlite::Connection,
    condition: &Condition,
    after: u64,
    limit: Option<u32>,
    order: &'static str,
) -> rusqlite::Result<Vec<IncidentSummary>> {
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
            status: row.get(1)?,
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
    rows.collect()
}

/// The query string, or a 400 naming what is wrong with it.
pub type QueryResult = Result<Query<IncidentQuery>, axum::extract::rejection::QueryRejection>;

pub fn query_of(query: QueryResult) -> Result<IncidentQuery, Problem> {
    query
        .map(|Query(q)| q)
        .map_err(|e| Problem::bad_request("query", e.body_text()))
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents",
    summary = "Incidents the caller may see, filtered and searched, by cursor",
    params(IncidentQuery),
    responses(
        (status = 200, description = "a page: items, and the cursor of the next (null at the end)", body = IncidentPage),
        (status = "4XX", description = "a problem document naming the field", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    query: QueryResult,
) -> Result<Response, Problem> {
    let api = api(&state)?;
    // An observer's page is the same for every observer until the record changes.
    let public = caller
        .user
        .is_none()
        .then(|| (raw.unwrap_or_default(), api.engine.latest_checkpoint().size));
    if let Some((request, version)) = &public
        && let Some(answer) = api.public.get(request, *version)
    {
        return Ok(json_bytes(answer));
    }
    let query = query_of(query)?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=LIMIT_MAX).contains(&limit) {
        return Err(Problem::bad_request(
            "limit",
            format!("limit is 1 to {LIMIT_MAX}, not {limit}"),
        ));
    }
    let condition = query.parse(&api.agreement)?.condition(&caller);
    // An indexed page of at most 500 rows takes well under a millisecond: run
    // it in place rather than pay a hop to the blocking pool. A search
    // (full-text) may take longer and goes to the blocking pool.
    let after = query.after.unwrap_or(0);
    let mut items = if query.q.is_some() {
        api.reads
            .run(move |connection| summaries(connection, &condition, after, Some(limit + 1)))
            .await?
    } else {
        api.reads
            .with(|connection| summaries(connection, &condition, after, Some(limit + 1)))?
            .map_err(|e| Problem::internal(&e))?
    };
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|item| item.id.to_string())
    } else {
        None
    };
    let answer = Bytes::from(serde_json::to_vec(&IncidentPage { items, next }).map_err(|e| Problem::internal(&e))?);
    if let Some((request, version)) = public {
        api.public.put(request, version, answer.clone());
    }
    Ok(json_bytes(answer))
}

/// JSON already serialized, as a response.
fn json_bytes(answer: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], answer).into_response()
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}",
    summary = "One incident, as the caller may see it",
    params(("id" = u64, Path, description = "the incident's id")),
    responses(
        (status = 200, description = "the incident", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<serde_json::Value>, Problem> {
    Ok(Json(detail(&state, &caller, id).await?))
}

/// Incident `id` as `caller` may see it (the API's answer, and the web page's matter); 404 if it may not.
pub async fn detail(state: &AppState, caller: &Caller, id: u64) -> Result<serde_json::Value, Problem> {
    let api = api(state)?;
    let role = caller.role();
    let condition = IncidentFilter::default().condition(caller);
    let (view, may_see) = api
        .reads
        .run(move |connection| -> Result<_, truce_store::StoreError> {
            let view = queries::incident(connection, id)?;
            Ok((view, selects(connection, &condition, id)?))
        })
        .await?;
    // Not there and not visible are the same answer: a party must not learn what exists.
    let (Some(view), true) = (view, may_see) else {
        return Err(Problem::not_found(format!(
            "incident {id} does not exist or is not visible to you"
        )));
    };
    let agreement = api.agreement.clone();
    let role_for_read = role.clone();
    let detail = api
        .engine
        .read(move |engine| {
            let state = engine.state();
            let mut case = state.verification().case(id).cloned().unwrap_or_default();
            let facts = state.incident_facts(id);
            let redact = !permits(&role_for_read, Action::ReadAll);
            // Each determination keeps the explanation it was made on: withheld names there too.
            if redact {
                for issued in &mut case.determinations {
                    issued.determination.explanation = issued.determination.explanation.redacted();
                }
            }
            let explanation = state
                .explain(id, &agreement)
                .map(|e| if redact { e.redacted() } else { e });
            let penalties: Vec<_> = state
                .verification()
                .penalties()
                .iter()
                .filter(|p| p.incident == id)
                .cloned()
                .collect();
            // A party sees its own reports whole; any other source as its kind alone.
            let own = |name: &str| matches!(&role_for_read, Role::Party(code) if code.as_str() == name);
            let sources: Vec<serde_json::Value> = facts
                .as_ref()
                .map(|f| {
                    f.sources
                        .iter()
                        .map(|s| {
                            if redact && !own(&s.name) && s.source_type != SourceType::Party {
                                serde_json::json!({"source_type": s.source_type, "name": "(redacted)"})
                            } else {
                                serde_json::json!(s)
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            // Which team goes where, and what it is to look at, is the monitors' until it has been.
            let tasks: Vec<serde_json::Value> = case
                .tasks
                .iter()
                .map(|t| {
                    if redact {
                        serde_json::json!({"id": t.id, "due": t.due})
                    } else {
                        serde_json::json!(t)
                    }
                })
                .collect();
            serde_json::json!({
                "id": id,
                "status": case.stage().as_str(),
                "happened_at": facts.as_ref().map(|f| f.at),
                "sources": sources,
                "verification": explanation,
                "tasks": tasks,
                "findings": case.findings,
                "replies": case.replies,
                "determinations": case.determinations,
                "appeals": case.appeals,
                "penalties": penalties,
            })
        })
        .await
        .map_err(|e| Problem::internal(&e))?;
    let redact = !permits(&role, Action::ReadAll);
    let claims: Vec<serde_json::Value> = view
        .claims
        .iter()
        .map(|(claim, interested)| {
            let mut value = serde_json::json!({"claim": claim, "interested": interested});
            // Who claimed is a source: a party learns the claimant only if it is a party.
            if redact && claim.claimant_party.is_none() {
                value["claim"]["claimant"] = serde_json::json!("(redacted)");
            }
            value
        })
        .collect();
    let deaths = view.deaths();
    let mut detail = detail;
    detail["claims"] = serde_json::json!(claims);
    detail["estimate"] = serde_json::json!({
        "low": deaths.low, "best": deaths.best, "high": deaths.high, "verified": view.stated_deaths().is_some(),
    });
    Ok(detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;

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
