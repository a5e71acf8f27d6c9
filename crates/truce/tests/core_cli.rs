//! The core as a user drives it: init with the agreement, import UCDP GED,
//! export it back with the same death counts, import twice (nothing added),
//! rebuild equal to the live projections, and an audit that names a row
//! edited behind truce's back.

use std::path::Path;

#[allow(dead_code)] // Not every test uses every helper.
mod common;

use common::{example_agreement, truce};

fn example() -> String {
    example_agreement().display().to_string()
}

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ucdp-afghanistan-2020-sample.csv")
        .display()
        .to_string()
}

fn sums(csv_path: &Path) -> (usize, [u64; 3]) {
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (low, best, high) = (column("low"), column("best"), column("high"));
    let mut rows = 0;
    let mut totals = [0u64; 3];
    for record in reader.records() {
        let record = record.unwrap();
        if record[column("latitude")].parse::<f64>().unwrap().abs() > 90.0 {
            continue; // the sample's deliberately bad row
        }
        rows += 1;
        for (total, index) in totals.iter_mut().zip([low, best, high]) {
            *total += record[index].parse::<u64>().unwrap();
        }
    }
    (rows, totals)
}

fn init(dir: &Path) -> String {
    let data = dir.join("data").display().to_string();
    let (code, out, err) = truce(&["init", "--data", &data, "--agreement", &example()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("registered agreement DOHA-2025"), "{out}");
    data
}

#[test]
fn import_export_rebuild_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    let (code, out, err) = truce(&["import", "--data", &data, "--format", "ucdp", "--json", &sample()]);
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            summary["rows_read"].as_u64(),
            summary["imported"].as_u64(),
            summary["rejected"].as_u64()
        ),
        (Some(31), Some(30), Some(1))
    );
    assert_eq!(
        summary["incidents_opened"].as_u64(),
        Some(30),
        "UCDP rows are incidents, one a row"
    );
    let rejects = std::fs::read_to_string(summary["rejects_file"].as_str().unwrap()).unwrap();
    assert!(
        rejects.starts_with("line 32: location.latitude: 135.8 is not from -90 to 90"),
        "{rejects}"
    );

    let connection = rusqlite::Connection::open(Path::new(&data).join("truce.db")).unwrap();
    let in_afghanistan: i64 = connection
        .query_row(
            "SELECT count(*) FROM reports WHERE country_iso = '004' AND border_distance_km > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        in_afghanistan, 30,
        "every sample event lies in Afghanistan, away from the border line"
    );
    drop(connection);

    let (_, out, _) = truce(&["import", "--data", &data, "--format", "ucdp", "--json", &sample()]);
    let again: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (again["imported"].as_u64(), again["already_imported"].as_u64()),
        (Some(0), Some(30))
    );

    let exported = dir.path().join("out.csv");
    let (code, _, err) = truce(&[
        "export",
        "--data",
        &data,
        "--format",
        "ucdp-csv",
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sums(&exported), sums(Path::new(&sample())));

    let jsonl = dir.path().join("reports.jsonl");
    truce(&[
        "export",
        "--data",
        &data,
        "--format",
        "jsonl",
        "--out",
        jsonl.to_str().unwrap(),
    ]);
    let (_, out, _) = truce(&[
        "import",
        "--data",
        &data,
        "--format",
        "jsonl",
        "--json",
        jsonl.to_str().unwrap(),
    ]);
    let round_trip: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (round_trip["imported"].as_u64(), round_trip["already_imported"].as_u64()),
        (Some(0), Some(30))
    );
    let (code, out, _) = truce(&["export", "--data", &data, "--format", "geojson"]);
    assert_eq!(code, 0);
    let geojson: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(geojson["features"].as_array().unwrap().len(), 30);

    let (code, out, _) = truce(&["rebuild", "--data", &data]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("equal"));
    let (code, out, _) = truce(&["audit", "--data", &data]);
    assert_eq!(code, 0, "{out}");

    let connection = rusqlite::Connection::open(Path::new(&data).join("truce.db")).unwrap();
    connection
        .execute(
            "UPDATE claims SET best = best + 1 WHERE report_id = 7 AND category = 'total'",
            [],
        )
        .unwrap();
    let (code, _, err) = truce(&["audit", "--data", &data]);
    assert_ne!(code, 0);
    assert!(err.contains("claims row 7,4 differs"), "{err}");
    let (code, _, _) = truce(&["rebuild", "--data", &data]);
    assert_ne!(code, 0);

    // A stored opening changed by one letter no longer opens its commitment:
    // the audit names the entry (its one commitment covers all its groups).
    let (index, mut stored): (i64, Vec<u8>) = connection
        .query_row(
            "SELECT log_index, openings FROM openings WHERE instr(openings, CAST('report.narrative' AS BLOB)) > 0
             ORDER BY log_index LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let key = br#""report.narrative":""#;
    let start = stored.windows(key.len()).position(|w| w == key).unwrap() + key.len();
    // A letter of the narrative, swapped for another: still text, no longer the text committed to.
    let at = start + stored[start..].iter().position(u8::is_ascii_alphabetic).unwrap();
    stored[at] = if stored[at] == b'N' { b'M' } else { b'N' };
    connection
        .execute(
            "UPDATE openings SET openings = ?1 WHERE log_index = ?2",
            rusqlite::params![stored, index],
        )
        .unwrap();
    let (code, _, err) = truce(&["audit", "--data", &data]);
    assert_ne!(code, 0);
    assert!(
        err.contains("narrative") && err.contains(&format!("do not match entry {index}'s commitment")),
        "{err}"
    );
}

#[test]
fn a_broken_agreement_is_refused_with_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.toml");
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace("approvals_required = 2", "approvals_required = 5");
    std::fs::write(&broken, text).unwrap();
    let data = dir.path().join("data");
    let (code, _, err) = truce(&[
        "init",
        "--data",
        data.to_str().unwrap(),
        "--agreement",
        broken.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("process.approvals_required: must be from 1 to 2, not 5"),
        "{err}"
    );
    assert!(!data.exists(), "nothing is created for a refused agreement");
}

#[test]
fn the_real_afghanistan_2020_file_round_trips_its_death_counts() {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ucdp_ged_afghanistan_2020_clustered.csv");
    if !source.exists() {
        eprintln!(
            "SKIPPED: {} is absent (a user's clone); import_export_rebuild_and_audit covers the same code",
            source.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    let (code, out, err) = truce(&[
        "import",
        "--data",
        &data,
        "--format",
        "ucdp",
        "--json",
        source.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (summary["imported"].as_u64(), summary["incidents_opened"].as_u64()),
        (Some(3317), Some(3317))
    );
    let exported = dir.path().join("out.csv");
    truce(&[
        "export",
        "--data",
        &data,
        "--format",
        "ucdp-csv",
        "--out",
        exported.to_str().unwrap(),
    ]);
    let (rows, totals) = sums(&exported);
    assert_eq!((rows, totals), sums(&source));
    assert_eq!(totals[1], 20_834);
}

#[test]
fn acled_rows_come_in_and_go_out_with_their_fatalities_and_hxl_tags() {
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    let acled = dir.path().join("acled.csv");
    std::fs::write(
        &acled,
        "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,actor2,country,location,latitude,longitude,geo_precision,source,notes,fatalities\n\
         PAK1001,2025-10-12,2025,1,Political violence,Battles,Armed clash,Military Forces of Pakistan (2022-),Taliban,Pakistan,Angoor Adda,32.58,69.35,1,Dawn,Clash at the border post.,23\n\
         AFG2002,15 October 2025,2025,1,Political violence,Explosions/Remote violence,Air/drone strike,Military Forces of Pakistan (2022-),Civilians (Afghanistan),Afghanistan,Urgun,32.93,69.18,2,Tolo News,Strike on houses.,10\n\
         AFG2003,not a date,2025,1,Political violence,Battles,Armed clash,A,B,Afghanistan,X,32.9,69.1,1,S,N,1\n",
    )
    .unwrap();
    let (code, out, err) = truce(&[
        "import",
        "--data",
        &data,
        "--format",
        "acled",
        "--json",
        acled.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (summary["imported"].as_u64(), summary["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    let rejects = std::fs::read_to_string(summary["rejects_file"].as_str().unwrap()).unwrap();
    assert!(rejects.starts_with("line 4: event_date \"not a date\""), "{rejects}");

    let (code, out, _) = truce(&["export", "--data", &data, "--format", "acled-csv"]);
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let headers = reader.headers().unwrap().clone();
    let fatalities = headers.iter().position(|h| h == "fatalities").unwrap();
    let event_type = headers.iter().position(|h| h == "event_type").unwrap();
    assert_eq!(
        rows.iter().map(|r| r[fatalities].parse::<u32>().unwrap()).sum::<u32>(),
        33
    );
    assert_eq!(&rows[1][event_type], "Explosions/Remote violence");

    let (code, out, _) = truce(&["export", "--data", &data, "--format", "hxl-csv"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("id,date_start"));
    assert!(lines[1].starts_with("#event+id,#date+start"));
    assert_eq!(lines.len(), 4);
}

#[test]
fn monitors_merge_and_split_incidents_and_the_record_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    assert_eq!(truce(&["import", "--data", &data, "--format", "ucdp", &sample()]).0, 0);
    let (code, out, err) = truce(&[
        "incident",
        "merge",
        "--data",
        &data,
        "--into",
        "1",
        "--from",
        "2",
        "--reason",
        "the same clash",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("recorded at log index"));
    let (code, _, err) = truce(&[
        "incident", "merge", "--data", &data, "--into", "1", "--from", "2", "--reason", "again",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("incident 2 does not exist"), "{err}");
    let (code, _, err) = truce(&[
        "incident",
        "split",
        "--data",
        &data,
        "--from",
        "1",
        "--reports",
        "2",
        "--reason",
        "two villages",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = truce(&[
        "incident",
        "split",
        "--data",
        &data,
        "--from",
        "1",
        "--reports",
        "1",
        "--reason",
        "all",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("some but not all"), "{err}");
    let (code, out, _) = truce(&["export", "--data", &data, "--format", "geojson"]);
    assert_eq!(code, 0);
    let geojson: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        geojson["features"].as_array().unwrap().len(),
        30,
        "29 after the merge, 30 after the split"
    );
    let (code, out, _) = truce(&["rebuild", "--data", &data]);
    assert_eq!(code, 0, "{out}");
}
