//! `/inbox`, for a party's liaison officer: the allegations it was asked
//! to answer, each with its reply deadline counting down (on the page, by
//! `assets/truce.js`), those answered and those whose window lapsed, and
//! the final findings that name it responsible. The sources of an
//! allegation are never here: the incident's page shows them redacted.

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
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use truce_domain::role::Role;
use truce_store::worklists::{self, DeterminationRow, ReplyRequest};

pub fn routes() -> Router<AppState> {
    Router::new().route("/inbox", get(inbox))
}

async fn inbox(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
) -> Result<Response, Problem> {
    let caller = page_caller(caller);
    let party = match for_roles(lang, &caller, "/inbox", |r| matches!(r, Role::Party(_))) {
        Ok(Role::Party(party)) => party.to_string(),
        Ok(_) => return Err(Problem::forbidden("the inbox is a party's")),
        Err(response) => return Ok(*response),
    };
    let api = api(&state)?;
    let (requests, findings) = api
        .reads
        .run(move |c| -> Result<_, truce_store::StoreError> {
            Ok((
                worklists::reply_requests(c, &party)?,
                worklists::final_against(c, &party)?,
            ))
        })
        .await?;
    let now = Utc::now();
    let (open, closed): (Vec<&ReplyRequest>, Vec<&ReplyRequest>) = requests
        .iter()
        .partition(|r| r.replied_at.is_none() && r.due.is_some_and(|due| due > now));
    let content = html! {
        h1 { (lang.t("inbox.heading")) }
        p.intro { (lang.t("inbox.intro")) }
        section aria-labelledby="open-heading" {
            h2 #open-heading { (lang.t("inbox.open")) }
            @if open.is_empty() { p.none { (lang.t("inbox.none_open")) } }
            @else { (requests_table(lang, &open, true)) }
        }
        section aria-labelledby="closed-heading" {
            h2 #closed-heading { (lang.t("inbox.closed")) }
            @if closed.is_empty() { p.none { (lang.t("incident.none")) } }
            @else { (requests_table(lang, &closed, false)) }
        }
        section aria-labelledby="findings-heading" {
            h2 #findings-heading { (lang.t("inbox.findings")) }
            @if findings.is_empty() { p.none { (lang.t("inbox.none_findings")) } }
            @else { (findings_table(lang, &findings)) }
        }
    };
    Ok(page_at_checkpoint(api, lang, &caller, lang.t("inbox.heading"), "/inbox", content).into_response())
}

pub(super) fn when(at: Option<DateTime<Utc>>) -> Markup {
    html! { @if let Some(at) = at { time datetime=(at.to_rfc3339()) { (at.format("%Y-%m-%d %H:%M")) } } }
}

pub(super) fn incident_link(lang: &Catalogue, id: u64) -> Markup {
    html! { a href={ "/incidents/" (id) "?lang=" (lang.code) } { (lang.f("map.incident", &[("id", &id.to_string())])) } }
}

fn requests_table(lang: &Catalogue, rows: &[&ReplyRequest], open: bool) -> Markup {
    html! {
        table.inbox {
            thead { tr {
                th scope="col" { (lang.t("incidents.col_id")) }
                th scope="col" { (lang.t("incidents.col_act")) }
                th scope="col" { (lang.t("incidents.col_when")) }
                th scope="col" { (lang.t("inbox.asked")) }
                th scope="col" { (lang.t("inbox.due")) }
                th scope="col" { @if open { (lang.t("inbox.left")) } @else { (lang.t("inbox.answer")) } }
            } }
            tbody { @for row in rows {
                tr {
                    th scope="row" { (incident_link(lang, row.incident)) }
                    td { (row.act.as_deref().unwrap_or("")) }
                    td { (when(row.happened_at)) }
                    td { (when(row.asked_at)) }
                    td { (when(row.due)) }
                    td {
                        @if open {
                            @if let Some(due) = row.due {
                                time.countdown datetime=(due.to_rfc3339())
                                    data-countdown=(lang.t("inbox.countdown")) data-closed=(lang.t("inbox.lapsed")) {
                                    (lang.f("inbox.until", &[("due", &due.format("%Y-%m-%d %H:%M").to_string())]))
                                }
                            }
                        } @else if let Some(at) = row.replied_at {
                            (lang.t(if row.on_time == Some(true) { "inbox.answered" } else { "inbox.answered_late" })) " " (when(Some(at)))
                        } @else {
                            strong { (lang.t("inbox.lapsed")) }
                        }
                    }
                }
            } }
        }
    }
}

pub(super) fn findings_table(lang: &Catalogue, rows: &[DeterminationRow]) -> Markup {
    html! {
        table.findings {
            thead { tr {
                th scope="col" { (lang.t("incidents.col_id")) }
                th scope="col" { (lang.t("incidents.col_verdict")) }
                th scope="col" { (lang.t("incidents.col_party")) }
                th scope="col" { (lang.t("queue.approvals")) }
                th scope="col" { (lang.t("inbox.final_at")) }
            } }
            tbody { @for row in rows {
                tr {
                    th scope="row" { (incident_link(lang, row.incident)) }
                    td { (lang.t(&format!("verdict.{}", row.verdict))) " (" (lang.f("inbox.number", &[("number", &row.number.to_string())])) ")" }
                    td { (row.responsible_party.as_deref().unwrap_or("")) }
                    td { (row.approvals.join(", ")) }
                    td { (when(row.final_at)) }
                }
            } }
        }
    }
}
