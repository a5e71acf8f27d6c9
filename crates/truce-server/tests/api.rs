//! The JSON API driven through the router, as each role uses it: the whole
//! authorization matrix (every role and party against every endpoint), an
//! allegation through to a final determination with receipts that verify,
//! what a party may see of the allegations against it, and bad input
//! answered with the right 4xx problem while nothing is stored.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::fixture::*;
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt as _;
use truce_domain::access::{Action, permits};
use truce_domain::role::Role;
use truce_log::{Hash, SignedCheckpoint, leaf_hash, verify_inclusion};
use truce_server::router;
use truce_store::accounts::{self, UserName};

/// Every role (and anonymous) against every endpoint that acts: allowed
/// exactly when the role table says so. Allowed calls may still be refused
/// by the record's rules (404, 409, 422), but never with 401 or 403.
#[tokio::test]
async fn the_authorization_matrix() {
    let fixture = fixture();
    // An incident to act on.
    file_report(&fixture, "monitor", report("m-1", "media", "Dawn")).await;
    let endpoints: Vec<(Action, &str, &str, Option<serde_json::Value>)> = vec![
        (Action::StartReview, "POST", "/api/v1/incidents/1/review", None),
        (
            Action::AssignTask,
            "POST",
            "/api/v1/incidents/1/tasks",
            Some(serde_json::json!({"team": "MVM", "due": "2025-10-27T00:00:00Z", "description": "visit"})),
        ),
        (
            Action::FileFindings,
            "POST",
            "/api/v1/incidents/1/findings",
            Some(serde_json::json!({"summary": "seen", "observed": true})),
        ),
        (
            Action::RequestReply,
            "POST",
            "/api/v1/incidents/1/reply-requests",
            Some(serde_json::json!({"party": "PAK"})),
        ),
        (
            Action::Reply,
            "POST",
            "/api/v1/incidents/1/replies",
            Some(serde_json::json!({"text": "we deny it"})),
        ),
        (
            Action::IssueDetermination,
            "POST",
            "/api/v1/incidents/1/determinations",
            Some(serde_json::json!({"verdict": "unverifiable", "rationale": "no access"})),
        ),
        (Action::Approve, "POST", "/api/v1/incidents/1/approvals", None),
        (
            Action::InvokeUrgency,
            "POST",
            "/api/v1/incidents/1/urgency",
            Some(serde_json::json!({"reason": "now"})),
        ),
        (Action::Finalize, "POST", "/api/v1/incidents/1/finalization", None),
        (
            Action::AttachStatement,
            "POST",
            "/api/v1/incidents/1/statements",
            Some(serde_json::json!({"text": "we dissent"})),
        ),
        (
            Action::Appeal,
            "POST",
            "/api/v1/incidents/1/appeals",
            Some(serde_json::json!({"grounds": "new facts"})),
        ),
        (Action::ApprovePenalty, "POST", "/api/v1/penalties/1/approvals", None),
        (
            Action::RecordCompliance,
            "POST",
            "/api/v1/penalties/1/compliance",
            Some(serde_json::json!({"complied": true, "note": "paid"})),
        ),
        (
            Action::PublishBulletin,
            "POST",
            "/api/v1/bulletins",
            Some(serde_json::json!({"date": chrono::Utc::now().date_naive().to_string()})),
        ),
    ];
    let mut callers: Vec<(Option<&str>, Role)> = vec![(None, Role::Observer)];
    callers.extend(
        fixture
            .users
            .iter()
            .map(|(_, role, token)| (Some(token.as_str()), role.clone())),
    );
    for (token, role) in &callers {
        for (action, method, uri, body) in &endpoints {
            let (status, problem) = call(&fixture, *token, method, uri, body.clone()).await;
            let denied = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
            let allowed = permits(role, *action);
            assert_eq!(!denied, allowed, "{role} {method} {uri}: {status} {problem}");
            assert!(
                status.is_client_error() || status.is_success(),
                "{role} {uri}: {status} {problem}"
            );
            if token.is_none() {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "anonymous {uri}");
            }
        }
        // Filing a report: a party files only as itself.
        let own = match role {
            Role::Party(code) => report(&format!("own-{code}"), "party", code.as_str()),
            _ => report(&format!("own-{role}"), "media", "Dawn"),
        };
        let (status, _) = call(&fixture, *token, "POST", "/api/v1/reports", Some(own)).await;
        let allowed = permits(role, Action::FileReport);
        assert_eq!(
            status == StatusCode::CREATED,
            allowed,
            "{role} files a report: {status}"
        );
        if let Role::Party(code) = role {
            let other = if code.as_str() == "AFG" { "PAK" } else { "AFG" };
            let (status, _) = call(
                &fixture,
                *token,
                "POST",
                "/api/v1/reports",
                Some(report("x", "party", other)),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} may not file as {other}");
        }
        // Evidence: registered by those the table allows.
        let (status, problem) = upload(
            &fixture,
            *token,
            "",
            Some("text/plain"),
            format!("notes of {role}").into_bytes(),
        )
        .await;
        assert_eq!(
            status.is_success(),
            permits(role, Action::RegisterEvidence),
            "{role} uploads evidence: {status} {problem}"
        );
        // Public reads are public.
        for uri in [
            "/api/v1/export/geojson",
            "/api/v1/incidents",
            "/api/v1/status",
            "/api/v1/scorecards",
            "/api/v1/penalties",
            "/api/v1/bulletins",
        ] {
            let (status, _) = call(&fixture, *token, "GET", uri, None).await;
            assert_eq!(status, StatusCode::OK, "{role} GET {uri}");
        }
    }
}

#[tokio::test]
async fn an_allegation_to_a_final_determination_with_receipts() {
    let fixture = fixture();
    let (status, filed) = call(
        &fixture,
        fixture.token("kabul"),
        "POST",
        "/api/v1/reports",
        Some(report("afg-1", "party", "AFG")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["placement"], serde_json::json!({"opened_incident": 1}));
    // The receipt verifies with the log's key alone.
    let receipt = &filed["receipt"];
    let checkpoint = SignedCheckpoint::open(
        receipt["checkpoint"].as_str().unwrap().as_bytes(),
        &fixture.signer.verifier(),
    )
    .unwrap();
    let entry = BASE64.decode(receipt["entry"].as_str().unwrap()).unwrap();
    let proof: Vec<Hash> = receipt["inclusion_proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_slice(&BASE64.decode(h.as_str().unwrap()).unwrap()).unwrap())
        .collect();
    let index = receipt["log_index"].as_u64().unwrap();
    verify_inclusion(
        &leaf_hash(&entry),
        index,
        checkpoint.checkpoint.size,
        &proof,
        &checkpoint.checkpoint.root,
    )
    .unwrap();
    // The sealed identity is committed, never in the entry.
    let entry_text = String::from_utf8(entry).unwrap();
    assert!(entry_text.contains("sealed_commitment") && !entry_text.contains("liaison officer 7"));
    // The sealed identity, to the roles cleared for it only, each read on the record.
    let (status, _) = call(
        &fixture,
        fixture.token("islamabad"),
        "GET",
        "/api/v1/reports/1/sealed",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let before = log_size(&fixture);
    let (status, sealed) = call(
        &fixture,
        fixture.token("monitor"),
        "GET",
        "/api/v1/reports/1/sealed",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sealed}");
    assert_eq!(sealed["fields"]["submitter_identity"], "liaison officer 7");
    assert_eq!(sealed["opens"], true);
    assert_eq!(log_size(&fixture), before + 1, "the read is in the log");
    let read = fixture
        .state
        .log
        .entry(sealed["read_recorded_at"].as_u64().unwrap())
        .unwrap();
    let read: serde_json::Value = serde_json::from_slice(&read).unwrap();
    assert_eq!(
        (read["type"].as_str(), read["by"].as_str(), read["report_id"].as_u64()),
        (Some("sealed_read"), Some("monitor"), Some(1))
    );
    // Filing it again changes nothing: 200, no receipt.
    let (status, again) = call(
        &fixture,
        fixture.token("kabul"),
        "POST",
        "/api/v1/reports",
        Some(report("afg-1", "party", "AFG")),
    )
    .await;
    assert_eq!((status, again["recorded"].as_bool()), (StatusCode::OK, Some(false)));

    for (name, source) in [("monitor", "Dawn"), ("monitor", "TOLOnews")] {
        let (status, _) = call(
            &fixture,
            fixture.token(name),
            "POST",
            "/api/v1/reports",
            Some(report(&format!("{source}-1"), "media", source)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let monitor = fixture.token("monitor");
    let steps = [
        ("/api/v1/incidents/1/review", None),
        (
            "/api/v1/incidents/1/findings",
            Some(serde_json::json!({"summary": "craters seen", "observed": true})),
        ),
        (
            "/api/v1/incidents/1/reply-requests",
            Some(serde_json::json!({"party": "PAK"})),
        ),
    ];
    for (uri, body) in steps {
        let (status, answer) = call(&fixture, monitor, "POST", uri, body).await;
        assert_eq!(status, StatusCode::CREATED, "{uri}: {answer}");
        assert!(answer["receipt"]["log_index"].is_u64());
    }
    // What Pakistan sees of the allegation against it: the kind of each source, not who.
    let (status, seen) = call(&fixture, fixture.token("islamabad"), "GET", "/api/v1/incidents/1", None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = seen["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["AFG", "(redacted)", "(redacted)"]);
    let claimants: Vec<&str> = seen["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["claim"]["claimant"].as_str().unwrap())
        .collect();
    // AFG's own claim is in AFG's name (a party's claims are its own); the others' claimants are sources.
    assert_eq!(claimants, ["AFG", "(redacted)", "(redacted)"]);
    // Nor does the rules' explanation name them: it counts them.
    assert_eq!(
        seen["verification"]["independent_sources"],
        serde_json::json!(["(redacted)", "(redacted)"])
    );
    for name in ["Dawn", "TOLOnews"] {
        assert!(
            !seen.to_string().contains(name),
            "{name} is named to the accused party: {seen}"
        );
    }
    // The monitors see everything.
    let (_, full) = call(&fixture, monitor, "GET", "/api/v1/incidents/1", None).await;
    assert_eq!(full["sources"][1]["name"], "Dawn");
    // An observer sees nothing of it until it is final.
    let (status, _) = call(&fixture, None, "GET", "/api/v1/incidents/1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = call(
        &fixture,
        fixture.token("islamabad"),
        "POST",
        "/api/v1/incidents/1/replies",
        Some(serde_json::json!({"text": "Our artillery did not fire."})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let determination = serde_json::json!({
        "verdict": "violation_confirmed", "responsible_party": "PAK", "provisions": ["ACT-SHELLING"],
        "severity": "serious", "rationale": "observed by the monitors", "deaths": {"low": 2, "best": 3, "high": 4, "civilians": 3}
    });
    let (status, issued) = call(
        &fixture,
        fixture.token("qatar"),
        "POST",
        "/api/v1/incidents/1/determinations",
        Some(determination),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    // The determination keeps the explanation it was made on; the accused party sees it without names.
    let (_, seen) = call(&fixture, fixture.token("islamabad"), "GET", "/api/v1/incidents/1", None).await;
    assert!(
        seen["determinations"][0]["determination"]["explanation"].is_object(),
        "{seen}"
    );
    for name in ["Dawn", "TOLOnews"] {
        assert!(
            !seen.to_string().contains(name),
            "{name} is named to the accused party: {seen}"
        );
    }
    let (status, _) = call(
        &fixture,
        fixture.token("qatar"),
        "POST",
        "/api/v1/incidents/1/approvals",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = call(
        &fixture,
        fixture.token("qatar"),
        "POST",
        "/api/v1/incidents/1/approvals",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, _) = call(
        &fixture,
        fixture.token("turkiye"),
        "POST",
        "/api/v1/incidents/1/approvals",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, incident) = call(&fixture, None, "GET", "/api/v1/incidents/1", None).await;
    assert_eq!(incident["status"], "final", "final, and now public");
    let (_, penalties) = call(&fixture, None, "GET", "/api/v1/penalties", None).await;
    let codes: Vec<&str> = penalties["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["decision"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["PEN-ATTRIBUTION"]);
    let (_, status) = call(&fixture, None, "GET", "/api/v1/status", None).await;
    assert!(status["series"].is_array());
}

#[tokio::test]
async fn bad_input_gets_the_right_problem_and_stores_nothing() {
    let fixture = fixture();
    let monitor = fixture.token("monitor");
    let before = log_size(&fixture);
    let send = |token: Option<&'static str>, body: &'static str, content_type: &'static str| {
        let mut request = Request::post("/api/v1/reports").header("content-type", content_type);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(Body::from(body)).unwrap()
    };
    let monitor_token: &'static str = Box::leak(monitor.unwrap().to_string().into_boxed_str());
    let cases: Vec<(Request<Body>, StatusCode, Option<&str>)> = vec![
        (
            send(Some(monitor_token), "{\"external_id\": ", "application/json"),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            send(Some(monitor_token), "{}", "text/plain"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("content-type"),
        ),
        (
            send(Some("truce_not-a-token"), "{}", "application/json"),
            StatusCode::UNAUTHORIZED,
            None,
        ),
    ];
    for (request, expected, field) in cases {
        let response = router(fixture.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        let body: serde_json::Value =
            serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(status, expected, "{body}");
        assert_eq!(content_type, "application/problem+json");
        if let Some(field) = field {
            assert_eq!(body["field"], field);
        }
    }
    let mut unknown = report("u-1", "media", "Dawn");
    unknown["colour"] = serde_json::json!("red");
    let mut wrong_type = report("u-2", "media", "Dawn");
    wrong_type["location"]["latitude"] = serde_json::json!("north");
    let mut out_of_range = report("u-3", "media", "Dawn");
    out_of_range["location"]["latitude"] = serde_json::json!(123.0);
    let mut negative = report("u-4", "media", "Dawn");
    negative["claims"][0]["best"] = serde_json::json!(-3);
    for (body, field) in [
        (unknown, "colour"),
        (wrong_type, "location.latitude"),
        (out_of_range, "location.latitude"),
        (negative, "claims[0].best"),
    ] {
        let (status, problem) = call(&fixture, monitor, "POST", "/api/v1/reports", Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    // Oversized: past the body limit.
    let mut huge = report("u-5", "media", "Dawn");
    huge["narrative"] = serde_json::json!("x".repeat(300 * 1024));
    let (status, problem) = call(&fixture, monitor, "POST", "/api/v1/reports", Some(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    // Unknown incidents, bad ids, bad queries.
    let (status, _) = call(&fixture, monitor, "POST", "/api/v1/incidents/99/review", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = call(&fixture, monitor, "POST", "/api/v1/incidents/x/review", None).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("id"))
    );
    let (status, problem) = call(&fixture, None, "GET", "/api/v1/incidents?limit=0", None).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    let (status, problem) = call(&fixture, None, "GET", "/api/v1/incidents?status=lost", None).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );
    // A revoked token authenticates no one.
    let connection = accounts::open(&fixture.state.api.as_ref().unwrap().database).unwrap();
    accounts::revoke_token(&connection, 4).unwrap();
    let (status, _) = call(&fixture, monitor, "GET", "/api/v1/incidents", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(log_size(&fixture), before, "nothing refused was stored");
}

#[tokio::test]
async fn lists_page_by_cursor() {
    let fixture = fixture();
    for i in 0..5 {
        let mut body = report(&format!("p-{i}"), "media", "Dawn");
        body["location"]["latitude"] = serde_json::json!(30.0 + i as f64);
        file_report(&fixture, "monitor", body).await;
    }
    let mut seen = Vec::new();
    let mut uri = "/api/v1/incidents?limit=2".to_string();
    loop {
        let (status, page) = call(&fixture, fixture.token("qatar"), "GET", &uri, None).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => uri = format!("/api/v1/incidents?limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
}

/// The ids of a list's page.
fn ids(page: &serde_json::Value) -> Vec<u64> {
    page["items"]
        .as_array()
        .map(|items| items.iter().map(|i| i["id"].as_u64().unwrap()).collect())
        .unwrap_or_default()
}

/// Sends a GET as `token`; returns the status, the content type and the body as text.
async fn get_text(fixture: &Fixture, token: Option<&str>, uri: &str) -> (StatusCode, String, String) {
    let mut request = Request::builder().uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let (status, content_type, body) = common::send(&fixture.state, request.body(Body::empty()).unwrap()).await;
    (status, content_type, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn incidents_are_filtered_searched_and_exported_as_each_role_may_see_them() {
    let fixture = fixture();
    let filed = [
        (
            "f-1",
            "ACT-SHELLING",
            "PAK",
            "2025-10-24T22:00:00+04:30",
            32.95,
            "Shelling hit the Angoor Adda market",
        ),
        (
            "f-2",
            "ACT-AIRSTRIKE",
            "AFG",
            "2025-10-26T03:00:00+04:30",
            30.1,
            "A drone strike near Spin Boldak",
        ),
        (
            "f-3",
            "ACT-SHELLING",
            "PAK",
            "2025-10-28T12:00:00+04:30",
            34.1,
            "Mortar rounds fell on a school",
        ),
    ];
    for (id, act, party, at, latitude, narrative) in filed {
        let mut body = report(id, "media", "Dawn");
        body["act"] = serde_json::json!(act);
        body["actor1"] = serde_json::json!({"name": format!("{party} forces"), "party": party});
        body["time"]["start"] = serde_json::json!(at);
        body["location"]["latitude"] = serde_json::json!(latitude);
        body["narrative"] = serde_json::json!(narrative);
        let (status, answer) = call(
            &fixture,
            fixture.token("monitor"),
            "POST",
            "/api/v1/reports",
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
    let mediator = fixture.token("qatar");
    let list = |query: &str| format!("/api/v1/incidents?{query}");
    for (query, expected) in [
        ("", vec![1, 2, 3]),
        ("act=ACT-AIRSTRIKE", vec![2]),
        ("party=PAK", vec![1, 3]),
        ("party=PAK&act=ACT-SHELLING&limit=1", vec![1]),
        ("from=2025-10-25&to=2025-10-27", vec![2]),
        ("from=2025-10-25T12:00:00Z", vec![2, 3]),
        ("q=angoor%20MARKET", vec![1]),
        ("q=spin", vec![2]),
        ("q=school%20market", vec![]),
        ("status=final", vec![]),
        ("zone=KURRAM", vec![]),
    ] {
        let (status, page) = call(&fixture, mediator, "GET", &list(query), None).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        assert_eq!(ids(&page), expected, "{query}");
    }
    let (_, page) = call(&fixture, mediator, "GET", &list("party=PAK"), None).await;
    assert_eq!(page["items"][0]["act"], "ACT-SHELLING");
    assert_eq!(page["items"][0]["accused"], "PAK");
    assert_eq!(page["items"][0]["reports"], 1);
    for (query, field) in [
        ("party=XYZ", "party"),
        ("act=ACT-NOPE", "act"),
        ("zone=NOWHERE", "zone"),
        ("status=lost", "status"),
        ("from=yesterday", "from"),
        ("from=2025-10-27&to=2025-10-25", "to"),
        ("q=%20--%20", "q"),
        ("colour=red", "query"),
    ] {
        let (status, problem) = call(&fixture, mediator, "GET", &list(query), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(problem["field"], field, "{query}: {problem}");
    }
    // Nothing is final yet: an observer sees nothing, whatever it searches.
    let (_, page) = call(&fixture, None, "GET", &list("q=angoor"), None).await;
    assert_eq!(ids(&page), Vec::<u64>::new());

    let (status, content_type, csv) = get_text(&fixture, mediator, "/api/v1/export/ucdp_csv?party=PAK").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("id,date_start,date_end,latitude"));
    assert!(
        lines[1].starts_with("1,2025-10-24") && lines[2].starts_with("3,2025-10-28"),
        "{csv}"
    );
    let (_, _, hxl) = get_text(&fixture, mediator, "/api/v1/export/hxl_csv?limit=2").await;
    assert_eq!(hxl.lines().nth(1).unwrap().split(',').next(), Some("#event+id"));
    assert_eq!(hxl.lines().count(), 4, "{hxl}");
    let (status, content_type, geojson) = get_text(&fixture, mediator, "/api/v1/export/geojson?after=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/geo+json");
    let geojson: serde_json::Value = serde_json::from_str(&geojson).unwrap();
    let features: Vec<u64> = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect();
    assert_eq!(features, [2, 3]);
    let (_, _, nothing) = get_text(&fixture, None, "/api/v1/export/geojson").await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&nothing).unwrap()["features"],
        serde_json::json!([])
    );
    let (status, _, _) = get_text(&fixture, mediator, "/api/v1/export/xml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, problem) = get_text(&fixture, mediator, "/api/v1/export/ucdp_csv?party=XYZ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
}

/// A user past its rate is refused with 429 and told when to come back; other users are not affected.
#[tokio::test]
async fn each_user_is_rate_limited_on_its_own() {
    let fixture = fixture_limited(truce_server::api::limits::RequestLimiter::per_second(1));
    let mut refused = None;
    for _ in 0..10 {
        let request = Request::get("/api/v1/incidents")
            .header("authorization", format!("Bearer {}", fixture.token("kabul").unwrap()))
            .body(Body::empty())
            .unwrap();
        let (status, headers, problem) = send(&fixture, request).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((headers, problem));
            break;
        }
        assert_eq!(status, StatusCode::OK);
    }
    let (headers, problem) = refused.expect("the third request within a second is one too many");
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert!(problem["detail"].as_str().unwrap().contains("kabul"), "{problem}");
    let (status, _) = call(&fixture, fixture.token("islamabad"), "GET", "/api/v1/incidents", None).await;
    assert_eq!(status, StatusCode::OK);
}

/// Uploads `bytes` as `token` with `content_type`; returns the status and the JSON answer.
async fn upload(
    fixture: &Fixture,
    token: Option<&str>,
    query: &str,
    content_type: Option<&str>,
    bytes: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::post(format!("/api/v1/evidence{query}"));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let (status, _, answer) = send(fixture, request.body(Body::from(bytes)).unwrap()).await;
    (status, answer)
}

/// The evidence files stored on disk.
fn stored_files(fixture: &Fixture) -> usize {
    let root = fixture._dir.path().join("evidence");
    std::fs::read_dir(&root)
        .map(|shards| {
            shards
                .map(|shard| std::fs::read_dir(shard.unwrap().path()).unwrap().count())
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn evidence_is_uploaded_with_a_receipt_and_reaches_only_those_cleared_for_it() {
    let fixture = fixture();
    file_report(&fixture, "monitor", report("e-1", "media", "Dawn")).await;
    file_report(&fixture, "kabul", report("e-2", "party", "AFG")).await;
    let photo = b"\xff\xd8\xff\xe0 a photo of the crater".to_vec();

    let (status, answer) = upload(
        &fixture,
        fixture.token("monitor"),
        "?report=1",
        Some("image/jpeg"),
        photo.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let sha256 = answer["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha256.len(), 64);
    assert!(answer["receipt"]["inclusion_proof"].is_array(), "{answer}");
    let (status, again) = upload(
        &fixture,
        fixture.token("monitor"),
        "",
        Some("image/jpeg"),
        photo.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(stored_files(&fixture), 1);

    let download = |token: Option<&str>| {
        let mut request = Request::get(format!("/api/v1/evidence/{sha256}"));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    let response = router(fixture.state.clone())
        .oneshot(download(fixture.token("qatar")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(bytes.as_ref(), photo.as_slice());
    for (token, expected) in [
        (fixture.token("kabul"), StatusCode::NOT_FOUND),
        (fixture.token("press"), StatusCode::NOT_FOUND),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let (status, _, _) = send(&fixture, download(token)).await;
        assert_eq!(status, expected);
    }

    // A party attaches evidence to its own reports only, and sees what it registered.
    let (status, problem) = upload(
        &fixture,
        fixture.token("kabul"),
        "?report=1",
        Some("image/png"),
        b"png".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (status, answer) = upload(
        &fixture,
        fixture.token("kabul"),
        "?report=2",
        Some("image/png"),
        b"png".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let own = answer["sha256"].as_str().unwrap();
    let (status, _, _) = send(
        &fixture,
        Request::get(format!("/api/v1/evidence/{own}"))
            .header("authorization", format!("Bearer {}", fixture.token("kabul").unwrap()))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Bad input: refused, named, and nothing stored.
    let size = log_size(&fixture);
    let oversized = vec![0u8; truce_server::api::evidence::EVIDENCE_BYTES_MAX + 1];
    for (token, query, content_type, body, expected, field) in [
        (
            fixture.token("press"),
            "",
            Some("image/png"),
            b"x".to_vec(),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            None,
            "",
            Some("image/png"),
            b"x".to_vec(),
            StatusCode::UNAUTHORIZED,
            None,
        ),
        (
            fixture.token("monitor"),
            "",
            None,
            b"x".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        (
            fixture.token("monitor"),
            "",
            Some("jpeg"),
            b"x".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        (
            fixture.token("monitor"),
            "",
            Some("image/png"),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("body"),
        ),
        (
            fixture.token("monitor"),
            "?report=99",
            Some("image/png"),
            b"y".to_vec(),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            fixture.token("monitor"),
            "?source_url=ftp://x",
            Some("image/png"),
            b"x".to_vec(),
            StatusCode::BAD_REQUEST,
            Some("source_url"),
        ),
        (
            fixture.token("monitor"),
            "?reprot=1",
            Some("image/png"),
            b"x".to_vec(),
            StatusCode::BAD_REQUEST,
            Some("query"),
        ),
        (
            fixture.token("monitor"),
            "",
            Some("video/mp4"),
            oversized,
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("body"),
        ),
    ] {
        let (status, problem) = upload(&fixture, token, query, content_type, body).await;
        assert_eq!(status, expected, "{query} {content_type:?}: {problem}");
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{problem}");
        }
    }
    assert_eq!(log_size(&fixture), size, "nothing refused is in the log");
    assert_eq!(stored_files(&fixture), 2, "nor on disk");
}

/// The web interface: pages under a policy that runs only this server's
/// scripts, in the language asked for, the embedded assets, and a map that
/// shows an observer published findings only.
#[tokio::test]
async fn web_pages_assets_and_the_public_map() {
    let fixture = fixture();
    file_report(&fixture, "monitor", report("w-1", "media", "Dawn")).await;
    let (status, content_type, html) = get_text(&fixture, None, "/?lang=ar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
    let response = router(fixture.state.clone())
        .oneshot(
            Request::get("/")
                .header("accept-language", "fr, en;q=0.8")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"));
    let html = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(html.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(
        !html.contains("<script>"),
        "no inline script: the policy would block it"
    );

    let (status, content_type, leaflet) = get_text(&fixture, None, "/assets/vendor/leaflet-1.9.4/leaflet.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/javascript"));
    assert!(leaflet.contains("Leaflet"));
    let (status, _, licence) = get_text(&fixture, None, "/assets/vendor/leaflet-1.9.4/LICENSE").await;
    assert_eq!(status, StatusCode::OK);
    assert!(licence.contains("BSD"));
    let (status, _, _) = get_text(&fixture, None, "/assets/../Cargo.toml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Nothing is final: an observer's map is empty, a mediator's has the incident.
    let (_, _, public) = get_text(&fixture, None, "/web/map.json").await;
    let public: serde_json::Value = serde_json::from_str(&public).unwrap();
    assert_eq!(public["points"], serde_json::json!([]));
    assert_eq!(public["zones"]["features"][0]["properties"]["code"], "KURRAM");
    let (_, _, sign_in) = get_text(&fixture, None, "/sign-in").await;
    assert!(sign_in.contains(r#"<label for="password">"#));
}

/// The role pages: without a session the reader is sent to sign in and
/// back; another role is told the page is not for it; a party's inbox
/// holds the reply asked of it and no other party's; the incident page
/// offers each role its own steps; a session's pages carry its CSRF token,
/// a token's pages and public pages none.
#[tokio::test]
async fn role_pages_are_for_their_roles_and_offer_each_its_steps() {
    let fixture = fixture();
    let answer = file_report(&fixture, "monitor", report("p-1", "media", "Dawn")).await;
    let incident = answer["placement"]["opened_incident"].as_u64().unwrap();
    for (path, body) in [
        ("review", None),
        ("reply-requests", Some(serde_json::json!({"party": "PAK"}))),
    ] {
        let uri = format!("/api/v1/incidents/{incident}/{path}");
        let (status, answer) = call(&fixture, fixture.token("monitor"), "POST", &uri, body).await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
    }

    let response = router(fixture.state.clone())
        .oneshot(Request::get("/inbox?lang=en").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/sign-in?lang=en&next=%2Finbox%3Flang%3Den"
    );
    let (_, _, form) = get_text(&fixture, None, "/sign-in?lang=en&next=%2Finbox%3Flang%3Den").await;
    assert!(form.contains(r#"data-next="/inbox?lang=en""#), "{form}");
    let (_, _, form) = get_text(&fixture, None, "/sign-in?lang=en&next=%2F%2Fevil.example").await;
    assert!(
        form.contains(r#"data-next="/dashboard?lang=en""#),
        "only this site's paths"
    );

    for (user, path, expected) in [
        ("islamabad", "/queue", StatusCode::FORBIDDEN),
        ("qatar", "/inbox", StatusCode::FORBIDDEN),
        ("press", "/report", StatusCode::FORBIDDEN),
        ("qatar", "/queue", StatusCode::OK),
        ("monitor", "/report", StatusCode::OK),
        ("islamabad", "/report", StatusCode::OK),
        ("press", "/dashboard", StatusCode::OK),
        ("kabul", "/dashboard", StatusCode::OK),
    ] {
        let (status, _, html) = get_text(&fixture, fixture.token(user), &format!("{path}?lang=en")).await;
        assert_eq!(status, expected, "{user} {path}");
        if expected == StatusCode::FORBIDDEN {
            assert!(html.contains("This page is not for your role"), "{user} {path}");
        }
    }

    let (status, _, inbox) = get_text(&fixture, fixture.token("islamabad"), "/inbox?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        inbox.contains(&format!("Incident {incident}")) && inbox.contains("data-countdown"),
        "{inbox}"
    );
    assert!(!inbox.contains("Dawn"), "the source is not named in the inbox");
    let (_, _, other) = get_text(&fixture, fixture.token("kabul"), "/inbox?lang=en").await;
    assert!(
        !other.contains(&format!("Incident {incident}")),
        "another party's allegation"
    );
    let (_, _, dashboard) = get_text(&fixture, fixture.token("islamabad"), "/dashboard?lang=en").await;
    assert!(dashboard.contains("Replies awaited from you: 1"), "{dashboard}");

    let page = format!("/incidents/{incident}?lang=en");
    let steps = |html: &str| -> Vec<String> {
        html.match_indices(r#"id="step-"#)
            .map(|(at, _)| html[at + 4..].split('"').next().unwrap().to_string())
            .collect()
    };
    let (_, _, accused) = get_text(&fixture, fixture.token("islamabad"), &page).await;
    assert_eq!(
        steps(&accused),
        ["step-reply"],
        "the accused party may reply, nothing else yet"
    );
    let (_, _, mediator) = get_text(&fixture, fixture.token("qatar"), &page).await;
    assert_eq!(
        steps(&mediator),
        ["step-findings", "step-reply-request", "step-determination"],
        "a mediator before any determination"
    );
    let (_, _, public) = get_text(&fixture, None, "/?lang=en").await;
    assert!(
        !public.contains("csrf-token") && !mediator.contains("csrf-token"),
        "no session, no token"
    );

    let connection = accounts::open(&fixture.state.api.as_ref().unwrap().database).unwrap();
    accounts::set_password(&connection, &UserName::parse("qatar").unwrap(), "correct horse battery").unwrap();
    let (_, headers, answer) = send(&fixture, sign_in("qatar", "correct horse battery")).await;
    let cookie = session_cookie(&headers);
    let request = Request::get("/dashboard?lang=en")
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = common::send(&fixture.state, request).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = answer["csrf_token"].as_str().unwrap();
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains(&format!(r#"<meta name="csrf-token" content="{csrf}">"#)),
        "the session's pages carry its token for their forms"
    );
}

/// The OpenAPI document describes every route of the API, with the bearer scheme.
#[tokio::test]
async fn the_openapi_document_lists_every_operation() {
    let fixture = fixture();
    let (status, document) = call(&fixture, None, "GET", "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["openapi"], "3.1.0");
    let mut operations: Vec<String> = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    operations.sort();
    let mut expected: Vec<String> = [
        "POST /api/v1/reports",
        "GET /api/v1/reports/{id}/sealed",
        "POST /api/v1/evidence",
        "GET /api/v1/evidence/{sha256}",
        "GET /api/v1/incidents",
        "GET /api/v1/incidents/{id}",
        "GET /api/v1/export/{format}",
        "POST /api/v1/incidents/{id}/review",
        "POST /api/v1/incidents/{id}/tasks",
        "POST /api/v1/incidents/{id}/findings",
        "POST /api/v1/incidents/{id}/reply-requests",
        "POST /api/v1/incidents/{id}/replies",
        "POST /api/v1/incidents/{id}/determinations",
        "POST /api/v1/incidents/{id}/approvals",
        "POST /api/v1/incidents/{id}/urgency",
        "POST /api/v1/incidents/{id}/finalization",
        "POST /api/v1/incidents/{id}/statements",
        "POST /api/v1/incidents/{id}/appeals",
        "POST /api/v1/penalties/{id}/approvals",
        "POST /api/v1/penalties/{id}/compliance",
        "GET /api/v1/status",
        "GET /api/v1/scorecards",
        "GET /api/v1/penalties",
        "POST /api/v1/bulletins",
        "GET /api/v1/bulletins",
        "GET /api/v1/bulletins/{index}",
        "POST /api/v1/session",
        "GET /api/v1/session",
        "DELETE /api/v1/session",
        "GET /api/v1/events",
        "POST /api/v1/webhooks",
        "GET /api/v1/webhooks",
        "DELETE /api/v1/webhooks/{id}",
        "GET /api/v1/log/entries/{index}/openings",
        "GET /api/v1/log/openings",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    expected.sort();
    assert_eq!(operations, expected);
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(document["components"]["schemas"]["ReportInput"]["properties"]["location"].is_object());
}

#[tokio::test]
async fn browser_sessions_need_their_csrf_token_and_guessing_is_limited() {
    let fixture = fixture();
    let connection = accounts::open(&fixture.state.api.as_ref().unwrap().database).unwrap();
    accounts::set_password(&connection, &UserName::parse("qatar").unwrap(), "correct horse battery").unwrap();

    let (status, headers, answer) = send(&fixture, sign_in("qatar", "correct horse battery")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let set_cookie = headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let csrf = answer["csrf_token"].as_str().unwrap().to_string();
    assert_eq!(
        (answer["role"].as_str(), answer["for"].as_str()),
        (Some("mediator"), Some("QAT"))
    );

    let with_cookie = |method: &str, uri: &str, csrf: Option<&str>| {
        let mut request = Request::builder().method(method).uri(uri).header("cookie", &cookie);
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request.body(Body::empty()).unwrap()
    };
    let (status, _, me) = send(&fixture, with_cookie("GET", "/api/v1/session", None)).await;
    assert_eq!((status, me["name"].as_str()), (StatusCode::OK, Some("qatar")));
    // A change without the CSRF token is refused; with it, the mediator acts (here on a missing incident).
    let (status, _, _) = send(&fixture, with_cookie("POST", "/api/v1/incidents/1/review", None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(
        &fixture,
        with_cookie("POST", "/api/v1/incidents/1/review", Some("wrong")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(&fixture, with_cookie("POST", "/api/v1/incidents/1/review", Some(&csrf))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Signing out ends the session.
    let (status, headers, _) = send(&fixture, with_cookie("DELETE", "/api/v1/session", Some(&csrf))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    // The ended session's cookie reads as anyone's; it changes nothing.
    let (status, _, who) = send(&fixture, with_cookie("GET", "/api/v1/session", None)).await;
    assert_eq!((status, who["role"].as_str()), (StatusCode::OK, Some("observer")));
    let (status, _, _) = send(&fixture, with_cookie("POST", "/api/v1/incidents/1/review", Some(&csrf))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Five wrong passwords, then even the right one waits.
    for _ in 0..5 {
        let (status, _, problem) = send(&fixture, sign_in("qatar", "wrong horse battery")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(problem["detail"], "wrong name or password");
    }
    let (status, headers, _) = send(&fixture, sign_in("qatar", "correct horse battery")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    // Another name is not held back by it; an unknown name answers like a wrong password.
    let (status, _, problem) = send(&fixture, sign_in("nobody", "whatever it is")).await;
    assert_eq!(
        (status, problem["detail"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wrong name or password"))
    );
}

#[tokio::test]
async fn operations_endpoints_answer() {
    let fixture = fixture();
    let (status, _, _) = send(&fixture, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let _ = call(&fixture, None, "GET", "/api/v1/status", None).await;
    let response = router(fixture.state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(text.contains("truce_http_responses_total{class=\"2xx\"}"), "{text}");
    assert!(text.contains("truce_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
    assert!(text.contains("truce_log_entries 1"), "{text}");
}

/// Reads an SSE body until an event of type `until`, returning the types seen.
async fn events_until(body: Body, until: &str) -> Vec<String> {
    let mut body = body;
    let mut text = String::new();
    let mut seen = Vec::new();
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(20), body.frame())
            .await
            .expect("an event within 20 s")
            .expect("the stream is open")
            .unwrap();
        if let Some(data) = frame.data_ref() {
            text.push_str(&String::from_utf8_lossy(data));
        }
        while let Some(end) = text.find("\n\n") {
            let message: String = text.drain(..end + 2).collect();
            if let Some(kind) = message.lines().find_map(|l| l.strip_prefix("event: ")) {
                seen.push(kind.to_string());
                if kind == until {
                    return seen;
                }
            }
        }
    }
}

#[tokio::test]
async fn each_user_is_notified_of_what_it_may_see() {
    let fixture = fixture();
    let open = |token: &str| {
        Request::get("/api/v1/events")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let pakistan = router(fixture.state.clone())
        .oneshot(open(fixture.token("islamabad").unwrap()))
        .await
        .unwrap();
    let afghanistan = router(fixture.state.clone())
        .oneshot(open(fixture.token("kabul").unwrap()))
        .await
        .unwrap();
    let monitors = router(fixture.state.clone())
        .oneshot(open(fixture.token("monitor").unwrap()))
        .await
        .unwrap();
    assert_eq!(pakistan.headers()["content-type"], "text/event-stream");

    let monitor = fixture.token("monitor");
    let (status, _) = call(
        &fixture,
        monitor,
        "POST",
        "/api/v1/reports",
        Some(report("d-1", "media", "Dawn")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    for (uri, body) in [
        ("/api/v1/incidents/1/review", None),
        (
            "/api/v1/incidents/1/findings",
            Some(serde_json::json!({"summary": "seen", "observed": true})),
        ),
        (
            "/api/v1/incidents/1/reply-requests",
            Some(serde_json::json!({"party": "PAK"})),
        ),
    ] {
        assert_eq!(
            call(&fixture, monitor, "POST", uri, body).await.0,
            StatusCode::CREATED,
            "{uri}"
        );
    }
    let determination = serde_json::json!({"verdict": "unverifiable", "rationale": "one source only"});
    for (user, uri, body) in [
        ("qatar", "/api/v1/incidents/1/determinations", Some(determination)),
        (
            "qatar",
            "/api/v1/incidents/1/urgency",
            Some(serde_json::json!({"reason": "a bulletin is due"})),
        ),
        ("qatar", "/api/v1/incidents/1/approvals", None),
        ("turkiye", "/api/v1/incidents/1/approvals", None),
    ] {
        let (status, answer) = call(&fixture, fixture.token(user), "POST", uri, body).await;
        assert_eq!(status, StatusCode::CREATED, "{uri}: {answer}");
    }
    let seen_by_pakistan = events_until(pakistan.into_body(), "determination_final").await;
    assert_eq!(seen_by_pakistan, ["reply_requested", "determination_final"]);
    let seen_by_afghanistan = events_until(afghanistan.into_body(), "determination_final").await;
    assert_eq!(
        seen_by_afghanistan,
        ["determination_final"],
        "no report, no source, nothing addressed to another party"
    );
    let seen_by_monitors = events_until(monitors.into_body(), "determination_final").await;
    assert_eq!(
        seen_by_monitors,
        [
            "report_filed",
            "review_started",
            "findings_filed",
            "reply_requested",
            "determination_issued",
            "urgency_invoked",
            "determination_approved",
            "determination_approved",
            "determination_final"
        ]
    );
}

/// Every (signature, body) a webhook receiver was sent.
type Received = Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A receiver for webhook deliveries, and what it received.
async fn receiver() -> (String, Received) {
    let received: Received = Default::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let store = store.clone();
            async move {
                let signature = headers["x-truce-signature"].to_str().unwrap().to_string();
                store.lock().unwrap().push((signature, body.to_vec()));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_retried_and_their_state_kept() {
    let fixture = fixture();
    let api = fixture.state.api.as_ref().unwrap();
    let retry = truce_server::api::webhooks::RetryPolicy {
        attempts: 3,
        backoff: std::time::Duration::from_millis(20),
        ..Default::default()
    };
    truce_server::api::webhooks::spawn_dispatcher(
        &api.database,
        api.notifications.subscribe(),
        api.webhook_targets.clone(),
        retry,
    )
    .unwrap();
    let (url, received) = receiver().await;
    let pakistan = fixture.token("islamabad");
    let (status, hook) = call(
        &fixture,
        pakistan,
        "POST",
        "/api/v1/webhooks",
        Some(serde_json::json!({"url": url})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_string();
    // Afghanistan's webhook points nowhere: its deliveries fail after the retries.
    let (status, _) = call(
        &fixture,
        fixture.token("kabul"),
        "POST",
        "/api/v1/webhooks",
        Some(serde_json::json!({"url": "http://127.0.0.1:9/closed"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, problem) = call(
        &fixture,
        pakistan,
        "POST",
        "/api/v1/webhooks",
        Some(serde_json::json!({"url": "ftp://x"})),
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("url"))
    );

    let monitor = fixture.token("monitor");
    assert_eq!(
        call(
            &fixture,
            monitor,
            "POST",
            "/api/v1/reports",
            Some(report("w-1", "media", "Dawn"))
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        call(&fixture, monitor, "POST", "/api/v1/incidents/1/review", None)
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, _) = call(
        &fixture,
        monitor,
        "POST",
        "/api/v1/incidents/1/reply-requests",
        Some(serde_json::json!({"party": "PAK"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(
        &fixture,
        monitor,
        "POST",
        "/api/v1/incidents/1/reply-requests",
        Some(serde_json::json!({"party": "AFG"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // Pakistan's system hears of the reply asked of it, signed; not of the report or the review.
    let start = std::time::Instant::now();
    while received.lock().unwrap().is_empty() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "no delivery within 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (signature, body) = received.lock().unwrap()[0].clone();
    assert_eq!(signature, truce_server::api::webhooks::signature(&secret, &body));
    let delivered: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (
            delivered["event"]["type"].as_str(),
            delivered["event"]["party"].as_str()
        ),
        (Some("reply_requested"), Some("PAK"))
    );
    let states = |answer: serde_json::Value| -> Vec<(String, String, i64)> {
        answer["items"][0]["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["event_type"].as_str().unwrap().to_string(),
                    d["state"].as_str().unwrap().to_string(),
                    d["attempts"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let start = std::time::Instant::now();
    loop {
        let (_, mine) = call(&fixture, pakistan, "GET", "/api/v1/webhooks", None).await;
        if states(mine.clone()) == [("reply_requested".to_string(), "delivered".to_string(), 1)] {
            break;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(20), "{mine}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let start = std::time::Instant::now();
    loop {
        let (_, theirs) = call(&fixture, fixture.token("kabul"), "GET", "/api/v1/webhooks", None).await;
        if states(theirs.clone()) == [("reply_requested".to_string(), "failed".to_string(), 3)] {
            assert!(theirs["items"][0]["deliveries"][0]["last_error"].is_string());
            break;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(20), "{theirs}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_is_reminded_once_before_its_reply_window_closes() {
    let fixture = fixture();
    let api = fixture.state.api.as_ref().unwrap().clone();
    let pakistan = router(fixture.state.clone())
        .oneshot(
            Request::get("/api/v1/events")
                .header(
                    "authorization",
                    format!("Bearer {}", fixture.token("islamabad").unwrap()),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let monitor = fixture.token("monitor");
    assert_eq!(
        call(
            &fixture,
            monitor,
            "POST",
            "/api/v1/reports",
            Some(report("r-1", "media", "Dawn"))
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        call(&fixture, monitor, "POST", "/api/v1/incidents/1/review", None)
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, _) = call(
        &fixture,
        monitor,
        "POST",
        "/api/v1/incidents/1/reply-requests",
        Some(serde_json::json!({"party": "PAK"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // The window is 48 hours: a lead of 72 hours reminds at once; checking often must remind once only.
    truce_server::api::reminders::spawn_reminders(
        &api,
        std::time::Duration::from_secs(72 * 3600),
        std::time::Duration::from_millis(10),
    );
    let seen = events_until(pakistan.into_body(), "reply_reminded").await;
    assert_eq!(seen, ["reply_requested", "reply_reminded"]);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let reader = &fixture.state.log;
    let size = reader.latest_checkpoint().unwrap().size;
    let reminders = (0..size)
        .map(|i| serde_json::from_slice::<serde_json::Value>(&reader.entry(i).unwrap()).unwrap())
        .filter(|e| e["type"] == "reply_reminded")
        .count();
    assert_eq!(reminders, 1, "reminded once, however often the reminders run");
    drop(api);
}

/// A bulletin: 201 with its receipt; it names a checkpoint no later than
/// its own entry; the document served at `/bulletins/{index}.json` hashes
/// to the SHA-256 its log entry holds; the same period again is a second
/// edition; bad input is refused by field and stores nothing.
#[tokio::test]
async fn bulletins_are_published_with_receipts_and_their_documents_hash_to_the_log() {
    use sha2::{Digest, Sha256};
    let fixture = fixture();
    file_report(&fixture, "monitor", report("b-1", "media", "Dawn")).await;
    let monitor = fixture.token("monitor");
    let before = log_size(&fixture);
    let today = chrono::Utc::now().date_naive().to_string();
    let refusals = [
        (serde_json::json!({"date": "2025-02-30"}), "date", "not a date"),
        (serde_json::json!({"date": "2999-01-01"}), "date", "in the future"),
        (
            serde_json::json!({"date": "2025-10-01", "weekly": true}),
            "date",
            "before the agreement",
        ),
        (serde_json::json!({"date": 20251024}), "date", ""),
        (serde_json::json!({"date": today, "monthly": true}), "monthly", ""),
        (serde_json::json!({"weekly": true}), "body", "date"),
    ];
    for (body, field, says) in refusals {
        let (status, problem) = call(&fixture, monitor, "POST", "/api/v1/bulletins", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains(says), "{problem}");
    }
    assert_eq!(log_size(&fixture), before, "nothing refused was stored");

    let body = serde_json::json!({"date": "2025-10-24", "weekly": true});
    let (status, answer) = call(&fixture, monitor, "POST", "/api/v1/bulletins", Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let index = answer["index"].as_u64().unwrap();
    assert_eq!(answer["receipt"]["log_index"], index);
    assert!(answer["bulletin"]["checkpoint"]["size"].as_u64().unwrap() <= index);
    assert_eq!(answer["bulletin"]["incidents"]["total"]["current"], 1);
    let entry = BASE64.decode(answer["receipt"]["entry"].as_str().unwrap()).unwrap();
    let entry: serde_json::Value = serde_json::from_slice(&entry).unwrap();
    assert_eq!(entry["type"], "bulletin_published");
    assert_eq!(entry["edition"], 1);
    let (status, _, document) = get_text(&fixture, None, &format!("/bulletins/{index}.json")).await;
    assert_eq!(status, StatusCode::OK);
    let sha = hex::encode(Sha256::digest(document.as_bytes()));
    assert_eq!(entry["document_sha256"], sha, "the log holds the document's SHA-256");
    assert_eq!(answer["document_sha256"], sha);
    assert_eq!(entry["document_size"], document.len());

    let (status, second) = call(
        &fixture,
        fixture.token("qatar"),
        "POST",
        "/api/v1/bulletins",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let (_, page) = call(&fixture, None, "GET", "/api/v1/bulletins?limit=1", None).await;
    assert_eq!(page["items"][0]["edition"], 2, "{page}");
    let next = page["next"].as_str().unwrap().to_string();
    let (_, rest) = call(
        &fixture,
        None,
        "GET",
        &format!("/api/v1/bulletins?limit=1&before={next}"),
        None,
    )
    .await;
    assert_eq!(rest["items"][0]["index"], index, "{rest}");
    assert!(rest["next"].is_null());
    let (status, one) = call(&fixture, None, "GET", &format!("/api/v1/bulletins/{index}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["bulletin"]["checkpoint"], answer["bulletin"]["checkpoint"]);
    for (uri, expected, field) in [
        ("/api/v1/bulletins/x", StatusCode::BAD_REQUEST, Some("index")),
        ("/api/v1/bulletins/999999", StatusCode::NOT_FOUND, None),
        ("/api/v1/bulletins?limit=0", StatusCode::BAD_REQUEST, Some("limit")),
    ] {
        let (status, problem) = call(&fixture, None, "GET", uri, None).await;
        assert_eq!(status, expected, "{uri}: {problem}");
        assert_eq!(problem["field"].as_str(), field, "{uri}");
    }
    let (status, _, page) = get_text(&fixture, None, &format!("/bulletins/{index}?lang=ar")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("dir=\"rtl\"") && page.contains("bulletin-map"), "{page}");
    let (status, _, markdown) = get_text(&fixture, None, &format!("/bulletins/{index}.md")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(markdown.starts_with("# "), "{markdown}");
}
