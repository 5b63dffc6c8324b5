//! The public complaint form's side of requests (TIQV 2026): complaints from someone the form
//! could not identify, and the address a request's answer is mailed to.

use super::{RequestInsert, Requests, check_request_text, refused};
use crate::bulk::Tx;
use crate::db::on_db;
use crate::requests::{NewAttachment, ServiceRequest};
use crate::{Refusal, Result};
use canali_domain::service::{ReplyStandard, RequestKind, reply_deadline};
use canali_domain::text::{TextKind, check_opt, check_text};
use canali_domain::{Channel, Day};

/// A complaint from the public form by someone who could not give a customer code or a supply
/// point: a name, and a phone or an address to answer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnidentifiedComplaint {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub subject: String,
    pub body: String,
    pub opened_at: i64,
    pub attachments: Vec<NewAttachment>,
}

impl Requests<'_> {
    /// Opens a written complaint from someone the public form could not identify (no customer
    /// code nor supply point at hand): known by name, with a phone and or a reply address. The
    /// reply clock starts at once, by the complaint standard in force; the ledger contact has no
    /// customer.
    pub async fn open_unidentified(
        self,
        complaint: &UnidentifiedComplaint,
        standards: &[ReplyStandard],
    ) -> Result<ServiceRequest> {
        let c = complaint;
        let (subject, body) = check_request_text(&c.subject, &c.body, &c.attachments)?;
        let name = c.name.trim();
        let phone = c.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let email = c.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if name.is_empty() || (phone.is_none() && email.is_none()) {
            return refused(Refusal::ComplainantUnknown);
        }
        check_text("name", name, TextKind::Name)?;
        check_opt("phone", phone, TextKind::Name)?;
        check_opt("email", email, TextKind::Name)?;
        let opened_day = Day::of_micros(c.opened_at);
        let kind = RequestKind::Complaint;
        let insert = RequestInsert {
            customer_id: None,
            contact: Some((name, phone)),
            supply_point_id: None,
            kind,
            channel: Channel::Web,
            subject,
            body,
            opened_at: c.opened_at,
            opened_day,
            deadline_day: reply_deadline(standards, kind, opened_day, false),
            attachments: &c.attachments,
        };
        self.store_opened(&insert, email, None, None).await
    }

    /// The address a request's answer is to be mailed to, when its form gave one.
    pub async fn reply_email(self, id: i64) -> Result<Option<String>> {
        Ok(on_db!(&self.store.db, |p| sqlx::query_scalar(
            "SELECT email FROM request_reply_addresses WHERE request_id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?)
    }
}

/// Keeps the address a request's answer is mailed to, in the request's transaction.
pub(super) async fn insert_reply_address(tx: &mut Tx<'_>, id: i64, email: &str) -> Result<()> {
    on_tx!(&mut *tx, |t| sqlx::query(
        "INSERT INTO request_reply_addresses (request_id, email) VALUES ($1, $2)"
    )
    .bind(id)
    .bind(email)
    .execute(&mut **t)
    .await
    .map(|_| ()))?;
    Ok(())
}
