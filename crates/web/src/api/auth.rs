//! Bearer tokens: `Authorization: Bearer <token>`, checked against the SHA-256 digests the store
//! keeps. A valid token is remembered in memory for [`TOKEN_TTL`], so a burst of requests costs
//! one lookup; a revocation therefore takes effect within that time. Unknown or revoked tokens
//! are never remembered: they are looked up on each request.

use super::problem::Problem;
use crate::AppState;
use crate::auth::sha256_hex;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use canali_store::accounts::ApiToken;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a valid token is trusted without asking the store again: the most a revoked token
/// may still be accepted after its revocation.
pub const TOKEN_TTL: Duration = Duration::from_secs(5);

/// At most this many tokens are remembered; past it the cache starts over.
const MAX_CACHED: usize = 10_000;

/// The caller of an API request: the token it presented.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub token: ApiToken,
}

impl ApiClient {
    /// The operator the token's actions are filed under (who created the token).
    pub fn operator_id(&self) -> i64 {
        self.token.created_by
    }
}

type Cache = Mutex<HashMap<(usize, String), (Instant, ApiToken)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// The token of an `Authorization: Bearer` header, if any.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiClient, Problem> {
        let Some(token) = bearer(parts) else {
            return Err(Problem::unauthorized(
                "this API needs an 'Authorization: Bearer <token>' header with a token an administrator created",
            ));
        };
        if token.len() > 512 {
            return Err(Problem::unauthorized("the token is not valid"));
        }
        // The store's address tells stores apart (tests run several in one process).
        let key = (
            std::sync::Arc::as_ptr(&state.store) as usize,
            sha256_hex(token),
        );
        if let Some((at, t)) = cache().lock().expect("token cache").get(&key)
            && at.elapsed() < TOKEN_TTL
        {
            return Ok(ApiClient { token: t.clone() });
        }
        match state.store.accounts().api_token_by_hash(&key.1).await? {
            Some(t) => {
                let mut c = cache().lock().expect("token cache");
                if c.len() >= MAX_CACHED {
                    c.clear();
                }
                c.insert(key, (Instant::now(), t.clone()));
                Ok(ApiClient { token: t })
            }
            None => {
                cache().lock().expect("token cache").remove(&key);
                Err(Problem::unauthorized(
                    "the token is not valid: unknown or revoked",
                ))
            }
        }
    }
}
