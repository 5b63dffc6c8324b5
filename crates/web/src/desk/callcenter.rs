//! The call centers: a month's indicators per line against the standards in force, with the
//! year's months charted against the standards' limits; the live wallboard; the week's staff
//! plan from the ledger's half-hour arrivals (Erlang C).
//!
//! The wallboard's "now" comes from the queue_log followers' saved state (the calls still open
//! at each follower's last commit, waiting when not yet answered, and the agents logged in and
//! paused) and from the pushed call events in flight (`POST /api/v1/calls/events`, whose
//! answering agents count as logged in); "today" comes from the calls' daily rollup, which
//! every ingest keeps.

use super::charts::{self, Target};
use super::{dec, opt, today};
use crate::auth::Ctx;
use crate::console::ConsoleCtx as _;
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use canali_callcenter::agents::Agents;
use canali_callcenter::assemble::OpenCall;
use canali_callcenter::staffing::{self, Target as SlTarget};
use canali_callcenter::{CallCenterSettings, Line};
use canali_callcenter::{cti, kpi};
use canali_domain::locale;
use canali_domain::service::Role;
use canali_store::calls::CallTotals;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/callcenter/kpi", get(cc_kpi))
        .route("/console/callcenter/wallboard", get(wallboard))
        .route("/console/callcenter/wallboard/live", get(wallboard_live))
        .route("/console/callcenter/staff", get(staff))
}

/// A follower that has not committed for this long is shown as stopped.
const STALE_MICROS: i64 = 5 * 60 * 1_000_000;

fn cc_error(e: canali_callcenter::Error) -> WebError {
    match e {
        canali_callcenter::Error::Invalid(m) => WebError::BadRequest(m),
        canali_callcenter::Error::Store(s) => s.into(),
        other => WebError::Internal(other.to_string()),
    }
}

fn line_of(s: &str) -> Result<Line, WebError> {
    if s.trim().is_empty() {
        return Ok(Line::Residential);
    }
    s.parse::<Line>().map_err(WebError::BadRequest)
}

fn line_label(ctx: &Ctx, l: Line) -> &'static str {
    match l {
        Line::Residential => ctx.t("cc.residential"),
        Line::Business => ctx.t("cc.business"),
    }
}

// ---- indicators ----------------------------------------------------------------------------

struct CheckLine {
    standard: String,
    indicator: &'static str,
    limit: String,
    value: String,
    verdict: (&'static str, &'static str),
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/cc_kpi.html")]
struct CcKpiPage {
    ctx: Ctx,
    month: String,
    month_shown: String,
    line: &'static str,
    line_name: &'static str,
    figures: Vec<(&'static str, String)>,
    checks: Vec<CheckLine>,
    as_note: String,
    tma_chart: String,
    ls_chart: String,
}

#[derive(Deserialize, Default)]
struct KpiQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    line: String,
}

async fn cc_kpi(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<KpiQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(&[Role::Supervisor])?;
    let month = super::kpi::month_or_latest(&state, &q.month).await?;
    let line = line_of(&q.line)?;
    let (y, m) = month.split_once('-').unwrap_or_default();
    let (year, mon): (i16, i8) = (
        y.parse().map_err(|_| WebError::BadRequest(month.clone()))?,
        m.parse().map_err(|_| WebError::BadRequest(month.clone()))?,
    );
    let settings: &CallCenterSettings = &state.callcenter;
    let ind = kpi::month(&state.store, year, mon, Some(line), settings)
        .await
        .map_err(cc_error)?
        .into_iter()
        .next()
        .ok_or_else(|| WebError::Internal("no indicators".into()))?;
    let months = kpi::year(&state.store, year, line, settings)
        .await
        .map_err(cc_error)?;
    let figures = vec![
        ("cc.offered", ind.offered.to_string()),
        ("cc.answered", ind.answered.to_string()),
        ("cc.abandoned", ind.abandoned.to_string()),
        ("cc.short_abandons", ind.short_abandons.to_string()),
        ("cc.tma", opt(&ctx, ind.tma_seconds, 1)),
        ("cc.ls", opt(&ctx, ind.ls_pct, 1)),
        ("cc.over_2m", opt(&ctx, ind.over_2m_pct, 1)),
        ("cc.talk", opt(&ctx, ind.avg_talk_seconds, 0)),
        ("cc.as", opt(&ctx, ind.as_pct, 1)),
        ("cc.as_coverage", opt(&ctx, ind.as_coverage_pct, 1)),
    ];
    let checks = ind
        .checks
        .iter()
        .map(|c| CheckLine {
            standard: c.standard.clone(),
            indicator: match c.indicator {
                "over 2 min" => ctx.t("cc.over_2m"),
                other => other,
            },
            limit: limit_text(&ctx, &c.limit),
            value: opt(&ctx, c.value, 1),
            verdict: super::verdict(&ctx, c.met),
        })
        .collect();
    // The limits in force in the month, as target lines on the year's charts.
    let first =
        jiff::civil::Date::new(year, mon, 1).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let mut tma_lines = Vec::new();
    let mut ls_lines = Vec::new();
    for s in settings.standards_at(line, first) {
        if let Some(v) = s.tma_max_seconds {
            tma_lines.push(Target {
                value: v,
                label: format!("{} ≤ {} s", s.name, locale::short(v, ctx.lang)),
            });
        }
        if let Some(v) = s.ls_min_pct {
            ls_lines.push(Target {
                value: v,
                label: format!("{} ≥ {}", s.name, locale::pct_short(v, ctx.lang)),
            });
        }
    }
    let short = |p: &str| p.get(5..7).unwrap_or(p).to_string();
    let tma: Vec<(String, Option<f64>)> = months
        .iter()
        .map(|m| (short(&m.period), m.tma_seconds))
        .collect();
    let ls: Vec<(String, Option<f64>)> = months
        .iter()
        .map(|m| (short(&m.period), m.ls_pct))
        .collect();
    Ok(CcKpiPage {
        tma_chart: charts::series(
            &format!("TMA (s) {year} · {}", line_label(&ctx, line)),
            &tma,
            &tma_lines,
            1,
            ctx.lang,
        ),
        ls_chart: charts::series(
            &format!("LS (%) {year} · {}", line_label(&ctx, line)),
            &ls,
            &ls_lines,
            1,
            ctx.lang,
        ),
        as_note: as_note(&ctx, &ind),
        month_shown: ctx.month(&month),
        month,
        line: line.name(),
        line_name: line_label(&ctx, line),
        figures,
        checks,
        ctx,
    }
    .into_response())
}

/// A standard's limit (`<= 200 s`, `>= 85.5%`) with the language's number and the signs people
/// read (`≤ 200 s`, `≥ 85,5%`).
fn limit_text(ctx: &Ctx, limit: &str) -> String {
    limit
        .split(' ')
        .map(|word| match word {
            "<=" => "≤".to_string(),
            ">=" => "≥".to_string(),
            _ => {
                let (number, unit) = match word.strip_suffix('%') {
                    Some(n) => (n, "%"),
                    None => (word, ""),
                };
                number.parse::<f64>().map_or_else(
                    |_| word.to_string(),
                    |v| format!("{}{unit}", locale::short(v, ctx.lang)),
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The note on AS in the page's language: why it is missing, or the open time it covers.
fn as_note(ctx: &Ctx, ind: &kpi::Indicators) -> String {
    let a = &ind.access;
    if ind.as_note.is_none() {
        String::new()
    } else if a.open_seconds == 0 {
        ctx.t("cc.as_never_open").to_string()
    } else if a.covered_seconds == 0 {
        ctx.t("cc.as_no_data").to_string()
    } else {
        let pct = ind.as_coverage_pct.unwrap_or(0.0).min(99.9);
        ctx.t("cc.as_partial")
            .replace("{pct}", &opt(ctx, Some(pct), 1))
    }
}

// ---- wallboard -----------------------------------------------------------------------------

struct BoardLine {
    name: &'static str,
    waiting: Option<usize>,
    longest: String,
    /// Agents logged in (paused ones included) and paused, when live data arrives.
    agents: Option<usize>,
    paused: Option<usize>,
    /// The agents logged in, by name, and whether each is paused.
    agent_names: Vec<(String, bool)>,
    offered: i64,
    answered: i64,
    abandoned: i64,
    ls: String,
    tma: String,
}

struct Board {
    lines: Vec<BoardLine>,
    /// Where the live data comes from: the followers' sources, and the pushed call events.
    follower: Option<String>,
    stale: bool,
    updated: String,
    /// Agents a follower saw log in on no queue known yet.
    without_queue: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/wallboard.html")]
struct WallboardPage {
    ctx: Ctx,
    b: Board,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/wallboard_live.html")]
struct WallboardLive {
    ctx: Ctx,
    b: Board,
}

/// What is live now: the calls waiting by line (from the followers that committed lately and
/// the pushed calls in flight), the agents, where the data comes from and when it last moved.
pub(crate) struct LiveNow {
    pub open: Vec<(Line, i64)>,
    agents: Agents,
    pushed: cti::Live,
    latest: Option<i64>,
    sources: Vec<String>,
    /// Live data arrived lately: the figures are current (otherwise the board shows dashes).
    pub running: bool,
}

/// The wallboard's "now", also sampled by the metrics scrape (calls waiting by line).
pub(crate) async fn live_now(state: &AppState, now: i64) -> Result<LiveNow, WebError> {
    let settings: &CallCenterSettings = &state.callcenter;
    let snapshots = state.store.calls().follower_snapshots().await?;
    // The followers that committed lately: their open calls and agents.
    let mut open: Vec<(Line, i64)> = Vec::new();
    let mut agents = Agents::default();
    let mut latest: Option<i64> = None;
    let mut sources: Vec<String> = Vec::new();
    for s in &snapshots {
        latest = latest.max(Some(s.updated_at));
        sources.push(s.source.clone());
        if now - s.updated_at > STALE_MICROS {
            continue;
        }
        if let Ok(calls) = serde_json::from_str::<Vec<OpenCall>>(&s.open_calls) {
            open.extend(
                calls
                    .into_iter()
                    .filter(|c| c.connected.is_none())
                    .map(|c| (settings.line_of(&c.queue), c.entered)),
            );
        }
        if let Ok(a) = Agents::from_json(&s.agents) {
            agents.agents.extend(a.agents);
        }
    }
    // The pushed calls in flight and the agents who answered them.
    let pushed = cti::live(&state.store, settings, now)
        .await
        .map_err(cc_error)?;
    open.extend(pushed.waiting.iter().copied());
    latest = latest.max(pushed.latest);
    let running = latest.is_some_and(|u| now - u <= STALE_MICROS) || !pushed.waiting.is_empty();
    Ok(LiveNow {
        open,
        agents,
        pushed,
        latest,
        sources,
        running,
    })
}

async fn board(state: &AppState, ctx: &Ctx) -> Result<Board, WebError> {
    let settings: &CallCenterSettings = &state.callcenter;
    let day = today();
    let rows = state.store.calls().daily(None, day, day).await?;
    let now = now_micros();
    let LiveNow {
        open,
        agents,
        pushed,
        latest,
        mut sources,
        running,
    } = live_now(state, now).await?;
    if pushed.latest.is_some() {
        sources.push(ctx.t("wb.cti").to_string());
    }
    let lines = Line::ALL
        .iter()
        .map(|&l| {
            let t: CallTotals = rows
                .iter()
                .find(|r| r.channel == l.channel())
                .map(|r| r.totals)
                .unwrap_or_default();
            let waiting: Vec<i64> = open
                .iter()
                .filter(|(line, _)| *line == l)
                .map(|(_, entered)| *entered)
                .collect();
            let longest = waiting.iter().map(|entered| now - entered).max();
            let mut on_line = agents.of_line(l, settings);
            on_line.logged_in.extend(
                pushed
                    .agents
                    .iter()
                    .filter(|(line, _)| *line == l)
                    .map(|(_, name)| name.clone()),
            );
            BoardLine {
                name: line_label(ctx, l),
                waiting: running.then_some(waiting.len()),
                longest: match (running, longest) {
                    (true, Some(w)) => {
                        let s = (w / 1_000_000).max(0);
                        format!("{}:{:02}", s / 60, s % 60)
                    }
                    (true, None) => "0:00".into(),
                    _ => ctx.t("wb.unknown").into(),
                },
                agents: running.then_some(on_line.logged_in.len()),
                paused: running.then_some(on_line.paused.len()),
                agent_names: if running {
                    on_line
                        .logged_in
                        .iter()
                        .map(|n| (n.clone(), on_line.paused.contains(n)))
                        .collect()
                } else {
                    Vec::new()
                },
                offered: t.offered,
                answered: t.answered,
                abandoned: t.abandoned,
                ls: if t.offered > 0 {
                    format!(
                        "{} %",
                        dec(ctx, t.answered as f64 * 100.0 / t.offered as f64, 1)
                    )
                } else {
                    "–".into()
                },
                tma: if t.offered > 0 {
                    format!(
                        "{} s",
                        dec(ctx, t.wait_seconds as f64 / t.offered as f64, 0)
                    )
                } else {
                    "–".into()
                },
            }
        })
        .collect();
    Ok(Board {
        lines,
        follower: (!sources.is_empty()).then(|| sources.join(", ")),
        stale: !running,
        updated: latest.map(|u| ctx.datetime(u)).unwrap_or_default(),
        without_queue: if running {
            agents.without_queue()
        } else {
            Vec::new()
        },
    })
}

const WALLBOARD_ROLES: &[Role] = &[Role::Supervisor, Role::Agent];

async fn wallboard(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.operator_in(WALLBOARD_ROLES)?;
    let b = board(&state, &ctx).await?;
    Ok(WallboardPage { ctx, b }.into_response())
}

async fn wallboard_live(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.operator_in(WALLBOARD_ROLES)?;
    let b = board(&state, &ctx).await?;
    Ok(WallboardLive { ctx, b }.into_response())
}

// ---- staff plan ----------------------------------------------------------------------------

fn monday_of(d: jiff::civil::Date) -> Result<jiff::civil::Date, WebError> {
    d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
        .map_err(|e| WebError::Internal(e.to_string()))
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/staff.html")]
struct StaffPage {
    ctx: Ctx,
    line: &'static str,
    line_name: &'static str,
    /// `YYYY-MM-DD` for the date field, and the Monday for people for the heading.
    week: String,
    week_shown: String,
    calls: u64,
    aht: String,
    days: Vec<String>,
    /// Half hours with calls on some day: time, then (calls, agents, scheduled) per day.
    rows: Vec<(String, Vec<(u64, u32)>)>,
    totals: Vec<u32>,
    chart: String,
}

#[derive(Deserialize, Default)]
struct StaffQuery {
    #[serde(default)]
    line: String,
    #[serde(default)]
    week: String,
}

async fn staff(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StaffQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(&[Role::Supervisor])?;
    let line = line_of(&q.line)?;
    let monday = if q.week.trim().is_empty() {
        // This week, or the week of the ledger's latest contact when it is older: the page
        // opens on the last week with data.
        let this_week = monday_of(today().date())?;
        match state.store.figures().latest_contact_day().await? {
            Some(day) if day.date() < this_week => monday_of(day.date())?,
            _ => this_week,
        }
    } else {
        q.week.trim().parse::<jiff::civil::Date>().map_err(|_| {
            WebError::BadRequest(format!(
                "'{}' non è una data AAAA-MM-GG / is not a date YYYY-MM-DD",
                q.week
            ))
        })?
    };
    let target = SlTarget {
        share: 0.8,
        seconds: 20.0,
    };
    let plan = staffing::week_plan(&state.store, line, monday, target, 300_000, 180.0)
        .await
        .map_err(cc_error)?;
    let days: Vec<String> = (0..7)
        .map(|i| {
            let date = plan.slots[i * 48].date;
            format!(
                "{} {}",
                locale::weekday_abbrev(date.weekday(), ctx.lang),
                locale::day_month(date, ctx.lang)
            )
        })
        .collect();
    let mut rows = Vec::new();
    for h in 0..48 {
        let cells: Vec<(u64, u32)> = (0..7)
            .map(|d| {
                let s = &plan.slots[d * 48 + h];
                (s.staffing.calls as u64, s.staffing.scheduled)
            })
            .collect();
        if cells.iter().any(|c| c.0 > 0) {
            rows.push((plan.slots[h].time.clone(), cells));
        }
    }
    let totals = (0..7)
        .map(|d| {
            plan.slots[d * 48..(d + 1) * 48]
                .iter()
                .map(|s| s.staffing.scheduled)
                .max()
                .unwrap_or(0)
        })
        .collect();
    let points: Vec<(String, Option<f64>)> = plan
        .slots
        .iter()
        .map(|s| {
            (
                locale::weekday_time(s.date, &s.time, ctx.lang),
                Some(f64::from(s.staffing.scheduled)),
            )
        })
        .collect();
    let chart = charts::series(
        &format!("{} · {}", ctx.t("cc.staff_chart"), line_label(&ctx, line)),
        &points,
        &[],
        48,
        ctx.lang,
    );
    Ok(StaffPage {
        line: line.name(),
        line_name: line_label(&ctx, line),
        week: monday.to_string(),
        week_shown: locale::short_date(monday, ctx.lang),
        calls: plan.calls,
        aht: dec(&ctx, plan.week_aht, 0),
        days,
        rows,
        totals,
        chart,
        ctx,
    }
    .into_response())
}
