//! The incidents pages. `/incidents`: the incidents the caller may see,
//! filtered by stage, party, act, zone and time and searched by the words of
//! their reports, with the JSON API's rules and validation (a bad filter is
//! said on the page, with a 400), a page at a time. `/incidents/{id}`: one
//! incident as the caller may see it: its sources, the claims side by side
//! (conflicting casualty figures included) with the mechanism's estimate,
//! the verification rules' explanation, replies, determinations with their
//! approvals, penalties, and its history with the log index of each step.

use super::forms::Choices;
use super::i18n::{Catalogue, Lang};
use super::layout::{Shell, page};
use super::page_caller;
use crate::api::api;
use crate::api::auth::Caller;
use crate::api::filters::IncidentQuery;
use crate::api::incidents::IncidentDetail;
use crate::api::incidents::{IncidentSummary, detail, summaries};
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde_json::Value;
use truce_domain::access::{Action, permits};
use truce_domain::verification::lifecycle::Stage;

/// Incidents a page.
const PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list))
        .route("/incidents/{id}", get(one))
}

async fn list(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let caller = page_caller(caller);
    let api = api(&state)?;
    let query = filters_of(raw.as_deref().unwrap_or_default());
    let (filtered, found) = match &query {
        Ok(query) => match query.parse(&api.agreement) {
            Ok(filter) => {
                let condition = filter.condition(&caller.role());
                let after = query.after.unwrap_or(0);
                let found = api
                    .reads
                    .run(move |connection| summaries(connection, &condition, after, Some(PAGE + 1)))
                    .await?;
                (Ok(()), found)
            }
            Err(problem) => (Err(problem), Vec::new()),
        },
        Err(problem) => (Err(problem.clone()), Vec::new()),
    };
    let empty = IncidentQuery::default();
    let shown = query.as_ref().unwrap_or(&empty);
    let mut items = found;
    let next = (items.len() > PAGE as usize).then(|| {
        items.truncate(PAGE as usize);
        items.last().map(|i| i.id)
    });
    let content = html! {
        h1 { (lang.t("incidents.heading")) }
        (filter_form(lang, api, shown))
        @if let Err(problem) = &filtered {
            p.error role="alert" {
                (lang.f("incidents.bad_filter", &[("field", problem.field.as_deref().unwrap_or("query")), ("detail", &problem.detail)]))
            }
        } @else if items.is_empty() {
            p { (lang.t("incidents.none_found")) }
        } @else {
            (table(lang, &items))
            @if let Some(Some(after)) = next {
                a.next href=(next_link(lang, shown, after)) { (lang.t("incidents.next")) }
            }
        }
    };
    let checkpoint = api.engine.latest_checkpoint();
    let shell = Shell {
        lang,
        caller: &caller,
        title: lang.t("incidents.heading"),
        path: "/incidents",
        checkpoint: Some(&checkpoint),
    };
    let status = if filtered.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, page(&shell, content)).into_response())
}

/// The API's filters from a page's query string: without the page's own
/// `lang`, and without the empty values a form sends for "any".
fn filters_of(raw: &str) -> Result<IncidentQuery, Problem> {
    let kept: Vec<&str> = raw
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang=") && !pair.ends_with('='))
        .collect();
    let uri: axum::http::Uri = format!("/incidents?{}", kept.join("&"))
        .parse()
        .map_err(|_| Problem::bad_request("query", "the query string is not valid"))?;
    Query::<IncidentQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .map_err(|e| Problem::bad_request("query", e.body_text()))
}

fn filter_form(lang: &Catalogue, api: &crate::Api, shown: &IncidentQuery) -> Markup {
    html! {
        form.filters method="get" action="/incidents" role="search" aria-label=(lang.t("incidents.filters")) {
            input type="hidden" name="lang" value=(lang.code);
            @let stages: Vec<(String, String)> = Stage::ALL
                .iter()
                .filter(|s| **s != Stage::ClosedDuplicate)
                .map(|s| (s.as_str().to_string(), lang.t(&format!("stage.{}", s.as_str())).to_string()))
                .collect();
            (choice(lang, "status", &stages, &shown.status))
            @let choices = Choices::of(&api.agreement);
            (choice(lang, "party", &choices.parties, &shown.party))
            (choice(lang, "act", &choices.acts, &shown.act))
            (choice(lang, "zone", &choices.zones, &shown.zone))
            label for="f-from" { (lang.t("incidents.from")) }
            input #f-from type="date" name="from" value=[shown.from.as_deref()];
            label for="f-to" { (lang.t("incidents.to")) }
            input #f-to type="date" name="to" value=[shown.to.as_deref()];
            label for="f-q" { (lang.t("incidents.search")) }
            input #f-q type="search" name="q" value=[shown.q.as_deref()];
            button type="submit" { (lang.t("incidents.apply")) }
        }
    }
}

/// A labelled choice of `options` (value, text) named `name`, "any" first, `current` selected.
fn choice(lang: &Catalogue, name: &str, options: &[(String, String)], current: &Option<String>) -> Markup {
    html! {
        label for={ "f-" (name) } { (lang.t(&format!("incidents.{name}"))) }
        select id={ "f-" (name) } name=(name) {
            option value="" { (lang.t("incidents.any")) }
            @for (value, text) in options {
                option value=(value) selected[current.as_deref() == Some(value.as_str())] { (text) }
            }
        }
    }
}

/// The incidents as a table, each linked to its page.
pub(super) fn table(lang: &Catalogue, items: &[IncidentSummary]) -> Markup {
    html! {
        table.incidents {
            thead { tr {
                th scope="col" { (lang.t("incidents.col_id")) }
                th scope="col" { (lang.t("incidents.col_when")) }
                th scope="col" { (lang.t("incidents.col_status")) }
                th scope="col" { (lang.t("incidents.col_act")) }
                th scope="col" { (lang.t("incidents.col_party")) }
                th scope="col" { (lang.t("incidents.col_reports")) }
                th scope="col" { (lang.t("incidents.col_verdict")) }
            } }
            tbody {
                @for item in items {
                    tr {
                        th scope="row" { a href={ "/incidents/" (item.id) "?lang=" (lang.code) } { (item.id) } }
                        td { @if let Some(at) = item.happened_at { time datetime=(at.to_rfc3339()) { (at.format("%Y-%m-%d %H:%M")) } } }
                        td { (lang.t(&format!("stage.{}", item.status.as_str()))) }
                        td { (item.act.as_deref().unwrap_or("")) }
                        td { (item.responsible_party.as_deref().or(item.accused.as_deref()).unwrap_or("")) }
                        td { (item.reports) }
                        td { @if let Some(verdict) = &item.verdict { (lang.t(&format!("verdict.{verdict}"))) } }
                    }
                }
            }
        }
    }
}

/// The link to the page after `after`, with the same filters.
fn next_link(lang: &Catalogue, shown: &IncidentQuery, after: u64) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("lang", lang.code.to_string()), ("after", after.to_string())];
    for (name, value) in [
        ("status", &shown.status),
        ("party", &shown.party),
        ("act", &shown.act),
        ("zone", &shown.zone),
        ("from", &shown.from),
        ("to", &shown.to),
        ("q", &shown.q),
    ] {
        if let Some(value) = value {
            pairs.push((name, value.clone()));
        }
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", super::percent_encode(value)))
        .collect();
    format!("/incidents?{}", query.join("&"))
}

async fn one(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let caller = page_caller(caller);
    let api = api(&state)?;
    let checkpoint = api.engine.latest_checkpoint();
    let found = match id.parse::<u64>() {
        Ok(id) => detail(&state, &caller, id).await.map(|d| (id, d)),
        Err(_) => Err(Problem::not_found("no such incident")),
    };
    let title;
    let (status, content) = match found {
        Ok((id, incident)) => {
            let (history, evidence) = api
                .reads
                .run(move |connection| -> Result<_, truce_store::StoreError> {
                    Ok((
                        truce_store::queries::history(connection, id)?,
                        truce_store::worklists::evidence_of(connection, id)?,
                    ))
                })
                .await?;
            let redact = !permits(&caller.role(), Action::ReadAll);
            title = lang.f("incident.heading", &[("id", &id.to_string())]);
            let steps = super::incident_steps::steps(lang, &api.agreement, &caller.role(), id, &incident);
            (
                StatusCode::OK,
                html! {
                    (incident_page(lang, &title, &incident))
                    (evidence_section(lang, &incident, &evidence, redact))
                    (history_section(lang, &history))
                    (steps)
                },
            )
        }
        Err(problem) if problem.status == 404 => {
            title = lang.f("incident.not_found", &[("id", &id)]);
            (StatusCode::NOT_FOUND, html! { h1 { (title) } })
        }
        Err(problem) => return Err(problem),
    };
    let shell = Shell {
        lang,
        caller: &caller,
        title: &title,
        path: &format!("/incidents/{id}"),
        checkpoint: Some(&checkpoint),
    };
    Ok((status, page(&shell, content)).into_response())
}

/// The incident's history: each step with the log index that records it.
fn history_section(lang: &Catalogue, history: &[(u64, String)]) -> Markup {
    html! {
        section aria-labelledby="history" {
            h2 #history { (lang.t("incident.history")) }
            table.history {
                thead { tr { th scope="col" { (lang.t("incident.log_index")) } th scope="col" { (lang.t("incident.step")) } } }
                tbody { @for (index, kind) in history {
                    tr { td { a href={ "/api/v1/log/entries/" (index) } { (index) } } td { (kind) } }
                } }
            }
        }
    }
}

/// The findings with the evidence they rely on, and the evidence filed with
/// the reports, each by its SHA-256 (which anyone holding the file can check);
/// who collected it is withheld from a party, as a source is.
fn evidence_section(
    lang: &Catalogue,
    incident: &IncidentDetail,
    evidence: &[truce_store::worklists::EvidenceRow],
    redact: bool,
) -> Markup {
    let hash = |sha: &str| html! { a.hash href={ "/api/v1/evidence/" (sha) } { code { (sha) } } };
    html! {
        section aria-labelledby="findings" {
            h2 #findings { (lang.t("incident.findings")) }
            @if incident.findings.is_empty() { p.none { (lang.t("incident.none")) } }
            @else { ul.findings { @for finding in &incident.findings {
                li {
                    bdi { (finding.summary) }
                    @if finding.observed { " " strong { (lang.t("incident.observed")) } }
                    @for sha in &finding.evidence {
                        br; (hash(sha))
                    }
                }
            } } }
        }
        section aria-labelledby="evidence" {
            h2 #evidence { (lang.t("incident.evidence")) }
            @if evidence.is_empty() { p.none { (lang.t("incident.none")) } }
            @else {
                table.evidence {
                    thead { tr {
                        th scope="col" { "SHA-256" }
                        th scope="col" { (lang.t("incident.media_type")) }
                        th scope="col" { (lang.t("incident.size")) }
                        th scope="col" { (lang.t("incident.collected_by")) }
                    } }
                    tbody { @for row in evidence { tr {
                        td { (hash(&row.sha256)) }
                        td { (row.media_type) }
                        td { (row.size) }
                        td { @if redact { "(redacted)" } @else { (row.collected_by) } }
                    } } }
                }
            }
        }
    }
}

/// The name a value has on the wire: an enum's snake_case form, a time's RFC 3339.
fn wire(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text,
        Ok(Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}

fn incident_page(lang: &Catalogue, title: &str, incident: &IncidentDetail) -> Markup {
    let none = || html! { p.none { (lang.t("incident.none")) } };
    let estimate = &incident.estimate;
    html! {
        h1 { (title) }
        p { strong { (lang.t(&format!("stage.{}", incident.status.as_str()))) } " · " (lang.t("incident.happened")) " " (wire(&incident.happened_at)) }
        section aria-labelledby="sources" {
            h2 #sources { (lang.t("incident.sources")) }
            ul { @for source in &incident.sources { li { bdi { (source.name()) } " (" (wire(&source.source_type())) ")" } } }
        }
        section aria-labelledby="claims" {
            h2 #claims { (lang.t("incident.claims")) }
            table.claims {
                thead { tr {
                    th scope="col" { (lang.t("incident.claimant")) }
                    th scope="col" { (lang.t("incident.stance")) }
                    th scope="col" { (lang.t("incident.category")) }
                    th scope="col" { (lang.t("incident.deaths")) }
                } }
                tbody { @for shown in &incident.claims {
                    @let c = &shown.claim;
                    tr class=[shown.interested.then_some("interested")] {
                        td { bdi { (c.claimant) } }
                        td { (wire(&c.stance)) }
                        td { (wire(&c.category)) }
                        td.figures { (c.deaths.low) ", " strong { (c.deaths.best) } ", " (c.deaths.high) }
                    }
                } }
            }
            p.estimate { (lang.f("incident.estimate", &[
                ("low", &estimate.low.to_string()),
                ("best", &estimate.best.to_string()),
                ("high", &estimate.high.to_string()),
            ])) }
        }
        section aria-labelledby="rules" {
            h2 #rules { (lang.t("incident.rules")) }
            @match &incident.verification {
                None => { (none()) }
                Some(verification) => {
                    p { (lang.f("incident.confidence", &[("confidence", &wire(&verification.confidence))])) }
                    table.rules {
                        thead { tr { th scope="col" { (lang.t("incident.rule")) } th scope="col" { (lang.t("incident.result")) } } }
                        tbody { @for check in &verification.checks {
                            tr {
                                td { (check.rule) }
                                td { @if check.passed { (lang.t("incident.passed")) } @else { strong { (lang.t("incident.failed")) } }
                                     ": " bdi { (check.why) } }
                            }
                        } }
                    }
                }
            }
        }
        section aria-labelledby="replies" {
            h2 #replies { (lang.t("incident.replies")) }
            @if incident.replies.is_empty() { (none()) } @else {
                ul { @for reply in &incident.replies { li {
                    strong { (reply.party) } ": " bdi { (reply.reply.as_ref().map_or("", |(_, text)| text.as_str())) }
                } } }
            }
        }
        section aria-labelledby="determinations" {
            h2 #determinations { (lang.t("incident.determinations")) }
            @if incident.determinations.is_empty() { (none()) } @else {
                ul { @for d in &incident.determinations {
                    li {
                        strong { (lang.t(&format!("verdict.{}", wire(&d.determination.verdict)))) }
                        " " (d.determination.responsible_party.as_ref().map_or("", |p| p.as_str()))
                        " · " (lang.f("incident.approvals", &[("mediators", &d.approvals.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "))]))
                    }
                } }
            }
        }
        section aria-labelledby="penalties" {
            h2 #penalties { (lang.t("incident.penalties")) }
            @if incident.penalties.is_empty() { (none()) } @else {
                ul { @for p in &incident.penalties { li { (p.party) ": " (p.decision.code) " · " (wire(&p.state)) } } }
            }
        }

    }
}
