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
