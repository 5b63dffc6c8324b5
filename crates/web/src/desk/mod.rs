//! Branch and call-center pages (being written).

use crate::AppState;
use crate::i18n::Texts;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}

pub const TEXTS: Texts = &[];
