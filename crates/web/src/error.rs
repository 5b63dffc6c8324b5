//! Errors as pages: what went wrong, in a sentence, with the right status. A 500 is a bug and is
//! logged; everything a user can cause is a 4xx that says what to do.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use canali_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("page not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("too many attempts: try again in {0} seconds")]
    TooManyRequests(u64),
    /// The page needs a signed-in customer (or operator, for the console): go to sign in and
    /// come back to `next`.
    #[error("sign in first")]
    SignInRequired { console: bool, next: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) | WebError::Store(StoreError::Refused(_)) => {
                StatusCode::BAD_REQUEST
            }
            WebError::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
            WebError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            WebError::Store(_) | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain page for an error, in both languages: the error may come before the language is known.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let (it, en) = match status {
        StatusCode::NOT_FOUND => ("Pagina non trovata", "Page not found"),
        StatusCode::FORBIDDEN => ("Operazione non consentita", "Not allowed"),
        StatusCode::TOO_MANY_REQUESTS => ("Troppi tentativi", "Too many attempts"),
        StatusCode::BAD_REQUEST => ("Richiesta non valida", "Invalid request"),
        StatusCode::CONFLICT => (
            "Conflitto con i dati attuali",
            "Conflict with the current data",
        ),
        _ => ("Errore del server", "Server error"),
    };
    let body = format!(
        "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{it} / {en}</title><link rel=\"stylesheet\" href=\"/static/canali.css\"></head>\
         <body><main class=\"narrow\"><h1>{it} <small>/ {en}</small></h1><p class=\"error\">{}</p>\
         <p><a href=\"/\">canali</a></p></main></body></html>",
        escape(message)
    );
    (status, Html(body)).into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            WebError::SignInRequired { console, next } => {
                let login = if console { "/console/login" } else { "/login" };
                let target = format!("{login}?next={}", url_escape(&next));
                Redirect::to(&target).into_response()
            }
            WebError::TooManyRequests(secs) => {
                let mut r = error_page(
                    status,
                    &format!(
                        "Troppi tentativi: riprova tra {secs} secondi. Too many attempts: try again in {secs} seconds."
                    ),
                );
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            WebError::Store(ref e) if status == StatusCode::INTERNAL_SERVER_ERROR => {
                internal_error(status, format!("store error: {e}"))
            }
            WebError::Internal(ref e) => internal_error(status, format!("internal error: {e}")),
            // Before the page's language is known: both languages, as the page's title.
            WebError::Store(StoreError::Refused(ref r)) => error_page(
                status,
                &format!(
                    "{} {}",
                    crate::i18n::refusal(crate::i18n::Lang::It, r),
                    crate::i18n::refusal(crate::i18n::Lang::En, r)
                ),
            ),
            other => error_page(status, &other.to_string()),
        }
    }
}

/// The page of a 500: the error goes into the response's extensions, and the request's log
/// line (crate::ops::observe) prints it at error level with the request's id.
fn internal_error(status: StatusCode, detail: String) -> Response {
    let mut r = error_page(
        status,
        "Si è verificato un errore interno; è stato registrato. An internal error occurred and was logged.",
    );
    r.extensions_mut().insert(crate::ops::ErrorDetail(detail));
    r
}

/// What the store refused, as the sentence a form is shown again with (a refusal in the page's
/// language, by its key); any other error is an error page.
pub(crate) fn refusal_text(lang: crate::i18n::Lang, e: StoreError) -> Result<String, WebError> {
    match e {
        StoreError::Refused(r) => Ok(crate::i18n::refusal(lang, &r)),
        other => Err(other.into()),
    }
}

/// Percent-encodes a path for a query parameter.
pub fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub async fn not_found() -> Response {
    WebError::NotFound.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 500's page says only that the error was logged; the error itself rides in the
    /// response's extensions to the request's log line.
    #[test]
    fn a_500_carries_its_error_to_the_log_line() {
        let r = WebError::Internal("the branch network is gone".into()).into_response();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let detail = r.extensions().get::<crate::ops::ErrorDetail>().unwrap();
        assert_eq!(detail.0, "internal error: the branch network is gone");
        let r = WebError::BadRequest("no".into()).into_response();
        assert!(r.extensions().get::<crate::ops::ErrorDetail>().is_none());
    }
}
