//! A truce data directory: `truce.db` (the log and, later, everything else),
//! `log.key` (the log's private signing key, readable by its owner only) and
//! `log.vkey` (the verifier key the parties trust).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use truce_domain::agreement::Agreement;
use truce_log::{KeyName, SignerKey, VerifierKey};

pub struct DataDir {
    path: PathBuf,
}

impl DataDir {
    /// Creates a new data directory with a fresh log key named `origin`.
    pub fn create(path: &Path, origin: &str) -> Result<DataDir> {
        let name = KeyName::parse(origin).context("the origin must be a valid key name")?;
        if path.join("log.key").exists() {
            bail!("{} already holds a truce data directory", path.display());
        }
        std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
        let signer = SignerKey::generate(name);
        write_secret(&path.join("log.key"), &format!("{}\n", signer.to_secret_string()))?;
        std::fs::write(path.join("log.vkey"), format!("{}\n", signer.verifier()))?;
        Ok(DataDir {
            path: path.to_path_buf(),
        })
    }

    pub fn open(path: &Path) -> Result<DataDir> {
        if !path.join("log.key").is_file() {
            bail!(
                "{} is not a truce data directory (no log.key); create one with `truce init`",
                path.display()
            );
        }
        Ok(DataDir {
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn database(&self) -> PathBuf {
        self.path.join("truce.db")
    }

    pub fn signer(&self) -> Result<SignerKey> {
        let text = std::fs::read_to_string(self.path.join("log.key")).context("reading log.key")?;
        text.trim_end().parse().context("log.key is not a signer key")
    }

    pub fn verifier(&self) -> Result<VerifierKey> {
        Ok(self.signer()?.verifier())
    }

    /// The agreement registered in the data directory, if it holds one.
    pub fn agreement(&self) -> Result<Option<Agreement>> {
        let path = self.path.join("agreement.toml");
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)?;
        Agreement::from_toml(&text)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}

#[cfg(unix)]
fn write_secret(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_secret(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("creating {}", path.display()))
}
