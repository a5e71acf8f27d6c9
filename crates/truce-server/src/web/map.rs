//! `GET /web/map.json`: what the map draws besides the countries: the
//! incidents the caller may see (public: published findings) as compact
//! points, and the agreement's polygon zones as GeoJSON. Points are arrays,
//! not objects, so ten thousand of them stay small.

use super::i18n::Catalogue;
use crate::api::api;
use crate::api::auth::Caller;
use crate::api::incidents::latest_summaries;
use crate::{AppState, Problem};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};
use truce_domain::agreement::ZoneShape;
use truce_store::incident_list::IncidentFilter;

/// The most points sent: the latest incidents, when there are more.
pub const POINTS_MAX: u32 = 20_000;

/// The map's element: `assets/truce.js` draws the countries, the zones and
/// the points of `/web/map.json` (what the caller may see) into it.
pub fn element(lang: &Catalogue) -> Markup {
    html! {
        div #map.map role="region" aria-label=(lang.t("front.map"))
            data-points="/web/map.json"
            data-countries="/assets/map/afghanistan-pakistan.geojson"
            data-label-incident=(lang.t("map.incident"))
            data-label-responsible=(lang.t("map.responsible"))
            data-label-no-party=(lang.t("map.no_party")) {}
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/web/map.json", get(map))
}

async fn map(
    State(state): State<AppState>,
    caller: Result<Caller, Problem>,
) -> Result<Json<serde_json::Value>, Problem> {
    let caller = super::page_caller(caller);
    let api = api(&state)?;
    let condition = IncidentFilter::default().condition(&caller.role());
    let (incidents, total) = api
        .reads
        .run(move |connection| latest_summaries(connection, &condition, POINTS_MAX))
        .await?;
    let parties: Vec<&str> = api.agreement.parties.iter().map(|p| p.code.as_str()).collect();
    let points: Vec<serde_json::Value> = incidents
        .iter()
        .filter_map(|i| {
            let party = i.responsible_party.as_deref().or(i.accused.as_deref());
            Some(serde_json::json!([
                i.id,
                i.latitude?,
                i.longitude?,
                i.status,
                party,
                party.and_then(|p| parties.iter().position(|known| *known == p)),
                i.verdict,
            ]))
        })
        .collect();
    let zones: Vec<serde_json::Value> = api
        .agreement
        .zones
        .iter()
        .filter_map(|zone| match &zone.shape {
            ZoneShape::Polygons { rings } => Some(serde_json::json!({
                "type": "Feature",
                "properties": {"code": zone.code, "name": zone.name},
                "geometry": {"type": "MultiPolygon", "coordinates": rings},
            })),
            ZoneShape::BorderBuffer { .. } => None,
        })
        .collect();
    Ok(Json(serde_json::json!({
        "points": points,
        "total": total,
        "parties": parties,
        "zones": {"type": "FeatureCollection", "features": zones},
    })))
}
