//! Browser sessions: sign in with a name and password (argon2id), get an
//! HttpOnly, SameSite=Strict cookie and a CSRF token that every
//! state-changing request of the session must echo in `X-CSRF-Token`.
//! Failed sign-ins are limited per user name: after five failures within
//! fifteen minutes the name is refused (429) until the window has passed,
//! whatever the password, so guessing is slow and a wrong guess costs the
//! guesser, not the server.

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
use std::sync::Mutex;
use std::time::{Duration, Instant};
use truce_store::accounts;

/// The session cookie's name.
pub const COOKIE: &str = "truce_session";
/// The header a session's state-changing requests carry.
pub const CSRF_HEADER: &str = "x-csrf-token";
const SESSION_HOURS: i64 = 12;
const FAILURES_MAX: usize = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Recent failed sign-ins, by user name.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    /// How long the name is refused for, if it is.
    fn refused_for(&self, name: &str) -> Option<Duration> {
        let mut failures = self.failures.lock().ok()?;
        let recent = failures.entry(name.to_string()).or_default();
        recent.retain(|t| t.elapsed() < FAILURE_WINDOW);
        (recent.len() >= FAILURES_MAX).then(|| FAILURE_WINDOW - recent[0].elapsed())
    }

    fn failed(&self, name: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.entry(name.to_string()).or_default().push(Instant::now());
        }
    }

    fn succeeded(&self, name: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(name);
        }
    }
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

fn cookie(value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}"
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
    JsonBody(body): JsonBody<SignIn>,
) -> Result<Response, Problem> {
    let api = api(&state)?;
    if let Some(wait) = api.logins.refused_for(&body.name) {
        return Err(Problem::too_many(
            format!(
                "too many failed sign-ins for this name: try again in {} s",
                wait.as_secs() + 1
            ),
            wait,
        ));
    }
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
        api.logins.failed(&body.name);
        return Err(Problem::unauthorized("wrong name or password"));
    };
    api.logins.succeeded(&body.name);
    let answer = serde_json::json!({
        "name": user.name.as_str(),
        "role": user.role.name(),
        "for": user.role.affiliation(),
        "csrf_token": csrf,
        "expires_in": SESSION_HOURS * 3600,
    });
    let mut response = (StatusCode::CREATED, axum::Json(answer)).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&secret, SESSION_HOURS * 3600));
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
    response.headers_mut().insert(header::SET_COOKIE, cookie("", 0));
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
