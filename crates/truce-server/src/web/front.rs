//! The front page, public: no sign-in needed. The status per party (and of
//! the agreement), the map of published findings, and the chart of
//! confirmed violations per day and party; the footer names the checkpoint
//! the page was read at, so what it shows can be checked against the log.

use super::chart;
use super::i18n::Lang;
use super::layout::{Shell, page};
use super::page_caller;
use crate::api::api;
use crate::api::auth::Caller;
use crate::witnesses::WitnessStanding;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};
use truce_domain::verification::status::{PartyStatus, StatusPoint};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(front))
}

async fn front(
    State(state): State<AppState>,
    Lang(lang): Lang,
    caller: Result<Caller, Problem>,
) -> Result<Markup, Problem> {
    let caller = page_caller(caller);
    let api = api(&state)?;
    let current = crate::api::status::current(api).await?;
    let days = api.reads.run(chart::confirmed_per_day).await?;
    let latest = api
        .reads
        .run(|connection| truce_store::bulletins::list(connection, None, 1))
        .await?
        .pop();
    let checkpoint = api.engine.latest_checkpoint();
    let parties = super::forms::Choices::of(&api.agreement).parties;
    let content = html! {
        h1 { (lang.t("front.heading")) }
        p.intro { (lang.t("front.intro")) }
        section aria-labelledby="status-heading" {
            h2 #status-heading { (lang.t("front.status")) }
            (status_cards(lang, &current, &parties))
            p.agreement-status {
                (lang.t("front.agreement_status")) ": "
                strong class={ "status status-" (current.agreement.as_str()) } {
                    (lang.t(&format!("status.{}", current.agreement.as_str())))
                }
            }
        }
        @if let Some(bulletin) = &latest { (latest_bulletin(lang, bulletin)) }
        section aria-labelledby="map-heading" {
            h2 #map-heading { (lang.t("front.map")) }
            (super::map::element(lang))
            p.note { (lang.t("front.map_note")) }
        }
        section aria-labelledby="chart-heading" {
            h2 #chart-heading { (lang.t("front.chart")) }
            (chart::render(lang, &days, &parties))
        }
        (witnesses(lang, &state.witnesses.standings(), checkpoint.size))
    };
    let shell = Shell {
        lang,
        caller: &caller,
        title: lang.t("front.heading"),
        path: "/",
        checkpoint: Some(&checkpoint),
    };
    Ok(page(&shell, content))
}

/// A witness that has not cosigned what the log holds for this long is behind.
const BEHIND_AFTER_SECONDS: u64 = 300;

/// When the parties' and mediators' witnesses last cosigned the log, with a
/// warning for one that refused, is unreachable, or is behind.
fn witnesses(lang: &'static super::i18n::Catalogue, standings: &[WitnessStanding], size: u64) -> Markup {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    html! {
        @if !standings.is_empty() {
            section aria-labelledby="witnesses-heading" {
                h2 #witnesses-heading { (lang.t("front.witnesses")) }
                p.note { (lang.t("front.witnesses_intro")) }
                ul.witnesses {
                    @for standing in standings {
                        @let behind = standing.cosigned_size.is_none_or(|cosigned| cosigned < size)
                            && standing.cosigned_at.is_none_or(|at| now.saturating_sub(at) > BEHIND_AFTER_SECONDS);
                        li {
                            bdi { (standing.name) } ": "
                            @match (standing.cosigned_size, standing.cosigned_at) {
                                (Some(cosigned), Some(at)) => {
                                    (lang.f("front.witness_cosigned", &[
                                        ("size", &cosigned.to_string()),
                                        ("time", &format!("{} UTC", super::utc_seconds(at))),
                                    ]))
                                }
                                _ => { (lang.t("front.witness_never")) }
                            }
                            @if standing.refused {
                                " " strong.warning { (lang.t("front.witness_refused")) } " " bdi { (standing.last_error.as_deref().unwrap_or("")) }
                            } @else if behind {
                                " " strong.warning { (lang.f("front.witness_behind", &[("size", &size.to_string())])) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A card for each party's status, named as the agreement names it (`parties`: code, name).
pub(super) fn status_cards(
    lang: &'static super::i18n::Catalogue,
    point: &StatusPoint,
    parties: &[(String, String)],
) -> Markup {
    let name = |code: &str| {
        parties
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code.to_string(), |(_, name)| name.clone())
    };
    html! {
        ul.status-cards { @for party in &point.parties { (status_card(lang, &name(party.party.as_str()), party)) } }
    }
}

fn status_card(lang: &'static super::i18n::Catalogue, name: &str, party: &PartyStatus) -> Markup {
    let status = party.status.as_str();
    html! {
        li.status-card {
            h3 { (name) }
            p { strong class={ "status status-" (status) } { (lang.t(&format!("status.{status}"))) } }
            @if !party.reasons.is_empty() {
                ul.reasons { @for reason in &party.reasons { li { (reason) } } }
            }
        }
    }
}

/// The latest bulletin's headline figures, linking to it.
fn latest_bulletin(
    lang: &'static super::i18n::Catalogue,
    bulletin: &truce_store::bulletins::PublishedBulletin,
) -> Markup {
    let headline = bulletin.headline.unwrap_or_default();
    html! {
        section.latest-bulletin aria-labelledby="bulletin-heading" {
            h2 #bulletin-heading { (lang.t("front.bulletin")) }
            p #bulletin-headline {
                (lang.f("front.bulletin_headline", &[
                    ("period", &super::bulletins::period_label(lang, bulletin)),
                    ("incidents", &headline.incidents.to_string()),
                    ("violations", &headline.violations_confirmed.to_string()),
                    ("deaths", &headline.deaths_best.to_string()),
                ]))
                " "
                a href={ "/bulletins/" (bulletin.index) "?lang=" (lang.code) } { (lang.t("front.bulletin_link")) }
            }
        }
    }
}
