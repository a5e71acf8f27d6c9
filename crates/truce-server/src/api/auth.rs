//! Who is calling: a bearer token (`Authorization: Bearer truce_…`) names a
//! user and its role; no token is an anonymous observer. A bad, expired or
//! revoked token is a 401, never a silent downgrade to observer. A user
//! past its rate ([`super::limits`]) is a 429.

use super::Api;
use crate::Problem;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
pub use truce_domain::access::may;
use truce_domain::access::{Action, Permission, permits};
use truce_domain::role::Role;
use truce_store::accounts::{self, User};

pub use truce_store::pool::ConnectionPool;

/// The caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// `None`: anonymous, an observer.
    pub user: Option<User>,
    /// A browser session's CSRF token, which its pages carry for their
    /// forms; `None` for a bearer token or anonymous.
    pub csrf: Option<String>,
}

impl Caller {
    pub fn anonymous() -> Caller {
        Caller { user: None, csrf: None }
    }

    pub fn role(&self) -> Role {
        self.user.as_ref().map_or(Role::Observer, |u| u.role.clone())
    }

    pub fn name(&self) -> &str {
        self.user.as_ref().map_or("anonymous", |u| u.name.as_str())
    }

    /// `command` given by this caller: its account for the record, its
    /// role (`party AFG`) for the public log.
    pub fn submission(&self, command: truce_domain::state::Command) -> truce_store::Submission {
        truce_store::Submission::new(self.name(), command).acting(self.role().public_label())
    }

    /// Refuses what the caller's role does not permit: 401 if anonymous, 403 otherwise.
    pub fn require(&self, action: Action) -> Result<(), Problem> {
        if permits(&self.role(), action) {
            return Ok(());
        }
        if self.user.is_none() {
            return Err(Problem::unauthorized(
                "this needs a signed-in user: send Authorization: Bearer <token>",
            ));
        }
        Err(Problem::forbidden(format!(
            "a {} may not {}",
            self.role(),
            format!("{action:?}").to_lowercase()
        )))
    }
}

impl FromRequestParts<crate::AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &crate::AppState) -> Result<Caller, Problem> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return session_caller(parts, state).await;
        };
        let api: &Api = state
            .api
            .as_deref()
            .ok_or_else(|| Problem::not_found("this server has no API"))?;
        let text = value
            .to_str()
            .map_err(|_| Problem::unauthorized("the Authorization header is not text"))?;
        let token = text
            .strip_prefix("Bearer ")
            .ok_or_else(|| Problem::unauthorized("the Authorization header must be: Bearer <token>"))?
            .trim()
            .to_string();
        // One indexed lookup: cheaper in place than a hop to the blocking pool.
        let found = api
            .accounts
            .with(|connection| accounts::authenticate_token(connection, &token, chrono::Utc::now()))?
            .map_err(|e| Problem::internal(&e))?;
        match found {
            Some(user) => {
                api.limits.check(user.name.as_str())?;
                Ok(Caller {
                    user: Some(user),
                    csrf: None,
                })
            }
            None => Err(Problem::unauthorized("the token is unknown, expired or revoked")),
        }
    }
}

/// The caller of a browser session (its cookie), or anonymous without one.
/// A request that changes state must echo the session's CSRF token.
async fn session_caller(parts: &Parts, state: &crate::AppState) -> Result<Caller, Problem> {
    let Some(secret) = super::session::session_cookie(&parts.headers) else {
        return Ok(Caller::anonymous());
    };
    let api: &Api = state
        .api
        .as_deref()
        .ok_or_else(|| Problem::not_found("this server has no API"))?;
    let found = api
        .accounts
        .run(move |connection| accounts::session_user(connection, &secret, chrono::Utc::now()))
        .await?;
    let Some((user, csrf)) = found else {
        // A stale cookie reads what anyone may read; only a change needs the session.
        if parts.method.is_safe() {
            return Ok(Caller::anonymous());
        }
        return Err(Problem::unauthorized("the session has expired or ended: sign in again"));
    };
    api.limits.check(user.name.as_str())?;
    if !parts.method.is_safe() {
        let sent = parts
            .headers
            .get(super::session::CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !constant_time_eq(sent.as_bytes(), csrf.as_bytes()) {
            return Err(Problem::forbidden(
                "a session's request that changes anything must carry its X-CSRF-Token",
            ));
        }
    }
    Ok(Caller {
        user: Some(user),
        csrf: Some(csrf),
    })
}

/// Equality that takes the same time wherever the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A caller the role table permits `A`. Taken as a handler's first
/// extractor, it is checked before the path and the body are read, so a
/// caller who may not act hears 401 or 403 and nothing about the body it
/// had no right to send.
pub struct Permitted<A>(pub Caller, std::marker::PhantomData<A>);

impl<A> std::ops::Deref for Permitted<A> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<A: Permission> FromRequestParts<crate::AppState> for Permitted<A> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &crate::AppState) -> Result<Permitted<A>, Problem> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(A::ACTION)?;
        Ok(Permitted(caller, std::marker::PhantomData))
    }
}

/// A signed-in caller (any role), checked before the path and the body
/// are read: without one, a 401 and nothing about the body.
pub struct SignedIn(pub Caller, pub User);

impl FromRequestParts<crate::AppState> for SignedIn {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &crate::AppState) -> Result<SignedIn, Problem> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match caller.user.clone() {
            Some(user) => Ok(SignedIn(caller, user)),
            None => Err(Problem::unauthorized(
                "this needs a signed-in user: send Authorization: Bearer <token>",
            )),
        }
    }
}
