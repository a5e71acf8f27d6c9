//! `/queue`, for a mediator: the determinations awaiting approval (marked
//! where this mediator has approved already, with the approval a button
//! away), the penalties the ladder proposed (approved here), and the
//! incidents awaiting a determination.

use super::forms::api_form;
use super::i18n::{Catalogue, Lang};
use super::inbox::{findings_table, incident_link, when};
use super::layout::page_at_checkpoint;
use super::penalties::penalties_table;
use super::{for_roles, page_caller};
use crate::api::api;
use crate::api::auth::Caller;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use truce_domain::role::Role;
use truce_store::worklists::{self, DeterminationRow};

pub fn routes() -> Router<AppState> {
    Router::new().route("/queue", get(queue))
}

async fn queue(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
) -> Result<Response, Problem> {
    let caller = page_caller(caller);
    let role = match for_roles(lang, &caller, "/queue", |r| matches!(r, Role::Mediator(_))) {
        Ok(role) => role,
        Err(response) => return Ok(*response),
    };
    let Role::Mediator(mediator) = &role else {
        return Err(Problem::forbidden("the queue is a mediator's"));
    };
    let api = api(&state)?;
    let (determinations, proposed, waiting) = api
        .reads
        .run(|c| -> Result<_, truce_store::StoreError> {
            Ok((
                worklists::awaiting_approval(c)?,
                worklists::penalties(c, Some("proposed"))?,
                worklists::awaiting_determination(c)?,
            ))
        })
        .await?;
    let content = html! {
        h1 { (lang.t("queue.heading")) }
        section aria-labelledby="approvals-heading" {
            h2 #approvals-heading { (lang.t("queue.determinations")) }
            @if determinations.is_empty() { p.none { (lang.t("queue.none")) } }
            @else {
                (findings_table(lang, &determinations))
                (approval_forms(lang, &determinations, mediator.as_str()))
            }
        }
        section aria-labelledby="penalties-heading" {
            h2 #penalties-heading { (lang.t("queue.penalties")) }
            @if proposed.is_empty() { p.none { (lang.t("queue.none")) } }
            @else { (penalties_table(lang, &role, &proposed)) }
        }
        section aria-labelledby="waiting-heading" {
            h2 #waiting-heading { (lang.t("queue.awaiting_determination")) }
            @if waiting.is_empty() { p.none { (lang.t("queue.none")) } }
            @else {
                table.waiting {
                    thead { tr {
                        th scope="col" { (lang.t("incidents.col_id")) }
                        th scope="col" { (lang.t("incidents.col_status")) }
                        th scope="col" { (lang.t("incidents.col_act")) }
                        th scope="col" { (lang.t("incidents.col_party")) }
                        th scope="col" { (lang.t("incidents.col_when")) }
                    } }
                    tbody { @for row in &waiting {
                        tr {
                            th scope="row" { (incident_link(lang, row.id)) }
                            td { (lang.t(&format!("stage.{}", row.status.as_str()))) }
                            td { (row.act.as_deref().unwrap_or("")) }
                            td { (row.accused.as_deref().unwrap_or("")) }
                            td { (when(row.happened_at)) }
                        }
                    } }
                }
            }
        }
    };
    Ok(page_at_checkpoint(api, lang, &caller, lang.t("queue.heading"), "/queue", content).into_response())
}

/// A button to approve each determination this mediator has not approved yet; a note on those it has.
fn approval_forms(lang: &Catalogue, rows: &[DeterminationRow], mediator: &str) -> Markup {
    html! {
        ul.approvals { @for row in rows {
            li {
                @if row.approvals.iter().any(|a| a == mediator) {
                    (incident_link(lang, row.incident)) ": " (lang.t("queue.approved_by_you"))
                } @else {
                    (api_form(
                        lang,
                        &format!("approve-{}", row.incident),
                        &format!("/api/v1/incidents/{}/approvals", row.incident),
                        &lang.f("queue.approve", &[("id", &row.incident.to_string())]),
                        html! {},
                    ))
                }
            }
        } }
    }
}
