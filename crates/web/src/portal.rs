//! The online branch ("sportello on-line"): registration with the code on the bill, sign-in,
//! password reset and address change by e-mail link, the customer's supply points and bills,
//! the e-bill switch, meter self-reading, requests and complaints, and the branch finder.
//!
//! Every page loads data through the signed-in customer's id, so a customer asking for another
//! customer's bill or request gets 404. Every action a customer would otherwise have taken by
//! phone or at a branch is a `web` contact in the ledger.

use crate::auth::{self, Ctx};
use crate::error::WebError;
use crate::i18n::{Lang, Texts};
use crate::limits::Action;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, body::Bytes};
use canali_domain::network::EbillPath;
use canali_domain::service::{RequestKind, RequestStatus};
use canali_domain::{Channel, Day, Outcome, Reason, Service};
use canali_store::accounts::{EmailPurpose, SessionKind};
use canali_store::customers::{BillRow, SupplyPointRow};
use canali_store::requests::{
    NewAttachment, NewReading, NewRequest, ReadingOutcome, ServiceRequest,
};
use canali_store::{EbillEvent, NewContact};
use serde::Deserialize;
use std::net::SocketAddr;

/// The ledger source of the contacts the online branch writes.
pub const PORTAL_SOURCE: &str = "portal";

const CONFIRM_HOURS: i64 = 48;
const RESET_HOURS: i64 = 1;
const MIN_PASSWORD: usize = 10;
const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/lang/{code}", get(switch_lang))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/register", get(register_page).post(register))
        .route("/confirm", get(confirm))
        .route("/password/forgot", get(forgot_page).post(forgot))
        .route("/password/reset", get(reset_page).post(reset))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/email", post(change_email))
        .route("/account/email/confirm", get(confirm_email_change))
        .route("/home", get(home))
        .route("/bills", get(bills))
        .route("/bills/{id}", get(bill))
        .route("/bills/{id}/pdf", get(bill_pdf))
        .route("/ebill", get(ebill_page).post(ebill_switch))
        .route("/readings", get(readings_page).post(send_reading))
        .route("/requests", get(requests))
        .route("/requests/new", get(new_request_page).post(new_request))
        .route("/requests/{id}", get(request))
        .route("/requests/{id}/files/{file}", get(request_file))
        .route("/branches", get(branch_finder))
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
            service: p.service.label(ctx.lang_code()),
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
            service: b.service.label(ctx.lang_code()),
            identifier: b.identifier.clone(),
            issued: ctx.date(b.issued),
            due: ctx.date(b.due),
            amount: ctx.euros(b.total_cents),
            delivery: b.delivery.label(ctx.lang_code()),
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
            kind: r.kind.label(ctx.lang_code()),
            subject: r.subject.clone(),
            opened: ctx.datetime(r.opened_at),
            status: r.status.label(ctx.lang_code()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/index.html")]
struct IndexPage {
    ctx: Ctx,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/login.html")]
struct LoginPage {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    email: String,
    next: String,
}

#[derive(Default, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    privacy: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/register.html")]
struct RegisterPage {
    ctx: Ctx,
    error: Option<String>,
    form: RegisterForm,
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

#[derive(Template, WebTemplate)]
#[template(path = "portal/forgot.html")]
struct ForgotPage {
    ctx: Ctx,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/reset.html")]
struct ResetPage {
    ctx: Ctx,
    error: Option<String>,
    token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/account.html")]
struct AccountPage {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    name: String,
    email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/home.html")]
struct HomePage {
    ctx: Ctx,
    notice: Option<String>,
    name: String,
    code: String,
    points: Vec<PointView>,
    bills: Vec<BillView>,
    requests: Vec<RequestView>,
    ebill: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/bills.html")]
struct BillsPage {
    ctx: Ctx,
    bills: Vec<BillView>,
    page: i64,
    more: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/bill.html")]
struct BillPage {
    ctx: Ctx,
    bill: BillView,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/ebill.html")]
struct EbillPage {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    status: String,
    enrolled: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/readings.html")]
struct ReadingsPage {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    points: Vec<PointView>,
    selected: i64,
    reading: String,
    meter_changed: bool,
    ask_confirm: bool,
    history: Vec<(String, i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/requests.html")]
struct RequestsPage {
    ctx: Ctx,
    requests: Vec<RequestView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/request_new.html")]
struct NewRequestPage {
    ctx: Ctx,
    error: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    points: Vec<PointView>,
    subject: String,
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/request.html")]
struct RequestPage {
    ctx: Ctx,
    notice: Option<String>,
    r: RequestView,
    body: String,
    deadline: Option<String>,
    files: Vec<(i64, String)>,
    answer: Option<String>,
    compensation: Option<String>,
}

pub struct BranchRow {
    pub name: String,
    pub municipality: String,
    pub address: String,
    pub open: bool,
    pub until: String,
    pub next: String,
    pub hours: String,
    pub distance: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/branches.html")]
struct BranchesPage {
    ctx: Ctx,
    query: String,
    only_open: bool,
    error: Option<String>,
    municipalities: Vec<String>,
    rows: Vec<BranchRow>,
}

// ---- helpers -------------------------------------------------------------------------------

/// A local path to come back to after sign-in; anything else (another site) goes home.
fn safe_next(next: Option<&str>, default: &str) -> String {
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

async fn send_link(
    state: &AppState,
    lang: Lang,
    to: &str,
    purpose: EmailPurpose,
    customer_id: i64,
    new_email: Option<&str>,
) -> Result<(), WebError> {
    let token = auth::random_token();
    let now = now_micros();
    let (hours, path, subject_key, body_key) = match purpose {
        EmailPurpose::ConfirmAddress => (
            CONFIRM_HOURS,
            "/confirm",
            "mail.confirm_subject",
            "mail.confirm_body",
        ),
        EmailPurpose::ResetPassword => (
            RESET_HOURS,
            "/password/reset",
            "mail.reset_subject",
            "mail.reset_body",
        ),
        EmailPurpose::ChangeAddress => (
            CONFIRM_HOURS,
            "/account/email/confirm",
            "mail.change_subject",
            "mail.change_body",
        ),
    };
    state
        .store
        .create_email_token(
            &auth::sha256_hex(&token),
            purpose,
            customer_id,
            new_email,
            now,
            now + hours * 3_600_000_000,
        )
        .await?;
    let link = format!(
        "{}{path}?token={token}",
        state.config.public_url.trim_end_matches('/')
    );
    let body = format!(
        "{}\n\n{link}\n\n{}",
        crate::i18n::t(lang, body_key),
        crate::i18n::t(lang, "mail.ignore")
    );
    state
        .mailer
        .send(to, crate::i18n::t(lang, subject_key), body)
        .await
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
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> LoginPage {
    LoginPage {
        error: None,
        notice: None,
        email: String::new(),
        next: safe_next(q.next.as_deref(), "/home"),
        ctx,
    }
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

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let (_, email) = auth::throttle_sign_in(&state, &headers, peer, &f.email)?;
    let login = state.store.portal_login_by_email(&email).await?;
    let hash = login.as_ref().map(|l| l.password_hash.as_str());
    let ok = auth::password_matches(&f.password, hash).await;
    let page = |ctx: Ctx, key: &'static str| LoginPage {
        error: Some(ctx.t(key).to_string()),
        notice: None,
        email: f.email.clone(),
        next: safe_next(Some(&f.next), "/home"),
        ctx,
    };
    let Some(login) = login.filter(|_| ok) else {
        return Ok((
            axum::http::StatusCode::UNAUTHORIZED,
            page(ctx, "login.wrong"),
        )
            .into_response());
    };
    if login.confirmed_at.is_none() {
        return Ok((
            axum::http::StatusCode::FORBIDDEN,
            page(ctx, "login.unconfirmed"),
        )
            .into_response());
    }
    let cookies =
        auth::start_session(&state, &headers, SessionKind::Customer, login.customer_id).await?;
    Ok(auth::redirect_with_cookies(
        cookies,
        &safe_next(Some(&f.next), "/home"),
    ))
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<auth::CsrfForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cookie = auth::end_session(&state, &headers).await?;
    Ok(auth::redirect_with_cookies(vec![cookie], "/"))
}

async fn register_page(ctx: Ctx) -> RegisterPage {
    RegisterPage {
        ctx,
        error: None,
        form: RegisterForm::default(),
    }
}

async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    state.limits.check(
        Action::Register,
        &auth::client_ip(&state, &headers, Some(peer)),
    )?;
    let fail = |ctx: Ctx, msg: String, form: RegisterForm| {
        Ok((
            axum::http::StatusCode::BAD_REQUEST,
            RegisterPage {
                ctx,
                error: Some(msg),
                form: RegisterForm {
                    password: String::new(),
                    password2: String::new(),
                    ..form
                },
            },
        )
            .into_response())
    };
    if f.privacy.is_none() {
        return fail(ctx.clone(), ctx.t("register.privacy_needed").into(), f);
    }
    if !f.email.contains('@') || f.email.trim().len() < 3 {
        return fail(ctx.clone(), ctx.t("register.bad_email").into(), f);
    }
    if let Some(problem) = password_problem(ctx.lang, &f.password, &f.password2) {
        return fail(ctx, problem, f);
    }
    if let Err(e) = canali_domain::ids::TaxId::parse(f.tax_id.trim()) {
        let msg = format!("{} {e}", ctx.t("register.bad_tax_id"));
        return fail(ctx, msg, f);
    }
    let Some(customer) = state.store.registration_match(&f.code, &f.tax_id).await? else {
        return fail(ctx.clone(), ctx.t("register.no_match").into(), f);
    };
    let hash = auth::hash_password(f.password.clone()).await?;
    if let Err(e) = state
        .store
        .create_portal_login(customer.id, &f.email, &hash, now_micros())
        .await
    {
        return match e {
            canali_store::StoreError::Invalid(msg) => fail(ctx, msg, f),
            other => Err(other.into()),
        };
    }
    send_link(
        &state,
        ctx.lang,
        f.email.trim(),
        EmailPurpose::ConfirmAddress,
        customer.id,
        None,
    )
    .await?;
    let text = format!("{} {}", ctx.t("register.sent"), f.email.trim());
    Ok(message(ctx.clone(), ctx.t("register.title"), text, None).into_response())
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    let now = now_micros();
    let used = state
        .store
        .use_email_token(
            &auth::sha256_hex(&q.token),
            EmailPurpose::ConfirmAddress,
            now,
        )
        .await?;
    let Some((customer_id, _)) = used else {
        let page = failure(
            ctx.clone(),
            ctx.t("confirm.title"),
            ctx.t("confirm.bad_link").into(),
            Some(("/register", ctx.t("nav.register"))),
        );
        return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
    };
    state.store.confirm_portal_login(customer_id, now).await?;
    Ok(message(
        ctx.clone(),
        ctx.t("confirm.title"),
        ctx.t("confirm.done").into(),
        Some(("/login", ctx.t("nav.login"))),
    )
    .into_response())
}

async fn forgot_page(ctx: Ctx) -> ForgotPage {
    ForgotPage { ctx }
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Always answers the same, whether the address has an account or not: the page must not tell
/// a stranger who is a customer.
async fn forgot(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<ForgotForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    state.limits.check(
        Action::Reset,
        &auth::client_ip(&state, &headers, Some(peer)),
    )?;
    if let Some(login) = state.store.portal_login_by_email(&f.email).await?
        && login.confirmed_at.is_some()
    {
        send_link(
            &state,
            ctx.lang,
            &login.email,
            EmailPurpose::ResetPassword,
            login.customer_id,
            None,
        )
        .await?;
    }
    Ok(message(
        ctx.clone(),
        ctx.t("forgot.title"),
        ctx.t("forgot.sent").into(),
        None,
    )
    .into_response())
}

async fn reset_page(ctx: Ctx, Query(q): Query<TokenQuery>) -> ResetPage {
    ResetPage {
        ctx,
        error: None,
        token: q.token,
    }
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

async fn reset(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<ResetForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    state.limits.check(
        Action::Reset,
        &auth::client_ip(&state, &headers, Some(peer)),
    )?;
    if let Some(problem) = password_problem(ctx.lang, &f.password, &f.password2) {
        return Ok((
            axum::http::StatusCode::BAD_REQUEST,
            ResetPage {
                ctx,
                error: Some(problem),
                token: f.token,
            },
        )
            .into_response());
    }
    let used = state
        .store
        .use_email_token(
            &auth::sha256_hex(&f.token),
            EmailPurpose::ResetPassword,
            now_micros(),
        )
        .await?;
    let Some((customer_id, _)) = used else {
        let page = failure(
            ctx.clone(),
            ctx.t("reset.title"),
            ctx.t("reset.bad_link").into(),
            Some(("/password/forgot", ctx.t("login.forgot"))),
        );
        return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
    };
    let hash = auth::hash_password(f.password).await?;
    state.store.set_portal_password(customer_id, &hash).await?;
    // A reset ends every session: whoever knew the old password is signed out.
    state
        .store
        .delete_sessions_of(SessionKind::Customer, customer_id)
        .await?;
    Ok(message(
        ctx.clone(),
        ctx.t("reset.title"),
        ctx.t("reset.done").into(),
        Some(("/login", ctx.t("nav.login"))),
    )
    .into_response())
}

async fn account_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    account(&state, ctx, None, None).await
}

async fn account(
    state: &AppState,
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let email = state
        .store
        .portal_login(customer.id)
        .await?
        .map(|l| l.email)
        .unwrap_or_default();
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        AccountPage {
            ctx,
            error,
            notice,
            name: customer.name,
            email,
        },
    )
        .into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    ctx.check_csrf(&f.csrf)?;
    let login = state
        .store
        .portal_login(customer.id)
        .await?
        .ok_or(WebError::NotFound)?;
    if !auth::verify_password(f.current, login.password_hash).await {
        let msg = ctx.t("account.wrong_password").to_string();
        return account(&state, ctx, Some(msg), None).await;
    }
    if let Some(problem) = password_problem(ctx.lang, &f.password, &f.password2) {
        return account(&state, ctx, Some(problem), None).await;
    }
    let hash = auth::hash_password(f.password).await?;
    state.store.set_portal_password(customer.id, &hash).await?;
    // Every other session ends; this browser gets a fresh one.
    state
        .store
        .delete_sessions_of(SessionKind::Customer, customer.id)
        .await?;
    let cookies = auth::start_session(&state, &headers, SessionKind::Customer, customer.id).await?;
    Ok(auth::redirect_with_cookies(cookies, "/home?done=password"))
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn change_email(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<EmailForm>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    ctx.check_csrf(&f.csrf)?;
    let login = state
        .store
        .portal_login(customer.id)
        .await?
        .ok_or(WebError::NotFound)?;
    if !auth::verify_password(f.password, login.password_hash).await {
        let msg = ctx.t("account.wrong_password").to_string();
        return account(&state, ctx, Some(msg), None).await;
    }
    if !f.email.contains('@') {
        let msg = ctx.t("register.bad_email").to_string();
        return account(&state, ctx, Some(msg), None).await;
    }
    if state.store.portal_login_by_email(&f.email).await?.is_some() {
        let msg = ctx.t("account.email_taken").to_string();
        return account(&state, ctx, Some(msg), None).await;
    }
    send_link(
        &state,
        ctx.lang,
        f.email.trim(),
        EmailPurpose::ChangeAddress,
        customer.id,
        Some(f.email.trim()),
    )
    .await?;
    let notice = format!("{} {}", ctx.t("account.email_sent"), f.email.trim());
    account(&state, ctx, None, Some(notice)).await
}

async fn confirm_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    let used = state
        .store
        .use_email_token(
            &auth::sha256_hex(&q.token),
            EmailPurpose::ChangeAddress,
            now_micros(),
        )
        .await?;
    let Some((customer_id, Some(email))) = used else {
        let page = failure(
            ctx.clone(),
            ctx.t("account.change_email"),
            ctx.t("confirm.bad_link").into(),
            None,
        );
        return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
    };
    match state.store.set_portal_email(customer_id, &email).await {
        Ok(()) => {}
        Err(canali_store::StoreError::Invalid(msg)) => {
            let page = failure(ctx.clone(), ctx.t("account.change_email"), msg, None);
            return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    if let Some(c) = state.store.customer_identity(customer_id).await? {
        record_web_contact(
            &state,
            &c.code,
            format!("email-{customer_id}-{}", now_micros()),
            Reason::Contract,
        )
        .await?;
    }
    let text = format!("{} {email}", ctx.t("account.email_changed"));
    Ok(message(
        ctx.clone(),
        ctx.t("account.change_email"),
        text,
        Some(("/home", ctx.t("nav.home"))),
    )
    .into_response())
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

fn ebill_status(ctx: &Ctx, enrolled: bool, since: Option<Day>) -> String {
    match (enrolled, since) {
        (true, Some(d)) => format!("{} {}", ctx.t("ebill.active_since"), ctx.date(d)),
        (true, None) => ctx.t("ebill.active").to_string(),
        (false, _) => ctx.t("ebill.paper").to_string(),
    }
}

async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let home = state
        .store
        .customers()
        .home(customer.id, 5)
        .await?
        .ok_or(WebError::NotFound)?;
    let (record, points, bills, requests) =
        (home.record, home.supply_points, home.bills, home.requests);
    let notice = match q.done.as_deref() {
        Some("password") => Some(ctx.t("account.password_changed").to_string()),
        _ => None,
    };
    Ok(HomePage {
        notice,
        name: record.name.clone(),
        code: record.code.clone(),
        points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
        bills: bills.iter().map(|b| BillView::of(&ctx, b)).collect(),
        requests: requests
            .iter()
            .filter(|r| r.status == RequestStatus::Open)
            .map(|r| RequestView::of(&ctx, r))
            .collect(),
        ebill: ebill_status(&ctx, record.ebill_enrolled, record.ebill_since),
        ctx,
    }
    .into_response())
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

const BILLS_PER_PAGE: i64 = 20;

async fn bills(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let page = q.page.unwrap_or(1).max(1);
    let mut rows = state
        .store
        .customers()
        .bills_of(customer.id, BILLS_PER_PAGE + 1, (page - 1) * BILLS_PER_PAGE)
        .await?;
    let more = rows.len() as i64 > BILLS_PER_PAGE;
    rows.truncate(BILLS_PER_PAGE as usize);
    Ok(BillsPage {
        bills: rows.iter().map(|b| BillView::of(&ctx, b)).collect(),
        page,
        more,
        ctx,
    }
    .into_response())
}

async fn bill(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let bill = state
        .store
        .customers()
        .bill_of(customer.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(BillPage {
        bill: BillView::of(&ctx, &bill),
        ctx,
    }
    .into_response())
}

/// The bill's PDF, as the e-mail delivery sends it; only for the customer it belongs to.
async fn bill_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    // Another customer's bill is 404, like a bill that does not exist.
    let found = state.store.billing().bill_documents(&[id]).await?;
    let bill = found
        .first()
        .filter(|b| b.customer_id == customer.id)
        .ok_or(WebError::NotFound)?;
    let document = canali_billing::document::BillDocument::new(bill, false)
        .map_err(|e| WebError::Internal(format!("bill {id}: {e}")))?;
    let pdf = tokio::task::spawn_blocking(move || canali_billing::render_bill_pdf(&document))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(|e| WebError::Internal(format!("bill {id}: {e}")))?;
    Ok(attachment_response(
        &format!("bolletta-{id}.pdf"),
        "application/pdf",
        pdf,
    ))
}

async fn ebill_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ebill_view(&state, ctx, None, None).await
}

async fn ebill_view(
    state: &AppState,
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let record = state
        .store
        .customers()
        .get(customer.id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(EbillPage {
        error,
        notice,
        status: ebill_status(&ctx, record.ebill_enrolled, record.ebill_since),
        enrolled: record.ebill_enrolled,
        ctx,
    }
    .into_response())
}

#[derive(Deserialize)]
struct EbillForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// Switches to the e-bill or back to paper from today: the bills issued from today go the new
/// way (the dispatch of a day's bills runs after the day). One switch a day (the registry keeps
/// one per day and direction).
async fn ebill_switch(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<EbillForm>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    ctx.check_csrf(&f.csrf)?;
    let enrolled = match f.action.as_str() {
        "enroll" => true,
        "withdraw" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "unknown e-bill action '{other}': use enroll or withdraw"
            )));
        }
    };
    let record = state
        .store
        .customers()
        .get(customer.id)
        .await?
        .ok_or(WebError::NotFound)?;
    let today = Day::of_micros(now_micros());
    if record.ebill_enrolled == enrolled {
        let msg = ctx.t("ebill.already").to_string();
        return ebill_view(&state, ctx, None, Some(msg)).await;
    }
    if record.ebill_since == Some(today) {
        let msg = ctx.t("ebill.once_a_day").to_string();
        return ebill_view(&state, ctx, Some(msg), None).await;
    }
    state
        .store
        .insert_ebill_events(&[EbillEvent {
            customer_id: customer.id,
            day: today,
            path: EbillPath::OnlineBranch,
            enrolled,
        }])
        .await?;
    record_web_contact(
        &state,
        &customer.code,
        format!("ebill-{}-{}-{}", customer.id, today.0, u8::from(enrolled)),
        Reason::Ebill,
    )
    .await?;
    let key = if enrolled {
        "ebill.enrolled_from"
    } else {
        "ebill.withdrawn_from"
    };
    let msg = format!("{} {}", ctx.t(key), ctx.date(today));
    ebill_view(&state, ctx, None, Some(msg)).await
}

fn readable_points(points: Vec<SupplyPointRow>) -> Vec<SupplyPointRow> {
    points
        .into_iter()
        .filter(|p| matches!(p.service, Service::Gas | Service::Water))
        .collect()
}

#[derive(Deserialize)]
struct PointQuery {
    point: Option<i64>,
}

async fn readings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PointQuery>,
) -> Result<Response, WebError> {
    readings_view(
        &state,
        ctx,
        q.point,
        None,
        None,
        String::new(),
        false,
        false,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn readings_view(
    state: &AppState,
    ctx: Ctx,
    point: Option<i64>,
    error: Option<String>,
    notice: Option<String>,
    reading: String,
    meter_changed: bool,
    ask_confirm: bool,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let points = readable_points(
        state
            .store
            .customers()
            .supply_points_of(customer.id)
            .await?,
    );
    let selected = point
        .filter(|p| points.iter().any(|x| x.id == *p))
        .or_else(|| points.first().map(|p| p.id))
        .unwrap_or(0);
    let history = if selected > 0 {
        state
            .store
            .readings_of(selected, 10)
            .await?
            .into_iter()
            .map(|r| (ctx.date(r.read_day), r.reading, ctx.datetime(r.sent_at)))
            .collect()
    } else {
        Vec::new()
    };
    let status = if error.is_some() || ask_confirm {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        ReadingsPage {
            error,
            notice,
            points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
            selected,
            reading,
            meter_changed,
            ask_confirm,
            history,
            ctx,
        },
    )
        .into_response())
}

#[derive(Deserialize)]
struct ReadingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    point: i64,
    #[serde(default)]
    reading: String,
    meter_changed: Option<String>,
    confirm_high: Option<String>,
}

async fn send_reading(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ReadingForm>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    ctx.check_csrf(&f.csrf)?;
    let meter_changed = f.meter_changed.is_some();
    let Ok(value) = f.reading.trim().parse::<i64>() else {
        let msg = ctx.t("readings.not_a_number").to_string();
        return readings_view(
            &state,
            ctx,
            Some(f.point),
            Some(msg),
            None,
            f.reading,
            meter_changed,
            false,
        )
        .await;
    };
    if value < 0 {
        let msg = ctx.t("readings.not_a_number").to_string();
        return readings_view(
            &state,
            ctx,
            Some(f.point),
            Some(msg),
            None,
            f.reading,
            meter_changed,
            false,
        )
        .await;
    }
    let now = now_micros();
    let outcome = state
        .store
        .record_reading(&NewReading {
            customer_id: customer.id,
            supply_point_id: f.point,
            reading: value,
            read_day: Day::of_micros(now),
            sent_at: now,
            meter_changed,
            confirmed_high: f.confirm_high.is_some(),
            channel: Channel::Web,
        })
        .await?;
    match outcome {
        ReadingOutcome::Recorded(_) => {
            let msg = format!("{} {value}", ctx.t("readings.recorded"));
            readings_view(
                &state,
                ctx,
                Some(f.point),
                None,
                Some(msg),
                String::new(),
                false,
                false,
            )
            .await
        }
        ReadingOutcome::NeedsConfirmation(why) => {
            readings_view(
                &state,
                ctx,
                Some(f.point),
                Some(why),
                None,
                f.reading,
                meter_changed,
                true,
            )
            .await
        }
        ReadingOutcome::Refused(why) => {
            readings_view(
                &state,
                ctx,
                Some(f.point),
                Some(why),
                None,
                f.reading,
                meter_changed,
                false,
            )
            .await
        }
    }
}

async fn requests(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let rows = state.store.requests_of(customer.id).await?;
    Ok(RequestsPage {
        requests: rows.iter().map(|r| RequestView::of(&ctx, r)).collect(),
        ctx,
    }
    .into_response())
}

fn request_kinds(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    RequestKind::ALL
        .iter()
        .map(|k| (k.name(), k.label(ctx.lang_code())))
        .collect()
}

async fn new_request_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let points = state
        .store
        .customers()
        .supply_points_of(customer.id)
        .await?;
    Ok(NewRequestPage {
        error: None,
        kinds: request_kinds(&ctx),
        kind: RequestKind::Information.name().to_string(),
        points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
        subject: String::new(),
        body: String::new(),
        ctx,
    }
    .into_response())
}

/// Opens a request from the multipart form (attachments included).
async fn new_request(
    State(state): State<AppState>,
    ctx: Ctx,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let (mut csrf, mut kind, mut point, mut subject, mut body) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    let mut files = Vec::new();
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        WebError::BadRequest(format!("the form could not be read: {e}"))
    };
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "files" {
            let filename = field.file_name().unwrap_or_default().to_string();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let data: Bytes = field.bytes().await.map_err(bad_form)?;
            if filename.is_empty() && data.is_empty() {
                continue;
            }
            files.push(NewAttachment {
                filename,
                content_type,
                data: data.to_vec(),
            });
            continue;
        }
        let text = field.text().await.map_err(bad_form)?;
        match name.as_str() {
            "csrf" => csrf = text,
            "kind" => kind = text,
            "point" => point = text,
            "subject" => subject = text,
            "body" => body = text,
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let points = state
        .store
        .customers()
        .supply_points_of(customer.id)
        .await?;
    let retry = |ctx: Ctx, error: String| NewRequestPage {
        error: Some(error),
        kinds: request_kinds(&ctx),
        kind: kind.clone(),
        points: points.iter().map(|p| PointView::of(&ctx, p)).collect(),
        subject: subject.clone(),
        body: body.clone(),
        ctx,
    };
    let Ok(request_kind) = kind.parse::<RequestKind>() else {
        let msg = ctx.t("requests.bad_kind").to_string();
        return Ok((axum::http::StatusCode::BAD_REQUEST, retry(ctx, msg)).into_response());
    };
    if let Some(f) = files.iter().find(|f| f.data.len() > MAX_FILE_BYTES) {
        let msg = format!("{} {}", ctx.t("requests.file_too_big"), f.filename);
        return Ok((axum::http::StatusCode::BAD_REQUEST, retry(ctx, msg)).into_response());
    }
    let supply_point_id = match point.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| {
            WebError::BadRequest(format!("the supply point '{p}' is not a number"))
        })?),
    };
    let opened = state
        .store
        .open_request(
            &NewRequest {
                customer_id: customer.id,
                supply_point_id,
                kind: request_kind,
                channel: Channel::Web,
                subject: subject.trim().to_string(),
                body: body.trim().to_string(),
                opened_at: now_micros(),
                attachments: files,
                agent: None,
            },
            &state.config.reply_standards,
        )
        .await;
    match opened {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}?done=opened", r.id)).into_response()),
        Err(canali_store::StoreError::Invalid(msg)) => {
            Ok((axum::http::StatusCode::BAD_REQUEST, retry(ctx, msg)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let r = state
        .store
        .request_of(customer.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let files = state
        .store
        .attachments_of(r.id)
        .await?
        .into_iter()
        .map(|a| (a.id, a.filename))
        .collect();
    let notice = (q.done.as_deref() == Some("opened")).then(|| {
        if r.kind == RequestKind::Complaint {
            ctx.t("requests.opened_complaint").to_string()
        } else {
            ctx.t("requests.opened_notice").to_string()
        }
    });
    let compensation = r
        .compensation_cents
        .filter(|c| *c > 0)
        .map(|c| format!("{} {}", ctx.t("requests.compensation"), ctx.euros(c)));
    Ok(RequestPage {
        notice,
        r: RequestView::of(&ctx, &r),
        body: r.body.clone(),
        deadline: r.deadline_day.map(|d| ctx.date(d)),
        files,
        answer: r.answer.clone(),
        compensation,
        ctx,
    }
    .into_response())
}

async fn request_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let customer = ctx.customer()?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let file: i64 = file.parse().map_err(|_| WebError::NotFound)?;
    // The request must be this customer's before its files are looked at.
    state
        .store
        .request_of(customer.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (meta, data) = state
        .store
        .attachment(id, file)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(attachment_response(
        &meta.filename,
        &meta.content_type,
        data,
    ))
}

/// A stored file sent as a download (never rendered in the site's origin).
pub fn attachment_response(filename: &str, content_type: &str, data: Vec<u8>) -> Response {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{safe}\"");
    let content_type = if content_type.is_ascii() && !content_type.contains(['\r', '\n']) {
        content_type.to_string()
    } else {
        "application/octet-stream".to_string()
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response()
}

#[derive(Deserialize)]
struct FinderQuery {
    q: Option<String>,
    open: Option<String>,
}

/// The branches nearest a municipality (all of them, by name, when none is given), with whether
/// each is open now, until when or from when, and its weekly hours.
async fn branch_finder(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FinderQuery>,
) -> Result<Response, WebError> {
    let network = crate::network(&state).await?;
    let query = q.q.unwrap_or_default().trim().to_string();
    let only_open = q.open.is_some();
    let near = if query.is_empty() {
        None
    } else {
        network.municipality_point(&query)
    };
    let error = (!query.is_empty() && near.is_none())
        .then(|| format!("{} {query}", ctx.t("branches.unknown_place")));
    let mut found = network.open_now(jiff::Timestamp::now(), near);
    if near.is_none() {
        found.sort_by(|a, b| {
            a.municipality
                .cmp(&b.municipality)
                .then(a.name.cmp(&b.name))
        });
    }
    let mut municipalities: Vec<String> = network
        .branches
        .iter()
        .map(|b| b.branch.municipality.clone())
        .collect();
    municipalities.sort();
    municipalities.dedup();
    let time = |rfc: &Option<String>| {
        rfc.as_deref()
            .and_then(|s| s.parse::<jiff::Zoned>().ok())
            .map(|z| ctx.datetime(z.timestamp().as_microsecond()))
            .unwrap_or_default()
    };
    let rows = found
        .iter()
        .filter(|b| !only_open || b.open)
        .map(|b| BranchRow {
            name: b.name.clone(),
            municipality: b.municipality.clone(),
            address: network
                .branches
                .iter()
                .find(|n| n.branch.code == b.code)
                .map(|n| n.branch.address.clone())
                .unwrap_or_default(),
            open: b.open,
            until: time(&b.until),
            next: time(&b.next_opening),
            hours: format!("{:.1} h/{}", b.hours_per_week, ctx.t("branches.week")),
            distance: b.distance_km.map(|d| format!("{d:.1}")).unwrap_or_default(),
        })
        .collect();
    Ok(BranchesPage {
        query,
        only_open,
        error,
        municipalities,
        rows,
        ctx,
    }
    .into_response())
}

pub const TEXTS: Texts = &[
    (
        "footer.text",
        "la piattaforma dei contatti con i clienti",
        "the customer-contact platform",
    ),
    (
        "index.title",
        "Benvenuto nello sportello on-line",
        "Welcome to the online branch",
    ),
    (
        "index.intro",
        "Consulta bollette e forniture, passa alla bolletta elettronica, comunica l'autolettura e apri richieste o reclami senza telefonare né andare allo sportello.",
        "See your bills and supplies, switch to the e-bill, send meter readings and open requests or complaints without calling or going to a branch.",
    ),
    (
        "index.login_text",
        "Hai già un accesso? Entra con e-mail e password.",
        "Already registered? Sign in with your e-mail and password.",
    ),
    (
        "index.register_text",
        "Ti servono il codice cliente stampato in bolletta e il codice fiscale o la partita IVA.",
        "You need the customer code printed on your bill and your tax code or VAT number.",
    ),
    (
        "index.branches_text",
        "Gli sportelli vicino a te, quali sono aperti ora e i loro orari.",
        "Branches near you, which are open now and their hours.",
    ),
    (
        "login.title",
        "Accedi allo sportello on-line",
        "Sign in to the online branch",
    ),
    (
        "login.forgot",
        "Password dimenticata?",
        "Forgot your password?",
    ),
    (
        "login.wrong",
        "E-mail o password non corretti.",
        "Wrong e-mail or password.",
    ),
    (
        "login.unconfirmed",
        "Conferma prima il tuo indirizzo con il link che ti abbiamo inviato per e-mail.",
        "First confirm your address with the link we sent you by e-mail.",
    ),
    ("register.title", "Registrazione", "Registration"),
    (
        "register.intro",
        "Inserisci il codice cliente che trovi in bolletta e il codice fiscale (o la partita IVA) dell'intestatario: ti invieremo un link per confermare l'indirizzo e-mail.",
        "Enter the customer code printed on your bill and the account holder's tax code (or VAT number): we will send you a link to confirm your e-mail address.",
    ),
    (
        "register.code",
        "Codice cliente (in bolletta)",
        "Customer code (on the bill)",
    ),
    (
        "register.tax_id",
        "Codice fiscale o partita IVA",
        "Tax code or VAT number",
    ),
    (
        "register.privacy",
        "Ho letto l'informativa sul trattamento dei dati personali.",
        "I have read the privacy notice.",
    ),
    (
        "register.privacy_needed",
        "Per registrarti devi dichiarare di aver letto l'informativa sulla privacy.",
        "To register you must confirm you have read the privacy notice.",
    ),
    (
        "register.bad_email",
        "L'indirizzo e-mail non è valido.",
        "The e-mail address is not valid.",
    ),
    (
        "register.bad_tax_id",
        "Il codice fiscale o la partita IVA non è valido:",
        "The tax code or VAT number is not valid:",
    ),
    (
        "register.no_match",
        "Il codice cliente e il codice fiscale o la partita IVA non corrispondono a un nostro cliente: controllali sulla bolletta.",
        "The customer code and the tax code or VAT number do not match one of our customers: check them on your bill.",
    ),
    (
        "register.sent",
        "Ti abbiamo inviato il link di conferma all'indirizzo",
        "We sent the confirmation link to",
    ),
    (
        "password.rule",
        "(almeno 10 caratteri)",
        "(at least 10 characters)",
    ),
    (
        "password.too_short",
        "La password deve avere almeno 10 caratteri.",
        "The password must have at least 10 characters.",
    ),
    (
        "password.mismatch",
        "Le due password non coincidono.",
        "The two passwords differ.",
    ),
    (
        "confirm.title",
        "Conferma dell'indirizzo",
        "Address confirmation",
    ),
    (
        "confirm.done",
        "Indirizzo confermato: ora puoi accedere allo sportello on-line.",
        "Address confirmed: you can now sign in to the online branch.",
    ),
    (
        "confirm.bad_link",
        "Il link non è valido, è già stato usato o è scaduto.",
        "The link is not valid, was already used or has expired.",
    ),
    ("forgot.title", "Password dimenticata", "Forgotten password"),
    (
        "forgot.intro",
        "Inserisci l'indirizzo e-mail del tuo accesso: ti invieremo un link per scegliere una nuova password.",
        "Enter the e-mail address of your account: we will send you a link to choose a new password.",
    ),
    (
        "forgot.sent",
        "Se l'indirizzo corrisponde a un accesso, riceverai a breve un link valido per un'ora.",
        "If the address belongs to an account, you will shortly receive a link valid for one hour.",
    ),
    ("reset.title", "Nuova password", "New password"),
    (
        "reset.bad_link",
        "Il link per la nuova password non è valido, è già stato usato o è scaduto: chiedine un altro.",
        "The password link is not valid, was already used or has expired: ask for another.",
    ),
    (
        "reset.done",
        "Password cambiata. Per sicurezza sei stato disconnesso da tutti i dispositivi.",
        "Password changed. For safety you have been signed out everywhere.",
    ),
    (
        "mail.confirm_subject",
        "Conferma il tuo indirizzo per lo sportello on-line",
        "Confirm your address for the online branch",
    ),
    (
        "mail.confirm_body",
        "Per completare la registrazione allo sportello on-line apri questo link entro 48 ore:",
        "To complete your registration to the online branch open this link within 48 hours:",
    ),
    (
        "mail.reset_subject",
        "Nuova password per lo sportello on-line",
        "New password for the online branch",
    ),
    (
        "mail.reset_body",
        "Per scegliere una nuova password apri questo link entro un'ora:",
        "To choose a new password open this link within one hour:",
    ),
    (
        "mail.change_subject",
        "Conferma il nuovo indirizzo e-mail",
        "Confirm your new e-mail address",
    ),
    (
        "mail.change_body",
        "Per usare questo indirizzo nello sportello on-line apri questo link entro 48 ore:",
        "To use this address in the online branch open this link within 48 hours:",
    ),
    (
        "mail.ignore",
        "Se non sei stato tu, ignora questo messaggio.",
        "If this was not you, ignore this message.",
    ),
    (
        "account.change_password",
        "Cambia password",
        "Change password",
    ),
    (
        "account.current_password",
        "Password attuale",
        "Current password",
    ),
    ("account.new_password", "Nuova password", "New password"),
    (
        "account.change_email",
        "Cambia indirizzo e-mail",
        "Change e-mail address",
    ),
    (
        "account.new_email",
        "Nuovo indirizzo e-mail",
        "New e-mail address",
    ),
    (
        "account.wrong_password",
        "La password attuale non è corretta.",
        "The current password is wrong.",
    ),
    (
        "account.email_taken",
        "Questo indirizzo è già usato da un altro accesso.",
        "This address is already used by another account.",
    ),
    (
        "account.email_sent",
        "Ti abbiamo inviato il link di conferma all'indirizzo",
        "We sent the confirmation link to",
    ),
    (
        "account.email_changed",
        "D'ora in poi il tuo accesso usa l'indirizzo",
        "From now on your account uses the address",
    ),
    (
        "account.password_changed",
        "Password cambiata; gli altri dispositivi sono stati disconnessi.",
        "Password changed; other devices have been signed out.",
    ),
    ("home.hello", "Buongiorno,", "Hello,"),
    ("home.code", "codice cliente", "customer code"),
    ("home.points", "Le tue forniture", "Your supplies"),
    (
        "home.ebill_change",
        "Cambia modalità di invio",
        "Change how bills are sent",
    ),
    ("home.latest_bills", "Ultime bollette", "Latest bills"),
    ("home.all_bills", "tutte le bollette", "all bills"),
    ("home.open_requests", "Richieste aperte", "Open requests"),
    ("bills.none", "Nessuna bolletta.", "No bills."),
    ("bills.period", "Periodo", "Period"),
    ("bills.service", "Servizio", "Service"),
    ("bills.issued", "Emessa il", "Issued"),
    ("bills.due", "Scadenza", "Due"),
    ("bills.amount", "Importo", "Amount"),
    ("bills.delivery", "Invio", "Delivery"),
    ("bill.title", "Bolletta", "Bill"),
    (
        "bill.document",
        "Scarica la bolletta (PDF)",
        "Download the bill (PDF)",
    ),
    (
        "ebill.active",
        "Ricevi la bolletta elettronica via e-mail.",
        "You receive the e-bill by e-mail.",
    ),
    (
        "ebill.active_since",
        "Ricevi la bolletta elettronica via e-mail dal",
        "You receive the e-bill by e-mail since",
    ),
    (
        "ebill.paper",
        "Ricevi la bolletta cartacea per posta.",
        "You receive the paper bill by post.",
    ),
    (
        "ebill.why",
        "Con la bolletta elettronica non stampiamo né spediamo buste: meno carta e meno CO2.",
        "With the e-bill we print and mail no envelopes: less paper and less CO2.",
    ),
    (
        "ebill.enroll",
        "Passa alla bolletta elettronica",
        "Switch to the e-bill",
    ),
    (
        "ebill.withdraw",
        "Torna alla bolletta cartacea",
        "Go back to the paper bill",
    ),
    (
        "ebill.already",
        "La modalità richiesta è già attiva.",
        "The chosen delivery is already active.",
    ),
    (
        "ebill.once_a_day",
        "Oggi hai già cambiato modalità: potrai cambiarla di nuovo da domani.",
        "You already changed today: you can change again from tomorrow.",
    ),
    (
        "ebill.enrolled_from",
        "Fatto: riceverai via e-mail le bollette emesse dal",
        "Done: you will receive by e-mail the bills issued from",
    ),
    (
        "ebill.withdrawn_from",
        "Fatto: riceverai per posta le bollette emesse dal",
        "Done: you will receive by post the bills issued from",
    ),
    (
        "readings.intro",
        "Comunica la lettura del contatore del gas o dell'acqua: la useremo per la prossima bolletta al posto dei consumi stimati.",
        "Send your gas or water meter reading: we will bill it instead of an estimate.",
    ),
    (
        "readings.no_points",
        "Non hai forniture di gas o acqua per cui comunicare la lettura.",
        "You have no gas or water supply to send a reading for.",
    ),
    ("readings.point", "Fornitura", "Supply"),
    (
        "readings.value",
        "Lettura (solo le cifre nere, senza decimali)",
        "Reading (black digits only, no decimals)",
    ),
    (
        "readings.meter_changed",
        "Il contatore è stato sostituito",
        "The meter has been replaced",
    ),
    (
        "readings.confirm_high",
        "Confermo che la lettura è corretta",
        "I confirm the reading is right",
    ),
    ("readings.history", "Ultime letture", "Latest readings"),
    ("readings.sent", "Inviata", "Sent"),
    (
        "readings.recorded",
        "Lettura registrata:",
        "Reading recorded:",
    ),
    (
        "readings.not_a_number",
        "La lettura deve essere un numero intero non negativo.",
        "The reading must be a whole number, not negative.",
    ),
    ("requests.none", "Nessuna richiesta.", "No requests."),
    (
        "requests.new",
        "Nuova richiesta o reclamo",
        "New request or complaint",
    ),
    ("requests.one", "Richiesta", "Request"),
    ("requests.kind", "Tipo", "Type"),
    ("requests.subject", "Oggetto", "Subject"),
    ("requests.body", "Testo", "Text"),
    (
        "requests.point",
        "Fornitura interessata",
        "Supply concerned",
    ),
    (
        "requests.no_point",
        "Nessuna in particolare",
        "None in particular",
    ),
    ("requests.files", "Allegati", "Attachments"),
    (
        "requests.files_rule",
        "(PDF o immagini, al massimo 5 MB ciascuno)",
        "(PDF or images, at most 5 MB each)",
    ),
    ("requests.opened", "Aperta il", "Opened"),
    ("requests.deadline", "Risposta entro", "Reply due by"),
    ("requests.answer", "Risposta", "Answer"),
    (
        "requests.compensation",
        "Risposta oltre i tempi previsti: ti spetta un indennizzo automatico di",
        "Answered late: you are owed automatic compensation of",
    ),
    (
        "requests.complaint_clock",
        "Un reclamo scritto riceve risposta motivata entro i tempi fissati dall'Autorità; se rispondiamo in ritardo ti spetta un indennizzo automatico in bolletta.",
        "A written complaint gets a reasoned reply within the regulator's time limit; if we answer late you get automatic compensation on your bill.",
    ),
    (
        "requests.bad_kind",
        "Scegli il tipo di richiesta dall'elenco.",
        "Choose the type of request from the list.",
    ),
    (
        "requests.file_too_big",
        "L'allegato supera i 5 MB:",
        "The attachment is larger than 5 MB:",
    ),
    (
        "requests.opened_notice",
        "Richiesta ricevuta: la trovi qui e riceverai la risposta in questa pagina.",
        "Request received: you will find it and its answer on this page.",
    ),
    (
        "requests.opened_complaint",
        "Reclamo ricevuto: il termine per la risposta decorre da oggi.",
        "Complaint received: the reply deadline runs from today.",
    ),
    ("branches.near", "Comune", "Municipality"),
    (
        "branches.only_open",
        "Solo quelli aperti ora",
        "Only those open now",
    ),
    ("branches.search", "Cerca", "Search"),
    ("branches.branch", "Sportello", "Branch"),
    ("branches.where", "Dove", "Where"),
    ("branches.now", "Adesso", "Now"),
    ("branches.hours", "Orario", "Hours"),
    ("branches.open", "Aperto", "Open"),
    ("branches.closed", "Chiuso", "Closed"),
    ("branches.week", "settimana", "week"),
    (
        "branches.unknown_place",
        "Nessuno sportello nel comune",
        "No branch in the municipality",
    ),
];
