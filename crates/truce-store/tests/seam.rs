//! SQL lives in this crate alone: no other crate of the workspace names
//! rusqlite in its sources or depends on it outside its tests (which may
//! tamper with a database as an attacker would). A second backend then
//! replaces this crate's insides, not the server's.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_crate_but_the_store_speaks_sql() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        if dir.file_name().is_some_and(|n| n == "truce-store") || !dir.join("Cargo.toml").is_file() {
            continue;
        }
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let dependencies = manifest.split("[dev-dependencies]").next().unwrap_or_default();
        if dependencies.lines().any(|l| l.trim_start().starts_with("rusqlite")) {
            found.push(format!("{}: depends on rusqlite", dir.join("Cargo.toml").display()));
        }
        let mut files = Vec::new();
        sources(&dir.join("src"), &mut files);
        for file in files {
            checked += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            if let Some((number, _)) = text.lines().enumerate().find(|(_, l)| l.contains("rusqlite")) {
                found.push(format!("{}:{}: names rusqlite", file.display(), number + 1));
            }
        }
    }
    assert!(checked > 50, "the workspace's sources were found ({checked} files)");
    assert!(found.is_empty(), "SQL outside truce-store:\n{}", found.join("\n"));
}
