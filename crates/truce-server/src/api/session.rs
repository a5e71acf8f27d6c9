//! Browser sessions: sign in with a name and password (argon2id), get an
//! HttpOnly, SameSite=Strict cookie and a CSRF token that every
//! state-changing request of the session must echo in `X-CSRF-Token`.
//! Failed sign-ins are limited per user name and per client address: after
//! five failures of a name (or twenty from one address) within fifteen
//! minutes, it is refused (429) until the window has passed, whatever the
//! password, so guessing is slow and a wrong guess costs the guesser, not
//! the server; attempts sent at once count as they start, and only a few
//! passwords are hashed at a time. The cookie is `Secure` when the reader
//! came over https.

use super::api;
use super::auth::Caller;
use super::body::JsonBody;
use crate::{AppState, Problem};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use truce_store::accounts;

/// The session cookie's name.
pub const COOKIE: &str = "truce_session";
/// The header a session's state-changing requests carry.
pub const CSRF_HEADER: &str = "x-csrf-token";
const SESSION_HOURS: i64 = 12;
/// Failed sign-ins a name may have within the window.
const FAILURES_MAX: usize = 5;
/// Failed sign-ins one address may have within the window, whatever the names.
const ADDRESS_FAILURES_MAX: usize = 20;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Recent sign-ins that failed (or are still being checked), by user name
/// and by client address, and a bound on the password hashes computed at
/// once. An attempt counts as a failure from the moment it starts and is
/// forgiven only if it succeeds, so many guesses sent at once are limited
/// like guesses sent one after another.
pub struct LoginLimiter {
    failures: Mutex<Failures>,
    /// argon2id costs a core and 19 MiB a hash: at most this many at once.
    hashing: tokio::sync::Semaphore,
}

#[derive(Default)]
struct Failures {
    by_name: HashMap<String, Vec<Instant>>,
    by_address: HashMap<IpAddr, Vec<Instant>>,
    /// Attempts begun, to prune the maps every [`PRUNE_EVERY`].
    attempts: u64,
}

/// How many attempts pass between two prunings of the limiter's maps.
const PRUNE_EVERY: u64 = 1024;

impl Default for LoginLimiter {
    fn default() -> LoginLimiter {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        LoginLimiter {
            failures: Mutex::new(Failures::default()),
            hashing: tokio::sync::Semaphore::new(cores),
        }
    }
}

/// A sign-in under way, counted as a failure until [`LoginLimiter::succeeded`] forgives it.
struct Attempt {
    name: String,
    address: Option<IpAddr>,
    at: Instant,
}

/// Keeps the times within the window; the wait until the oldest leaves it, if `max` are left.
fn recent(times: &mut Vec<Instant>, max: usize) -> Option<Duration> {
    times.retain(|t| t.elapsed() < FAILURE_WINDOW);
    (times.len() >= max).then(|| FAILURE_WINDOW.saturating_sub(times[0].elapsed()))
}

impl LoginLimiter {
    /// Starts an attempt for `name` from `address`, or says how long they are refused for.
    fn begin(&self, name: &str, address: Option<IpAddr>) -> Result<Attempt, Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Failures {
            by_name,
            by_address,
            attempts,
        } = &mut *failures;
        if let Some(address) = address {
            let for_address = by_address.entry(address).or_default();
            if let Some(wait) = recent(for_address, ADDRESS_FAILURES_MAX) {
                return Err(wait);
            }
        }
        if let Some(wait) = by_name.get_mut(name).and_then(|times| recent(times, FAILURES_MAX)) {
            return Err(wait);
        }
        let at = Instant::now();
        if let Some(address) = address {
            by_address.entry(address).or_default().push(at);
        }
        by_name.entry(name.to_string()).or_default().push(at);
        // Names and addresses whose failures are all past the window go,
        // now and then: the maps hold the last fifteen minutes only.
        *attempts += 1;
        if *attempts % PRUNE_EVERY == 0 {
            by_name.retain(|_, times| recent(times, usize::MAX).is_none() && !times.is_empty());
            by_address.retain(|_, times| recent(times, usize::MAX).is_none() && !times.is_empty());
        }
        Ok(Attempt {
            name: name.to_string(),
            address,
            at,
        })
    }

    /// The attempt succeeded: the name's failures are forgiven, and this attempt's count for its address.
    fn succeeded(&self, attempt: Attempt) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.by_name.remove(&attempt.name);
        if let Some(times) = attempt.address.and_then(|a| failures.by_address.get_mut(&a))
            && let Some(position) = times.iter().rposition(|t| *t >= attempt.at)
        {
            times.remove(position);
        }
    }
}

/// The address the connection came from, when the server knows it
/// (`truce serve` does; a router driven in a test may not).
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

/// Whether the reader reached the server over https (directly or, as a
/// TLS-terminating proxy says, through it): its cookie is then `Secure`.
fn over_https(headers: &axum::http::HeaderMap) -> bool {
    let said = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default()
    };
    said(header::HeaderName::from_static("x-forwarded-proto")).trim() == "https"
        || said(header::FORWARDED)
            .split([';', ','])
            .any(|part| part.trim() == "proto=https")
        || said(header::ORIGIN).starts_with("https://")
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/session", post(sign_in).get(who).delete(sign_out))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    name: String,
    password: String,
}

fn cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .expect("a cookie of URL-safe characters")
}

/// Sign in: a session cookie and its CSRF token.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    summary = "Sign in with a name and password: a session cookie and its CSRF token",
    request_body = SignIn,
    responses(
        (status = 201, description = "signed in; the cookie is set", body = Object),
        (status = "4XX", description = "wrong name or password (401), too many failures (429), or a bad body", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sign_in(
    axum::extract::State(state): axum::extract::State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: axum::http::HeaderMap,
    JsonBody(body): JsonBody<SignIn>,
) -> Result<Response, Problem> {
    let api = api(&state)?;
    // A name no user could have is wrong without a hash, and never fills the limiter.
    if accounts::UserName::parse(&body.name).is_err() {
        return Err(Problem::unauthorized("wrong name or password"));
    }
    let attempt = api.logins.begin(&body.name, address).map_err(|wait| {
        Problem::too_many(
            format!(
                "too many failed sign-ins for this name or from this address: try again in {} s",
                wait.as_secs() + 1
            ),
            wait,
        )
    })?;
    let _hashing = api.logins.hashing.acquire().await.map_err(|e| Problem::internal(&e))?;
    let name = body.name.clone();
    let signed_in = api
        .accounts
        .run(
            move |connection| -> Result<Option<(accounts::User, String, String)>, accounts::AccountError> {
                let Some(user) = accounts::check_password(connection, &name, &body.password)? else {
                    return Ok(None);
                };
                let (secret, csrf) = accounts::create_session(connection, &user, SESSION_HOURS)?;
                Ok(Some((user, secret, csrf)))
            },
        )
        .await?;
    let Some((user, secret, csrf)) = signed_in else {
        return Err(Problem::unauthorized("wrong name or password"));
    };
    api.logins.succeeded(attempt);
    let answer = serde_json::json!({
        "name": user.name.as_str(),
        "role": user.role.name(),
        "for": user.role.affiliation(),
        "csrf_token": csrf,
        "expires_in": SESSION_HOURS * 3600,
    });
    let mut response = (StatusCode::CREATED, axum::Json(answer)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&secret, SESSION_HOURS * 3600, over_https(&headers)),
    );
    Ok(response)
}

/// Who the caller is.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    summary = "Who the caller is (anonymous callers are observers)",
    responses(
        (status = 200, description = "the caller", body = Object),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn who(caller: Caller) -> axum::Json<serde_json::Value> {
    let role = caller.role();
    axum::Json(serde_json::json!({
        "name": caller.user.as_ref().map(|u| u.name.as_str()),
        "role": role.name(),
        "for": role.affiliation(),
    }))
}

/// Sign out: the session ends and its cookie is cleared.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    summary = "Sign out (the session's CSRF token is required)",
    responses(
        (status = 204, description = "signed out"),
        (status = "4XX", description = "a problem document", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sign_out(
    axum::extract::State(state): axum::extract::State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
) -> Result<Response, Problem> {
    if caller.user.is_none() {
        return Err(Problem::unauthorized("not signed in"));
    }
    if let Some(secret) = session_cookie(&headers) {
        api(&state)?
            .accounts
            .run(move |c| accounts::end_session(c, &secret))
            .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie("", 0, over_https(&headers)));
    Ok(response)
}

/// The session secret a request's cookies carry, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(&format!("{COOKIE}=")).map(str::to_string))
        .filter(|s| !s.is_empty())
}
