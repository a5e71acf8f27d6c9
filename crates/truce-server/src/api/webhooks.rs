//! Webhooks: a party's own systems hear of the events its user may see
//! (the same filter as the event stream), each POSTed as JSON and signed
//! with HMAC-SHA256 over the body (`X-Truce-Signature: sha256=<hex>`), with
//! the secret given once at registration. A failed delivery is retried with
//! exponential backoff; every delivery's state (pending, delivered, failed,
//! its attempts and last error) is kept and visible to the webhook's owner.

use super::api;
use super::auth::{Caller, ConnectionPool};
use super::body::JsonBody;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use truce_domain::access::notifies;
use truce_store::Notification;
use truce_store::accounts::{self, Delivery, Webhook};

/// How deliveries are retried: `attempts` in all, waiting `backoff`, then twice that, and so on.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 6,
            backoff: Duration::from_secs(2),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/webhooks", post(register).get(list))
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
    /// Where to POST the events (http or https).
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
    caller: Caller,
    JsonBody(body): JsonBody<NewWebhook>,
) -> Result<Response, Problem> {
    let Some(user) = caller.user.clone() else {
        return Err(Problem::unauthorized("a webhook belongs to a signed-in user"));
    };
    if !(body.url.starts_with("http://") || body.url.starts_with("https://")) || body.url.len() > 2000 {
        return Err(Problem::unprocessable(
            "url",
            "an http:// or https:// URL of at most 2,000 characters",
        ));
    }
    let hook = api(&state)?
        .accounts
        .run(move |c| accounts::add_webhook(c, &user, &body.url))
        .await?;
    let answer = serde_json::json!({"id": hook.id, "url": hook.url, "secret": hook.secret});
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
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
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<serde_json::Value>, Problem> {
    let Some(user) = caller.user.clone() else {
        return Err(Problem::unauthorized("a webhook belongs to a signed-in user"));
    };
    let items = api(&state)?
        .accounts
        .run(move |c| -> rusqlite::Result<Vec<serde_json::Value>> {
            let mut hooks = c.prepare("SELECT id, url FROM webhooks WHERE user_id = ?1 ORDER BY id")?;
            let hooks: Vec<(i64, String)> = hooks
                .query_map([user.id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut deliveries = c.prepare(
                "SELECT log_index, event_type, state, attempts, last_error FROM webhook_deliveries
                 WHERE webhook_id = ?1 ORDER BY id DESC LIMIT 100",
            )?;
            hooks
                .into_iter()
                .map(|(id, url)| {
                    let recent: Vec<serde_json::Value> = deliveries
                        .query_map([id], |r| {
                            Ok(serde_json::json!({
                                "log_index": r.get::<_, i64>(0)?,
                                "event_type": r.get::<_, String>(1)?,
                                "state": r.get::<_, String>(2)?,
                                "attempts": r.get::<_, i64>(3)?,
                                "last_error": r.get::<_, Option<String>>(4)?,
                            }))
                        })?
                        .collect::<Result<_, _>>()?;
                    Ok(serde_json::json!({"id": id, "url": url, "deliveries": recent}))
                })
                .collect()
        })
        .await?;
    Ok(axum::Json(serde_json::json!({"items": items})))
}

/// Notifications read together by the dispatcher, so the webhooks are read
/// once for all of them rather than once an event.
const DISPATCH_BATCH_NOTIFICATIONS_MAX: usize = 1024;

/// Delivers every notification to the webhooks whose users may see it, until the stream closes.
pub fn spawn_dispatcher(
    accounts: Arc<ConnectionPool>,
    mut notifications: broadcast::Receiver<Arc<Notification>>,
    retry: RetryPolicy,
) {
    tokio::spawn(async move {
        while let Some(batch) = next_batch(&mut notifications).await {
            let Some(hooks) = read_webhooks(&accounts).await else {
                tracing::error!(
                    events = batch.len(),
                    "reading the webhooks failed, again and again: these events are not delivered (the log holds them)"
                );
                continue;
            };
            for notification in &batch {
                for hook in hooks
                    .iter()
                    .filter(|hook| notifies(&hook.user.role, &notification.envelope.event))
                {
                    tokio::spawn(deliver(accounts.clone(), hook.clone(), notification.clone(), retry));
                }
            }
        }
    });
}

/// The webhooks, read again after a short wait if the read fails (a busy
/// database): a batch of events is dropped only if every try fails.
async fn read_webhooks(accounts: &Arc<ConnectionPool>) -> Option<Vec<Webhook>> {
    let mut wait = Duration::from_millis(50);
    for _ in 0..5 {
        let pool = accounts.clone();
        if let Ok(Ok(Ok(hooks))) = tokio::task::spawn_blocking(move || pool.with(accounts::webhooks)).await {
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

async fn deliver(accounts: Arc<ConnectionPool>, hook: Webhook, notification: Arc<Notification>, retry: RetryPolicy) {
    let body = serde_json::to_vec(&serde_json::json!({
        "log_index": notification.log_index,
        "event": notification.envelope,
    }))
    .unwrap_or_default();
    let event_type = serde_json::to_value(&notification.envelope.event)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_string))
        .unwrap_or_default();
    let signed = signature(&hook.secret, &body);
    let record = |id: Option<i64>, state: &'static str, attempts: u32, error: Option<String>| {
        let pool = accounts.clone();
        let event_type = event_type.clone();
        let (webhook, log_index) = (hook.id, notification.log_index);
        async move {
            tokio::task::spawn_blocking(move || {
                pool.with(|c| {
                    let delivery = Delivery {
                        webhook,
                        log_index,
                        event_type: &event_type,
                        state,
                        attempts,
                        last_error: error.as_deref(),
                    };
                    accounts::record_delivery(c, id, &delivery).ok()
                })
                .ok()
                .flatten()
            })
            .await
            .ok()
            .flatten()
        }
    };
    let id = record(None, "pending", 0, None).await;
    let mut wait = retry.backoff;
    for attempt in 1..=retry.attempts {
        let (url, body, signed, index) = (hook.url.clone(), body.clone(), signed.clone(), notification.log_index);
        let sent = tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .into();
            agent
                .post(&url)
                .header("content-type", "application/json")
                .header("x-truce-signature", &signed)
                .header("x-truce-log-index", &index.to_string())
                .send(&body[..])
                .map(|response| response.status().as_u16())
                .map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        let error = match sent {
            Ok(status) if (200..300).contains(&status) => {
                record(id, "delivered", attempt, None).await;
                return;
            }
            Ok(status) => format!("HTTP {status}"),
            Err(error) => error,
        };
        let last = attempt == retry.attempts;
        record(id, if last { "failed" } else { "pending" }, attempt, Some(error)).await;
        if !last {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
}
