//! Group commit on SQLite for the clerks' steps (call, serve, close, no-show) and the kiosks' tickets:
//! the steps taken while a transaction is committing wait, and the next transaction takes them all, one
//! guarded statement each, with one ledger write for the visits it closes and one commit. The
//! commit is durable (a called ticket survives a crash), but once for the whole group, and the
//! rollup rows the closes add to are written once per group rather than once per ticket. On
//! PostgreSQL every step goes alone (see [`Tickets::grouped`]).
//!
//! A step the group could not take (refused, nobody to call, a ticket changed meanwhile, or the
//! group's transaction failed) is answered [`Grouped::Alone`]: its caller takes it again in a
//! transaction of its own, which gives the reason. Whoever holds the writer when a step arrives
//! commits it: no task runs in the background. If that caller goes away mid-group (its request
//! dropped) the group's answers are lost: [`Grouped::Interrupted`], and the caller checks
//! whether its step was taken before taking it alone.

use super::{
    TICKET_SOURCE, Ticket, TicketAction, TicketRow, Tickets, durable_tx, finish_sql, insert_sql,
    serve_set, step_sql, ticket, ticket_contact,
};
use crate::bulk::Tx;
use crate::{NewContact, Result};
use canali_domain::Reason;
use sqlx::AssertSqlSafe;
use std::sync::Mutex;
use tokio::sync::oneshot;
use tokio::sync::oneshot::error::TryRecvError;

/// A clerk's step (or a kiosk's ticket), as the group takes it.
pub(crate) enum Step {
    Take {
        branch: String,
        category: String,
        day: i64,
        taken_at: i64,
        slot_at: Option<i64>,
        queued_at: Option<i64>,
        estimate_seconds: i64,
    },
    Call {
        branch: String,
        counter: String,
        clerk: String,
        /// `category_filter` of the counter's categories.
        filter: String,
        day: i64,
        at: i64,
    },
    Serve {
        id: i64,
        at: i64,
    },
    Finish {
        id: i64,
        action: TicketAction,
        at: i64,
        reason: Option<Reason>,
    },
}

/// What became of a step handed to the group.
pub(crate) enum Grouped {
    /// Taken and committed: the ticket after it.
    Done(Box<Ticket>),
    /// Not taken: take it alone.
    Alone,
    /// The group that took it was dropped before answering: it may have committed.
    Interrupted,
}

struct Job {
    step: Step,
    reply: oneshot::Sender<Option<Ticket>>,
}

/// The steps waiting for the next group, and the writer: the one caller at a time that commits
/// a group.
#[derive(Default)]
pub(crate) struct Steps {
    pending: Mutex<Vec<Job>>,
    writer: tokio::sync::Mutex<()>,
}

impl Tickets<'_> {
    /// Takes `step` in the next group commit.
    pub(super) async fn grouped(self, step: Step) -> Grouped {
        // SQLite only. On PostgreSQL every statement of a group is a round trip while the
        // group's transaction holds the rows it has called, so the group is slow and callers
        // outside it (another process's clerks) spin on rows it holds: the benchmark took 99
        // operations/s grouped against 420 to 756 alone, and failed a call after 100 attempts.
        if let crate::db::Db::Postgres(_) = self.store.db {
            return Grouped::Alone;
        }
        let steps = &self.store.ticket_steps;
        let (reply, mut answer) = oneshot::channel();
        steps
            .pending
            .lock()
            .expect("ticket steps")
            .push(Job { step, reply });
        let writer = steps.writer.lock().await;
        // The writer before this one may have taken the step already: it answers every step it
        // took before letting go of the writer.
        match answer.try_recv() {
            Ok(Some(t)) => return Grouped::Done(Box::new(t)),
            Ok(None) => return Grouped::Alone,
            Err(TryRecvError::Closed) => return Grouped::Interrupted,
            Err(TryRecvError::Empty) => {}
        }
        let jobs = std::mem::take(&mut *steps.pending.lock().expect("ticket steps"));
        let done = match self.commit_group(&jobs).await {
            Ok(done) => done,
            // The transaction was rolled back: every step goes alone, and says why.
            Err(_) => jobs.iter().map(|_| None).collect(),
        };
        for (job, t) in jobs.into_iter().zip(done) {
            let _ = job.reply.send(t);
        }
        drop(writer);
        match answer.await {
            Ok(Some(t)) => Grouped::Done(Box::new(t)),
            Ok(None) => Grouped::Alone,
            Err(_) => Grouped::Interrupted,
        }
    }

    /// One transaction for `jobs`, in their order: each step's guarded statement, then the
    /// closed visits into the ledger and the rollups, then one commit. `None` for a step the
    /// statement did not take.
    async fn commit_group(self, jobs: &[Job]) -> Result<Vec<Option<Ticket>>> {
        // The ledger's lookups read the pool: read the branches' territories now, before the
        // transaction holds a connection, so that inside it they come from the store's cache.
        self.store.branch_sots().await?;
        let call = self.call_sql();
        let serve = step_sql(TicketAction::Serve, &serve_set());
        let take = insert_sql();
        let mut tx = durable_tx(&self.store.db).await?;
        let mut done = Vec::with_capacity(jobs.len());
        for job in jobs {
            let row: Option<TicketRow> = match &job.step {
                Step::Take {
                    branch,
                    category,
                    day,
                    taken_at,
                    slot_at,
                    queued_at,
                    estimate_seconds,
                } => on_tx!(&mut tx, |t| sqlx::query_as(AssertSqlSafe(take.as_str()))
                    .bind(branch.as_str())
                    .bind(*day)
                    .bind(category.as_str())
                    .bind(i64::from(slot_at.is_some()))
                    .bind(*taken_at)
                    .bind(*estimate_seconds)
                    .bind(*slot_at)
                    .bind(*queued_at)
                    .fetch_optional(&mut **t)
                    .await)?,
                Step::Call {
                    branch,
                    counter,
                    clerk,
                    filter,
                    day,
                    at,
                } => on_tx!(&mut tx, |t| sqlx::query_as(AssertSqlSafe(call.as_str()))
                    .bind(*at)
                    .bind(counter.as_str())
                    .bind(clerk.as_str())
                    .bind(branch.as_str())
                    .bind(*day)
                    .bind(filter.as_str())
                    .fetch_optional(&mut **t)
                    .await)?,
                Step::Serve { id, at } => {
                    on_tx!(&mut tx, |t| sqlx::query_as(AssertSqlSafe(serve.as_str()))
                        .bind(*id)
                        .bind(TicketAction::Serve.from().code())
                        .bind(*at)
                        .fetch_optional(&mut **t)
                        .await)?
                }
                Step::Finish { id, action, at, .. } => {
                    let sql = finish_sql(*action);
                    on_tx!(&mut tx, |t| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                        .bind(*id)
                        .bind(action.from().code())
                        .bind(*at)
                        .bind(action.to().code())
                        .fetch_optional(&mut **t)
                        .await)?
                }
            };
            done.push(row.map(ticket).transpose()?);
        }
        // The visits closed: each contact from its ticket as the update left it.
        let visits: Vec<NewContact> = jobs
            .iter()
            .zip(&done)
            .filter_map(|(job, t)| match (&job.step, t) {
                (Step::Finish { reason, .. }, Some(t)) => Some(ticket_contact(t, *reason)),
                _ => None,
            })
            .collect();
        if !visits.is_empty() {
            let prepared = self.store.prepare(TICKET_SOURCE, &visits).await?;
            self.store
                .ingest_in(&mut tx, TICKET_SOURCE, visits.len(), prepared)
                .await?;
        }
        tx.commit().await?;
        Ok(done)
    }
}
