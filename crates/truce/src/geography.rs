//! The Natural Earth data embedded in the binary (see `data/natural-earth/`),
//! loaded once, and the agreement kept in a data directory.

use std::path::Path;
use std::sync::OnceLock;
use truce_domain::agreement::Agreement;
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

/// The agreement registered in the data directory, if it holds one.
pub fn agreement_in(data: &Path) -> anyhow::Result<Option<Agreement>> {
    let path = data.join("agreement.toml");
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)?;
    Agreement::from_toml(&text)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
