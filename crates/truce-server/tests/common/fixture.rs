//! The API's test fixture: a store with the example agreement registered,
//! a user and a token for every role and party, and the whole router over
//! them; requests as any of those users.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt as _;
use truce_domain::agreement::Agreement;
use truce_domain::role::Role;
use truce_domain::state::Command;
use truce_log::{KeyName, SignerKey};
use truce_server::{Api, AppState, router};
use truce_store::accounts::{self, UserName};
use truce_store::pool::ConnectionPool;
use truce_store::{Engine, EngineService, LogReader, LogWriter, Submission};

const AGREEMENT: &str = include_str!("../../../../examples/doha-ceasefire.toml");

/// Fields drop in order: the state (and its engine handle) before the
/// engine's service, which waits for its handles, then the directory.
pub struct Fixture {
    pub state: AppState,
    pub signer: SignerKey,
    /// (user name, role, token)
    pub users: Vec<(String, Role, String)>,
    pub _service: EngineService,
    pub _dir: tempfile::TempDir,
}

impl Fixture {
    pub fn api(&self) -> &Api {
        self.state.api.as_deref().unwrap()
    }

    pub fn token(&self, name: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, t)| t.as_str())
    }
}

pub fn fixture() -> Fixture {
    fixture_limited(Default::default())
}

/// The webhook test of the API delivers to receivers on this machine.
pub fn fixture_limited(limits: truce_server::api::limits::RequestLimiter) -> Fixture {
    fixture_with(limits, &["127.0.0.1"])
}

/// A fixture whose users have `limits`, and whose webhooks may reach the internal hosts `allowed`.
pub fn fixture_with(limits: truce_server::api::limits::RequestLimiter, allowed: &[&str]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truce.db");
    let signer = SignerKey::from_seed(KeyName::parse("truce.test/api").unwrap(), [5; 32]);
    let agreement = Agreement::from_toml(AGREEMENT).unwrap();
    let mut engine = Engine::open(LogWriter::open(&path, signer.clone()).unwrap()).unwrap();
    engine.set_agreement(agreement.clone());
    engine
        .submit(vec![Submission::new(
            "admin",
            Command::register_agreement(&agreement, AGREEMENT),
        )])
        .unwrap();
    let connection = accounts::open(&path).unwrap();
    let mut users = Vec::new();
    for (name, role, affiliation) in [
        ("admin", "admin", None),
        ("qatar", "mediator", Some("QAT")),
        ("turkiye", "mediator", Some("TUR")),
        ("monitor", "monitor", Some("MVM")),
        ("kabul", "party", Some("AFG")),
        ("islamabad", "party", Some("PAK")),
        ("press", "observer", None),
    ] {
        let role = Role::parse(role, affiliation).unwrap();
        let user = UserName::parse(name).unwrap();
        accounts::add_user(&connection, &user, &role, None).unwrap();
        let (_, token) = accounts::create_token(&connection, &user, "test", 1).unwrap();
        users.push((name.to_string(), role, token));
    }
    let (notifications, _) = tokio::sync::broadcast::channel(1024);
    let service = EngineService::start(engine, 64, Some(notifications.clone()));
    let api = Api {
        engine: service.handle(),
        accounts: Arc::new(ConnectionPool::accounts(&path)),
        reads: Arc::new(ConnectionPool::read_only(&path)),
        agreement: Arc::new(agreement),
        place_report: Arc::new(|report, commitment| Command::FileReport {
            report: Box::new(report),
            sealed_commitment: commitment,
            correlate: true,
            geo: None,
        }),
        database: path.clone(),
        logins: Default::default(),
        limits,
        public: Default::default(),
        evidence: Arc::new(truce_store::evidence::BlobStore::new(
            &dir.path().join("evidence"),
            truce_server::api::evidence::EVIDENCE_BYTES_MAX as u64,
        )),
        notifications,
        webhook_targets: truce_server::api::webhooks::TargetPolicy::allowing(allowed),
    };
    let state = AppState {
        log: Arc::new(LogReader::open(&path).unwrap()),
        log_vkey: signer.verifier().to_string(),
        api: Some(Arc::new(api)),
        witnesses: Default::default(),
    };
    Fixture {
        state,
        signer,
        users,
        _service: service,
        _dir: dir,
    }
}

/// Sends a request as `token` (or anonymously); returns the status and the JSON answer.
pub async fn call(
    fixture: &Fixture,
    token: Option<&str>,
    method: &str,
    uri: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    };
    let response = router(fixture.state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

pub fn report(external_id: &str, source_type: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "external_id": external_id,
        "source": {"type": source_type, "name": name, "grading": "B2"},
        "time": {"start": "2025-10-24T22:00:00+04:30", "precision": "hour"},
        "location": {"latitude": 32.95, "longitude": 69.46, "precision": "exact"},
        "act": "ACT-SHELLING",
        "actor1": {"name": "Pakistani artillery", "party": "PAK"},
        "claims": [{"claimant": name, "stance": "assert", "category": "civilians", "low": 2, "best": 3, "high": 4}],
        "submitter_identity": "liaison officer 7",
    })
}

/// Files `body` as `user`, which must be accepted; returns the answer.
pub async fn file_report(fixture: &Fixture, user: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, answer) = call(fixture, fixture.token(user), "POST", "/api/v1/reports", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{user} files a report: {answer}");
    answer
}

pub fn log_size(fixture: &Fixture) -> u64 {
    fixture.state.log.latest_checkpoint().unwrap().size
}

/// Sends a prepared request; returns the status, the headers and the JSON answer.
pub async fn send(fixture: &Fixture, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let response = router(fixture.state.clone()).oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

pub fn sign_in(name: &str, password: &str) -> Request<Body> {
    Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .body(Body::from(
            serde_json::json!({"name": name, "password": password}).to_string(),
        ))
        .unwrap()
}

/// The `name=value` of the session cookie a sign-in's answer sets.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> String {
    let set_cookie = headers["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_string()
}
