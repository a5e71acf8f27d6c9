//! The steps of verification, one endpoint each, under the incident (or
//! penalty) they act on. Whom a step acts for comes from the caller's
//! role: a mediator approves in its own name, a party replies, states and
//! appeals as itself.
//!
//! | method and path | step | who |
//! |---|---|---|
//! | `POST /api/v1/incidents/{id}/review` | start the review | monitor, mediator |
//! | `POST /api/v1/incidents/{id}/tasks` | assign a monitoring team | monitor, mediator |
//! | `POST /api/v1/incidents/{id}/findings` | file findings | monitor, mediator |
//! | `POST /api/v1/incidents/{id}/reply-requests` | notify the accused party | monitor, mediator |
//! | `POST /api/v1/incidents/{id}/replies` | the party's reply | party |
//! | `POST /api/v1/incidents/{id}/determinations` | issue a determination | mediator |
//! | `POST /api/v1/incidents/{id}/approvals` | approve the current determination | mediator |
//! | `POST /api/v1/incidents/{id}/urgency` | invoke urgency | mediator |
//! | `POST /api/v1/incidents/{id}/finalization` | make it final (after the reply window) | monitor, mediator |
//! | `POST /api/v1/incidents/{id}/statements` | a party's statement (dissent) | party |
//! | `POST /api/v1/incidents/{id}/appeals` | appeal a final determination | party |
//! | `POST /api/v1/penalties/{id}/approvals` | approve a penalty | mediator |
//! | `POST /api/v1/penalties/{id}/compliance` | record compliance | monitor, mediator |

use super::auth::{Caller, Permitted, may};
use super::body::{Id, JsonBody};
use super::submit_with_receipt;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use truce_domain::access::Action;
use truce_domain::codes::Code;
use truce_domain::role::Role;
use truce_domain::state::Command;
use truce_domain::verification::case::VerificationCommand as V;
pub use truce_domain::verification::determination::DeterminationInput;

/// Documents a verification step in the OpenAPI document: every step
/// answers alike (201 with its receipt, 200 when nothing changed, or a
/// problem), so only its path, summary and body differ.
macro_rules! step {
    ($path:literal, $summary:literal, [$($body:ty)?], $item:item) => {
        #[utoipa::path(
            post,
            path = $path,
            summary = $summary,
            params(("id" = u64, Path, description = "the incident's or penalty's id")),
            $(request_body = $body,)?
            responses(
                (status = 201, description = "recorded, with its receipt", body = crate::api::receipt::Submitted),
                (status = 200, description = "nothing to record", body = crate::api::receipt::Submitted),
                (status = "4XX", description = "refused: a problem document naming the field", body = crate::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        $item
    };
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents/{id}/review", post(review))
        .route("/api/v1/incidents/{id}/tasks", post(task))
        .route("/api/v1/incidents/{id}/findings", post(findings))
        .route("/api/v1/incidents/{id}/reply-requests", post(reply_request))
        .route("/api/v1/incidents/{id}/replies", post(reply))
        .route("/api/v1/incidents/{id}/determinations", post(determination))
        .route("/api/v1/incidents/{id}/approvals", post(approval))
        .route("/api/v1/incidents/{id}/urgency", post(urgency))
        .route("/api/v1/incidents/{id}/finalization", post(finalization))
        .route("/api/v1/incidents/{id}/statements", post(statement))
        .route("/api/v1/incidents/{id}/appeals", post(appeal))
        .route("/api/v1/penalties/{id}/approvals", post(penalty_approval))
        .route("/api/v1/penalties/{id}/compliance", post(compliance))
}

/// Checks the caller may, then submits the step as the caller.
async fn act(state: &AppState, caller: &Caller, action: Action, command: V) -> Result<Response, Problem> {
    caller.require(action)?;
    let extra = serde_json::json!({"step": format!("{action:?}")});
    submit_with_receipt(state, caller.submission(Command::Verify(command)), extra).await
}

/// The mediator the caller acts for.
fn mediator_of(caller: &Caller) -> Result<Code, Problem> {
    match caller.role() {
        Role::Mediator(code) => Ok(code),
        role => Err(Problem::forbidden(format!("only a mediator may do this, not a {role}"))),
    }
}

/// The party the caller acts for.
fn party_of(caller: &Caller) -> Result<Code, Problem> {
    match caller.role() {
        Role::Party(code) => Ok(code),
        role => Err(Problem::forbidden(format!("only a party may do this, not a {role}"))),
    }
}

fn code(field: &str, text: &str) -> Result<Code, Problem> {
    Code::parse(text).map_err(|e| Problem::unprocessable(field, e.to_string()))
}

step! {
    "/api/v1/incidents/{id}/review",
    "Start the review of an incident (monitor, mediator)",
    [],
    pub async fn review(State(state): State<AppState>, caller: Permitted<may::StartReview>, Id(incident): Id) -> Result<Response, Problem> {
        act(&state, &caller, Action::StartReview, V::StartReview { incident }).await
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    team: String,
    due: DateTime<Utc>,
    description: String,
}

step! {
    "/api/v1/incidents/{id}/tasks",
    "Assign a monitoring team, with a due date (monitor, mediator)",
    [TaskBody],
    pub async fn task(
        State(state): State<AppState>,
        caller: Permitted<may::AssignTask>,
        Id(incident): Id,
        JsonBody(body): JsonBody<TaskBody>,
    ) -> Result<Response, Problem> {
        let command = V::AssignTask {
            incident,
            team: code("team", &body.team)?,
            due: body.due,
            description: body.description,
        };
        act(&state, &caller, Action::AssignTask, command).await
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingsBody {
    #[serde(default)]
    task: Option<u64>,
    summary: String,
    #[serde(default)]
    evidence: Vec<String>,
    #[serde(default)]
    observed: bool,
}

step! {
    "/api/v1/incidents/{id}/findings",
    "File findings with the evidence they rely on (monitor, mediator)",
    [FindingsBody],
    pub async fn findings(
        State(state): State<AppState>,
        caller: Permitted<may::FileFindings>,
        Id(incident): Id,
        JsonBody(body): JsonBody<FindingsBody>,
    ) -> Result<Response, Problem> {
        let command = V::FileFindings {
            incident,
            task: body.task,
            summary: body.summary,
            evidence: body.evidence,
            observed: body.observed,
        };
        act(&state, &caller, Action::FileFindings, command).await
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    party: String,
}

step! {
    "/api/v1/incidents/{id}/reply-requests",
    "Notify the accused party; its reply window opens (monitor, mediator)",
    [PartyBody],
    pub async fn reply_request(
        State(state): State<AppState>,
        caller: Permitted<may::RequestReply>,
        Id(incident): Id,
        JsonBody(body): JsonBody<PartyBody>,
    ) -> Result<Response, Problem> {
        let party = code("party", &body.party)?;
        act(
            &state,
            &caller,
            Action::RequestReply,
            V::RequestReply { incident, party },
        )
        .await
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    text: String,
    #[serde(default)]
    evidence: Vec<String>,
}

step! {
    "/api/v1/incidents/{id}/replies",
    "The caller's party replies (party)",
    [ReplyBody],
    pub async fn reply(
        State(state): State<AppState>,
        caller: Permitted<may::Reply>,
        Id(incident): Id,
        JsonBody(body): JsonBody<ReplyBody>,
    ) -> Result<Response, Problem> {
        let command = V::FileReply {
            incident,
            party: party_of(&caller)?,
            text: body.text,
            evidence: body.evidence,
        };
        act(&state, &caller, Action::Reply, command).await
    }
}

step! {
    "/api/v1/incidents/{id}/determinations",
    "Issue a determination (mediator)",
    [DeterminationInput],
    pub async fn determination(
        State(state): State<AppState>,
        caller: Permitted<may::IssueDetermination>,
        Id(incident): Id,
        JsonBody(input): JsonBody<DeterminationInput>,
    ) -> Result<Response, Problem> {
        let command = V::IssueDetermination {
            incident,
            input: Box::new(input),
        };
        act(&state, &caller, Action::IssueDetermination, command).await
    }
}

step! {
    "/api/v1/incidents/{id}/approvals",
    "Approve the current determination in the caller's mediator's name (mediator)",
    [],
    pub async fn approval(State(state): State<AppState>, caller: Permitted<may::Approve>, Id(incident): Id) -> Result<Response, Problem> {
        let mediator = mediator_of(&caller)?;
        act(&state, &caller, Action::Approve, V::Approve { incident, mediator }).await
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

step! {
    "/api/v1/incidents/{id}/urgency",
    "Invoke urgency: finality before the reply window closes (mediator)",
    [ReasonBody],
    pub async fn urgency(
        State(state): State<AppState>,
        caller: Permitted<may::InvokeUrgency>,
        Id(incident): Id,
        JsonBody(body): JsonBody<ReasonBody>,
    ) -> Result<Response, Problem> {
        let command = V::InvokeUrgency {
            incident,
            mediator: mediator_of(&caller)?,
            reason: body.reason,
        };
        act(&state, &caller, Action::InvokeUrgency, command).await
    }
}

step! {
    "/api/v1/incidents/{id}/finalization",
    "Make the determination final once quorum and the reply window allow (monitor, mediator)",
    [],
    pub async fn finalization(
        State(state): State<AppState>,
        caller: Permitted<may::Finalize>,
        Id(incident): Id,
    ) -> Result<Response, Problem> {
        act(&state, &caller, Action::Finalize, V::Finalize { incident }).await
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    text: String,
}

step! {
    "/api/v1/incidents/{id}/statements",
    "The caller's party's statement, kept beside the determination (party)",
    [TextBody],
    pub async fn statement(
        State(state): State<AppState>,
        caller: Permitted<may::AttachStatement>,
        Id(incident): Id,
        JsonBody(body): JsonBody<TextBody>,
    ) -> Result<Response, Problem> {
        let command = V::AttachStatement {
            incident,
            party: party_of(&caller)?,
            text: body.text,
        };
        act(&state, &caller, Action::AttachStatement, command).await
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundsBody {
    grounds: String,
}

step! {
    "/api/v1/incidents/{id}/appeals",
    "Appeal a final determination within the appeal window (party)",
    [GroundsBody],
    pub async fn appeal(
        State(state): State<AppState>,
        caller: Permitted<may::Appeal>,
        Id(incident): Id,
        JsonBody(body): JsonBody<GroundsBody>,
    ) -> Result<Response, Problem> {
        let command = V::Appeal {
            incident,
            party: party_of(&caller)?,
            grounds: body.grounds,
        };
        act(&state, &caller, Action::Appeal, command).await
    }
}

step! {
    "/api/v1/penalties/{id}/approvals",
    "Approve a penalty in the caller's mediator's name (mediator)",
    [],
    pub async fn penalty_approval(
        State(state): State<AppState>,
        caller: Permitted<may::ApprovePenalty>,
        Id(penalty): Id,
    ) -> Result<Response, Problem> {
        let mediator = mediator_of(&caller)?;
        act(
            &state,
            &caller,
            Action::ApprovePenalty,
            V::ApprovePenalty { penalty, mediator },
        )
        .await
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplianceBody {
    complied: bool,
    note: String,
}

step! {
    "/api/v1/penalties/{id}/compliance",
    "Record a penalty's compliance (monitor, mediator)",
    [ComplianceBody],
    pub async fn compliance(
        State(state): State<AppState>,
        caller: Permitted<may::RecordCompliance>,
        Id(penalty): Id,
        JsonBody(body): JsonBody<ComplianceBody>,
    ) -> Result<Response, Problem> {
        let command = V::RecordCompliance {
            penalty,
            complied: body.complied,
            note: body.note,
        };
        act(&state, &caller, Action::RecordCompliance, command).await
    }
}
