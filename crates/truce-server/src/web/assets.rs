//! The files the pages load, embedded in the binary at build time: the
//! vendored libraries (`assets/vendor/`, each with its licence), truce's own
//! style and script, and the Natural Earth boundaries the map draws.

use crate::{AppState, Problem};
use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// (path under `/assets/`, media type, bytes)
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "truce.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/truce.css"),
    ),
    (
        "truce.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/truce.js"),
    ),
    (
        "report.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/report.js"),
    ),
    (
        "log-explorer.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/log-explorer.js"),
    ),
    (
        "bulletins.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/bulletins.js"),
    ),
    (
        "map/afghanistan-pakistan.geojson",
        "application/geo+json",
        include_bytes!("../../../../data/natural-earth/natural_earth_10m_afghanistan_pakistan_border.geojson"),
    ),
    (
        "vendor/leaflet-1.9.4/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/leaflet-1.9.4/leaflet.js"),
    ),
    (
        "vendor/leaflet-1.9.4/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/vendor/leaflet-1.9.4/leaflet.css"),
    ),
    (
        "vendor/leaflet-1.9.4/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/vendor/leaflet-1.9.4/LICENSE"),
    ),
    (
        "vendor/leaflet-1.9.4/images/layers.png",
        "image/png",
        include_bytes!("../../assets/vendor/leaflet-1.9.4/images/layers.png"),
    ),
    (
        "vendor/leaflet-1.9.4/images/layers-2x.png",
        "image/png",
        include_bytes!("../../assets/vendor/leaflet-1.9.4/images/layers-2x.png"),
    ),
    (
        "vendor/leaflet-1.9.4/images/marker-icon.png",
        "image/png",
        include_bytes!("../../assets/vendor/leaflet-1.9.4/images/marker-icon.png"),
    ),
    (
        "vendor/leaflet-1.9.4/images/marker-icon-2x.png",
        "image/png",
        include_bytes!("../../assets/vendor/leaflet-1.9.4/images/marker-icon-2x.png"),
    ),
    (
        "vendor/leaflet-1.9.4/images/marker-shadow.png",
        "image/png",
        include_bytes!("../../assets/vendor/leaflet-1.9.4/images/marker-shadow.png"),
    ),
    (
        "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js"),
    ),
    (
        "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css"),
    ),
    (
        "vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css"),
    ),
    (
        "vendor/leaflet.markercluster-1.5.3/MIT-LICENCE.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/vendor/leaflet.markercluster-1.5.3/MIT-LICENCE.txt"),
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{*path}", get(asset))
}

async fn asset(Path(path): Path<String>) -> Result<Response, Problem> {
    let Some((_, media_type, bytes)) = FILES.iter().find(|(name, _, _)| *name == path) else {
        return Err(Problem::not_found(format!("no asset {path}")));
    };
    Ok((
        [
            (header::CONTENT_TYPE, *media_type),
            // The binary's assets change only with the binary: a day is safe, and a restart is rare.
            (header::CACHE_CONTROL, "public, max-age=86400"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        *bytes,
    )
        .into_response())
}
