//! The bulletin's map, drawn on the server as SVG: the Natural Earth
//! outlines of the parties' countries and their border, and the period's
//! published findings as points coloured by the responsible party. No
//! script and no tiles, so it shows offline and prints as it shows.

use super::chart::colour;
use super::i18n::Catalogue;
use maud::{Markup, html};
use std::fmt::Write;
use std::sync::LazyLock;

const WIDTH: f64 = 600.0;
/// The frame, in degrees: Afghanistan and Pakistan with a margin.
const WEST: f64 = 60.0;
const EAST: f64 = 78.2;
const NORTH: f64 = 38.8;
const SOUTH: f64 = 23.4;
/// Equirectangular, with longitude shrunk by the cosine of the frame's middle latitude.
const SHRINK: f64 = 0.857;

fn scale() -> f64 {
    WIDTH / ((EAST - WEST) * SHRINK)
}

fn height() -> f64 {
    ((NORTH - SOUTH) * scale()).round()
}

/// (x, y) in the SVG of (longitude, latitude).
fn project(lon: f64, lat: f64) -> (f64, f64) {
    ((lon - WEST) * SHRINK * scale(), (NORTH - lat) * scale())
}

/// (country outlines, border) as SVG path data, from the embedded GeoJSON,
/// rounded to a tenth of a pixel with repeated points dropped: the 10m
/// outlines in a few tens of kilobytes.
static PATHS: LazyLock<(String, String)> = LazyLock::new(|| {
    let text = include_str!("../../../../data/natural-earth/natural_earth_10m_afghanistan_pakistan_border.geojson");
    let geojson: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let (mut countries, mut border) = (String::new(), String::new());
    for feature in geojson["features"].as_array().into_iter().flatten() {
        let geometry = &feature["geometry"];
        let coordinates = &geometry["coordinates"];
        match geometry["type"].as_str() {
            Some("Polygon") => rings(coordinates, &mut countries),
            Some("MultiPolygon") => coordinates
                .as_array()
                .into_iter()
                .flatten()
                .for_each(|polygon| rings(polygon, &mut countries)),
            Some("LineString") => line(coordinates, false, &mut border),
            _ => {}
        }
    }
    (countries, border)
});

fn rings(polygon: &serde_json::Value, out: &mut String) {
    for ring in polygon.as_array().into_iter().flatten() {
        line(ring, true, out);
    }
}

fn line(points: &serde_json::Value, closed: bool, out: &mut String) {
    let mut last = None;
    for (i, point) in points.as_array().into_iter().flatten().enumerate() {
        let (Some(lon), Some(lat)) = (point[0].as_f64(), point[1].as_f64()) else {
            continue;
        };
        let (x, y) = project(lon, lat);
        let here = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
        if last == Some(here) {
            continue;
        }
        last = Some(here);
        let command = if i == 0 { 'M' } else { 'L' };
        let _ = write!(out, "{command}{:.1} {:.1}", x, y);
    }
    if closed {
        out.push('Z');
    }
}

/// A point of the map: an incident with a published finding.
pub struct Point {
    pub incident: u64,
    pub latitude: f64,
    pub longitude: f64,
    /// The responsible party's position among the agreement's parties, if any.
    pub party: Option<usize>,
    pub title: String,
}

pub fn render(lang: &Catalogue, points: &[Point]) -> Markup {
    let (countries, border) = &*PATHS;
    let height = height();
    html! {
        figure.bulletin-map {
            svg #bulletin-map viewBox={ "0 0 " (WIDTH) " " (height) } role="img" dir="ltr"
                aria-label=(lang.t("bulletin.map")) {
                rect.sea x="0" y="0" width=(WIDTH) height=(height) {}
                path.country d=(countries) {}
                path.border d=(border) {}
                @for point in points {
                    @let (x, y) = project(point.longitude, point.latitude);
                    circle.finding cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="7"
                        fill=(point.party.map_or("#ffffff", colour)) data-incident=(point.incident) {
                        title { (point.title) }
                    }
                }
            }
            figcaption.note { (lang.t("bulletin.map_note")) }
        }
    }
}
