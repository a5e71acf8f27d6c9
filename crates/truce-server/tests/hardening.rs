//! What a red-team pass against the live demo broke, each driven through
//! the router as the attacker did it: a batch poisoned by one report, a
//! compressed export, a party's claims in the other's name and its window
//! onto hidden incidents, evidence that runs script, authorization answered
//! after validation, sign-in guessing in parallel, stale cookies and
//! sessions, odd input, and a full disk.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::fixture::*;
use http_body_util::BodyExt;
use std::io::Read as _;
use tower::ServiceExt as _;
use truce_server::router;
use truce_store::accounts::{self, UserName};

/// A report as `fixture::report`, with `change` applied to its JSON.
fn report_with(external_id: &str, change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut body = report(external_id, "media", "Dawn");
    change(&mut body);
    body
}

#[tokio::test]
async fn a_report_that_would_not_fit_the_log_is_refused_alone_naming_its_field() {
    let fixture = fixture();
    let token = fixture.token("monitor").unwrap().to_string();
    let poisoned = report_with("poison", |r| r["narrative"] = "\u{1}".repeat(19_999).into());
    let before = log_size(&fixture);
    // The poisoned report and good ones sent at once: the good ones are all filed.
    let mut calls = Vec::new();
    for i in 0..8 {
        let body = if i == 3 {
            poisoned.clone()
        } else {
            report_with(&format!("good-{i}"), |_| {})
        };
        let state = fixture.state.clone();
        let token = token.clone();
        calls.push(tokio::spawn(async move {
            let request = Request::post("/api/v1/reports")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let response = router(state).oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (i, status, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap())
        }));
    }
    for call in calls {
        let (i, status, answer) = call.await.unwrap();
        if i == 3 {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert_eq!(answer["field"], "narrative", "{answer}");
            assert!(answer["detail"].as_str().unwrap().contains("U+0001"), "{answer}");
        } else {
            assert_eq!(status, StatusCode::CREATED, "report {i}: {answer}");
        }
    }
    assert_eq!(log_size(&fixture), before + 7);

    // Text that escapes to more than a log entry holds, without control characters.
    let quotes = report_with("quotes", |r| {
        r["narrative"] = "\"".repeat(20_000).into();
        r["claims"] = (0..50)
            .map(|i| {
                serde_json::json!({"claimant": format!("{i}{}", "\\".repeat(290)), "stance": "assert",
                    "category": "civilians", "low": 1, "best": 1, "high": 1})
            })
            .collect();
    });
    let (status, answer) = call(&fixture, Some(&token), "POST", "/api/v1/reports", Some(quotes)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["field"], "narrative", "{answer}");
    assert!(answer["detail"].as_str().unwrap().contains("once encoded"), "{answer}");
    assert_eq!(log_size(&fixture), before + 7);
}

/// GETs `uri` asking for `encoding`; returns the status, the content encoding and the body as sent.
async fn get_encoded(fixture: &Fixture, uri: &str, encoding: &str) -> (StatusCode, String, Vec<u8>) {
    let mut request =
        Request::get(uri).header("authorization", format!("Bearer {}", fixture.token("monitor").unwrap()));
    if !encoding.is_empty() {
        request = request.header("accept-encoding", encoding);
    }
    let response = router(fixture.state.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_encoding = response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the whole body")
        .to_bytes()
        .to_vec();
    (status, content_encoding, body)
}

#[tokio::test]
async fn exports_download_whole_when_compressed() {
    let fixture = fixture();
    for i in 0..30 {
        // Far apart, so each opens an incident of its own.
        let body = report_with(&format!("spread-{i}"), |r| {
            r["location"]["latitude"] = (30.0 + f64::from(i) * 0.5).into()
        });
        file_report(&fixture, "monitor", body).await;
    }
    for format in ["ucdp_csv", "hxl_csv", "geojson"] {
        let uri = format!("/api/v1/export/{format}");
        let (status, _, plain) = get_encoded(&fixture, &uri, "").await;
        assert_eq!(status, StatusCode::OK, "{format}");
        assert!(plain.len() > 1000, "{format}: {} bytes", plain.len());

        let (status, encoding, gzipped) = get_encoded(&fixture, &uri, "gzip").await;
        assert_eq!((status, encoding.as_str()), (StatusCode::OK, "gzip"), "{format}");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_end(&mut unzipped)
            .unwrap_or_else(|e| panic!("{format}: the gzip stream is cut short: {e}"));
        assert_eq!(unzipped, plain, "{format} through gzip");

        let (status, encoding, brotli_bytes) = get_encoded(&fixture, &uri, "br").await;
        assert_eq!((status, encoding.as_str()), (StatusCode::OK, "br"), "{format}");
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(&brotli_bytes[..], 4096)
            .read_to_end(&mut unbrotlied)
            .unwrap_or_else(|e| panic!("{format}: the brotli stream is cut short: {e}"));
        assert_eq!(unbrotlied, plain, "{format} through brotli");
    }
}

#[tokio::test]
async fn csv_exports_never_hand_a_spreadsheet_a_formula() {
    let fixture = fixture();
    let body = report_with("formula", |r| {
        r["actor1"] = serde_json::json!({"name": "=HYPERLINK(\"http://evil.example\",\"x\")", "party": "PAK"});
        r["actor2"] = serde_json::json!({"name": "@SUM(A1:A9)"});
    });
    file_report(&fixture, "monitor", body).await;
    for format in ["ucdp_csv", "hxl_csv"] {
        let (status, _, bytes) = get_encoded(&fixture, &format!("/api/v1/export/{format}"), "").await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(bytes).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut cells = 0;
        for record in reader.records() {
            for cell in &record.unwrap() {
                cells += 1;
                let numeric = cell.parse::<f64>().is_ok();
                assert!(
                    numeric || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{format}: a cell a spreadsheet would run: {cell:?}"
                );
            }
        }
        assert!(cells >= 36, "{format}: {text}");
        assert!(text.contains("'=HYPERLINK"), "{format}: {text}");
        assert!(text.contains("'@SUM(A1:A9)"), "{format}: {text}");
    }
}

#[tokio::test]
async fn a_party_files_its_own_claims_and_the_monitors_grade_its_reports() {
    let fixture = fixture();
    let kabul = fixture.token("kabul").unwrap();
    let as_afg = |external_id: &str, claimant_party: Option<&str>| {
        let mut body = report(external_id, "party", "AFG");
        body["source"]["grading"] = "A1".into();
        body["claims"][0]["claimant"] = "AFG".into();
        body["claims"][0]["claimant_party"] = claimant_party.map_or(serde_json::Value::Null, Into::into);
        body
    };
    let before = log_size(&fixture);
    let (status, answer) = call(
        &fixture,
        Some(kabul),
        "POST",
        "/api/v1/reports",
        Some(as_afg("a-1", Some("PAK"))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["field"], "claims[0].claimant_party", "{answer}");
    assert_eq!(log_size(&fixture), before);

    let mut named_pak = as_afg("a-2", None);
    named_pak["claims"][0]["claimant"] = "PAK".into();
    let answer = file_report(&fixture, "kabul", named_pak).await;
    assert!(
        answer["warnings"].to_string().contains("claims[0].claimant"),
        "{answer}"
    );
    let warnings = answer["warnings"].to_string();
    assert!(
        warnings.contains("source.grading") && warnings.contains("F6"),
        "{answer}"
    );
    // The entry the log holds: the claim is AFG's, the grading the monitors' default.
    let entry = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        answer["receipt"]["entry"].as_str().unwrap(),
    )
    .unwrap();
    // The public entry commits to the claims; the receipt's openings, checked
    // against that commitment, give the submitter what it filed.
    let public: serde_json::Value = serde_json::from_slice(&entry).unwrap();
    assert!(public["report"].get("claims").is_none(), "{public}");
    let openings: Vec<truce_domain::disclosure::Opening> =
        serde_json::from_value(answer["receipt"]["openings"].clone()).unwrap();
    let index = answer["receipt"]["log_index"].as_u64().unwrap();
    truce_domain::disclosure::check_openings(index, &entry, &openings, &Default::default()).unwrap();
    let entry = serde_json::Value::Object(truce_domain::disclosure::view(&entry, &openings).unwrap());
    let report = &entry["report"];
    assert_eq!(report["claims"][0]["claimant_party"], "AFG", "{entry}");
    assert_eq!(report["claims"][0]["claimant"], "AFG", "{entry}");
    assert_eq!(report["source"]["grading"], "F6", "{entry}");
}

/// The status of `GET /api/v1/incidents/{id}` as `user`.
async fn incident_as(fixture: &Fixture, user: &str, id: u64) -> StatusCode {
    call(
        fixture,
        fixture.token(user),
        "GET",
        &format!("/api/v1/incidents/{id}"),
        None,
    )
    .await
    .0
}

#[tokio::test]
async fn filing_a_matching_report_does_not_unveil_a_hidden_incident() {
    let fixture = fixture();
    let opened = file_report(&fixture, "monitor", report("m-1", "media", "Dawn")).await;
    let hidden = opened["placement"]["opened_incident"]
        .as_u64()
        .expect("the monitor's report opens an incident");
    let kabul = fixture.token("kabul").unwrap();
    assert_eq!(incident_as(&fixture, "kabul", hidden).await, StatusCode::NOT_FOUND);

    // The same time and place, filed by AFG: it joins the hidden incident…
    let answer = file_report(&fixture, "kabul", report("a-1", "party", "AFG")).await;
    assert_eq!(
        answer["placement"],
        serde_json::Value::Null,
        "the receipt names no hidden incident: {answer}"
    );
    let (status, monitor_view) = call(
        &fixture,
        fixture.token("monitor"),
        "GET",
        &format!("/api/v1/incidents/{hidden}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(monitor_view["sources"].as_array().unwrap().len(), 2, "{monitor_view}");
    // …and AFG sees of it what it saw before: nothing.
    assert_eq!(incident_as(&fixture, "kabul", hidden).await, StatusCode::NOT_FOUND);
    let (_, list) = call(&fixture, Some(kabul), "GET", "/api/v1/incidents", None).await;
    assert!(!list.to_string().contains("Dawn"), "{list}");

    // A report of its own that opens an incident, AFG does see, with its receipt naming it.
    let far = {
        let mut body = report("a-2", "party", "AFG");
        body["location"]["latitude"] = 35.5.into();
        body
    };
    let answer = file_report(&fixture, "kabul", far).await;
    let own = answer["placement"]["opened_incident"]
        .as_u64()
        .expect("named to its filer");
    assert_eq!(incident_as(&fixture, "kabul", own).await, StatusCode::OK);
}

async fn upload(fixture: &Fixture, user: &str, content_type: &str, bytes: &[u8]) -> (StatusCode, serde_json::Value) {
    let request = Request::post("/api/v1/evidence")
        .header("authorization", format!("Bearer {}", fixture.token(user).unwrap()))
        .header("content-type", content_type)
        .body(Body::from(bytes.to_vec()))
        .unwrap();
    let (status, _, answer) = send(fixture, request).await;
    (status, answer)
}

#[tokio::test]
async fn evidence_that_could_run_script_never_runs_on_this_origin() {
    let fixture = fixture();
    let page = b"<html><script>fetch('/api/v1/incidents')</script></html>";
    for media_type in ["text/html", "image/svg+xml", "application/xhtml+xml", "text/javascript"] {
        let (status, answer) = upload(&fixture, "kabul", media_type, page).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{media_type}: {answer}");
    }
    let (status, answer) = upload(&fixture, "monitor", "text/html; charset=utf-8", page).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let sha256 = answer["sha256"].as_str().unwrap();
    let request = Request::get(format!("/api/v1/evidence/{sha256}"))
        .header("authorization", format!("Bearer {}", fixture.token("monitor").unwrap()))
        .body(Body::empty())
        .unwrap();
    let response = router(fixture.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-security-policy"), "default-src 'none'; sandbox");
    assert_eq!(header("content-type"), "application/octet-stream");
    assert!(header("content-disposition").starts_with("attachment"));
    assert_eq!(header("x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn who_may_not_act_hears_so_before_anything_about_the_body() {
    let fixture = fixture();
    let press = fixture.token("press").unwrap();
    let admin = fixture.token("admin").unwrap();
    let bad_bodies: [(&str, &str); 4] = [
        ("application/json", "{\"not\": \"a report\"}"),
        ("application/json", "{malformed"),
        ("text/plain", "hello"),
        ("application/json", &"x".repeat(300 * 1024)),
    ];
    let endpoints = [
        "/api/v1/reports",
        "/api/v1/incidents/1/review",
        "/api/v1/incidents/1/tasks",
        "/api/v1/incidents/not-a-number/findings",
        "/api/v1/incidents/1/replies",
        "/api/v1/incidents/1/determinations",
        "/api/v1/penalties/1/approvals",
        "/api/v1/bulletins",
        "/api/v1/evidence?bogus=1",
    ];
    // Anyone signed in may register a webhook; anonymous callers hear 401 first.
    for (content_type, body) in bad_bodies {
        let request = Request::post("/api/v1/webhooks").header("content-type", content_type);
        let (status, _, answer) = send(&fixture, request.body(Body::from(body.to_string())).unwrap()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "webhooks with {content_type}: {answer}"
        );
    }
    for uri in endpoints {
        for (content_type, body) in bad_bodies {
            for (token, expected) in [(None, StatusCode::UNAUTHORIZED), (Some(press), StatusCode::FORBIDDEN)] {
                let mut request = Request::post(uri).header("content-type", content_type);
                if let Some(token) = token {
                    request = request.header("authorization", format!("Bearer {token}"));
                }
                let (status, _, answer) = send(&fixture, request.body(Body::from(body.to_string())).unwrap()).await;
                assert_eq!(status, expected, "{uri} as {token:?} with {content_type}: {answer}");
                assert!(answer.get("field").is_none(), "{uri}: {answer}");
            }
        }
    }
    // The admin files no reports and replies for no party.
    for uri in ["/api/v1/reports", "/api/v1/incidents/1/replies"] {
        let request = Request::post(uri)
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "text/plain")
            .body(Body::from("x"))
            .unwrap();
        let (status, _, answer) = send(&fixture, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_sent_at_once_are_limited_like_guesses_sent_in_turn() {
    let fixture = fixture();
    let connection = accounts::open(&fixture.state.api.as_ref().unwrap().database).unwrap();
    accounts::set_password(&connection, &UserName::parse("qatar").unwrap(), "correct horse battery").unwrap();
    let guesses: Vec<_> = (0..40)
        .map(|i| {
            let state = fixture.state.clone();
            tokio::spawn(async move {
                let response = router(state)
                    .oneshot(sign_in("qatar", &format!("wrong guess {i:04}")))
                    .await
                    .unwrap();
                response.status()
            })
        })
        .collect();
    let mut checked = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("a guess answered {other}"),
        }
    }
    assert_eq!(checked, 5, "guesses whose password was checked");
    // Even the right password waits out the window now.
    let (status, _, _) = send(&fixture, sign_in("qatar", "correct horse battery")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn guesses_from_one_address_are_limited_across_names() {
    let fixture = fixture();
    let from = |name: &str, address: [u8; 4]| {
        let mut request = sign_in(name, "wrong password guess");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                address, 40_000,
            ))));
        request
    };
    let mut refused_at = None;
    for i in 0..30 {
        let (status, _, _) = send(&fixture, from(&format!("name-{i}"), [203, 0, 113, 9])).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(i);
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(refused_at, Some(20), "the address is refused after twenty failures");
    // Another address is not.
    let (status, _, _) = send(&fixture, from("name-0", [198, 51, 100, 7])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_password_change_ends_sessions_and_a_stale_cookie_reads_as_anyone() {
    let fixture = fixture();
    let connection = accounts::open(&fixture.state.api.as_ref().unwrap().database).unwrap();
    let qatar = UserName::parse("qatar").unwrap();
    accounts::set_password(&connection, &qatar, "correct horse battery").unwrap();
    let mut over_https = sign_in("qatar", "correct horse battery");
    over_https
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let (status, headers, answer) = send(&fixture, over_https).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let set_cookie = headers["set-cookie"].to_str().unwrap();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    let (_, plain_headers, _) = send(&fixture, sign_in("qatar", "correct horse battery")).await;
    assert!(!plain_headers["set-cookie"].to_str().unwrap().contains("Secure"));

    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let csrf = answer["csrf_token"].as_str().unwrap().to_string();
    let with_cookie = |method: &str, uri: &str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .body(Body::empty())
            .unwrap()
    };
    let (status, _, who) = send(&fixture, with_cookie("GET", "/api/v1/session")).await;
    assert_eq!((status, who["name"].as_str()), (StatusCode::OK, Some("qatar")));

    accounts::set_password(&connection, &qatar, "another long passphrase").unwrap();
    let (status, _, who) = send(&fixture, with_cookie("GET", "/api/v1/session")).await;
    assert_eq!(status, StatusCode::OK, "a stale cookie on a read is anonymous: {who}");
    assert_eq!(who["role"], "observer");
    for uri in ["/api/v1/incidents", "/api/v1/status", "/"] {
        let (status, _, _) = send(&fixture, with_cookie("GET", uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
    let (status, _, answer) = send(&fixture, with_cookie("POST", "/api/v1/incidents/1/approvals")).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the session ended with the old password: {answer}"
    );
}

#[tokio::test]
async fn odd_input_is_said_or_refused_by_field() {
    let fixture = fixture();
    let monitor = fixture.token("monitor").unwrap();
    let before = log_size(&fixture);
    for (body, field) in [
        (
            report_with("y1", |r| r["time"]["start"] = "0001-01-01T00:00:00Z".into()),
            "time.start",
        ),
        (
            report_with("y9", |r| r["time"]["end"] = "9999-12-31T00:00:00Z".into()),
            "time.end",
        ),
        (
            report_with("nul", |r| r["narrative"] = "before\u{0}after".into()),
            "narrative",
        ),
        (
            report_with("nul-name", |r| r["source"]["name"] = "Da\u{0}wn".into()),
            "source.name",
        ),
    ] {
        let (status, answer) = call(&fixture, Some(monitor), "POST", "/api/v1/reports", Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["field"], field, "{answer}");
    }
    let request = Request::post("/api/v1/reports")
        .header("authorization", format!("Bearer {monitor}"))
        .header("content-type", "application/jsonx")
        .body(Body::from(report("jx", "media", "Dawn").to_string()))
        .unwrap();
    let (status, _, answer) = send(&fixture, request).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    assert_eq!(log_size(&fixture), before);

    // Odd but allowed, as UCDP data has it: filed, and said.
    let odd = report_with("odd", |r| {
        r["claims"][0]["low"] = 10.into();
        r["claims"][0]["best"] = 5.into();
        r["claims"][0]["high"] = 1.into();
    });
    let answer = file_report(&fixture, "monitor", odd).await;
    assert!(
        answer["warnings"][0]
            .as_str()
            .unwrap()
            .contains("low 10 ≤ best 5 ≤ high 1 does not hold"),
        "{answer}"
    );
}

#[tokio::test]
async fn names_that_carry_bidi_controls_are_isolated_on_the_page() {
    let fixture = fixture();
    let name = "Dawn \u{202E}evil";
    let answer = file_report(&fixture, "monitor", report("bidi", "media", name)).await;
    let incident = answer["placement"]["opened_incident"].as_u64().unwrap();
    let request = Request::get(format!("/incidents/{incident}"))
        .header("authorization", format!("Bearer {}", fixture.token("monitor").unwrap()))
        .body(Body::empty())
        .unwrap();
    let (status, _, page) = common::send(&fixture.state, request).await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains(&format!("<li><bdi>{name}</bdi>")),
        "the source is isolated"
    );
    assert!(
        page.contains(&format!("<td><bdi>{name}</bdi></td>")),
        "the claimant is isolated"
    );
}

#[tokio::test]
async fn a_full_disk_is_507_and_not_ready_until_space_returns() {
    let fixture = fixture();
    let api = fixture.state.api.clone().unwrap();
    let ready = || async {
        let (status, _, _) = common::get(&fixture.state, "/readyz").await;
        status
    };
    assert_eq!(ready().await, StatusCode::OK);
    // The database may not grow: as a full disk is to SQLite.
    api.engine
        .read(|engine| engine.writer().cap_size(Some(0)))
        .await
        .unwrap()
        .unwrap();
    let mut acknowledged = Vec::new();
    let mut full = None;
    for i in 0..200 {
        let (status, answer) = call(
            &fixture,
            fixture.token("monitor"),
            "POST",
            "/api/v1/reports",
            Some(report_with(&format!("fill-{i}"), |r| {
                r["narrative"] = "x".repeat(15_000).into()
            })),
        )
        .await;
        match status {
            StatusCode::CREATED => acknowledged.push(answer["receipt"]["log_index"].as_u64().unwrap()),
            StatusCode::INSUFFICIENT_STORAGE => {
                full = Some(answer);
                break;
            }
            other => panic!("report {i}: {other} {answer}"),
        }
    }
    let full = full.expect("the capped database fills up");
    assert_eq!(full["status"], 507, "{full}");
    assert_eq!(full["title"], "Insufficient storage", "{full}");
    assert_eq!(ready().await, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready().await,
        StatusCode::SERVICE_UNAVAILABLE,
        "still full, still not ready"
    );

    api.engine
        .read(|engine| engine.writer().cap_size(None))
        .await
        .unwrap()
        .unwrap();
    // Readiness probes at most once a second: it comes back by itself within a few.
    let mut again = ready().await;
    for _ in 0..50 {
        if again == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        again = ready().await;
    }
    assert_eq!(again, StatusCode::OK, "ready again by itself once there is room");
    let answer = file_report(&fixture, "monitor", report("after", "media", "Dawn")).await;
    assert_eq!(answer["recorded"], true);
    for index in acknowledged {
        let (status, _, _) = common::get(&fixture.state, &format!("/api/v1/log/entries/{index}")).await;
        assert_eq!(status, StatusCode::OK, "acknowledged entry {index} is in the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_trickles_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let fixture = fixture();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(fixture.state.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(truce_server::serve_until(
        listener,
        app,
        std::time::Duration::from_secs(1),
        async {
            let _ = stopped.await;
        },
    ));
    // A whole request is answered.
    let mut prompt = tokio::net::TcpStream::connect(address).await.unwrap();
    prompt
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    prompt.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // A client that connects and sends nothing is let go as well.
    let mut silent = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut byte = [0u8; 1];
    let closed = tokio::time::timeout(std::time::Duration::from_secs(30), silent.read(&mut byte)).await;
    assert!(
        matches!(closed, Ok(Ok(0) | Err(_))),
        "a silent connection stays open: {closed:?}"
    );

    // One header line every 200 ms, for up to a minute: the server hangs up long before.
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let mut lines_sent = 0;
    let mut buffer = [0u8; 512];
    let cut_off = loop {
        if lines_sent == 300 {
            break false;
        }
        if slow
            .write_all(format!("x-slow-{lines_sent}: 1\r\n").as_bytes())
            .await
            .is_err()
        {
            break true;
        }
        lines_sent += 1;
        match tokio::time::timeout(std::time::Duration::from_millis(200), slow.read(&mut buffer)).await {
            Err(_) => continue,
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(_)) => continue, // an answer such as 408; the close follows
        }
    };
    assert!(cut_off, "the connection stayed open through {lines_sent} header lines");
    // The server lets go of the engine's handle before the fixture waits for it.
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
