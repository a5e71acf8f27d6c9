//! Public figures, for everyone: the ceasefire's status over time per party
//! and for the agreement, each party's scorecard, and the penalties.

use super::api;
use crate::{AppState, Problem};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use truce_domain::verification::scorecard::scorecards;
use truce_domain::verification::status::{StatusPoint, ViolationIndex, status_at, status_series};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/status", get(status))
        .route("/api/v1/scorecards", get(cards))
        .route("/api/v1/penalties", get(penalties))
}

#[utoipa::path(
    get,
    path = "/api/v1/status",
    summary = "The ceasefire's status per party and for the agreement, over time",
    responses(
        (status = 200, description = "public", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn status(State(state): State<AppState>) -> Result<Json<serde_json::Value>, Problem> {
    let api = api(&state)?;
    let (at, series) = series(api).await?;
    Ok(Json(serde_json::json!({
        "agreement": api.agreement.id,
        "at": at,
        "current": series.last(),
        "series": series,
    })))
}

/// The status now, per party and for the agreement: one point, not the series.
pub async fn current(api: &super::Api) -> Result<StatusPoint, Problem> {
    let agreement = api.agreement.clone();
    api.engine
        .read(move |engine| {
            let index = ViolationIndex::new(&agreement, engine.state().verification().violations());
            status_at(&agreement, &index, Utc::now())
        })
        .await
        .map_err(|e| Problem::internal(&e))
}

/// The status series from a day before the agreement's first window until now, and that now.
pub async fn series(api: &super::Api) -> Result<(DateTime<Utc>, Vec<StatusPoint>), Problem> {
    let agreement = api.agreement.clone();
    api.engine
        .read(move |engine| {
            let now = Utc::now();
            let from = agreement.windows.iter().map(|w| w.starts).min().unwrap_or(now) - Duration::days(1);
            (
                now,
                status_series(&agreement, engine.state().verification().violations(), from, now),
            )
        })
        .await
        .map_err(|e| Problem::internal(&e))
}

#[utoipa::path(
    get,
    path = "/api/v1/scorecards",
    summary = "Each party's scorecard",
    responses(
        (status = 200, description = "public", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cards(State(state): State<AppState>) -> Result<Json<serde_json::Value>, Problem> {
    let api = api(&state)?;
    let agreement = api.agreement.clone();
    let value = api
        .engine
        .read(move |engine| {
            let state = engine.state();
            let verification = state.verification();
            let cards = scorecards(
                &agreement,
                verification.cases().map(|(_, case)| case),
                verification.penalties(),
                |party| state.filed_by_party(party.as_str()),
                Utc::now(),
            );
            serde_json::json!({"items": cards})
        })
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(Json(value))
}

#[utoipa::path(
    get,
    path = "/api/v1/penalties",
    summary = "Every penalty, with its explanation and state",
    responses(
        (status = 200, description = "public", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn penalties(State(state): State<AppState>) -> Result<Json<serde_json::Value>, Problem> {
    let value = api(&state)?
        .engine
        .read(|engine| serde_json::json!({"items": engine.state().verification().penalties()}))
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(Json(value))
}
