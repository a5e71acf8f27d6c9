//! GDELT event exports: 1.0 daily files (58 tab-separated fields, the last
//! the source URL), 1.0 historical backfiles (57, no URL) and 2.0 exports (61,
//! with an ADM2 code in each geography block). No header row; a file may mix
//! the 1.0 forms. Only CAMEO root codes 18 (assault), 19 (fight) and 20 (mass
//! violence) are acts a ceasefire mechanism records; other rows are skipped,
//! not rejected. Each row is an open-source report, to be correlated.

use crate::RowError;
use truce_domain::codes::Code;
use truce_domain::report::{
    ActorRef, LocationInput, LocationPrecision, ReportInput, SourceInput, SourceType, TimeInput, TimePrecision,
};

/// What one line of a GDELT file became.
#[derive(Debug)]
pub enum GdeltRow {
    Report(Box<ReportInput>),
    /// Not an act of violence (CAMEO root code outside 18 to 20).
    Skipped,
}

/// Field positions of the forms GDELT published.
struct Layout {
    action_type: usize,
    action_name: usize,
    action_latitude: usize,
    action_longitude: usize,
    source_url: Option<usize>,
}

fn layout(fields: usize) -> Option<Layout> {
    match fields {
        57 => Some(Layout {
            action_type: 49,
            action_name: 50,
            action_latitude: 53,
            action_longitude: 54,
            source_url: None,
        }),
        58 => Some(Layout {
            action_type: 49,
            action_name: 50,
            action_latitude: 53,
            action_longitude: 54,
            source_url: Some(57),
        }),
        61 => Some(Layout {
            action_type: 51,
            action_name: 52,
            action_latitude: 56,
            action_longitude: 57,
            source_url: Some(60),
        }),
        _ => None,
    }
}

/// Parses one line (numbered from 1). `parties` are the agreement's party
/// codes: an actor whose CAMEO country code is one of them acts for it.
pub fn parse_line(line: u64, text: &str, parties: &[Code]) -> Result<GdeltRow, RowError> {
    let error = |reason: String| RowError { line, reason };
    let fields: Vec<&str> = text.trim_end_matches(['\r', '\n']).split('\t').collect();
    let layout = layout(fields.len()).ok_or_else(|| {
        error(format!(
            "{} fields; GDELT rows have 57, 58 (1.0) or 61 (2.0)",
            fields.len()
        ))
    })?;
    let root_code = fields[28];
    if !matches!(root_code, "18" | "19" | "20") {
        return Ok(GdeltRow::Skipped);
    }
    let date = chrono::NaiveDate::parse_from_str(fields[1], "%Y%m%d")
        .map_err(|_| error(format!("SQLDATE {:?} is not a date YYYYMMDD", fields[1])))?;
    let coordinate = |index: usize, name: &str| -> Result<f64, RowError> {
        fields[index]
            .parse()
            .map_err(|_| error(format!("{name} {:?} is not a number", fields[index])))
    };
    let latitude = coordinate(layout.action_latitude, "ActionGeo_Lat")?;
    let longitude = coordinate(layout.action_longitude, "ActionGeo_Long")?;
    let precision = match fields[layout.action_type] {
        "1" => LocationPrecision::Country,
        "2" | "5" => LocationPrecision::Province,
        "3" | "4" => LocationPrecision::Within25Km,
        other => return Err(error(format!("ActionGeo_Type {other:?} is not 1 to 5"))),
    };
    let actor = |name: usize, country: usize| {
        let name = fields[name].trim();
        (!name.is_empty()).then(|| ActorRef {
            name: name.to_string(),
            party: Code::parse(fields[country]).ok().filter(|code| parties.contains(code)),
        })
    };
    let url = layout
        .source_url
        .map(|i| fields[i].to_string())
        .filter(|u| !u.is_empty());
    let outlet = url
        .as_deref()
        .and_then(|u| u.split('/').nth(2))
        .unwrap_or("GDELT")
        .to_string();
    Ok(GdeltRow::Report(Box::new(ReportInput {
        external_id: format!("gdelt-{}", fields[0]),
        source: SourceInput {
            source_type: SourceType::Media,
            name: outlet,
            owner: None,
            channel: "gdelt".into(),
            grading: "C3".into(),
        },
        time: TimeInput {
            start: format!("{date}T00:00:00+00:00"),
            end: None,
            precision: TimePrecision::Day,
        },
        location: LocationInput {
            latitude,
            longitude,
            precision,
            name: Some(fields[layout.action_name].to_string()),
        },
        actor1: actor(6, 7),
        actor2: actor(16, 17),
        act: None,
        acled_event_type: Some(
            if root_code == "19" {
                "Battles"
            } else {
                "Violence against civilians"
            }
            .into(),
        ),
        acled_sub_event_type: None,
        narrative: url
            .map(|u| format!("CAMEO {} reported at {u}", fields[26]))
            .unwrap_or_default(),
        language: "en".into(),
        claims: Vec::new(),
        submitter_identity: None,
        protected_source: None,
    })))
}
