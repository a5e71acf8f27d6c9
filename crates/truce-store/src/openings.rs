//! The openings of the log's commitments, stored apart from the log: each
//! entry's groups (salt and text), with the incident and report it belongs
//! to, so what an incident's finality discloses is one indexed read. They
//! are not a projection: the log holds only their commitments, so they are
//! kept like the sealed fields, never rebuilt. Which of them the log has
//! disclosed is (the `disclosed` table, from the `disclosed` events).

use crate::error::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, BTreeSet};
use truce_domain::disclosure::{Group, Opening, Seed};
use truce_domain::sealed::Salt;

/// One entry's openings, as written beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryOpenings {
    pub index: u64,
    /// The incident the entry belongs to, when it was written.
    pub incident: Option<u64>,
    /// The report it is about (a filing, its evidence).
    pub report: Option<u64>,
    pub openings: Vec<Opening>,
    /// The seed their salts were drawn from (`Seed::salt_of`), when they
    /// were (each opening's salt must be its `salt_of`): the store then keeps it instead of each salt.
    pub seed: Option<Seed>,
}

/// The first byte of openings stored with their seed; a byte the older
/// form (a salt a group), which starts with a group name's length, never starts with.
const SEEDED: u8 = 0x80;

/// An entry's openings as stored. With their seed: [`SEEDED`], the
/// 32-byte seed, then for each opening its group's name (a length byte,
/// then the name), its text's length (4 bytes, big endian) and its text.
/// Without (openings whose salts were not drawn from a seed): for each,
/// the name, its 32-byte salt, the length and the text. Compact and
/// without escaping: a report's openings are written beside every report
/// filed, so their bytes cost the import.
fn encode(openings: &[Opening], seed: Option<&Seed>) -> Vec<u8> {
    // A split draws every salt from its seed (not hashed again here, on the writer's thread).
    debug_assert!(seed.is_none_or(|seed| openings.iter().all(|o| seed.salt_of(o.group) == o.salt)));
    let mut bytes = Vec::with_capacity(33 + openings.iter().map(|o| 40 + o.text.len()).sum::<usize>());
    if let Some(seed) = seed {
        bytes.push(SEEDED);
        bytes.extend_from_slice(&seed.0);
    }
    for opening in openings {
        let name = opening.group.as_str();
        bytes.push(name.len() as u8);
        bytes.extend_from_slice(name.as_bytes());
        if seed.is_none() {
            bytes.extend_from_slice(&opening.salt.0);
        }
        bytes.extend_from_slice(&(opening.text.len() as u32).to_be_bytes());
        bytes.extend_from_slice(opening.text.as_bytes());
    }
    bytes
}

/// The openings [`encode`] wrote for entry `index`, and their seed if it kept one.
pub(crate) fn decode(index: u64, bytes: &[u8]) -> Result<(Vec<Opening>, Option<Seed>), StoreError> {
    let corrupt = |why: &str| StoreError::Corrupt(format!("the openings of entry {index}: {why}"));
    let cut = || corrupt("cut short");
    let mut rest = bytes;
    let seed = match rest.first() {
        Some(&SEEDED) => {
            take(&mut rest, 1);
            Some(Seed(
                take(&mut rest, 32).ok_or_else(cut)?.try_into().expect("took 32 bytes"),
            ))
        }
        _ => None,
    };
    let mut openings = Vec::new();
    while !rest.is_empty() {
        let length = take(&mut rest, 1).ok_or_else(cut)?[0] as usize;
        let name = take(&mut rest, length).ok_or_else(cut)?;
        let name = std::str::from_utf8(name).map_err(|_| corrupt("a group's name is not UTF-8"))?;
        let group = Group::parse(name).ok_or_else(|| corrupt(&format!("unknown group {name:?}")))?;
        let salt = match &seed {
            Some(seed) => seed.salt_of(group),
            None => Salt(take(&mut rest, 32).ok_or_else(cut)?.try_into().expect("took 32 bytes")),
        };
        let text_length = take(&mut rest, 4).ok_or_else(cut)?;
        let text_length = u32::from_be_bytes(text_length.try_into().expect("took 4 bytes")) as usize;
        let text = take(&mut rest, text_length).ok_or_else(cut)?;
        let text = String::from_utf8(text.to_vec()).map_err(|_| corrupt("a text is not UTF-8"))?;
        openings.push(Opening { group, salt, text });
    }
    Ok((openings, seed))
}

/// The first `count` bytes of `rest`, which moves past them; `None` if it is shorter.
fn take<'a>(rest: &mut &'a [u8], count: usize) -> Option<&'a [u8]> {
    if rest.len() < count {
        return None;
    }
    let (taken, after) = rest.split_at(count);
    *rest = after;
    Some(taken)
}

pub(crate) fn insert(connection: &Connection, rows: &[EntryOpenings]) -> Result<(), StoreError> {
    let mut insert = connection
        .prepare_cached("INSERT INTO openings (log_index, incident_id, report_id, openings) VALUES (?1, ?2, ?3, ?4)")?;
    for row in rows.iter().filter(|row| !row.openings.is_empty()) {
        insert.execute(params![
            row.index as i64,
            row.incident.map(|i| i as i64),
            row.report.map(|r| r as i64),
            encode(&row.openings, row.seed.as_ref())
        ])?;
    }
    Ok(())
}

fn entry_openings(row: &rusqlite::Row) -> Result<EntryOpenings, StoreError> {
    let index = row.get::<_, i64>(0)? as u64;
    let (openings, seed) = decode(index, &row.get::<_, Vec<u8>>(3)?)?;
    Ok(EntryOpenings {
        index,
        incident: row.get::<_, Option<i64>>(1)?.map(|i| i as u64),
        report: row.get::<_, Option<i64>>(2)?.map(|r| r as u64),
        openings,
        seed,
    })
}

/// The openings of entry `index` (none for an entry that commits to nothing).
pub fn at(connection: &Connection, index: u64) -> Result<Option<EntryOpenings>, StoreError> {
    connection
        .prepare_cached("SELECT log_index, incident_id, report_id, openings FROM openings WHERE log_index = ?1")?
        .query_row([index as i64], |row| Ok(entry_openings(row)))
        .optional()?
        .transpose()
}

/// The openings of entries `start..end`, in index order.
pub fn range(connection: &Connection, start: u64, end: u64) -> Result<Vec<EntryOpenings>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT log_index, incident_id, report_id, openings FROM openings
         WHERE log_index >= ?1 AND log_index < ?2 ORDER BY log_index",
    )?;
    let mut rows = statement.query(params![start as i64, end as i64])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(entry_openings(row)?);
    }
    Ok(found)
}

/// Calls `visit` with every entry's openings in index order (a replay
/// walks them beside the log's entries).
pub fn for_each(
    connection: &Connection,
    mut visit: impl FnMut(EntryOpenings) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut statement =
        connection.prepare("SELECT log_index, incident_id, report_id, openings FROM openings ORDER BY log_index")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        visit(entry_openings(row)?)?;
    }
    Ok(())
}

/// The openings written under incident `?1` about no report: read through
/// the partial index `openings_by_incident_not_report`, whose condition the
/// `report_id IS NULL` term matches.
const OF_INCIDENT_NOT_REPORT: &str = "SELECT log_index, incident_id, report_id, openings FROM openings
     WHERE incident_id = ?1 AND report_id IS NULL";

/// The openings of an incident's entries: those written under `incident`
/// about no report, and those about its `reports` (which may have come from
/// incidents merged into it), in index order. A report's entries are found
/// through the `reports` and `evidence` projections' log indexes, which
/// every filing writes anyway, so the openings' own index leaves them out:
/// it would be one more B-tree insert, at a place of its own, for every
/// report an import files.
pub fn of_incident(connection: &Connection, incident: u64, reports: &[u64]) -> Result<Vec<EntryOpenings>, StoreError> {
    let mut found = BTreeMap::new();
    let mut collect = |sql: &str, key: u64| -> Result<(), StoreError> {
        let mut statement = connection.prepare_cached(sql)?;
        let mut rows = statement.query([key as i64])?;
        while let Some(row) = rows.next()? {
            let entry = entry_openings(row)?;
            found.entry(entry.index).or_insert(entry);
        }
        Ok(())
    };
    collect(OF_INCIDENT_NOT_REPORT, incident)?;
    for report in reports {
        collect(
            "SELECT o.log_index, o.incident_id, o.report_id, o.openings FROM reports r
             JOIN openings o ON o.log_index = r.log_index WHERE r.id = ?1",
            *report,
        )?;
        collect(
            "SELECT o.log_index, o.incident_id, o.report_id, o.openings FROM evidence e
             JOIN openings o ON o.log_index = e.log_index WHERE e.report_id = ?1",
            *report,
        )?;
    }
    Ok(found.into_values().collect())
}

/// The groups of entry `index` that the log has disclosed.
pub fn disclosed_groups(connection: &Connection, index: u64) -> Result<BTreeSet<Group>, StoreError> {
    let mut statement = connection.prepare_cached("SELECT grp FROM disclosed WHERE log_index = ?1")?;
    let mut rows = statement.query([index as i64])?;
    let mut groups = BTreeSet::new();
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        groups.insert(
            Group::parse(&name)
                .ok_or_else(|| StoreError::Corrupt(format!("entry {index}: disclosed group {name:?} is unknown")))?,
        );
    }
    Ok(groups)
}

/// Projects a `disclosed` event logged at `log_index`.
pub(crate) fn record_disclosed(
    connection: &Connection,
    log_index: u64,
    openings: &[truce_domain::disclosure::DisclosedOpening],
) -> Result<(), StoreError> {
    let mut insert = connection
        .prepare_cached("INSERT OR IGNORE INTO disclosed (log_index, grp, disclosed_in) VALUES (?1, ?2, ?3)")?;
    for disclosed in openings {
        insert.execute(params![
            disclosed.index as i64,
            disclosed.group.as_str(),
            log_index as i64
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_opening() -> impl Strategy<Value = Opening> {
        (0..Group::ALL.len(), any::<[u8; 32]>(), ".*").prop_map(|(group, salt, text)| Opening {
            group: Group::ALL[group],
            salt: Salt(salt),
            text,
        })
    }

    proptest! {
        #[test]
        fn openings_come_back_as_they_were_stored(openings in proptest::collection::vec(any_opening(), 0..8)) {
            prop_assert_eq!(decode(7, &encode(&openings, None)).unwrap(), (openings, None));
        }

        #[test]
        fn seeded_openings_come_back_as_they_were_stored(seed in any::<[u8; 32]>(), texts in proptest::collection::vec(".*", 0..8)) {
            let seed = Seed(seed);
            let openings: Vec<Opening> = texts.into_iter().zip(Group::ALL).map(|(text, group)| Opening {
                group,
                salt: seed.salt_of(group),
                text,
            }).collect();
            let bytes = encode(&openings, Some(&seed));
            prop_assert_eq!(bytes[0], SEEDED);
            prop_assert_eq!(decode(7, &bytes).unwrap(), (openings, Some(seed)));
        }

        #[test]
        fn any_bytes_decode_or_are_refused_as_corrupt(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Err(error) = decode(7, &bytes) {
                prop_assert!(error.to_string().contains("the openings of entry 7"), "{}", error);
            }
        }
    }

    #[test]
    fn an_incident_s_openings_are_found_by_its_index_and_its_reports() {
        let connection = Connection::open_in_memory().unwrap();
        crate::projections::create(&connection).unwrap();
        let opening = |text: &str| Opening {
            group: Group::Narrative,
            salt: Salt([7; 32]),
            text: text.into(),
        };
        let row = |index, incident, report, text: &str| EntryOpenings {
            index,
            incident,
            report,
            openings: vec![opening(text)],
            seed: None,
        };
        insert(
            &connection,
            &[
                row(0, Some(1), Some(10), "report 10, filed under incident 1"),
                row(1, Some(1), None, "a reply in incident 1"),
                row(2, Some(2), None, "a reply in incident 2"),
                row(3, Some(2), Some(11), "report 11, filed under incident 2, merged into 1"),
            ],
        )
        .unwrap();
        for (id, log_index, incident) in [(10, 0, 1), (11, 3, 1)] {
            connection
                .execute(
                    "INSERT INTO reports (id, log_index, incident_id, source_name, external_id, source_type,
                     event_start, event_end, time_precision, latitude, longitude, location_precision)
                     VALUES (?1, ?2, ?3, '', '', 'media', 0, 0, 'day', 0, 0, 'exact')",
                    params![id, log_index, incident],
                )
                .unwrap();
        }
        let found: Vec<u64> = of_incident(&connection, 1, &[10, 11])
            .unwrap()
            .iter()
            .map(|entry| entry.index)
            .collect();
        assert_eq!(found, [0, 1, 3]);
        let found: Vec<u64> = of_incident(&connection, 2, &[])
            .unwrap()
            .iter()
            .map(|e| e.index)
            .collect();
        assert_eq!(
            found,
            [2],
            "a report's entry is found through its report, not its first incident"
        );
        let plan: String = connection
            .query_row(&format!("EXPLAIN QUERY PLAN {OF_INCIDENT_NOT_REPORT}"), [1], |row| {
                row.get(3)
            })
            .unwrap();
        assert!(plan.contains("openings_by_incident_not_report"), "{plan}");
    }

    #[test]
    fn a_cut_record_is_named() {
        let opening = Opening {
            group: Group::Narrative,
            salt: Salt([0xab; 32]),
            text: r#"{"report.narrative":"x"}"#.into(),
        };
        let bytes = encode(std::slice::from_ref(&opening), None);
        let error = decode(3, &bytes[..bytes.len() - 1]).unwrap_err();
        assert!(
            error.to_string().contains("the openings of entry 3: cut short"),
            "{error}"
        );
        let seed = Seed([1; 32]);
        let seeded = Opening {
            salt: seed.salt_of(opening.group),
            ..opening
        };
        let bytes = encode(&[seeded], Some(&seed));
        assert_eq!(bytes[0], SEEDED);
        let error = decode(3, &bytes[..20]).unwrap_err();
        assert!(
            error.to_string().contains("the openings of entry 3: cut short"),
            "{error}"
        );
    }
}
