//! The web interface: pages rendered on the server (maud), in the caller's
//! language ([`i18n`]), with a little JavaScript where it helps (the map,
//! sign-in), and every asset, Leaflet included, embedded in the binary
//! ([`assets`]): no front-end build, no CDN, no tile server, so it works
//! offline. Pages read what the caller may see through the same visibility
//! rules as the JSON API, and change nothing themselves: forms post to the
//! API.

mod assets;
mod bulletin_map;
mod bulletin_page;
mod bulletins;
mod chart;
mod front;
pub mod i18n;
mod incidents;
mod layout;
mod map;
mod sign_in;

use crate::api::auth::Caller;
use crate::{AppState, Problem};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(assets::routes())
        .merge(front::routes())
        .merge(bulletins::routes())
        .merge(incidents::routes())
        .merge(map::routes())
        .merge(sign_in::routes())
}

/// The caller of a page: a session's user, or anonymous (a page never refuses a stale cookie).
fn page_caller(caller: Result<Caller, Problem>) -> Caller {
    caller.unwrap_or(Caller { user: None })
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
