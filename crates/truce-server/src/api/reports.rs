//! `POST /api/v1/reports`: a report from a monitor, a mediator or a
//! party. A party files only as itself (a source of type `party` named by
//! its code). Invalid fields are named, each with why, and nothing is
//! stored; a report filed again (same source, same external id) changes
//! nothing and says so.

use super::api;
use super::auth::Caller;
use super::body::JsonBody;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use truce_domain::access::Action;
use truce_domain::report::{ReportInput, SourceType};
use truce_domain::role::Role;
use truce_store::{Outcome, Submission};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/reports", post(file_report))
}

#[utoipa::path(
    post,
    path = "/api/v1/reports",
    summary = "File a report (monitor, mediator; a party only as itself)",
    request_body = ReportInput,
    responses(
        (status = 201, description = "recorded, with its receipt", body = crate::api::receipt::Submitted),
        (status = 200, description = "filed before: nothing recorded", body = crate::api::receipt::Submitted),
        (status = "4XX", description = "refused: a problem document naming the field", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn file_report(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<ReportInput>,
) -> Result<Response, Problem> {
    caller.require(Action::FileReport)?;
    if let Role::Party(party) = caller.role()
        && (input.source.source_type != SourceType::Party || input.source.name != party.as_str())
    {
        return Err(Problem::forbidden(format!(
            "a party files as itself: source.type \"party\" and source.name \"{party}\""
        )));
    }
    let report = input.parse().map_err(|errors| {
        let field = errors.first().map_or("body".to_string(), |e| e.field.clone());
        let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        Problem::unprocessable(&field, detail)
    })?;
    let api = api(&state)?;
    let place = api.place_report.clone();
    let submission = Submission::report(caller.name(), &input, |commitment| place(report, commitment));
    let committed = super::submit(&state, submission).await?;
    let placement = match &committed.outcome {
        Outcome::Recorded { placement, .. } => serde_json::to_value(placement).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    let extra = serde_json::json!({"external_id": input.external_id, "placement": placement});
    super::receipt::respond(&state, committed, extra).await
}
