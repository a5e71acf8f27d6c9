//! Distance to a border line, for every report placed on the map. The line
//! is cut into runs of consecutive segments, each with its bounding box; a
//! run whose box is already farther than the nearest segment found so far
//! cannot hold a nearer one and is skipped, so a point tests a few runs
//! instead of all 580 segments of the Afghanistan–Pakistan line. The result
//! is the same segment, and the same distance, as testing them all.

use geo::{Coord, Distance, Haversine, LineString, Point};

/// Segments per run: short runs have tight boxes, long runs fewer boxes.
const RUN: usize = 16;

pub struct BorderLine {
    segments: Vec<(Coord<f64>, Coord<f64>)>,
    /// Each run's first segment and bounding box (min x, min y, max x, max y) in degrees.
    runs: Vec<(usize, [f64; 4])>,
}

impl BorderLine {
    pub fn new(line: &LineString<f64>) -> BorderLine {
        let segments: Vec<(Coord<f64>, Coord<f64>)> = line.lines().map(|l| (l.start, l.end)).collect();
        let runs = segments
            .chunks(RUN)
            .enumerate()
            .map(|(i, run)| {
                let bounds = run.iter().fold(
                    [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY],
                    |[x0, y0, x1, y1], (a, b)| {
                        [
                            x0.min(a.x).min(b.x),
                            y0.min(a.y).min(b.y),
                            x1.max(a.x).max(b.x),
                            y1.max(a.y).max(b.y),
                        ]
                    },
                );
                (i * RUN, bounds)
            })
            .collect();
        BorderLine { segments, runs }
    }

    /// Distance in km from the point to the nearest point of the line: the
    /// nearest segment is found in a local equirectangular projection
    /// (cheap, and within a fraction of a percent at these latitudes), then
    /// the distance to the nearest point on it is taken on the sphere.
    pub fn distance_km(&self, latitude: f64, longitude: f64) -> f64 {
        let scale = latitude.to_radians().cos();
        let (px, py) = (longitude * scale, latitude);
        // The squared projected distance from the point to each run's box, nearest first.
        let mut order: Vec<(f64, usize)> = self
            .runs
            .iter()
            .map(|&(first, [x0, y0, x1, y1])| {
                let dx = (x0 * scale - px).max(0.0).max(px - x1 * scale);
                let dy = (y0 - py).max(0.0).max(py - y1);
                (dx * dx + dy * dy, first)
            })
            .collect();
        order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut best: Option<(f64, usize, Coord<f64>)> = None;
        for (box_distance, first) in order {
            if best.is_some_and(|(d, _, _)| box_distance > d) {
                break;
            }
            let end = (first + RUN).min(self.segments.len());
            for (index, &(start, finish)) in self.segments[first..end].iter().enumerate() {
                let ((ax, ay), (bx, by)) = ((start.x * scale, start.y), (finish.x * scale, finish.y));
                let (dx, dy) = (bx - ax, by - ay);
                let length = dx * dx + dy * dy;
                let t = if length == 0.0 {
                    0.0
                } else {
                    (((px - ax) * dx + (py - ay) * dy) / length).clamp(0.0, 1.0)
                };
                let (nx, ny) = (ax + t * dx, ay + t * dy);
                let squared = (px - nx).powi(2) + (py - ny).powi(2);
                // Ties go to the earlier segment, as a walk along the whole line would choose.
                let candidate = (squared, first + index, Coord { x: nx / scale, y: ny });
                if best.is_none_or(|(d, i, _)| squared < d || (squared == d && first + index < i)) {
                    best = Some(candidate);
                }
            }
        }
        match best {
            Some((_, _, nearest)) => Haversine.distance(Point::new(longitude, latitude), Point::from(nearest)) / 1000.0,
            None => f64::INFINITY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The distance by testing every segment: runs whose boxes cover the
    /// whole plane are all at distance 0, so none is skipped.
    fn every_segment(line: &LineString<f64>, latitude: f64, longitude: f64) -> f64 {
        let segments: Vec<_> = line.lines().map(|l| (l.start, l.end)).collect();
        let everywhere = [f64::NEG_INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::INFINITY];
        let runs = (0..segments.len().div_ceil(RUN))
            .map(|i| (i * RUN, everywhere))
            .collect();
        BorderLine { segments, runs }.distance_km(latitude, longitude)
    }

    fn zigzag() -> LineString<f64> {
        LineString::from(
            (0..200)
                .map(|i| {
                    (
                        60.0 + i as f64 * 0.08,
                        30.0 + if i % 2 == 0 { 0.0 } else { 0.5 } + i as f64 * 0.03,
                    )
                })
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn an_empty_line_is_infinitely_far() {
        assert_eq!(
            BorderLine::new(&LineString::new(vec![])).distance_km(30.0, 60.0),
            f64::INFINITY
        );
    }

    proptest! {
        /// Skipping runs by their boxes never changes the answer.
        #[test]
        fn runs_find_what_every_segment_finds(latitude in 20.0f64..45.0, longitude in 50.0f64..85.0) {
            let line = zigzag();
            prop_assert_eq!(BorderLine::new(&line).distance_km(latitude, longitude), every_segment(&line, latitude, longitude));
        }
    }
}
