//! UCDP GED in: the real Afghanistan 2020 file and the full-schema GeoJSON
//! from `../shared/data` (skipped, with a message, when absent), and the
//! repository's own sample with a bad row.

use std::path::Path;
use truce_domain::report::{DeathCategory, Report};
use truce_interchange::ucdp::{read_csv, read_geojson};

const SAMPLE: &str = "\
,year,type_of_violence,side_a,side_b,number_of_sources,source_article,source_office,source_date,where_coordinates,latitude,longitude,country,region,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,high,low,cluster
1292,2020,State,Government of Afghanistan,Taleban,1,\"\"\"Bakhtar News Agency,2020-01-02,Taliban Insurgents Killed\"\"\",Bakhtar News Agency,2020-01-02,Hutal (Maywand) town,31.6173,65.0599,Afghanistan,Asia,2020-01-01,2020-01-02,0,6,0,0,6,6,6,1
1949,2020,State,Government of Afghanistan,Taleban,1,x,Pajhwok News,2020-01-01,Hazara Qeshlaq village,95.836,64.5345,Afghanistan,Asia,2020-01-01,2020-01-01,0,0,1,0,1,1,1,2
1950,2020,State,Government of Afghanistan,Taleban,1,x,Pajhwok News,2020-01-01,Somewhere,35.8,64.5,Afghanistan,Asia,2020-01-01,2020-01-01,0,0,-1,0,1,1,1,2
1951,2020,State,Government of Afghanistan,Taleban,1,x,Pajhwok News,2020-01-01,Somewhere,35.8,64.5,Afghanistan,Asia,not a date,2020-01-01,0,0,1,0,1,1,1,2
1952,2020,State,Government of Afghanistan,Taleban,1,x,Pajhwok News,2020-01-01,Somewhere,35.8,64.5,Afghanistan,Asia,2020-01-01,2020-01-01,0,0,1,0,2,1,3,2
";

fn parse_all(
    rows: Vec<Result<truce_domain::report::ReportInput, truce_interchange::RowError>>,
) -> (Vec<Report>, Vec<String>) {
    let mut reports = Vec::new();
    let mut rejects = Vec::new();
    for row in rows {
        match row.map_err(|e| e.to_string()).and_then(|input| {
            input
                .parse()
                .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
        }) {
            Ok(report) => reports.push(report),
            Err(reason) => rejects.push(reason),
        }
    }
    (reports, rejects)
}

fn total(report: &Report) -> u32 {
    report
        .claims
        .iter()
        .find(|c| c.category == DeathCategory::Total)
        .unwrap()
        .deaths
        .best
}

#[test]
fn the_sample_imports_good_rows_and_names_bad_ones() {
    let (reports, rejects) = parse_all(read_csv(SAMPLE.as_bytes()).collect());
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].external_id, "ucdp-row-1292");
    assert_eq!(total(&reports[0]), 6);
    assert_eq!(reports[0].time.end.to_rfc3339(), "2020-01-02T00:00:00+00:00");
    assert!(reports[0].narrative.starts_with("\"Bakhtar News Agency"));
    // low > best is kept, with a warning.
    assert_eq!(reports[1].warnings().len(), 1);
    assert_eq!(rejects.len(), 3, "{rejects:?}");
    assert!(rejects[0].contains("location.latitude"), "{rejects:?}");
    assert!(
        rejects[1].contains("claims[2].low: -1 is not a count of people"),
        "{rejects:?}"
    );
    assert!(
        rejects[2].contains("line 5") && rejects[2].contains("date_start"),
        "{rejects:?}"
    );
}

fn shared(name: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name);
    let text = std::fs::read_to_string(&path).ok();
    if text.is_none() {
        eprintln!(
            "SKIPPED: {} is absent (a user's clone); the sample test covers the same code",
            path.display()
        );
    }
    text
}

#[test]
fn the_real_afghanistan_2020_file_imports_whole() {
    let Some(text) = shared("ucdp_ged_afghanistan_2020_clustered.csv") else {
        return;
    };
    let (reports, rejects) = parse_all(read_csv(text.as_bytes()).collect());
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(reports.len(), 3317);
    assert_eq!(reports.iter().map(total).sum::<u32>(), 20_834);
    let broken = reports.iter().filter(|r| !r.warnings().is_empty()).count();
    assert_eq!(broken, 211, "rows where low <= best <= high fails, per the SOURCE note");
}

#[test]
fn the_full_schema_geojson_imports_whole() {
    let Some(text) = shared("ucdp_ged231_central_african_republic.geojson") else {
        return;
    };
    let (reports, rejects) = parse_all(read_geojson(&text).unwrap());
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(reports.len(), 1848);
    assert_eq!(reports[0].external_id, "ucdp-36210");
    assert_eq!(reports[0].location.precision.ucdp_code(), 5);
}

/// What truce exports, truce reads back as it was: cells a spreadsheet
/// would run as formulas are quoted on the way out and restored on the way in.
#[test]
fn an_export_with_formula_like_names_reads_back_as_it_was() {
    let record = truce_interchange::export::IncidentRecord {
        id: 7,
        date_start: "2025-10-12".into(),
        date_end: "2025-10-12".into(),
        latitude: -33.5,
        longitude: 69.2,
        where_prec: 1,
        date_prec: 1,
        side_a: "=HYPERLINK(\"http://evil.example\")".into(),
        side_b: "'quoted already".into(),
        deaths_a: 1,
        deaths_b: 2,
        deaths_civilians: 0,
        deaths_unknown: 0,
        low: 3,
        best: 3,
        high: 3,
        number_of_sources: 1,
        status: "final".into(),
    };
    let mut bytes = Vec::new();
    truce_interchange::export::write_ucdp_csv(std::slice::from_ref(&record), &mut bytes).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains("'=HYPERLINK") && text.contains("''quoted already"),
        "{text}"
    );
    assert!(text.contains(",-33.5,"), "numbers are not quoted: {text}");
    let read: Vec<_> = truce_interchange::ucdp::read_csv(&bytes[..]).collect();
    let input = read[0].as_ref().unwrap_or_else(|e| panic!("{e}: {text}"));
    let actors: Vec<&str> = [&input.actor1, &input.actor2]
        .into_iter()
        .flatten()
        .map(|actor| actor.name.as_str())
        .collect();
    assert_eq!(actors, ["=HYPERLINK(\"http://evil.example\")", "'quoted already"]);
}
