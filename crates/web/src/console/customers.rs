//! The customer search and the customer page: identity, supply points, bills, e-bill and
//! online-branch status, open requests and the timeline of every contact; every view of the page
//! is written to the audit log. Contacts are logged here, in the channel of the operator's role.

use super::{CONSOLE_SOURCE, CONTACT_LOGGERS, ConsoleCtx as _, SEARCHERS, audit, id_of};
use crate::auth::Ctx;
use crate::error::{WebError, refusal_text};
use crate::portal::{BillView, PointView};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use canali_domain::service::{RequestStatus, Role};
use canali_domain::text::{TextKind, check_text, text_fault};
use canali_domain::{Channel, Outcome, Reason};
use canali_store::NewContact;
use canali_store::accounts::Operator;
use canali_store::customers::{CustomerHit, SearchField, TimelineEntry};
use canali_store::requests::ServiceRequest;
use serde::Deserialize;

const SEARCH_LIMIT: i64 = 50;
const TIMELINE_PAGE: i64 = 20;
const BILLS_PAGE: i64 = 5;
/// The outcomes an operator may give a contact they log.
const OUTCOMES: &[Outcome] = &[
    Outcome::Resolved,
    Outcome::RequestOpened,
    Outcome::Transferred,
];
/// The longest handling time a logged contact may have, in minutes.
const MAX_MINUTES: i64 = 600;

pub struct HitView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub segment: &'static str,
    pub tax_id: String,
    pub email: String,
    pub phone: String,
    pub matched: &'static str,
}

fn field_label(ctx: &Ctx, f: SearchField) -> &'static str {
    ctx.t(match f {
        SearchField::Code => "console.search.by_code",
        SearchField::TaxId => "console.search.by_tax_id",
        SearchField::SupplyPoint => "console.search.by_point",
        SearchField::Email => "console.search.by_email",
        SearchField::Phone => "console.search.by_phone",
        SearchField::Name => "console.search.by_name",
    })
}

impl HitView {
    fn of(ctx: &Ctx, h: CustomerHit) -> HitView {
        HitView {
            id: h.id,
            code: h.code,
            name: h.name,
            segment: h.segment.label(ctx.lang),
            tax_id: h.tax_id,
            email: h.email.unwrap_or_default(),
            phone: h.phone.unwrap_or_default(),
            matched: field_label(ctx, h.matched),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "console/search.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    hits: Vec<HitView>,
    /// Why the query was refused (canali_domain::text), shown with the field.
    error: Option<String>,
    found: String,
}

/// Only the results, for htmx's live search.
#[derive(Template, WebTemplate)]
#[template(path = "console/search_results.html")]
struct SearchResults {
    ctx: Ctx,
    q: String,
    hits: Vec<HitView>,
    error: Option<String>,
    found: String,
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    q: Option<String>,
}

/// Customers by code, tax id, POD/PDR, e-mail, phone or any word of the name.
pub(super) async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    ctx: Ctx,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(SEARCHERS)?;
    let q = q.q.unwrap_or_default().trim().to_string();
    // A control character or an overlong query: the form says so on the field (400).
    if let Some(fault) = text_fault(&q, TextKind::Line) {
        let error = Some(crate::i18n::refusal(ctx.lang, &fault.refusal("q")));
        // Shown again without its control characters, cut to the limit.
        let q: String = q
            .chars()
            .filter(|c| !c.is_control())
            .take(TextKind::Line.max_chars())
            .collect();
        let page = if headers.contains_key("hx-request") {
            SearchResults {
                ctx,
                q,
                hits: Vec::new(),
                error,
                found: String::new(),
            }
            .into_response()
        } else {
            SearchPage {
                ctx,
                q,
                hits: Vec::new(),
                error,
                found: String::new(),
            }
            .into_response()
        };
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    let mut hits: Vec<HitView> = if q.is_empty() {
        Vec::new()
    } else {
        // One more than shown, to know whether the list was cut.
        state
            .store
            .customers()
            .search(&q, SEARCH_LIMIT + 1)
            .await?
            .into_iter()
            .map(|h| HitView::of(&ctx, h))
            .collect()
    };
    let capped = hits.len() as i64 > SEARCH_LIMIT;
    hits.truncate(SEARCH_LIMIT as usize);
    let found = found_text(&ctx, hits.len(), capped);
    if headers.contains_key("hx-request") {
        return Ok(SearchResults {
            ctx,
            q,
            hits,
            error: None,
            found,
        }
        .into_response());
    }
    Ok(SearchPage {
        ctx,
        q,
        hits,
        error: None,
        found,
    }
    .into_response())
}

/// How many customers were found, in a sentence: one, some, or more than the page shows.
fn found_text(ctx: &Ctx, shown: usize, capped: bool) -> String {
    let count = ctx.int(shown as i64);
    match (shown, capped) {
        (_, true) => crate::i18n::fill(
            ctx.lang,
            "console.search.found_capped",
            &[("count", &count)],
        ),
        (1, false) => ctx.t("console.search.found_one").to_string(),
        _ => crate::i18n::fill(ctx.lang, "console.search.found", &[("count", &count)]),
    }
}

pub struct RequestView {
    pub id: i64,
    pub kind: &'static str,
    pub subject: String,
    pub opened: String,
    pub deadline: String,
}

impl RequestView {
    fn of(ctx: &Ctx, r: &ServiceRequest) -> RequestView {
        RequestView {
            id: r.id,
            kind: r.kind.label(ctx.lang),
            subject: r.subject.clone(),
            opened: ctx.datetime(r.opened_at),
            deadline: r.deadline_day.map(|d| ctx.date(d)).unwrap_or_default(),
        }
    }
}

pub struct TimelineRow {
    pub when: String,
    pub channel: &'static str,
    pub reason: &'static str,
    pub outcome: &'static str,
    pub who: String,
    pub wait: String,
    pub handle: String,
}

fn minutes_seconds(s: Option<i64>) -> String {
    s.map(|s| format!("{}:{:02}", s / 60, s % 60))
        .unwrap_or_default()
}

impl TimelineRow {
    fn of(ctx: &Ctx, e: &TimelineEntry) -> TimelineRow {
        let lang = ctx.lang;
        let who = [e.branch.as_deref(), e.line.as_deref(), e.agent.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        TimelineRow {
            when: ctx.datetime(e.started_at),
            channel: e.channel.label(lang),
            reason: e.reason.map_or("", |r| r.label(lang)),
            outcome: e.outcome.map_or("", |o| o.label(lang)),
            who,
            wait: minutes_seconds(e.wait_seconds),
            handle: minutes_seconds(e.handle_seconds),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "console/customer.html")]
struct CustomerPage {
    ctx: Ctx,
    notice: Option<String>,
    error: Option<String>,
    id: i64,
    code: String,
    name: String,
    segment: &'static str,
    tax_id: String,
    email: String,
    phone: String,
    since: String,
    territory: String,
    ebill: String,
    portal: String,
    points: Vec<PointView>,
    bills: Vec<BillView>,
    bills_page: i64,
    bills_more: bool,
    requests: Vec<RequestView>,
    timeline: Vec<TimelineRow>,
    /// The `before` of the next (older) timeline page.
    older: Option<String>,
    paged: bool,
    /// The contact form: the channels the operator may log in (empty: no form).
    channels: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    may_audit: bool,
}

#[derive(Deserialize)]
pub(super) struct CustomerQuery {
    before: Option<String>,
    bills: Option<i64>,
    done: Option<String>,
}

/// `started_at,id` of the last entry seen.
fn parse_before(s: Option<&str>) -> Result<Option<(i64, i64)>, WebError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        WebError::BadRequest(format!(
            "'{s}' is not a timeline position: expected started_at,id"
        ))
    };
    let (at, id) = s.split_once(',').ok_or_else(bad)?;
    Ok(Some((
        at.trim().parse().map_err(|_| bad())?,
        id.trim().parse().map_err(|_| bad())?,
    )))
}

/// The channels an operator logs contacts in: an agent their line, a clerk the branches, the
/// back office (and administrators) postal mail or the online branch.
fn contact_channels(op: &Operator) -> Vec<Channel> {
    match op.role {
        Role::Agent => vec![op.line.unwrap_or(Channel::CallCenterResidential)],
        Role::Clerk => vec![Channel::Branch],
        Role::BackOffice | Role::Admin => vec![Channel::Mail, Channel::Web],
        Role::Supervisor | Role::NetworkManager => Vec::new(),
    }
}

pub(super) async fn customer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CustomerQuery>,
) -> Result<Response, WebError> {
    let notice = match q.done.as_deref() {
        Some("logged") => Some(ctx.t("console.contact.logged").to_string()),
        _ => None,
    };
    let before = parse_before(q.before.as_deref())?;
    customer_view(&state, ctx, &id, before, q.bills, notice, None).await
}

async fn customer_view(
    state: &AppState,
    ctx: Ctx,
    id: &str,
    before: Option<(i64, i64)>,
    bills_page: Option<i64>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let op = ctx.operator_in(SEARCHERS)?.clone();
    let id = id_of(id)?;
    let store = &state.store;
    let record = store.customers().get(id).await?.ok_or(WebError::NotFound)?;
    let bills_page = bills_page.unwrap_or(1).clamp(1, 1_000_000);
    let (points, mut bills, requests, mut timeline) = tokio::try_join!(
        store.customers().supply_points_of(id),
        store
            .customers()
            .bills_of(id, BILLS_PAGE + 1, (bills_page - 1) * BILLS_PAGE),
        store.requests().of(id),
        store
            .customers()
            .timeline(&record.code, before, TIMELINE_PAGE + 1),
    )?;
    let detail = match before {
        Some((at, tid)) => format!("{} timeline before {at},{tid}", record.code),
        None => record.code.clone(),
    };
    audit(state, op.id, "view_customer", Some(id), &detail).await?;
    let bills_more = bills.len() as i64 > BILLS_PAGE;
    bills.truncate(BILLS_PAGE as usize);
    let older = (timeline.len() as i64 > TIMELINE_PAGE).then(|| {
        timeline.truncate(TIMELINE_PAGE as usize);
        let last = timeline.last().expect("a full page");
        format!("{},{}", last.started_at, last.id)
    });
    let lang = ctx.lang;
    let ebill = match (record.ebill_enrolled, record.ebill_since) {
        (true, since) => {
            let mut s = ctx.t("console.customer.ebill_yes").to_string();
            if let Some(d) = since {
                s.push_str(&format!(" {} {}", ctx.t("console.since"), ctx.date(d)));
            }
            if let Some(p) = record.ebill_path {
                s.push_str(&format!(" ({})", p.label(lang)));
            }
            s
        }
        (false, _) => ctx.t("console.customer.ebill_no").to_string(),
    };
    let portal = match (&record.portal_email, record.portal_registered) {
        (Some(e), Some(d)) => format!("{e} ({} {})", ctx.t("console.since"), ctx.date(d)),
        (Some(e), None) => format!("{e} ({})", ctx.t("console.customer.portal_unconfirmed")),
        (None, _) => ctx.t("console.customer.portal_none").to_string(),
    };
    let channels = contact_channels(&op)
        .into_iter()
        .map(|c| (c.name(), c.label(lang)))
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // The territory by name (the branch network's registry holds the SOTs).
    let territory = crate::network(state)
        .await
        .ok()
        .and_then(|n| {
            n.sots
                .iter()
                .find(|s| s.code == record.sot)
                .map(|s| s.name.clone())
        })
        .unwrap_or_else(|| record.sot.to_string());
    let page = CustomerPage {
        notice,
        error,
        id,
        code: record.code.clone(),
        name: record.name.clone(),
        segment: record.segment.label(lang),
        tax_id: record.tax_id.clone(),
        email: record.email.clone().unwrap_or_default(),
        phone: record.phone.clone().unwrap_or_default(),
        since: ctx.date(record.since),
        territory,
        ebill,
        portal,
        points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
        bills: bills.iter().map(|b| BillView::of(&ctx, b)).collect(),
        bills_page,
        bills_more,
        requests: requests
            .iter()
            .filter(|r| r.status == RequestStatus::Open)
            .map(|r| RequestView::of(&ctx, r))
            .collect(),
        timeline: timeline.iter().map(|e| TimelineRow::of(&ctx, e)).collect(),
        older,
        paged: before.is_some(),
        channels,
        reasons: Reason::ALL
            .iter()
            .map(|r| (r.name(), r.label(lang)))
            .collect(),
        outcomes: OUTCOMES.iter().map(|o| (o.name(), o.label(lang))).collect(),
        may_audit: op.role == Role::Admin,
        ctx,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub(super) struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    note: String,
}

/// Logs a contact with the customer in the channel of the operator's role, with the operator's
/// address as agent; the note goes to the audit log with the contact's id.
pub(super) async fn log_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ContactForm>,
) -> Result<Response, WebError> {
    let op = ctx.operator_in(CONTACT_LOGGERS)?.clone();
    ctx.check_csrf(&f.csrf)?;
    let customer_id = id_of(&id)?;
    let record = state
        .store
        .customers()
        .get(customer_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let fail = |ctx: Ctx, key: &'static str| {
        let msg = ctx.t(key).to_string();
        customer_view(&state, ctx, &id, None, None, None, Some(msg))
    };
    let allowed = contact_channels(&op);
    let channel = match f.channel.trim() {
        "" => allowed.first().copied(),
        name => name.parse::<Channel>().ok().filter(|c| allowed.contains(c)),
    };
    let Some(channel) = channel else {
        return fail(ctx, "console.contact.bad_channel").await;
    };
    let Ok(reason) = f.reason.parse::<Reason>() else {
        return fail(ctx, "console.contact.bad_reason").await;
    };
    let Some(outcome) = f
        .outcome
        .parse::<Outcome>()
        .ok()
        .filter(|o| OUTCOMES.contains(o))
    else {
        return fail(ctx, "console.contact.bad_outcome").await;
    };
    let minutes = match f.minutes.trim() {
        "" => None,
        m => match m.parse::<i64>() {
            Ok(n) if (0..=MAX_MINUTES).contains(&n) => Some(n),
            _ => return fail(ctx, "console.contact.bad_minutes").await,
        },
    };
    if let Err(r) = check_text("note", f.note.trim(), TextKind::Body) {
        let msg = crate::i18n::refusal(ctx.lang, &r);
        return customer_view(&state, ctx, &id, None, None, None, Some(msg)).await;
    }
    let now = now_micros();
    let handle_seconds = minutes.map(|m| m * 60);
    let external_id = format!("op{}-{now}", op.id);
    let contact = NewContact {
        external_id: external_id.clone(),
        channel,
        // Placed at the moment it is logged, like every other contact the customer makes now:
        // the timeline is newest first by start, and a start pushed back by the duration
        // would sort the contact under older ones. The duration is in `handle_seconds`.
        started_at: now,
        ended_at: None,
        segment: None,
        customer: Some(record.code.clone()),
        territory: None,
        wait_seconds: None,
        handle_seconds,
        reason: Some(reason),
        outcome: Some(outcome),
        branch: if channel == Channel::Branch {
            op.branch.clone()
        } else {
            None
        },
        line: None,
        agent: Some(op.email.clone()),
    };
    if let Err(e) = state
        .store
        .ledger()
        .ingest(CONSOLE_SOURCE, &[contact])
        .await
    {
        let msg = refusal_text(ctx.lang, e)?;
        return customer_view(&state, ctx, &id, None, None, None, Some(msg)).await;
    }
    let note = f.note.trim();
    let detail = format!(
        "{CONSOLE_SOURCE}/{external_id} {} {} {}{}{note}",
        channel.name(),
        reason.name(),
        outcome.name(),
        if note.is_empty() { "" } else { ": " },
    );
    audit(&state, op.id, "log_contact", Some(customer_id), &detail).await?;
    Ok(Redirect::to(&format!("/console/customers/{customer_id}?done=logged")).into_response())
}
