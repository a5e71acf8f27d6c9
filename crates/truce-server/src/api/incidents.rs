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
use super::filters::IncidentQuery;
pub use super::incident_detail::IncidentDetail;
use crate::{AppState, Problem};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use truce_domain::access::{Action, permits};
pub use truce_store::incident_list::{
    IncidentFilter, IncidentSummary, latest_summaries, newest_summaries, selects, summaries,
};
use truce_store::queries;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", get(list))
        .route("/api/v1/incidents/{id}", get(one))
}

const LIMIT_MAX: u32 = 500;

/// A page of incidents.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentPage {
    pub items: Vec<IncidentSummary>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
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
    let condition = query.parse(&api.agreement)?.condition(&caller.role());
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
pub async fn one(State(state): State<AppState>, caller: Caller, Id(id): Id) -> Result<Json<IncidentDetail>, Problem> {
    Ok(Json(detail(&state, &caller, id).await?))
}

/// Incident `id` as `caller` may see it (the API's answer, and the web page's matter); 404 if it may not.
pub async fn detail(state: &AppState, caller: &Caller, id: u64) -> Result<IncidentDetail, Problem> {
    let api = api(state)?;
    let role = caller.role();
    let condition = IncidentFilter::default().condition(&caller.role());
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
    let redact = !permits(&role, Action::ReadAll);
    api.engine
        .read(move |engine| IncidentDetail::of(engine.state(), &agreement, &view, id, &role, redact))
        .await
        .map_err(|e| Problem::internal(&e))
}
