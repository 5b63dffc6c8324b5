//! Calling the next ticket: one guarded `UPDATE` (see the module above), taken in the clerks'
//! group commit, or alone with the reasons when nobody is called.

use super::group::{Grouped, Step};
use super::{
    TICKET_COLUMNS, Ticket, TicketAction, TicketRow, TicketState, Tickets, category_filter, clock,
    holding_states, ticket,
};
use crate::db::{Db, on_db};
use crate::{Refusal, Result, StoreError};
use canali_domain::Day;
use sqlx::AssertSqlSafe;

impl Tickets<'_> {
    /// Calls the next waiting ticket of today at `branch` for `counter`: the highest priority
    /// first, then the earliest start of the wait; `categories` limits the counter to some
    /// categories (empty: all). Only tickets in the queue at `at` are called (taken at the
    /// kiosk, or booked and checked in, by then). `None` when nobody waits; an error when the
    /// only tickets waiting joined the queue after `at`. Never hands one ticket to two counters.
    pub async fn call_next(
        self,
        branch: &str,
        counter: &str,
        clerk: &str,
        categories: &[String],
        at: i64,
    ) -> Result<Option<Ticket>> {
        let step = Step::Call {
            branch: branch.to_string(),
            counter: counter.to_string(),
            clerk: clerk.to_string(),
            filter: category_filter(categories),
            day: i64::from(Day::of_micros(at).0),
            at,
        };
        match self.grouped(step).await {
            Grouped::Done(t) => return Ok(Some(*t)),
            Grouped::Alone => {}
            Grouped::Interrupted => {
                if let Some(t) = self.called_by(branch, counter, at).await? {
                    return Ok(Some(t));
                }
            }
        }
        self.call_next_alone(branch, counter, clerk, categories, at)
            .await
    }

    /// The ticket `counter` called at `at`, if it is still called: a step taken by a group
    /// whose answer was lost.
    async fn called_by(self, branch: &str, counter: &str, at: i64) -> Result<Option<Ticket>> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE branch = $1 AND day = $2 AND counter = $3 \
             AND called_at = $4 AND status = {} ORDER BY id DESC LIMIT 1",
            TicketState::Called.code()
        );
        let row: Option<TicketRow> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(branch)
        .bind(i64::from(Day::of_micros(at).0))
        .bind(counter)
        .bind(at)
        .fetch_optional(p)
        .await)?;
        row.map(ticket).transpose()
    }

    /// [`Tickets::call_next`] in a statement of its own, with the reasons when nobody is
    /// called.
    async fn call_next_alone(
        self,
        branch: &str,
        counter: &str,
        clerk: &str,
        categories: &[String],
        at: i64,
    ) -> Result<Option<Ticket>> {
        let day = i64::from(Day::of_micros(at).0);
        let filter = category_filter(categories);
        let sql = self.call_sql();
        let waiting = TicketAction::Call.from().code();
        let waiting_sql = format!(
            "SELECT CAST(SUM(CASE WHEN COALESCE(checked_in_at, taken_at) <= $4 \
                         THEN 1 ELSE 0 END) AS BIGINT), \
                    MIN(CASE WHEN COALESCE(checked_in_at, taken_at) > $4 \
                        THEN COALESCE(checked_in_at, taken_at) END) \
             FROM tickets WHERE branch = $1 AND day = $2 AND status = {waiting} \
             AND queued_at IS NOT NULL \
             AND ($3 = '' OR $3 LIKE '%,' || category || ',%')"
        );
        let busy_sql = format!(
            "SELECT category, number FROM tickets WHERE branch = $1 AND day = $2 \
             AND counter = $3 AND status IN ({}) ORDER BY id LIMIT 1",
            holding_states()
        );
        for _ in 0..100 {
            let row: Option<TicketRow> = on_db!(&self.store.db, |p| sqlx::query_as(
                AssertSqlSafe(sql.as_str())
            )
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
            // Nothing returned: the counter is still serving, or nobody waits, or (PostgreSQL)
            // the chosen row changed between the snapshot and the lock. Retry while someone
            // still waits.
            let busy: Option<(String, i64)> = on_db!(&self.store.db, |p| {
                sqlx::query_as(AssertSqlSafe(busy_sql.as_str()))
                    .bind(branch)
                    .bind(day)
                    .bind(counter)
                    .fetch_optional(p)
                    .await
            })?;
            if let Some((category, number)) = busy {
                return Err(Refusal::CounterBusy {
                    counter: counter.into(),
                    ticket: format!("{category}{number:03}"),
                }
                .into());
            }
            let (in_queue, first_later): (Option<i64>, Option<i64>) =
                on_db!(&self.store.db, |p| {
                    sqlx::query_as(AssertSqlSafe(waiting_sql.as_str()))
                        .bind(branch)
                        .bind(day)
                        .bind(&filter)
                        .bind(at)
                        .fetch_one(p)
                        .await
                })?;
            if in_queue.unwrap_or(0) == 0 {
                return match first_later {
                    Some(later) => Err(Refusal::CallBeforeTaken {
                        branch: branch.into(),
                        at: clock(at),
                        first: clock(later),
                    }
                    .into()),
                    None => Ok(None),
                };
            }
        }
        Err(StoreError::Conflict(format!(
            "could not call a ticket at {branch} after 100 attempts"
        )))
    }

    /// The call: one `UPDATE` of the ticket to call next, binding `$1` the instant, `$2` the
    /// counter, `$3` the clerk, `$4` the branch, `$5` the day and `$6` the category filter.
    /// A counter whose customer is still being served calls nobody (the state machine's rule,
    /// `TicketState::holds_counter`): checked in the same statement, so that no entry point
    /// can leave a served ticket open at the counter. Only tickets in the queue at `$1` are
    /// called: taken (kiosk) or checked in (booked) at or before it.
    pub(crate) fn call_sql(self) -> String {
        let lock = match self.store.db {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let (waiting, called) = (
            TicketAction::Call.from().code(),
            TicketAction::Call.to().code(),
        );
        format!(
            "UPDATE tickets SET status = {called}, called_at = $1, counter = $2, clerk = $3 \
             WHERE id = (SELECT id FROM tickets WHERE branch = $4 AND day = $5 AND status = {waiting} \
                         AND queued_at IS NOT NULL AND COALESCE(checked_in_at, taken_at) <= $1 \
                         AND ($6 = '' OR $6 LIKE '%,' || category || ',%') \
                         ORDER BY priority DESC, queued_at, id LIMIT 1{lock}) \
               AND status = {waiting} \
               AND NOT EXISTS (SELECT 1 FROM tickets WHERE branch = $4 AND day = $5 \
                               AND counter = $2 AND status IN ({holding})) \
             RETURNING {TICKET_COLUMNS}",
            holding = holding_states()
        )
    }
}
