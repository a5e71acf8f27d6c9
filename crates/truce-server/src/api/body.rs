//! A JSON body, or a problem document saying what is wrong with it and
//! where: malformed JSON, a wrong type, a missing or unknown field.

use crate::Problem;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// Like `axum::Json`, with RFC 9457 rejections naming the field.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<JsonBody<T>, Problem> {
        let content_type = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        // The media type itself, parameters (charset) aside: `application/jsonx` is not JSON.
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(Problem::unsupported_media_type("send the body as application/json"));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| match e.status().as_u16() {
                413 => Problem::too_large(e.body_text()),
                _ => Problem::bad_request("body", e.body_text()),
            })?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let field = if path == "." { "body".to_string() } else { path };
            let inner = error.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => Problem::unprocessable(&field, inner.to_string()),
                _ => Problem::bad_request(&field, inner.to_string()),
            }
        })?;
        deserializer
            .end()
            .map_err(|e| Problem::bad_request("body", format!("trailing characters after the JSON value: {e}")))?;
        Ok(JsonBody(value))
    }
}

/// A numeric id in the path (`/incidents/{id}`), or a 400 naming it.
pub struct Id(pub u64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Id, Problem> {
        let axum::extract::Path(text) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| Problem::bad_request("id", e.body_text()))?;
        text.parse()
            .map(Id)
            .map_err(|_| Problem::bad_request("id", format!("{text:?} is not a numeric id")))
    }
}
