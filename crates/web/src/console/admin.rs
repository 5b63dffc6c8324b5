//! The administrator's pages: operators (add, enable, disable), API tokens (created and shown
//! once, stored as their SHA-256, revoked) and the audit log.

use super::{ADMIN, ConsoleCtx as _, CsrfForm, PageQuery, audit, id_of};
use crate::auth::{self, Ctx};
use crate::error::{WebError, refusal_text};
use crate::{AppState, now_micros};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use canali_domain::Channel;
use canali_domain::service::Role;
use canali_store::accounts::{NewOperator, SessionKind};
use serde::Deserialize;

const MIN_PASSWORD: usize = 10;
const AUDIT_PAGE: i64 = 50;
const LINES: &[Channel] = &[Channel::CallCenterResidential, Channel::CallCenterBusiness];

pub struct OperatorRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: &'static str,
    pub post: String,
    pub active: bool,
    pub created: String,
}

/// The add-operator form, kept when it must be filled again.
#[derive(Default, Deserialize)]
pub struct OperatorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub line: String,
    #[serde(default)]
    pub branch: String,
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/users.html")]
struct UsersPage {
    ctx: Ctx,
    notice: Option<String>,
    error: Option<String>,
    me: i64,
    rows: Vec<OperatorRow>,
    form: OperatorForm,
    roles: Vec<(&'static str, &'static str)>,
    lines: Vec<(&'static str, &'static str)>,
}

pub(super) async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(ADMIN)?;
    let notice = match q.done.as_deref() {
        Some("added") => Some(ctx.t("console.users.added").to_string()),
        Some("changed") => Some(ctx.t("console.users.changed").to_string()),
        _ => None,
    };
    let form = OperatorForm {
        role: Role::Agent.name().into(),
        ..OperatorForm::default()
    };
    users_view(&state, ctx, notice, None, form).await
}

async fn users_view(
    state: &AppState,
    ctx: Ctx,
    notice: Option<String>,
    error: Option<String>,
    form: OperatorForm,
) -> Result<Response, WebError> {
    let me = ctx.operator_in(ADMIN)?.id;
    let lang = ctx.lang;
    let rows = state
        .store
        .accounts()
        .operators()
        .await?
        .into_iter()
        .map(|o| OperatorRow {
            id: o.id,
            post: match (o.line, &o.branch) {
                (Some(l), _) => l.label(lang).to_string(),
                (None, Some(b)) => b.clone(),
                (None, None) => String::new(),
            },
            email: o.email,
            name: o.name,
            role: o.role.label(lang),
            active: o.active,
            created: ctx.datetime(o.created_at),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = UsersPage {
        notice,
        error,
        me,
        rows,
        form: OperatorForm {
            password: String::new(),
            ..form
        },
        roles: Role::ALL
            .iter()
            .map(|r| (r.name(), r.label(lang)))
            .collect(),
        lines: LINES.iter().map(|c| (c.name(), c.label(lang))).collect(),
        ctx,
    };
    Ok((status, page).into_response())
}

/// Adds an operator: an agent needs a line, a clerk a branch; the password is hashed here.
pub(super) async fn add_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<OperatorForm>,
) -> Result<Response, WebError> {
    let admin = ctx.operator_in(ADMIN)?.clone();
    ctx.check_csrf(&f.csrf)?;
    let fail = |ctx: Ctx, msg: String, f: OperatorForm| users_view(&state, ctx, None, Some(msg), f);
    let Ok(role) = f.role.parse::<Role>() else {
        let msg = ctx.t("console.users.bad_role").to_string();
        return fail(ctx, msg, f).await;
    };
    if !f.email.contains('@') || f.email.trim().len() < 3 {
        let msg = ctx.t("console.users.bad_email").to_string();
        return fail(ctx, msg, f).await;
    }
    if f.name.trim().is_empty() {
        let msg = ctx.t("console.users.no_name").to_string();
        return fail(ctx, msg, f).await;
    }
    if f.password.chars().count() < MIN_PASSWORD {
        let msg = ctx.t("password.too_short").to_string();
        return fail(ctx, msg, f).await;
    }
    let line = match (role, f.line.trim()) {
        (Role::Agent, l) => match l.parse::<Channel>().ok().filter(|c| LINES.contains(c)) {
            Some(c) => Some(c),
            None => {
                let msg = ctx.t("console.users.needs_line").to_string();
                return fail(ctx, msg, f).await;
            }
        },
        _ => None,
    };
    let branch = match (role, f.branch.trim()) {
        (Role::Clerk, "") => {
            let msg = ctx.t("console.users.needs_branch").to_string();
            return fail(ctx, msg, f).await;
        }
        (Role::Clerk, b) => Some(b.to_uppercase()),
        _ => None,
    };
    let hash = auth::hash_password(f.password.clone()).await?;
    let new = NewOperator {
        email: f.email.trim().to_string(),
        name: f.name.trim().to_string(),
        role,
        line,
        branch,
        password_hash: hash,
    };
    let id = match state
        .store
        .accounts()
        .add_operator(&new, now_micros())
        .await
    {
        Ok(id) => id,
        Err(e) => {
            let msg = refusal_text(ctx.lang, e)?;
            return fail(ctx, msg, f).await;
        }
    };
    let detail = format!("operator {id} {} {}", new.email, role.name());
    audit(&state, admin.id, "add_operator", None, &detail).await?;
    Ok(Redirect::to("/console/admin/users?done=added").into_response())
}

#[derive(Deserialize)]
pub(super) struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

/// Enables or disables an operator; a disabled operator's sessions end at once.
pub(super) async fn set_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, WebError> {
    let admin = ctx.operator_in(ADMIN)?.clone();
    ctx.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    let active = match f.active.as_str() {
        "1" | "true" => true,
        "0" | "false" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "'{other}' is not a state: use 1 (enabled) or 0 (disabled)"
            )));
        }
    };
    if id == admin.id && !active {
        return users_view(
            &state,
            ctx.clone(),
            None,
            Some(ctx.t("console.users.not_yourself").to_string()),
            OperatorForm::default(),
        )
        .await;
    }
    state
        .store
        .accounts()
        .operator(id)
        .await?
        .ok_or(WebError::NotFound)?;
    state
        .store
        .accounts()
        .set_operator_active(id, active)
        .await?;
    if !active {
        state
            .store
            .accounts()
            .delete_sessions_of(SessionKind::Operator, id)
            .await?;
    }
    let action = if active {
        "enable_operator"
    } else {
        "disable_operator"
    };
    audit(&state, admin.id, action, None, &format!("operator {id}")).await?;
    Ok(Redirect::to("/console/admin/users?done=changed").into_response())
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub created_by: String,
    pub revoked: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/tokens.html")]
struct TokensPage {
    ctx: Ctx,
    notice: Option<String>,
    error: Option<String>,
    /// A token just created: shown this once, never stored in clear.
    new_token: Option<String>,
    rows: Vec<TokenRow>,
}

pub(super) async fn tokens(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let notice = (q.done.as_deref() == Some("revoked"))
        .then(|| ctx.t("console.tokens.revoked_notice").to_string());
    tokens_view(&state, ctx, notice, None, None).await
}

async fn tokens_view(
    state: &AppState,
    ctx: Ctx,
    notice: Option<String>,
    error: Option<String>,
    new_token: Option<String>,
) -> Result<Response, WebError> {
    ctx.operator_in(ADMIN)?;
    let (tokens, operators) = tokio::try_join!(
        state.store.accounts().api_tokens(),
        state.store.accounts().operators()
    )?;
    let rows = tokens
        .into_iter()
        .rev()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: ctx.datetime(t.created_at),
            created_by: operators
                .iter()
                .find(|o| o.id == t.created_by)
                .map_or_else(|| t.created_by.to_string(), |o| o.email.clone()),
            revoked: t.revoked_at.map(|at| ctx.datetime(at)),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = TokensPage {
        ctx,
        notice,
        error,
        new_token,
        rows,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// Creates an API token and shows it once; the store keeps only its SHA-256.
pub(super) async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TokenForm>,
) -> Result<Response, WebError> {
    let admin = ctx.operator_in(ADMIN)?.clone();
    ctx.check_csrf(&f.csrf)?;
    let token = auth::random_token();
    let created = state
        .store
        .accounts()
        .create_api_token(&f.name, &auth::sha256_hex(&token), admin.id, now_micros())
        .await;
    let id = match created {
        Ok(id) => id,
        Err(e) => {
            let msg = refusal_text(ctx.lang, e)?;
            return tokens_view(&state, ctx, None, Some(msg), None).await;
        }
    };
    let detail = format!("token {id} {}", f.name.trim());
    audit(&state, admin.id, "create_api_token", None, &detail).await?;
    let notice = Some(ctx.t("console.tokens.created_notice").to_string());
    let mut resp = tokens_view(&state, ctx, notice, None, Some(token)).await?;
    // The page holds a secret: no cache may keep it.
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    let admin = ctx.operator_in(ADMIN)?.clone();
    ctx.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    if state
        .store
        .accounts()
        .revoke_api_token(id, now_micros())
        .await?
    {
        audit(
            &state,
            admin.id,
            "revoke_api_token",
            None,
            &format!("token {id}"),
        )
        .await?;
    }
    Ok(Redirect::to("/console/admin/tokens?done=revoked").into_response())
}

pub struct AuditRow {
    pub when: String,
    pub operator: String,
    pub action: String,
    pub customer_id: Option<i64>,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/audit.html")]
struct AuditPage {
    ctx: Ctx,
    error: Option<String>,
    customer: String,
    rows: Vec<AuditRow>,
    page: i64,
    more: bool,
}

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    customer: Option<String>,
    page: Option<i64>,
}

/// The audit log, newest first, optionally of one customer (by customer code).
pub(super) async fn audit_log(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    ctx.operator_in(ADMIN)?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let customer = q.customer.unwrap_or_default().trim().to_string();
    let mut error = None;
    let customer_id = if customer.is_empty() {
        None
    } else {
        match state.store.customers().by_code(&customer).await? {
            Some(c) => Some(c.id),
            None => {
                error = Some(format!("{} {customer}", ctx.t("console.mail.no_customer")));
                None
            }
        }
    };
    let mut entries = if error.is_some() {
        Vec::new()
    } else {
        state
            .store
            .accounts()
            .audit_log(customer_id, AUDIT_PAGE + 1, (page - 1) * AUDIT_PAGE)
            .await?
    };
    let more = entries.len() as i64 > AUDIT_PAGE;
    entries.truncate(AUDIT_PAGE as usize);
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            when: ctx.datetime(e.at),
            operator: e.operator_email,
            action: e.action,
            customer_id: e.customer_id,
            detail: e.detail,
        })
        .collect();
    Ok(AuditPage {
        ctx,
        error,
        customer,
        rows,
        page,
        more,
    }
    .into_response())
}
