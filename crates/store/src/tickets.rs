//! The branch ticket queue ("eliminacode"): service categories with priorities, tickets numbered
//! per branch, day and category (A042), and the clerk's steps: call next, recall, no-show, serve,
//! close. A closed ticket (and a no-show) becomes a `branch` contact in the ledger.
//!
//! Two clerks calling "next" at the same instant never get the same ticket: the call is one
//! `UPDATE ... WHERE id = (SELECT ... LIMIT 1) AND status = waiting RETURNING ...`. SQLite runs it
//! under its single write lock; on PostgreSQL the inner SELECT takes the row with
//! `FOR UPDATE SKIP LOCKED`, so concurrent clerks pick different rows instead of queueing on the
//! same one, and the status guard plus a retry covers a row changed between snapshot and lock.
//!
//! On SQLite the clerks' steps (call, serve, close, no-show) and the kiosks' tickets commit in
//! groups (group.rs): the steps taken while a transaction commits wait and share the next one.
//! The ledger's bulk writes may commit without waiting for the WAL flush on PostgreSQL; a ticket
//! step never does (`durable_tx`): a called or closed ticket survives a crash.

use crate::bulk::Tx;
use crate::db::{Db, on_db};
use crate::{NewContact, Refusal, Result, Store, StoreError};
pub use canali_domain::ticket::{TicketAction, TicketState};
use canali_domain::{Channel, Day, Outcome, ROME, Reason};
use group::{Grouped, Step};
use sqlx::AssertSqlSafe;

/// Runs the same body on the transaction of either backend.
macro_rules! on_tx {
    ($tx:expr, |$t:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

mod call;
mod group;
pub(crate) use group::Steps;

/// The ledger source of the contacts written by the ticket queue.
pub const TICKET_SOURCE: &str = "tickets";

/// A service category of a branch, e.g. `A` bills and payments; higher priority is called first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct ServiceCategory {
    pub branch: String,
    /// One or more capital letters: the prefix of the ticket label.
    pub code: String,
    pub name: String,
    pub priority: i64,
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
    pub status: TicketState,
    /// When the ticket was taken at the kiosk, or booked online.
    pub taken_at: i64,
    /// A booked ticket's appointment.
    pub slot_at: Option<i64>,
    /// When the holder of a booked ticket arrived at the branch.
    pub checked_in_at: Option<i64>,
    /// When the wait starts, and the ticket's place in the queue: the taking at the kiosk; for
    /// a booked ticket the later of its slot and its check-in (`None` until the check-in).
    pub queued_at: Option<i64>,
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
    /// When the wait starts: [`Ticket::queued_at`], else the taking.
    pub fn wait_start(&self) -> i64 {
        self.queued_at.unwrap_or(self.taken_at)
    }

    /// Seconds from the start of the wait (the kiosk, or a booked ticket's slot or arrival,
    /// whichever is later) to the first call; 0 for a booked customer called before the slot.
    pub fn wait_seconds(&self) -> Option<i64> {
        self.called_at
            .map(|c| (c - self.wait_start()).max(0) / 1_000_000)
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

/// A row of [`TICKET_COLUMNS`], as stored.
#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    branch: String,
    day: i64,
    category: String,
    number: i64,
    #[sqlx(rename = "virtual")]
    is_virtual: i64,
    status: i64,
    taken_at: i64,
    estimate_seconds: i64,
    called_at: Option<i64>,
    recalls: i64,
    counter: Option<String>,
    clerk: Option<String>,
    served_at: Option<i64>,
    closed_at: Option<i64>,
    slot_at: Option<i64>,
    checked_in_at: Option<i64>,
    queued_at: Option<i64>,
}

const TICKET_COLUMNS: &str = "id, branch, day, category, number, virtual, status, taken_at, \
     estimate_seconds, called_at, recalls, counter, clerk, served_at, closed_at, slot_at, \
     checked_in_at, queued_at";

fn ticket(r: TicketRow) -> Result<Ticket> {
    let (id, status) = (r.id, r.status);
    Ok(Ticket {
        id,
        branch: r.branch,
        day: Day(r.day as i32),
        label: format!("{}{:03}", r.category, r.number),
        category: r.category,
        number: r.number,
        is_virtual: r.is_virtual != 0,
        status: TicketState::from_code(status).ok_or_else(|| {
            StoreError::Corrupt(format!("ticket {id} has unknown status {status}"))
        })?,
        taken_at: r.taken_at,
        slot_at: r.slot_at,
        checked_in_at: r.checked_in_at,
        queued_at: r.queued_at,
        estimate_seconds: r.estimate_seconds,
        called_at: r.called_at,
        recalls: r.recalls,
        counter: r.counter,
        clerk: r.clerk,
        served_at: r.served_at,
        closed_at: r.closed_at,
    })
}

/// The column with the time of the ticket's step before `action`: `action` may not be dated
/// earlier (ticket times never go backwards).
fn last_step_column(action: TicketAction) -> &'static str {
    match action.from() {
        TicketState::Called => "called_at",
        TicketState::Serving => "served_at",
        TicketState::Waiting | TicketState::Closed | TicketState::NoShow => "taken_at",
    }
}

/// `UPDATE` of a ticket by `action`, with `set` the rest of the update: `$1` the ticket, `$2`
/// the state the action starts from, `$3` the instant (not earlier than the ticket's last step).
fn step_sql(action: TicketAction, set: &str) -> String {
    let after = last_step_column(action);
    format!(
        "UPDATE tickets SET {set} WHERE id = $1 AND status = $2 AND {after} <= $3 \
         RETURNING {TICKET_COLUMNS}"
    )
}

/// The kiosk's `INSERT` of a ticket, binding `$1` the branch, `$2` the day, `$3` the
/// category, `$4` virtual (0 or 1), `$5` the taking, `$6` the estimate, `$7` the slot and `$8`
/// the start of the wait. One statement: the number is the day's highest of the category plus
/// one, the priority the category's (no row when the branch has no such category). SQLite runs
/// it under its write lock; on PostgreSQL two kiosks (of two processes: one process takes its
/// tickets in its group commit) may compute the same number, the unique key refuses the second
/// and it tries again. No lock is held across an await.
fn insert_sql() -> String {
    format!(
        "INSERT INTO tickets (branch, day, category, priority, number, virtual, status, \
         taken_at, estimate_seconds, slot_at, queued_at) \
         SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT), CAST($3 AS TEXT), k.priority, \
                (SELECT COALESCE(MAX(number), 0) + 1 FROM tickets \
                 WHERE branch = $1 AND day = $2 AND category = $3), \
                CAST($4 AS BIGINT), {waiting}, CAST($5 AS BIGINT), \
                CAST($6 AS BIGINT), CAST($7 AS BIGINT), CAST($8 AS BIGINT) \
         FROM service_categories k WHERE k.branch = $1 AND k.code = $3 \
         RETURNING {TICKET_COLUMNS}",
        waiting = TicketState::Waiting.code()
    )
}

/// What serving sets.
fn serve_set() -> String {
    format!(
        "status = {}, served_at = $3",
        TicketAction::Serve.to().code()
    )
}

/// The closing `UPDATE` of [`step_sql`] for a close or a no-show, `$4` the state it leads to.
fn finish_sql(action: TicketAction) -> String {
    step_sql(action, "status = $4, closed_at = $3")
}

/// The states in which a ticket holds its counter, as SQL codes.
fn holding_states() -> String {
    TicketState::ALL
        .iter()
        .filter(|s| s.holds_counter())
        .map(|s| s.code().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The categories a counter calls, as the call's `$6`: `,A,B,`, or empty for all.
fn category_filter(categories: &[String]) -> String {
    if categories.is_empty() {
        String::new()
    } else {
        format!(",{},", categories.join(","))
    }
}

/// A write transaction whose commit waits for the disk on both backends: a called, served or
/// closed ticket must survive a crash (the ledger's bulk transactions commit without waiting on
/// PostgreSQL, `Tx::begin`).
async fn durable_tx(db: &Db) -> Result<Tx<'static>> {
    Ok(match db {
        Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
        Db::Postgres(p) => Tx::Postgres(p.begin().await?),
    })
}

fn unknown_category(branch: &str, category: &str) -> StoreError {
    Refusal::UnknownCategory {
        branch: branch.into(),
        category: category.into(),
    }
    .into()
}

/// An instant as Europe/Rome local time, for messages.
fn clock(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros).map_or_else(
        |_| micros.to_string(),
        |t| {
            t.to_zoned(ROME.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

/// The ledger contact of a finished ticket: a `branch` contact keyed `BRANCH-DATE-LABEL`,
/// started when the wait started, with its waiting and handling seconds.
fn ticket_contact(t: &Ticket, reason: Option<Reason>) -> NewContact {
    let outcome = if t.status == TicketState::NoShow {
        Outcome::NoShow
    } else {
        Outcome::Resolved
    };
    NewContact {
        external_id: format!("{}-{}-{}", t.branch, t.day.date(), t.label),
        channel: Channel::Branch,
        started_at: t.wait_start(),
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
    }
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

/// The branch ticket queue: service categories, taking and booking tickets, and the clerk's
/// steps (call, recall, no-show, serve, close), each guarded by the ticket's state.
#[derive(Clone, Copy)]
pub struct Tickets<'a> {
    store: &'a Store,
}

impl Store {
    pub fn tickets(&self) -> Tickets<'_> {
        Tickets { store: self }
    }
}

impl Tickets<'_> {
    /// Creates or updates a branch's service categories (by branch and code).
    pub async fn set_service_categories(self, rows: &[ServiceCategory]) -> Result<()> {
        for c in rows {
            if c.code.is_empty() || !c.code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(Refusal::CategoryCode {
                    code: c.code.clone(),
                }
                .into());
            }
        }
        let sql = "INSERT INTO service_categories (branch, code, name, priority) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (branch, code) DO UPDATE SET name = excluded.name, priority = excluded.priority";
        on_db!(&self.store.db, |p| {
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

    pub async fn service_categories(self, branch: &str) -> Result<Vec<ServiceCategory>> {
        let rows: Vec<ServiceCategory> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT branch, code, name, priority FROM service_categories WHERE branch = $1 \
             ORDER BY priority DESC, code"
        )
        .bind(branch)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// The load a new ticket of `category` would meet at `at`.
    pub async fn queue_load(self, branch: &str, category: &str, at: i64) -> Result<QueueLoad> {
        let day = i64::from(Day::of_micros(at).0);
        let hour_ago = at - 3_600_000_000;
        // The category's priority in the same statement: a kiosk's ticket is two statements
        // here and one to take it.
        let sql = format!(
            "SELECT (SELECT priority FROM service_categories WHERE branch = $1 AND code = $3), \
                    (SELECT COUNT(*) FROM tickets WHERE branch = $1 AND day = $2 AND status = {} \
                     AND priority >= (SELECT priority FROM service_categories \
                                      WHERE branch = $1 AND code = $3) \
                     AND queued_at IS NOT NULL), \
                    (SELECT COUNT(DISTINCT counter) FROM tickets WHERE branch = $1 \
                     AND called_at >= $4 AND called_at <= $5)",
            TicketState::Waiting.code()
        );
        let (priority, ahead, active_counters): (Option<i64>, i64, i64) =
            on_db!(&self.store.db, |p| {
                sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(branch)
                    .bind(day)
                    .bind(category)
                    .bind(hour_ago)
                    .bind(at)
                    .fetch_one(p)
                    .await
            })?;
        if priority.is_none() {
            return Err(unknown_category(branch, category));
        }
        let sql = format!(
            "SELECT (closed_at - served_at) / 1000000 FROM tickets WHERE branch = $1 AND status = {} \
             AND closed_at <= $2 ORDER BY closed_at DESC LIMIT 20",
            TicketState::Closed.code()
        );
        let recent: Vec<i64> = on_db!(&self.store.db, |p| {
            sqlx::query_scalar(AssertSqlSafe(sql.as_str()))
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

    /// Takes the next ticket of `category` at `branch` (numbered per branch, day and category)
    /// at the kiosk, or online for today with `is_virtual` (then like [`Tickets::book`]
    /// with its slot at `at`: it joins the queue when its holder checks in).
    pub async fn take(
        self,
        branch: &str,
        category: &str,
        is_virtual: bool,
        at: i64,
        estimate_seconds: i64,
    ) -> Result<Ticket> {
        let (slot, queued) = if is_virtual {
            (Some(at), None)
        } else {
            (None, Some(at))
        };
        self.insert_ticket(branch, category, at, slot, queued, estimate_seconds)
            .await
    }

    /// Books a ticket online at `booked_at` for the appointment `slot_at` (its day is the
    /// slot's). It joins the queue when its holder checks in ([`Tickets::check_in`]); its
    /// wait starts at the slot or at the arrival, whichever is later.
    pub async fn book(
        self,
        branch: &str,
        category: &str,
        booked_at: i64,
        slot_at: i64,
        estimate_seconds: i64,
    ) -> Result<Ticket> {
        if slot_at < booked_at {
            return Err(Refusal::SlotBeforeBooking {
                slot: clock(slot_at),
                booked: clock(booked_at),
            }
            .into());
        }
        self.insert_ticket(
            branch,
            category,
            booked_at,
            Some(slot_at),
            None,
            estimate_seconds,
        )
        .await
    }

    async fn insert_ticket(
        self,
        branch: &str,
        category: &str,
        taken_at: i64,
        slot_at: Option<i64>,
        queued_at: Option<i64>,
        estimate_seconds: i64,
    ) -> Result<Ticket> {
        let day = i64::from(Day::of_micros(slot_at.unwrap_or(taken_at)).0);
        let step = Step::Take {
            branch: branch.to_string(),
            category: category.to_string(),
            day,
            taken_at,
            slot_at,
            queued_at,
            estimate_seconds,
        };
        match self.grouped(step).await {
            Grouped::Done(t) => return Ok(*t),
            Grouped::Alone => {}
            Grouped::Interrupted => {
                let sql = format!(
                    "SELECT {TICKET_COLUMNS} FROM tickets WHERE branch = $1 AND day = $2 \
                     AND category = $3 AND taken_at = $4 ORDER BY id DESC LIMIT 1"
                );
                let row: Option<TicketRow> = on_db!(&self.store.db, |p| sqlx::query_as(
                    AssertSqlSafe(sql.as_str())
                )
                .bind(branch)
                .bind(day)
                .bind(category)
                .bind(taken_at)
                .fetch_optional(p)
                .await)?;
                if let Some(row) = row {
                    return ticket(row);
                }
            }
        }
        let sql = insert_sql();
        let mut attempts = 0;
        let row: TicketRow = loop {
            let r: std::result::Result<Option<TicketRow>, sqlx::Error> = on_db!(
                &self.store.db,
                |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(branch)
                    .bind(day)
                    .bind(category)
                    .bind(i64::from(slot_at.is_some()))
                    .bind(taken_at)
                    .bind(estimate_seconds)
                    .bind(slot_at)
                    .bind(queued_at)
                    .fetch_optional(p)
                    .await
            );
            match r {
                Ok(Some(row)) => break row,
                Ok(None) => return Err(unknown_category(branch, category)),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempts < 100 => {
                    attempts += 1;
                }
                Err(e) => return Err(e.into()),
            }
        };
        ticket(row)
    }

    /// The holder of a booked ticket arrives at the branch: the ticket joins the queue, its
    /// wait starting at the slot or now, whichever is later.
    pub async fn check_in(self, id: i64, at: i64) -> Result<Ticket> {
        let t = self.existing(id).await?;
        if !t.is_virtual {
            return Err(Refusal::TicketNotBooked { ticket: t.label }.into());
        }
        if t.checked_in_at.is_some() || !t.status.can(TicketAction::CheckIn) {
            return Err(Refusal::TicketCheckedIn { ticket: t.label }.into());
        }
        if Day::of_micros(at) != t.day {
            return Err(Refusal::TicketOtherDay {
                ticket: t.label,
                day: t.day,
                at: clock(at),
            }
            .into());
        }
        self.step(
            id,
            TicketAction::CheckIn,
            "checked_in_at = $3, queued_at = CASE WHEN slot_at > $3 THEN slot_at ELSE $3 END",
            at,
        )
        .await
    }

    async fn existing(self, id: i64) -> Result<Ticket> {
        self.get(id)
            .await?
            .ok_or_else(|| StoreError::not_found("ticket", id))
    }

    /// Why `action` at `at` was refused: the ticket's state does not allow it, or `at` is
    /// earlier than the ticket's last step.
    fn refusal(t: &Ticket, action: TicketAction, at: i64) -> StoreError {
        if let Err(r) = t.status.next(action, &t.label) {
            return r.into();
        }
        let (step, when) = match action.from() {
            TicketState::Called => (TicketState::Called, t.called_at),
            TicketState::Serving => (TicketState::Serving, t.served_at),
            _ => (TicketState::Waiting, Some(t.taken_at)),
        };
        Refusal::TicketTimeBackwards {
            ticket: t.label.clone(),
            at: clock(at),
            step,
            when: when.map_or_else(|| "-".to_string(), clock),
        }
        .into()
    }

    /// Takes `action` on a ticket at `at` (`set` is the rest of the update), refusing it when
    /// the ticket is not in the state the action starts from, or `at` is earlier than its last
    /// step.
    async fn step(self, id: i64, action: TicketAction, set: &str, at: i64) -> Result<Ticket> {
        let sql = step_sql(action, set);
        let row: Option<TicketRow> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(id)
        .bind(action.from().code())
        .bind(at)
        .fetch_optional(p)
        .await)?;
        match row {
            Some(r) => ticket(r),
            None => Err(Self::refusal(&self.existing(id).await?, action, at)),
        }
    }

    /// Calls a called ticket again (the customer did not come yet).
    pub async fn recall(self, id: i64, at: i64) -> Result<Ticket> {
        self.step(
            id,
            TicketAction::Recall,
            "recalls = recalls + 1, called_at = COALESCE(called_at, $3)",
            at,
        )
        .await
    }

    /// The called customer did not come: the visit is a `branch` contact with outcome no-show,
    /// written to the ledger in the same transaction as the ticket's status.
    pub async fn no_show(self, id: i64, at: i64) -> Result<Ticket> {
        self.finish(id, TicketAction::NoShow, at, None).await
    }

    /// The customer is at the counter: service starts.
    pub async fn serve(self, id: i64, at: i64) -> Result<Ticket> {
        match self.grouped(Step::Serve { id, at }).await {
            Grouped::Done(t) => return Ok(*t),
            Grouped::Alone => {}
            Grouped::Interrupted => {
                if let Some(t) = self.already(id, TicketAction::Serve, at).await? {
                    return Ok(t);
                }
            }
        }
        self.step(id, TicketAction::Serve, &serve_set(), at).await
    }

    /// Service ends: the ticket is closed and written to the ledger as a `branch` contact with
    /// its waiting (start of the wait to first call) and handling (serve to close) seconds, in
    /// one transaction: the ticket is closed if and only if its visit is in the ledger.
    pub async fn close(self, id: i64, at: i64, reason: Option<Reason>) -> Result<Ticket> {
        self.finish(id, TicketAction::Close, at, reason).await
    }

    /// Closes a ticket (or records its no-show) and writes its contact to the ledger and the
    /// rollups in one transaction, shared with the steps other clerks take meanwhile
    /// (group.rs); alone when the group did not take it, which then finds out why.
    async fn finish(
        self,
        id: i64,
        action: TicketAction,
        at: i64,
        reason: Option<Reason>,
    ) -> Result<Ticket> {
        match self
            .grouped(Step::Finish {
                id,
                action,
                at,
                reason,
            })
            .await
        {
            Grouped::Done(t) => return Ok(*t),
            Grouped::Alone => {}
            Grouped::Interrupted => {
                if let Some(t) = self.already(id, action, at).await? {
                    return Ok(t);
                }
            }
        }
        self.finish_alone(id, action, at, reason).await
    }

    /// The ticket, when `action` at `at` is already taken on it (by a group whose answer was
    /// lost).
    async fn already(self, id: i64, action: TicketAction, at: i64) -> Result<Option<Ticket>> {
        let t = self.existing(id).await?;
        let when = match action {
            TicketAction::Serve => t.served_at,
            _ => t.closed_at,
        };
        Ok((t.status == action.to() && when == Some(at)).then_some(t))
    }

    /// [`Tickets::finish`] in a transaction of its own. The contact is prepared from the
    /// ticket as it will be (the ledger's lookups run before the transaction takes a
    /// connection); the guarded update inside the transaction confirms it, and a ticket changed
    /// meanwhile is read again.
    async fn finish_alone(
        self,
        id: i64,
        action: TicketAction,
        at: i64,
        reason: Option<Reason>,
    ) -> Result<Ticket> {
        let sql = finish_sql(action);
        for _ in 0..10 {
            let current = self.existing(id).await?;
            let mut done = current.clone();
            done.status = action.to();
            done.closed_at = Some(at);
            let batch = [ticket_contact(&done, reason)];
            let prepared = self.store.prepare(TICKET_SOURCE, &batch).await?;
            let mut tx = durable_tx(&self.store.db).await?;
            let row: Option<TicketRow> =
                on_tx!(&mut tx, |t| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(id)
                    .bind(action.from().code())
                    .bind(at)
                    .bind(action.to().code())
                    .fetch_optional(&mut **t)
                    .await)?;
            let Some(row) = row else {
                drop(tx);
                return Err(Self::refusal(&self.existing(id).await?, action, at));
            };
            if ticket(row)? != done {
                // Changed between the read and the update (e.g. a recall): undo, read again.
                continue;
            }
            self.store
                .ingest_in(&mut tx, TICKET_SOURCE, 1, prepared)
                .await?;
            tx.commit().await?;
            return Ok(done);
        }
        Err(StoreError::Conflict(format!(
            "ticket {id} kept changing while it was being closed"
        )))
    }

    pub async fn get(self, id: i64) -> Result<Option<Ticket>> {
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1");
        let row: Option<TicketRow> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(id)
        .fetch_optional(p)
        .await)?;
        row.map(ticket).transpose()
    }

    /// The tickets of the days `from..=to`, at one branch or (None) all, in order of taking.
    pub async fn between(self, branch: Option<&str>, from: Day, to: Day) -> Result<Vec<Ticket>> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE day >= $1 AND day <= $2 \
             AND ($3 = '' OR branch = $3) ORDER BY taken_at, id"
        );
        let rows: Vec<TicketRow> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(i64::from(from.0))
        .bind(i64::from(to.0))
        .bind(branch.unwrap_or(""))
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(ticket).collect()
    }
}
