//! Helpers shared by the command-line tests.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const TRUCE: &str = env!("CARGO_BIN_EXE_truce");

/// Runs truce; returns its exit code, standard output and standard error.
pub fn truce(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(TRUCE).args(args).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        output.status.code().unwrap_or(-1),
        text(&output.stdout),
        text(&output.stderr),
    )
}

/// The example agreement of the repository.
pub fn example_agreement() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/doha-ceasefire.toml")
}
