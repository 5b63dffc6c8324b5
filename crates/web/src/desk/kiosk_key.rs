//! The kiosk key: a branch's ticket kiosk issues tickets only on a device paired with that
//! branch, the way a branch-queue product pairs its ticket dispensers, so that nobody can
//! flood a branch's queue from home with its kiosk's address.
//!
//! The branch-network manager pairs the kiosk (console branch page, or `canali branches
//! kiosk-key`): a random 256-bit key, kept in the store only as its SHA-256 with who paired it
//! and when, and handed out once in the pairing link `/kiosk/{branch}?key=KEY`. Opening the
//! link on the device stores the key in a cookie sent to that kiosk's pages only and redirects
//! to the clean `/kiosk/{branch}`, so the key stays neither in the address bar nor in later
//! logs. Every kiosk request checks the cookie against the branch's key in force: another
//! branch's key, a revoked or a replaced one stops working at once.

use crate::auth::{random_token, set_cookie_at, sha256_hex};
use crate::error::url_escape;
use axum::http::{HeaderMap, HeaderValue, header};
use canali_store::{Store, StoreError};

/// The cookie that holds a paired device's key, one per kiosk (its path is the kiosk's).
pub const KIOSK_COOKIE: &str = "canali_kiosk";

/// 400 days, the longest browsers keep a cookie: a kiosk stays paired until its key is revoked
/// or replaced, not until a session ends.
const KIOSK_COOKIE_SECS: i64 = 400 * 86_400;

/// At most this many kiosk cookies of one request are checked (a browser sends one).
const MAX_KEYS_CHECKED: usize = 4;

/// Pairs `branch`'s kiosk: a new random key whose SHA-256 replaces the branch's key in force.
/// Returns the key in the clear, to be shown once in the pairing link.
pub async fn pair(store: &Store, branch: &str, by: &str, at: i64) -> Result<String, StoreError> {
    let key = random_token();
    store
        .network()
        .pair_kiosk(branch, &sha256_hex(&key), by, at)
        .await?;
    Ok(key)
}

/// The kiosk's page, percent-encoded as a browser requests it.
pub fn kiosk_path(branch: &str) -> String {
    format!("/kiosk/{}", url_escape(branch))
}

/// The pairing link of `branch`'s kiosk on the site at `base_url`.
pub fn pairing_link(base_url: &str, branch: &str, key: &str) -> String {
    format!(
        "{}{}?key={key}",
        base_url.trim_end_matches('/'),
        kiosk_path(branch)
    )
}

/// Whether `key`, as a link or cookie carries it, is the key in force of `branch`'s kiosk.
/// Anything but 64 hex digits is no key (and never reaches a header).
pub(crate) async fn key_opens(store: &Store, branch: &str, key: &str) -> Result<bool, StoreError> {
    if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    store
        .network()
        .kiosk_key_opens(branch, &sha256_hex(key))
        .await
}

/// Whether the request comes from a device paired with `branch`'s kiosk.
pub(crate) async fn device_paired(
    store: &Store,
    headers: &HeaderMap,
    branch: &str,
) -> Result<bool, StoreError> {
    let keys = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == KIOSK_COOKIE)
        .map(|(_, key)| key)
        .take(MAX_KEYS_CHECKED);
    for key in keys {
        if key_opens(store, branch, key).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The cookie that pairs this browser with `branch`'s kiosk, for a key [`key_opens`] accepted:
/// HttpOnly, SameSite=Strict, Secure behind TLS, sent to that kiosk's pages only.
pub(crate) fn pairing_cookie(branch: &str, key: &str, secure: bool) -> HeaderValue {
    set_cookie_at(
        KIOSK_COOKIE,
        key,
        &kiosk_path(branch),
        KIOSK_COOKIE_SECS,
        "Strict",
        secure,
    )
}
