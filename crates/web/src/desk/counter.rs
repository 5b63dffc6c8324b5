//! The branch counter: the clerk calls the next ticket, recalls, serves and closes it, with the
//! queue of each service category beside.

use super::queue::{TicketView, day_of, status_label, ticket_view};
use super::{minutes, today};
use crate::auth::Ctx;
use crate::console::ConsoleCtx as _;
use crate::error::{WebError, refusal_text};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use canali_domain::service::Role;
use canali_store::Store;
use canali_store::tickets::{Ticket, TicketState};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/counter", get(counter_page).post(counter_act))
        .route("/console/counter/queue", get(counter_queue))
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
    /// The current ticket's customer is at the counter: the counter calls nobody else until it
    /// is closed (the store refuses it too).
    serving: bool,
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
                && matches!(t.status, TicketState::Called | TicketState::Serving)
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
                        && t.status == TicketState::Waiting
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
        .filter(|t| t.status == TicketState::Waiting && t.queued_at.is_none())
        .count();
    let mut done: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| matches!(t.status, TicketState::Closed | TicketState::NoShow))
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
        serving: current.as_ref().is_some_and(|t| !t.called),
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
        .tickets()
        .get(id)
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
            .tickets()
            .call_next(&branch, &counter, &op.name, &categories, now)
            .await
            .map(|t| if t.is_some() { "call" } else { "none" }),
        "recall" => store
            .tickets()
            .recall(ticket_here(store, form.ticket, &branch).await?, now)
            .await
            .map(|_| "recall"),
        "serve" => store
            .tickets()
            .serve(ticket_here(store, form.ticket, &branch).await?, now)
            .await
            .map(|_| "serve"),
        "close" => store
            .tickets()
            .close(ticket_here(store, form.ticket, &branch).await?, now, None)
            .await
            .map(|_| "close"),
        "no_show" => store
            .tickets()
            .no_show(ticket_here(store, form.ticket, &branch).await?, now)
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
            let error = Some(refusal_text(ctx.lang, e)?);
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
