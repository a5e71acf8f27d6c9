//! What the router tests share: one request through the whole application,
//! answered with its status, content type and body. (Each test crate uses
//! what it needs of it, hence no dead-code warnings.)
#![allow(dead_code)]

pub mod fixture;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt as _;
use truce_server::{AppState, router};

pub async fn send(state: &AppState, request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, content_type, body)
}

pub async fn get(state: &AppState, uri: &str) -> (StatusCode, String, Vec<u8>) {
    send(state, Request::get(uri).body(Body::empty()).unwrap()).await
}
