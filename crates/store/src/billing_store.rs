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
use crate::{Result, Store};
use canali_domain::network::Delivery;
use canali_domain::{Day, Segment, Service};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

mod dispatch;
pub use dispatch::{Claimed, DeliveryCounts, DeliveryState, ManifestRow, PrintBatch};

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
}
