//! Reading a log's files over HTTP, for `truce log verify --url` and `mirror`.

use truce_log::client::TileSource;

/// A log served at `prefix` (the URL before `/checkpoint`).
pub struct HttpSource {
    prefix: String,
    agent: ureq::Agent,
}

impl HttpSource {
    /// Accepts the tile prefix itself or the server's base URL, whose log
    /// lives under `/log`.
    pub fn discover(url: &str) -> anyhow::Result<HttpSource> {
        let url = url.trim_end_matches('/');
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build()
            .into();
        for prefix in [url.to_string(), format!("{url}/log")] {
            let source = HttpSource {
                prefix,
                agent: agent.clone(),
            };
            if source.fetch("checkpoint").map_err(anyhow::Error::msg)?.is_some() {
                return Ok(source);
            }
        }
        anyhow::bail!("no checkpoint at {url}/checkpoint or {url}/log/checkpoint")
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl TileSource for HttpSource {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let url = format!("{}/{path}", self.prefix);
        let mut response = self.agent.get(&url).call().map_err(|e| e.to_string())?;
        match response.status().as_u16() {
            200 => {
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(64 << 20)
                    .read_to_vec()
                    .map_err(|e| e.to_string())?;
                Ok(Some(body))
            }
            404 => Ok(None),
            status => Err(format!("HTTP {status} from {url}")),
        }
    }
}

/// What `/api/v1/log/witnesses` says of the latest checkpoint every witness cosigned.
#[derive(serde::Deserialize)]
struct WitnessesView {
    cosigned_by_all: Option<CosignedNote>,
}

#[derive(serde::Deserialize)]
struct CosignedNote {
    note: String,
}

#[derive(serde::Deserialize)]
struct ConsistencyProofBody {
    hashes: Vec<String>,
}

impl HttpSource {
    /// The server's base URL (its API lives under `/api/v1`).
    fn base(&self) -> &str {
        self.prefix.strip_suffix("/log").unwrap_or(&self.prefix)
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<Option<T>> {
        let url = format!("{}{path}", self.base());
        let mut response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| anyhow::anyhow!("fetching {url}: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| anyhow::anyhow!("reading {url}: {e}"))?;
        match status {
            200 => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("{url} answered what is not the expected JSON: {e}")),
            404 => Ok(None),
            status => anyhow::bail!("HTTP {status} from {url}: {}", text.trim()),
        }
    }

    /// The log's current checkpoint, with the cosignatures it has collected.
    pub fn checkpoint_note(&self) -> anyhow::Result<String> {
        let bytes = self
            .fetch("checkpoint")
            .map_err(anyhow::Error::msg)?
            .ok_or_else(|| anyhow::anyhow!("the log serves no checkpoint at {}/checkpoint", self.prefix))?;
        String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("the log's checkpoint is not UTF-8"))
    }

    /// The latest checkpoint every witness the server collects from has
    /// cosigned (the server's word: the caller checks the cosignatures
    /// against its own policy); `None` when there is none, or the server
    /// collects no cosignatures.
    pub fn cosigned_by_all(&self) -> anyhow::Result<Option<String>> {
        let view: Option<WitnessesView> = self.get_json("/api/v1/log/witnesses")?;
        Ok(view.and_then(|v| v.cosigned_by_all).map(|c| c.note))
    }

    /// The server's proof that its tree at `to` extends the one at `from`
    /// (empty when the sizes are equal: there is nothing to prove but the roots).
    pub fn consistency_proof(&self, from: u64, to: u64) -> anyhow::Result<Vec<truce_log::Hash>> {
        if from == to || from == 0 {
            return Ok(Vec::new());
        }
        let path = format!("/api/v1/log/proof/consistency?from={from}&to={to}");
        let body: ConsistencyProofBody = self
            .get_json(&path)?
            .ok_or_else(|| anyhow::anyhow!("the log has no consistency proof from {from} to {to}"))?;
        body.hashes
            .iter()
            .enumerate()
            .map(|(i, h)| truce_log::Hash::from_base64(h).map_err(|e| anyhow::anyhow!("{path}: hashes[{i}]: {e}")))
            .collect()
    }
}
