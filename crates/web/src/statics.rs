//! The static files, compiled into the binary: htmx (0BSD, from htmx.org), our stylesheet and
//! the site's icon (browsers ask for `/favicon.ico` on every site).

use crate::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const HTMX: &[u8] = include_bytes!("../static/htmx.min.js");
const CSS: &[u8] = include_bytes!("../static/canali.css");
const ICON: &[u8] = include_bytes!("../static/favicon.ico");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/htmx.min.js", get(|| file(HTMX, "text/javascript")))
        .route("/static/canali.css", get(|| file(CSS, "text/css")))
        .route("/favicon.ico", get(|| file(ICON, "image/x-icon")))
}

async fn file(body: &'static [u8], content_type: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
}
