//! `/report`: the report form, for monitors, mediators and parties, made
//! for a phone (one column, large targets, the device's location on
//! request). `assets/report.js` keeps the unsent draft on the device until
//! the server acknowledges it, so a report written without a connection is
//! not lost and is sent by itself when the phone is back online; the
//! report's id is made on the device, so sending it twice files it once.
//! A party files only as itself (the API refuses anything else), so its
//! source is fixed here; sealed fields are never kept in the draft.

use super::forms::{self, Choices};
use super::i18n::{Catalogue, Lang};
use super::layout::page_at_checkpoint;
use super::{for_roles, page_caller};
use crate::api::api;
use crate::api::auth::Caller;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use truce_domain::access::{Action, permits};
use truce_domain::role::Role;

pub fn routes() -> Router<AppState> {
    Router::new().route("/report", get(report))
}

fn options(lang: &Catalogue, prefix: &str, values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| (v.to_string(), lang.t(&format!("{prefix}.{v}")).to_string()))
        .collect()
}

/// Admiralty gradings, A1 to F6.
fn gradings() -> Vec<(String, String)> {
    "ABCDEF"
        .chars()
        .flat_map(|r| (1..=6).map(move |c| format!("{r}{c}")))
        .map(|g| (g.clone(), g))
        .collect()
}

async fn report(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
) -> Result<Response, Problem> {
    let caller = page_caller(caller);
    let role = match for_roles(lang, &caller, "/report", |r| permits(r, Action::FileReport)) {
        Ok(role) => role,
        Err(response) => return Ok(*response),
    };
    let api = api(&state)?;
    let choices = Choices::of(&api.agreement);
    let user = caller.name().to_string();
    let content = html! {
        h1 { (lang.t("report.heading")) }
        p.intro { (lang.t("report.intro")) }
        p #draft-note.note role="status" aria-live="polite" hidden data-restored=(lang.t("report.draft_restored")) {}
        form #report-form.form.report method="post" action="/api/v1/reports" data-user=(user)
            data-failed=(lang.t("form.failed")) data-queued=(lang.t("report.queued"))
            data-sent=(lang.t("report.sent")) data-repeat=(lang.t("report.repeat")) data-sending=(lang.t("report.sending"))
            data-sealed-again=(lang.t("report.sealed_again")) {
            input type="hidden" name="external_id";
            (source_fields(lang, &role))
            fieldset {
                legend { (lang.t("report.what")) }
                (forms::choice("report-act", "act", lang.t("incidents.act"), &choices.acts, Some(lang.t("report.act_unknown"))))
                (forms::choice("report-accused", "actor1.party", lang.t("report.accused"), &choices.parties, Some(lang.t("report.accused_unknown"))))
                (forms::text("report-actor", "actor1.name", lang.t("report.actor"), true))
                label for="report-narrative" { (lang.t("report.narrative")) }
                textarea #report-narrative name="narrative" rows="5" {}
            }
            fieldset {
                legend { (lang.t("report.when")) }
                label for="report-start" { (lang.t("report.start")) }
                input #report-start name="time.start" type="datetime-local" required data-kind="datetime";
                (forms::choice("report-time-precision", "time.precision", lang.t("report.precision"),
                    &options(lang, "time_precision", &["hour", "day", "days", "week"]), None))
            }
            fieldset {
                legend { (lang.t("report.where")) }
                button #report-locate type="button" data-locating=(lang.t("report.locating")) data-failed=(lang.t("report.locate_failed")) {
                    (lang.t("report.locate"))
                }
                label for="report-latitude" { (lang.t("report.latitude")) }
                input #report-latitude name="location.latitude" type="number" step="any" min="-90" max="90" required data-kind="number" inputmode="decimal";
                label for="report-longitude" { (lang.t("report.longitude")) }
                input #report-longitude name="location.longitude" type="number" step="any" min="-180" max="180" required data-kind="number" inputmode="decimal";
                (forms::choice("report-location-precision", "location.precision", lang.t("report.precision"),
                    &options(lang, "location_precision", &["exact", "within25_km", "district", "province"]), None))
                (forms::text("report-place", "location.name", lang.t("report.place"), true))
            }
            fieldset {
                legend { (lang.t("report.claim")) }
                p.note { (lang.t("report.claim_note")) }
                (forms::choice("report-claim-category", "claim.category", lang.t("incident.category"),
                    &options(lang, "category", &["civilians", "side_a", "side_b", "unknown", "total"]), None))
                (forms::number("report-claim-low", "claim.low", lang.t("step.low"), None))
                (forms::number("report-claim-best", "claim.best", lang.t("step.best"), None))
                (forms::number("report-claim-high", "claim.high", lang.t("step.high"), None))
            }
            @if permits(&role, Action::ReadSealed) {
                fieldset {
                    legend { (lang.t("report.sealed")) }
                    p.note { (lang.t("report.sealed_note")) }
                    label for="report-protected" { (lang.t("report.protected_source")) }
                    input #report-protected name="protected_source" type="text" data-optional="" data-sealed="";
                }
            }
            button type="submit" { (lang.t("report.submit")) }
            p.form-error role="alert" aria-live="assertive" {}
            p #report-status.form-status role="status" aria-live="polite" {}
        }
    };
    Ok(page_at_checkpoint(api, lang, &caller, lang.t("report.heading"), "/report", content).into_response())
}

/// Who reports: a party only as itself; a monitor or mediator names the source and its kind.
fn source_fields(lang: &Catalogue, role: &Role) -> Markup {
    let gradings = gradings();
    html! {
        fieldset {
            legend { (lang.t("report.source")) }
            @match role {
                Role::Party(party) => {
                    input type="hidden" name="source.type" value="party";
                    input type="hidden" name="source.name" value=(party.as_str());
                    input type="hidden" name="claim.claimant" value=(party.as_str());
                    input type="hidden" name="claim.claimant_party" value=(party.as_str());
                    p { (lang.f("report.as_party", &[("party", party.as_str())])) }
                    label for="report-grading" { (lang.t("report.grading")) }
                    select #report-grading name="source.grading" {
                        @for (value, text) in &gradings { option value=(value) selected[value == "C3"] { (text) } }
                    }
                }
                _ => {
                    (forms::choice("report-source-type", "source.type", lang.t("report.source_type"),
                        &options(lang, "source_type", &["monitor", "media", "public", "sensor"]), None))
                    label for="report-source-name" { (lang.t("report.source_name")) }
                    input #report-source-name name="source.name" type="text" required
                        value=[role.affiliation().map(|c| c.to_string())];
                    label for="report-grading" { (lang.t("report.grading")) }
                    select #report-grading name="source.grading" {
                        @for (value, text) in &gradings { option value=(value) selected[value == "B2"] { (text) } }
                    }
                    label for="report-claimant" { (lang.t("incident.claimant")) }
                    input #report-claimant name="claim.claimant" type="text" data-optional="";
                }
            }
        }
    }
}
