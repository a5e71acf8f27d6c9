//! The Natural Earth data embedded in the binary (see `data/natural-earth/`),
//! loaded once.

use std::sync::OnceLock;
use truce_domain::geography::Geography;

pub fn world() -> &'static Geography {
    static WORLD: OnceLock<Geography> = OnceLock::new();
    WORLD.get_or_init(|| {
        Geography::from_sources(
            include_str!("../../../data/natural-earth/natural_earth_10m_afghanistan_pakistan_border.geojson"),
            include_str!("../../../data/natural-earth/world_atlas_countries-50m.topojson.json"),
        )
        .expect("the embedded Natural Earth data is valid")
    })
}
