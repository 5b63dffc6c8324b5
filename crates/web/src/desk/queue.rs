//! The branch day: the kiosk hands out tickets, the counter calls, serves and closes them, the
//! display shows who is called where; the virtual ticket lets a customer take or book a ticket
//! online, follow the queue and check in on arrival.

use super::{kiosk_key, minutes, refusal, today};
use crate::auth::{Ctx, redirect_with_cookies, sha256_hex};
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use canali_branches::queue::estimate_wait;
use canali_domain::service::Role;
use canali_domain::{Day, ROME};
use canali_store::tickets::{ServiceCategory, Ticket, TicketStatus};
use canali_store::{Branch, Store};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kiosk/{branch}", get(kiosk_page).post(kiosk_take))
        .route("/display/{branch}", get(display_page))
        .route("/display/{branch}/now", get(display_now))
        .route(
            "/branches/{code}/ticket",
            get(virtual_page).post(virtual_take),
        )
        .route("/branches/{code}/ticket/{id}", get(virtual_status))
        .route("/branches/{code}/ticket/{id}/live", get(virtual_live))
        .route(
            "/branches/{code}/ticket/{id}/check-in",
            post(virtual_check_in),
        )
        .route("/console/counter", get(counter_page).post(counter_act))
        .route("/console/counter/queue", get(counter_queue))
}

// ---- shared --------------------------------------------------------------------------------

/// A branch of the registry, or 404.
/// The branch with this code, or 404.
pub(super) async fn branch_of(store: &Store, code: &str) -> Result<Branch, WebError> {
    store
        .figures()
        .branches()
        .await?
        .into_iter()
        .find(|b| b.code == code)
        .ok_or(WebError::NotFound)
}

/// The local time of an instant, `HH:MM`.
fn clock(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.to_zoned(ROME.clone()).strftime("%H:%M").to_string())
        .unwrap_or_default()
}

fn status_label(ctx: &Ctx, s: TicketStatus) -> &'static str {
    s.label(ctx.lang_code())
}

/// The day's tickets at a branch, and its categories by code.
async fn day_of(
    store: &Store,
    branch: &str,
    day: Day,
) -> Result<(Vec<Ticket>, Vec<ServiceCategory>), WebError> {
    Ok((
        store.tickets(Some(branch), day, day).await?,
        store.service_categories(branch).await?,
    ))
}

/// Tickets called before `t` (in the queue now): higher priority, or the same and waiting
/// since earlier. For a booked ticket not checked in yet: the whole queue it would join now.
fn ahead_of(t: &Ticket, tickets: &[Ticket], prio: &HashMap<&str, i64>) -> i64 {
    let p = |c: &str| prio.get(c).copied().unwrap_or(0);
    let mine = p(&t.category);
    tickets
        .iter()
        .filter(|o| o.id != t.id && o.status == TicketStatus::Waiting && o.queued_at.is_some())
        .filter(|o| {
            let q = p(&o.category);
            match t.queued_at {
                Some(at) => q > mine || (q == mine && (o.wait_start(), o.id) < (at, t.id)),
                None => q >= mine,
            }
        })
        .count() as i64
}

/// The wait still ahead of `t` from the branch's recent pace.
async fn live_estimate(
    store: &Store,
    t: &Ticket,
    tickets: &[Ticket],
    cats: &[ServiceCategory],
) -> Result<(i64, i64), WebError> {
    let prio: HashMap<&str, i64> = cats.iter().map(|c| (c.code.as_str(), c.priority)).collect();
    let ahead = ahead_of(t, tickets, &prio);
    let mut load = store
        .queue_load(&t.branch, &t.category, now_micros())
        .await?;
    load.ahead = ahead;
    Ok((ahead, estimate_wait(&load)))
}

// ---- kiosk ---------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "desk/kiosk.html")]
struct KioskPage {
    ctx: Ctx,
    branch: Branch,
    categories: Vec<ServiceCategory>,
    taken: Option<TakenView>,
    error: Option<String>,
}

struct TakenView {
    label: String,
    category: String,
    ahead: i64,
    wait: String,
    at: String,
}

/// The kiosk's answer on a device not paired with the branch: what to do, with 403.
#[derive(Template, WebTemplate)]
#[template(path = "desk/kiosk_unpaired.html")]
struct KioskUnpairedPage {
    ctx: Ctx,
    branch: Branch,
    /// A pairing link was opened, but its key is not (or no longer) the branch's.
    bad_link: bool,
}

fn kiosk_unpaired(ctx: Ctx, branch: Branch, bad_link: bool) -> Response {
    let mut page = KioskUnpairedPage {
        ctx,
        branch,
        bad_link,
    }
    .into_response();
    *page.status_mut() = StatusCode::FORBIDDEN;
    page
}

#[derive(Deserialize, Default)]
struct PairingQuery {
    #[serde(default)]
    key: String,
}

async fn kiosk_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<PairingQuery>,
) -> Result<Response, WebError> {
    let branch = branch_of(&state.store, &code).await?;
    if !q.key.is_empty() {
        // The pairing link: the key moves into this kiosk's cookie and out of the address bar.
        if kiosk_key::key_opens(&state.store, &code, &q.key).await? {
            let cookie = kiosk_key::pairing_cookie(&code, &q.key, state.config.secure_cookies);
            return Ok(redirect_with_cookies(
                vec![cookie],
                &kiosk_key::kiosk_path(&code),
            ));
        }
        return Ok(kiosk_unpaired(ctx, branch, true));
    }
    if !kiosk_key::device_paired(&state.store, &headers, &code).await? {
        return Ok(kiosk_unpaired(ctx, branch, false));
    }
    let categories = state.store.service_categories(&code).await?;
    Ok(KioskPage {
        ctx,
        branch,
        categories,
        taken: None,
        error: None,
    }
    .into_response())
}

#[derive(Deserialize)]
struct TakeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    slot: String,
}

async fn kiosk_take(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(form): Form<TakeForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let branch = branch_of(&state.store, &code).await?;
    if !kiosk_key::device_paired(&state.store, &headers, &code).await? {
        return Ok(kiosk_unpaired(ctx, branch, false));
    }
    let categories = state.store.service_categories(&code).await?;
    let Some(cat) = categories.iter().find(|c| c.code == form.category) else {
        return Err(WebError::BadRequest(format!(
            "Categoria sconosciuta / unknown category '{}'",
            form.category
        )));
    };
    let now = now_micros();
    let load = state.store.queue_load(&code, &cat.code, now).await?;
    let estimate = estimate_wait(&load);
    let (taken, error) = match state
        .store
        .take_ticket(&code, &cat.code, false, now, estimate)
        .await
    {
        Ok(t) => (
            Some(TakenView {
                label: t.label.clone(),
                category: cat.name.clone(),
                ahead: load.ahead,
                wait: minutes(&ctx, estimate),
                at: ctx.datetime(t.taken_at),
            }),
            None,
        ),
        Err(e) => (None, Some(refusal(e)?)),
    };
    Ok(KioskPage {
        ctx,
        branch,
        categories,
        taken,
        error,
    }
    .into_response())
}

// ---- display -------------------------------------------------------------------------------

struct CalledView {
    label: String,
    counter: String,
    at: String,
    status: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/display.html")]
struct DisplayPage {
    ctx: Ctx,
    branch: Branch,
    called: Vec<CalledView>,
    waiting: usize,
    now: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/display_now.html")]
struct DisplayNow {
    ctx: Ctx,
    called: Vec<CalledView>,
    waiting: usize,
    now: String,
}

async fn display_data(
    store: &Store,
    ctx: &Ctx,
    code: &str,
) -> Result<(Vec<CalledView>, usize), WebError> {
    let (tickets, _) = day_of(store, code, today()).await?;
    let mut called: Vec<&Ticket> = tickets.iter().filter(|t| t.called_at.is_some()).collect();
    called.sort_by_key(|t| std::cmp::Reverse((t.called_at, t.id)));
    let waiting = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Waiting && t.queued_at.is_some())
        .count();
    Ok((
        called
            .into_iter()
            .take(8)
            .map(|t| CalledView {
                label: t.label.clone(),
                counter: t.counter.clone().unwrap_or_default(),
                at: t.called_at.map(clock).unwrap_or_default(),
                status: status_label(ctx, t.status),
            })
            .collect(),
        waiting,
    ))
}

async fn display_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let branch = branch_of(&state.store, &code).await?;
    let (called, waiting) = display_data(&state.store, &ctx, &code).await?;
    Ok(DisplayPage {
        now: clock(now_micros()),
        ctx,
        branch,
        called,
        waiting,
    }
    .into_response())
}

async fn display_now(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    branch_of(&state.store, &code).await?;
    let (called, waiting) = display_data(&state.store, &ctx, &code).await?;
    Ok(DisplayNow {
        now: clock(now_micros()),
        ctx,
        called,
        waiting,
    }
    .into_response())
}

// ---- virtual ticket ------------------------------------------------------------------------

/// The key of a virtual ticket's check-in link: a digest of the ticket with a secret drawn when
/// the server starts (a link from before a restart shows the status but cannot check in; the
/// customer then checks in with the clerk).
fn ticket_key(t: &Ticket) -> String {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let secret = SECRET.get_or_init(crate::auth::random_token);
    sha256_hex(&format!("{secret}:{}:{}:{}", t.id, t.branch, t.taken_at))[..32].to_string()
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/virtual.html")]
struct VirtualPage {
    ctx: Ctx,
    branch: Branch,
    categories: Vec<ServiceCategory>,
    customer: Option<String>,
    error: Option<String>,
}

async fn virtual_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let branch = branch_of(&state.store, &code).await?;
    let categories = state.store.service_categories(&code).await?;
    Ok(VirtualPage {
        customer: ctx.customer.as_ref().map(|c| c.name.clone()),
        ctx,
        branch,
        categories,
        error: None,
    }
    .into_response())
}

/// `2011-03-01T10:30` (the form's local date and time) in Europe/Rome, as microseconds.
fn parse_local(s: &str) -> Option<i64> {
    let dt: jiff::civil::DateTime = s.trim().parse().ok()?;
    Some(dt.to_zoned(ROME.clone()).ok()?.timestamp().as_microsecond())
}

async fn virtual_take(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(form): Form<TakeForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let branch = branch_of(&state.store, &code).await?;
    let categories = state.store.service_categories(&code).await?;
    let now = now_micros();
    let page_error = |ctx: Ctx, branch, categories, error: String| {
        VirtualPage {
            customer: ctx.customer.as_ref().map(|c| c.name.clone()),
            ctx,
            branch,
            categories,
            error: Some(error),
        }
        .into_response()
    };
    if !categories.iter().any(|c| c.code == form.category) {
        let msg = ctx.t("desk.pick_category").to_string();
        return Ok(page_error(ctx, branch, categories, msg));
    }
    let taken = if form.slot.trim().is_empty() {
        canali_branches::queue::take_ticket(&state.store, &code, &form.category, true, now).await
    } else {
        let Some(slot) = parse_local(&form.slot) else {
            let msg = format!("{} '{}'", ctx.t("desk.bad_slot"), form.slot);
            return Ok(page_error(ctx, branch, categories, msg));
        };
        canali_branches::queue::book_ticket(&state.store, &code, &form.category, now, slot).await
    };
    match taken {
        Ok(t) => Ok(Redirect::to(&format!(
            "/branches/{code}/ticket/{}?k={}",
            t.id,
            ticket_key(&t)
        ))
        .into_response()),
        Err(canali_branches::BranchError::Invalid(m))
        | Err(canali_branches::BranchError::Store(canali_store::StoreError::Invalid(m))) => {
            Ok(page_error(ctx, branch, categories, m))
        }
        Err(canali_branches::BranchError::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct KeyQuery {
    #[serde(default)]
    k: String,
}

struct TicketView {
    id: i64,
    label: String,
    category: String,
    status: &'static str,
    waiting: bool,
    called: bool,
    checked_in: bool,
    slot: String,
    day: String,
    ahead: i64,
    wait: String,
    counter: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/ticket.html")]
struct TicketPage {
    ctx: Ctx,
    branch: Branch,
    t: TicketView,
    key: String,
    can_check_in: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/ticket_live.html")]
struct TicketLive {
    ctx: Ctx,
    t: TicketView,
}

async fn ticket_view(
    store: &Store,
    ctx: &Ctx,
    code: &str,
    id: i64,
) -> Result<(Ticket, TicketView), WebError> {
    let t = store
        .ticket(id)
        .await?
        .filter(|t| t.branch == code)
        .ok_or(WebError::NotFound)?;
    let (tickets, cats) = day_of(store, code, t.day).await?;
    let (ahead, wait) = if t.status == TicketStatus::Waiting {
        live_estimate(store, &t, &tickets, &cats).await?
    } else {
        (0, 0)
    };
    let view = TicketView {
        id: t.id,
        label: t.label.clone(),
        category: cats
            .iter()
            .find(|c| c.code == t.category)
            .map_or_else(|| t.category.clone(), |c| c.name.clone()),
        status: status_label(ctx, t.status),
        waiting: t.status == TicketStatus::Waiting,
        called: t.status == TicketStatus::Called,
        checked_in: t.queued_at.is_some(),
        slot: t.slot_at.map(|s| ctx.datetime(s)).unwrap_or_default(),
        day: ctx.date(t.day),
        ahead,
        wait: minutes(ctx, wait),
        counter: t.counter.clone().unwrap_or_default(),
    };
    Ok((t, view))
}

async fn virtual_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    Query(q): Query<KeyQuery>,
) -> Result<Response, WebError> {
    let branch = branch_of(&state.store, &code).await?;
    let (t, view) = ticket_view(&state.store, &ctx, &code, id).await?;
    let valid = crate::auth::same_secret(&q.k, &ticket_key(&t));
    Ok(TicketPage {
        can_check_in: valid && t.is_virtual && t.queued_at.is_none(),
        key: if valid { q.k } else { String::new() },
        ctx,
        branch,
        t: view,
        notice: None,
        error: None,
    }
    .into_response())
}

async fn virtual_live(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let (_, t) = ticket_view(&state.store, &ctx, &code, id).await?;
    Ok(TicketLive { ctx, t }.into_response())
}

#[derive(Deserialize)]
struct CheckInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    k: String,
}

async fn virtual_check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    Form(form): Form<CheckInForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let branch = branch_of(&state.store, &code).await?;
    let (t, _) = ticket_view(&state.store, &ctx, &code, id).await?;
    if !crate::auth::same_secret(&form.k, &ticket_key(&t)) {
        return Err(WebError::Forbidden(
            "Il link del biglietto non è valido. The ticket's link is not valid.".into(),
        ));
    }
    let (notice, error) = match state.store.check_in_ticket(id, now_micros()).await {
        Ok(_) => (Some(ctx.t("desk.checked_in").to_string()), None),
        Err(e) => (None, Some(refusal(e)?)),
    };
    let (t, view) = ticket_view(&state.store, &ctx, &code, id).await?;
    Ok(TicketPage {
        can_check_in: t.queued_at.is_none(),
        key: form.k,
        ctx,
        branch,
        t: view,
        notice,
        error,
    }
    .into_response())
}

// ---- counter -------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct CounterQuery {
    #[serde(default)]
    counter: String,
    #[serde(default)]
    categories: String,
    #[serde(default)]
    done: String,
}

struct CategoryQueue {
    code: String,
    name: String,
    priority: i64,
    waiting: usize,
    first: String,
    longest: String,
}

struct DoneView {
    label: String,
    status: &'static str,
    counter: String,
    wait: String,
}

struct CounterData {
    current: Option<TicketView>,
    queues: Vec<CategoryQueue>,
    booked: usize,
    recent: Vec<DoneView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/counter.html")]
struct CounterPage {
    ctx: Ctx,
    branch: String,
    counter: String,
    counter_url: String,
    categories: String,
    d: CounterData,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "desk/counter_queue.html")]
struct CounterQueue {
    ctx: Ctx,
    d: CounterData,
}

/// The clerk's branch (an administrator may name one with `?branch=`).
/// The branch a clerk works at (an administrator names one with `asked`).
pub(super) fn clerk_branch(ctx: &Ctx, asked: Option<&str>) -> Result<String, WebError> {
    let op = ctx.operator_in(&[Role::Clerk])?;
    if let Some(b) = &op.branch {
        return Ok(b.clone());
    }
    match asked {
        Some(b) if op.role == Role::Admin && !b.is_empty() => Ok(b.to_string()),
        _ => Err(WebError::Forbidden(
            "Nessuno sportello associato a questo operatore. No branch is assigned to this operator."
                .into(),
        )),
    }
}

async fn counter_data(
    store: &Store,
    ctx: &Ctx,
    branch: &str,
    counter: &str,
) -> Result<CounterData, WebError> {
    let (tickets, cats) = day_of(store, branch, today()).await?;
    let now = now_micros();
    let current = tickets
        .iter()
        .filter(|t| {
            !counter.is_empty()
                && t.counter.as_deref() == Some(counter)
                && matches!(t.status, TicketStatus::Called | TicketStatus::Serving)
        })
        .max_by_key(|t| (t.called_at, t.id));
    let current = match current {
        Some(t) => Some(ticket_view(store, ctx, branch, t.id).await?.1),
        None => None,
    };
    let queues = cats
        .iter()
        .map(|c| {
            let mut w: Vec<&Ticket> = tickets
                .iter()
                .filter(|t| {
                    t.category == c.code
                        && t.status == TicketStatus::Waiting
                        && t.queued_at.is_some()
                })
                .collect();
            w.sort_by_key(|t| (t.wait_start(), t.id));
            CategoryQueue {
                code: c.code.clone(),
                name: c.name.clone(),
                priority: c.priority,
                waiting: w.len(),
                first: w.first().map(|t| t.label.clone()).unwrap_or_default(),
                longest: w
                    .first()
                    .map(|t| minutes(ctx, (now - t.wait_start()) / 1_000_000))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let booked = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Waiting && t.queued_at.is_none())
        .count();
    let mut done: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| matches!(t.status, TicketStatus::Closed | TicketStatus::NoShow))
        .collect();
    done.sort_by_key(|t| std::cmp::Reverse((t.closed_at, t.id)));
    let recent = done
        .into_iter()
        .take(10)
        .map(|t| DoneView {
            label: t.label.clone(),
            status: status_label(ctx, t.status),
            counter: t.counter.clone().unwrap_or_default(),
            wait: t
                .wait_seconds()
                .map(|w| minutes(ctx, w))
                .unwrap_or_default(),
        })
        .collect();
    Ok(CounterData {
        current,
        queues,
        booked,
        recent,
    })
}

#[derive(Deserialize, Default)]
struct BranchQuery {
    #[serde(default)]
    branch: Option<String>,
}

async fn counter_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CounterQuery>,
    Query(b): Query<BranchQuery>,
) -> Result<Response, WebError> {
    let branch = clerk_branch(&ctx, b.branch.as_deref())?;
    let counter = clean_counter(&q.counter);
    let d = counter_data(&state.store, &ctx, &branch, &counter).await?;
    let notice = match q.done.as_str() {
        "call" => Some(ctx.t("counter.done_call")),
        "none" => Some(ctx.t("counter.nobody")),
        "recall" => Some(ctx.t("counter.done_recall")),
        "serve" => Some(ctx.t("counter.done_serve")),
        "close" => Some(ctx.t("counter.done_close")),
        "no_show" => Some(ctx.t("counter.done_no_show")),
        _ => None,
    }
    .map(str::to_string);
    Ok(CounterPage {
        ctx,
        branch,
        counter_url: crate::error::url_escape(&counter),
        counter,
        categories: q.categories,
        d,
        notice,
        error: None,
    }
    .into_response())
}

async fn counter_queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CounterQuery>,
    Query(b): Query<BranchQuery>,
) -> Result<Response, WebError> {
    let branch = clerk_branch(&ctx, b.branch.as_deref())?;
    let d = counter_data(&state.store, &ctx, &branch, &clean_counter(&q.counter)).await?;
    Ok(CounterQueue { ctx, d }.into_response())
}

/// A counter name: letters, digits, spaces and dashes, at most 20.
fn clean_counter(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
        .take(20)
        .collect()
}

/// A step on a ticket: only on a ticket of this branch (another branch's is not found).
async fn ticket_here(store: &Store, id: Option<i64>, branch: &str) -> Result<i64, WebError> {
    let id = id.ok_or(WebError::NotFound)?;
    store
        .ticket(id)
        .await?
        .filter(|t| t.branch == branch)
        .map(|t| t.id)
        .ok_or(WebError::NotFound)
}

#[derive(Deserialize)]
struct CounterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    counter: String,
    #[serde(default)]
    categories: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    ticket: Option<i64>,
    #[serde(default)]
    branch: Option<String>,
}

async fn counter_act(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CounterForm>,
) -> Result<Response, WebError> {
    let branch = clerk_branch(&ctx, form.branch.as_deref())?;
    ctx.check_csrf(&form.csrf)?;
    let op = ctx.operator()?;
    let counter = clean_counter(&form.counter);
    if counter.is_empty() {
        return Err(WebError::BadRequest(
            "Indica il nome dello sportello. Give the counter's name.".into(),
        ));
    }
    let store = &state.store;
    let now = now_micros();
    let categories: Vec<String> = form
        .categories
        .split([',', ' '])
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    let result = match form.action.as_str() {
        "call" => store
            .call_next(&branch, &counter, &op.name, &categories, now)
            .await
            .map(|t| if t.is_some() { "call" } else { "none" }),
        "recall" => store
            .recall_ticket(ticket_here(store, form.ticket, &branch).await?, now)
            .await
            .map(|_| "recall"),
        "serve" => store
            .serve_ticket(ticket_here(store, form.ticket, &branch).await?, now)
            .await
            .map(|_| "serve"),
        "close" => store
            .close_ticket(ticket_here(store, form.ticket, &branch).await?, now, None)
            .await
            .map(|_| "close"),
        "no_show" => store
            .no_show_ticket(ticket_here(store, form.ticket, &branch).await?, now)
            .await
            .map(|_| "no_show"),
        _ => return Err(WebError::BadRequest("unknown action".into())),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!(
            "/console/counter?counter={}&categories={}&done={done}",
            crate::error::url_escape(&counter),
            crate::error::url_escape(&form.categories)
        ))
        .into_response()),
        Err(e) => {
            let error = Some(refusal(e)?);
            let d = counter_data(store, &ctx, &branch, &counter).await?;
            Ok(CounterPage {
                ctx,
                branch,
                counter_url: crate::error::url_escape(&counter),
                counter,
                categories: form.categories,
                d,
                notice: None,
                error,
            }
            .into_response())
        }
    }
}
