//! `truce bulletin`: compose the public bulletin of a day (or the week
//! ending on it) from the record as it stands, keep its JSON document in
//! the blob store (`DIR/evidence/`, by SHA-256), append `BulletinPublished`
//! to the log, and print or write the document. The date is checked before
//! the store is opened, so a bad one stores nothing.

use crate::cli::{BulletinFormat, BulletinLang};
use crate::datadir::DataDir;
use anyhow::{Context, bail};
use chrono::Utc;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use truce_domain::bulletin::{BulletinPeriod, PeriodKind, markdown};
use truce_store::bulletins::compose_on;
use truce_store::evidence::BlobStore;
use truce_store::{Engine, LogWriter, Outcome, Submission};

pub fn run(
    data: &Path,
    date: &str,
    weekly: bool,
    format: BulletinFormat,
    lang: BulletinLang,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(data)?;
    let agreement = dir
        .agreement()?
        .context("this data directory holds no agreement; a bulletin reports against its rules")?;
    let starts = agreement
        .windows
        .iter()
        .map(|w| w.starts)
        .min()
        .context("the agreement has no effective window")?;
    let kind = if weekly { PeriodKind::Weekly } else { PeriodKind::Daily };
    let period = BulletinPeriod::parse(date, kind, starts, Utc::now()).context("--date")?;
    let mut engine = Engine::open(LogWriter::open(&dir.database(), dir.signer()?)?)?;
    engine.set_agreement(agreement.clone());
    let composed = compose_on(&engine, period, Utc::now())?;
    BlobStore::new(&dir.path().join("evidence"), u64::MAX).put(&composed.document)?;
    let outcome = engine
        .submit(vec![Submission::new("cli", composed.command()).acting("admin")])?
        .pop()
        .expect("one outcome a submission");
    let index = match outcome {
        Outcome::Recorded { first_index, .. } => first_index,
        Outcome::Unchanged => bail!("nothing was recorded"),
        Outcome::Refused(reason) => bail!("refused: {reason}"),
    };
    let catalogue = truce_server::web::i18n::find(match lang {
        BulletinLang::En => "en",
        BulletinLang::Ar => "ar",
    })
    .context("the catalogue")?;
    let bytes = match format {
        BulletinFormat::Json => composed.document.clone(),
        BulletinFormat::Markdown => {
            markdown(&composed.bulletin, &|key: &str| catalogue.t(key).to_string()).into_bytes()
        }
        BulletinFormat::Html => {
            truce_server::web::bulletin_standalone(catalogue, &agreement, &composed.bulletin, index).into_bytes()
        }
    };
    match out {
        Some(path) => std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    eprintln!(
        "bulletin {} ({}) published at log index {index}; document SHA-256 {}, {} bytes, covering the log's first {} entries",
        composed.bulletin.period.label,
        kind.as_str(),
        composed.sha256,
        composed.document.len(),
        composed.bulletin.checkpoint.size
    );
    Ok(ExitCode::SUCCESS)
}
