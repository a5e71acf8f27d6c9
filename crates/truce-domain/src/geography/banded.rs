//! Point-in-polygon for detailed boundaries, in time that does not grow
//! with the number of vertices. Every report is placed on the map, and the
//! 1:10m outlines of Afghanistan and Pakistan have 1,500 and 2,100
//! vertices: a plain crossing-number test walks them all for each point.
//! Here each ring's edges are filed into horizontal bands once, so a point
//! only tests the few edges of its own band. The answer is the crossing
//! number's (even-odd) on the same edges, so it equals `geo`'s `contains`
//! everywhere except exactly on an edge, where `geo` says "not contained"
//! and this may say either: a boundary has no width at the data's precision.

use geo::{Coord, LineString, MultiPolygon};

/// A ring's edges filed by the horizontal bands they span.
struct BandedRing {
    edges: Vec<(Coord<f64>, Coord<f64>)>,
    min_y: f64,
    band_height: f64,
    /// For each band, the indexes into `edges` of the edges that reach into it.
    bands: Vec<Vec<u32>>,
}

impl BandedRing {
    fn new(ring: &LineString<f64>) -> BandedRing {
        let edges: Vec<(Coord<f64>, Coord<f64>)> = ring.lines().map(|line| (line.start, line.end)).collect();
        let (min_y, max_y) = edges
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), (a, b)| {
                (low.min(a.y).min(b.y), high.max(a.y).max(b.y))
            });
        // About two edges a band on average: few enough to be quick, without a band per edge.
        let count = (edges.len() / 2).clamp(1, 4096);
        let band_height = if max_y > min_y {
            (max_y - min_y) / count as f64
        } else {
            1.0
        };
        let mut bands = vec![Vec::new(); count];
        let band_of = |y: f64| (((y - min_y) / band_height) as usize).min(count - 1);
        for (index, (a, b)) in edges.iter().enumerate() {
            let (low, high) = (band_of(a.y.min(b.y)), band_of(a.y.max(b.y)));
            for band in &mut bands[low..=high] {
                band.push(index as u32);
            }
        }
        BandedRing {
            edges,
            min_y,
            band_height,
            bands,
        }
    }

    /// Whether `point` is inside the ring, by the crossing number of a ray towards +x.
    fn contains(&self, point: Coord<f64>) -> bool {
        if point.y < self.min_y || self.bands.is_empty() {
            return false;
        }
        let band = ((point.y - self.min_y) / self.band_height) as usize;
        let Some(edges) = self.bands.get(band) else {
            return false;
        };
        let mut inside = false;
        for &index in edges {
            let (a, b) = self.edges[index as usize];
            if (a.y > point.y) != (b.y > point.y) {
                let crossing_x = a.x + (point.y - a.y) * (b.x - a.x) / (b.y - a.y);
                if point.x < crossing_x {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

/// A multipolygon ready for many point-in-polygon questions.
pub struct BandedShape {
    /// Each polygon as its exterior ring and its holes.
    polygons: Vec<(BandedRing, Vec<BandedRing>)>,
}

impl BandedShape {
    pub fn new(shape: &MultiPolygon<f64>) -> BandedShape {
        BandedShape {
            polygons: shape
                .0
                .iter()
                .map(|polygon| {
                    (
                        BandedRing::new(polygon.exterior()),
                        polygon.interiors().iter().map(BandedRing::new).collect(),
                    )
                })
                .collect(),
        }
    }

    pub fn contains(&self, x: f64, y: f64) -> bool {
        let point = Coord { x, y };
        self.polygons
            .iter()
            .any(|(exterior, holes)| exterior.contains(point) && !holes.iter().any(|hole| hole.contains(point)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Point, Polygon};
    use proptest::prelude::*;

    fn square_with_hole() -> MultiPolygon<f64> {
        let ring = |points: &[(f64, f64)]| LineString::from(points.to_vec());
        MultiPolygon(vec![
            Polygon::new(
                ring(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
                vec![ring(&[(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0), (4.0, 4.0)])],
            ),
            Polygon::new(ring(&[(20.0, 0.0), (30.0, 5.0), (20.0, 10.0), (20.0, 0.0)]), vec![]),
        ])
    }

    #[test]
    fn holes_and_second_polygons_count() {
        let shape = BandedShape::new(&square_with_hole());
        assert!(shape.contains(1.0, 1.0));
        assert!(!shape.contains(5.0, 5.0), "inside the hole");
        assert!(shape.contains(22.0, 5.0), "inside the triangle");
        assert!(!shape.contains(29.0, 1.0), "beside the triangle");
        assert!(!shape.contains(-1.0, 5.0));
        assert!(!shape.contains(5.0, 11.0), "above every band");
        assert!(!shape.contains(5.0, -1.0), "below every band");
    }

    /// On the real 1:10m outlines of Afghanistan and Pakistan, over a fine
    /// grid of the region, the banded test answers as `geo` does.
    #[test]
    fn agrees_with_geo_on_the_detailed_outlines() {
        let text = include_str!("../../../../data/natural-earth/natural_earth_10m_afghanistan_pakistan_border.geojson");
        let collection: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut compared = 0;
        for feature in collection["features"].as_array().unwrap() {
            if feature["geometry"]["type"] == "LineString" {
                continue;
            }
            let shape = super::super::geojson_polygons(&feature["geometry"]).unwrap();
            let banded = BandedShape::new(&shape);
            for i in 0..300 {
                for j in 0..200 {
                    let (x, y) = (60.0 + i as f64 * 0.0613, 23.0 + j as f64 * 0.0797);
                    assert_eq!(banded.contains(x, y), shape.contains(&Point::new(x, y)), "{x}, {y}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 120_000);
    }

    proptest! {
        /// Off the boundary, the banded test answers as `geo` does.
        #[test]
        fn agrees_with_geo(x in -2.0f64..32.0, y in -2.0f64..12.0) {
            let shape = square_with_hole();
            prop_assert_eq!(BandedShape::new(&shape).contains(x, y), shape.contains(&Point::new(x, y)));
        }
    }
}
