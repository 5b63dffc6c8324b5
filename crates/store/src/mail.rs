//! The postal mail registry: letters by protocol number (`2011/000042`), optionally opening a
//! request by mail, each written with its ledger contact (channel mail, source `mail`) in one
//! transaction.

use crate::bulk::Tx;
use crate::db::on_db;
use crate::requests::NewAttachment;
use crate::requests::{
    Brief, MAIL_SOURCE, RequestInsert, begin, check_attachment, insert_request,
    is_unique_violation, reason_of, refused,
};
use crate::tickets::serialize_day;
use crate::{NewContact, Refusal, Result, Store, StoreError};
use canali_domain::service::{ReplyStandard, RequestKind, reply_deadline};
use canali_domain::text::{TextKind, check_text};
use canali_domain::{Channel, Day, Outcome, Reason};
use sqlx::AssertSqlSafe;

/// Runs the same body on whichever transaction `tx` is (`$t` is the native transaction).
macro_rules! on_tx {
    ($tx:expr, |$t:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

/// A letter to register in the postal mail registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMailItem {
    pub received_day: Day,
    pub sender: String,
    pub subject: String,
    pub customer_id: Option<i64>,
    pub link: MailLink,
    /// The operator id who registered it.
    pub registered_by: i64,
    pub registered_at: i64,
    /// The scanned letter.
    pub file: Option<NewAttachment>,
}

/// What a letter is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailLink {
    None,
    /// A request already open (e.g. a reminder).
    Existing(i64),
    /// Opens a request of the customer, by mail; a complaint's reply clock starts on the day the
    /// letter was received.
    NewRequest {
        kind: RequestKind,
        body: String,
    },
}

/// A registered letter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailItem {
    pub id: i64,
    pub year: i64,
    pub seq: i64,
    /// `{year}/{seq:06}`, e.g. `2011/000042`.
    pub protocol: String,
    #[serde(serialize_with = "serialize_day")]
    pub received_day: Day,
    pub sender: String,
    pub subject: String,
    pub customer_id: Option<i64>,
    pub request_id: Option<i64>,
    pub registered_by: i64,
    pub registered_at: i64,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    /// Bytes of the scanned letter.
    pub file_size: Option<i64>,
}

impl MailItem {
    /// The protocol number, `{year}/{seq:06}`.
    pub fn protocol(&self) -> String {
        protocol(self.year, self.seq)
    }
}

fn protocol(year: i64, seq: i64) -> String {
    format!("{year}/{seq:06}")
}

/// A row of [`MAIL_COLUMNS`], as stored.
#[derive(sqlx::FromRow)]
struct StoredLetter {
    id: i64,
    year: i64,
    seq: i64,
    received_day: i64,
    sender: String,
    subject: String,
    customer_id: Option<i64>,
    request_id: Option<i64>,
    registered_by: i64,
    registered_at: i64,
    filename: Option<String>,
    content_type: Option<String>,
    file_size: Option<i64>,
}

type MailFileTuple = (Option<String>, Option<String>, Option<Vec<u8>>);

const MAIL_COLUMNS: &str = "id, year, seq, received_day, sender, subject, customer_id, \
     request_id, registered_by, registered_at, filename, content_type, \
     CAST(LENGTH(data) AS BIGINT) AS file_size";

fn mail_row(r: StoredLetter) -> MailItem {
    MailItem {
        id: r.id,
        year: r.year,
        seq: r.seq,
        protocol: protocol(r.year, r.seq),
        received_day: Day(r.received_day as i32),
        sender: r.sender,
        subject: r.subject,
        customer_id: r.customer_id,
        request_id: r.request_id,
        registered_by: r.registered_by,
        registered_at: r.registered_at,
        filename: r.filename,
        content_type: r.content_type,
        file_size: r.file_size,
    }
}

/// The postal mail registry.
#[derive(Clone, Copy)]
pub struct Mail<'a> {
    store: &'a Store,
}

impl Store {
    pub fn mail(&self) -> Mail<'_> {
        Mail { store: self }
    }
}

impl Mail<'_> {
    /// Registers a letter: the next protocol number of the year it was received in, optionally a
    /// new request by mail (its reply clock starts on the day of receipt), and its ledger contact
    /// (channel mail, source `mail`, the protocol as external id, outcome registered) in one
    /// transaction. Two registrations at once get distinct numbers: on PostgreSQL the second
    /// to commit meets the unique protocol and starts again.
    pub async fn register(
        self,
        item: &NewMailItem,
        standards: &[ReplyStandard],
    ) -> Result<MailItem> {
        let sender = item.sender.trim();
        let subject = item.subject.trim();
        if sender.is_empty() {
            return refused(Refusal::LetterWithoutSender);
        }
        if subject.is_empty() {
            return refused(Refusal::SubjectEmpty { letter: true });
        }
        check_text("sender", sender, TextKind::Name)?;
        check_text("subject", subject, TextKind::Line)?;
        if let MailLink::NewRequest { body, .. } = &item.link {
            check_text("new_request_body", body.trim(), TextKind::Body)?;
        }
        if let Some(f) = &item.file {
            check_attachment(f, true)?;
        }
        let mut customer_id = item.customer_id;
        let mut reason = Reason::Other;
        match &item.link {
            MailLink::None => {}
            MailLink::Existing(rid) => {
                let Some(req) = self.store.requests().get(*rid).await? else {
                    return refused(Refusal::NoRequestToLink { request: *rid });
                };
                // A complaint from someone not identified has no customer to compare.
                if let (Some(given), Some(owner)) = (customer_id, req.customer_id)
                    && given != owner
                {
                    return refused(Refusal::LetterOtherCustomer { request: *rid });
                }
                customer_id = customer_id.or(req.customer_id);
                reason = reason_of(req.kind);
            }
            MailLink::NewRequest { kind, body } => {
                if customer_id.is_none() {
                    return refused(Refusal::LetterWithoutCustomer);
                }
                if body.trim().is_empty() {
                    return refused(Refusal::RequestBodyEmpty);
                }
                reason = reason_of(*kind);
            }
        }
        let customer = match customer_id {
            Some(c) => Some(self.store.brief(c).await?),
            None => None,
        };
        let year = i64::from(item.received_day.year());
        self.store.branch_sots().await?;
        let mut attempts = 0;
        let id = loop {
            match self
                .register_once(
                    item,
                    standards,
                    customer_id,
                    customer.as_ref(),
                    reason,
                    year,
                )
                .await
            {
                Ok(id) => break id,
                Err(e) if is_unique_violation(&e) && attempts < 50 => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(attempts)).await;
                }
                Err(e) => return Err(e),
            }
        };
        self.item(id)
            .await?
            .ok_or_else(|| StoreError::not_found("letter", id))
    }

    async fn register_once(
        self,
        item: &NewMailItem,
        standards: &[ReplyStandard],
        customer_id: Option<i64>,
        customer: Option<&Brief>,
        reason: Reason,
        year: i64,
    ) -> Result<i64> {
        let mut tx = begin(&self.store.db).await?;
        let request_id = match (&item.link, customer_id) {
            (MailLink::Existing(rid), _) => Some(*rid),
            (MailLink::NewRequest { kind, body }, Some(customer_id)) => {
                let insert = RequestInsert {
                    customer_id: Some(customer_id),
                    contact: None,
                    supply_point_id: None,
                    kind: *kind,
                    channel: Channel::Mail,
                    subject: item.subject.trim(),
                    body: body.trim(),
                    opened_at: item.registered_at,
                    opened_day: item.received_day,
                    // A letter names no supply point: the general time of its kind.
                    deadline_day: reply_deadline(standards, *kind, item.received_day, false),
                    attachments: &[],
                };
                Some(insert_request(&mut tx, &insert).await?)
            }
            _ => None,
        };
        let seq: i64 = on_tx!(&mut tx, |t| sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM mail_items WHERE year = $1"
        )
        .bind(year)
        .fetch_one(&mut **t)
        .await)?;
        let file = item.file.as_ref();
        let id: i64 = on_tx!(&mut tx, |t| sqlx::query_scalar(
            "INSERT INTO mail_items (year, seq, received_day, sender, subject, customer_id, \
             request_id, registered_by, registered_at, filename, content_type, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
        )
        .bind(year)
        .bind(seq)
        .bind(i64::from(item.received_day.0))
        .bind(item.sender.trim())
        .bind(item.subject.trim())
        .bind(customer_id)
        .bind(request_id)
        .bind(item.registered_by)
        .bind(item.registered_at)
        .bind(file.map(|f| f.filename.trim()))
        .bind(file.map(|f| f.content_type.trim()))
        .bind(file.map(|f| f.data.as_slice()))
        .fetch_one(&mut **t)
        .await)?;
        let contact = NewContact {
            external_id: protocol(year, seq),
            channel: Channel::Mail,
            started_at: item.registered_at,
            ended_at: None,
            segment: customer.map(|c| c.segment),
            customer: customer.map(|c| c.code.clone()),
            territory: Some(customer.map_or(0, |c| c.sot)),
            wait_seconds: None,
            handle_seconds: None,
            reason: Some(reason),
            outcome: Some(Outcome::Registered),
            branch: None,
            line: None,
            agent: None,
        };
        self.store.ledger_in(&mut tx, MAIL_SOURCE, contact).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Registered letters, newest protocol first.
    pub async fn items(self, limit: i64, offset: i64) -> Result<Vec<MailItem>> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM mail_items ORDER BY year DESC, seq DESC LIMIT $1 OFFSET $2"
        );
        let rows: Vec<StoredLetter> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(limit.max(0))
        .bind(offset.max(0))
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(mail_row).collect())
    }

    pub async fn item(self, id: i64) -> Result<Option<MailItem>> {
        let sql = format!("SELECT {MAIL_COLUMNS} FROM mail_items WHERE id = $1");
        let row: Option<StoredLetter> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(id)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(mail_row))
    }

    /// The scanned letter: file name, content type and bytes (`None` without a scan).
    pub async fn file(self, id: i64) -> Result<Option<(String, String, Vec<u8>)>> {
        let row: Option<MailFileTuple> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT filename, content_type, data FROM mail_items WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        Ok(match row {
            Some((Some(f), Some(c), Some(d))) => Some((f, c, d)),
            _ => None,
        })
    }
}
