//! The supervisor's dashboard: today's and this month's contacts by channel (daily rollup),
//! open requests by days left to their deadline, the year's replies on time per kind against
//! the regulator's standards, and the charts of the yearly report (the
//! latest year with contacts unless another is asked for), built from the rollups and kept for a
//! few minutes.

use super::{ConsoleCtx as _, DASHBOARD};
use crate::auth::Ctx;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use canali_domain::locale;
use canali_domain::{Channel, Day};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a rendered report is reused.
const REPORT_TTL: Duration = Duration::from_secs(300);

pub struct ChannelCount {
    pub label: &'static str,
    pub today: i64,
    pub month: i64,
}

/// One kind of request's year against the regulator's reply standard.
pub struct OnTimeRow {
    pub kind: &'static str,
    pub on_time: String,
    /// `≥ 95%`, or empty for a kind without a yearly standard.
    pub standard: String,
    /// Below the yearly standard.
    pub missed: bool,
    pub late: i64,
    pub compensation: String,
}

pub struct Bucket {
    pub label: &'static str,
    pub count: i64,
    pub late: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    today: String,
    /// The month of the month column: this one, or the last with contacts.
    month: String,
    channels: Vec<ChannelCount>,
    total_today: i64,
    total_month: i64,
    buckets: Vec<Bucket>,
    on_time: Vec<OnTimeRow>,
    year: i16,
    charts: Vec<String>,
    report_error: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct YearQuery {
    year: Option<i16>,
}

/// The report's year: the one asked for, else the latest with contacts, else this one.
async fn report_year(state: &AppState, asked: Option<i16>, today: Day) -> Result<i16, WebError> {
    if let Some(y) = asked {
        if !(1990..=2200).contains(&y) {
            return Err(WebError::BadRequest(format!(
                "{y} is not a year the report can cover"
            )));
        }
        return Ok(y);
    }
    Ok(state
        .store
        .figures()
        .latest_contact_day()
        .await?
        .map_or(today.year(), Day::year))
}

pub(super) async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(DASHBOARD)?;
    let today = Day::of_micros(now_micros());
    let store = &state.store;
    // The month shown: this one, or the last with contacts when this one has none yet.
    let month_day = crate::desk::data_day(&state).await?;
    let month_start = Day::from_date(month_day.date().first_of_month());
    let month_end = Day::from_date(month_day.date().last_of_month()).min(today.max(month_day));
    let (day_counts, month_counts, by_days_left) = tokio::try_join!(
        store.figures().contacts_by_channel(today, today),
        store.figures().contacts_by_channel(month_start, month_end),
        store.requests().open_by_days_left(today),
    )?;
    let lang = ctx.lang;
    let count = |counts: &[(Channel, i64)], c: Channel| {
        counts
            .iter()
            .find(|(ch, _)| *ch == c)
            .map_or(0, |(_, n)| *n)
    };
    let channels: Vec<ChannelCount> = Channel::ALL
        .iter()
        .map(|c| ChannelCount {
            label: c.label(lang),
            today: count(&day_counts, *c),
            month: count(&month_counts, *c),
        })
        .collect();
    let buckets = by_days_left
        .iter()
        .map(|(upper, n)| Bucket {
            label: ctx.t(match *upper {
                -1 => "console.dash.overdue",
                5 => "console.dash.left_5",
                10 => "console.dash.left_10",
                20 => "console.dash.left_20",
                _ => "console.dash.left_more",
            }),
            count: *n,
            late: *upper < 0,
        })
        .collect();
    let year = report_year(&state, q.year, today).await?;
    let on_time = on_time_rows(&state, year, today, lang).await?;
    let (charts, report_error) = match report_html(&state, year, ctx.lang).await {
        Ok(html) => (figures(&html), None),
        Err(e) => (Vec::new(), Some(e)),
    };
    Ok(DashboardPage {
        today: ctx.date(today),
        month: locale::month_year(
            month_day.date().year(),
            month_day.date().month() as u8,
            lang,
        ),
        total_today: channels.iter().map(|c| c.today).sum(),
        total_month: channels.iter().map(|c| c.month).sum(),
        channels,
        buckets,
        on_time,
        year,
        charts,
        report_error,
        ctx,
    }
    .into_response())
}

/// The year's requests per kind against the reply standards in force on its first day.
async fn on_time_rows(
    state: &AppState,
    year: i16,
    today: Day,
    lang: Lang,
) -> Result<Vec<OnTimeRow>, WebError> {
    // `year` comes from `report_year`, which refuses years the report cannot cover.
    let kinds = state
        .store
        .requests()
        .year_on_time(year, today, &state.config.reply_standards)
        .await?;
    Ok(kinds
        .iter()
        .map(|k| OnTimeRow {
            kind: k.counts.kind.label(lang),
            on_time: k.on_time_pct.map_or("–".into(), |p| locale::pct(p, lang)),
            standard: k.min_on_time_pct.map_or(String::new(), |m| {
                format!("≥ {}", locale::pct_short(m, lang))
            }),
            missed: k.met == Some(false),
            late: k.counts.answered_late + k.counts.open_overdue,
            compensation: locale::dec(k.counts.compensation_cents as f64 / 100.0, 2, lang),
        })
        .collect())
}

/// The whole yearly report as its self-contained HTML page.
pub(super) async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(DASHBOARD)?;
    let today = Day::of_micros(now_micros());
    let year = report_year(&state, q.year, today).await?;
    let html = report_html(&state, year, ctx.lang)
        .await
        .map_err(WebError::BadRequest)?;
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html.as_str().to_owned(),
    )
        .into_response())
}

/// The `<figure>` blocks (the SVG charts) of the report's HTML.
fn figures(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<figure>") {
        let Some(len) = rest[start..].find("</figure>") else {
            break;
        };
        let end = start + len + "</figure>".len();
        out.push(rest[start..end].to_string());
        rest = &rest[end..];
    }
    out
}

type ReportKey = (usize, i16, &'static str);
/// Rendered reports by store, year and language, with when they were rendered.
type ReportCache = Mutex<HashMap<ReportKey, (Instant, Arc<String>)>>;

fn cache() -> &'static ReportCache {
    static CACHE: OnceLock<ReportCache> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The report of `year` rendered as HTML, reused for [`REPORT_TTL`]; the error says why there
/// is none.
async fn report_html(state: &AppState, year: i16, lang: Lang) -> Result<Arc<String>, String> {
    let key = (Arc::as_ptr(&state.store) as usize, year, lang.code());
    if let Some((at, html)) = cache().lock().expect("not poisoned").get(&key)
        && at.elapsed() < REPORT_TTL
    {
        return Ok(html.clone());
    }
    let settings = canali_report::ReportSettings::default();
    let report = canali_report::build(&state.store, year, &settings)
        .await
        .map_err(|e| e.to_string())?;
    let html = Arc::new(canali_report::render_html(&report, lang).map_err(|e| e.to_string())?);
    let mut cache = cache().lock().expect("not poisoned");
    cache.retain(|_, (at, _)| at.elapsed() < REPORT_TTL);
    cache.insert(key, (Instant::now(), html.clone()));
    Ok(html)
}
