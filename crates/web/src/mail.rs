//! canali's outgoing mail: through an SMTP server with pooled connections when one is
//! configured, otherwise into an outbox folder of `.eml` files (the log says where).

use crate::config::{SmtpSecurity, WebConfig};
use crate::error::WebError;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    pub fn from_config(config: &WebConfig) -> Result<Mailer, WebError> {
        let from: Mailbox = config.mail_from.parse().map_err(|e| {
            WebError::BadRequest(format!(
                "the sender address web.mail_from '{}' is not valid: {e}",
                config.mail_from
            ))
        })?;
        let transport = match &config.smtp {
            None => Transport::Outbox(config.outbox.clone()),
            Some(smtp) => {
                let builder = match smtp.security {
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                    }
                    SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(
                        &smtp.host,
                    )
                    .map_err(|e| WebError::BadRequest(format!("SMTP host {}: {e}", smtp.host)))?,
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                        .map_err(|e| {
                            WebError::BadRequest(format!("SMTP host {}: {e}", smtp.host))
                        })?,
                };
                let mut builder = builder
                    .port(smtp.port)
                    .pool_config(PoolConfig::new().max_size(smtp.pool_size.max(1)));
                if let (Some(u), Some(p)) = (&smtp.username, &smtp.password) {
                    builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Mailer { from, transport })
    }

    /// Where mails go, for the start-up log.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".to_string(),
            Transport::Outbox(dir) => format!("the outbox folder {}", dir.display()),
        }
    }

    /// Sends a plain-text mail.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), WebError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| WebError::BadRequest(format!("the address {to} is not valid: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| WebError::Internal(format!("cannot build the mail: {e}")))?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(|e| {
                    WebError::Internal(format!("the mail to {to} could not be sent: {e}"))
                })?;
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| {
                    WebError::Internal(format!("cannot create the outbox {}: {e}", dir.display()))
                })?;
                let name = format!(
                    "{}-{}.eml",
                    jiff::Timestamp::now().as_microsecond(),
                    &crate::auth::random_token()[..8]
                );
                let path = dir.join(name);
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| {
                        WebError::Internal(format!("cannot write {}: {e}", path.display()))
                    })?;
                tracing::info!("mail to {to} written to {}", path.display());
            }
        }
        Ok(())
    }
}
