//! The branch day: the kiosk hands out tickets, the counter (counter.rs) calls, serves and
//! closes them, the display shows who is called where; the virtual ticket lets a customer take
//! or book a ticket online, follow the queue and check in on arrival.

use super::{kiosk_key, minutes, today};
use crate::auth::{Ctx, redirect_with_cookies, sha256_hex};
use crate::error::{WebError, refusal_text};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use canali_branches::queue::estimate_wait;
use canali_domain::{Day, ROME};
use canali_store::tickets::{ServiceCategory, Ticket, TicketState};
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

pub(super) fn status_label(ctx: &Ctx, s: TicketState) -> &'static str {
    s.label(ctx.lang)
}

/// The day's tickets at a branch, and its categories by code.
pub(super) async fn day_of(
    store: &Store,
    branch: &str,
    day: Day,
) -> Result<(Vec<Ticket>, Vec<ServiceCategory>), WebError> {
    Ok((
        store.tickets().between(Some(branch), day, day).await?,
        store.tickets().service_categories(branch).await?,
    ))
}

/// Tickets called before `t` (in the queue now): higher priority, or the same and waiting
/// since earlier. For a booked ticket not checked in yet: the whole queue it would join now.
fn ahead_of(t: &Ticket, tickets: &[Ticket], prio: &HashMap<&str, i64>) -> i64 {
    let p = |c: &str| prio.get(c).copied().unwrap_or(0);
    let mine = p(&t.category);
    tickets
        .iter()
        .filter(|o| o.id != t.id && o.status == TicketState::Waiting && o.queued_at.is_some())
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
        .tickets()
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
    /// The branch is closed: why no ticket is offered.
    closed: Option<String>,
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
    let categories = state.store.tickets().service_categories(&code).await?;
    let closed = closed_now(&state, &ctx, &code).await?;
    Ok(KioskPage {
        ctx,
        branch,
        categories,
        taken: None,
        error: None,
        closed,
    }
    .into_response())
}

/// Why the kiosk issues no ticket now: the branch is closed (with when it opens next), or
/// `None` while it is open. A ticket taken after closing would promise a wait for a counter
/// nobody staffs.
async fn closed_now(state: &AppState, ctx: &Ctx, code: &str) -> Result<Option<String>, WebError> {
    let now = jiff::Timestamp::now();
    let cached = crate::network(state).await?;
    // A branch added since the network was cached is read afresh, not taken for closed.
    let state_now = if cached.branches.iter().any(|b| b.branch.code == code) {
        cached.open_now(now, None)
    } else {
        super::network::fresh_network(state)
            .await?
            .open_now(now, None)
    }
    .into_iter()
    .find(|o| o.code == code);
    if state_now.as_ref().is_some_and(|o| o.open) {
        return Ok(None);
    }
    let today = now.to_zoned(ROME.clone()).date();
    let when = state_now
        .and_then(|o| o.next_opening)
        .as_deref()
        .and_then(crate::portal::local_time)
        .map_or_else(
            || ctx.t("branches.no_opening").to_string(),
            |next| crate::portal::opens(ctx, today, next),
        );
    Ok(Some(crate::i18n::fill(
        ctx.lang,
        "kiosk.closed",
        &[("when", &when)],
    )))
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
    let categories = state.store.tickets().service_categories(&code).await?;
    if let Some(closed) = closed_now(&state, &ctx, &code).await? {
        let page = KioskPage {
            ctx,
            branch,
            categories,
            taken: None,
            error: None,
            closed: Some(closed),
        };
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let Some(cat) = categories.iter().find(|c| c.code == form.category) else {
        return Err(WebError::BadRequest(format!(
            "Categoria sconosciuta / unknown category '{}'",
            form.category
        )));
    };
    let now = now_micros();
    let load = state
        .store
        .tickets()
        .queue_load(&code, &cat.code, now)
        .await?;
    let estimate = estimate_wait(&load);
    let (taken, error) = match state
        .store
        .tickets()
        .take(&code, &cat.code, false, now, estimate)
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
        Err(e) => (None, Some(refusal_text(ctx.lang, e)?)),
    };
    Ok(KioskPage {
        ctx,
        branch,
        categories,
        taken,
        error,
        closed: None,
    }
    .into_response())
}

// ---- display -------------------------------------------------------------------------------

struct CalledView {
    /// Which call this is (a ticket called again is a new call): the display announces a call
    /// only when the newest one differs from the one it last showed.
    key: String,
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
    /// The newest call differs from the one the display showed: its live region is updated (and
    /// read out by screen readers); otherwise it is left alone, not re-announced every poll.
    announce: bool,
}

#[derive(Deserialize)]
struct SeenQuery {
    /// The key of the newest call the display shows.
    seen: Option<String>,
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
        .filter(|t| t.status == TicketState::Waiting && t.queued_at.is_some())
        .count();
    Ok((
        called
            .into_iter()
            .take(8)
            .map(|t| CalledView {
                key: format!("{}-{}", t.id, t.called_at.unwrap_or_default()),
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
    Query(q): Query<SeenQuery>,
) -> Result<Response, WebError> {
    branch_of(&state.store, &code).await?;
    let (called, waiting) = display_data(&state.store, &ctx, &code).await?;
    let newest = called.first().map(|c| c.key.as_str()).unwrap_or_default();
    let announce = q.seen.as_deref().unwrap_or_default() != newest;
    Ok(DisplayNow {
        now: clock(now_micros()),
        ctx,
        called,
        waiting,
        announce,
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
    let categories = state.store.tickets().service_categories(&code).await?;
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
    let categories = state.store.tickets().service_categories(&code).await?;
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
        Err(canali_branches::BranchError::Invalid(m)) => Ok(page_error(ctx, branch, categories, m)),
        Err(canali_branches::BranchError::Store(canali_store::StoreError::Refused(r))) => {
            let m = crate::i18n::refusal(ctx.lang, &r);
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

pub(super) struct TicketView {
    pub(super) id: i64,
    pub(super) label: String,
    pub(super) category: String,
    pub(super) status: &'static str,
    pub(super) waiting: bool,
    pub(super) called: bool,
    pub(super) checked_in: bool,
    pub(super) slot: String,
    pub(super) day: String,
    pub(super) ahead: i64,
    pub(super) wait: String,
    pub(super) counter: String,
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

pub(super) async fn ticket_view(
    store: &Store,
    ctx: &Ctx,
    code: &str,
    id: i64,
) -> Result<(Ticket, TicketView), WebError> {
    let t = store
        .tickets()
        .get(id)
        .await?
        .filter(|t| t.branch == code)
        .ok_or(WebError::NotFound)?;
    let (tickets, cats) = day_of(store, code, t.day).await?;
    let (ahead, wait) = if t.status == TicketState::Waiting {
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
        waiting: t.status == TicketState::Waiting,
        called: t.status == TicketState::Called,
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
    let (notice, error) = match state.store.tickets().check_in(id, now_micros()).await {
        Ok(_) => (Some(ctx.t("desk.checked_in").to_string()), None),
        Err(e) => (None, Some(refusal_text(ctx.lang, e)?)),
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
