//! The openings of the log's commitments, by role: `GET
//! /api/v1/log/entries/{index}/openings` and, for a verifier walking the
//! log, `GET /api/v1/log/openings?start=&end=`. Each caller gets the
//! openings the log has disclosed and those its role may open
//! (`truce_domain::access::may_open`); it checks each against the
//! commitment in the entry it already holds (`truce log verify --openings`).

use super::auth::Caller;
use super::filters::may_see_incident;
use crate::log_api::{read, u64_params};
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use truce_domain::access::may_open;
use truce_domain::disclosure::{Group, Opening, digests, public_by, relation_of};
use truce_log::checkpoint::parse_canonical_u64;
use truce_store::openings::EntryOpenings;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/log/entries/{index}/openings", get(one))
        .route("/api/v1/log/openings", get(range))
}

/// At most this many entries in one range.
const RANGE_MAX: u64 = 256;

/// The openings of an entry's commitment its caller may see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryOpeningsView {
    pub index: u64,
    /// What the caller may see. With the digests of `withheld`, they
    /// check against the commitment of the entry the caller holds.
    pub openings: Vec<Opening>,
    /// The groups the log has disclosed (public to all).
    pub disclosed: Vec<Group>,
    /// The groups withheld from the caller, each with its digest (hex
    /// SHA-256 of salt and text: salted, it tells nothing of the text).
    #[schema(value_type = BTreeMap<String, String>)]
    pub withheld: BTreeMap<Group, String>,
}

/// Entries with their stored openings and disclosed groups.
type Stored = Vec<(Vec<u8>, EntryOpenings, BTreeSet<Group>)>;

#[utoipa::path(
    get,
    path = "/api/v1/log/entries/{index}/openings",
    summary = "The openings of an entry's commitments that the caller may see",
    params(("index" = u64, Path, description = "the entry's log index")),
    responses(
        (status = 200, description = "the commitments and the openings the caller may see", body = EntryOpeningsView),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(index): Path<String>,
) -> Result<axum::Json<EntryOpeningsView>, Problem> {
    let index = parse_canonical_u64(&index).ok_or_else(|| {
        Problem::bad_request(
            "index",
            format!("the entry index must be a non-negative decimal integer, not {index:?}"),
        )
    })?;
    let stored: Stored = read(&state, move |log| {
        let bytes = log.entry(index)?;
        let openings = log.openings(index)?.unwrap_or(EntryOpenings {
            index,
            incident: None,
            report: None,
            openings: Vec::new(),
            seed: None,
        });
        Ok(vec![(bytes, openings, log.disclosed_groups(index)?)])
    })
    .await?;
    let mut views = views(&state, &caller, stored).await?;
    Ok(axum::Json(views.pop().expect("one entry read")))
}

#[utoipa::path(
    get,
    path = "/api/v1/log/openings",
    summary = "The openings the caller may see of the entries start..end that commit to anything (at most 256 entries)",
    params(
        ("start" = u64, Query, description = "the first entry"),
        ("end" = u64, Query, description = "one past the last entry"),
    ),
    responses(
        (status = 200, description = "each entry with commitments, with the openings the caller may see", body = Vec<EntryOpeningsView>),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn range(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<axum::Json<Vec<EntryOpeningsView>>, Problem> {
    let [start, end] = u64_params(&query, ["start", "end"])?;
    if end < start || end - start > RANGE_MAX {
        return Err(Problem::bad_request(
            "end",
            format!("end must be from start to start + {RANGE_MAX}, not {end} (start {start})"),
        ));
    }
    let stored: Stored = read(&state, move |log| {
        let rows = log.openings_in(start, end)?;
        let mut stored = Vec::with_capacity(rows.len());
        for row in rows {
            let index = row.index;
            stored.push((log.entry(index)?, row, log.disclosed_groups(index)?));
        }
        Ok(stored)
    })
    .await?;
    Ok(axum::Json(views(&state, &caller, stored).await?))
}

/// Each entry as the caller may see it: the disclosed groups, and those
/// its role may open given how the entry stands to it.
async fn views(state: &AppState, caller: &Caller, stored: Stored) -> Result<Vec<EntryOpeningsView>, Problem> {
    let role = caller.role();
    let mut visible: HashMap<u64, bool> = HashMap::new();
    let mut views = Vec::with_capacity(stored.len());
    for (bytes, row, disclosed) in stored {
        let incident_visible = match row.incident {
            Some(incident) => match visible.get(&incident) {
                Some(seen) => *seen,
                None => {
                    let seen = may_see_incident(state, caller, incident).await?;
                    visible.insert(incident, seen);
                    seen
                }
            },
            None => false,
        };
        let relation = relation_of(&role, public_by(&bytes).as_deref(), incident_visible);
        let (openings, withheld): (Vec<Opening>, Vec<Opening>) = row
            .openings
            .into_iter()
            .partition(|o| disclosed.contains(&o.group) || may_open(&role, o.group, relation));
        views.push(EntryOpeningsView {
            index: row.index,
            openings,
            disclosed: disclosed.into_iter().collect(),
            withheld: digests(&withheld),
        });
    }
    Ok(views)
}
