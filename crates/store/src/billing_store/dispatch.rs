//! The dispatch of bills: each bill's delivery record, claimed for e-mail or batched for print,
//! with its outcome and log.

use super::Billing;
use crate::db::on_db;
use crate::{Result, StoreError};
use canali_domain::Day;
use sqlx::AssertSqlSafe;

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

impl Billing<'_> {
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

    /// The message of a claimed e-mail delivery is about to go to the SMTP server: from here
    /// until its outcome is recorded, a crash may leave it delivered but not recorded.
    pub async fn mark_transmitting(self, bill_id: i64, email: &str, now: i64) -> Result<()> {
        on_db!(&self.store.db, |p| log(
            p,
            bill_id,
            now,
            "transmitting",
            email
        )
        .await)?;
        Ok(())
    }

    /// Of the deliveries a stopped run left claimed (`sending`), those whose message had gone
    /// to the SMTP server (a `transmitting` event since the claim): the possible duplicates
    /// once they are sent again. Read before [`Billing::release_in_flight`].
    pub async fn transmitting_in_flight(self, from: Day, to: Day) -> Result<Vec<i64>> {
        let ids: Vec<i64> = on_db!(&self.store.db, |p| sqlx::query_scalar(
            "SELECT d.bill_id FROM deliveries d \
             WHERE d.issued >= $1 AND d.issued <= $2 AND d.state = 2 \
             AND EXISTS (SELECT 1 FROM delivery_log l WHERE l.bill_id = d.bill_id \
                 AND l.event = 'transmitting' AND l.at >= d.updated_at) \
             ORDER BY d.bill_id"
        )
        .bind(i64::from(from.0))
        .bind(i64::from(to.0))
        .fetch_all(p)
        .await)?;
        Ok(ids)
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
