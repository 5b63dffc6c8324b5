//! Errors of the API as RFC 9457 problem details (`application/problem+json`): a status, a
//! title, a sentence saying what went wrong, and for invalid input the fields at fault.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canali_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every problem.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// The `type` of a problem with invalid input (the `errors` member says which fields).
pub const VALIDATION_TYPE: &str = "/api/problems/validation";

/// One field at fault in a request body or query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name, e.g. `started_at`; empty when the fault is the item as a whole.
    pub field: String,
    /// What is wrong with it, in a sentence.
    pub message: String,
    /// The position of the item in a batch (from 0), for batch requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

/// An RFC 9457 problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem: `about:blank` (the status says it all) or
    /// `/api/problems/validation`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a 500: the error, which the request's log line prints (crate::ops::observe) and
    /// the answer never shows.
    #[serde(skip)]
    pub(crate) log: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            log: None,
        }
    }

    /// Invalid input: 400 with the fields at fault.
    pub fn invalid(detail: impl Into<String>, errors: Vec<FieldError>) -> Problem {
        Problem {
            kind: VALIDATION_TYPE,
            title: "Invalid request".into(),
            status: 400,
            detail: detail.into(),
            errors,
            log: None,
        }
    }

    /// Invalid input naming one field.
    pub fn field(field: &str, message: impl Into<String>) -> Problem {
        let message = message.into();
        Problem::invalid(
            format!("{field} {message}"),
            vec![FieldError {
                field: field.into(),
                message,
                index: None,
            }],
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn internal() -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "an internal error occurred and was logged",
        )
    }

    /// A 500 whose error the request's log line prints at error level, with the request's id.
    pub fn internal_logged(error: impl Into<String>) -> Problem {
        Problem {
            log: Some(error.into()),
            ..Problem::internal()
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (status, body).into_response();
        if let Some(error) = self.log {
            r.extensions_mut().insert(crate::ops::ErrorDetail(error));
        }
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if unauthorized {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"canali\""),
            );
        }
        r
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            // A text refused by the one rule (canali_domain::text) names its field.
            StoreError::Refused(r) => {
                let errors = r
                    .field()
                    .map(|field| FieldError {
                        field: field.to_string(),
                        message: r
                            .to_string()
                            .strip_prefix(field)
                            .unwrap_or_default()
                            .trim_start()
                            .to_string(),
                        index: None,
                    })
                    .into_iter()
                    .collect();
                Problem::invalid(r.to_string(), errors)
            }
            e @ StoreError::NotFound { .. } => Problem::not_found(e.to_string()),
            StoreError::Conflict(msg) => Problem::new(StatusCode::CONFLICT, msg),
            other => Problem::internal_logged(format!("store error: {other}")),
        }
    }
}

impl From<crate::WebError> for Problem {
    fn from(e: crate::WebError) -> Problem {
        match e {
            crate::WebError::Store(s) => s.into(),
            crate::WebError::NotFound => Problem::not_found("not found"),
            crate::WebError::BadRequest(m) => Problem::invalid(m, Vec::new()),
            crate::WebError::Forbidden(m) => Problem::new(StatusCode::FORBIDDEN, m),
            other => Problem::internal_logged(format!("internal error: {other}")),
        }
    }
}

/// The API's fallback: a problem 404 for any path under /api that is not a route.
pub async fn no_route(uri: axum::http::Uri) -> Problem {
    Problem::not_found(format!(
        "there is no API resource at {}; see /api/docs",
        uri.path()
    ))
}

/// The fallback of an API route that takes the methods `allowed` (as `Allow` lists them): a
/// problem 405 naming them, with the `Allow` header.
pub fn allow(
    allowed: &'static str,
) -> impl Fn(axum::http::Method, axum::http::Uri) -> std::future::Ready<Response> + Clone {
    move |method, uri| {
        let mut r = Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "{} does not take {method}, only {allowed}; see /api/docs",
                uri.path()
            ),
        )
        .into_response();
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allowed));
        std::future::ready(r)
    }
}
