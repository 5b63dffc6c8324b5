//! The `[web]` table of canali.toml (and `CANALI_WEB__*` variables).

use canali_domain::service::{ReplyStandard, default_reply_standards};
pub use canali_mail::{SmtpSecurity, SmtpSettings};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Address and port to listen on.
    pub bind: String,
    /// The address users reach the server at: links in e-mails start with it.
    pub public_url: String,
    /// Mark cookies `Secure` (set it when the server is behind TLS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a reverse proxy you run).
    pub trust_forwarded_for: bool,
    /// How long a sign-in lasts, in hours.
    pub session_hours: i64,
    /// Largest request body (uploads included), in bytes.
    pub max_upload_bytes: usize,
    /// Where mails are written when no SMTP server is configured.
    pub outbox: PathBuf,
    /// The sender of canali's mails.
    pub mail_from: String,
    /// The SMTP server (the same keys and defaults as `[billing.smtp]`); none: the outbox.
    pub smtp: Option<SmtpSettings>,
    pub limits: LimitsConfig,
    /// The regulator's time standards for written requests, by kind and validity date.
    pub reply_standards: Vec<ReplyStandard>,
    /// Serve `/metrics` (and the health checks) on this separate address, e.g.
    /// `127.0.0.1:9187`, and not on the main one.
    pub metrics_bind: Option<String>,
    /// A bearer token `/metrics` requires (`Authorization: Bearer TOKEN`). Without a token and
    /// without `metrics_bind`, `/metrics` answers only loopback clients that came through no
    /// proxy.
    pub metrics_token: Option<String>,
    /// The utility's own privacy notice (plain text: paragraphs separated by a blank line, a
    /// line starting `# ` is a heading), shown at `/privacy` in place of the default text.
    pub privacy_notice: Option<PathBuf>,
    /// The English privacy notice; without it English pages show `privacy_notice` (or the
    /// default English text when neither is set).
    pub privacy_notice_en: Option<PathBuf>,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            trust_forwarded_for: false,
            session_hours: 12,
            max_upload_bytes: 20 * 1024 * 1024,
            outbox: PathBuf::from("outbox"),
            mail_from: "canali <noreply@canali.invalid>".into(),
            smtp: None,
            limits: LimitsConfig::default(),
            reply_standards: default_reply_standards(),
            metrics_bind: None,
            metrics_token: None,
            privacy_notice: None,
            privacy_notice_en: None,
        }
    }
}

/// The shortest metrics token taken: a guessable one would protect nothing.
pub const MIN_METRICS_TOKEN_CHARS: usize = 16;

impl WebConfig {
    /// The settings' own consistency, as a sentence naming the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(b) = &self.metrics_bind
            && b.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(format!(
                "web.metrics_bind '{b}' is not an address and port like 127.0.0.1:9187"
            ));
        }
        if let Some(t) = &self.metrics_token
            && (t.chars().count() < MIN_METRICS_TOKEN_CHARS || t.chars().any(char::is_whitespace))
        {
            return Err(format!(
                "web.metrics_token must be at least {MIN_METRICS_TOKEN_CHARS} characters without \
                 spaces (e.g. the output of `openssl rand -hex 32`)"
            ));
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(format!(
                "web.public_url '{}' must start with http:// or https://",
                self.public_url
            ));
        }
        if self.session_hours <= 0 {
            return Err("web.session_hours must be at least 1".into());
        }
        for (i, r) in self.reply_standards.iter().enumerate() {
            let at = format!(
                "web.reply_standards[{i}] ({}, from {})",
                r.kind, r.valid_from
            );
            if r.days < 1 || r.days_four_monthly.is_some_and(|d| d < 1) {
                return Err(format!("{at}: the days must be at least 1"));
            }
            if r.base_cents.is_some_and(|c| c < 0) {
                return Err(format!("{at}: base_cents cannot be negative"));
            }
            if r.yearly_on_time_min_pct
                .is_some_and(|p| !(0.0..=100.0).contains(&p))
            {
                return Err(format!(
                    "{at}: yearly_on_time_min_pct must be between 0 and 100"
                ));
            }
        }
        for (key, path) in [
            ("privacy_notice", &self.privacy_notice),
            ("privacy_notice_en", &self.privacy_notice_en),
        ] {
            if let Some(path) = path {
                read_notice(path).map_err(|e| format!("web.{key}: {e}"))?;
            }
        }
        Ok(())
    }
}

/// Attempts allowed per minute from one client address (and, for sign-in, per account).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub login_per_minute: u32,
    pub login_per_account_per_minute: u32,
    pub register_per_minute: u32,
    pub reset_per_minute: u32,
    pub complaint_per_minute: u32,
}

impl Default for LimitsConfig {
    fn default() -> LimitsConfig {
        LimitsConfig {
            login_per_minute: 20,
            login_per_account_per_minute: 5,
            register_per_minute: 5,
            reset_per_minute: 5,
            complaint_per_minute: 5,
        }
    }
}

/// A privacy notice file's text; the error names the file and what is wrong with it.
pub fn read_notice(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the privacy notice {}: {e}", path.display()))?;
    if text.trim().is_empty() {
        return Err(format!("the privacy notice {} is empty", path.display()));
    }
    Ok(text)
}
