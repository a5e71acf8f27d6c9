//! A witness's data directory: `witness.key` (its private key, readable
//! by its owner only), `witness.vkey` (the verifier key line the log and
//! the parties' policies name it by) and `witness.db` (its state).

use crate::witness::Witness;
use std::path::{Path, PathBuf};
use truce_log::cosignature::Cosigner;
use truce_log::note::KeyName;
use truce_store::witness_state::WitnessState;

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{0}")]
    Key(String),
    #[error(transparent)]
    Store(#[from] truce_store::StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FilesError + '_ {
    move |error| FilesError::Io {
        path: path.display().to_string(),
        error,
    }
}

pub struct WitnessDir {
    path: PathBuf,
}

impl WitnessDir {
    pub fn at(path: &Path) -> WitnessDir {
        WitnessDir {
            path: path.to_path_buf(),
        }
    }

    pub fn key_path(&self) -> PathBuf {
        self.path.join("witness.key")
    }

    pub fn vkey_path(&self) -> PathBuf {
        self.path.join("witness.vkey")
    }

    pub fn state_path(&self) -> PathBuf {
        self.path.join("witness.db")
    }

    /// Makes the key and the state; refuses a directory that has either.
    /// Returns the verifier key line.
    pub fn init(&self, name: &str) -> Result<String, FilesError> {
        let name = KeyName::parse(name).map_err(|e| FilesError::Key(format!("the witness name {name:?}: {e}")))?;
        std::fs::create_dir_all(&self.path).map_err(io(&self.path))?;
        let key_path = self.key_path();
        if key_path.exists() || self.state_path().exists() {
            return Err(FilesError::Key(format!(
                "{} already holds a witness: a witness's key and state are never remade",
                self.path.display()
            )));
        }
        let cosigner = Cosigner::generate(name);
        write_secret(&key_path, &format!("{}\n", cosigner.to_secret_string()))?;
        let vkey = cosigner.verifier().to_string();
        std::fs::write(self.vkey_path(), format!("{vkey}\n")).map_err(io(&self.vkey_path()))?;
        WitnessState::create(&self.state_path())?;
        Ok(vkey)
    }

    pub fn cosigner(&self) -> Result<Cosigner, FilesError> {
        let path = self.key_path();
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        text.trim()
            .parse()
            .map_err(|e| FilesError::Key(format!("{}: {e}", path.display())))
    }

    pub fn state(&self) -> Result<WitnessState, FilesError> {
        Ok(WitnessState::open(&self.state_path())?)
    }

    pub fn witness(&self) -> Result<Witness, FilesError> {
        Ok(Witness::new(self.cosigner()?, self.state()?))
    }
}

#[cfg(unix)]
fn write_secret(path: &Path, text: &str) -> Result<(), FilesError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    file.write_all(text.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

#[cfg(not(unix))]
fn write_secret(path: &Path, text: &str) -> Result<(), FilesError> {
    std::fs::write(path, text).map_err(io(path))
}
