//! Collecting the witnesses' cosignatures (C2SP tlog-witness, the log's
//! side). One task a witness the agreement names: after each checkpoint it
//! sends the latest to the witness with the consistency proof from the
//! witness's last size (learnt from a 409 when it is not known), keeps the
//! cosignature it gets back once it verifies, and retries with backoff
//! when the witness is slow, down or refuses. Submissions never wait on
//! it: a dead witness only leaves checkpoints uncosigned until it returns.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use truce_domain::agreement::Witness;
use truce_log::cosignature::verify_cosignature;
use truce_log::note::{Note, VerifierKey};
use truce_log::witness_protocol::{AddCheckpoint, parse_size_body};
use truce_store::cosignatures::{CosignatureStore, NewCosignature};
use truce_store::{LogReader, StoredCheckpoint};

/// How one witness stands, for the pages and `/api/v1/log/witnesses`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WitnessStanding {
    pub name: String,
    pub url: String,
    /// Its cosigner key, served as its verifier key line.
    #[serde(serialize_with = "as_line")]
    pub vkey: VerifierKey,
    /// The largest size it has cosigned, and when (POSIX seconds).
    pub cosigned_size: Option<u64>,
    pub cosigned_at: Option<u64>,
    /// Its last refusal or failure, if the last attempt failed.
    pub last_error: Option<String>,
    /// Whether its last answer was a refusal (a 4xx other than 409), not an outage.
    pub refused: bool,
}

fn as_line<S: serde::Serializer>(key: &VerifierKey, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(key)
}

/// The standings of every witness, shared with the server's handlers.
#[derive(Default)]
pub struct WitnessBoard {
    standings: Mutex<Vec<WitnessStanding>>,
}

impl WitnessBoard {
    pub fn standings(&self) -> Vec<WitnessStanding> {
        self.standings.lock().expect("board lock").clone()
    }

    pub fn count(&self) -> usize {
        self.standings.lock().expect("board lock").len()
    }

    fn update(&self, name: &str, change: impl FnOnce(&mut WitnessStanding)) {
        let mut standings = self.standings.lock().expect("board lock");
        if let Some(standing) = standings.iter_mut().find(|s| s.name == name) {
            change(standing);
        }
    }
}

/// The first wait after a failure, and the longest.
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How long a request to a witness may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the latest checkpoint is looked at when nothing wakes the task.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// The least time between two checkpoints sent to one witness. Under load
/// a checkpoint is signed every few milliseconds; cosigning each would
/// spend the witnesses' work (and, on a shared machine, the server's cores)
/// on checkpoints a moment later superseded. A lone submission after a
/// quiet spell is sent at once.
const SEND_INTERVAL_MIN: Duration = Duration::from_millis(20);

/// The latest checkpoint, as the engine holds it in memory.
pub type LatestCheckpoint = Arc<dyn Fn() -> Arc<StoredCheckpoint> + Send + Sync>;

/// Starts one collecting task a witness; `wake` fires after each commit.
pub fn spawn_collector(
    log: Arc<LogReader>,
    latest: LatestCheckpoint,
    store: CosignatureStore,
    witnesses: &[Witness],
    wake: tokio::sync::watch::Receiver<u64>,
) -> Arc<WitnessBoard> {
    let known = log.cosigned().unwrap_or_default();
    let board = Arc::new(WitnessBoard {
        standings: Mutex::new(
            witnesses
                .iter()
                .map(|w| {
                    let cosigned = known.iter().find(|c| c.witness == w.name.as_str());
                    WitnessStanding {
                        name: w.name.to_string(),
                        url: w.url.clone(),
                        vkey: w.vkey.clone(),
                        cosigned_size: cosigned.map(|c| c.size),
                        cosigned_at: cosigned.map(|c| c.cosigned_at),
                        last_error: None,
                        refused: false,
                    }
                })
                .collect(),
        ),
    });
    let store = spawn_writer(store);
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    for witness in witnesses {
        let task = Collector {
            log: log.clone(),
            latest: latest.clone(),
            store: store.clone(),
            board: board.clone(),
            witness: witness.clone(),
            client: client.clone(),
        };
        let known_size = known
            .iter()
            .find(|c| c.witness == witness.name.as_str())
            .map(|c| c.size);
        tokio::spawn(task.run(known_size, wake.clone()));
    }
    board
}

/// The cosignatures the collectors hand to the one thread that writes
/// them, each with whom to tell once it is written.
type Kept = (NewCosignature, tokio::sync::oneshot::Sender<bool>);

/// The collectors' way to the cosignature writer: what the four witnesses
/// answer at about the same moment is written in one transaction.
#[derive(Clone)]
struct CosignatureWriter(std::sync::mpsc::Sender<Kept>);

impl CosignatureWriter {
    /// Whether `cosignature` was written.
    async fn keep(&self, cosignature: NewCosignature) -> bool {
        let (written, answer) = tokio::sync::oneshot::channel();
        self.0.send((cosignature, written)).is_ok() && answer.await.unwrap_or(false)
    }
}

/// The most cosignatures written in one transaction.
const WRITE_BATCH_MAX: usize = 64;

fn spawn_writer(mut store: CosignatureStore) -> CosignatureWriter {
    let (send, receive) = std::sync::mpsc::channel::<Kept>();
    std::thread::Builder::new()
        .name("cosignature-writer".into())
        .spawn(move || {
            while let Ok(first) = receive.recv() {
                let mut batch = vec![first];
                while batch.len() < WRITE_BATCH_MAX
                    && let Ok(next) = receive.try_recv()
                {
                    batch.push(next);
                }
                let rows: Vec<NewCosignature> = batch.iter().map(|(row, _)| row.clone()).collect();
                let written = match store.record_all(&rows) {
                    Ok(()) => true,
                    Err(error) => {
                        tracing::error!(%error, "the cosignatures could not be stored");
                        false
                    }
                };
                for (_, tell) in batch {
                    let _ = tell.send(written);
                }
            }
        })
        .expect("a thread for the cosignature writer");
    CosignatureWriter(send)
}

struct Collector {
    log: Arc<LogReader>,
    latest: LatestCheckpoint,
    store: CosignatureWriter,
    board: Arc<WitnessBoard>,
    witness: Witness,
    client: reqwest::Client,
}

/// What one attempt came to.
enum Attempt {
    Cosigned(u64),
    /// The witness holds another size: send again from it.
    Holds(u64),
    Failed {
        error: String,
        refused: bool,
    },
}

impl Collector {
    async fn run(self, mut witness_size: Option<u64>, mut wake: tokio::sync::watch::Receiver<u64>) {
        let name = self.witness.name.to_string();
        let mut backoff = BACKOFF_FIRST;
        let mut cosigned: Option<u64> = None;
        let mut last_sent: Option<tokio::time::Instant> = None;
        loop {
            let latest = (self.latest)();
            if cosigned == Some(latest.size) || latest.size == 0 {
                let _ = tokio::time::timeout(IDLE_POLL, wake.changed()).await;
                continue;
            }
            if let Some(sent) = last_sent {
                let since = sent.elapsed();
                if since < SEND_INTERVAL_MIN {
                    tokio::time::sleep(SEND_INTERVAL_MIN - since).await;
                    continue; // A later checkpoint may have come meanwhile.
                }
            }
            last_sent = Some(tokio::time::Instant::now());
            match self.attempt(witness_size.unwrap_or(0), &latest).await {
                Attempt::Cosigned(size) => {
                    witness_size = Some(size);
                    cosigned = Some(size);
                    backoff = BACKOFF_FIRST;
                }
                Attempt::Holds(size) if size < latest.size && witness_size != Some(size) => {
                    witness_size = Some(size);
                }
                Attempt::Holds(size) => {
                    let error = format!(
                        "the witness holds size {size} and refuses the checkpoint of size {} from it",
                        latest.size
                    );
                    tracing::warn!(witness = %name, %error);
                    self.board.update(&name, |s| {
                        s.last_error = Some(error);
                        s.refused = true;
                    });
                    witness_size = Some(size);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
                Attempt::Failed { error, refused } => {
                    tracing::warn!(witness = %name, %error, "no cosignature");
                    self.board.update(&name, |s| {
                        s.last_error = Some(error);
                        s.refused = refused;
                    });
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    async fn attempt(&self, old_size: u64, latest: &StoredCheckpoint) -> Attempt {
        let failed = |error: String| Attempt::Failed { error, refused: false };
        let old_size = old_size.min(latest.size);
        let proof = if old_size == 0 || old_size == latest.size {
            Vec::new()
        } else {
            let log = self.log.clone();
            let new_size = latest.size;
            match tokio::task::spawn_blocking(move || log.consistency_proof(old_size, new_size)).await {
                Ok(Ok(proof)) => proof,
                Ok(Err(error)) => return failed(format!("the consistency proof from {old_size}: {error}")),
                Err(error) => return failed(error.to_string()),
            }
        };
        let body = AddCheckpoint {
            old_size,
            proof,
            checkpoint: latest.note.clone(),
        }
        .to_body();
        let response = match self
            .client
            .post(format!("{}/add-checkpoint", self.witness.url))
            .body(body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(error) => return failed(format!("unreachable: {error}")),
        };
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        match status {
            200 => self.keep(latest, &text).await,
            409 => match parse_size_body(&text) {
                Some(size) => Attempt::Holds(size),
                None => failed(format!("409 without a size: {text:?}")),
            },
            _ => Attempt::Failed {
                error: format!("answered {status}: {}", text.trim()),
                refused: (400..500).contains(&status),
            },
        }
    }

    /// Verifies the cosignature lines of a 200 and keeps the witness's own.
    async fn keep(&self, latest: &StoredCheckpoint, answer: &str) -> Attempt {
        let failed = |error: String| Attempt::Failed { error, refused: false };
        let Ok(note) = Note::parse(format!("{}{answer}", latest.note).as_bytes()) else {
            return failed(format!("the answer is not signature lines: {answer:?}"));
        };
        let timestamp = match verify_cosignature(&note, &self.witness.vkey) {
            Ok(timestamp) => timestamp,
            Err(error) => return failed(format!("its cosignature does not verify: {error}")),
        };
        let name = self.witness.vkey.name().to_string();
        let Some(line) = answer.lines().find(|line| {
            line.strip_prefix("\u{2014} ")
                .is_some_and(|rest| rest.starts_with(&format!("{name} ")))
        }) else {
            return failed("no cosignature line by its key".into());
        };
        let stored = self
            .store
            .keep(NewCosignature {
                size: latest.size,
                witness: self.witness.name.to_string(),
                line: line.to_string(),
                cosigned_at: timestamp,
            })
            .await;
        if !stored {
            return failed("the cosignature could not be stored".into());
        }
        self.board.update(self.witness.name.as_str(), |s| {
            s.cosigned_size = Some(latest.size);
            s.cosigned_at = Some(timestamp);
            s.last_error = None;
            s.refused = false;
        });
        Attempt::Cosigned(latest.size)
    }
}
