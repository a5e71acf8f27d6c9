//! Evidence as a monitor handles it: stored once by SHA-256, registered and
//! passed along a chain of custody in the log, and a changed blob named.

use std::path::Path;

#[allow(dead_code)] // Not every test uses every helper.
mod common;

use common::{example_agreement, truce};

#[test]
fn evidence_is_stored_once_custody_is_logged_and_changes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let example = example_agreement();
    assert_eq!(
        truce(&["init", "--data", data, "--agreement", example.to_str().unwrap()]).0,
        0
    );
    let photo = dir.path().join("crater.jpg");
    std::fs::write(&photo, b"not really a photograph of a crater").unwrap();
    let photo = photo.to_str().unwrap();

    let (code, out, err) = truce(&[
        "evidence",
        "add",
        "--data",
        data,
        "--collected-by",
        "Team 3",
        "--media-type",
        "image/jpeg",
        photo,
    ]);
    assert_eq!(code, 0, "{err}");
    let sha256 = out.split_whitespace().next().unwrap().to_string();
    assert_eq!(sha256.len(), 64);
    let (_, out, _) = truce(&["evidence", "add", "--data", data, "--collected-by", "Team 4", photo]);
    assert!(out.contains("stored once"), "{out}");
    let blobs: Vec<_> = walk(&Path::new(data).join("evidence"));
    assert_eq!(blobs.len(), 1);

    let (code, _, err) = truce(&[
        "evidence",
        "custody",
        "--data",
        data,
        &sha256,
        "--action",
        "transferred",
        "--by",
        "Team 3",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("names who received"), "{err}");
    let (code, _, err) = truce(&[
        "evidence",
        "custody",
        "--data",
        data,
        &sha256,
        "--action",
        "transferred",
        "--by",
        "Team 3",
        "--to",
        "HQ lab",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = truce(&[
        "evidence",
        "custody",
        "--data",
        data,
        &"0".repeat(64),
        "--action",
        "examined",
        "--by",
        "HQ lab",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("no evidence"), "{err}");
    let (code, out, _) = truce(&[
        "evidence",
        "add",
        "--data",
        data,
        "--collected-by",
        "x",
        "--max-bytes",
        "10",
        photo,
    ]);
    assert_ne!(code, 0, "{out}");

    assert_eq!(truce(&["evidence", "check", "--data", data]).0, 0);
    assert_eq!(truce(&["audit", "--data", data]).0, 0);
    std::fs::write(&blobs[0], b"a doctored photograph").unwrap();
    let (code, _, err) = truce(&["evidence", "check", "--data", data]);
    assert_ne!(code, 0);
    assert!(err.contains(&format!("{sha256} changed")), "{err}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
