//! The openings a log's server gives a reader (`GET /api/v1/log/openings`),
//! fetched a bundle's width at a time as `truce log verify --openings`
//! reaches each range, and checked against the commitments of the entries
//! the walk has just authenticated.

use std::collections::{BTreeMap, HashMap};
use truce_domain::disclosure::{Group, Opening, check_openings};

/// At most this many entries per request (the server's limit, and a bundle's width).
const RANGE: u64 = 256;

/// One entry's openings as served.
#[derive(serde::Deserialize)]
struct Served {
    index: u64,
    openings: Vec<Opening>,
    #[serde(default)]
    withheld: BTreeMap<Group, String>,
}

pub struct ServedOpenings {
    agent: ureq::Agent,
    /// The server's base URL (before `/api/v1`).
    base: String,
    token: Option<String>,
    /// The current range's openings and withheld digests, by entry index.
    range: HashMap<u64, (Vec<Opening>, BTreeMap<Group, String>)>,
    /// Openings that matched their commitment.
    pub checked: u64,
    /// Groups the server withheld from this reader.
    pub withheld: u64,
}

impl ServedOpenings {
    /// Openings from the server whose log is served at `log_prefix` (its
    /// base URL, or the base URL followed by `/log`), as `token`'s holder.
    pub fn new(log_prefix: &str, token: Option<String>) -> ServedOpenings {
        let base = log_prefix.strip_suffix("/log").unwrap_or(log_prefix).to_string();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build()
            .into();
        ServedOpenings {
            agent,
            base,
            token,
            range: HashMap::new(),
            checked: 0,
            withheld: 0,
        }
    }

    /// Checks the served openings of entry `index`, whose bytes the walk has authenticated.
    pub fn check(&mut self, index: u64, entry: &[u8]) -> Result<(), String> {
        if index.is_multiple_of(RANGE) {
            self.fetch(index)?;
        }
        if let Some((openings, withheld)) = self.range.remove(&index) {
            check_openings(index, entry, &openings, &withheld).map_err(|e| format!("served opening: {e}"))?;
            self.checked += openings.len() as u64;
        }
        Ok(())
    }

    fn fetch(&mut self, start: u64) -> Result<(), String> {
        let url = format!("{}/api/v1/log/openings?start={start}&end={}", self.base, start + RANGE);
        let call = || {
            let mut request = self.agent.get(&url);
            if let Some(token) = &self.token {
                request = request.header("Authorization", &format!("Bearer {token}"));
            }
            request.call().map_err(|e| format!("fetching {url}: {e}"))
        };
        let mut response = call()?;
        // The server limits each user's rate: wait as it says, then ask again.
        while response.status().as_u16() == 429 {
            let seconds = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(1);
            std::thread::sleep(std::time::Duration::from_secs(seconds));
            response = call()?;
        }
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.body_mut().read_to_string().unwrap_or_default();
            return Err(format!("HTTP {status} from {url}: {body}"));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_vec()
            .map_err(|e| format!("reading {url}: {e}"))?;
        let served: Vec<Served> =
            serde_json::from_slice(&body).map_err(|e| format!("{url} did not answer openings: {e}"))?;
        self.range.clear();
        for entry in served {
            if !(start..start + RANGE).contains(&entry.index) {
                return Err(format!("{url} answered entry {}, outside the range asked", entry.index));
            }
            self.withheld += entry.withheld.len() as u64;
            self.range.insert(entry.index, (entry.openings, entry.withheld));
        }
        Ok(())
    }
}
