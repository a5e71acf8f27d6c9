//! The evidence store: content-addressed blobs on disk, named by their
//! SHA-256. A blob is written to a temporary file, synced, and renamed into
//! place, so a crash never leaves half a blob under a real name; the same
//! bytes uploaded twice are stored once. `check` re-hashes every blob and
//! names any whose bytes no longer match their name.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("the evidence is {size} bytes, more than the limit of {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("{0:?} is not a SHA-256 in hex")]
    BadHash(String),
    #[error("the evidence store at {path}: {error}")]
    Io { path: String, error: std::io::Error },
}

/// A stored blob: its hash, its size, and whether this upload stored it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    pub newly_stored: bool,
}

pub struct BlobStore {
    root: PathBuf,
    size_limit_bytes: u64,
}

impl BlobStore {
    pub fn new(root: &Path, size_limit_bytes: u64) -> BlobStore {
        BlobStore {
            root: root.to_path_buf(),
            size_limit_bytes,
        }
    }

    fn io(&self, path: &Path) -> impl FnOnce(std::io::Error) -> EvidenceError {
        let path = path.display().to_string();
        move |error| EvidenceError::Io { path, error }
    }

    /// Where the blob named `sha256` lives: `root/ab/abcdef…`.
    pub fn path_of(&self, sha256: &str) -> Result<PathBuf, EvidenceError> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(EvidenceError::BadHash(sha256.to_string()));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` (once), durably.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredBlob, EvidenceError> {
        let size = bytes.len() as u64;
        if size > self.size_limit_bytes {
            return Err(EvidenceError::TooLarge {
                size,
                limit: self.size_limit_bytes,
            });
        }
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha256)?;
        if path.exists() {
            return Ok(StoredBlob {
                sha256,
                size,
                newly_stored: false,
            });
        }
        let directory = path.parent().expect("in a directory");
        std::fs::create_dir_all(directory).map_err(self.io(directory))?;
        let temporary = directory.join(format!(".{sha256}.partial"));
        let mut file = std::fs::File::create(&temporary).map_err(self.io(&temporary))?;
        file.write_all(bytes).map_err(self.io(&temporary))?;
        file.sync_all().map_err(self.io(&temporary))?;
        std::fs::rename(&temporary, &path).map_err(self.io(&path))?;
        std::fs::File::open(directory)
            .and_then(|d| d.sync_all())
            .map_err(self.io(directory))?;
        Ok(StoredBlob {
            sha256,
            size,
            newly_stored: true,
        })
    }

    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, EvidenceError> {
        let path = self.path_of(sha256)?;
        std::fs::read(&path).map_err(self.io(&path))
    }

    /// Re-hashes every blob; returns a line for each that does not match its name.
    pub fn check(&self) -> Result<(u64, Vec<String>), EvidenceError> {
        let mut checked = 0;
        let mut problems = Vec::new();
        let Ok(shards) = std::fs::read_dir(&self.root) else {
            return Ok((0, problems));
        };
        for shard in shards {
            let shard = shard.map_err(self.io(&self.root))?.path();
            for blob in std::fs::read_dir(&shard).map_err(self.io(&shard))? {
                let path = blob.map_err(self.io(&shard))?.path();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name.starts_with('.') {
                    continue;
                }
                checked += 1;
                let bytes = std::fs::read(&path).map_err(self.io(&path))?;
                let actual = hex::encode(Sha256::digest(&bytes));
                if actual != name {
                    problems.push(format!("{} changed: its bytes now hash to {actual}", path.display()));
                }
            }
        }
        Ok((checked, problems))
    }
}
