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

/// `YYYY-MM`, or this month.
pub(crate) fn month_or_now(s: &str) -> Result<String, WebError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(super::today().date().strftime("%Y-%m").to_string());
    }
    canali_branches::kpi::month_days(s)
        .map(|_| s.to_string())
        .ok_or_else(|| {
            WebError::BadRequest(format!(
                "'{s}' non è un mese AAAA-MM / is not a month YYYY-MM"
            ))
        })
}

async fn branch_kpi(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(&[Role::NetworkManager, Role::Supervisor])?;
    let month = month_or_now(&q.month)?;
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
                    standards.regulator_average_minutes
                ),
            },
            Target {
                value: standards.target_average_minutes,
                label: format!(
                    "{} {} min",
                    ctx.t("kpi.target"),
                    standards.target_average_minutes
                ),
            },
        ],
    );
    let standards_text = format!(
        "{}: ≤ {} min {}, {}% ≤ {} min · {}: ≤ {} min, ≤ {}% > 40 min",
        ctx.t("kpi.regulator"),
        standards.regulator_average_minutes,
        ctx.t("kpi.on_average"),
        standards.regulator_share * 100.0,
        standards.regulator_max_minutes,
        ctx.t("kpi.target"),
        standards.target_average_minutes,
        standards.target_over_40_share * 100.0,
    );
    Ok(BranchKpiPage {
        month,
        no_visits: k.network.visits == 0,
        sections: vec![
            ("kpi.network", vec![line(&ctx, &k.network, None)]),
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
