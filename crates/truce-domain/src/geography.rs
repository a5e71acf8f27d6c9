//! Geography from Natural Earth: which country a place is in, whether it
//! lies in one of the agreement's zones, how far it is from the
//! Afghanistan–Pakistan border, and whether an act crossed that border (one
//! party's forces acting on the other's territory).
//!
//! The data (public domain, see `data/natural-earth/`) is handed in as text:
//! the 1:10m Afghanistan and Pakistan polygons with their shared border line,
//! and the 1:50m world as TopoJSON for every other country. The lines are
//! Natural Earth's de facto, generalized ones: right for maps and for "near
//! the border", not for legal boundaries.

mod banded;
mod border;

use crate::agreement::{Agreement, Zone, ZoneShape};
use crate::codes::Code;
use banded::BandedShape;
use border::BorderLine;
use geo::{BoundingRect, Contains, Rect};
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};
use serde::{Deserialize, Serialize};

pub struct Country {
    /// ISO 3166-1 numeric, as Natural Earth names countries ("004").
    pub iso: String,
    pub name: String,
    shape: BandedShape,
    bounds: Rect<f64>,
}

pub struct Geography {
    /// The detailed countries first: the first that contains a point wins.
    countries: Vec<Country>,
    border: BorderLine,
}

/// What geography says about a report's place, as recorded with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoFacts {
    pub country_iso: Option<String>,
    pub border_distance_km: f64,
    pub zones: Vec<Code>,
    /// A party's forces (the perpetrator) acting on the other party's territory.
    pub cross_border: bool,
}

impl Geography {
    /// Builds the geography from the Af–Pak GeoJSON and the world TopoJSON.
    pub fn from_sources(afpak_geojson: &str, world_topojson: &str) -> Result<Geography, String> {
        let afpak: serde_json::Value =
            serde_json::from_str(afpak_geojson).map_err(|e| format!("the Af–Pak GeoJSON: {e}"))?;
        let mut countries = Vec::new();
        let mut border = None;
        for feature in afpak["features"]
            .as_array()
            .ok_or("the Af–Pak GeoJSON has no features")?
        {
            let geometry = &feature["geometry"];
            match geometry["type"].as_str() {
                Some("LineString") => border = Some(LineString::from(positions(&geometry["coordinates"])?)),
                Some(_) => countries.push(country(
                    feature["id"].as_str().unwrap_or_default(),
                    feature["properties"]["name"].as_str().unwrap_or_default(),
                    geojson_polygons(geometry)?,
                )),
                None => return Err("a feature without a geometry type".into()),
            }
        }
        let detailed: Vec<String> = countries.iter().map(|c| c.iso.clone()).collect();
        for (iso, name, shape) in topojson_countries(world_topojson)? {
            if !detailed.contains(&iso) {
                countries.push(country(&iso, &name, shape));
            }
        }
        Ok(Geography {
            countries,
            border: BorderLine::new(&border.ok_or("the Af–Pak GeoJSON has no border line")?),
        })
    }

    pub fn country_at(&self, latitude: f64, longitude: f64) -> Option<&Country> {
        let point = Point::new(longitude, latitude);
        self.countries
            .iter()
            .find(|country| country.bounds.contains(&point) && country.shape.contains(longitude, latitude))
    }

    /// Distance in km from the point to the nearest point of the border line.
    pub fn border_distance_km(&self, latitude: f64, longitude: f64) -> f64 {
        self.border.distance_km(latitude, longitude)
    }

    pub fn in_zone(&self, zone: &Zone, latitude: f64, longitude: f64) -> bool {
        match &zone.shape {
            ZoneShape::BorderBuffer { distance_km } => self.border_distance_km(latitude, longitude) <= *distance_km,
            ZoneShape::Polygons { rings } => {
                let point = Point::new(longitude, latitude);
                rings.iter().any(|polygon| to_polygon(polygon).contains(&point))
            }
        }
    }

    /// The facts of a place for a report whose perpetrator is `perpetrator`.
    pub fn facts(
        &self,
        agreement: Option<&Agreement>,
        latitude: f64,
        longitude: f64,
        perpetrator: Option<&Code>,
    ) -> GeoFacts {
        let country_iso = self.country_at(latitude, longitude).map(|c| c.iso.clone());
        let zones = agreement
            .map(|a| {
                a.zones
                    .iter()
                    .filter(|z| self.in_zone(z, latitude, longitude))
                    .map(|z| z.code.clone())
                    .collect()
            })
            .unwrap_or_default();
        let cross_border = match (agreement, perpetrator, &country_iso) {
            (Some(agreement), Some(perpetrator), Some(iso)) => {
                agreement
                    .parties
                    .iter()
                    .any(|party| &party.code != perpetrator && &party.country_iso == iso)
                    && agreement.party(perpetrator).is_some()
            }
            _ => false,
        };
        GeoFacts {
            country_iso,
            border_distance_km: self.border_distance_km(latitude, longitude),
            zones,
            cross_border,
        }
    }
}

fn country(iso: &str, name: &str, shape: MultiPolygon<f64>) -> Country {
    let bounds = shape
        .bounding_rect()
        .unwrap_or(Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }));
    Country {
        iso: iso.to_string(),
        name: name.to_string(),
        shape: BandedShape::new(&shape),
        bounds,
    }
}

fn to_polygon(rings: &[Vec<(f64, f64)>]) -> Polygon<f64> {
    let line = |ring: &Vec<(f64, f64)>| LineString::from(ring.iter().map(|&(x, y)| Coord { x, y }).collect::<Vec<_>>());
    Polygon::new(line(&rings[0]), rings[1..].iter().map(line).collect())
}

fn positions(value: &serde_json::Value) -> Result<Vec<Coord<f64>>, String> {
    value
        .as_array()
        .ok_or("positions must be an array")?
        .iter()
        .map(|p| match (p[0].as_f64(), p[1].as_f64()) {
            (Some(x), Some(y)) => Ok(Coord { x, y }),
            _ => Err("a position must be [longitude, latitude]".to_string()),
        })
        .collect()
}

fn geojson_polygons(geometry: &serde_json::Value) -> Result<MultiPolygon<f64>, String> {
    let polygon = |rings: &serde_json::Value| -> Result<Polygon<f64>, String> {
        let rings = rings.as_array().ok_or("a polygon must be an array of rings")?;
        let mut lines = rings.iter().map(|ring| positions(ring).map(LineString::from));
        let exterior = lines.next().ok_or("a polygon needs a ring")??;
        Ok(Polygon::new(exterior, lines.collect::<Result<_, _>>()?))
    };
    match geometry["type"].as_str() {
        Some("Polygon") => Ok(MultiPolygon(vec![polygon(&geometry["coordinates"])?])),
        Some("MultiPolygon") => Ok(MultiPolygon(
            geometry["coordinates"]
                .as_array()
                .ok_or("bad MultiPolygon")?
                .iter()
                .map(polygon)
                .collect::<Result<_, _>>()?,
        )),
        other => Err(format!("unexpected geometry {other:?}")),
    }
}

/// Decodes the `countries` object of a quantized TopoJSON topology: arcs are
/// delta-encoded integers scaled by the transform; a negative arc index `~i`
/// is arc `i` reversed; consecutive arcs share their joining point.
fn topojson_countries(text: &str) -> Result<Vec<(String, String, MultiPolygon<f64>)>, String> {
    #[derive(Deserialize)]
    struct Topology {
        transform: Transform,
        arcs: Vec<Vec<[i64; 2]>>,
        objects: Objects,
    }
    #[derive(Deserialize)]
    struct Transform {
        scale: [f64; 2],
        translate: [f64; 2],
    }
    #[derive(Deserialize)]
    struct Objects {
        countries: Collection,
    }
    #[derive(Deserialize)]
    struct Collection {
        geometries: Vec<Geometry>,
    }
    #[derive(Deserialize)]
    struct Geometry {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        arcs: serde_json::Value,
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        properties: serde_json::Value,
    }
    let topology: Topology = serde_json::from_str(text).map_err(|e| format!("the world TopoJSON: {e}"))?;
    let decoded: Vec<Vec<Coord<f64>>> = topology
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    let t = &topology.transform;
                    Coord {
                        x: x as f64 * t.scale[0] + t.translate[0],
                        y: y as f64 * t.scale[1] + t.translate[1],
                    }
                })
                .collect()
        })
        .collect();
    let ring = |indexes: &serde_json::Value| -> Result<LineString<f64>, String> {
        let mut coords: Vec<Coord<f64>> = Vec::new();
        for index in indexes.as_array().ok_or("a ring must list arcs")? {
            let index = index.as_i64().ok_or("an arc index must be an integer")?;
            let arc = decoded
                .get(if index < 0 { !index } else { index } as usize)
                .ok_or("an arc index is out of range")?;
            let points: Vec<Coord<f64>> = if index < 0 {
                arc.iter().rev().copied().collect()
            } else {
                arc.clone()
            };
            let skip = usize::from(!coords.is_empty());
            coords.extend(points.into_iter().skip(skip));
        }
        Ok(LineString::from(coords))
    };
    let polygon = |rings: &serde_json::Value| -> Result<Polygon<f64>, String> {
        let rings = rings.as_array().ok_or("a polygon must list rings")?;
        let mut lines = rings.iter().map(ring);
        let exterior = lines.next().ok_or("a polygon needs a ring")??;
        Ok(Polygon::new(exterior, lines.collect::<Result<_, _>>()?))
    };
    let mut countries = Vec::new();
    for geometry in topology.objects.countries.geometries {
        let shape = match geometry.kind.as_str() {
            "Polygon" => MultiPolygon(vec![polygon(&geometry.arcs)?]),
            "MultiPolygon" => MultiPolygon(
                geometry
                    .arcs
                    .as_array()
                    .ok_or("bad MultiPolygon")?
                    .iter()
                    .map(polygon)
                    .collect::<Result<_, _>>()?,
            ),
            _ => continue,
        };
        let name = geometry.properties["name"].as_str().unwrap_or_default().to_string();
        countries.push((geometry.id.unwrap_or_default(), name, shape));
    }
    Ok(countries)
}
