//! `/dashboard`, for every signed-in user: the status per party, the map
//! and the chart of what its role may see, the newest incidents it may
//! see, and what waits for its role (a party's open reply requests, a
//! mediator's approvals, the incidents awaiting a determination).

use super::front::status_cards;
use super::i18n::Lang;
use super::layout::page_at_checkpoint;
use super::{chart, for_roles, map, page_caller};
use crate::api::api;
use crate::api::auth::Caller;
use crate::api::incidents::newest_summaries;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::html;
use truce_domain::role::Role;
use truce_domain::verification::lifecycle::Stage;
use truce_store::incident_list::IncidentFilter;
use truce_store::worklists::{self, Waiting};

/// The newest incidents shown.
const RECENT: u32 = 20;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

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
    let condition = IncidentFilter::default().condition(&caller.role());
    let lists = waiting_for(&role);
    let (days, recent, waiting) = api
        .reads
        .run(move |c| -> Result<_, truce_store::StoreError> {
            let now = chrono::Utc::now();
            let counted = lists
                .into_iter()
                .map(|(key, what, href)| Ok((key, worklists::count(c, &what, now)?, href)))
                .collect::<Result<Vec<_>, truce_store::StoreError>>()?;
            Ok((
                chart::confirmed_per_day(c)?,
                newest_summaries(c, &condition, RECENT)?,
                counted,
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

/// What waits for `role`, each to be counted (over all, not a page); nothing for a role with no work list.
fn waiting_for(role: &Role) -> Vec<(&'static str, Waiting, &'static str)> {
    match role {
        Role::Party(party) => vec![(
            "dashboard.replies_open",
            Waiting::OpenReplies(party.as_str().to_string()),
            "/inbox",
        )],
        Role::Mediator(_) => vec![
            ("dashboard.awaiting_approval", Waiting::AwaitingApproval, "/queue"),
            ("dashboard.penalties_proposed", Waiting::ProposedPenalties, "/queue"),
        ],
        Role::Monitor(_) | Role::Admin => vec![
            (
                "dashboard.investigating",
                Waiting::AtStage(Stage::Investigating),
                "/incidents?status=investigating",
            ),
            (
                "dashboard.awaiting_reply",
                Waiting::AtStage(Stage::AwaitingReply),
                "/incidents?status=awaiting_reply",
            ),
        ],
        Role::Observer => Vec::new(),
    }
}
