//! canali's outgoing mail: the SMTP settings (`[web.smtp]` and `[billing.smtp]` in canali.toml
//! read the same keys with the same defaults) and the one builder of the pooled SMTP transport
//! the online branch's mails and the bill dispatch both send through.

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// The pooled SMTP transport both senders use.
pub type SmtpTransport = AsyncSmtpTransport<Tokio1Executor>;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP: for a relay on the same machine or network.
    None,
    /// STARTTLS when the server offers it, plain otherwise: the default, because it encrypts
    /// whenever it can and still reaches a plain local relay.
    #[default]
    Opportunistic,
    /// STARTTLS required (port 587 usually): no mail goes out unencrypted.
    Starttls,
    /// TLS from the first byte (port 465 usually).
    Tls,
}

/// The SMTP server mails are sent through.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `none`, `opportunistic`, `starttls` or `tls`; the server's certificate is checked against
    /// the usual public roots, or against `ca_file`.
    pub security: SmtpSecurity,
    /// A PEM file of the authority that signed the server's certificate, for a relay with a
    /// certificate of the utility's own authority.
    pub ca_file: Option<PathBuf>,
    /// Connections kept open and reused.
    pub pool_size: u32,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::default(),
            ca_file: None,
            pool_size: 8,
            username: None,
            password: None,
        }
    }
}

/// A setting that does not make a transport, as a sentence naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailError(pub String);

/// The SMTP transport with its connection pool (nothing is sent or connected yet).
pub fn transport(s: &SmtpSettings) -> Result<SmtpTransport, MailError> {
    let plain = SmtpTransport::builder_dangerous(&s.host);
    let builder = if s.security == SmtpSecurity::None {
        plain
    } else {
        let mut params = TlsParameters::builder(s.host.clone());
        if let Some(ca) = &s.ca_file {
            let pem = std::fs::read(ca).map_err(|e| {
                MailError(format!("cannot read smtp.ca_file {}: {e}", ca.display()))
            })?;
            let cert = Certificate::from_pem(&pem).map_err(|e| {
                MailError(format!(
                    "smtp.ca_file {} is not a PEM certificate: {e}",
                    ca.display()
                ))
            })?;
            params = params.add_root_certificate(cert);
        }
        let params = params
            .build_rustls()
            .map_err(|e| MailError(format!("TLS for the SMTP host {}: {e}", s.host)))?;
        plain.tls(match s.security {
            SmtpSecurity::Tls => Tls::Wrapper(params),
            SmtpSecurity::Starttls => Tls::Required(params),
            _ => Tls::Opportunistic(params),
        })
    };
    let mut builder = builder
        .port(s.port)
        .timeout(Some(Duration::from_secs(30)))
        .pool_config(PoolConfig::new().max_size(s.pool_size.max(1)));
    if let (Some(u), Some(p)) = (&s.username, &s.password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys a canali.toml of either table may hold, with the defaults for the rest.
    /// (The pool needs a Tokio runtime.)
    #[tokio::test]
    async fn settings_read_both_tables_keys_with_one_set_of_defaults() {
        let s: SmtpSettings =
            serde_json::from_str(r#"{"host": "mail.example", "port": 587, "security": "starttls", "username": "u", "password": "p"}"#)
                .unwrap();
        assert_eq!(s.security, SmtpSecurity::Starttls);
        assert_eq!((s.pool_size, s.ca_file), (8, None));
        let d: SmtpSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(d, SmtpSettings::default());
        assert_eq!(d.security, SmtpSecurity::Opportunistic);
        for security in ["none", "opportunistic", "starttls", "tls"] {
            let s: SmtpSettings =
                serde_json::from_str(&format!(r#"{{"security": "{security}"}}"#)).unwrap();
            assert!(transport(&s).is_ok(), "{security}");
        }
    }
}
