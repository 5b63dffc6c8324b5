//! The online branch ("sportello on-line"): registration with the code on the bill, sign-in,
//! password reset and address change by e-mail link, the customer's supply points and bills,
//! the e-bill switch, meter self-reading, requests and complaints, and the branch finder.
//!
//! Every page loads data through the signed-in customer's id, so a customer asking for another
//! customer's bill or request gets 404. Every action a customer would otherwise have taken by
//! phone or at a branch is a `web` contact in the ledger.

mod access;
mod account;
mod bills;
mod branches;
mod complaint;
mod ebill;
mod privacy;
mod readings;
mod requests;
mod texts;

pub(crate) use branches::{local_time, opens};
pub use requests::attachment_response;
pub use texts::TEXTS;

use crate::auth::{self, Ctx};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::signin::{self, Audience};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use canali_domain::{Channel, Outcome, Reason};
use canali_store::accounts::CustomerIdentity;
use canali_store::customers::{BillRow, SupplyPointRow};
use canali_store::requests::ServiceRequest;
use canali_store::{NewContact, StoreError};
use serde::Deserialize;

/// The ledger source of the contacts the online branch writes.
pub const PORTAL_SOURCE: &str = "portal";

const MIN_PASSWORD: usize = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/lang/{code}", get(switch_lang))
        .merge(signin::routes(Audience::Customer))
        .route(
            "/register",
            get(access::register_page).post(access::register),
        )
        .route("/confirm", get(access::confirm))
        .route(
            "/confirm/resend",
            get(access::resend_page).post(access::resend),
        )
        .route(
            "/password/forgot",
            get(access::forgot_page).post(access::forgot),
        )
        .route(
            "/password/reset",
            get(access::reset_page).post(access::reset),
        )
        .route("/account", get(account::account_page))
        .route("/account/password", post(account::change_password))
        .route("/account/email", post(account::change_email))
        .route("/account/email/confirm", get(account::confirm_email_change))
        .route("/home", get(bills::home))
        .route("/bills", get(bills::bills))
        .route("/bills/{id}", get(bills::bill))
        .route("/bills/{id}/pdf", get(bills::bill_pdf))
        .route("/ebill", get(ebill::ebill_page).post(ebill::ebill_switch))
        .route(
            "/readings",
            get(readings::readings_page).post(readings::send_reading),
        )
        .route("/requests", get(requests::requests))
        .route(
            "/requests/new",
            get(requests::new_request_page)
                .post(requests::new_request)
                // The form's files are limited by upload.rs, not axum's 2 MB default.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/requests/{id}", get(requests::request))
        .route("/requests/{id}/files/{file}", get(requests::request_file))
        .route("/branches", get(branches::branch_finder))
        .route("/privacy", get(privacy::privacy_page))
        .route(
            "/complaint",
            get(complaint::complaint_page)
                .post(complaint::complaint)
                // The form's files are limited by upload.rs, not axum's 2 MB default.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
}

// ---- views ---------------------------------------------------------------------------------

pub struct PointView {
    pub id: i64,
    pub service: &'static str,
    pub identifier: String,
    pub address: String,
}

impl PointView {
    pub(crate) fn of(ctx: &Ctx, p: &SupplyPointRow) -> PointView {
        PointView {
            id: p.id,
            service: p.service.label(ctx.lang),
            identifier: p.identifier.clone(),
            address: format!("{}, {}", p.address, p.municipality),
        }
    }
}

pub struct BillView {
    pub id: i64,
    pub period: String,
    pub service: &'static str,
    pub identifier: String,
    pub issued: String,
    pub due: String,
    pub amount: String,
    pub delivery: &'static str,
}

impl BillView {
    pub(crate) fn of(ctx: &Ctx, b: &BillRow) -> BillView {
        BillView {
            id: b.id,
            period: format!("{} – {}", ctx.date(b.period_from), ctx.date(b.period_to)),
            service: b.service.label(ctx.lang),
            identifier: b.identifier.clone(),
            issued: ctx.date(b.issued),
            due: ctx.date(b.due),
            amount: ctx.euros(b.total_cents),
            delivery: b.delivery.label(ctx.lang),
        }
    }
}

pub struct RequestView {
    pub id: i64,
    pub kind: &'static str,
    pub subject: String,
    pub opened: String,
    pub status: &'static str,
}

impl RequestView {
    fn of(ctx: &Ctx, r: &ServiceRequest) -> RequestView {
        RequestView {
            id: r.id,
            kind: r.kind.label(ctx.lang),
            subject: r.subject.clone(),
            opened: ctx.datetime(r.opened_at),
            status: r.status.label(ctx.lang),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/index.html")]
struct IndexPage {
    ctx: Ctx,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/message.html")]
struct MessagePage {
    ctx: Ctx,
    title: String,
    text: String,
    is_error: bool,
    link: Option<(String, String)>,
}

fn message(ctx: Ctx, title: &str, text: String, link: Option<(&str, &str)>) -> MessagePage {
    MessagePage {
        title: title.to_string(),
        text,
        is_error: false,
        link: link.map(|(h, l)| (h.to_string(), l.to_string())),
        ctx,
    }
}

fn failure(ctx: Ctx, title: &str, text: String, link: Option<(&str, &str)>) -> MessagePage {
    MessagePage {
        is_error: true,
        ..message(ctx, title, text, link)
    }
}

// ---- helpers -------------------------------------------------------------------------------

/// A local path to come back to after sign-in; anything else (another site) goes home.
pub(crate) fn safe_next(next: Option<&str>, default: &str) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => default.to_string(),
    }
}

fn password_problem(lang: Lang, password: &str, again: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Some(crate::i18n::t(lang, "password.too_short").to_string());
    }
    if password != again {
        return Some(crate::i18n::t(lang, "password.mismatch").to_string());
    }
    None
}

/// The start of every form a signed-in customer posts: the customer, once the form's CSRF token
/// is checked.
fn posting_customer(ctx: &Ctx, csrf: &str) -> Result<CustomerIdentity, WebError> {
    let customer = ctx.customer()?.clone();
    ctx.check_csrf(csrf)?;
    Ok(customer)
}

/// The store's answer to a form: what it refused becomes the sentence the form is shown again
/// with (a refusal in the page's language); any other error is an error page.
fn refused<T>(ctx: &Ctx, answer: Result<T, StoreError>) -> Result<Result<T, String>, WebError> {
    match answer {
        Ok(v) => Ok(Ok(v)),
        Err(e) => crate::error::refusal_text(ctx.lang, e).map(Err),
    }
}

/// Writes a `web` contact for something the customer did in the online branch.
async fn record_web_contact(
    state: &AppState,
    customer_code: &str,
    external_id: String,
    reason: Reason,
) -> Result<(), WebError> {
    let now = now_micros();
    state
        .store
        .ledger()
        .ingest(
            PORTAL_SOURCE,
            &[NewContact {
                external_id,
                channel: Channel::Web,
                started_at: now,
                ended_at: Some(now),
                segment: None,
                customer: Some(customer_code.to_string()),
                territory: None,
                wait_seconds: None,
                handle_seconds: None,
                reason: Some(reason),
                outcome: Some(Outcome::Resolved),
                branch: None,
                line: None,
                agent: None,
            }],
        )
        .await?;
    Ok(())
}

// ---- pages ---------------------------------------------------------------------------------

async fn index(ctx: Ctx) -> Response {
    if ctx.customer.is_some() {
        return Redirect::to("/home").into_response();
    }
    IndexPage { ctx }.into_response()
}

#[derive(Deserialize)]
struct BackQuery {
    back: Option<String>,
}

async fn switch_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<BackQuery>,
) -> Result<Response, WebError> {
    let lang = Lang::from_code(&code)
        .ok_or_else(|| WebError::BadRequest(format!("unknown language '{code}': use it or en")))?;
    let cookie = auth::set_cookie(
        auth::LANG_COOKIE,
        lang.code(),
        365 * 86400,
        "Lax",
        state.config.secure_cookies,
    );
    Ok(auth::redirect_with_cookies(
        vec![cookie],
        &safe_next(q.back.as_deref(), "/"),
    ))
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}
