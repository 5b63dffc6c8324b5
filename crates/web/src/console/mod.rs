//! The operator console: sign-in for operators, the customer search and the customer page with
//! the timeline of every contact in every channel (each view audited), contacts logged by
//! agents, clerks and the back office, the requests queue with answers and late-reply
//! compensation, the postal mail registry, the supervisor's dashboard with the yearly report's
//! charts, and the administrator's operators, API tokens and audit log.
//!
//! Every page asks for a signed-in operator of the right role (administrators may do anything);
//! a customer's session is not an operator's, so it is sent to the console's sign-in.

mod admin;
mod customers;
mod dashboard;
mod mail;
mod requests;
mod texts;

pub use texts::TEXTS;

use crate::auth::CsrfForm;
use crate::auth::{self, Ctx};
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use canali_domain::service::Role;
use canali_store::accounts::SessionKind;
use serde::Deserialize;
use std::net::SocketAddr;

/// The ledger source of the contacts operators log in the console.
pub const CONSOLE_SOURCE: &str = "console";

/// Who may search customers and open the customer page.
const SEARCHERS: &[Role] = &[Role::Agent, Role::Clerk, Role::BackOffice, Role::Supervisor];
/// Who may log a contact on the customer page (the channel follows the role).
const CONTACT_LOGGERS: &[Role] = &[Role::Agent, Role::Clerk, Role::BackOffice];
/// Who works the requests queue.
const QUEUE: &[Role] = &[Role::BackOffice, Role::Supervisor];
/// Who keeps the postal mail registry.
const MAIL: &[Role] = &[Role::BackOffice];
/// Who sees the dashboard and the report.
const DASHBOARD: &[Role] = &[Role::Supervisor];
/// Administrators only.
const ADMIN: &[Role] = &[];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/search", get(customers::search))
        .route("/console/customers/{id}", get(customers::customer))
        .route(
            "/console/customers/{id}/contacts",
            post(customers::log_contact),
        )
        .route("/console/requests", get(requests::queue))
        .route(
            "/console/requests/{id}",
            get(requests::request).post(requests::answer),
        )
        .route("/console/requests/{id}/files/{file}", get(requests::file))
        .route("/console/mail", get(mail::registry).post(mail::register))
        .route("/console/mail/{id}/file", get(mail::file))
        .route("/console/dashboard", get(dashboard::dashboard))
        .route("/console/report", get(dashboard::report))
        .route(
            "/console/admin/users",
            get(admin::users).post(admin::add_user),
        )
        .route("/console/admin/users/{id}/active", post(admin::set_active))
        .route(
            "/console/admin/tokens",
            get(admin::tokens).post(admin::create_token),
        )
        .route(
            "/console/admin/tokens/{id}/revoke",
            post(admin::revoke_token),
        )
        .route("/console/admin/audit", get(admin::audit_log))
}

/// What the console's layout asks of the request context: the menu for the operator's role.
pub trait ConsoleCtx {
    /// The console pages the signed-in operator may open: (link, label).
    fn nav(&self) -> Vec<(&'static str, &'static str)>;
    /// The operator's role, in the page's language.
    fn role_label(&self) -> &'static str;
    /// Whether the signed-in operator has one of `roles` (administrators have them all).
    fn may(&self, roles: &[Role]) -> bool;
}

impl ConsoleCtx for Ctx {
    fn nav(&self) -> Vec<(&'static str, &'static str)> {
        if self.operator.is_none() {
            return Vec::new();
        }
        let mut out = vec![("/console", self.t("console.nav.home"))];
        let pages: [(&[Role], &'static str, &str); 7] = [
            (SEARCHERS, "/console/search", "console.nav.search"),
            (QUEUE, "/console/requests", "console.nav.requests"),
            (MAIL, "/console/mail", "console.nav.mail"),
            (DASHBOARD, "/console/dashboard", "console.nav.dashboard"),
            (ADMIN, "/console/admin/users", "console.nav.users"),
            (ADMIN, "/console/admin/tokens", "console.nav.tokens"),
            (ADMIN, "/console/admin/audit", "console.nav.audit"),
        ];
        for (roles, href, key) in pages {
            if self.may(roles) {
                out.push((href, self.t(key)));
            }
        }
        out
    }

    fn role_label(&self) -> &'static str {
        self.operator
            .as_ref()
            .map_or("", |o| o.role.label(self.lang_code()))
    }

    fn may(&self, roles: &[Role]) -> bool {
        self.operator
            .as_ref()
            .is_some_and(|o| o.role == Role::Admin || roles.contains(&o.role))
    }
}

// ---- helpers shared by the console's pages -------------------------------------------------

/// A local console path to come back to after sign-in; anything else goes to the console.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/console")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/console/login")
                && !n.starts_with("/console/logout") =>
        {
            n.to_string()
        }
        _ => "/console".to_string(),
    }
}

/// An id from the path: anything but a number is a page that does not exist.
fn id_of(s: &str) -> Result<i64, WebError> {
    s.parse().map_err(|_| WebError::NotFound)
}

/// The store's refusals (and its old `Invalid` errors) are the user's to fix: shown on the
/// form in `lang`, with 400.
fn invalid_message(
    lang: crate::i18n::Lang,
    e: canali_store::StoreError,
) -> Result<String, WebError> {
    match e {
        canali_store::StoreError::Refused(r) => Ok(crate::i18n::refusal(lang, &r)),
        canali_store::StoreError::Invalid(msg) => Ok(msg),
        other => Err(other.into()),
    }
}

/// Writes one line of the audit log for the signed-in operator.
async fn audit(
    state: &AppState,
    operator_id: i64,
    action: &str,
    customer_id: Option<i64>,
    detail: &str,
) -> Result<(), WebError> {
    state
        .store
        .accounts()
        .audit(operator_id, action, customer_id, detail, now_micros())
        .await?;
    Ok(())
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
    done: Option<String>,
}

impl PageQuery {
    fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }
}

// ---- sign-in, sign-out, home -----------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "console/login.html")]
struct LoginPage {
    ctx: Ctx,
    error: Option<String>,
    email: String,
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/home.html")]
struct HomePage {
    ctx: Ctx,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    LoginPage {
        error: None,
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        ctx,
    }
    .into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Signs an operator in: same rules as the online branch (CSRF, rate limits by address and by
/// account, the same time for unknown addresses), only active operators, and always a new
/// session id.
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let (ip, email) = auth::throttle_sign_in(&state, &headers, peer, &f.email)?;
    let operator = state.store.accounts().operator_by_email(&email).await?;
    let hash = operator.as_ref().map(|o| o.password_hash.as_str());
    let ok = auth::password_matches(&f.password, hash).await;
    let Some(operator) = operator.filter(|o| ok && o.active) else {
        let page = LoginPage {
            error: Some(ctx.t("console.login.wrong").to_string()),
            email: f.email.clone(),
            next: safe_next(Some(&f.next)),
            ctx,
        };
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    };
    let cookies = auth::start_session(&state, &headers, SessionKind::Operator, operator.id).await?;
    audit(&state, operator.id, "sign_in", None, &ip).await?;
    Ok(auth::redirect_with_cookies(
        cookies,
        &safe_next(Some(&f.next)),
    ))
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cookie = auth::end_session(&state, &headers).await?;
    Ok(auth::redirect_with_cookies(vec![cookie], "/console/login"))
}

/// Each role starts where its work is.
async fn home(ctx: Ctx) -> Result<Response, WebError> {
    let op = ctx.operator()?;
    let to = match op.role {
        Role::Admin | Role::Supervisor => "/console/dashboard",
        Role::BackOffice => "/console/requests",
        Role::Agent | Role::Clerk => "/console/search",
        Role::NetworkManager => return Ok(HomePage { ctx }.into_response()),
    };
    Ok(Redirect::to(to).into_response())
}
