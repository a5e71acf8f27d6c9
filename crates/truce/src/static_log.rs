//! A log as static files: its checkpoint, tiles and entry bundles in a
//! directory laid out as their URL paths below the log's prefix
//! (`checkpoint`, `tile/0/x001/234`, `tile/entries/000.p/7`), which any web
//! server or CDN serves as the log's `/log` and `truce log verify --dir`
//! reads offline. `truce log mirror` fills one from a server, `truce log
//! publish` from a data directory.
//!
//! It grows incrementally: a tile's path names its bytes for ever (a full
//! tile never changes, and a partial one's width says which entries it
//! holds), so a file already there is not fetched or written again. Every
//! file is written to a temporary name and renamed, and the checkpoint last:
//! the directory never announces a tree whose files it lacks, whatever
//! moment a reader or a crash comes.

use anyhow::Context;
use std::path::Path;
use truce_log::{TileId, TileKind};

/// What one run wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Tiles and bundles written.
    pub files: u64,
    /// Tiles and bundles already there, left as they were.
    pub kept: u64,
}

/// The hash tile levels a tree of `size` entries can reach (eight levels of
/// 256: any size of 64 bits).
const LEVELS: u8 = 8;

/// Writes into `dir` every tile and entry bundle of the tree of `size`
/// entries that is not there yet, each as `fetch` gives it, then
/// `checkpoint` (the signed note, with any cosignatures) as `checkpoint`.
pub fn write_tree(
    dir: &Path,
    size: u64,
    checkpoint: &[u8],
    mut fetch: impl FnMut(TileId) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<Written> {
    let mut written = Written::default();
    let levels = (0..LEVELS).map(|level| TileKind::Hashes { level });
    for kind in std::iter::once(TileKind::Entries).chain(levels) {
        for tile in TileId::tiles_for_size(kind, size) {
            let path = dir.join(tile.path());
            if path.is_file() {
                written.kept += 1;
                continue;
            }
            write_atomically(&path, &fetch(tile)?)?;
            written.files += 1;
        }
    }
    write_atomically(&dir.join("checkpoint"), checkpoint)?;
    Ok(written)
}

/// Writes `bytes` at `path` through a temporary file beside it, renamed
/// into place: a reader sees the whole file or none.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let parent = path.parent().context("a file in a directory")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let mut temporary = tempfile::NamedTempFile::new_in(parent)
        .with_context(|| format!("creating a temporary file in {}", parent.display()))?;
    std::io::Write::write_all(&mut temporary, bytes).with_context(|| format!("writing {}", path.display()))?;
    // On disk before it has its name: a crash never leaves a short file that later runs keep.
    temporary
        .as_file()
        .sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    // Public files, for a web server running as a user of its own (a temporary file is the owner's alone).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("making {} readable", path.display()))?;
    }
    temporary
        .persist(path)
        .with_context(|| format!("renaming into {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_writes_only_what_is_new() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = |tile: TileId| Ok(tile.path().into_bytes());
        let first = write_tree(dir.path(), 300, b"at 300\n", bytes).unwrap();
        // 300 entries: a full bundle and a partial one; a full level-0 tile, a partial one, and a partial level-1 tile.
        assert_eq!(first, Written { files: 5, kept: 0 });
        let second = write_tree(dir.path(), 600, b"at 600\n", bytes).unwrap();
        // 600: bundles 0 and 1 full, 2 partial; the same at level 0; level 1 partial of width 2.
        assert_eq!(second, Written { files: 5, kept: 2 });
        assert_eq!(std::fs::read(dir.path().join("checkpoint")).unwrap(), b"at 600\n");
        assert_eq!(
            std::fs::read(dir.path().join("tile/entries/001")).unwrap(),
            b"tile/entries/001"
        );
        // A fetch that fails leaves the checkpoint as it was.
        let error = write_tree(dir.path(), 900, b"at 900\n", |_| anyhow::bail!("the server is down")).unwrap_err();
        assert!(error.to_string().contains("the server is down"), "{error}");
        assert_eq!(std::fs::read(dir.path().join("checkpoint")).unwrap(), b"at 600\n");
    }
}
