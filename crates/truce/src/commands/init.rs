//! `truce init`: a new data directory with its log key and a signed log; with
//! `--agreement`, the agreement is checked, kept beside the log, and its
//! registration (with the document's SHA-256) is the log's first event. The
//! first admin user is created, and its generated password printed once.

use crate::datadir::DataDir;
use anyhow::{Context, bail};
use std::path::Path;
use std::process::ExitCode;
use truce_domain::agreement::Agreement;
use truce_domain::role::Role;
use truce_domain::state::Command;
use truce_store::{Engine, LogWriter, Outcome, Submission};

pub fn run(data: &Path, agreement: Option<&Path>, origin: Option<&str>, admin: &str) -> anyhow::Result<ExitCode> {
    let admin_name = truce_store::accounts::UserName::parse(admin)?;
    let document = match agreement {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            match Agreement::from_toml(&text) {
                Ok(agreement) => Some((text, agreement)),
                Err(errors) => {
                    eprintln!("{}: {errors}", path.display());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        None => None,
    };
    let origin = match (origin, &document) {
        (Some(origin), _) => origin.to_string(),
        (None, Some((_, agreement))) => format!("truce.example/{}", agreement.id.as_str().to_lowercase()),
        (None, None) => bail!("give --agreement or --origin"),
    };
    let dir = DataDir::create(data, &origin)?;
    let mut engine = Engine::open(LogWriter::open(&dir.database(), dir.signer()?)?)?;
    if let Some((text, agreement)) = document {
        std::fs::write(dir.path().join("agreement.toml"), &text)?;
        let command = Command::register_agreement(&agreement, &text);
        let outcome = engine.submit(vec![Submission::new(admin_name.as_str(), command).acting("admin")])?;
        if !matches!(outcome.as_slice(), [Outcome::Recorded { .. }]) {
            bail!("registering the agreement failed: {outcome:?}");
        }
        println!(
            "registered agreement {} (version {}): {}",
            agreement.id, agreement.version, agreement.title
        );
    }
    drop(engine);
    let accounts = truce_store::accounts::open(&dir.database())?;
    let password = super::accounts::add_user(&dir, &accounts, admin, &Role::Admin, None)?;
    println!("created {} for log {origin}", data.display());
    println!("admin user {admin}, password (shown once): {password}");
    println!("verifier key (give it to every party): {}", dir.verifier()?);
    Ok(ExitCode::SUCCESS)
}
