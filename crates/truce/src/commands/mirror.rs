//! `truce log mirror`: copy a log's files into a directory laid out as their
//! URL paths (see [`crate::static_log`]), so any static file server can
//! serve them and `verify --dir` can check them offline. A second run
//! fetches only what is new.

use crate::http_source::HttpSource;
use crate::static_log::write_tree;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;
use truce_log::client::TileSource;
use truce_log::{Checkpoint, Note};

pub fn run(url: &str, dir: &Path) -> anyhow::Result<ExitCode> {
    let source = HttpSource::discover(url)?;
    let note_bytes = source
        .fetch("checkpoint")
        .map_err(anyhow::Error::msg)?
        .context("no checkpoint")?;
    let note = Note::parse(&note_bytes)?;
    let checkpoint = Checkpoint::parse(note.text())?;
    let written = write_tree(dir, checkpoint.size, &note_bytes, |tile| {
        let path = tile.path();
        source
            .fetch(&path)
            .map_err(anyhow::Error::msg)?
            .with_context(|| format!("the log does not serve {path}, which its checkpoint needs"))
    })?;
    println!(
        "mirrored {} at size {} ({} tiles and bundles fetched, {} already here) from {} into {}",
        checkpoint.origin,
        checkpoint.size,
        written.files,
        written.kept,
        source.prefix(),
        dir.display()
    );
    println!(
        "the signature is not checked here: run `truce log verify --dir {}`",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
