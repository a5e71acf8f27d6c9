//! `POST /api/v1/reports`: a report from a monitor, a mediator or a
//! party. A party files only as itself (a source of type `party` named by
//! its code). Invalid fields are named, each with why, and nothing is
//! stored; a report filed again (same source, same external id) changes
//! nothing and says so.

use super::api;
use super::auth::{Permitted, may};
use super::body::JsonBody;
use super::filters::may_see_incident;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use truce_domain::codes::Code;
use truce_domain::report::{ReportInput, SourceType};
use truce_domain::role::Role;
use truce_store::{Outcome, Submission};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", post(file_report))
        .route("/api/v1/reports/{id}/sealed", axum::routing::get(sealed))
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
    caller: Permitted<may::FileReport>,
    JsonBody(input): JsonBody<ReportInput>,
) -> Result<Response, Problem> {
    if let Role::Party(party) = caller.role()
        && (input.source.source_type != SourceType::Party || input.source.name != party.as_str())
    {
        return Err(Problem::forbidden(format!(
            "a party files as itself: source.type \"party\" and source.name \"{party}\""
        )));
    }
    let mut input = input;
    let mut notes = Vec::new();
    if let Role::Party(party) = caller.role() {
        notes.extend(as_party(&mut input, &party)?);
    }
    let report = input.parse().map_err(|errors| {
        let field = errors.first().map_or("body".to_string(), |e| e.field.clone());
        let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        Problem::unprocessable(&field, detail)
    })?;
    // Odd but allowed (UCDP data has low > best): filed, and said.
    let mut warnings = report.warnings();
    warnings.extend(notes);
    let api = api(&state)?;
    let place = api.place_report.clone();
    let submission = Submission::report(caller.name(), &input, |commitment| place(report, commitment))
        .acting(caller.role().public_label());
    let committed = super::submit(&state, submission).await?;
    let placement = match &committed.outcome {
        Outcome::Recorded {
            placement: Some(placement),
            ..
        } if may_see_incident(&state, &caller, placement.incident()).await? => {
            serde_json::to_value(placement).unwrap_or_default()
        }
        _ => serde_json::Value::Null,
    };
    let extra = serde_json::json!({"external_id": input.external_id, "placement": placement, "warnings": warnings});
    super::receipt::respond(&state, committed, extra).await
}

/// What a party may not choose for its own report: every claim is its own
/// (a claim in the other party's name is refused; one without a party, or
/// with a claimant of another name, is the filer's, by its code), and the grading of its reports is the monitors' to set,
/// so it is filed as F6 (neither reliability nor credibility judged yet).
/// Returns what was changed, to say so in the answer.
fn as_party(input: &mut ReportInput, party: &Code) -> Result<Vec<String>, Problem> {
    let mut notes = Vec::new();
    for (i, claim) in input.claims.iter_mut().enumerate() {
        // Who claims is the party, by its code: a free-text claimant could read as the other party.
        if claim.claimant.trim() != party.as_str() {
            notes.push(format!(
                "claims[{i}].claimant: a party's claims are its own; filed as {party}, not {:?}",
                claim.claimant
            ));
            claim.claimant = party.to_string();
        }
        match claim.claimant_party.as_deref() {
            None => claim.claimant_party = Some(party.to_string()),
            Some(named) if named.trim().eq_ignore_ascii_case(party.as_str()) => {
                claim.claimant_party = Some(party.to_string())
            }
            Some(named) => {
                return Err(Problem::unprocessable(
                    &format!("claims[{i}].claimant_party"),
                    format!("a party files its own claims: {party}, not {named:?}"),
                ));
            }
        }
    }
    if input.source.grading != PARTY_GRADING {
        notes.push(format!(
            "source.grading: a party's report is graded by the monitors; filed as {PARTY_GRADING}, not {:?}",
            input.source.grading
        ));
        input.source.grading = PARTY_GRADING.to_string();
    }
    Ok(notes)
}

/// The Admiralty grade of a party's report until the monitors grade it:
/// reliability and credibility cannot be judged (F6).
const PARTY_GRADING: &str = "F6";

/// A report's sealed fields, for the roles cleared for them. The read is
/// recorded in the log (who, which report, when) before anything is shown;
/// the answer carries the salt so the reader can check the plaintext
/// against the commitment the public log holds.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}/sealed",
    summary = "A report's sealed fields (monitor, mediator); the read is recorded in the log first",
    params(("id" = u64, Path, description = "the report's id")),
    responses(
        (status = 200, description = "the sealed fields, their salt and the commitment they open", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn sealed(
    State(state): State<AppState>,
    caller: Permitted<may::ReadSealed>,
    super::body::Id(report_id): super::body::Id,
) -> Result<axum::Json<serde_json::Value>, Problem> {
    let sealed = api(&state)?
        .reads
        .run(move |connection| truce_store::queries::sealed_fields(connection, report_id))
        .await?;
    let Some(truce_store::queries::SealedFields {
        salt,
        plaintext,
        commitment,
    }) = sealed
    else {
        return Err(Problem::not_found(format!("report {report_id} has no sealed fields")));
    };
    let read = caller.submission(truce_domain::state::Command::RecordSealedRead { report_id });
    let committed = super::submit(&state, read).await?;
    let Outcome::Recorded { first_index, .. } = committed.outcome else {
        return Err(Problem::internal(&"a sealed read was not recorded"));
    };
    let salt: [u8; 32] = salt
        .try_into()
        .map_err(|_| Problem::internal(&"a stored salt is not 32 bytes"))?;
    let opens = commitment
        .as_deref()
        .is_some_and(|c| truce_domain::sealed::opens(c, &salt, &plaintext));
    let fields: serde_json::Value = serde_json::from_str(&plaintext).unwrap_or(serde_json::Value::String(plaintext));
    Ok(axum::Json(serde_json::json!({
        "report_id": report_id,
        "fields": fields,
        "salt": hex_of(&salt),
        "commitment": commitment,
        "opens": opens,
        "read_recorded_at": first_index,
    })))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
