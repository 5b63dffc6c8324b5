//! The branch finder: the branches nearest a municipality, open now or not.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::WebError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub struct BranchRow {
    pub name: String,
    pub municipality: String,
    pub address: String,
    pub open: bool,
    pub until: String,
    pub next: String,
    pub hours: String,
    pub distance: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/branches.html")]
pub(super) struct BranchesPage {
    ctx: Ctx,
    query: String,
    only_open: bool,
    error: Option<String>,
    municipalities: Vec<String>,
    rows: Vec<BranchRow>,
}

#[derive(Deserialize)]
pub(super) struct FinderQuery {
    q: Option<String>,
    open: Option<String>,
}

/// The branches nearest a municipality (all of them, by name, when none is given), with whether
/// each is open now, until when or from when, and its weekly hours.
pub(super) async fn branch_finder(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FinderQuery>,
) -> Result<Response, WebError> {
    let network = crate::network(&state).await?;
    let query = q.q.unwrap_or_default().trim().to_string();
    let only_open = q.open.is_some();
    let near = if query.is_empty() {
        None
    } else {
        network.municipality_point(&query)
    };
    let error = (!query.is_empty() && near.is_none())
        .then(|| format!("{} {query}", ctx.t("branches.unknown_place")));
    let mut found = network.open_now(jiff::Timestamp::now(), near);
    if near.is_none() {
        found.sort_by(|a, b| {
            a.municipality
                .cmp(&b.municipality)
                .then(a.name.cmp(&b.name))
        });
    }
    let mut municipalities: Vec<String> = network
        .branches
        .iter()
        .map(|b| b.branch.municipality.clone())
        .collect();
    municipalities.sort();
    municipalities.dedup();
    let time = |rfc: &Option<String>| {
        rfc.as_deref()
            .and_then(|s| s.parse::<jiff::Zoned>().ok())
            .map(|z| ctx.datetime(z.timestamp().as_microsecond()))
            .unwrap_or_default()
    };
    let rows = found
        .iter()
        .filter(|b| !only_open || b.open)
        .map(|b| BranchRow {
            name: b.name.clone(),
            municipality: b.municipality.clone(),
            address: network
                .branches
                .iter()
                .find(|n| n.branch.code == b.code)
                .map(|n| n.branch.address.clone())
                .unwrap_or_default(),
            open: b.open,
            until: time(&b.until),
            next: time(&b.next_opening),
            hours: format!("{:.1} h/{}", b.hours_per_week, ctx.t("branches.week")),
            distance: b.distance_km.map(|d| format!("{d:.1}")).unwrap_or_default(),
        })
        .collect();
    Ok(BranchesPage {
        query,
        only_open,
        error,
        municipalities,
        rows,
        ctx,
    }
    .into_response())
}
