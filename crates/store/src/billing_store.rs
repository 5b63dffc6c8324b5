//! The electronic bill's records (crates/billing, docs/billing.md): the lines of each bill, the
//! delivery of each bill in a billing run (a small state machine that makes a run restartable:
//! nothing sent twice, nothing lost), the print batches, and the e-mail addresses that bounced.
//!
//! A delivery moves `pending -> sending -> sent` for an e-mail bill (claimed in a transaction
//! before the message is handed to SMTP, marked sent once the server accepted it), through
//! `failed_temporary` (retried after `next_try`) or `fallen_back_to_paper`; a paper bill moves
//! `pending -> printing (reserved in a batch) -> printed`.

use crate::bulk::{Table, Tx, Val};
use crate::db::on_db;
use crate::{Result, Store, StoreError};
use canali_domain::network::Delivery;
use canali_domain::{Day, Segment, Service};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

/// One line of a bill. Quantities, unit prices and VAT rates are exact decimals written as text
/// (`"123.456"`); the amount is in cents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct BillLine {
    pub bill_id: i64,
    /// 1, 2, ... in the order of the bill.
    pub line_no: i64,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub amount_cents: i64,
    /// VAT rate in percent, e.g. `"10"` or `"22"`.
    pub vat_rate: String,
}

/// Everything a bill document shows, from the bill, its customer and its supply point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillForDocument {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub tax_id: String,
    pub segment: Segment,
    /// The customer's e-mail, else the online-branch login; `None` when neither is known or the
    /// address is flagged as bouncing.
    pub email: Option<String>,
    /// The flagged address and why, when the customer's address bounced.
    pub bad_address: Option<String>,
    pub supply_point_id: i64,
    pub service: Service,
    pub identifier: String,
    pub municipality: String,
    pub address: String,
    pub issued: Day,
    pub due: Day,
    pub period_from: Day,
    pub period_to: Day,
    pub total_cents: i64,
    pub delivery: Delivery,
    pub sheets: i64,
    pub lines: Vec<BillLine>,
}

/// The states of a delivery (stored as their code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending = 1,
    Sending = 2,
    Sent = 3,
    FailedTemporary = 4,
    FallenBackToPaper = 5,
    Printing = 6,
    Printed = 7,
}

impl DeliveryState {
    pub fn from_code(c: i64) -> Option<DeliveryState> {
        use DeliveryState::*;
        Some(match c {
            1 => Pending,
            2 => Sending,
            3 => Sent,
            4 => FailedTemporary,
            5 => FallenBackToPaper,
            6 => Printing,
            7 => Printed,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        use DeliveryState::*;
        match self {
            Pending => "pending",
            Sending => "sending",
            Sent => "sent",
            FailedTemporary => "failed_temporary",
            FallenBackToPaper => "fallen_back_to_paper",
            Printing => "printing",
            Printed => "printed",
        }
    }
}

/// An e-mail delivery claimed by a run: the bill and the attempts made before this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claimed {
    pub bill_id: i64,
    pub attempts: i64,
}

/// A print batch: one PDF file for the printer with its bills in postage order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintBatch {
    pub batch: i64,
    pub file: String,
    pub bills: Vec<i64>,
}

/// One row of the print manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ManifestRow {
    pub batch: i64,
    pub file: String,
    pub position: i64,
    pub bill_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub address: String,
    pub municipality: String,
    pub pages: i64,
    /// True when the bill was meant for e-mail and fell back to paper.
    pub fallback: bool,
}

/// Deliveries of a billing run by route and state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryCounts {
    pub total: i64,
    pub email_planned: i64,
    pub paper_planned: i64,
    pub sent: i64,
    pub pending: i64,
    pub sending: i64,
    pub failed_temporary: i64,
    pub fallen_back: i64,
    pub printing: i64,
    pub printed: i64,
}

pub(crate) const BILL_LINES: Table = Table {
    name: "bill_lines",
    columns: &[
        "bill_id",
        "line_no",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "amount_cents",
        "vat_rate",
    ],
    key: "bill_id, line_no",
    implicit_rowid: true,
};

/// `$first, $first+1, ...` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Billing: bill lines and documents, e-bill lookups for the import, and the dispatch of bills
/// (e-mail claims and outcomes, print batches and manifests).
#[derive(Clone, Copy)]
pub struct Billing<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    /// See [`Billing`].
    pub fn billing(&self) -> Billing<'_> {
        Billing { store: self }
    }
}

impl Billing<'_> {
    /// Writes bill lines, skipping `(bill_id, line_no)` already stored.
    pub async fn insert_bill_lines(self, rows: &[BillLine]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|l| {
                [
                    Val::Int(Some(l.bill_id)),
                    Val::Int(Some(l.line_no)),
                    Val::Text(Some(&l.description)),
                    Val::Text(Some(&l.quantity)),
                    Val::Text(Some(&l.unit)),
                    Val::Text(Some(&l.unit_price)),
                    Val::Int(Some(l.amount_cents)),
                    Val::Text(Some(&l.vat_rate)),
                ]
            })
            .collect();
        let mut n = 0;
        // Stay well below SQLite's parameter limit per statement.
        for chunk in values.chunks(8 * 2000) {
            let mut tx = Tx::begin(&self.store.db).await?;
            n += tx.insert(&BILL_LINES, chunk, &[]).await?.len() as u64;
            tx.commit().await?;
        }
        Ok(n)
    }

    /// The lines of one bill, in order (empty for a bill imported without lines).
    pub async fn bill_lines(self, bill_id: i64) -> Result<Vec<BillLine>> {
        let rows: Vec<BillLine> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT bill_id, line_no, description, quantity, unit, unit_price, amount_cents, \
                 vat_rate FROM bill_lines WHERE bill_id = $1 ORDER BY line_no"
        )
        .bind(bill_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Whether each customer was on the e-bill at the end of `day` (its latest switch on or
    /// before that day was an enrolment). Customers never switched are absent (paper).
    pub async fn ebill_on(self, customers: &[i64], day: Day) -> Result<HashMap<i64, bool>> {
        let mut out = HashMap::new();
        for chunk in customers.chunks(500) {
            let sql = format!(
                "SELECT customer_id, day, enrolled FROM ebill_events \
                 WHERE day <= $1 AND customer_id IN ({}) ORDER BY customer_id, day, enrolled",
                placeholders(2, chunk.len())
            );
            let rows: Vec<(i64, i64, i64)> = on_db!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(i64::from(day.0));
                for c in chunk {
                    q = q.bind(*c);
                }
                q.fetch_all(p).await
            })?;
            for (c, _, enrolled) in rows {
                out.insert(c, enrolled == 1);
            }
        }
        Ok(out)
    }

    /// Customer id by customer code, and supply point (id, customer id) by identifier, for
    /// the given codes: what an import resolves its rows with.
    pub async fn resolve_bill_keys(
        self,
        customer_codes: &[String],
        identifiers: &[String],
    ) -> Result<(HashMap<String, i64>, HashMap<String, (i64, i64)>)> {
        let mut customers = HashMap::new();
        for chunk in customer_codes.chunks(500) {
            let sql = format!(
                "SELECT code, id FROM customers WHERE code IN ({})",
                placeholders(1, chunk.len())
            );
            let rows: Vec<(String, i64)> = on_db!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for c in chunk {
                    q = q.bind(c.as_str());
                }
                q.fetch_all(p).await
            })?;
            customers.extend(rows);
        }
        let mut points = HashMap::new();
        for chunk in identifiers.chunks(500) {
            let sql = format!(
                "SELECT identifier, id, customer_id FROM supply_points WHERE identifier IN ({})",
                placeholders(1, chunk.len())
            );
            let rows: Vec<(String, i64, i64)> = on_db!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for c in chunk {
                    q = q.bind(c.as_str());
                }
                q.fetch_all(p).await
            })?;
            points.extend(rows.into_iter().map(|(i, id, c)| (i, (id, c))));
        }
        Ok((customers, points))
    }

    /// The documents of the given bills (with their lines), in the order asked; unknown ids are
    /// left out.
    pub async fn bill_documents(self, ids: &[i64]) -> Result<Vec<BillForDocument>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let ph = placeholders(1, chunk.len());
            let sql = format!(
                "SELECT b.id, c.id, c.code, c.name, c.tax_id, c.segment, \
                        COALESCE(c.email, a.email), x.email, x.reason, \
                        s.id, s.service, s.identifier, s.municipality, s.address, \
                        b.issued, b.due, b.period_from, b.period_to, b.total_cents, b.delivery, \
                        b.sheets \
                 FROM bills b JOIN customers c ON c.id = b.customer_id \
                 JOIN supply_points s ON s.id = b.supply_point_id \
                 LEFT JOIN portal_accounts a ON a.customer_id = c.id \
                 LEFT JOIN bad_addresses x ON x.customer_id = c.id \
                 WHERE b.id IN ({ph})"
            );
            type Flat = (
                (i64, i64, String, String, String, i64),
                (Option<String>, Option<String>, Option<String>),
                (i64, i64, String, String, String),
                (i64, i64, i64, i64, i64, i64, i64),
            );
            let rows: Vec<Flat> = on_db!(&self.store.db, |p| {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(*id);
                }
                let raw = q.fetch_all(p).await?;
                use sqlx::Row;
                raw.iter()
                    .map(|r| {
                        Ok((
                            (
                                r.try_get(0)?,
                                r.try_get(1)?,
                                r.try_get(2)?,
                                r.try_get(3)?,
                                r.try_get(4)?,
                                r.try_get(5)?,
                            ),
                            (r.try_get(6)?, r.try_get(7)?, r.try_get(8)?),
                            (
                                r.try_get(9)?,
                                r.try_get(10)?,
                                r.try_get(11)?,
                                r.try_get(12)?,
                                r.try_get(13)?,
                            ),
                            (
                                r.try_get(14)?,
                                r.try_get(15)?,
                                r.try_get(16)?,
                                r.try_get(17)?,
                                r.try_get(18)?,
                                r.try_get(19)?,
                                r.try_get(20)?,
                            ),
                        ))
                    })
                    .collect::<std::result::Result<Vec<Flat>, sqlx::Error>>()
            })?;
            let lsql = format!(
                "SELECT bill_id, line_no, description, quantity, unit, unit_price, amount_cents, \
                 vat_rate FROM bill_lines WHERE bill_id IN ({ph}) ORDER BY bill_id, line_no"
            );
            let lrows: Vec<BillLine> = on_db!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(lsql.as_str()));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await
            })?;
            let mut lines: HashMap<i64, Vec<BillLine>> = HashMap::new();
            for r in lrows {
                lines.entry(r.bill_id).or_default().push(r);
            }
            let mut docs: HashMap<i64, BillForDocument> = HashMap::new();
            for (a, (email, bad_email, bad_reason), s, b) in rows {
                let flagged = bad_email.is_some() && bad_email == email;
                let doc = BillForDocument {
                    id: a.0,
                    customer_id: a.1,
                    customer_code: a.2,
                    customer_name: a.3,
                    tax_id: a.4,
                    segment: crate::customers::decode("segment", a.5, Segment::from_code)?,
                    email: if flagged { None } else { email },
                    bad_address: bad_email
                        .map(|e| format!("{e}: {}", bad_reason.unwrap_or_default())),
                    supply_point_id: s.0,
                    service: crate::customers::decode("service", s.1, Service::from_code)?,
                    identifier: s.2,
                    municipality: s.3,
                    address: s.4,
                    issued: Day(b.0 as i32),
                    due: Day(b.1 as i32),
                    period_from: Day(b.2 as i32),
                    period_to: Day(b.3 as i32),
                    total_cents: b.4,
                    delivery: crate::customers::decode("delivery", b.5, Delivery::from_code)?,
                    sheets: b.6,
                    lines: lines.remove(&a.0).unwrap_or_default(),
                };
                docs.insert(doc.id, doc);
            }
            out.extend(chunk.iter().filter_map(|id| docs.remove(id)));
        }
        Ok(out)
    }

    /// Creates the delivery record of every bill issued in `from..=to` that has none yet, on
    /// the route the bill was issued for. Returns the records created.
    pub async fn plan_deliveries(self, from: Day, to: Day, now: i64) -> Result<u64> {
        let n = on_db!(&self.store.db, |p| sqlx::query(
            "INSERT INTO deliveries (bill_id, issued, route, state, attempts, updated_at) \
             SELECT id, issued, delivery, 1, 0, $3 FROM bills WHERE issued >= $1 AND issued <= $2 \
             ON CONFLICT (bill_id) DO NOTHING"
        )
        .bind(i64::from(from.0))
        .bind(i64::from(to.0))
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// E-mail deliveries a run claimed but never settled (the run was stopped or crashed while
    /// they were in flight): put back to pending, logged as in doubt. They may have reached the
    /// SMTP server just before the stop; they are sent again with the same Message-ID.
    pub async fn release_in_flight(self, from: Day, to: Day, now: i64) -> Result<Vec<i64>> {
        let ids: Vec<i64> = on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            let ids: Vec<i64> = sqlx::query_scalar(
                "UPDATE deliveries SET state = 1, updated_at = $3 \
                 WHERE issued >= $1 AND issued <= $2 AND state = 2 RETURNING bill_id",
            )
            .bind(i64::from(from.0))
            .bind(i64::from(to.0))
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            for id in &ids {
                sqlx::query(
                    "INSERT INTO delivery_log (bill_id, at, event, detail) \
                     VALUES ($1, $2, 'in_doubt', 'claimed by a run that stopped; sent again')",
                )
                .bind(*id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ids)
        })?;
        Ok(ids)
    }

    /// Claims up to `limit` e-mail deliveries due now (pending, or failed temporarily with
    /// `next_try <= now`), in bill order: they move to `sending` under `run_id`.
    pub async fn claim_emails(
        self,
        run_id: &str,
        from: Day,
        to: Day,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Claimed>> {
        let lock = match self.store.db {
            crate::db::Db::Sqlite(_) => "",
            crate::db::Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE deliveries SET state = 2, run_id = $1, updated_at = $2 \
             WHERE bill_id IN (SELECT bill_id FROM deliveries \
                 WHERE issued >= $3 AND issued <= $4 AND route = 2 \
                 AND (state = 1 OR (state = 4 AND next_try <= $2)) \
                 ORDER BY bill_id LIMIT $5{lock}) \
             AND (state = 1 OR state = 4) RETURNING bill_id, attempts"
        );
        let mut rows: Vec<(i64, i64)> = on_db!(&self.store.db, |p| {
            sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(run_id)
                .bind(now)
                .bind(i64::from(from.0))
                .bind(i64::from(to.0))
                .bind(limit)
                .fetch_all(p)
                .await
        })?;
        rows.sort_unstable();
        Ok(rows
            .into_iter()
            .map(|(bill_id, attempts)| Claimed { bill_id, attempts })
            .collect())
    }

    /// The SMTP server accepted the bill's message.
    pub async fn mark_sent(
        self,
        bill_id: i64,
        email: &str,
        message_id: &str,
        now: i64,
    ) -> Result<()> {
        on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "UPDATE deliveries SET state = 3, attempts = attempts + 1, email = $2, \
                 message_id = $3, next_try = NULL, detail = NULL, updated_at = $4 \
                 WHERE bill_id = $1",
            )
            .bind(bill_id)
            .bind(email)
            .bind(message_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            log(&mut *tx, bill_id, now, "sent", email).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// A temporary failure: tried again at `next_try`.
    pub async fn mark_temporary_failure(
        self,
        bill_id: i64,
        next_try: i64,
        detail: &str,
        now: i64,
    ) -> Result<()> {
        on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "UPDATE deliveries SET state = 4, attempts = attempts + 1, next_try = $2, \
                 detail = $3, updated_at = $4 WHERE bill_id = $1",
            )
            .bind(bill_id)
            .bind(next_try)
            .bind(detail)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            log(&mut *tx, bill_id, now, "failed_temporary", detail).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The e-mail could not be delivered (a permanent failure, no address, or too many
    /// temporary failures): the bill goes on paper. The bill's delivery and the monthly bill
    /// rollup move from e-mail to paper in the same transaction (the report counts envelopes
    /// really avoided). With `flag`, the customer's address is recorded as bad.
    pub async fn fall_back_to_paper(
        self,
        bill_id: i64,
        flag: Option<(i64, &str)>,
        attempted: bool,
        reason: &str,
        now: i64,
    ) -> Result<()> {
        on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            let changed = sqlx::query(
                "UPDATE deliveries SET state = 5, attempts = attempts + $4, next_try = NULL, \
                 detail = $2, updated_at = $3 WHERE bill_id = $1 AND state IN (1, 2, 4)",
            )
            .bind(bill_id)
            .bind(reason)
            .bind(now)
            .bind(i64::from(attempted))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed > 0 {
                let bill: Option<(i64, i64, i64)> =
                    sqlx::query_as("SELECT issued, delivery, sheets FROM bills WHERE id = $1")
                        .bind(bill_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((issued, delivery, sheets)) = bill.filter(|b| b.1 == 2) {
                    let month = i64::from(Day(issued as i32).month_key());
                    sqlx::query("UPDATE bills SET delivery = 1 WHERE id = $1")
                        .bind(bill_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "UPDATE bill_monthly SET bills = bills - 1, sheets = sheets - $3 \
                         WHERE month = $1 AND delivery = $2",
                    )
                    .bind(month)
                    .bind(delivery)
                    .bind(sheets)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO bill_monthly (month, delivery, bills, sheets) \
                         VALUES ($1, 1, 1, $2) ON CONFLICT (month, delivery) DO UPDATE \
                         SET bills = bill_monthly.bills + 1, \
                             sheets = bill_monthly.sheets + excluded.sheets",
                    )
                    .bind(month)
                    .bind(sheets)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some((customer, email)) = flag {
                    sqlx::query(
                        "INSERT INTO bad_addresses (customer_id, email, reason, flagged_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (customer_id) DO UPDATE \
                         SET email = excluded.email, reason = excluded.reason, \
                             flagged_at = excluded.flagged_at",
                    )
                    .bind(customer)
                    .bind(email)
                    .bind(reason)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                log(&mut *tx, bill_id, now, "fallen_back_to_paper", reason).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// E-mail deliveries of the run not settled yet, and the earliest retry among them.
    pub async fn emails_outstanding(self, from: Day, to: Day) -> Result<(i64, Option<i64>)> {
        let r: (i64, Option<i64>) = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT COUNT(*), MIN(next_try) FROM deliveries \
             WHERE issued >= $1 AND issued <= $2 AND route = 2 AND state IN (1, 2, 4)"
        )
        .bind(i64::from(from.0))
        .bind(i64::from(to.0))
        .fetch_one(p)
        .await)?;
        Ok(r)
    }

    /// The next print batch of the run: a batch reserved earlier and not finished (a stopped
    /// run resumes it with the same bills and file), else up to `size` bills for paper (issued
    /// for paper or fallen back), the first in postage order (municipality, address, customer,
    /// bill), reserved under a new batch number. `file` names the batch's file from its number.
    pub async fn next_print_batch(
        self,
        from: Day,
        to: Day,
        size: i64,
        file: &(dyn Fn(i64) -> String + Sync),
        now: i64,
    ) -> Result<Option<PrintBatch>> {
        let (f, t) = (i64::from(from.0), i64::from(to.0));
        let open: Option<(i64, String)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT batch, file FROM print_batches \
             WHERE issued_from = $1 AND issued_to = $2 AND done = 0 ORDER BY batch LIMIT 1"
        )
        .bind(f)
        .bind(t)
        .fetch_optional(p)
        .await)?;
        if let Some((batch, file)) = open {
            let bills: Vec<i64> = on_db!(&self.store.db, |p| sqlx::query_scalar(
                "SELECT bill_id FROM deliveries WHERE batch = $1 ORDER BY position"
            )
            .bind(batch)
            .fetch_all(p)
            .await)?;
            return Ok(Some(PrintBatch { batch, file, bills }));
        }
        let r: Option<PrintBatch> = on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            let bills: Vec<i64> = sqlx::query_scalar(
                "SELECT d.bill_id FROM deliveries d JOIN bills b ON b.id = d.bill_id \
                 JOIN supply_points s ON s.id = b.supply_point_id \
                 JOIN customers c ON c.id = b.customer_id \
                 WHERE d.issued >= $1 AND d.issued <= $2 \
                   AND ((d.route = 1 AND d.state = 1) OR d.state = 5) \
                 ORDER BY s.municipality, s.address, c.code, d.bill_id LIMIT $3",
            )
            .bind(f)
            .bind(t)
            .bind(size)
            .fetch_all(&mut *tx)
            .await?;
            if bills.is_empty() {
                tx.commit().await?;
                return Ok(None);
            }
            let batch: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(batch), 0) + 1 AS BIGINT) FROM print_batches",
            )
            .fetch_one(&mut *tx)
            .await?;
            let name = file(batch);
            sqlx::query(
                "INSERT INTO print_batches (batch, issued_from, issued_to, file, bills, done, \
                 created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)",
            )
            .bind(batch)
            .bind(f)
            .bind(t)
            .bind(&name)
            .bind(bills.len() as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for (i, id) in bills.iter().enumerate() {
                sqlx::query(
                    "UPDATE deliveries SET state = 6, batch = $2, position = $3, updated_at = $4 \
                     WHERE bill_id = $1",
                )
                .bind(*id)
                .bind(batch)
                .bind(i as i64 + 1)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(Some(PrintBatch {
                batch,
                file: name,
                bills,
            }))
        })?;
        Ok(r)
    }

    /// The batch's file is written: its bills are printed (with their page counts).
    pub async fn mark_batch_printed(
        self,
        batch: i64,
        pages: &[(i64, i64)],
        now: i64,
    ) -> Result<()> {
        let total: i64 = pages.iter().map(|p| p.1).sum();
        on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            for (bill, n) in pages {
                sqlx::query(
                    "UPDATE deliveries SET state = 7, pages = $2, updated_at = $3 \
                     WHERE bill_id = $1 AND batch = $4",
                )
                .bind(*bill)
                .bind(*n)
                .bind(now)
                .bind(batch)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO delivery_log (bill_id, at, event, detail) \
                 SELECT bill_id, $2, 'printed', 'batch ' || CAST(batch AS TEXT) \
                 FROM deliveries WHERE batch = $1",
            )
            .bind(batch)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE print_batches SET done = 1, pages = $2 WHERE batch = $1")
                .bind(batch)
                .bind(total)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The printed bills of the run in print order: the manifest that goes with the batches.
    pub async fn print_manifest(self, from: Day, to: Day) -> Result<Vec<ManifestRow>> {
        type Row = (
            i64,
            String,
            i64,
            i64,
            String,
            String,
            String,
            String,
            i64,
            i64,
        );
        let rows: Vec<Row> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT d.batch, pb.file, d.position, d.bill_id, c.code, c.name, s.address, \
                    s.municipality, COALESCE(d.pages, 0), d.route \
             FROM deliveries d JOIN print_batches pb ON pb.batch = d.batch \
             JOIN bills b ON b.id = d.bill_id JOIN customers c ON c.id = b.customer_id \
             JOIN supply_points s ON s.id = b.supply_point_id \
             WHERE d.issued >= $1 AND d.issued <= $2 AND d.state = 7 \
             ORDER BY d.batch, d.position"
        )
        .bind(i64::from(from.0))
        .bind(i64::from(to.0))
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| ManifestRow {
                batch: r.0,
                file: r.1,
                position: r.2,
                bill_id: r.3,
                customer_code: r.4,
                customer_name: r.5,
                address: r.6,
                municipality: r.7,
                pages: r.8,
                fallback: r.9 == 2,
            })
            .collect())
    }

    /// The run's deliveries by route and state.
    pub async fn delivery_counts(self, from: Day, to: Day) -> Result<DeliveryCounts> {
        let rows: Vec<(i64, i64, i64)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT route, state, COUNT(*) FROM deliveries \
             WHERE issued >= $1 AND issued <= $2 GROUP BY route, state"
        )
        .bind(i64::from(from.0))
        .bind(i64::from(to.0))
        .fetch_all(p)
        .await)?;
        let mut c = DeliveryCounts::default();
        for (route, state, n) in rows {
            c.total += n;
            if route == 2 {
                c.email_planned += n;
            } else {
                c.paper_planned += n;
            }
            if route == 2 && matches!(state, 5..=7) {
                c.fallen_back += n;
            }
            match DeliveryState::from_code(state) {
                Some(DeliveryState::Pending) => c.pending += n,
                Some(DeliveryState::Sending) => c.sending += n,
                Some(DeliveryState::Sent) => c.sent += n,
                Some(DeliveryState::FailedTemporary) => c.failed_temporary += n,
                Some(DeliveryState::FallenBackToPaper) => {}
                Some(DeliveryState::Printing) => c.printing += n,
                Some(DeliveryState::Printed) => c.printed += n,
                None => {
                    return Err(StoreError::Corrupt(format!(
                        "unknown delivery state {state} in the database"
                    )));
                }
            }
        }
        Ok(c)
    }

    /// A bill's delivery: state, attempts, e-mail address and Message-ID, print batch.
    #[allow(clippy::type_complexity)]
    pub async fn delivery_of(
        self,
        bill_id: i64,
    ) -> Result<
        Option<(
            DeliveryState,
            i64,
            Option<String>,
            Option<String>,
            Option<i64>,
        )>,
    > {
        #[derive(sqlx::FromRow)]
        struct Row {
            state: i64,
            attempts: i64,
            email: Option<String>,
            message_id: Option<String>,
            batch: Option<i64>,
        }
        let r: Option<Row> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT state, attempts, email, message_id, batch FROM deliveries \
                 WHERE bill_id = $1"
        )
        .bind(bill_id)
        .fetch_optional(p)
        .await)?;
        r.map(|r| {
            Ok((
                DeliveryState::from_code(r.state).ok_or_else(|| {
                    StoreError::Corrupt(format!("unknown delivery state {}", r.state))
                })?,
                r.attempts,
                r.email,
                r.message_id,
                r.batch,
            ))
        })
        .transpose()
    }

    /// The customer's flagged (bouncing) address, if any.
    pub async fn bad_address(self, customer_id: i64) -> Result<Option<(String, String)>> {
        let r = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT email, reason FROM bad_addresses WHERE customer_id = $1"
        )
        .bind(customer_id)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }
}

async fn log<'e, E, DB>(tx: E, bill: i64, at: i64, event: &str, detail: &str) -> sqlx::Result<()>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'e, Database = DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
{
    sqlx::query("INSERT INTO delivery_log (bill_id, at, event, detail) VALUES ($1, $2, $3, $4)")
        .bind(bill)
        .bind(at)
        .bind(event.to_string())
        .bind(detail.to_string())
        .execute(tx)
        .await?;
    Ok(())
}
