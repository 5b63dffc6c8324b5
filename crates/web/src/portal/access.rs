//! Sign-in and sign-out, registration with the code on the bill, the address confirmation and
//! the password reset by e-mail link.

use super::{failure, message, password_problem, refused};
use crate::auth::{self, Ctx};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::limits::Action;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use canali_domain::text::{TextKind, check_text};
use canali_store::accounts::{EmailPurpose, SessionKind};
use serde::Deserialize;
use std::net::SocketAddr;

const CONFIRM_HOURS: i64 = 48;
const RESET_HOURS: i64 = 1;

#[derive(Default, Deserialize)]
pub(super) struct RegisterForm {
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
pub(super) struct RegisterPage {
    ctx: Ctx,
    error: Option<String>,
    form: RegisterForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/forgot.html")]
pub(super) struct ForgotPage {
    ctx: Ctx,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/resend.html")]
pub(super) struct ResendPage {
    ctx: Ctx,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/reset.html")]
pub(super) struct ResetPage {
    ctx: Ctx,
    error: Option<String>,
    token: String,
}

pub(super) async fn send_link(
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
        .accounts()
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

pub(super) async fn register_page(ctx: Ctx) -> RegisterPage {
    RegisterPage {
        ctx,
        error: None,
        form: RegisterForm::default(),
    }
}

pub(super) async fn register(
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
    // The one rule for text (canali_domain::text), said on the form with the field's name.
    let bad_text = [
        ("code", &f.code, TextKind::Code),
        ("tax_id", &f.tax_id, TextKind::Code),
        ("email", &f.email, TextKind::Name),
    ]
    .into_iter()
    .find_map(|(field, value, kind)| check_text(field, value.trim(), kind).err());
    if let Some(r) = bad_text {
        let msg = crate::i18n::refusal(ctx.lang, &r);
        return fail(ctx, msg, f);
    }
    if let Some(problem) = password_problem(ctx.lang, &f.password, &f.password2) {
        return fail(ctx, problem, f);
    }
    if let Err(e) = canali_domain::ids::TaxId::parse(f.tax_id.trim()) {
        // The identifier's own explanation is in English: Italian pages give the rule instead.
        let msg = match ctx.lang {
            canali_domain::lang::Lang::En => format!("{} {e}", ctx.t("register.bad_tax_id")),
            _ => ctx.t("register.bad_tax_id").to_string(),
        };
        return fail(ctx, msg, f);
    }
    let Some(customer) = state
        .store
        .accounts()
        .registration_match(&f.code, &f.tax_id)
        .await?
    else {
        return fail(ctx.clone(), ctx.t("register.no_match").into(), f);
    };
    let hash = auth::hash_password(f.password.clone()).await?;
    let created = state
        .store
        .accounts()
        .create_portal_login(customer.id, &f.email, &hash, now_micros())
        .await;
    if let Err(msg) = refused(&ctx, created)? {
        return fail(ctx, msg, f);
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
pub(super) struct TokenQuery {
    #[serde(default)]
    pub(super) token: String,
}

pub(super) async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    let now = now_micros();
    let used = state
        .store
        .accounts()
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
            Some(("/confirm/resend", ctx.t("resend.title"))),
        );
        return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
    };
    state
        .store
        .accounts()
        .confirm_portal_login(customer_id, now)
        .await?;
    Ok(message(
        ctx.clone(),
        ctx.t("confirm.title"),
        ctx.t("confirm.done").into(),
        Some(("/login", ctx.t("nav.login"))),
    )
    .into_response())
}

pub(super) async fn forgot_page(ctx: Ctx) -> ForgotPage {
    ForgotPage { ctx }
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Always answers the same, whether the address has an account or not: the page must not tell
/// a stranger who is a customer.
pub(super) async fn forgot(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<ForgotForm>,
) -> Result<Response, WebError> {
    let back = mail_link_to_login(
        &state,
        peer,
        &headers,
        &ctx,
        &f,
        EmailPurpose::ResetPassword,
    )
    .await?;
    Ok(message(
        ctx.clone(),
        ctx.t("forgot.title"),
        ctx.t("forgot.sent").into(),
        back,
    )
    .into_response())
}

pub(super) async fn resend_page(ctx: Ctx) -> ResendPage {
    ResendPage { ctx }
}

/// Sends the confirmation link again to an address registered but not yet confirmed (the first
/// mail lost, or its link expired). Answers the same whatever the address, like the password
/// reset, and shares its rate limit.
pub(super) async fn resend(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<ForgotForm>,
) -> Result<Response, WebError> {
    let back = mail_link_to_login(
        &state,
        peer,
        &headers,
        &ctx,
        &f,
        EmailPurpose::ConfirmAddress,
    )
    .await?;
    Ok(message(
        ctx.clone(),
        ctx.t("resend.title"),
        ctx.t("resend.sent").into(),
        back,
    )
    .into_response())
}

/// The password reset and the resent confirmation: checked and rate-limited alike, a link mailed
/// only to a login in the state the purpose needs (confirmed for a reset, unconfirmed for a
/// confirmation), and the same answer whatever the address. Returns the page's way back.
async fn mail_link_to_login(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    ctx: &Ctx,
    f: &ForgotForm,
    purpose: EmailPurpose,
) -> Result<Option<(&'static str, &'static str)>, WebError> {
    ctx.check_csrf(&f.csrf)?;
    state
        .limits
        .check(Action::Reset, &auth::client_ip(state, headers, Some(peer)))?;
    let wants_confirmed = matches!(purpose, EmailPurpose::ResetPassword);
    if let Some(login) = state
        .store
        .accounts()
        .portal_login_by_email(&f.email)
        .await?
        && login.confirmed_at.is_some() == wants_confirmed
    {
        send_link(
            state,
            ctx.lang,
            &login.email,
            purpose,
            login.customer_id,
            None,
        )
        .await?;
    }
    Ok((!wants_confirmed).then(|| ("/login", ctx.t("nav.login"))))
}

pub(super) async fn reset_page(ctx: Ctx, Query(q): Query<TokenQuery>) -> ResetPage {
    ResetPage {
        ctx,
        error: None,
        token: q.token,
    }
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub(super) async fn reset(
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
        .accounts()
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
    state
        .store
        .accounts()
        .set_portal_password(customer_id, &hash)
        .await?;
    // A reset ends every session: whoever knew the old password is signed out.
    state
        .store
        .accounts()
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
