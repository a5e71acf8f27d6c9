//! The Natural Earth data embedded in the binary (see `data/natural-earth/`),
//! loaded once, and the command that files a report placed on it.

use std::sync::OnceLock;
use truce_domain::agreement::Agreement;
use truce_domain::geography::Geography;
use truce_domain::report::Report;
use truce_domain::state::Command;

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

/// The command that files `report`, placed on the map (country, the
/// agreement's zones, border distance, cross-border) as it is filed.
pub fn file_report(
    report: Report,
    agreement: Option<&Agreement>,
    sealed_commitment: Option<String>,
    correlate: bool,
) -> Command {
    let geo = world().facts(
        agreement,
        report.location.latitude.degrees(),
        report.location.longitude.degrees(),
        report.perpetrator_party(),
    );
    Command::FileReport {
        report: Box::new(report),
        sealed_commitment,
        correlate,
        geo: Some(geo),
    }
}
