//! The branch waiting-time indicators of a month per branch and territory, against the
//! regulator's standards and the utility's targets, with average waits charted against the
//! 20-minute standard.

use super::charts::{self, Target};
use super::{opt, verdict};
use crate::AppState;
use crate::auth::Ctx;
use crate::console::ConsoleCtx as _;
use crate::error::WebError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use canali_branches::kpi::{BranchStandards, WaitIndicators, branch_kpis};
use canali_domain::locale;
use canali_domain::service::Role;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/branches/kpi", get(branch_kpi))
}

struct KpiLine {
    scope: String,
    visits: i64,
    average: String,
    over_40: String,
    within_60: String,
    p95: String,
    regulator: (&'static str, &'static str),
    target: (&'static str, &'static str),
}

fn line(ctx: &Ctx, w: &WaitIndicators, name: Option<&str>) -> KpiLine {
    KpiLine {
        scope: match name {
            Some(n) if w.scope == "all" => n.to_string(),
            Some(n) if !n.is_empty() => format!("{} · {n}", w.scope),
            _ => w.scope.clone(),
        },
        visits: w.visits,
        average: opt(ctx, w.average_minutes, 1),
        over_40: opt(ctx, w.over_40_share.map(|s| s * 100.0), 1),
        within_60: opt(ctx, w.within_60_share.map(|s| s * 100.0), 1),
        p95: opt(ctx, w.p95_minutes, 1),
        regulator: verdict(ctx, w.regulator_met),
        target: verdict(ctx, w.target_met),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/branch_kpi.html")]
struct BranchKpiPage {
    ctx: Ctx,
    month: String,
    month_shown: String,
    no_visits: bool,
    sections: Vec<(&'static str, Vec<KpiLine>)>,
    chart: String,
    standards: String,
}

#[derive(Deserialize, Default)]
struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// The `YYYY-MM` asked for; when none is, the month a page opens on (see [`data_day`]).
pub(crate) async fn month_or_latest(state: &AppState, s: &str) -> Result<String, WebError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(data_day(state).await?.date().strftime("%Y-%m").to_string());
    }
    canali_branches::kpi::month_days(s)
        .map(|_| s.to_string())
        .ok_or_else(|| {
            WebError::BadRequest(format!(
                "'{s}' non è un mese AAAA-MM / is not a month YYYY-MM"
            ))
        })
}

/// The day whose month or week a page opens on when none is asked: today, unless the ledger's
/// latest contact is older (an imported or simulated year, a quiet start of the month); then
/// that contact's day, so the page opens on the last period with data, not on an empty one.
pub(crate) async fn data_day(state: &AppState) -> Result<canali_domain::Day, WebError> {
    let today = super::today();
    let latest = state.store.figures().latest_contact_day().await?;
    Ok(match latest {
        Some(day) if day.month_key() < today.month_key() => day,
        _ => today,
    })
}

async fn branch_kpi(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(&[Role::NetworkManager, Role::Supervisor])?;
    let month = month_or_latest(&state, &q.month).await?;
    let standards = BranchStandards::default();
    let k = branch_kpis(&state.store, &month, &standards)
        .await
        .map_err(|e| match e {
            canali_branches::BranchError::Invalid(m) => WebError::BadRequest(m),
            canali_branches::BranchError::Store(s) => s.into(),
        })?;
    let names: std::collections::HashMap<String, String> = state
        .store
        .figures()
        .branches()
        .await?
        .into_iter()
        .map(|b| (b.code, b.name))
        .collect();
    let bars: Vec<(String, Option<f64>)> = k
        .branches
        .iter()
        .map(|b| (b.scope.clone(), b.average_minutes))
        .collect();
    let chart = charts::bars(
        ctx.t("kpi.chart_wait"),
        &bars,
        &[
            Target {
                value: standards.regulator_average_minutes,
                label: format!(
                    "{} {} min",
                    ctx.t("kpi.regulator"),
                    locale::short(standards.regulator_average_minutes, ctx.lang)
                ),
            },
            Target {
                value: standards.target_average_minutes,
                label: format!(
                    "{} {} min",
                    ctx.t("kpi.target"),
                    locale::short(standards.target_average_minutes, ctx.lang)
                ),
            },
        ],
        ctx.lang,
    );
    let lang = ctx.lang;
    let standards_text = format!(
        "{}: ≤ {} min {}, {} ≤ {} min · {}: ≤ {} min, ≤ {} > 40 min",
        ctx.t("kpi.regulator"),
        locale::short(standards.regulator_average_minutes, lang),
        ctx.t("kpi.on_average"),
        locale::pct_short(standards.regulator_share * 100.0, lang),
        locale::short(standards.regulator_max_minutes, lang),
        ctx.t("kpi.target"),
        locale::short(standards.target_average_minutes, lang),
        locale::pct_short(standards.target_over_40_share * 100.0, lang),
    );
    Ok(BranchKpiPage {
        month_shown: ctx.month(&month),
        month,
        no_visits: k.network.visits == 0,
        sections: vec![
            (
                "kpi.network",
                // The network's row is scoped "all" by the indicators: named in the language.
                vec![line(&ctx, &k.network, Some(ctx.t("kpi.whole_network")))],
            ),
            (
                "kpi.territories",
                k.territories.iter().map(|t| line(&ctx, t, None)).collect(),
            ),
            (
                "kpi.branches",
                k.branches
                    .iter()
                    .map(|b| line(&ctx, b, names.get(&b.scope).map(String::as_str)))
                    .collect(),
            ),
        ],
        chart,
        standards: standards_text,
        ctx,
    }
    .into_response())
}
