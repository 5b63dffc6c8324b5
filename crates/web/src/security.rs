//! The layer every request passes: cross-site form posts are refused before any handler runs,
//! browsers get a CSRF cookie for the forms they will post, and responses carry the headers
//! that keep pages out of frames and scripts to our own origin.

use crate::AppState;
use crate::auth::{CSRF_COOKIE, FreshCsrf, cookie, random_token, set_cookie};
use crate::error::error_page;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_api = path.starts_with("/api/");
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !is_api && is_cross_site(&req) {
        return error_page(
            StatusCode::FORBIDDEN,
            "Richiesta rifiutata: proviene da un altro sito. Request refused: it came from another site.",
        );
    }
    let mut fresh = None;
    // Probes and scrapers get no cookie: they have no forms.
    let is_ops = matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
    if !is_api
        && !is_ops
        && !path.starts_with("/static/")
        && cookie(req.headers(), CSRF_COOKIE).is_none()
    {
        let token = random_token();
        req.extensions_mut().insert(FreshCsrf(token.clone()));
        fresh = Some(token);
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if let Some(token) = fresh {
        h.append(
            header::SET_COOKIE,
            set_cookie(
                CSRF_COOKIE,
                &token,
                365 * 86400,
                "Strict",
                state.config.secure_cookies,
            ),
        );
    }
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    // Swagger UI (/api/docs) keeps to the same policy: its scripts and styles are files we
    // serve, its icons data: images, its "Try it out" requests same-origin.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             frame-ancestors 'none'; form-action 'self'",
        ));
    resp
}

/// A state-changing request from another site: the browser says so in `Sec-Fetch-Site`, or
/// (older browsers) its `Origin` names another host than the one it is talking to.
fn is_cross_site(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if origin == "null" {
        return true;
    }
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    !origin_host.eq_ignore_ascii_case(host)
}
