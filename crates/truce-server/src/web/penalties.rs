//! `/penalties`: every penalty the ladder gave, with its state and the
//! mediators' approvals, and a summary per party over all of them (public,
//! as the API's `/api/v1/penalties` is). A mediator approves a proposed
//! penalty here; a monitor or mediator records whether one in effect was
//! complied with.

use super::forms::{self, api_form};
use super::i18n::{Catalogue, Lang};
use super::inbox::{incident_link, when};
use super::layout::page_at_checkpoint;
use super::page_caller;
use crate::api::api;
use crate::api::auth::Caller;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};
use truce_domain::access::{Action, permits};
use truce_domain::role::Role;
use truce_store::worklists::{self, PenaltyRow};

pub fn routes() -> Router<AppState> {
    Router::new().route("/penalties", get(penalties))
}

/// The states a penalty's summary counts, in order.
const STATES: [&str; 5] = ["proposed", "in_effect", "complied", "not_complied", "withdrawn"];

async fn penalties(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
) -> Result<Markup, Problem> {
    let caller = page_caller(caller);
    let api = api(&state)?;
    let (rows, counts) = api
        .reads
        .run(|c| -> Result<_, truce_store::StoreError> {
            Ok((worklists::penalties(c, None)?, worklists::penalty_counts(c)?))
        })
        .await?;
    let parties: Vec<String> = api.agreement.parties.iter().map(|p| p.code.to_string()).collect();
    let count = |party: &str, state: &str| {
        counts
            .iter()
            .find(|(p, s, _)| p == party && s == state)
            .map_or(0, |(_, _, n)| *n)
    };
    let content = html! {
        h1 { (lang.t("penalties.heading")) }
        p.intro { (lang.t("penalties.intro")) }
        section aria-labelledby="summary-heading" {
            h2 #summary-heading { (lang.t("penalties.summary")) }
            table.summary {
                thead { tr {
                    th scope="col" { (lang.t("incidents.col_party")) }
                    @for state in STATES { th scope="col" { (lang.t(&format!("penalty.{state}"))) } }
                } }
                tbody { @for party in &parties {
                    tr {
                        th scope="row" { (party) }
                        @for state in STATES { td { (count(party, state)) } }
                    }
                } }
            }
        }
        section aria-labelledby="list-heading" {
            h2 #list-heading { (lang.t("penalties.list")) }
            @if rows.is_empty() { p.none { (lang.t("penalties.none")) } }
            @else { (penalties_table(lang, &caller.role(), &rows)) }
        }
    };
    Ok(page_at_checkpoint(
        api,
        lang,
        &caller,
        lang.t("penalties.heading"),
        "/penalties",
        content,
    ))
}

/// The penalties, each with the step `role` may take on it.
pub(super) fn penalties_table(lang: &Catalogue, role: &Role, rows: &[PenaltyRow]) -> Markup {
    html! {
        table.penalties {
            thead { tr {
                th scope="col" { (lang.t("penalties.penalty")) }
                th scope="col" { (lang.t("incidents.col_id")) }
                th scope="col" { (lang.t("incidents.col_party")) }
                th scope="col" { (lang.t("penalties.kind")) }
                th scope="col" { (lang.t("penalties.state")) }
                th scope="col" { (lang.t("queue.approvals")) }
                th scope="col" { (lang.t("penalties.due")) }
                th scope="col" { (lang.t("step.heading")) }
            } }
            tbody { @for row in rows {
                tr id={ "penalty-" (row.id) } {
                    th scope="row" { (row.id) }
                    td { (incident_link(lang, row.incident)) }
                    td { (row.party) }
                    td { (row.code) " · " (row.kind) @if let Some(amount) = row.amount { " · " (amount) } }
                    td.state { (lang.t(&format!("penalty.{}", row.state))) }
                    td { (row.approvals.join(", ")) }
                    td { (when(row.due)) }
                    td { (penalty_step(lang, role, row)) }
                }
            } }
        }
    }
}

fn penalty_step(lang: &Catalogue, role: &Role, row: &PenaltyRow) -> Markup {
    let endpoint = |step: &str| format!("/api/v1/penalties/{}/{step}", row.id);
    html! {
        @if let Role::Mediator(mediator) = role {
            @if row.state == "proposed" && !row.approvals.iter().any(|a| a == mediator.as_str()) {
                (api_form(lang, &format!("approve-penalty-{}", row.id), &endpoint("approvals"),
                    &lang.f("penalties.approve", &[("id", &row.id.to_string())]), html! {}))
            }
        }
        @if permits(role, Action::RecordCompliance) && row.state == "in_effect" {
            (api_form(lang, &format!("compliance-{}", row.id), &endpoint("compliance"),
                &lang.f("penalties.record", &[("id", &row.id.to_string())]), html! {
                (forms::checkbox(&format!("complied-{}", row.id), "complied", lang.t("penalties.complied")))
                (forms::text(&format!("compliance-note-{}", row.id), "note", lang.t("penalties.note"), false))
            }))
        }
    }
}
