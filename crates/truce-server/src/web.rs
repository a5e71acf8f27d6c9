//! The web interface: pages rendered on the server (maud), in the caller's
//! language ([`i18n`]), with a little JavaScript where it helps (the map,
//! sign-in, forms posting JSON to the API, the report form's draft, the
//! reply deadlines' countdowns, the log explorer's check in the reader's
//! browser), and every asset, Leaflet included, embedded in the binary
//! ([`assets`]): no front-end build, no CDN, no tile server, so it works
//! offline. Pages read what the caller may see through the same visibility
//! rules as the JSON API, and change nothing themselves: forms post to the
//! API.

mod assets;
mod bulletin_map;
mod bulletin_page;
mod bulletins;
mod chart;
mod dashboard;
mod forms;
mod front;
pub mod i18n;
mod inbox;
mod incident_steps;
mod incidents;
mod layout;
mod log_explorer;
mod map;
mod penalties;
mod queue;
mod report;
mod sign_in;

use crate::api::auth::Caller;
use crate::{AppState, Problem};
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use i18n::Catalogue;
use truce_domain::role::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(assets::routes())
        .merge(dashboard::routes())
        .merge(front::routes())
        .merge(bulletins::routes())
        .merge(inbox::routes())
        .merge(incidents::routes())
        .merge(log_explorer::routes())
        .merge(map::routes())
        .merge(penalties::routes())
        .merge(queue::routes())
        .merge(report::routes())
        .merge(sign_in::routes())
}

/// The caller of a page: a session's user, or anonymous (a page never refuses a stale cookie).
fn page_caller(caller: Result<Caller, Problem>) -> Caller {
    caller.unwrap_or_else(|_| Caller::anonymous())
}

/// Lets a page for some roles through: without a session the reader is
/// sent to sign in (and back here after); a signed-in user of another
/// role is told, with a 403, that the page is not for its role.
fn for_roles(
    lang: &'static Catalogue,
    caller: &Caller,
    path: &str,
    allowed: fn(&Role) -> bool,
) -> Result<Role, Box<Response>> {
    let Some(user) = &caller.user else {
        let next = format!("{path}?lang={}", lang.code);
        let to = format!("/sign-in?lang={}&next={}", lang.code, percent_encode(&next));
        return Err(Box::new(Redirect::to(&to).into_response()));
    };
    if allowed(&user.role) {
        return Ok(user.role.clone());
    }
    let content = maud::html! {
        h1 { (lang.t("page.not_for_role")) }
        p { (lang.f("page.not_for_role_detail", &[("role", &layout::role_name(lang, &user.role))])) }
    };
    let shell = layout::Shell {
        lang,
        caller,
        title: lang.t("page.not_for_role"),
        path,
        checkpoint: None,
    };
    Err(Box::new(
        (StatusCode::FORBIDDEN, layout::page(&shell, content)).into_response(),
    ))
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
/// POSIX seconds as `YYYY-MM-DD HH:MM:SS` (UTC); the number itself when it is no time.
fn utc_seconds(at: u64) -> String {
    i64::try_from(at)
        .ok()
        .and_then(|at| chrono::DateTime::from_timestamp(at, 0))
        .map_or_else(|| at.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A published bulletin as a whole HTML page for a file (styles inline, no script): `truce bulletin --format html`.
pub fn bulletin_standalone(
    lang: &i18n::Catalogue,
    agreement: &truce_domain::agreement::Agreement,
    bulletin: &truce_domain::bulletin::Bulletin,
    index: u64,
) -> String {
    bulletin_page::standalone(lang, agreement, bulletin, index)
}
