//! `truce log mirror`: copy a log's files into a directory laid out as their
//! URL paths, so any static file server can serve them and `verify --dir` can
//! check them offline. The checkpoint is written last: a mirror never
//! announces a tree whose tiles it lacks.

use crate::http_source::HttpSource;
use anyhow::{Context, bail};
use std::path::Path;
use std::process::ExitCode;
use truce_log::client::TileSource;
use truce_log::{Checkpoint, Note, TileId, TileKind};

pub fn run(url: &str, dir: &Path) -> anyhow::Result<ExitCode> {
    let source = HttpSource::discover(url)?;
    let note_bytes = source
        .fetch("checkpoint")
        .map_err(anyhow::Error::msg)?
        .context("no checkpoint")?;
    let note = Note::parse(&note_bytes)?;
    let checkpoint = Checkpoint::parse(note.text())?;
    let mut files = 0;
    let levels = (0..8u8).map(|level| TileKind::Hashes { level });
    for kind in std::iter::once(TileKind::Entries).chain(levels) {
        for tile in TileId::tiles_for_size(kind, checkpoint.size) {
            let path = tile.path();
            let Some(bytes) = source.fetch(&path).map_err(anyhow::Error::msg)? else {
                bail!("the log does not serve {path}, which its checkpoint needs");
            };
            write(&dir.join(&path), &bytes)?;
            files += 1;
        }
    }
    write(&dir.join("checkpoint"), &note_bytes)?;
    println!(
        "mirrored {} at size {} ({files} tiles and bundles) from {} into {}",
        checkpoint.origin,
        checkpoint.size,
        source.prefix(),
        dir.display()
    );
    println!(
        "the signature is not checked here: run `truce log verify --dir {}`",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::create_dir_all(path.parent().expect("a file in a directory"))?;
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
