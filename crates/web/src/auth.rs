//! Who is asking: passwords (argon2id), random tokens and their SHA-256 digests, cookies, the
//! session behind the cookie, and the request context every page is rendered with.

use crate::error::WebError;
use crate::i18n::Lang;
use crate::{AppState, now_micros};
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use canali_domain::locale;
use canali_domain::service::Role;
use canali_store::accounts::{CustomerIdentity, Operator, SessionKind};
use rand::TryRngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "canali_session";
pub const CSRF_COOKIE: &str = "canali_csrf";
pub const LANG_COOKIE: &str = "canali_lang";

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes), off the async
/// threads because it is meant to be slow.
pub async fn hash_password(password: String) -> Result<String, WebError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| WebError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
}

/// Checks a password against its stored hash; a malformed hash never matches.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A hash of a password nobody has, verified when the account does not exist so that a wrong
/// address and a wrong password take the same time.
pub async fn burn_password_time(password: String) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = match DUMMY.get() {
        Some(h) => h.clone(),
        None => {
            let h = hash_password("not a real password".into())
                .await
                .unwrap_or_default();
            DUMMY.get_or_init(|| h).clone()
        }
    };
    verify_password(password, hash).await;
}

/// Takes one sign-in attempt from the client's address and one for the account (the rate
/// limits), and returns the client address and the account's normalized e-mail address.
pub fn throttle_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    peer: std::net::SocketAddr,
    email: &str,
) -> Result<(String, String), WebError> {
    let ip = client_ip(state, headers, Some(peer));
    state.limits.check(crate::limits::Action::Login, &ip)?;
    let email = canali_store::accounts::normalize_email(email);
    state
        .limits
        .check(crate::limits::Action::LoginAccount, &email)?;
    Ok((ip, email))
}

/// Whether `password` is the one behind `hash`; with no account (no hash) it spends the same
/// time and says no, so that a wrong address and a wrong password look alike.
pub async fn password_matches(password: &str, hash: Option<&str>) -> bool {
    match hash {
        Some(h) => verify_password(password.to_string(), h.to_string()).await,
        None => {
            burn_password_time(password.to_string()).await;
            false
        }
    }
}

/// A redirect that sets `cookies` (a new session, a language, a deletion).
pub fn redirect_with_cookies(cookies: Vec<HeaderValue>, to: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut resp = axum::response::Redirect::to(to).into_response();
    for c in cookies {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// A form that carries nothing but its CSRF token (sign-out, one-button actions).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// 32 random bytes from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source is available");
    hex::encode(bytes)
}

/// What the store keeps instead of a secret.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly always, `Secure` when configured; `max_age` 0 deletes it.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: i64,
    same_site: &str,
    secure: bool,
) -> HeaderValue {
    set_cookie_at(name, value, "/", max_age_secs, same_site, secure)
}

/// The same for the pages under `path` only (the browser sends it nowhere else).
pub fn set_cookie_at(
    name: &str,
    value: &str,
    path: &str,
    max_age_secs: i64,
    same_site: &str,
    secure: bool,
) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite={same_site}{secure}"
    ))
    .expect("cookie values are hex digits and paths are percent-encoded")
}

/// Opens a session for a customer or operator who has just proved who they are. The session id
/// is always new (the one the browser had before, if any, is deleted): a session id planted
/// before sign-in is worth nothing after it. Returns the cookies to set.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    kind: SessionKind,
    subject: i64,
) -> Result<Vec<HeaderValue>, WebError> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        state
            .store
            .accounts()
            .delete_session(&sha256_hex(old))
            .await?;
    }
    let id = random_token();
    let csrf = random_token();
    let now = now_micros();
    let ttl = state.config.session_hours.max(1) * 3600;
    state
        .store
        .accounts()
        .create_session(
            &sha256_hex(&id),
            kind,
            subject,
            &csrf,
            now,
            now + ttl * 1_000_000,
        )
        .await?;
    let secure = state.config.secure_cookies;
    Ok(vec![set_cookie(SESSION_COOKIE, &id, ttl, "Lax", secure)])
}

/// Ends the session behind the request's cookie; returns the cookie deletion to send.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, WebError> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        state
            .store
            .accounts()
            .delete_session(&sha256_hex(old))
            .await?;
    }
    Ok(set_cookie(
        SESSION_COOKIE,
        "",
        0,
        "Lax",
        state.config.secure_cookies,
    ))
}

/// The anonymous CSRF token the security layer put on a request that arrived without one.
#[derive(Clone)]
pub struct FreshCsrf(pub String);

/// Everything a page needs to know about the request: language, CSRF token, who is signed in.
#[derive(Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// The token forms carry: the session's when signed in, the CSRF cookie's otherwise.
    pub csrf: String,
    pub session_hash: Option<String>,
    pub customer: Option<CustomerIdentity>,
    pub operator: Option<Operator>,
    /// Path and query of this request (for the language switch and sign-in redirects).
    pub path: String,
}

impl Ctx {
    /// The text of `key` in the page's language.
    pub fn t(&self, key: &'static str) -> &'static str {
        crate::i18n::t(self.lang, key)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The link that switches the language and comes back to this page.
    pub fn lang_switch(&self) -> String {
        let other = match self.lang {
            Lang::It => "en",
            Lang::En => "it",
        };
        format!(
            "/lang/{other}?back={}",
            crate::error::url_escape(&self.path)
        )
    }

    /// Refuses a form whose token is not this session's (or this browser's, before sign-in).
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if !self.csrf.is_empty() && same_secret(&self.csrf, token) {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "Il modulo è scaduto o non proviene da questo sito: ricarica la pagina e riprova. \
                 The form has expired or did not come from this site: reload the page and try again."
                    .into(),
            ))
        }
    }

    /// The signed-in customer, or a redirect to the online branch's sign-in.
    pub fn customer(&self) -> Result<&CustomerIdentity, WebError> {
        self.customer
            .as_ref()
            .ok_or_else(|| WebError::SignInRequired {
                console: false,
                next: self.path.clone(),
            })
    }

    /// The signed-in operator, or a redirect to the console's sign-in.
    pub fn operator(&self) -> Result<&Operator, WebError> {
        self.operator
            .as_ref()
            .ok_or_else(|| WebError::SignInRequired {
                console: true,
                next: self.path.clone(),
            })
    }

    /// The signed-in operator if their role is one of `roles` (administrators may do anything).
    pub fn operator_in(&self, roles: &[Role]) -> Result<&Operator, WebError> {
        let op = self.operator()?;
        if op.role == Role::Admin || roles.contains(&op.role) {
            Ok(op)
        } else {
            Err(WebError::Forbidden(format!(
                "Il ruolo {} non consente questa pagina. The role {} may not use this page.",
                op.role.label(Lang::It),
                op.role.label(Lang::En)
            )))
        }
    }

    /// A date for people, in the page's language: `07/12/2026`, `2026-12-07`.
    pub fn date(&self, day: canali_domain::Day) -> String {
        locale::short_date(day.date(), self.lang)
    }

    /// An instant (microseconds) as local date and time in Europe/Rome.
    pub fn datetime(&self, micros: i64) -> String {
        let Ok(ts) = jiff::Timestamp::from_microsecond(micros) else {
            return String::new();
        };
        let z = ts.to_zoned(canali_domain::ROME.clone());
        locale::date_time(z.datetime(), self.lang)
    }

    /// Cents as euros: `1.234,56 €` in Italian, `€1,234.56` in English.
    pub fn euros(&self, cents: i64) -> String {
        locale::euros(cents, self.lang)
    }

    /// A decimal with `digits` places in the page's language: `44,0`, `44.0`.
    pub fn dec(&self, v: f64, digits: usize) -> String {
        locale::dec(v, digits, self.lang)
    }

    /// An integer with the language's thousands separator: `1.234`, `1,234`.
    pub fn int(&self, n: i64) -> String {
        locale::int(n, self.lang)
    }

    /// A `YYYY-MM` month for headings: `dicembre 2026`, `December 2026`.
    pub fn month(&self, key: &str) -> String {
        locale::month_key(key, self.lang)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, WebError> {
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let headers = &parts.headers;
        let lang = cookie(headers, LANG_COOKIE)
            .and_then(Lang::from_code)
            .unwrap_or_else(|| crate::i18n::from_accept_language(headers));
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        let mut ctx = Ctx {
            lang,
            csrf: String::new(),
            session_hash: None,
            customer: None,
            operator: None,
            path,
        };
        if let Some(sid) = cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty()) {
            let hash = sha256_hex(sid);
            if let Some(found) = state
                .store
                .accounts()
                .session_context(&hash, now_micros())
                .await?
            {
                ctx.csrf = found.session.csrf;
                ctx.customer = found.customer;
                ctx.operator = found.operator.filter(|o| o.active);
                ctx.session_hash = Some(hash);
            }
        }
        if ctx.csrf.is_empty() {
            ctx.csrf = parts
                .extensions
                .get::<FreshCsrf>()
                .map(|f| f.0.clone())
                .or_else(|| cookie(headers, CSRF_COOKIE).map(str::to_string))
                .unwrap_or_default();
        }
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

/// The client address rate limits are keyed on.
pub fn client_ip(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> String {
    if state.config.trust_forwarded_for
        && let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_string();
    }
    peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string())
}
