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

/// A child process killed when the test lets go of it, passing or failing.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The credentials `truce demo` writes once it serves (30 s at most).
pub fn wait_for_credentials(path: &Path) -> serde_json::Value {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(30) {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(json) = serde_json::from_str(&text)
        {
            return json;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the demo did not write {} within 30 s", path.display());
}

/// An HTTP agent that returns every status as a response, not an error.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}
