//! Public bulletins: `POST /api/v1/bulletins` composes the bulletin of a
//! day (or of the week ending on it) on the engine's thread, so its figures
//! are exactly those of the checkpoint it names, keeps the JSON document in
//! the blob store by SHA-256, and appends `BulletinPublished` (monitor,
//! mediator, admin). Publishing a period again makes a new edition; both
//! are listed. `GET /api/v1/bulletins` (by cursor, newest first) and
//! `GET /api/v1/bulletins/{index}` are public; a bulletin is named by its
//! log index, and its document is served at `/bulletins/{index}.json`.

use super::auth::{Permitted, may};
use super::body::JsonBody;
use super::{api, receipt, submit};
use crate::{AppState, Problem};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use serde::Deserialize;
use truce_domain::bulletin::{BulletinPeriod, PeriodKind};
use truce_store::Outcome;
use truce_store::bulletins::{self, BulletinError, PublishedBulletin, compose_on};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/bulletins", get(list).post(publish))
        .route("/api/v1/bulletins/{index}", get(one))
}

/// What to publish.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The day, or the week's last day: YYYY-MM-DD, UTC; not in the future, not before the agreement.
    pub date: String,
    /// The seven days ending on `date` instead of the day alone.
    #[serde(default)]
    pub weekly: bool,
}

/// The period of `body`, or a 422 naming `date`.
pub fn period_of(
    agreement: &truce_domain::agreement::Agreement,
    body: &PublishBody,
) -> Result<BulletinPeriod, Problem> {
    let starts = agreement
        .windows
        .iter()
        .map(|w| w.starts)
        .min()
        .ok_or_else(|| Problem::conflict("the agreement has no effective window"))?;
    let kind = if body.weekly {
        PeriodKind::Weekly
    } else {
        PeriodKind::Daily
    };
    BulletinPeriod::parse(&body.date, kind, starts, Utc::now())
        .map_err(|e| Problem::unprocessable("date", e.to_string()))
}

#[utoipa::path(
    post,
    path = "/api/v1/bulletins",
    summary = "Compose and publish the bulletin of a day or week (monitor, mediator, admin)",
    request_body = PublishBody,
    responses(
        (status = 201, description = "published: its log index, the document, its SHA-256 and the receipt", body = crate::api::receipt::Submitted),
        (status = "4XX", description = "refused: a problem document naming the field", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    State(state): State<AppState>,
    caller: Permitted<may::PublishBulletin>,
    JsonBody(body): JsonBody<PublishBody>,
) -> Result<Response, Problem> {
    let api = api(&state)?;
    let period = period_of(&api.agreement, &body)?;
    let composed = api
        .engine
        .read(move |engine| compose_on(engine, period, Utc::now()))
        .await
        .map_err(|e| Problem::internal(&e))?
        .map_err(|e| match e {
            BulletinError::NoAgreement => Problem::conflict(e.to_string()),
            BulletinError::Store(e) => Problem::internal(&e),
        })?;
    let evidence = api.evidence.clone();
    let document = composed.document.clone();
    tokio::task::spawn_blocking(move || evidence.put(&document))
        .await
        .map_err(|e| Problem::internal(&e))?
        .map_err(|e| Problem::internal(&e))?;
    let committed = submit(&state, caller.submission(composed.command())).await?;
    let Outcome::Recorded { first_index, .. } = committed.outcome else {
        return Err(Problem::internal(&"a bulletin recorded nothing"));
    };
    let extra = serde_json::json!({
        "index": first_index,
        "document_sha256": composed.sha256,
        "document_size": composed.document.len(),
        "document_url": format!("/bulletins/{first_index}.json"),
        "bulletin": composed.bulletin,
    });
    receipt::respond(&state, committed, extra).await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The cursor: bulletins published before this log index (the previous page's `next`).
    pub before: Option<u64>,
    /// How many at most: 1 to 500 (50 if absent).
    pub limit: Option<u32>,
}

/// A page of bulletins, newest first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BulletinPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<PublishedBulletin>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/bulletins",
    summary = "Published bulletins, newest first, by cursor (public)",
    params(ListQuery),
    responses(
        (status = 200, description = "a page: items, and the cursor of the next (null at the end)", body = BulletinPage),
        (status = "4XX", description = "a problem document naming the field", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<BulletinPage>, Problem> {
    let Query(query) = query.map_err(|e| Problem::bad_request("query", e.body_text()))?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Problem::bad_request("limit", format!("limit is 1 to 500, not {limit}")));
    }
    let before = query.before;
    let mut items = api(&state)?
        .reads
        .run(move |connection| bulletins::list(connection, before, limit + 1))
        .await?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|b| b.index.to_string())
    } else {
        None
    };
    Ok(Json(BulletinPage { items, next }))
}

/// A bulletin's log index from the path, or a 400 naming `index`.
pub fn index_of(text: &str) -> Result<u64, Problem> {
    text.parse()
        .map_err(|_| Problem::bad_request("index", format!("{text:?} is not a log index")))
}

/// The published bulletin at `index`, or a 404.
pub async fn published(state: &AppState, index: u64) -> Result<PublishedBulletin, Problem> {
    api(state)?
        .reads
        .run(move |connection| bulletins::get(connection, index))
        .await?
        .ok_or_else(|| Problem::not_found(format!("no bulletin was published at log index {index}")))
}

#[utoipa::path(
    get,
    path = "/api/v1/bulletins/{index}",
    summary = "One published bulletin: what the log says of it, and its document (public)",
    params(("index" = u64, Path, description = "the bulletin's log index")),
    responses(
        (status = 200, description = "the bulletin", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn one(State(state): State<AppState>, Path(index): Path<String>) -> Result<Json<serde_json::Value>, Problem> {
    let published = published(&state, index_of(&index)?).await?;
    let document = document(&state, &published).await?;
    let bulletin: serde_json::Value = serde_json::from_slice(&document).map_err(|e| Problem::internal(&e))?;
    let mut value = serde_json::to_value(&published).map_err(|e| Problem::internal(&e))?;
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "document_url".into(),
            format!("/bulletins/{}.json", published.index).into(),
        );
        object.insert("bulletin".into(), bulletin);
    }
    Ok(Json(value))
}

/// The bulletin's document from the blob store, checked against the SHA-256 the log holds.
pub async fn document(state: &AppState, published: &PublishedBulletin) -> Result<Vec<u8>, Problem> {
    use sha2::{Digest, Sha256};
    let evidence = api(state)?.evidence.clone();
    let sha = published.document_sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || evidence.get(&sha))
        .await
        .map_err(|e| Problem::internal(&e))?
        .map_err(|e| Problem::internal(&e))?;
    if hex::encode(Sha256::digest(&bytes)) != published.document_sha256 {
        return Err(Problem::internal(
            &"the stored bulletin no longer matches the SHA-256 the log holds",
        ));
    }
    Ok(bytes)
}
