//! The branch finder: the branches nearest a municipality, open now or not.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::WebError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use canali_domain::locale;
use jiff::civil::{Date, DateTime};
use serde::Deserialize;

pub struct BranchRow {
    pub name: String,
    pub municipality: String,
    pub address: String,
    pub open: bool,
    /// Until when it is open, or when it opens next.
    pub when: String,
    /// The weekly hours, days named in the page's language.
    pub schedule: String,
    /// Hours a week.
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
    let lang = ctx.lang;
    let today = jiff::Timestamp::now()
        .to_zoned(canali_domain::ROME.clone())
        .date();
    let rows = found
        .iter()
        .filter(|b| !only_open || b.open)
        .map(|b| {
            let registry = network.branches.iter().find(|n| n.branch.code == b.code);
            let when = if b.open {
                b.until.as_deref().and_then(local_time).map(|until| {
                    // An interval ending at 24:00 ends at tomorrow's 00:00.
                    let time = if until.date() > today {
                        "24:00".to_string()
                    } else {
                        clock(until)
                    };
                    crate::i18n::fill(lang, "branches.until", &[("time", &time)])
                })
            } else {
                b.next_opening
                    .as_deref()
                    .and_then(local_time)
                    .map(|next| opens(&ctx, today, next))
            };
            BranchRow {
                name: b.name.clone(),
                municipality: b.municipality.clone(),
                address: registry
                    .map(|n| n.branch.address.clone())
                    .unwrap_or_default(),
                open: b.open,
                when: when.unwrap_or_else(|| ctx.t("branches.no_opening").to_string()),
                schedule: registry
                    .map(|n| locale::weekly_hours(&n.hours, lang))
                    .unwrap_or_default(),
                hours: crate::i18n::fill(
                    lang,
                    "branches.per_week",
                    &[("hours", &ctx.dec(b.hours_per_week, 1))],
                ),
                distance: b.distance_km.map(|d| ctx.dec(d, 1)).unwrap_or_default(),
            }
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

/// The local date and time of the network's `2026-12-07T08:00+01:00` (already Europe/Rome).
pub(crate) fn local_time(rfc: &str) -> Option<DateTime> {
    rfc.get(..16)?.parse::<DateTime>().ok()
}

fn clock(dt: DateTime) -> String {
    format!("{:02}:{:02}", dt.hour(), dt.minute())
}

/// When a closed branch opens next: `apre alle 08:00` today, `apre lunedì 14/12/2026 alle
/// 08:00` on another day.
pub(crate) fn opens(ctx: &Ctx, today: Date, next: DateTime) -> String {
    if next.date() == today {
        crate::i18n::fill(ctx.lang, "branches.opens_today", &[("time", &clock(next))])
    } else {
        crate::i18n::fill(
            ctx.lang,
            "branches.opens_on",
            &[
                (
                    "day",
                    &locale::weekday_name(next.date().weekday(), ctx.lang),
                ),
                ("date", &locale::short_date(next.date(), ctx.lang)),
                ("time", &clock(next)),
            ],
        )
    }
}
