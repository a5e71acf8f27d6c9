//! `truce log publish`: write a data directory's log as static files (its
//! latest checkpoint with the witnesses' cosignatures, every tile and entry
//! bundle, and the log's verifier key as `key`), for any web server or CDN
//! to serve as the log's `/log` prefix, so that reads at internet scale
//! never reach the server. It reads a snapshot of the store, so the server
//! may run meanwhile; a second run writes only what is new.

use crate::datadir::DataDir;
use crate::static_log::{write_atomically, write_tree};
use std::path::Path;
use std::process::ExitCode;
use truce_store::LogReader;

pub fn run(data: &Path, dir: &Path) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::open(data)?;
    let reader = LogReader::open(&data_dir.database())?;
    let checkpoint = reader.latest_checkpoint()?;
    let note = reader.cosigned_note(&checkpoint)?;
    let written = write_tree(dir, checkpoint.size, note.as_bytes(), |tile| Ok(reader.tile(tile)?))?;
    write_atomically(&dir.join("key"), format!("{}\n", data_dir.verifier()?).as_bytes())?;
    println!(
        "published the log at size {} into {}: {} tiles and bundles written, {} already there",
        checkpoint.size,
        dir.display(),
        written.files,
        written.kept
    );
    println!(
        "serve {} as the log's /log (the checkpoint without caching, the tiles for ever); a reader runs `truce log verify --url`",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
