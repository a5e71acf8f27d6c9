//! Webhooks: a party's own systems hear of the events its user may see
//! (the same filter as the event stream), each POSTed as JSON and signed
//! with HMAC-SHA256 over the body (`X-Truce-Signature: sha256=<hex>`), with
//! the secret given once at registration. A failed delivery is retried with
//! exponential backoff; every delivery's state (pending, delivered, failed,
//! its attempts and last error) is kept and visible to the webhook's owner,
//! who may delete the webhook, which stops its deliveries.
//!
//! Any signed-in user may register one, so the server must not become the
//! user's way into the network it stands in: a target must be public (see
//! [`target`]), checked at registration and at every attempt on the very
//! addresses connected to; no redirect is followed; `last_error` says
//! "no answer" whether the port was closed or the host silent, so it maps
//! nothing; and a user has at most
//! [`WEBHOOKS_PER_USER_MAX`](accounts::WEBHOOKS_PER_USER_MAX).
//!
//! Deliveries are async I/O, at most [`DELIVERIES_IN_FLIGHT_MAX`] at once
//! and [`DELIVERIES_PER_TARGET_MAX`] to one host and port, each bounded in
//! time: a target that never answers ties up a few sockets, not the
//! blocking pool the API's sign-ins and database reads share; at most
//! [`DELIVERIES_QUEUED_MAX`] wait their turn, so memory is bounded too.
//! Their bookkeeping is one thread with its own connection, its writes
//! batched.

pub mod target;

use super::api;
use super::auth::SignedIn;
use super::body::{Id, JsonBody};
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, broadcast, mpsc, oneshot};
use truce_domain::access::notifies;
use truce_domain::role::Role;
use truce_store::Notification;
use truce_store::accounts::{self, AccountError, Delivery, Webhook};

pub use target::TargetPolicy;

/// Deliveries in flight at once, to all targets together: enough to keep
/// healthy receivers served while some are slow, few enough that a
/// thousand webhooks at a tarpit cost a bounded number of sockets.
pub const DELIVERIES_IN_FLIGHT_MAX: usize = 32;

/// Deliveries in flight at once to one host and port, so one slow target
/// cannot take every slot from the others.
pub const DELIVERIES_PER_TARGET_MAX: usize = 4;

/// Deliveries under way or waiting for a slot (or to retry) at most;
/// beyond it the dispatcher waits, and falls behind the event stream.
pub const DELIVERIES_QUEUED_MAX: usize = 16_384;

/// The longest an attempt may wait to connect, by default.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest an attempt may take in all, from connecting to the answer's status, by default.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// What `last_error` says when nothing usable came back: a refused
/// connection, a timeout, a reset and a TLS failure all read the same, so
/// the deliveries' record tells a user nothing about the network's ports.
pub const NO_ANSWER: &str = "no answer";

/// How deliveries are attempted: `attempts` in all, waiting `backoff`,
/// then twice that, and so on; each attempt given `connect_timeout` to
/// connect and `attempt_timeout` in all.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub backoff: Duration,
    pub connect_timeout: Duration,
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 6,
            backoff: Duration::from_secs(2),
            connect_timeout: CONNECT_TIMEOUT,
            attempt_timeout: ATTEMPT_TIMEOUT,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", post(register).get(list))
        .route("/api/v1/webhooks/{id}", delete(remove))
}

/// The signature header's value for `body`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to POST the events: an http or https URL without user name or
    /// password, whose host resolves to public addresses only.
    url: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    summary = "Register a webhook for the caller; its signing secret is shown once",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "registered: id, url, secret", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn register(
    State(state): State<AppState>,
    SignedIn(_caller, user): SignedIn,
    JsonBody(body): JsonBody<NewWebhook>,
) -> Result<Response, Problem> {
    let api = api(&state)?;
    let refused = |refusal: target::Refusal| Problem::unprocessable("url", refusal.detail());
    let url = target::parse(&body.url).map_err(refused)?;
    target::check_registration(&url, &api.webhook_targets)
        .await
        .map_err(refused)?;
    // Stored as parsed: what the owner sees listed is the address delivered to.
    let url = url.to_string();
    let added = api
        .accounts
        .run(move |c| Ok::<_, std::convert::Infallible>(accounts::add_webhook(c, &user, &url)))
        .await?;
    let hook = match added {
        Ok(hook) => hook,
        Err(error @ AccountError::TooManyWebhooks(_)) => {
            return Err(Problem::unprocessable("url", error.to_string()));
        }
        Err(error) => return Err(Problem::internal(&error)),
    };
    let answer = serde_json::json!({"id": hook.id, "url": hook.url, "secret": hook.secret});
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    summary = "Delete one of the caller's webhooks, its deliveries' records with it; deliveries under way stop",
    params(("id" = u64, Path, description = "the webhook's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = "4XX", description = "a problem document (404 for another user's webhook too)", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    SignedIn(_caller, user): SignedIn,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    let not_found = || Problem::not_found(format!("you have no webhook {id}"));
    let id = i64::try_from(id).map_err(|_| not_found())?;
    let deleted = api(&state)?
        .accounts
        .run(move |c| accounts::delete_webhook(c, user.id, id))
        .await?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    summary = "The caller's webhooks and their latest deliveries",
    responses(
        (status = 200, description = "the webhooks", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    SignedIn(_caller, user): SignedIn,
) -> Result<axum::Json<serde_json::Value>, Problem> {
    let items = api(&state)?
        .accounts
        .run(move |c| accounts::webhooks_of(c, user.id))
        .await?;
    Ok(axum::Json(serde_json::json!({"items": items})))
}

/// Notifications read together by the dispatcher, so the webhooks are read
/// once for all of them rather than once an event.
const DISPATCH_BATCH_NOTIFICATIONS_MAX: usize = 1024;

/// Delivers every notification to the webhooks whose users may see it,
/// until the stream closes. `database` holds the webhooks; the dispatcher
/// keeps its own connection to it, so its bookkeeping never waits for
/// (nor holds up) the API's. `targets` is the operator's allowance of
/// internal hosts, checked again at every attempt.
pub fn spawn_dispatcher(
    database: &std::path::Path,
    notifications: broadcast::Receiver<Arc<Notification>>,
    targets: TargetPolicy,
    retry: RetryPolicy,
) -> std::io::Result<()> {
    let client = reqwest::Client::builder()
        // A 3xx is an answer, not an instruction: following it would carry
        // the signature elsewhere, and reach addresses never checked.
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the name itself, past the check.
        .no_proxy()
        .dns_resolver(Arc::new(target::GuardedResolver {
            policy: targets.clone(),
        }))
        .connect_timeout(retry.connect_timeout)
        .timeout(retry.attempt_timeout)
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(DELIVERIES_PER_TARGET_MAX)
        .user_agent(concat!("truce-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(std::io::Error::other)?;
    let books = Bookkeeper::start(database.to_path_buf())?;
    let deliveries = Arc::new(Deliveries {
        client,
        targets,
        retry,
        in_flight: Arc::new(Semaphore::new(DELIVERIES_IN_FLIGHT_MAX)),
        queued: Arc::new(Semaphore::new(DELIVERIES_QUEUED_MAX)),
        per_target: Mutex::new(HashMap::new()),
        books,
    });
    tokio::spawn(dispatch(deliveries, notifications));
    Ok(())
}

async fn dispatch(deliveries: Arc<Deliveries>, mut notifications: broadcast::Receiver<Arc<Notification>>) {
    while let Some(batch) = next_batch(&mut notifications).await {
        let Some(hooks) = read_webhooks(&deliveries.books).await else {
            tracing::error!(
                events = batch.len(),
                "reading the webhooks failed, again and again: these events are not delivered (the log holds them)"
            );
            continue;
        };
        for notification in &batch {
            // One body for each role notified: each sees only what its role may.
            let mut bodies: HashMap<Role, Arc<Prepared>> = HashMap::new();
            for hook in hooks
                .iter()
                .filter(|hook| notifies(&hook.user.role, &notification.envelope.event))
            {
                let event = bodies
                    .entry(hook.user.role.clone())
                    .or_insert_with(|| Arc::new(Prepared::of(notification, &hook.user.role)))
                    .clone();
                // Waits while too many deliveries are under way: the
                // dispatcher then falls behind the stream, which drops
                // (and says so) rather than let memory grow without end.
                let Ok(queued) = deliveries.queued.clone().acquire_owned().await else {
                    return;
                };
                // A task waiting for a slot is a few hundred bytes, not a thread.
                let deliveries = deliveries.clone();
                let hook = hook.clone();
                tokio::spawn(async move {
                    deliveries.deliver(hook, event).await;
                    drop(queued);
                });
            }
        }
    }
}

/// An event as the webhooks of one role are sent it: the body is the same
/// for them, only the signature differs.
struct Prepared {
    log_index: u64,
    event_type: Arc<str>,
    body: Vec<u8>,
}

impl Prepared {
    fn of(notification: &Notification, role: &Role) -> Prepared {
        let body = serde_json::to_vec(&serde_json::json!({
            "log_index": notification.log_index,
            "event": super::entry_view::of_notification(role, notification),
        }))
        .unwrap_or_default();
        let event_type: Arc<str> = serde_json::to_value(&notification.envelope.event)
            .ok()
            .and_then(|v| v["type"].as_str().map(Arc::from))
            .unwrap_or_else(|| Arc::from(""));
        Prepared {
            log_index: notification.log_index,
            event_type,
            body,
        }
    }
}

/// The webhooks, read again after a short wait if the read fails (a busy
/// database): a batch of events is dropped only if every try fails.
async fn read_webhooks(books: &Bookkeeper) -> Option<Vec<Webhook>> {
    let mut wait = Duration::from_millis(50);
    for _ in 0..5 {
        if let Some(hooks) = books.webhooks().await {
            return Some(hooks);
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
    None
}

/// Waits for one notification, then takes those already waiting behind it
/// (up to `DISPATCH_BATCH_NOTIFICATIONS_MAX`); `None` once the stream has closed.
async fn next_batch(notifications: &mut broadcast::Receiver<Arc<Notification>>) -> Option<Vec<Arc<Notification>>> {
    let mut batch = Vec::new();
    loop {
        match notifications.recv().await {
            Ok(notification) => {
                batch.push(notification);
                break;
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "webhook dispatch fell behind; the log holds the missed events");
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
    while batch.len() < DISPATCH_BATCH_NOTIFICATIONS_MAX {
        match notifications.try_recv() {
            Ok(notification) => batch.push(notification),
            Err(broadcast::error::TryRecvError::Lagged(missed)) => {
                tracing::warn!(missed, "webhook dispatch fell behind; the log holds the missed events");
            }
            Err(_) => break,
        }
    }
    Some(batch)
}

/// What every delivery shares: the client, the operator's allowance, the
/// slots in flight (in all and by target) and the bookkeeping.
struct Deliveries {
    client: reqwest::Client,
    targets: TargetPolicy,
    retry: RetryPolicy,
    in_flight: Arc<Semaphore>,
    /// Deliveries under way or waiting, in all.
    queued: Arc<Semaphore>,
    /// One semaphore a host and port with deliveries under way or waiting;
    /// removed when the last of them is done, so the map stays small.
    per_target: Mutex<HashMap<String, Arc<Semaphore>>>,
    books: Bookkeeper,
}

impl Deliveries {
    async fn deliver(self: Arc<Self>, hook: Webhook, event: Arc<Prepared>) {
        let signed = signature(&hook.secret, &event.body);
        let record = |id: Option<i64>, state: &'static str, attempts: u32, error: Option<String>| {
            self.books.record(Record {
                id,
                webhook: hook.id,
                log_index: event.log_index,
                event_type: event.event_type.clone(),
                state,
                attempts,
                error,
            })
        };
        let mut id = match record(None, "pending", 0, None).await {
            Recorded::Kept(id) => Some(id),
            Recorded::Gone => return,
            Recorded::Failed => None,
        };
        // A webhook stored before its URL was checked as now is not delivered to.
        let url = match target::parse(&hook.url) {
            Ok(url) => url,
            Err(_) => {
                record(id, "failed", 0, Some("refused: the URL is not allowed".to_string())).await;
                return;
            }
        };
        let mut wait = self.retry.backoff;
        for attempt in 1..=self.retry.attempts {
            let error = match self.attempt(hook.id, &url, &event, &signed).await {
                Attempt::Delivered => {
                    record(id, "delivered", attempt, None).await;
                    return;
                }
                Attempt::Gone => return,
                Attempt::Failed(error) => error,
            };
            let last = attempt == self.retry.attempts;
            match record(id, if last { "failed" } else { "pending" }, attempt, Some(error)).await {
                Recorded::Gone => return,
                Recorded::Kept(kept) => id = Some(kept),
                Recorded::Failed => {}
            }
            if !last {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }

    /// One attempt, once a slot for its target and one in all are free,
    /// and if the webhook has not been deleted while it waited; a failure
    /// is what `last_error` says, generic by design.
    async fn attempt(&self, webhook: i64, url: &url::Url, event: &Prepared, signed: &str) -> Attempt {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        );
        let slots = self.target_slots(&key);
        let sent = async {
            // The target's slot first: waiting for it must not hold one of the shared slots.
            let (Ok(_target), Ok(_slot)) = (slots.acquire().await, self.in_flight.acquire().await) else {
                return Attempt::Failed(NO_ANSWER.to_string());
            };
            if !self.books.exists(webhook).await {
                return Attempt::Gone;
            }
            // An IP address is connected to without the resolver: checked here, every time.
            if target::check_literal(url, &self.targets).is_err() {
                return Attempt::Failed(target::NOT_PUBLIC.to_string());
            }
            let sent = self
                .client
                .post(url.clone())
                .header("content-type", "application/json")
                .header("x-truce-signature", signed)
                .header("x-truce-log-index", event.log_index.to_string())
                .body(event.body.clone())
                .send()
                .await;
            match sent {
                Ok(answer) if answer.status().is_success() => Attempt::Delivered,
                Ok(answer) => Attempt::Failed(format!("HTTP {}", answer.status().as_u16())),
                Err(error) => Attempt::Failed(describe(&error).to_string()),
            }
        }
        .await;
        self.release_target(&key, slots);
        sent
    }

    /// The semaphore of `key`'s deliveries, made on first need.
    fn target_slots(&self, key: &str) -> Arc<Semaphore> {
        let mut map = self.per_target.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(DELIVERIES_PER_TARGET_MAX)))
            .clone()
    }

    /// Forgets `key`'s semaphore if no other delivery holds it (every clone
    /// is made under the lock, so the count cannot rise behind our back).
    fn release_target(&self, key: &str, slots: Arc<Semaphore>) {
        let mut map = self.per_target.lock().unwrap_or_else(|e| e.into_inner());
        if Arc::strong_count(&slots) == 2 {
            map.remove(key);
        }
    }
}

/// How an attempt went.
enum Attempt {
    Delivered,
    /// The webhook has been deleted: the delivery stops.
    Gone,
    /// What `last_error` says.
    Failed(String),
}

/// What an attempt's failure is recorded as: the resolver's refusal, or
/// else [`NO_ANSWER`], whatever the network said.
fn describe(error: &reqwest::Error) -> &'static str {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.downcast_ref::<target::NotPublic>().is_some() {
            return target::NOT_PUBLIC;
        }
        cause = error.source();
    }
    NO_ANSWER
}

/// One delivery state to record.
struct Record {
    id: Option<i64>,
    webhook: i64,
    log_index: u64,
    event_type: Arc<str>,
    state: &'static str,
    attempts: u32,
    error: Option<String>,
}

/// What became of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recorded {
    /// Recorded, as the delivery with this id.
    Kept(i64),
    /// The webhook has been deleted: the delivery stops.
    Gone,
    /// The database failed; the delivery goes on unrecorded.
    Failed,
}

enum Job {
    Webhooks(oneshot::Sender<Option<Vec<Webhook>>>),
    Exists(i64, oneshot::Sender<bool>),
    Record(Record, oneshot::Sender<Recorded>),
}

/// The deliveries' bookkeeping: one thread with its own connection to the
/// accounts, taking jobs from a bounded queue (a full queue makes the
/// deliveries wait, it never grows) and committing the records waiting
/// together in one transaction, so a thousand deliveries cost a few
/// commits and no task of the blocking pool.
#[derive(Clone)]
struct Bookkeeper {
    jobs: mpsc::Sender<Job>,
}

/// Jobs waiting for the bookkeeper at most, and recorded in one transaction at most.
const BOOKKEEPING_QUEUE: usize = 1024;
const BOOKKEEPING_BATCH_MAX: usize = 256;

impl Bookkeeper {
    fn start(database: std::path::PathBuf) -> std::io::Result<Bookkeeper> {
        let (jobs, queue) = mpsc::channel(BOOKKEEPING_QUEUE);
        std::thread::Builder::new()
            .name("webhook-books".to_string())
            .spawn(move || keep_books(&database, queue))?;
        Ok(Bookkeeper { jobs })
    }

    async fn ask<T>(&self, job: impl FnOnce(oneshot::Sender<T>) -> Job) -> Option<T> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(job(reply)).await.ok()?;
        answer.await.ok()
    }

    async fn webhooks(&self) -> Option<Vec<Webhook>> {
        self.ask(Job::Webhooks).await.flatten()
    }

    /// Whether the webhook is still registered; `true` if the database cannot tell.
    async fn exists(&self, webhook: i64) -> bool {
        self.ask(|reply| Job::Exists(webhook, reply)).await.unwrap_or(true)
    }

    async fn record(&self, record: Record) -> Recorded {
        self.ask(|reply| Job::Record(record, reply))
            .await
            .unwrap_or(Recorded::Failed)
    }
}

/// The bookkeeper's thread, until every sender is gone.
fn keep_books(database: &std::path::Path, mut queue: mpsc::Receiver<Job>) {
    let mut connection = None;
    while let Some(first) = queue.blocking_recv() {
        let mut jobs = vec![first];
        while jobs.len() < BOOKKEEPING_BATCH_MAX {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if connection.is_none() {
            match accounts::open(database) {
                Ok(opened) => connection = Some(opened),
                Err(error) => tracing::error!(%error, "webhook bookkeeping cannot open the database"),
            }
        }
        // Without a connection every job is dropped: its delivery goes on unrecorded.
        let Some(c) = connection.as_ref() else { continue };
        let (recorded, committed) = accounts::in_one_transaction(c, |c| {
            let mut recorded = Vec::new();
            for job in jobs {
                match job {
                    Job::Webhooks(reply) => {
                        let _ = reply.send(accounts::webhooks(c).ok());
                    }
                    Job::Exists(webhook, reply) => {
                        let _ = reply.send(accounts::webhook_exists(c, webhook).unwrap_or(true));
                    }
                    Job::Record(record, reply) => {
                        let delivery = Delivery {
                            webhook: record.webhook,
                            log_index: record.log_index,
                            event_type: &record.event_type,
                            state: record.state,
                            attempts: record.attempts,
                            last_error: record.error.as_deref(),
                        };
                        let outcome = match accounts::record_delivery(c, record.id, &delivery) {
                            Ok(Some(id)) => Recorded::Kept(id),
                            Ok(None) => Recorded::Gone,
                            Err(error) => {
                                tracing::warn!(%error, "recording a webhook delivery failed");
                                Recorded::Failed
                            }
                        };
                        recorded.push((reply, outcome));
                    }
                }
            }
            recorded
        });
        for (reply, outcome) in recorded {
            let _ = reply.send(if committed { outcome } else { Recorded::Failed });
        }
    }
}
