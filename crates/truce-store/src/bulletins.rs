//! Bulletins on the store side: reading a period's inputs on the engine's
//! thread (so they are exactly those of the checkpoint the bulletin names)
//! with indexed reads only (incidents by the time they happened,
//! determinations by the time they became final), and the published
//! bulletins' projection read back.

use crate::engine::Engine;
use crate::error::StoreError;
use crate::queries::parse;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use truce_domain::bulletin::*;
use truce_domain::report::{Claim, Figure};
use truce_domain::state::{BulletinRecord, Command, State};
use truce_domain::verification::determination::VerifiedDeaths;

/// A composed bulletin, with its published bytes and their SHA-256.
#[derive(Clone, Debug)]
pub struct Composed {
    pub period: BulletinPeriod,
    pub bulletin: Bulletin,
    pub document: Vec<u8>,
    pub sha256: String,
}

impl Composed {
    /// The command that appends it to the log (once its document is in the blob store).
    pub fn command(&self) -> Command {
        Command::PublishBulletin(Box::new(BulletinRecord {
            period: self.period,
            checkpoint_size: self.bulletin.checkpoint.size,
            checkpoint_root: self.bulletin.checkpoint.root.clone(),
            document_sha256: self.sha256.clone(),
            document_size: self.document.len() as u64,
            headline: self.bulletin.headline(),
        }))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BulletinError {
    #[error("no agreement is registered: a bulletin reports against its rules")]
    NoAgreement,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Composes the bulletin of `period` from the engine's state and
/// projections as they stand (the engine's latest checkpoint), at `now`.
pub fn compose_on(engine: &Engine, period: BulletinPeriod, now: DateTime<Utc>) -> Result<Composed, BulletinError> {
    let agreement = engine.agreement().ok_or(BulletinError::NoAgreement)?;
    let connection = engine.writer().connection();
    let state = engine.state();
    let checkpoint = engine.writer().checkpoint();
    let incidents = incident_lines(connection, period.previous().start(), period.end())?;
    let determinations = final_determinations(connection, state, period)?;
    let casualties = casualty_inputs(connection, state, period, &determinations)?;
    let verification = state.verification();
    let inputs = BulletinInputs {
        period,
        checkpoint: CheckpointRef {
            size: checkpoint.size,
            root: checkpoint.root.to_string(),
        },
        as_of: now,
        incidents,
        casualties,
        determinations,
        penalties: verification.penalties(),
        violations: verification.violations(),
    };
    let bulletin = compose(agreement, inputs);
    let document = bulletin.to_json();
    let sha256 = hex::encode(Sha256::digest(&document));
    Ok(Composed {
        period,
        bulletin,
        document,
        sha256,
    })
}

/// The incidents (not closed as duplicates) that happened in `[from, to)`, by the time index.
fn incident_lines(
    connection: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<IncidentLine>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT id, happened_at, accused, act, zones FROM incidents
         WHERE happened_at >= ?1 AND happened_at < ?2 AND status != 'closed_duplicate' ORDER BY happened_at, id",
    )?;
    let rows = statement.query_map(params![from.timestamp(), to.timestamp()], |row| {
        let zones: Option<String> = row.get(4)?;
        Ok(IncidentLine {
            id: row.get::<_, i64>(0)? as u64,
            at: DateTime::from_timestamp(row.get(1)?, 0).unwrap_or_default(),
            accused: row.get(2)?,
            act: row.get(3)?,
            zones: zones
                .unwrap_or_default()
                .split(',')
                .filter(|z| !z.is_empty())
                .map(String::from)
                .collect(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The determinations made final in the period, by the index on `final_at`,
/// with what the state knows of each (its provisions).
fn final_determinations(
    connection: &Connection,
    state: &State,
    period: BulletinPeriod,
) -> Result<Vec<FinalDetermination>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT incident_id, number, final_at FROM determinations
         WHERE final_at >= ?1 AND final_at < ?2 ORDER BY final_at, incident_id",
    )?;
    let rows: Vec<(u64, u32, i64)> = statement
        .query_map(params![period.start().timestamp(), period.end().timestamp()], |row| {
            Ok((row.get::<_, i64>(0)? as u64, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let verification = state.verification();
    let mut place = connection.prepare_cached("SELECT latitude, longitude FROM incidents WHERE id = ?1")?;
    let mut lines = Vec::with_capacity(rows.len());
    for (incident, number, final_at) in rows {
        let Some(issued) = verification
            .case(incident)
            .and_then(|case| case.determinations.iter().find(|d| d.number == number))
        else {
            continue;
        };
        let location: Option<(Option<f64>, Option<f64>)> = place
            .query_row(params![incident as i64], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let d = &issued.determination;
        lines.push(FinalDetermination {
            incident,
            number,
            finalized_at: DateTime::from_timestamp(final_at, 0).unwrap_or_default(),
            verdict: d.verdict,
            responsible_party: d.responsible_party.clone(),
            provisions: d.provisions.clone(),
            location: location.and_then(|(lat, lon)| Some((lat?, lon?))),
        });
    }
    Ok(lines)
}

/// The claims of the period's final incidents (by the time index) and of
/// the incidents determined in it, each with its verified deaths.
fn casualty_inputs(
    connection: &Connection,
    state: &State,
    period: BulletinPeriod,
    determinations: &[FinalDetermination],
) -> Result<Vec<CasualtyInput>, StoreError> {
    let mut claims: BTreeMap<u64, Vec<Claim>> = BTreeMap::new();
    let mut in_period = connection.prepare_cached(
        "SELECT r.incident_id, c.claimant, c.claimant_party, c.stance, c.category, c.low, c.best, c.high
         FROM incidents i JOIN reports r ON r.incident_id = i.id JOIN claims c ON c.report_id = r.id
         WHERE i.happened_at >= ?1 AND i.happened_at < ?2 AND i.status != 'closed_duplicate'
         ORDER BY r.id, c.position",
    )?;
    collect_claims(
        &mut in_period,
        params![period.start().timestamp(), period.end().timestamp()],
        &mut claims,
    )?;
    let mut of_incident = connection.prepare_cached(
        "SELECT r.incident_id, c.claimant, c.claimant_party, c.stance, c.category, c.low, c.best, c.high
         FROM reports r JOIN claims c ON c.report_id = r.id WHERE r.incident_id = ?1 ORDER BY r.id, c.position",
    )?;
    for d in determinations {
        if let std::collections::btree_map::Entry::Vacant(entry) = claims.entry(d.incident) {
            entry.insert(Vec::new());
            collect_claims(&mut of_incident, params![d.incident as i64], &mut claims)?;
        }
    }
    Ok(claims
        .into_iter()
        .map(|(incident, claims)| CasualtyInput {
            incident,
            claims,
            verified: verified_deaths(state, incident),
        })
        // A public document lists only what the public may see: incidents with a
        // final determination. The others are in the counts, not itemised.
        .filter(|c| is_final(state, c.incident))
        .filter(|c| !c.claims.is_empty() || c.verified.is_some())
        .collect())
}

fn collect_claims(
    statement: &mut rusqlite::CachedStatement,
    params: impl rusqlite::Params,
    claims: &mut BTreeMap<u64, Vec<Claim>>,
) -> Result<(), StoreError> {
    let mut rows = statement.query(params)?;
    while let Some(row) = rows.next()? {
        let party: Option<String> = row.get(2)?;
        let claim = Claim {
            claimant: row.get(1)?,
            claimant_party: party.map(|p| parse("party code", p)).transpose()?,
            stance: parse("stance", row.get(3)?)?,
            category: parse("death category", row.get(4)?)?,
            deaths: Figure {
                low: row.get(5)?,
                best: row.get(6)?,
                high: row.get(7)?,
            },
        };
        claims.entry(row.get::<_, i64>(0)? as u64).or_default().push(claim);
    }
    Ok(())
}

/// The current determination's deaths, once final (and if it gave any).
fn is_final(state: &State, incident: u64) -> bool {
    state
        .verification()
        .case(incident)
        .is_some_and(|case| case.finalized_at.is_some())
}

fn verified_deaths(state: &State, incident: u64) -> Option<VerifiedDeaths> {
    let case = state.verification().case(incident)?;
    case.finalized_at?;
    let deaths = case.current()?.determination.deaths;
    (deaths != VerifiedDeaths::default()).then_some(deaths)
}

/// A published bulletin, as projected.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PublishedBulletin {
    /// Its log index: the bulletin's name.
    pub index: u64,
    pub period_kind: PeriodKind,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub edition: u32,
    pub checkpoint_size: u64,
    pub checkpoint_root: String,
    pub document_sha256: String,
    pub document_size: u64,
    pub published_at: DateTime<Utc>,
    pub headline: Option<Headline>,
}

const COLUMNS: &str = "log_index, period_kind, period_start, period_end, edition, checkpoint_size, checkpoint_root,
     document_sha256, document_size, published_at, headline";

fn published(row: &rusqlite::Row) -> rusqlite::Result<(PublishedBulletin, String, Option<String>)> {
    let time = |i: usize| -> rusqlite::Result<DateTime<Utc>> {
        Ok(DateTime::from_timestamp(row.get(i)?, 0).unwrap_or_default())
    };
    Ok((
        PublishedBulletin {
            index: row.get::<_, i64>(0)? as u64,
            period_kind: PeriodKind::Daily,
            period_start: time(2)?,
            period_end: time(3)?,
            edition: row.get(4)?,
            checkpoint_size: row.get::<_, i64>(5)? as u64,
            checkpoint_root: row.get(6)?,
            document_sha256: row.get(7)?,
            document_size: row.get::<_, i64>(8)? as u64,
            published_at: time(9)?,
            headline: None,
        },
        row.get(1)?,
        row.get(10)?,
    ))
}

fn finish(
    (mut bulletin, kind, headline): (PublishedBulletin, String, Option<String>),
) -> Result<PublishedBulletin, StoreError> {
    bulletin.period_kind = PeriodKind::parse(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("the projections hold {kind:?} as a period kind")))?;
    bulletin.headline = headline
        .map(|h| serde_json::from_str(&h))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("a bulletin's headline: {e}")))?;
    Ok(bulletin)
}

/// Published bulletins, newest first, from before log index `before` (all if `None`), at most `limit`.
pub fn list(connection: &Connection, before: Option<u64>, limit: u32) -> Result<Vec<PublishedBulletin>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM bulletins WHERE ?1 IS NULL OR log_index < ?1 ORDER BY log_index DESC LIMIT ?2"
    ))?;
    let rows: Vec<_> = statement
        .query_map(params![before.map(|b| b as i64), limit], published)?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(finish).collect()
}

/// The bulletin published at log index `index`, if one was.
pub fn get(connection: &Connection, index: u64) -> Result<Option<PublishedBulletin>, StoreError> {
    let row = connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM bulletins WHERE log_index = ?1"))?
        .query_row(params![index as i64], published)
        .optional()?;
    row.map(finish).transpose()
}
