//! Sign-in and sign-out, one implementation for both doors: customers at the online branch
//! (`/login`) and operators at the console (`/console/login`). Both keep the same rules: CSRF on
//! every post, rate limits by client address and by account, argon2id verification that takes
//! the same time for an unknown address, a new session id at every sign-in, and a local
//! `next` only.

use crate::AppState;
use crate::auth::{self, CsrfForm, Ctx};
use crate::console::ConsoleCtx as _;
use crate::error::WebError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use canali_store::accounts::SessionKind;
use serde::Deserialize;
use std::net::SocketAddr;

/// Who signs in at a door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// A customer at the online branch: a confirmed login.
    Customer,
    /// An operator at the console: an active operator, each sign-in audited.
    Operator,
}

impl Audience {
    fn login_path(self) -> &'static str {
        match self {
            Audience::Customer => "/login",
            Audience::Operator => "/console/login",
        }
    }

    fn logout_path(self) -> &'static str {
        match self {
            Audience::Customer => "/logout",
            Audience::Operator => "/console/logout",
        }
    }

    /// Where a sign-out lands.
    fn signed_out(self) -> &'static str {
        match self {
            Audience::Customer => "/",
            Audience::Operator => "/console/login",
        }
    }

    fn session_kind(self) -> SessionKind {
        match self {
            Audience::Customer => SessionKind::Customer,
            Audience::Operator => SessionKind::Operator,
        }
    }

    /// The message of a wrong address or password (the same for both, so a stranger cannot
    /// tell which was wrong).
    fn wrong_key(self) -> &'static str {
        match self {
            Audience::Customer => "login.wrong",
            Audience::Operator => "console.login.wrong",
        }
    }

    /// A local path to come back to after sign-in; anything else (another site, the sign-in
    /// itself for operators) goes to the door's landing page.
    pub(crate) fn safe_next(self, next: Option<&str>) -> String {
        match self {
            Audience::Customer => crate::portal::safe_next(next, "/home"),
            Audience::Operator => crate::console::safe_next(next),
        }
    }

    /// The account behind a normalized address: its id, password hash, and the refusal (status
    /// and message) of an account that exists but may not sign in.
    async fn account(self, state: &AppState, email: &str) -> Result<Option<Account>, WebError> {
        Ok(match self {
            Audience::Customer => {
                let login = state.store.accounts().portal_login_by_email(email).await?;
                login.map(|l| Account {
                    id: l.customer_id,
                    password_hash: l.password_hash,
                    refusal: l
                        .confirmed_at
                        .is_none()
                        .then_some((StatusCode::FORBIDDEN, "login.unconfirmed")),
                })
            }
            Audience::Operator => {
                let operator = state.store.accounts().operator_by_email(email).await?;
                operator.map(|o| Account {
                    id: o.id,
                    password_hash: o.password_hash,
                    // An inactive operator hears what a wrong password hears.
                    refusal: (!o.active)
                        .then_some((StatusCode::UNAUTHORIZED, "console.login.wrong")),
                })
            }
        })
    }

    /// The sign-in page of the door, with the form filled again when `email` is given.
    fn page(self, ctx: Ctx, error: Option<String>, email: String, next: String) -> Response {
        match self {
            Audience::Customer => CustomerSignIn {
                ctx,
                error,
                notice: None,
                email,
                next,
                action: self.login_path(),
            }
            .into_response(),
            Audience::Operator => OperatorSignIn {
                ctx,
                error,
                notice: None,
                email,
                next,
                action: self.login_path(),
            }
            .into_response(),
        }
    }
}

struct Account {
    id: i64,
    password_hash: String,
    refusal: Option<(StatusCode, &'static str)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/login.html")]
struct CustomerSignIn {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    email: String,
    next: String,
    action: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/login.html")]
struct OperatorSignIn {
    ctx: Ctx,
    error: Option<String>,
    notice: Option<String>,
    email: String,
    next: String,
    action: &'static str,
}

/// The sign-in page, the sign-in and the sign-out of `who`'s door.
pub(crate) fn routes(who: Audience) -> Router<AppState> {
    Router::new()
        .route(
            who.login_path(),
            get(move |ctx, q| login_page(who, ctx, q)).post(
                move |state, peer, headers, ctx, form| login(who, state, peer, headers, ctx, form),
            ),
        )
        .route(
            who.logout_path(),
            post(move |state, headers, ctx, form| logout(who, state, headers, ctx, form)),
        )
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(who: Audience, ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    who.page(ctx, None, String::new(), who.safe_next(q.next.as_deref()))
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
    who: Audience,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let (ip, email) = auth::throttle_sign_in(&state, &headers, peer, &f.email)?;
    let account = who.account(&state, &email).await?;
    let hash = account.as_ref().map(|a| a.password_hash.as_str());
    let ok = auth::password_matches(&f.password, hash).await;
    let next = who.safe_next(Some(&f.next));
    let refuse = |ctx: Ctx, status: StatusCode, key: &'static str| {
        let error = Some(ctx.t(key).to_string());
        Ok((status, who.page(ctx, error, f.email.clone(), next.clone())).into_response())
    };
    let account = match account {
        Some(a) if ok => a,
        _ => return refuse(ctx, StatusCode::UNAUTHORIZED, who.wrong_key()),
    };
    if let Some((status, key)) = account.refusal {
        return refuse(ctx, status, key);
    }
    let cookies = auth::start_session(&state, &headers, who.session_kind(), account.id).await?;
    if who == Audience::Operator {
        crate::console::audit(&state, account.id, "sign_in", None, &ip).await?;
    }
    Ok(auth::redirect_with_cookies(cookies, &next))
}

async fn logout(
    who: Audience,
    State(state): State<AppState>,
    headers: HeaderMap,
    ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cookie = auth::end_session(&state, &headers).await?;
    Ok(auth::redirect_with_cookies(vec![cookie], who.signed_out()))
}
