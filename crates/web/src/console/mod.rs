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
use crate::auth::Ctx;
use crate::error::WebError;
use crate::signin::{self, Audience};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use canali_domain::service::Role;
use serde::Deserialize;

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
/// Who works a branch counter (and confirms its materials): operators with a branch.
const COUNTER: &[Role] = &[Role::Clerk];
/// Who watches the call centers' wallboard.
const WALLBOARD: &[Role] = &[Role::Supervisor, Role::Agent];
/// Who keeps the branch network and its campaigns.
const NETWORK: &[Role] = &[Role::NetworkManager];
/// Who reads the branch indicators.
const BRANCH_KPI: &[Role] = &[Role::NetworkManager, Role::Supervisor];
/// Who reads the call-center indicators and plans its staff.
const CALL_CENTER: &[Role] = &[Role::Supervisor];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
        .merge(signin::routes(Audience::Operator))
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
        .route(
            "/console/mail",
            get(mail::registry)
                .post(mail::register)
                // The scan is limited by upload.rs, not axum's 2 MB default.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
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
        // One menu for every console page, the desks' included: each page the role may open.
        let pages: [(&[Role], &'static str, &str); 15] = [
            (SEARCHERS, "/console/search", "console.nav.search"),
            (QUEUE, "/console/requests", "console.nav.requests"),
            (MAIL, "/console/mail", "console.nav.mail"),
            (DASHBOARD, "/console/dashboard", "console.nav.dashboard"),
            (COUNTER, "/console/counter", "nav.counter"),
            (COUNTER, "/console/branch/materials", "nav.materials"),
            (WALLBOARD, "/console/callcenter/wallboard", "nav.wallboard"),
            (NETWORK, "/console/network", "nav.network"),
            (NETWORK, "/console/campaigns", "nav.campaigns"),
            (BRANCH_KPI, "/console/branches/kpi", "nav.branch_kpi"),
            (CALL_CENTER, "/console/callcenter/kpi", "nav.cc_kpi"),
            (CALL_CENTER, "/console/callcenter/staff", "nav.staff"),
            (ADMIN, "/console/admin/users", "console.nav.users"),
            (ADMIN, "/console/admin/tokens", "console.nav.tokens"),
            (ADMIN, "/console/admin/audit", "console.nav.audit"),
        ];
        // The counter pages need the operator's own branch (an administrator has none).
        let has_branch = self.operator.as_ref().is_some_and(|o| o.branch.is_some());
        for (roles, href, key) in pages {
            if self.may(roles) && (roles != COUNTER || has_branch) {
                out.push((href, self.t(key)));
            }
        }
        out
    }

    fn role_label(&self) -> &'static str {
        self.operator
            .as_ref()
            .map_or("", |o| o.role.label(self.lang))
    }

    fn may(&self, roles: &[Role]) -> bool {
        self.operator
            .as_ref()
            .is_some_and(|o| o.role == Role::Admin || roles.contains(&o.role))
    }
}

// ---- helpers shared by the console's pages -------------------------------------------------

/// A local console path to come back to after sign-in; anything else goes to the console.
pub(crate) fn safe_next(next: Option<&str>) -> String {
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

/// Writes one line of the audit log for the signed-in operator.
pub(crate) async fn audit(
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
#[template(path = "console/home.html")]
struct HomePage {
    ctx: Ctx,
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
