//! Customers' requests and complaints, meter self-readings and the postal mail registry. Each of
//! them is also a contact: the request, the reading or the letter and its ledger contact commit
//! in one transaction, so the ledger never counts a request that was not stored, nor misses one.
//!
//! Ledger sources and external ids: `requests` / the request id, `readings` / the reading id,
//! `mail` / the protocol number (`2011/000042`).
//!
//! The ledger's batch preparation must not read through the pool while a transaction holds a
//! connection; these writers give the contact its segment and territory (read before the
//! transaction) and warm the branch cache first, so the preparation inside the transaction
//! reads nothing.

use crate::bulk::Tx;
use crate::customers::{decode, serialize_opt_day};
use crate::db::on_db;
pub use crate::mail::{MailItem, MailLink, NewMailItem};
pub use crate::readings::{NewReading, ReadingOutcome, ReadingRow};
use crate::tickets::serialize_day;
use crate::{NewContact, Refusal, Result, Store, StoreError};
use canali_domain::service::{
    FOUR_MONTHLY_BILLS_PER_YEAR, ReplyStandard, RequestKind, RequestStatus,
    reply_compensation_cents, reply_deadline,
};
use canali_domain::text::{TextKind, check_opt, check_text};
use canali_domain::{Channel, Day, Outcome, Reason, Segment};
use sqlx::AssertSqlSafe;

/// The largest attachment (or scanned letter) accepted: 5 MiB.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;

/// Ledger sources of the contacts written here.
pub const REQUEST_SOURCE: &str = "requests";
pub const READING_SOURCE: &str = "readings";
pub const MAIL_SOURCE: &str = "mail";

/// Runs the same body on whichever transaction `tx` is (`$t` is the native transaction).
macro_rules! on_tx {
    ($tx:expr, |$t:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

// After the macro: the module writes in transactions too.
mod public_form;
mod timeliness;
pub use public_form::UnidentifiedComplaint;
pub use timeliness::{KindOnTime, KindYear};

/// The reason a contact about a request of this kind is counted under.
pub fn reason_of(kind: RequestKind) -> Reason {
    match kind {
        RequestKind::Complaint => Reason::Complaint,
        RequestKind::BillCorrection | RequestKind::DoubleBilling => Reason::Billing,
        RequestKind::ContractChange => Reason::Contract,
        RequestKind::Technical => Reason::TechnicalFault,
        RequestKind::Information => Reason::Information,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub customer_id: i64,
    /// The supply point the request is about; it must be one of the customer's.
    pub supply_point_id: Option<i64>,
    pub kind: RequestKind,
    /// Where the request came in (web, branch, call center...).
    pub channel: Channel,
    pub subject: String,
    pub body: String,
    pub opened_at: i64,
    pub attachments: Vec<NewAttachment>,
    /// The operator who took it, when not the customer online.
    pub agent: Option<String>,
}

/// A stored request or complaint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceRequest {
    pub id: i64,
    /// None for a complaint from someone the public form could not identify.
    pub customer_id: Option<i64>,
    pub supply_point_id: Option<i64>,
    pub kind: RequestKind,
    pub channel: Channel,
    pub subject: String,
    pub body: String,
    pub status: RequestStatus,
    pub opened_at: i64,
    /// The day the reply clock starts: the day of `opened_at`, or a letter's day of receipt.
    #[serde(serialize_with = "serialize_day")]
    pub opened_day: Day,
    /// The regulator's reply deadline, for the kinds a standard times then.
    #[serde(serialize_with = "serialize_opt_day")]
    pub deadline_day: Option<Day>,
    pub answered_at: Option<i64>,
    pub answer: Option<String>,
    pub answer_channel: Option<Channel>,
    /// The operator id who answered.
    pub answered_by: Option<i64>,
    /// The automatic compensation owed for a late reply (0 in time), for the kinds a specific
    /// standard covers then.
    pub compensation_cents: Option<i64>,
    pub attachments: i64,
    /// Who complained without being identified, and their phone (their address, when given,
    /// is the reply address: [`Requests::reply_email`]).
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct AttachmentMeta {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

pub(crate) const REQUEST_COLUMNS: &str = "r.id, r.customer_id, r.supply_point_id, r.kind, r.channel, \
     r.subject, r.body, r.status, r.opened_at, r.opened_day, r.deadline_day, r.answered_at, \
     r.answer, r.answer_channel, r.answered_by, r.compensation_cents, \
     (SELECT COUNT(*) FROM request_attachments a WHERE a.request_id = r.id), \
     r.contact_name, r.contact_phone";

/// The 19 values of `REQUEST_COLUMNS`, in order: read from a row ([`request_row`]) or from a
/// JSON array of them (the customer's home page on PostgreSQL, see `Store::customer_home`).
#[derive(serde::Deserialize)]
pub(crate) struct RequestValues(
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<String>,
    Option<String>,
);

impl RequestValues {
    pub(crate) fn into_request(self) -> Result<ServiceRequest> {
        Ok(ServiceRequest {
            id: self.0,
            customer_id: self.1,
            supply_point_id: self.2,
            kind: decode("request kind", self.3, RequestKind::from_code)?,
            channel: decode("channel", self.4, Channel::from_code)?,
            subject: self.5,
            body: self.6,
            status: decode("request status", self.7, RequestStatus::from_code)?,
            opened_at: self.8,
            opened_day: Day(self.9 as i32),
            deadline_day: self.10.map(|d| Day(d as i32)),
            answered_at: self.11,
            answer: self.12,
            answer_channel: self
                .13
                .map(|c| decode("channel", c, Channel::from_code))
                .transpose()?,
            answered_by: self.14,
            compensation_cents: self.15,
            attachments: self.16,
            contact_name: self.17,
            contact_phone: self.18,
        })
    }
}

/// Decodes the first 17 columns (`REQUEST_COLUMNS`) of a row on either backend.
fn request_row<R: sqlx::Row>(r: &R) -> Result<ServiceRequest>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let int = |i: usize| r.try_get::<i64, usize>(i);
    let opt = |i: usize| r.try_get::<Option<i64>, usize>(i);
    let text = |i: usize| r.try_get::<String, usize>(i);
    RequestValues(
        int(0)?,
        opt(1)?,
        opt(2)?,
        int(3)?,
        int(4)?,
        text(5)?,
        text(6)?,
        int(7)?,
        int(8)?,
        int(9)?,
        opt(10)?,
        opt(11)?,
        r.try_get::<Option<String>, usize>(12)?,
        opt(13)?,
        opt(14)?,
        opt(15)?,
        int(16)?,
        r.try_get::<Option<String>, usize>(17)?,
        r.try_get::<Option<String>, usize>(18)?,
    )
    .into_request()
}

/// The customer facts a ledger contact needs.
pub(crate) struct Brief {
    pub(crate) code: String,
    pub(crate) segment: Segment,
    pub(crate) sot: i64,
}

/// A request ready to insert.
pub(crate) struct RequestInsert<'a> {
    /// None: a complaint from someone not identified, known by `contact`.
    pub(crate) customer_id: Option<i64>,
    /// The name and phone of who complained without being identified.
    pub(crate) contact: Option<(&'a str, Option<&'a str>)>,
    pub(crate) supply_point_id: Option<i64>,
    pub(crate) kind: RequestKind,
    pub(crate) channel: Channel,
    pub(crate) subject: &'a str,
    pub(crate) body: &'a str,
    pub(crate) opened_at: i64,
    pub(crate) opened_day: Day,
    pub(crate) deadline_day: Option<Day>,
    pub(crate) attachments: &'a [NewAttachment],
}

/// A request's subject and body trimmed, not empty, within the one rule for text
/// (canali_domain::text) whichever entry point it came through (the online branch, the public
/// form, the console, the API), and its attachments named and within the size limit.
pub(crate) fn check_request_text<'a>(
    subject: &'a str,
    body: &'a str,
    attachments: &[NewAttachment],
) -> Result<(&'a str, &'a str)> {
    let (subject, body) = (subject.trim(), body.trim());
    if subject.is_empty() {
        return refused(Refusal::SubjectEmpty { letter: false });
    }
    if body.is_empty() {
        return refused(Refusal::RequestBodyEmpty);
    }
    check_text("subject", subject, TextKind::Line)?;
    check_text("body", body, TextKind::Body)?;
    for a in attachments {
        check_attachment(a, false)?;
    }
    Ok((subject, body))
}

pub(crate) fn refused<T>(r: Refusal) -> Result<T> {
    Err(StoreError::Refused(r))
}

/// A file named and within the size limit; `scan` for a scanned letter, else an attachment.
pub(crate) fn check_attachment(a: &NewAttachment, scan: bool) -> Result<()> {
    if a.filename.trim().is_empty() {
        return refused(Refusal::AttachmentUnnamed { scan });
    }
    check_text("filename", &a.filename, TextKind::Line)?;
    if a.data.len() > MAX_ATTACHMENT_BYTES {
        return refused(Refusal::AttachmentTooLarge {
            scan,
            filename: a.filename.clone(),
            mib: format!("{:.1}", a.data.len() as f64 / 1_048_576.0),
        });
    }
    Ok(())
}

pub(crate) fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation())
}

/// A write transaction for one customer-facing record: on PostgreSQL it waits for the commit to
/// be durable (the bulk default does not), since the customer is told it was stored.
pub(crate) async fn begin(db: &crate::db::Db) -> Result<Tx<'static>> {
    let mut tx = Tx::begin(db).await?;
    if let Tx::Postgres(_) = tx {
        tx.execute("SET LOCAL synchronous_commit = on").await?;
    }
    Ok(tx)
}

pub(crate) async fn insert_request(tx: &mut Tx<'_>, r: &RequestInsert<'_>) -> Result<i64> {
    let id: i64 = on_tx!(&mut *tx, |t| {
        sqlx::query_scalar(
        "INSERT INTO service_requests (customer_id, supply_point_id, kind, channel, subject, body, \
         status, opened_at, opened_day, deadline_day, contact_name, contact_phone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
    )
    .bind(r.customer_id)
    .bind(r.supply_point_id)
    .bind(r.kind.code())
    .bind(r.channel.code())
    .bind(r.subject)
    .bind(r.body)
    .bind(RequestStatus::Open.code())
    .bind(r.opened_at)
    .bind(i64::from(r.opened_day.0))
    .bind(r.deadline_day.map(|d| i64::from(d.0)))
    .bind(r.contact.map(|c| c.0))
    .bind(r.contact.and_then(|c| c.1))
    .fetch_one(&mut **t)
    .await
    })?;
    for a in r.attachments {
        on_tx!(&mut *tx, |t| sqlx::query(
            "INSERT INTO request_attachments (request_id, filename, content_type, data) \
             VALUES ($1, $2, $3, $4)"
        )
        .bind(id)
        .bind(a.filename.trim())
        .bind(a.content_type.trim())
        .bind(a.data.as_slice())
        .execute(&mut **t)
        .await
        .map(|d| d.rows_affected()))?;
    }
    Ok(id)
}

/// Ends a transaction that wrote nothing worth keeping, now rather than when its connection is
/// next used (on SQLite it holds the write lock).
pub(crate) async fn rollback(tx: Tx<'_>) -> Result<()> {
    match tx {
        Tx::Sqlite(t) => t.rollback().await?,
        Tx::Postgres(t) => t.rollback().await?,
    }
    Ok(())
}

/// What the writers of requests, readings and letters share: the customer's facts, a ledger
/// contact written inside their transaction.
impl Store {
    pub(crate) async fn brief(&self, customer_id: i64) -> Result<Brief> {
        let row: Option<(String, i64, i64)> = on_db!(&self.db, |p| sqlx::query_as(
            "SELECT code, segment, sot FROM customers WHERE id = $1"
        )
        .bind(customer_id)
        .fetch_optional(p)
        .await)?;
        let Some((code, segment, sot)) = row else {
            return Err(StoreError::not_found("customer", customer_id));
        };
        Ok(Brief {
            code,
            segment: decode("segment", segment, Segment::from_code)?,
            sot,
        })
    }

    /// Writes one contact to the ledger inside `tx`. The contact carries its segment and
    /// territory (or no customer), so preparing it reads nothing; the caller warmed the branch
    /// cache before the transaction began.
    pub(crate) async fn ledger_in(
        &self,
        tx: &mut Tx<'_>,
        source: &str,
        contact: NewContact,
    ) -> Result<()> {
        let batch = [contact];
        let prepared = self.prepare(source, &batch).await?;
        self.ingest_in(tx, source, 1, prepared).await?;
        Ok(())
    }
}

/// Customers' requests and complaints, their attachments and answers.
#[derive(Clone, Copy)]
pub struct Requests<'a> {
    store: &'a Store,
}

impl Store {
    pub fn requests(&self) -> Requests<'_> {
        Requests { store: self }
    }
}

impl Requests<'_> {
    /// Opens a request (status open; a complaint gets the regulator's reply deadline) with its
    /// attachments, and writes its ledger contact (source `requests`, outcome request opened)
    /// in the same transaction.
    pub async fn open(
        self,
        req: &NewRequest,
        standards: &[ReplyStandard],
    ) -> Result<ServiceRequest> {
        self.open_replying_to(req, standards, None).await
    }

    /// [`Requests::open`], keeping the address the answer is to be mailed to (the public
    /// complaint form's, from someone who may have no online-branch account) in the same
    /// transaction.
    pub async fn open_replying_to(
        self,
        req: &NewRequest,
        standards: &[ReplyStandard],
        reply_email: Option<&str>,
    ) -> Result<ServiceRequest> {
        let (subject, body) = check_request_text(&req.subject, &req.body, &req.attachments)?;
        check_opt("agent", req.agent.as_deref(), TextKind::Name)?;
        check_opt("reply_email", reply_email, TextKind::Name)?;
        let customer = self.store.brief(req.customer_id).await?;
        // A bill correction of a supply billed every four months has a longer time.
        let mut four_monthly = false;
        if let Some(sp) = req.supply_point_id {
            let bills_per_year = self.owned_supply_point(req.customer_id, sp).await?;
            four_monthly = bills_per_year <= FOUR_MONTHLY_BILLS_PER_YEAR;
        }
        let opened_day = Day::of_micros(req.opened_at);
        let insert = RequestInsert {
            customer_id: Some(req.customer_id),
            contact: None,
            supply_point_id: req.supply_point_id,
            kind: req.kind,
            channel: req.channel,
            subject,
            body,
            opened_at: req.opened_at,
            opened_day,
            deadline_day: reply_deadline(standards, req.kind, opened_day, four_monthly),
            attachments: &req.attachments,
        };
        self.store_opened(
            &insert,
            reply_email.map(str::trim),
            Some(customer),
            req.agent.clone(),
        )
        .await
    }

    /// Writes an opened request, its reply address and its ledger contact (source `requests`,
    /// outcome request opened; the customer's when there is one) in one transaction, and reads
    /// it back.
    async fn store_opened(
        self,
        insert: &RequestInsert<'_>,
        reply_email: Option<&str>,
        customer: Option<Brief>,
        agent: Option<String>,
    ) -> Result<ServiceRequest> {
        self.store.branch_sots().await?;
        let mut tx = begin(&self.store.db).await?;
        let id = insert_request(&mut tx, insert).await?;
        if let Some(email) = reply_email {
            public_form::insert_reply_address(&mut tx, id, email).await?;
        }
        let contact = NewContact {
            external_id: id.to_string(),
            channel: insert.channel,
            started_at: insert.opened_at,
            ended_at: None,
            segment: customer.as_ref().map(|c| c.segment),
            territory: customer.as_ref().map(|c| c.sot),
            customer: customer.map(|c| c.code),
            wait_seconds: None,
            handle_seconds: None,
            reason: Some(reason_of(insert.kind)),
            outcome: Some(Outcome::RequestOpened),
            branch: None,
            line: None,
            agent,
        };
        self.store
            .ledger_in(&mut tx, REQUEST_SOURCE, contact)
            .await?;
        tx.commit().await?;
        self.get(id)
            .await?
            .ok_or_else(|| StoreError::not_found("request", id))
    }

    /// The supply point's bills a year, when it is the customer's.
    async fn owned_supply_point(self, customer_id: i64, supply_point_id: i64) -> Result<i64> {
        let row: Option<(i64, i64)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT customer_id, bills_per_year FROM supply_points WHERE id = $1"
        )
        .bind(supply_point_id)
        .fetch_optional(p)
        .await)?;
        match row {
            Some((owner, bills_per_year)) if owner == customer_id => Ok(bills_per_year),
            _ => refused(Refusal::SupplyPointNotCustomers {
                supply_point: supply_point_id,
                customer: customer_id,
            }),
        }
    }

    pub async fn get(self, id: i64) -> Result<Option<ServiceRequest>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM service_requests r WHERE r.id = $1");
        on_db!(&self.store.db, |p| {
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(p)
                .await?;
            row.as_ref().map(request_row).transpose()
        })
    }

    /// One request of the customer: `None` when it does not exist or belongs to someone else.
    pub async fn one_of(self, customer_id: i64, id: i64) -> Result<Option<ServiceRequest>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM service_requests r WHERE r.id = $1 AND r.customer_id = $2"
        );
        on_db!(&self.store.db, |p| {
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(id)
                .bind(customer_id)
                .fetch_optional(p)
                .await?;
            row.as_ref().map(request_row).transpose()
        })
    }

    /// The customer's requests, newest first.
    pub async fn of(self, customer_id: i64) -> Result<Vec<ServiceRequest>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM service_requests r WHERE r.customer_id = $1 \
             ORDER BY r.opened_at DESC, r.id DESC"
        );
        on_db!(&self.store.db, |p| {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(customer_id)
                .fetch_all(p)
                .await?;
            rows.iter().map(request_row).collect()
        })
    }

    /// The back office's queue: requests in `status` with the customer's name and code (for a
    /// complaint from someone not identified, the name they gave and an empty code), the
    /// nearest reply deadline first, requests without a deadline last, then by opening.
    pub async fn queue(
        self,
        status: RequestStatus,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(ServiceRequest, String, String)>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS}, COALESCE(c.name, r.contact_name, ''), COALESCE(c.code, '') \
             FROM service_requests r \
             LEFT JOIN customers c ON c.id = r.customer_id WHERE r.status = $1 \
             ORDER BY CASE WHEN r.deadline_day IS NULL THEN 1 ELSE 0 END, r.deadline_day, \
                      r.opened_at, r.id \
             LIMIT $2 OFFSET $3"
        );
        on_db!(&self.store.db, |p| {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(status.code())
                .bind(limit.max(0))
                .bind(offset.max(0))
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|r| {
                    let name: String = sqlx::Row::try_get(r, 19usize)?;
                    let code: String = sqlx::Row::try_get(r, 20usize)?;
                    Ok((request_row(r)?, name, code))
                })
                .collect()
        })
    }

    pub async fn attachments_of(self, request_id: i64) -> Result<Vec<AttachmentMeta>> {
        let rows: Vec<AttachmentMeta> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT id, filename, content_type, CAST(LENGTH(data) AS BIGINT) AS size \
             FROM request_attachments WHERE request_id = $1 ORDER BY id"
        )
        .bind(request_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// An attachment of the request, with its bytes (`None` when it is not the request's).
    pub async fn attachment(
        self,
        request_id: i64,
        attachment_id: i64,
    ) -> Result<Option<(AttachmentMeta, Vec<u8>)>> {
        let row: Option<(i64, String, String, Vec<u8>)> =
            on_db!(&self.store.db, |p| sqlx::query_as(
                "SELECT id, filename, content_type, data FROM request_attachments \
             WHERE id = $1 AND request_id = $2"
            )
            .bind(attachment_id)
            .bind(request_id)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(id, filename, content_type, data)| {
            (
                AttachmentMeta {
                    id,
                    filename,
                    content_type,
                    size: data.len() as i64,
                },
                data,
            )
        }))
    }

    /// Answers an open request. A complaint gets the compensation owed under the standard in
    /// force on its opening day (0 when answered in time); other kinds get none (NULL). A
    /// request already answered or closed is refused.
    pub async fn answer(
        self,
        id: i64,
        answer: &str,
        channel: Channel,
        operator_id: i64,
        answered_at: i64,
        standards: &[ReplyStandard],
    ) -> Result<ServiceRequest> {
        let answer = answer.trim();
        if answer.is_empty() {
            return refused(Refusal::AnswerEmpty);
        }
        check_text("answer", answer, TextKind::Body)?;
        let Some(req) = self.get(id).await? else {
            return Err(StoreError::not_found("request", id));
        };
        if req.status != RequestStatus::Open {
            return refused(Refusal::RequestNotOpen {
                request: id,
                status: req.status,
            });
        }
        if answered_at < req.opened_at {
            return refused(Refusal::AnswerBeforeOpening { request: id });
        }
        let compensation = req.deadline_day.and_then(|deadline| {
            reply_compensation_cents(
                standards,
                req.kind,
                req.opened_day,
                deadline,
                Day::of_micros(answered_at),
            )
        });
        let done = on_db!(&self.store.db, |p| sqlx::query(
            "UPDATE service_requests SET status = $1, answered_at = $2, answer = $3, \
             answer_channel = $4, answered_by = $5, compensation_cents = $6 \
             WHERE id = $7 AND status = $8"
        )
        .bind(RequestStatus::Answered.code())
        .bind(answered_at)
        .bind(answer)
        .bind(channel.code())
        .bind(operator_id)
        .bind(compensation)
        .bind(id)
        .bind(RequestStatus::Open.code())
        .execute(p)
        .await
        .map(|d| d.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::Conflict(format!(
                "request {id} was answered meanwhile: it cannot be answered again"
            )));
        }
        self.get(id)
            .await?
            .ok_or_else(|| StoreError::not_found("request", id))
    }

    /// Open requests by days left to their reply deadline, for the supervisor: five buckets
    /// given by their upper bound, always all five and in this order: `-1` overdue (deadline
    /// before `today`), `5` (0-5 days left), `10` (6-10), `20` (11-20), `i64::MAX` (21 or more).
    /// Requests without a deadline (kinds no standard timed) are not counted.
    pub async fn open_by_days_left(self, today: Day) -> Result<Vec<(i64, i64)>> {
        let rows: Vec<(i64, i64)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT deadline_day, COUNT(*) FROM service_requests \
             WHERE status = $1 AND deadline_day IS NOT NULL GROUP BY deadline_day"
        )
        .bind(RequestStatus::Open.code())
        .fetch_all(p)
        .await)?;
        let mut buckets = vec![(-1, 0), (5, 0), (10, 0), (20, 0), (i64::MAX, 0)];
        for (deadline, n) in rows {
            let left = deadline - i64::from(today.0);
            let b = buckets
                .iter_mut()
                .find(|(upper, _)| left <= *upper)
                .expect("the last bucket has no bound");
            b.1 += n;
        }
        Ok(buckets)
    }
}
