//! Webhooks as an attacker with an account would use them, and as a slow
//! receiver would strain them: no target inside the server's network, at
//! registration nor at delivery; no redirect followed; errors that map no
//! ports; a cap per user; deletion by the owner alone, which stops the
//! deliveries; and deliveries to a tarpit, bounded in number, that do not
//! hold up anyone's sign-in.

mod common;

use common::fixture::*;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tower::ServiceExt as _;
use truce_domain::role::Role;
use truce_server::api::webhooks::{
    DELIVERIES_IN_FLIGHT_MAX, DELIVERIES_PER_TARGET_MAX, NO_ANSWER, RetryPolicy, TargetPolicy, spawn_dispatcher,
    target::NOT_PUBLIC,
};
use truce_server::router;
use truce_store::accounts::{self, UserName, WEBHOOKS_PER_USER_MAX};

/// The password of the `press` user, who signs in with it.
const PRESS_PASSWORD: &str = "a long enough password";

/// A server whose registrations allow the internal hosts `allowed`; `press` has a password.
fn fixture(allowed: &[&str]) -> Fixture {
    let fixture = fixture_with(Default::default(), allowed);
    let connection = accounts::open(&fixture.api().database).unwrap();
    accounts::set_password(&connection, &UserName::parse("press").unwrap(), PRESS_PASSWORD).unwrap();
    fixture
}

/// Starts delivering, allowing `targets` (which may differ from what
/// registration allowed, as after DNS has changed).
fn dispatch(fixture: &Fixture, targets: TargetPolicy, retry: RetryPolicy) {
    let api = fixture.api();
    spawn_dispatcher(&api.database, api.notifications.subscribe(), targets, retry).unwrap();
}

async fn register(fixture: &Fixture, user: &str, url: &str) -> (StatusCode, serde_json::Value) {
    call(
        fixture,
        fixture.token(user),
        "POST",
        "/api/v1/webhooks",
        Some(serde_json::json!({ "url": url })),
    )
    .await
}

/// The caller's webhooks as listed.
async fn hooks(fixture: &Fixture, user: &str) -> Vec<serde_json::Value> {
    let (status, answer) = call(fixture, fixture.token(user), "GET", "/api/v1/webhooks", None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["items"].as_array().unwrap().clone()
}

/// An event Pakistan's webhooks hear of: a reply asked of it (the report
/// and the review before it are not addressed to Pakistan).
async fn ask_pakistan_to_reply(fixture: &Fixture, external_id: &str) {
    let monitor = fixture.token("monitor");
    let (status, filed) = call(fixture, monitor, "POST", "/api/v1/reports", Some(report(external_id))).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    // Each fixture's first report makes its first incident.
    let incident = 1;
    let (status, answer) = call(
        fixture,
        monitor,
        "POST",
        &format!("/api/v1/incidents/{incident}/review"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = call(
        fixture,
        monitor,
        "POST",
        &format!("/api/v1/incidents/{incident}/reply-requests"),
        Some(serde_json::json!({"party": "PAK"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

fn report(external_id: &str) -> serde_json::Value {
    serde_json::json!({
        "external_id": external_id,
        "source": {"type": "media", "name": "Dawn", "grading": "B2"},
        "time": {"start": "2025-10-24T22:00:00+04:30", "precision": "hour"},
        "location": {"latitude": 32.95, "longitude": 69.46, "precision": "exact"},
        "act": "ACT-SHELLING",
        "actor1": {"name": "Pakistani artillery", "party": "PAK"},
        "claims": [{"claimant": "Dawn", "stance": "assert", "category": "civilians", "low": 2, "best": 3, "high": 4}],
        "submitter_identity": "liaison officer 7",
    })
}

/// Waits (20 s at most) until `done` says the webhooks of `user` are as wanted.
async fn until(fixture: &Fixture, user: &str, done: impl Fn(&[serde_json::Value]) -> bool) -> Vec<serde_json::Value> {
    let start = Instant::now();
    loop {
        let listed = hooks(fixture, user).await;
        if done(&listed) {
            return listed;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not so within 20 s: {listed:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The first delivery of `hook`, once it has failed.
fn failed(hook: &serde_json::Value) -> Option<&serde_json::Value> {
    hook["deliveries"]
        .as_array()?
        .first()
        .filter(|d| d["state"] == "failed")
}

/// A receiver on 127.0.0.1 answering every request with `status` (and
/// `location`, if given); returns its URL and how many requests it had.
async fn receiver(status: StatusCode, location: Option<String>) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let counted = counted.clone();
        let location = location.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut response = axum::response::Response::new(Body::empty());
            *response.status_mut() = status;
            if let Some(location) = location {
                response.headers_mut().insert("location", location.parse().unwrap());
            }
            response
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

#[tokio::test]
async fn registration_refuses_internal_and_malformed_targets() {
    let fixture = fixture(&[]);
    for url in [
        "http://127.0.0.1:5432/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://localhost/",
        "http://LOCALHOST./",
        "https://localhost:8443/x",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:c0a8:101::]/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://192.0.2.1/",
        "http://[2001:db8::1]/",
    ] {
        for user in ["press", "islamabad"] {
            let (status, problem) = register(&fixture, user, url).await;
            assert_eq!(
                (status, problem["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("url")),
                "{user} registers {url}: {problem}"
            );
            assert!(problem["detail"].as_str().unwrap().contains("public"), "{problem}");
        }
    }
    for url in [
        "http://user:password@8.8.8.8/",
        "http://user@8.8.8.8/",
        "https://8.8.8.8@127.0.0.1/",
    ] {
        let (status, problem) = register(&fixture, "press", url).await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("url")),
            "{url}: {problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("password"),
            "{url}: {problem}"
        );
    }
    let long = format!("http://8.8.8.8/{}", "a".repeat(2000));
    for url in ["ftp://8.8.8.8/", "not a url", "http://", "/relative", "", long.as_str()] {
        let (status, problem) = register(&fixture, "press", url).await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("url")),
            "{url:?}: {problem}"
        );
    }
    assert!(hooks(&fixture, "press").await.is_empty(), "nothing was stored");
    // A public address is fine, and stored as parsed.
    let (status, hook) = register(&fixture, "press", "HTTP://8.8.8.8:443").await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    assert_eq!(hook["url"], "http://8.8.8.8:443/");
}

#[tokio::test]
async fn an_allowed_host_is_let_through_and_no_other() {
    let fixture = fixture(&["localhost", "127.0.0.1"]);
    for url in ["http://localhost:9/", "http://LocalHost:9/x", "http://127.0.0.1:5432/"] {
        let (status, answer) = register(&fixture, "press", url).await;
        assert_eq!(status, StatusCode::CREATED, "{url}: {answer}");
    }
    for url in ["http://127.0.0.2/", "http://[::1]/", "http://10.0.0.1/"] {
        let (status, problem) = register(&fixture, "press", url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {problem}");
    }
}

#[tokio::test]
async fn a_user_has_a_bounded_number_of_webhooks() {
    let fixture = fixture(&[]);
    for n in 0..WEBHOOKS_PER_USER_MAX {
        let (status, answer) = register(&fixture, "press", &format!("https://8.8.8.8/{n}")).await;
        assert_eq!(status, StatusCode::CREATED, "{n}: {answer}");
    }
    let (status, problem) = register(&fixture, "press", "https://8.8.8.8/one-too-many").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("at most {WEBHOOKS_PER_USER_MAX}")),
        "{problem}"
    );
    assert_eq!(hooks(&fixture, "press").await.len(), WEBHOOKS_PER_USER_MAX);
    // Another user's count is their own.
    assert_eq!(
        register(&fixture, "kabul", "https://8.8.8.8/").await.0,
        StatusCode::CREATED
    );
    // Deleting one makes room for one.
    let first = hooks(&fixture, "press").await[0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/webhooks/{first}");
    assert_eq!(
        call(&fixture, fixture.token("press"), "DELETE", &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        register(&fixture, "press", "https://8.8.8.8/again").await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        register(&fixture, "press", "https://8.8.8.8/again").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn only_its_owner_deletes_a_webhook() {
    let fixture = fixture(&[]);
    let (_, hook) = register(&fixture, "islamabad", "https://8.8.8.8/hook").await;
    let id = hook["id"].as_i64().unwrap();
    let path = format!("/api/v1/webhooks/{id}");
    let (status, problem) = call(&fixture, fixture.token("kabul"), "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another's: {problem}");
    assert_eq!(
        call(&fixture, None, "DELETE", &path, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    for (unknown, expected) in [
        ("/api/v1/webhooks/999999", StatusCode::NOT_FOUND),
        ("/api/v1/webhooks/18446744073709551615", StatusCode::NOT_FOUND),
        ("/api/v1/webhooks/x", StatusCode::BAD_REQUEST),
        ("/api/v1/webhooks/-1", StatusCode::BAD_REQUEST),
    ] {
        let (status, problem) = call(&fixture, fixture.token("islamabad"), "DELETE", unknown, None).await;
        assert_eq!(status, expected, "{unknown}: {problem}");
    }
    assert_eq!(hooks(&fixture, "islamabad").await.len(), 1, "still there");
    let (status, _) = call(&fixture, fixture.token("islamabad"), "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(hooks(&fixture, "islamabad").await.is_empty());
    let (status, _) = call(&fixture, fixture.token("islamabad"), "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "deleted already");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_of_a_deleted_webhook_stop() {
    let fixture = fixture(&["127.0.0.1"]);
    // Eight attempts over 2.5 s, unless deleted.
    let retry = RetryPolicy {
        attempts: 8,
        backoff: Duration::from_millis(20),
        ..Default::default()
    };
    dispatch(&fixture, fixture.api().webhook_targets.clone(), retry);
    let (url, hits) = receiver(StatusCode::INTERNAL_SERVER_ERROR, None).await;
    let (status, hook) = register(&fixture, "islamabad", &url).await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    ask_pakistan_to_reply(&fixture, "deleted-1").await;
    let start = Instant::now();
    while hits.load(Ordering::SeqCst) < 2 {
        assert!(start.elapsed() < Duration::from_secs(20), "no retry within 20 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let listed = hooks(&fixture, "islamabad").await;
    assert_eq!(listed[0]["deliveries"][0]["last_error"], "HTTP 500", "{listed:?}");
    let path = format!("/api/v1/webhooks/{}", hook["id"]);
    let (status, _) = call(&fixture, fixture.token("islamabad"), "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let at_deletion = hits.load(Ordering::SeqCst);
    // Longer than every remaining retry would take.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let after = hits.load(Ordering::SeqCst);
    assert!(
        after <= at_deletion + 1,
        "at most the attempt already under way: {at_deletion} then {after}"
    );
    assert!(after < 8, "the retries stopped: {after} attempts");
    assert!(hooks(&fixture, "islamabad").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed() {
    let fixture = fixture(&["127.0.0.1"]);
    let retry = RetryPolicy {
        attempts: 2,
        backoff: Duration::from_millis(20),
        ..Default::default()
    };
    dispatch(&fixture, fixture.api().webhook_targets.clone(), retry);
    let (elsewhere, reached) = receiver(StatusCode::NO_CONTENT, None).await;
    let (found, _) = receiver(StatusCode::FOUND, Some(elsewhere.clone())).await;
    let (temporary, _) = receiver(StatusCode::TEMPORARY_REDIRECT, Some(elsewhere)).await;
    assert_eq!(register(&fixture, "islamabad", &found).await.0, StatusCode::CREATED);
    assert_eq!(register(&fixture, "islamabad", &temporary).await.0, StatusCode::CREATED);
    ask_pakistan_to_reply(&fixture, "redirect-1").await;
    let listed = until(&fixture, "islamabad", |hooks| hooks.iter().all(|h| failed(h).is_some())).await;
    let errors: Vec<_> = listed
        .iter()
        .map(|h| failed(h).unwrap()["last_error"].clone())
        .collect();
    assert_eq!(errors, ["HTTP 302", "HTTP 307"]);
    assert_eq!(
        failed(&listed[0]).unwrap()["attempts"],
        2,
        "a redirect is a failed attempt"
    );
    assert_eq!(reached.load(Ordering::SeqCst), 0, "the redirect's target heard nothing");
}

/// Registration allowed 127.0.0.1 and `localhost`; by the time of delivery
/// the operator no longer does (as when a public name has been rebound to
/// an internal address): each attempt checks again, for an address in the
/// URL and for a name as it resolves, and nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_attempt_checks_the_target_again() {
    let fixture = fixture(&["127.0.0.1", "localhost"]);
    let retry = RetryPolicy {
        attempts: 2,
        backoff: Duration::from_millis(20),
        ..Default::default()
    };
    dispatch(&fixture, TargetPolicy::default(), retry);
    let (url, hits) = receiver(StatusCode::NO_CONTENT, None).await;
    let by_name = url.replace("127.0.0.1", "localhost");
    assert_eq!(register(&fixture, "islamabad", &url).await.0, StatusCode::CREATED);
    assert_eq!(register(&fixture, "islamabad", &by_name).await.0, StatusCode::CREATED);
    ask_pakistan_to_reply(&fixture, "recheck-1").await;
    let listed = until(&fixture, "islamabad", |hooks| hooks.iter().all(|h| failed(h).is_some())).await;
    for hook in &listed {
        assert_eq!(failed(hook).unwrap()["last_error"], NOT_PUBLIC, "{hook}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the receiver");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_error_says_nothing_of_the_network() {
    let fixture = fixture(&["127.0.0.1"]);
    let retry = RetryPolicy {
        attempts: 1,
        backoff: Duration::from_millis(20),
        connect_timeout: Duration::from_secs(1),
        attempt_timeout: Duration::from_secs(1),
    };
    dispatch(&fixture, fixture.api().webhook_targets.clone(), retry);
    // A port where nothing listens: refused at once.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    // A listener that accepts and closes without a word.
    let hangs_up = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hangs_up_url = format!("http://{}/hook", hangs_up.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((connection, _)) = hangs_up.accept().await {
            drop(connection);
        }
    });
    // A listener that accepts and never answers: the attempt times out.
    let silent = tarpit(Default::default(), Default::default()).await;
    let (error_url, _) = receiver(StatusCode::INTERNAL_SERVER_ERROR, None).await;
    for url in [&closed_url, &hangs_up_url, &silent.url, &error_url] {
        assert_eq!(register(&fixture, "islamabad", url).await.0, StatusCode::CREATED);
    }
    ask_pakistan_to_reply(&fixture, "errors-1").await;
    let listed = until(&fixture, "islamabad", |hooks| hooks.iter().all(|h| failed(h).is_some())).await;
    let errors: Vec<_> = listed
        .iter()
        .map(|h| failed(h).unwrap()["last_error"].clone())
        .collect();
    assert_eq!(errors, [NO_ANSWER, NO_ANSWER, NO_ANSWER, "HTTP 500"]);
}

/// A listener that accepts connections and never answers; counts the
/// connections open at once, its own and those of all tarpits together.
struct Tarpit {
    url: String,
    most: Arc<AtomicUsize>,
}

async fn tarpit(all_open: Arc<AtomicUsize>, all_most: Arc<AtomicUsize>) -> Tarpit {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (open, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (mine_open, mine_most) = (open.clone(), most.clone());
    tokio::spawn(async move {
        while let Ok((mut connection, _)) = listener.accept().await {
            for (open, most) in [(&mine_open, &mine_most), (&all_open, &all_most)] {
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
            }
            let (mine_open, all_open) = (mine_open.clone(), all_open.clone());
            tokio::spawn(async move {
                // Read (and ignore) until the client gives up and closes.
                let mut sink = [0u8; 4096];
                while let Ok(n) = tokio::io::AsyncReadExt::read(&mut connection, &mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
                mine_open.fetch_sub(1, Ordering::SeqCst);
                all_open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Tarpit { url, most }
}

/// Two hundred webhooks at ten tarpits: the deliveries in flight never
/// exceed the bound (in all, and to one target: ten tarpits could take 40),
/// and meanwhile a sign-in
/// (argon2 and a session written through the accounts' pool) and an
/// authenticated read complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_to_a_tarpit_are_bounded_and_hold_up_no_one() {
    let fixture = fixture(&["127.0.0.1"]);
    // No attempt gives up during the test, so no connection closes and
    // the tarpits' counts are exactly the deliveries in flight.
    let retry = RetryPolicy {
        attempts: 1,
        backoff: Duration::from_millis(20),
        connect_timeout: Duration::from_secs(120),
        attempt_timeout: Duration::from_secs(120),
    };
    let (all_open, all_most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut tarpits = Vec::new();
    for _ in 0..10 {
        tarpits.push(tarpit(all_open.clone(), all_most.clone()).await);
    }
    // Twenty monitors (who hear of every event) with ten webhooks each,
    // stored directly: the cap is per user.
    let connection = accounts::open(&fixture.api().database).unwrap();
    let role = Role::parse("monitor", Some("MVM")).unwrap();
    for m in 0..20 {
        let user = accounts::add_user(
            &connection,
            &UserName::parse(&format!("watcher{m}")).unwrap(),
            &role,
            None,
        )
        .unwrap();
        for h in 0..WEBHOOKS_PER_USER_MAX {
            accounts::add_webhook(&connection, &user, &tarpits[(m + h) % tarpits.len()].url).unwrap();
        }
    }
    dispatch(&fixture, fixture.api().webhook_targets.clone(), retry);
    let (status, filed) = call(
        &fixture,
        fixture.token("monitor"),
        "POST",
        "/api/v1/reports",
        Some(report("tarpit-1")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");

    // The deliveries fill every slot, and are stuck there.
    let start = Instant::now();
    while all_open.load(Ordering::SeqCst) < DELIVERIES_IN_FLIGHT_MAX {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the deliveries did not reach the tarpits: {} open",
            all_open.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Meanwhile a user signs in, and reads with the session's cookie.
    let response = tokio::time::timeout(
        Duration::from_secs(20),
        router(fixture.state.clone()).oneshot(sign_in("press", PRESS_PASSWORD)),
    )
    .await
    .expect("the sign-in completes while the deliveries are stuck")
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = session_cookie(response.headers());
    let who = Request::get("/api/v1/webhooks")
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(20), router(fixture.state.clone()).oneshot(who))
        .await
        .expect("an authenticated read completes while the deliveries are stuck")
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(all_open.load(Ordering::SeqCst) > 0, "the deliveries were still stuck");

    // A moment more for any delivery beyond the bound to show itself.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        all_most.load(Ordering::SeqCst),
        DELIVERIES_IN_FLIGHT_MAX,
        "the deliveries in flight at once, at most"
    );
    for tarpit in &tarpits {
        assert!(
            tarpit.most.load(Ordering::SeqCst) <= DELIVERIES_PER_TARGET_MAX,
            "{} deliveries to one target at once",
            tarpit.most.load(Ordering::SeqCst)
        );
    }
}
