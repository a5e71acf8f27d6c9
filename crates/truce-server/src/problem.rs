//! RFC 9457 problem details: the one error type of the HTTP API.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A problem document: `type`, `title`, `status`, `detail`, and the field
/// (query parameter or path segment) at fault, when there is one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds until a refused request may be tried again: the `Retry-After` header of a 429.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn bad_request(field: &str, detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/bad-request",
            title: "The request is malformed",
            status: 400,
            detail: detail.into(),
            field: Some(field.to_string()),
            retry_after: None,
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/not-found",
            title: "Not found",
            status: 404,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/unauthorized",
            title: "Authentication required",
            status: 401,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/forbidden",
            title: "Not allowed for this role",
            status: 403,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    /// The request is well formed but the record's rules refuse it now
    /// (a step out of turn, a second approval, a closed window).
    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/refused-by-the-rules",
            title: "Refused by the agreement's rules",
            status: 409,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    /// A field's value is invalid.
    pub fn unprocessable(field: &str, detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/invalid-field",
            title: "A field is invalid",
            status: 422,
            detail: detail.into(),
            field: Some(field.to_string()),
            retry_after: None,
        }
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/unsupported-media-type",
            title: "Unsupported media type",
            status: 415,
            detail: detail.into(),
            field: Some("content-type".into()),
            retry_after: None,
        }
    }

    pub fn too_large(detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/too-large",
            title: "The request is too large",
            status: 413,
            detail: detail.into(),
            field: Some("body".into()),
            retry_after: None,
        }
    }

    /// A 429: the caller may try again after `wait`.
    pub fn too_many(detail: impl Into<String>, wait: std::time::Duration) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/too-many-requests",
            title: "Too many requests",
            status: 429,
            detail: detail.into(),
            field: None,
            retry_after: Some(wait.as_secs_f64().ceil().max(1.0) as u64),
        }
    }

    pub fn unavailable(detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: "https://truce.example/problems/unavailable",
            title: "Not ready",
            status: 503,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    /// The server's storage is full: nothing of the request was stored, and
    /// the same request may succeed once an operator frees space.
    pub fn insufficient_storage() -> Problem {
        tracing::error!("a write failed: the storage is full");
        Problem {
            type_uri: "https://truce.example/problems/insufficient-storage",
            title: "Insufficient storage",
            status: 507,
            detail: "the server's storage is full: nothing was stored; try again later".into(),
            field: None,
            retry_after: Some(60),
        }
    }

    /// A failure of the store: 507 when it is out of space, else a 500.
    pub fn store(error: &truce_store::StoreError) -> Problem {
        if error.is_storage_full() {
            Problem::insufficient_storage()
        } else {
            Problem::internal(error)
        }
    }

    /// A failure of ours. The cause is logged; the reader gets no internals.
    pub fn internal(cause: &dyn std::fmt::Display) -> Problem {
        tracing::error!(%cause, "request failed");
        Problem {
            type_uri: "https://truce.example/problems/internal",
            title: "Internal error",
            status: 500,
            detail: "the server could not answer; the cause is in its log".into(),
            field: None,
            retry_after: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).expect("a problem serializes");
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<truce_store::pool::ReadFailed> for Problem {
    fn from(failed: truce_store::pool::ReadFailed) -> Problem {
        Problem::internal(&failed)
    }
}
