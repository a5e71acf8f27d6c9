//! `/dashboard`, for every signed-in user: the status per party, the map
//! and the chart of what its role may see, the newest incidents it may
//! see, and what waits for its role (a party's open reply requests, a
//! mediator's approvals, the incidents awaiting a determination).

use super::front::status_cards;
use super::i18n::Lang;
use super::layout::page_at_checkpoint;
use super::worklists;
use super::{chart, for_roles, map, page_caller};
use crate::api::api;
use crate::api::auth::Caller;
use crate::api::filters::IncidentFilter;
use crate::api::incidents::newest_summaries;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::html;
use truce_domain::role::Role;

/// The newest incidents shown.
const RECENT: u32 = 20;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

/// What waits for the role: (message key, count, the page that lists them).
type Waiting = Vec<(&'static str, u64, &'static str)>;

async fn dashboard(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
) -> Result<Response, Problem> {
    let caller = page_caller(caller);
    let role = match for_roles(lang, &caller, "/dashboard", |_| true) {
        Ok(role) => role,
        Err(response) => return Ok(*response),
    };
    let api = api(&state)?;
    let current = crate::api::status::current(api).await?;
    let condition = IncidentFilter::default().condition(&caller);
    let waiting_role = role.clone();
    let (days, recent, waiting) = api
        .reads
        .run(move |c| -> rusqlite::Result<_> {
            Ok((
                chart::confirmed_per_day(c)?,
                newest_summaries(c, &condition, RECENT)?,
                waiting_for(c, &waiting_role)?,
            ))
        })
        .await?;
    let choices = super::forms::Choices::of(&api.agreement);
    let content = html! {
        h1 { (lang.t("dashboard.heading")) }
        @if !waiting.is_empty() {
            section aria-labelledby="waiting-heading" {
                h2 #waiting-heading { (lang.t("dashboard.waiting")) }
                ul.waiting { @for (key, count, href) in &waiting {
                    li { a href={ (href) (if href.contains('?') { "&" } else { "?" }) "lang=" (lang.code) } { (lang.f(key, &[("count", &count.to_string())])) } }
                } }
            }
        }
        section aria-labelledby="status-heading" {
            h2 #status-heading { (lang.t("front.status")) }
            (status_cards(lang, &current, &choices.parties))
        }
        section aria-labelledby="map-heading" {
            h2 #map-heading { (lang.t("dashboard.map")) }
            (map::element(lang))
        }
        section aria-labelledby="chart-heading" {
            h2 #chart-heading { (lang.t("front.chart")) }
            (chart::render(lang, &days, &choices.parties))
        }
        section aria-labelledby="recent-heading" {
            h2 #recent-heading { (lang.t("dashboard.recent")) }
            @if recent.is_empty() { p.none { (lang.t("incidents.none_found")) } }
            @else { (super::incidents::table(lang, &recent)) }
            p { a href={ "/incidents?lang=" (lang.code) } { (lang.t("dashboard.all_incidents")) } }
        }
    };
    Ok(page_at_checkpoint(api, lang, &caller, lang.t("dashboard.heading"), "/dashboard", content).into_response())
}

/// What waits for `role`, each with its count (over all, not a page); nothing for a role with no work list.
fn waiting_for(connection: &rusqlite::Connection, role: &Role) -> rusqlite::Result<Waiting> {
    Ok(match role {
        Role::Party(party) => vec![(
            "dashboard.replies_open",
            worklists::open_replies_count(connection, party.as_str(), chrono::Utc::now())?,
            "/inbox",
        )],
        Role::Mediator(_) => vec![
            (
                "dashboard.awaiting_approval",
                worklists::awaiting_approval_count(connection)?,
                "/queue",
            ),
            (
                "dashboard.penalties_proposed",
                worklists::proposed_penalties_count(connection)?,
                "/queue",
            ),
        ],
        Role::Monitor(_) | Role::Admin => vec![
            (
                "dashboard.investigating",
                worklists::count_at(connection, "investigating")?,
                "/incidents?status=investigating",
            ),
            (
                "dashboard.awaiting_reply",
                worklists::count_at(connection, "awaiting_reply")?,
                "/incidents?status=awaiting_reply",
            ),
        ],
        Role::Observer => Vec::new(),
    })
}
