//! The bulletins pages, public. `/bulletins`: every published bulletin,
//! newest first, and for those who may publish (monitors, mediators, the
//! admin) a small form that posts to the JSON API (`assets/bulletins.js`).
//! `/bulletins/{index}`: one bulletin as a page that prints well;
//! `/bulletins/{index}.md` the same as Markdown, and
//! `/bulletins/{index}.json` the document itself, the exact bytes whose
//! SHA-256 the log holds.

use super::bulletin_page;
use super::i18n::{Catalogue, Lang};
use super::layout::{Shell, page};
use super::page_caller;
use crate::api::api;
use crate::api::auth::Caller;
use crate::api::bulletins::{document, index_of, published};
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use truce_domain::access::{Action, permits};
use truce_domain::bulletin::{Bulletin, markdown};
use truce_store::bulletins::{self, PublishedBulletin};

/// Bulletins a page.
const PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bulletins", get(list))
        .route("/bulletins/{index}", get(one))
}

#[derive(serde::Deserialize)]
struct ListQuery {
    before: Option<u64>,
}

async fn list(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Markup, Problem> {
    let caller = page_caller(caller);
    let api = api(&state)?;
    // A page never refuses: a bad cursor shows the first page.
    let before = query.ok().and_then(|Query(q)| q.before);
    let mut items = api
        .reads
        .run(move |connection| bulletins::list(connection, before, PAGE + 1))
        .await?;
    let more = items.len() > PAGE as usize;
    items.truncate(PAGE as usize);
    let may_publish = permits(&caller.role(), Action::PublishBulletin);
    let content = html! {
        h1 { (lang.t("bulletins.heading")) }
        p.intro { (lang.t("bulletins.intro")) }
        @if may_publish { (publish_form(lang)) }
        @if items.is_empty() { p #no-bulletins { (lang.t("bulletins.none")) } } @else {
            table.incidents.bulletins {
                thead { tr {
                    th scope="col" { (lang.t("bulletins.col_period")) }
                    th scope="col" { (lang.t("bulletins.col_edition")) }
                    th scope="col" { (lang.t("bulletins.col_incidents")) }
                    th scope="col" { (lang.t("bulletins.col_violations")) }
                    th scope="col" { (lang.t("bulletins.col_deaths")) }
                    th scope="col" { (lang.t("bulletins.col_checkpoint")) }
                } }
                tbody { @for item in &items { (row(lang, item)) } }
            }
        }
        @if more { @if let Some(last) = items.last() {
            a.next href={ "/bulletins?lang=" (lang.code) "&before=" (last.index) } { (lang.t("incidents.next")) }
        } }
    };
    let checkpoint = api.engine.latest_checkpoint();
    let shell = Shell {
        lang,
        caller: &caller,
        title: lang.t("bulletins.heading"),
        path: "/bulletins",
        checkpoint: Some(&checkpoint),
    };
    Ok(page(&shell, content))
}

/// "daily, 2025-10-24" or "weekly, 2025-10-18 – 2025-10-24".
pub fn period_label(lang: &Catalogue, item: &PublishedBulletin) -> String {
    let last = (item.period_end - chrono::Duration::days(1)).date_naive();
    let first = item.period_start.date_naive();
    let kind = lang
        .t(&format!("bulletin.kind.{}", item.period_kind.as_str()))
        .to_string();
    if first == last {
        format!("{kind}, {last}")
    } else {
        format!("{kind}, {first} – {last}")
    }
}

fn row(lang: &Catalogue, item: &PublishedBulletin) -> Markup {
    let headline = item.headline.unwrap_or_default();
    html! {
        tr data-index=(item.index) {
            th scope="row" { a href={ "/bulletins/" (item.index) "?lang=" (lang.code) } { (period_label(lang, item)) } }
            td { (item.edition) }
            td { (headline.incidents) }
            td { (headline.violations_confirmed) }
            td { (headline.deaths_best) }
            td { (item.checkpoint_size) }
        }
    }
}

fn publish_form(lang: &Catalogue) -> Markup {
    let today = chrono::Utc::now().date_naive().to_string();
    html! {
        form #publish-bulletin.form.publish action="/api/v1/bulletins" method="post"
            data-failed=(lang.t("bulletins.failed")) data-lang=(lang.code) {
            h2 { (lang.t("bulletins.publish")) }
            label for="bulletin-date" { (lang.t("bulletins.date")) }
            input #bulletin-date type="date" name="date" value=(today) max=(today) required;
            label { input #bulletin-weekly type="checkbox" name="weekly"; " " (lang.t("bulletins.weekly")) }
            button type="submit" { (lang.t("bulletins.submit")) }
            p #publish-error.error role="alert" {}
        }
    }
}

async fn one(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let (number, suffix) = match name.split_once('.') {
        Some((number, suffix)) => (number, Some(suffix)),
        None => (name.as_str(), None),
    };
    let published = published(&state, index_of(number)?).await?;
    let bytes = document(&state, &published).await?;
    if suffix == Some("json") {
        return Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response());
    }
    let bulletin: Bulletin = serde_json::from_slice(&bytes).map_err(|e| Problem::internal(&e))?;
    match suffix {
        Some("md") => {
            let text = markdown(&bulletin, &|key: &str| lang.t(key).to_string());
            Ok(([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], text).into_response())
        }
        Some(other) => Err(Problem::not_found(format!(
            "a bulletin is served as .json, .md or a page, not .{other}"
        ))),
        None => Ok(bulletin_html(&state, lang, caller, &published, &bulletin).into_response()),
    }
}

fn bulletin_html(
    state: &AppState,
    lang: &'static Catalogue,
    caller: Result<Caller, Problem>,
    published: &PublishedBulletin,
    bulletin: &Bulletin,
) -> Markup {
    let caller = page_caller(caller);
    let parties = state
        .api
        .as_deref()
        .map(|api| bulletin_page::parties(&api.agreement))
        .unwrap_or_default();
    let content = html! {
        p.edition {
            (lang.f("bulletin.edition", &[
                ("edition", &published.edition.to_string()),
                ("at", &published.published_at.format("%Y-%m-%d %H:%M UTC").to_string()),
                ("sha", &published.document_sha256),
            ]))
        }
        (bulletin_page::content(lang, &parties, bulletin, published.index))
    };
    let path = format!("/bulletins/{}", published.index);
    let shell = Shell {
        lang,
        caller: &caller,
        title: &bulletin.period.label,
        path: &path,
        checkpoint: None,
    };
    page(&shell, content)
}
