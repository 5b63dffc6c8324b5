//! The account page: the password and the e-mail address, changed by the signed-in customer.

use super::access::{TokenQuery, send_link};
use super::{failure, message, password_problem, posting_customer, record_web_contact, refused};
use crate::auth::{self, Ctx};
use crate::error::WebError;
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use canali_domain::Reason;
use canali_domain::text::{TextKind, check_text};
use canali_store::accounts::{EmailPurpose, SessionKind};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "portal/account.html")]
pub(super) struct AccountPage {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    name: String,
    email: String,
}

pub(super) async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
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
        .accounts()
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
pub(super) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let customer = posting_customer(&ctx, &f.csrf)?;
    let login = state
        .store
        .accounts()
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
    state
        .store
        .accounts()
        .set_portal_password(customer.id, &hash)
        .await?;
    // Every other session ends; this browser gets a fresh one.
    state
        .store
        .accounts()
        .delete_sessions_of(SessionKind::Customer, customer.id)
        .await?;
    let cookies = auth::start_session(&state, &headers, SessionKind::Customer, customer.id).await?;
    Ok(auth::redirect_with_cookies(cookies, "/home?done=password"))
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn change_email(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<EmailForm>,
) -> Result<Response, WebError> {
    let customer = posting_customer(&ctx, &f.csrf)?;
    let login = state
        .store
        .accounts()
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
    if let Err(r) = check_text("email", f.email.trim(), TextKind::Name) {
        let msg = crate::i18n::refusal(ctx.lang, &r);
        return account(&state, ctx, Some(msg), None).await;
    }
    if state
        .store
        .accounts()
        .portal_login_by_email(&f.email)
        .await?
        .is_some()
    {
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

pub(super) async fn confirm_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Result<Response, WebError> {
    let used = state
        .store
        .accounts()
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
    let changed = state
        .store
        .accounts()
        .set_portal_email(customer_id, &email)
        .await;
    if let Err(msg) = refused(&ctx, changed)? {
        let page = failure(ctx.clone(), ctx.t("account.change_email"), msg, None);
        return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
    }
    if let Some(c) = state
        .store
        .accounts()
        .customer_identity(customer_id)
        .await?
    {
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
