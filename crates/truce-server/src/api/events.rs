//! `GET /api/v1/events`: a Server-Sent Events stream of the record as it is
//! written, each event once durable, filtered by what the caller may see
//! (`truce_domain::access::notifies`). Each message's `id` is the event's
//! log index and its `event` the event's type; its data is the log entry's
//! public form with the openings the caller's role may see put back. A listener that falls behind is told how many it missed (an
//! event `lagged`): the log has them all, by index.

use super::api;
use super::auth::Caller;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::stream::Stream;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;
use truce_domain::access::notifies;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(stream))
}

#[utoipa::path(
    get,
    path = "/api/v1/events",
    summary = "A Server-Sent Events stream of the events the caller may see, each once durable",
    responses(
        (status = 200, description = "text/event-stream: id = log index, event = type, data = the entry as the caller may see it", content_type = "text/event-stream"),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let receiver = api(&state)?.notifications.subscribe();
    let role = caller.role();
    let events = futures_util::stream::unfold((receiver, role), |(mut receiver, role)| async move {
        loop {
            match receiver.recv().await {
                Ok(notification) if notifies(&role, &notification.envelope.event) => {
                    let data = serde_json::to_string(&super::entry_view::of_notification(&role, &notification))
                        .unwrap_or_default();
                    let kind = serde_json::to_value(&notification.envelope.event)
                        .ok()
                        .and_then(|v| v["type"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    let event = Event::default()
                        .id(notification.log_index.to_string())
                        .event(kind)
                        .data(data);
                    return Some((Ok(event), (receiver, role)));
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => {
                    let event = Event::default().event("lagged").data(missed.to_string());
                    return Some((Ok(event), (receiver, role)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    // Fused, so a poll after the end (a compressing body makes one) is answered, not a panic.
    Ok(Sse::new(futures_util::StreamExt::fuse(events)).keep_alive(KeepAlive::default()))
}
