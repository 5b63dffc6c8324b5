//! The online branch's mails: through an SMTP server with pooled connections (canali-mail's
//! transport, shared with the bill dispatch) when one is configured, otherwise into an outbox
//! folder of `.eml` files (the log says where).

use crate::config::WebConfig;
use crate::error::WebError;
use canali_mail::SmtpTransport;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncTransport, Message};
use std::path::PathBuf;

pub enum Transport {
    Smtp(SmtpTransport),
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
            Some(smtp) => Transport::Smtp(
                canali_mail::transport(smtp).map_err(|e| WebError::BadRequest(e.to_string()))?,
            ),
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
