//! The branch ticket queue ("eliminacode"): service categories with priorities, tickets numbered
//! per branch, day and category (A042), and the clerk's steps: call next, recall, no-show, serve,
//! close. A closed ticket (and a no-show) becomes a `branch` contact in the ledger.
//!
//! Two clerks calling "next" at the same instant never get the same ticket: the call is one
//! `UPDATE ... WHERE id = (SELECT ... LIMIT 1) AND status = waiting RETURNING ...`. SQLite runs it
//! under its single write lock; on PostgreSQL the inner SELECT takes the row with
//! `FOR UPDATE SKIP LOCKED`, so concurrent clerks pick different rows instead of queueing on the
//! same one, and the status guard plus a retry covers a row changed between snapshot and lock.

use crate::db::{Db, on_db};
use crate::{NewContact, Result, Store, StoreError};
use canali_domain::{Channel, Day, Outcome, Reason};
use sqlx::AssertSqlSafe;

/// Serializes the queue's ledger writes within the process, see `ingest_ticket`.
static LEDGER_WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The ledger source of the contacts written by the ticket queue.
pub const TICKET_SOURCE: &str = "tickets";

/// A service category of a branch, e.g. `A` bills and payments; higher priority is called first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServiceCategory {
    pub branch: String,
    /// One or more capital letters: the prefix of the ticket label.
    pub code: String,
    pub name: String,
    pub priority: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting = 1,
    Called = 2,
    Serving = 3,
    Closed = 4,
    NoShow = 5,
}

impl TicketStatus {
    fn from_code(c: i64) -> Result<TicketStatus> {
        Ok(match c {
            1 => TicketStatus::Waiting,
            2 => TicketStatus::Called,
            3 => TicketStatus::Serving,
            4 => TicketStatus::Closed,
            5 => TicketStatus::NoShow,
            _ => return Err(StoreError::Invalid(format!("unknown ticket status {c}"))),
        })
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ticket {
    pub id: i64,
    pub branch: String,
    #[serde(serialize_with = "serialize_day")]
    pub day: Day,
    pub category: String,
    pub number: i64,
    /// Category and number, e.g. `A042`.
    pub label: String,
    /// Taken online in advance rather than at the kiosk.
    pub is_virtual: bool,
    pub status: TicketStatus,
    pub taken_at: i64,
    /// The wait announced when the ticket was taken, in seconds.
    pub estimate_seconds: i64,
    pub called_at: Option<i64>,
    pub recalls: i64,
    pub counter: Option<String>,
    pub clerk: Option<String>,
    pub served_at: Option<i64>,
    pub closed_at: Option<i64>,
}

impl Ticket {
    /// Seconds from taking the ticket to its first call.
    pub fn wait_seconds(&self) -> Option<i64> {
        self.called_at
            .map(|c| (c - self.taken_at).max(0) / 1_000_000)
    }

    /// Seconds from the start of service to its close.
    pub fn handle_seconds(&self) -> Option<i64> {
        match (self.served_at, self.closed_at) {
            (Some(s), Some(c)) => Some((c - s).max(0) / 1_000_000),
            _ => None,
        }
    }
}

/// Serializes a [`Day`] as its date, `2011-03-01`.
pub fn serialize_day<S: serde::Serializer>(
    day: &Day,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(&day.date())
}

type TicketRow = (
    i64,
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

const TICKET_COLUMNS: &str = "id, branch, day, category, number, virtual, status, taken_at, \
     estimate_seconds, called_at, recalls, counter, clerk, served_at, closed_at";

fn ticket(r: TicketRow) -> Result<Ticket> {
    Ok(Ticket {
        id: r.0,
        branch: r.1,
        day: Day(r.2 as i32),
        label: format!("{}{:03}", r.3, r.4),
        category: r.3,
        number: r.4,
        is_virtual: r.5 != 0,
        status: TicketStatus::from_code(r.6)?,
        taken_at: r.7,
        estimate_seconds: r.8,
        called_at: r.9,
        recalls: r.10,
        counter: r.11,
        clerk: r.12,
        served_at: r.13,
        closed_at: r.14,
    })
}

/// What a wait estimate starts from, at one branch and instant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueueLoad {
    /// Waiting tickets that would be called before a new ticket of the given priority.
    pub ahead: i64,
    /// Counters that called a ticket in the last hour.
    pub active_counters: i64,
    /// Handling seconds of the branch's most recent closed tickets (at most 20), newest first.
    pub recent_handle_seconds: Vec<i64>,
}

impl Store {
    /// Creates or updates a branch's service categories (by branch and code).
    pub async fn set_service_categories(&self, rows: &[ServiceCategory]) -> Result<()> {
        for c in rows {
            if c.code.is_empty() || !c.code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(StoreError::Invalid(format!(
                    "service category code '{}' must be capital letters",
                    c.code
                )));
            }
        }
        let sql = "INSERT INTO service_categories (branch, code, name, priority) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (branch, code) DO UPDATE SET name = excluded.name, priority = excluded.priority";
        on_db!(&self.db, |p| {
            let mut tx = p.begin().await?;
            for c in rows {
                sqlx::query(sql)
                    .bind(&c.branch)
                    .bind(&c.code)
                    .bind(&c.name)
                    .bind(c.priority)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn service_categories(&self, branch: &str) -> Result<Vec<ServiceCategory>> {
        let rows: Vec<(String, String, String, i64)> = on_db!(&self.db, |p| sqlx::query_as(
            "SELECT branch, code, name, priority FROM service_categories WHERE branch = $1 \
             ORDER BY priority DESC, code"
        )
        .bind(branch)
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(branch, code, name, priority)| ServiceCategory {
                branch,
                code,
                name,
                priority,
            })
            .collect())
    }

    /// The load a new ticket of `category` would meet at `at`.
    pub async fn queue_load(&self, branch: &str, category: &str, at: i64) -> Result<QueueLoad> {
        let day = i64::from(Day::of_micros(at).0);
        let priority = self.category_priority(branch, category).await?;
        let hour_ago = at - 3_600_000_000;
        let (ahead, active_counters): (i64, i64) = on_db!(&self.db, |p| {
            sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM tickets WHERE branch = $1 AND day = $2 AND status = 1 \
                     AND priority >= $3), \
                    (SELECT COUNT(DISTINCT counter) FROM tickets WHERE branch = $1 \
                     AND called_at >= $4 AND called_at <= $5)"
        )
        .bind(branch)
        .bind(day)
        .bind(priority)
        .bind(hour_ago)
        .bind(at)
        .fetch_one(p)
        .await
        })?;
        let recent: Vec<i64> = on_db!(&self.db, |p| {
            sqlx::query_scalar(
            "SELECT (closed_at - served_at) / 1000000 FROM tickets WHERE branch = $1 AND status = 4 \
             AND closed_at <= $2 ORDER BY closed_at DESC LIMIT 20"
        )
        .bind(branch)
        .bind(at)
        .fetch_all(p)
        .await
        })?;
        Ok(QueueLoad {
            ahead,
            active_counters,
            recent_handle_seconds: recent,
        })
    }

    async fn category_priority(&self, branch: &str, category: &str) -> Result<i64> {
        let p: Option<i64> = on_db!(&self.db, |p| sqlx::query_scalar(
            "SELECT priority FROM service_categories WHERE branch = $1 AND code = $2"
        )
        .bind(branch)
        .bind(category)
        .fetch_optional(p)
        .await)?;
        p.ok_or_else(|| {
            StoreError::Invalid(format!(
                "branch {branch} has no service category '{category}'"
            ))
        })
    }

    /// Takes the next ticket of `category` at `branch` (numbered per branch, day and category).
    pub async fn take_ticket(
        &self,
        branch: &str,
        category: &str,
        is_virtual: bool,
        at: i64,
        estimate_seconds: i64,
    ) -> Result<Ticket> {
        let priority = self.category_priority(branch, category).await?;
        let day = i64::from(Day::of_micros(at).0);
        // One statement: the number is the day's highest of the category plus one. SQLite runs
        // it under its write lock; on PostgreSQL two kiosks may compute the same number, the
        // unique key refuses the second and it tries again. No lock is held across an await.
        let sql = format!(
            "INSERT INTO tickets (branch, day, category, priority, number, virtual, status, \
             taken_at, estimate_seconds) \
             SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT), CAST($3 AS TEXT), CAST($4 AS BIGINT), \
                    COALESCE(MAX(number), 0) + 1, CAST($5 AS BIGINT), 1, CAST($6 AS BIGINT), \
                    CAST($7 AS BIGINT) \
             FROM tickets WHERE branch = $1 AND day = $2 AND category = $3 \
             RETURNING {TICKET_COLUMNS}"
        );
        let mut attempts = 0;
        let row: TicketRow = loop {
            let r: std::result::Result<TicketRow, sqlx::Error> =
                on_db!(&self.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(branch)
                    .bind(day)
                    .bind(category)
                    .bind(priority)
                    .bind(i64::from(is_virtual))
                    .bind(at)
                    .bind(estimate_seconds)
                    .fetch_one(p)
                    .await);
            match r {
                Ok(row) => break row,
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempts < 100 => {
                    attempts += 1;
                }
                Err(e) => return Err(e.into()),
            }
        };
        ticket(row)
    }

    /// Calls the next waiting ticket of today at `branch` for `counter`: the highest priority
    /// first, then the oldest; `categories` limits the counter to some categories (empty: all).
    /// `None` when nobody waits. Never hands one ticket to two counters.
    pub async fn call_next(
        &self,
        branch: &str,
        counter: &str,
        clerk: &str,
        categories: &[String],
        at: i64,
    ) -> Result<Option<Ticket>> {
        let day = i64::from(Day::of_micros(at).0);
        let filter = if categories.is_empty() {
            String::new()
        } else {
            format!(",{},", categories.join(","))
        };
        let lock = match self.db {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE tickets SET status = 2, called_at = $1, counter = $2, clerk = $3 \
             WHERE id = (SELECT id FROM tickets WHERE branch = $4 AND day = $5 AND status = 1 \
                         AND ($6 = '' OR $6 LIKE '%,' || category || ',%') \
                         ORDER BY priority DESC, taken_at, id LIMIT 1{lock}) \
               AND status = 1 \
             RETURNING {TICKET_COLUMNS}"
        );
        for _ in 0..100 {
            let row: Option<TicketRow> =
                on_db!(&self.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(at)
                    .bind(counter)
                    .bind(clerk)
                    .bind(branch)
                    .bind(day)
                    .bind(&filter)
                    .fetch_optional(p)
                    .await)?;
            if let Some(row) = row {
                return Ok(Some(ticket(row)?));
            }
            // Nothing returned: either nobody waits, or (PostgreSQL) the chosen row changed
            // between the snapshot and the lock. Retry while someone still waits.
            let waiting: i64 = on_db!(&self.db, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM tickets WHERE branch = $1 AND day = $2 AND status = 1 \
                 AND ($3 = '' OR $3 LIKE '%,' || category || ',%')"
            )
            .bind(branch)
            .bind(day)
            .bind(&filter)
            .fetch_one(p)
            .await)?;
            if waiting == 0 {
                return Ok(None);
            }
        }
        Err(StoreError::Invalid(format!(
            "could not call a ticket at {branch} after 100 attempts"
        )))
    }

    /// Moves a ticket from one status to the next, refusing any other starting status.
    async fn step(&self, id: i64, from: TicketStatus, set: &str, at: i64) -> Result<Ticket> {
        let sql = format!(
            "UPDATE tickets SET {set} WHERE id = $1 AND status = $2 RETURNING {TICKET_COLUMNS}"
        );
        let row: Option<TicketRow> =
            on_db!(&self.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(id)
                .bind(from as i64)
                .bind(at)
                .fetch_optional(p)
                .await)?;
        match row {
            Some(r) => ticket(r),
            None => {
                let t = self.ticket(id).await?;
                Err(StoreError::Invalid(match t {
                    None => format!("no ticket {id}"),
                    Some(t) => format!("ticket {} is {:?}, not {:?}", t.label, t.status, from),
                }))
            }
        }
    }

    /// Calls a called ticket again (the customer did not come yet).
    pub async fn recall_ticket(&self, id: i64, at: i64) -> Result<Ticket> {
        self.step(
            id,
            TicketStatus::Called,
            "recalls = recalls + 1, called_at = COALESCE(called_at, $3)",
            at,
        )
        .await
    }

    /// The called customer did not come: the visit is a `branch` contact with outcome no-show.
    pub async fn no_show_ticket(&self, id: i64, at: i64) -> Result<Ticket> {
        let t = self
            .step(id, TicketStatus::Called, "status = 5, closed_at = $3", at)
            .await?;
        self.ingest_ticket(&t, None).await?;
        Ok(t)
    }

    /// The customer is at the counter: service starts.
    pub async fn serve_ticket(&self, id: i64, at: i64) -> Result<Ticket> {
        self.step(id, TicketStatus::Called, "status = 3, served_at = $3", at)
            .await
    }

    /// Service ends: the ticket is closed and written to the ledger as a `branch` contact with
    /// its waiting (take to first call) and handling (serve to close) seconds.
    pub async fn close_ticket(&self, id: i64, at: i64, reason: Option<Reason>) -> Result<Ticket> {
        let t = self
            .step(id, TicketStatus::Serving, "status = 4, closed_at = $3", at)
            .await?;
        self.ingest_ticket(&t, reason).await?;
        Ok(t)
    }

    async fn ingest_ticket(&self, t: &Ticket, reason: Option<Reason>) -> Result<()> {
        let outcome = if t.status == TicketStatus::NoShow {
            Outcome::NoShow
        } else {
            Outcome::Resolved
        };
        let contact = NewContact {
            external_id: format!("{}-{}-{}", t.branch, t.day.date(), t.label),
            channel: Channel::Branch,
            started_at: t.taken_at,
            ended_at: t.closed_at,
            segment: None,
            customer: None,
            territory: None,
            wait_seconds: t.wait_seconds(),
            handle_seconds: t.handle_seconds(),
            reason,
            outcome: Some(outcome),
            branch: Some(t.branch.clone()),
            line: None,
            agent: t.clerk.clone(),
        };
        // The SQLite bulk path steps its statement on the calling runtime thread, where a busy
        // wait blocks that thread: one ticket ingest at a time per process keeps the others free
        // to finish the transaction that holds the write lock.
        // PostgreSQL's driver is asynchronous throughout and needs no such guard.
        let _one_at_a_time = match self.db {
            Db::Sqlite(_) => Some(LEDGER_WRITES.lock().await),
            Db::Postgres(_) => None,
        };
        self.ingest_contacts(TICKET_SOURCE, &[contact]).await?;
        Ok(())
    }

    pub async fn ticket(&self, id: i64) -> Result<Option<Ticket>> {
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1");
        let row: Option<TicketRow> =
            on_db!(&self.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(p)
                .await)?;
        row.map(ticket).transpose()
    }

    /// The tickets of the days `from..=to`, at one branch or (None) all, in order of taking.
    pub async fn tickets(&self, branch: Option<&str>, from: Day, to: Day) -> Result<Vec<Ticket>> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE day >= $1 AND day <= $2 \
             AND ($3 = '' OR branch = $3) ORDER BY taken_at, id"
        );
        let rows: Vec<TicketRow> =
            on_db!(&self.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(i64::from(from.0))
                .bind(i64::from(to.0))
                .bind(branch.unwrap_or(""))
                .fetch_all(p)
                .await)?;
        rows.into_iter().map(ticket).collect()
    }
}
