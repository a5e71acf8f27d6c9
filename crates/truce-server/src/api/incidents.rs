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
//! answer's `next` is the next page's cursor) and filters by `status`.

use super::api;
use super::auth::Caller;
use super::body::Id;
use crate::{AppState, Problem};
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;
use truce_domain::access::{Action, permits};
use truce_domain::report::SourceType;
use truce_domain::role::Role;
use truce_domain::verification::lifecycle::Stage;
use truce_store::queries;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", get(list))
        .route("/api/v1/incidents/{id}", get(one))
}

/// The SQL condition (on `incidents i`) of what `role` may see; `:party` is its party code.
fn visible(role: &Role) -> &'static str {
    if permits(role, Action::ReadAll) {
        return "1";
    }
    match role {
        Role::Party(_) => {
            "(i.status = 'final'
              OR EXISTS (SELECT 1 FROM replies p WHERE p.incident_id = i.id AND p.party = :party)
              OR EXISTS (SELECT 1 FROM reports r WHERE r.incident_id = i.id AND r.source_type = 'party' AND r.source_name = :party))"
        }
        _ => "i.status = 'final'",
    }
}

/// The named parameters `sql` uses, of those given (SQLite refuses a name it does not use).
fn bind<'a>(sql: &str, given: &[(&'a str, &'a dyn rusqlite::ToSql)]) -> Vec<(&'a str, &'a dyn rusqlite::ToSql)> {
    given.iter().filter(|(name, _)| sql.contains(name)).copied().collect()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The cursor: the `next` of the previous page.
    #[serde(default)]
    after: Option<u64>,
    /// 1 to 500, 50 if absent.
    #[serde(default)]
    limit: Option<u32>,
    /// Only incidents at this stage of the lifecycle.
    #[serde(default)]
    status: Option<String>,
}

const LIMIT_MAX: u32 = 500;

/// One incident in a list.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentSummary {
    pub id: u64,
    pub status: String,
    pub happened_at: Option<chrono::DateTime<chrono::Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub reports: u64,
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

#[utoipa::path(
    get,
    path = "/api/v1/incidents",
    summary = "Incidents the caller may see, by cursor",
    params(ListQuery),
    responses(
        (status = 200, description = "a page: items, and the cursor of the next (null at the end)", body = IncidentPage),
        (status = "4XX", description = "a problem document naming the field", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, Problem> {
    let Query(query) = query.map_err(|e| Problem::bad_request("query", e.body_text()))?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=LIMIT_MAX).contains(&limit) {
        return Err(Problem::bad_request(
            "limit",
            format!("limit is 1 to {LIMIT_MAX}, not {limit}"),
        ));
    }
    if let Some(status) = &query.status
        && !Stage::ALL.iter().any(|s| s.as_str() == status)
    {
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        return Err(Problem::bad_request(
            "status",
            format!("{status:?} is not one of {}", names.join(", ")),
        ));
    }
    let role = caller.role();
    let party = role.affiliation().map(|c| c.to_string()).unwrap_or_default();
    let reads = api(&state)?.reads.clone();
    let condition = visible(&role);
    // An indexed page of at most 500 rows takes well under a millisecond: run
    // it in place rather than pay a hop to the blocking pool.
    let rows = reads.with(|connection| -> rusqlite::Result<Vec<serde_json::Value>> {
        let sql = format!(
            "SELECT i.id, i.status,
                    (SELECT MIN(event_start) FROM reports r WHERE r.incident_id = i.id),
                    (SELECT latitude FROM reports r WHERE r.incident_id = i.id ORDER BY r.id LIMIT 1),
                    (SELECT longitude FROM reports r WHERE r.incident_id = i.id ORDER BY r.id LIMIT 1),
                    (SELECT COUNT(*) FROM reports r WHERE r.incident_id = i.id),
                    (SELECT verdict FROM determinations d WHERE d.incident_id = i.id ORDER BY number DESC LIMIT 1),
                    (SELECT responsible_party FROM determinations d WHERE d.incident_id = i.id ORDER BY number DESC LIMIT 1)
             FROM incidents i
             WHERE i.id > :after AND (:status IS NULL OR i.status = :status) AND i.status != 'closed_duplicate' AND {condition}
             ORDER BY i.id LIMIT :limit"
        );
        let mut statement = connection.prepare_cached(&sql)?;
        let after = query.after.unwrap_or(0) as i64;
        let rows = statement.query_map(
            bind(&sql, &[(":after", &after), (":status", &query.status), (":limit", &(limit + 1)), (":party", &party)]).as_slice(),
            |row| {
                Ok(serde_json::json!({
                    "id": row.get::<_, i64>(0)?,
                    "status": row.get::<_, String>(1)?,
                    "happened_at": row.get::<_, Option<i64>>(2)?
                        .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
                    "latitude": row.get::<_, Option<f64>>(3)?,
                    "longitude": row.get::<_, Option<f64>>(4)?,
                    "reports": row.get::<_, i64>(5)?,
                    "verdict": row.get::<_, Option<String>>(6)?,
                    "responsible_party": row.get::<_, Option<String>>(7)?,
                }))
            },
        )?;
        rows.collect()
    })?
    .map_err(|e| Problem::internal(&e))?;
    let mut items = rows;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|item| item["id"].to_string())
    } else {
        None
    };
    Ok(Json(serde_json::json!({"items": items, "next": next})))
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
    let api = api(&state)?;
    let role = caller.role();
    let visible_sql = visible(&role);
    let party = role.affiliation().map(|c| c.to_string()).unwrap_or_default();
    let (view, may_see) = api
        .reads
        .run(move |connection| -> Result<_, truce_store::StoreError> {
            let view = queries::incident(connection, id)?;
            let sql = format!("SELECT EXISTS (SELECT 1 FROM incidents i WHERE i.id = :id AND {visible_sql})");
            let id_param = id as i64;
            let may_see: bool = connection.query_row(
                &sql,
                bind(&sql, &[(":id", &id_param), (":party", &party)]).as_slice(),
                |row| row.get(0),
            )?;
            Ok((view, may_see))
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
            let case = state.verification().case(id).cloned().unwrap_or_default();
            let facts = state.incident_facts(id);
            let explanation = state.explain(id, &agreement);
            let penalties: Vec<_> = state
                .verification()
                .penalties()
                .iter()
                .filter(|p| p.incident == id)
                .cloned()
                .collect();
            // A party sees its own reports whole; any other source as its kind alone.
            let own = |name: &str| matches!(&role_for_read, Role::Party(code) if code.as_str() == name);
            let redact = !permits(&role_for_read, Action::ReadAll);
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
            serde_json::json!({
                "id": id,
                "status": case.stage().as_str(),
                "happened_at": facts.as_ref().map(|f| f.at),
                "sources": sources,
                "verification": explanation,
                "tasks": case.tasks,
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
    let estimate = view.estimate();
    let mut detail = detail;
    detail["claims"] = serde_json::json!(claims);
    detail["estimate"] =
        serde_json::json!({"low": estimate.total.low, "best": estimate.total.best, "high": estimate.total.high});
    Ok(Json(detail))
}
