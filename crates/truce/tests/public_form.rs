//! What the public log and everything derived from it show each reader of
//! a live `truce demo`: canary strings are filed in every confidential
//! group a reader's role withholds (narratives, places, actors, claims,
//! source names and owners, external ids, a task's description, a reply),
//! then an anonymous reader and each party walk every raw entry, entry
//! bundle, SSE event, webhook delivery, export and page, and find none of
//! the canaries withheld from them, and no account but their own.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use truce_log::tile::{TileId, TileKind};

#[allow(dead_code)] // Not every test uses every helper.
mod common;

use common::{Killed, TRUCE, wait_for_credentials};

/// Withheld from every reader but the roles that read everything.
const FROM_ALL: &[&str] = &[
    "CANARY-TEAM-NAME",
    "CANARY-MEDIA-NAME",
    "CANARY-MEDIA-OWNER",
    "CANARY-EXT-MONITOR",
    "CANARY-EXT-MEDIA",
    "CANARY-TASK-DESCRIPTION",
];
/// Withheld from the public until the incidents are final (none of these are).
const FROM_THE_PUBLIC: &[&str] = &[
    "CANARY-NARRATIVE",
    "CANARY-PLACE",
    "CANARY-ACTOR",
    "CANARY-CLAIMANT",
    "CANARY-REPLY",
    "CANARY-EXT-PAK",
    "31.654321",
];

/// One reader: what it sends to be recognised, and what it must not see.
struct Reader {
    label: &'static str,
    token: Option<String>,
    cookie: Option<String>,
    withheld: Vec<String>,
}

#[test]
fn no_reader_sees_in_clear_what_its_role_withholds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("truce-demo");
    let demo = Killed(
        Command::new(TRUCE)
            .args(["demo", "--data", data.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .args(["--webhook-allow-host", "localhost"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let credentials = wait_for_credentials(&data.join("demo-credentials.json"));
    let base = credentials["base_url"].as_str().unwrap().to_string();
    let user = |role: &str, affiliation: &str| -> serde_json::Value {
        credentials["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["role"] == role && (affiliation.is_empty() || u["for"] == affiliation))
            .unwrap()
            .clone()
    };
    let (afg, pak, monitor) = (user("party", "AFG"), user("party", "PAK"), user("monitor", "MVM"));
    let token = |u: &serde_json::Value| u["token"].as_str().unwrap().to_string();
    let accounts: Vec<String> = credentials["users"]
        .as_array()
        .unwrap()
        .iter()
        // "admin" and "observer" are the roles' own names, which the log may say.
        .filter(|u| u["name"] != u["role"])
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect();
    let http = Http::new(&base);

    // Listeners first: each party's webhook and SSE stream, and an anonymous stream.
    let (hook_url, deliveries) = receiver();
    for (party, path) in [(&afg, "afg"), (&pak, "pak")] {
        let (status, answer) = http.post(
            "/api/v1/webhooks",
            Some(&token(party)),
            serde_json::json!({"url": format!("{hook_url}/{path}")}),
        );
        assert_eq!(status, 201, "{answer}");
    }
    let streams: Vec<(&str, Arc<Mutex<String>>)> = [
        ("anonymous", None),
        ("AFG", Some(token(&afg))),
        ("PAK", Some(token(&pak))),
    ]
    .into_iter()
    .map(|(label, token)| (label, http.stream("/api/v1/events", token)))
    .collect();

    // The canaries.
    let monitor_report = http.file(&token(&monitor), serde_json::json!({
        "external_id": "CANARY-EXT-MONITOR",
        "source": {"type": "monitor", "name": "CANARY-TEAM-NAME", "grading": "A1"},
        "time": {"start": "2025-11-20T10:00:00+04:30", "precision": "hour"},
        "location": {"latitude": 31.654321, "longitude": 65.712345, "precision": "exact", "name": "CANARY-PLACE-KANDAHAR"},
        "actor1": {"name": "CANARY-ACTOR-ONE", "party": "PAK"},
        "act": "ACT-SHELLING",
        "narrative": "CANARY-NARRATIVE-MONITOR: shells landed near the road.",
        "claims": [{"claimant": "CANARY-CLAIMANT-ONE", "stance": "assert", "category": "civilians", "low": 1, "best": 2, "high": 3}],
    }));
    http.file(&token(&monitor), serde_json::json!({
        "external_id": "CANARY-EXT-MEDIA",
        "source": {"type": "media", "name": "CANARY-MEDIA-NAME", "owner": "CANARY-MEDIA-OWNER", "grading": "B2"},
        "time": {"start": "2025-11-20T11:00:00+04:30", "precision": "hour"},
        "location": {"latitude": 31.6543, "longitude": 65.7123, "precision": "exact", "name": "CANARY-PLACE-MEDIA"},
        "actor1": {"name": "CANARY-ACTOR-TWO", "party": "PAK"},
        "act": "ACT-SHELLING",
        "narrative": "CANARY-NARRATIVE-MEDIA: residents describe shelling.",
        "claims": [{"claimant": "CANARY-CLAIMANT-TWO", "stance": "assert", "category": "civilians", "low": 2, "best": 2, "high": 2}],
    }));
    let pak_report = http.file(
        &token(&pak),
        serde_json::json!({
            "external_id": "CANARY-EXT-PAK",
            "source": {"type": "party", "name": "PAK", "grading": "F6"},
            "time": {"start": "2025-11-21T02:00:00+05:00", "precision": "hour"},
            "location": {"latitude": 33.95, "longitude": 70.95, "precision": "exact", "name": "CANARY-PLACE-KURRAM"},
            "actor1": {"name": "CANARY-ACTOR-THREE", "party": "AFG"},
            "act": "ACT-SHELLING",
            "narrative": "CANARY-NARRATIVE-PAK: fire from across the border.",
            "claims": [{"claimant": "PAK", "stance": "assert", "category": "side_a", "low": 1, "best": 1, "high": 1}],
        }),
    );
    // The submitter's receipt proves what it filed: its openings match the
    // entry's commitment, and a changed one is caught.
    let receipt = dir.path().join("receipt.json");
    std::fs::write(&receipt, monitor_report.to_string()).unwrap();
    let vkey = credentials["log_vkey"].as_str().unwrap();
    let verify = |path: &std::path::Path| {
        Command::new(TRUCE)
            .args([
                "receipt",
                "verify",
                path.to_str().unwrap(),
                "--vkey",
                vkey,
                "--url",
                &base,
            ])
            .output()
            .unwrap()
    };
    let out = verify(&receipt);
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "the receipt's openings of account, narrative, place, actors, claims, team match the entry's commitment"
        ),
        "{text}"
    );
    let mut forged = monitor_report.clone();
    for opening in forged["receipt"]["openings"].as_array_mut().unwrap() {
        if opening["group"] == "claims" {
            let changed = opening["text"].as_str().unwrap().replace("\"best\":2", "\"best\":20");
            opening["text"] = changed.into();
        }
    }
    let forged_path = dir.path().join("forged-receipt.json");
    std::fs::write(&forged_path, forged.to_string()).unwrap();
    let out = verify(&forged_path);
    let index = monitor_report["receipt"]["log_index"].as_u64().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "the openings of account, narrative, place, actors, claims, team do not match entry {index}'s commitment"
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The monitors review both incidents, task a team, ask each accused party to reply.
    let incident_of = |answer: &serde_json::Value| {
        let placement = &answer["placement"];
        placement["opened_incident"]
            .as_u64()
            .or(placement["joined_incident"].as_u64())
            .unwrap()
    };
    let (against_pak, against_afg) = (incident_of(&monitor_report), incident_of(&pak_report));
    for (incident, party) in [(against_pak, "PAK"), (against_afg, "AFG")] {
        http.act(
            &token(&monitor),
            &format!("/api/v1/incidents/{incident}/review"),
            serde_json::json!(null),
        );
        http.act(
            &token(&monitor),
            &format!("/api/v1/incidents/{incident}/reply-requests"),
            serde_json::json!({"party": party}),
        );
    }
    http.act(&token(&monitor), &format!("/api/v1/incidents/{against_pak}/tasks"), serde_json::json!({
        "team": "MVM", "due": "2026-12-31T00:00:00Z", "description": "CANARY-TASK-DESCRIPTION: visit the road at dawn",
    }));
    http.act(
        &token(&pak),
        &format!("/api/v1/incidents/{against_pak}/replies"),
        serde_json::json!({
            "text": "CANARY-REPLY from Pakistan",
        }),
    );

    // Each party's stream and webhook have heard of their reply request.
    wait_until("each party's webhook delivery of its reply request", || {
        let deliveries = deliveries.lock().unwrap();
        ["/afg", "/pak"].iter().all(|path| {
            deliveries
                .iter()
                .any(|(p, body)| p == path && body.contains("reply_requested"))
        })
    });
    wait_until("each party's SSE event of its reply request", || {
        streams[1..]
            .iter()
            .all(|(_, text)| text.lock().unwrap().contains("reply_requested"))
    });

    let own = |u: &serde_json::Value| u["name"].as_str().unwrap().to_string();
    let party_withheld = |me: &serde_json::Value, other_reports: &[&str]| -> Vec<String> {
        let mut withheld: Vec<String> = FROM_ALL.iter().map(|s| s.to_string()).collect();
        withheld.extend(other_reports.iter().map(|s| s.to_string()));
        withheld.extend(accounts.iter().filter(|a| **a != own(me)).cloned());
        withheld
    };
    let mut public_withheld: Vec<String> = FROM_ALL.iter().chain(FROM_THE_PUBLIC).map(|s| s.to_string()).collect();
    public_withheld.extend(accounts.iter().cloned());
    let readers = [
        Reader {
            label: "anonymous",
            token: None,
            cookie: None,
            withheld: public_withheld,
        },
        Reader {
            label: "AFG",
            token: Some(token(&afg)),
            cookie: Some(http.sign_in(&afg)),
            // Pakistan's own report's external id is its source's, withheld from Afghanistan.
            withheld: party_withheld(&afg, &["CANARY-EXT-PAK"]),
        },
        Reader {
            label: "PAK",
            token: Some(token(&pak)),
            cookie: Some(http.sign_in(&pak)),
            withheld: party_withheld(&pak, &[]),
        },
    ];

    let size = http.log_size();
    let incidents = against_pak.max(against_afg);
    for reader in &readers {
        let mut walked = 0;
        let mut look = |what: &str, body: &str| {
            walked += 1;
            for secret in &reader.withheld {
                assert!(
                    !body.contains(secret.as_str()),
                    "{} reads {secret:?} in {what}: {body}",
                    reader.label
                );
            }
        };
        // The log itself is the same bytes for every reader: walked in full by
        // the anonymous one (entries decoded), by the others through the
        // openings their role gets.
        if reader.token.is_none() {
            for index in 0..size {
                let path = format!("/api/v1/log/entries/{index}");
                let (status, body) = http.get(&path, reader);
                assert_eq!(status, 200, "{path}: {body}");
                let entry: serde_json::Value = serde_json::from_str(&body).unwrap();
                let data = base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    entry["data"].as_str().unwrap(),
                )
                .unwrap();
                look(&path, &String::from_utf8_lossy(&data));
                let path = format!("/api/v1/log/entries/{index}/openings");
                look(&path, &http.get(&path, reader).1);
            }
            for tile in TileId::tiles_for_size(TileKind::Entries, size) {
                let path = format!("/log/{}", tile.path());
                let (status, body) = http.get(&path, reader);
                assert_eq!(status, 200, "{path}");
                look(&path, &body);
            }
        }
        for start in (0..size).step_by(256) {
            let path = format!("/api/v1/log/openings?start={start}&end={}", start + 256);
            let (status, body) = http.get(&path, reader);
            assert_eq!(status, 200, "{path}: {body}");
            look(&path, &body);
        }
        for format in ["ucdp_csv", "hxl_csv", "geojson"] {
            let path = format!("/api/v1/export/{format}");
            look(&path, &http.get(&path, reader).1);
        }
        for path in [
            "/",
            "/incidents",
            "/bulletins",
            "/log",
            "/dashboard",
            "/inbox",
            "/penalties",
            "/queue",
            "/report",
            "/web/map.json",
            "/api/v1/incidents",
            "/api/v1/penalties",
            "/api/v1/scorecards",
            "/api/v1/status",
            "/api/v1/bulletins",
        ] {
            look(path, &http.get(path, reader).1);
        }
        for id in 1..=incidents {
            for path in [format!("/incidents/{id}"), format!("/api/v1/incidents/{id}")] {
                look(&path, &http.get(&path, reader).1);
            }
        }
        assert!(walked > incidents as usize, "{} walked {walked} answers", reader.label);
    }
    // The canaries are really there for whom they are not withheld: the
    // monitor's report, as Pakistan (accused) opens it, has its narrative
    // and claims but not its source.
    let index = monitor_report["receipt"]["log_index"].as_u64().unwrap();
    let (_, opened) = http.get(&format!("/api/v1/log/entries/{index}/openings"), &readers[2]);
    let opened: serde_json::Value = serde_json::from_str(&opened).unwrap();
    let served: Vec<&str> = opened["openings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["group"].as_str().unwrap())
        .collect();
    assert_eq!(served, ["narrative", "place", "actors", "claims"], "{opened}");
    // What is withheld comes as its digest alone, with which the reader checks the rest.
    let withheld = opened["withheld"].as_object().unwrap();
    assert_eq!(withheld.keys().collect::<Vec<_>>(), ["account", "team"], "{opened}");
    assert!(
        withheld.values().all(|d| d.as_str().is_some_and(|d| d.len() == 64)),
        "{opened}"
    );
    assert!(opened.to_string().contains("CANARY-NARRATIVE-MONITOR"), "{opened}");
    drop(demo);
    for (label, text) in &streams {
        let text = text.lock().unwrap();
        let reader = readers.iter().find(|r| r.label == *label).unwrap();
        for secret in &reader.withheld {
            assert!(
                !text.contains(secret.as_str()),
                "{label}'s SSE stream says {secret:?}: {text}"
            );
        }
    }
    for (path, body) in deliveries.lock().unwrap().iter() {
        let reader = if path == "/afg" { &readers[1] } else { &readers[2] };
        for secret in &reader.withheld {
            assert!(
                !body.contains(secret.as_str()),
                "a webhook delivery to {path} says {secret:?}: {body}"
            );
        }
    }
}

/// Waits, 60 s at most, for `done`.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "waited 60 s for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What a receiver was sent: each request's path and body.
type Deliveries = Arc<Mutex<Vec<(String, String)>>>;

/// A webhook receiver on localhost: every request's path and body, answered 204.
fn receiver() -> (String, Deliveries) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            sink.lock()
                .unwrap()
                .push((path, String::from_utf8_lossy(&body).to_string()));
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        }
    });
    (url, received)
}

/// How long a 429 answer says to wait (at least 10 ms).
fn retry_after<B>(response: &ureq::http::Response<B>) -> Duration {
    let seconds = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_secs(seconds).max(Duration::from_millis(10))
}

/// The demo's HTTP API, as its users call it.
struct Http {
    base: String,
    agent: ureq::Agent,
}

impl Http {
    fn new(base: &str) -> Http {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        Http {
            base: base.to_string(),
            agent,
        }
    }

    fn get(&self, path: &str, reader: &Reader) -> (u16, String) {
        let call = || {
            let mut request = self.agent.get(&format!("{}{path}", self.base));
            if let Some(token) = &reader.token
                && path.starts_with("/api/")
            {
                request = request.header("Authorization", &format!("Bearer {token}"));
            }
            if let Some(cookie) = &reader.cookie {
                request = request.header("Cookie", cookie);
            }
            request.call().unwrap()
        };
        let mut response = call();
        // A reader asked to slow down waits as told, and asks again.
        while response.status().as_u16() == 429 {
            std::thread::sleep(retry_after(&response));
            response = call();
        }
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_vec()
            .unwrap();
        (status, String::from_utf8_lossy(&body).to_string())
    }

    /// POSTs `body` (nothing for `null`) as `token`'s holder.
    fn post(&self, path: &str, token: Option<&str>, body: serde_json::Value) -> (u16, serde_json::Value) {
        let mut request = self.agent.post(&format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = if body.is_null() {
            request.send_empty().unwrap()
        } else {
            request
                .header("Content-Type", "application/json")
                .send(body.to_string())
                .unwrap()
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// Files `report` as `token`'s holder; the answer.
    fn file(&self, token: &str, report: serde_json::Value) -> serde_json::Value {
        let (status, answer) = self.post("/api/v1/reports", Some(token), report);
        assert_eq!(status, 201, "{answer}");
        answer
    }

    /// A verification step that must be recorded.
    fn act(&self, token: &str, path: &str, body: serde_json::Value) {
        let (status, answer) = self.post(path, Some(token), body);
        assert_eq!(status, 201, "{path}: {answer}");
    }

    /// The session cookie of `user`'s sign-in.
    fn sign_in(&self, user: &serde_json::Value) -> String {
        let response = self
            .agent
            .post(&format!("{}/api/v1/session", self.base))
            .header("Content-Type", "application/json")
            .send(serde_json::json!({"name": user["name"], "password": user["password"]}).to_string())
            .unwrap();
        assert_eq!(response.status().as_u16(), 201, "signing in as {}", user["name"]);
        let set_cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_string()
    }

    fn log_size(&self) -> u64 {
        let anonymous = Reader {
            label: "anonymous",
            token: None,
            cookie: None,
            withheld: Vec::new(),
        };
        let (_, checkpoint) = self.get("/log/checkpoint", &anonymous);
        checkpoint.lines().nth(1).unwrap().parse().unwrap()
    }

    /// Everything the SSE stream at `path` says until the server goes away.
    fn stream(&self, path: &str, token: Option<String>) -> Arc<Mutex<String>> {
        let mut request = self.agent.get(&format!("{}{path}", self.base));
        if let Some(token) = &token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let response = request.call().unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let text = Arc::new(Mutex::new(String::new()));
        let sink = text.clone();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(response.into_body().into_reader());
            let mut line = String::new();
            while lines.read_line(&mut line).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        text
    }
}
