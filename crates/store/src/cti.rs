//! Calls pushed by a telephone system as events (`POST /api/v1/calls/events`): each call entry
//! in flight is a row of `cti_calls`, so that it survives a restart and is seen by every server
//! process. An event is written only if the row is still at the version it was read at
//! (compare-and-swap), in the same transaction as the ended call's contact and the calls rollup:
//! two servers taking the same event apply it once, and a call is counted once.
//!
//! Rows stay for [`KEEP_MICROS`] after their last event, so that a repeated event is recognised
//! as such; `canali_callcenter::cti` prunes older ones.

use crate::bulk::Tx;
use crate::calls::{CallFact, Calls};
use crate::db::on_db;
use crate::rollups::CallFigures;
use crate::{IngestOutcome, NewContact, Result};

/// How long a pushed call entry is kept after its last event.
pub const KEEP_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

/// A pushed call entry: one per (source, callId, queue).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CtiCall {
    pub source: String,
    pub call_id: String,
    pub queue: String,
    /// The events taken, space-separated in order: `newCall answer hangup`.
    pub events: String,
    /// The call assembler's open entry (JSON) while in flight; empty once ended.
    pub open_call: String,
    /// The agent who answered.
    pub agent: Option<String>,
    /// Microseconds, as the events' times say.
    pub entered_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// 1 for a new entry, one more for each event after.
    pub version: i64,
    /// When the last event was written (the server's clock), microseconds.
    pub updated_at: i64,
}

impl CtiCall {
    /// Whether the entry took `event` already.
    pub fn has(&self, event: &str) -> bool {
        self.events.split(' ').any(|e| e == event)
    }
}

const COLUMNS: &str = "source, call_id, queue, events, open_call, agent, entered_at, \
                       answered_at, ended_at, version, updated_at";

impl Calls<'_> {
    /// The entries of one pushed call (one per queue it entered), oldest entry first.
    pub async fn cti(self, source: &str, call_id: &str) -> Result<Vec<CtiCall>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM cti_calls WHERE source = $1 AND call_id = $2 \
             ORDER BY entered_at, queue"
        );
        let rows: Vec<CtiCall> = on_db!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
            &*sql
        ))
        .bind(source)
        .bind(call_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// The pushed entries still in flight, and those with an event since `since`
    /// (microseconds), of every source: what the wallboard shows.
    pub async fn cti_live(self, since: i64) -> Result<Vec<CtiCall>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM cti_calls WHERE ended_at IS NULL OR updated_at >= $1 \
             ORDER BY entered_at, call_id, queue"
        );
        let rows: Vec<CtiCall> = on_db!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
            &*sql
        ))
        .bind(since)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Writes a pushed entry at `call.version` if the stored one is still at the version
    /// before (none for version 1), with the contacts of the calls that ended and their
    /// rollup facts, in one transaction. `None` when another writer got there first: nothing
    /// was written; read again and retry.
    pub async fn save_cti(
        self,
        call: &CtiCall,
        contacts: &[NewContact],
        facts: Vec<CallFact>,
    ) -> Result<Option<IngestOutcome>> {
        let prepared = self.store.prepare(&call.source, contacts).await?;
        let mut tx = Tx::begin(&self.store.db).await?;
        let changed = if call.version <= 1 {
            let sql = format!(
                "INSERT INTO cti_calls ({COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (source, call_id, queue) DO NOTHING"
            );
            on_tx(&mut tx, &sql, call, None).await?
        } else {
            let sql = "UPDATE cti_calls SET events = $4, open_call = $5, agent = $6, \
                       entered_at = $7, answered_at = $8, ended_at = $9, version = $10, \
                       updated_at = $11 \
                       WHERE source = $1 AND call_id = $2 AND queue = $3 AND version = $12";
            on_tx(&mut tx, sql, call, Some(call.version - 1)).await?
        };
        if changed != 1 {
            // Dropping the transaction rolls it back.
            return Ok(None);
        }
        let (outcome, _) = self
            .store
            .ingest_in_with(
                &mut tx,
                &call.source,
                contacts.len(),
                prepared,
                CallFigures::Facts(facts),
            )
            .await?;
        tx.commit().await?;
        Ok(Some(outcome))
    }

    /// Forgets the pushed entries whose last event was before `before` (microseconds).
    pub async fn prune_cti(self, before: i64) -> Result<u64> {
        let sql = "DELETE FROM cti_calls WHERE updated_at < $1";
        let n = on_db!(&self.store.db, |p| sqlx::query(sql)
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n)
    }
}

/// Runs the insert or the compare-and-swap update of `call`; the rows it changed.
async fn on_tx(tx: &mut Tx<'_>, sql: &str, call: &CtiCall, expected: Option<i64>) -> Result<u64> {
    macro_rules! run {
        ($t:ident) => {{
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&call.source)
                .bind(&call.call_id)
                .bind(&call.queue)
                .bind(&call.events)
                .bind(&call.open_call)
                .bind(&call.agent)
                .bind(call.entered_at)
                .bind(call.answered_at)
                .bind(call.ended_at)
                .bind(call.version)
                .bind(call.updated_at);
            if let Some(v) = expected {
                q = q.bind(v);
            }
            q.execute(&mut **$t).await?.rows_affected()
        }};
    }
    Ok(match tx {
        Tx::Sqlite(t) => run!(t),
        Tx::Postgres(t) => run!(t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::CallEnd;
    use crate::testing::fresh_stores;
    use canali_domain::{Channel, Day, Outcome};

    fn entry(version: i64, events: &str) -> CtiCall {
        CtiCall {
            source: "cti".into(),
            call_id: "c1".into(),
            queue: "600".into(),
            events: events.into(),
            open_call: "{}".into(),
            agent: None,
            entered_at: 1_300_000_000_000_000,
            answered_at: None,
            ended_at: None,
            version,
            updated_at: 1_300_000_000_000_000,
        }
    }

    #[tokio::test]
    async fn an_event_is_written_once_and_its_call_counted_once() {
        for ts in fresh_stores().await.unwrap() {
            let s = &ts.store;
            let first = entry(1, "newCall");
            assert!(
                s.calls()
                    .save_cti(&first, &[], vec![])
                    .await
                    .unwrap()
                    .is_some()
            );
            // A second writer of the same new entry loses.
            assert!(
                s.calls()
                    .save_cti(&first, &[], vec![])
                    .await
                    .unwrap()
                    .is_none()
            );
            let mut ended = entry(2, "newCall hangup");
            ended.open_call.clear();
            ended.ended_at = Some(ended.entered_at + 40_000_000);
            let contact = NewContact {
                external_id: "c1/600/1300000000".into(),
                channel: Channel::CallCenterResidential,
                started_at: ended.entered_at,
                ended_at: ended.ended_at,
                segment: None,
                customer: None,
                territory: None,
                wait_seconds: Some(40),
                handle_seconds: None,
                reason: None,
                outcome: Some(Outcome::Abandoned),
                branch: None,
                line: Some("residential".into()),
                agent: None,
            };
            let fact = CallFact {
                channel: Channel::CallCenterResidential,
                started_at: ended.entered_at,
                end: CallEnd::Abandoned,
                wait_seconds: 40,
                talk_seconds: 0,
            };
            let out = s
                .calls()
                .save_cti(&ended, std::slice::from_ref(&contact), vec![fact.clone()])
                .await
                .unwrap()
                .expect("first writer");
            assert_eq!(out.inserted, 1, "{}", ts.name);
            // The same event written again from the version it read: refused, nothing counted.
            assert!(
                s.calls()
                    .save_cti(&ended, &[contact], vec![fact])
                    .await
                    .unwrap()
                    .is_none()
            );
            let day = Day::of_micros(ended.entered_at);
            let rows = s.calls().daily(None, day, day).await.unwrap();
            assert_eq!(rows.len(), 1);
            assert_eq!(
                (rows[0].totals.offered, rows[0].totals.abandoned),
                (1, 1),
                "{}",
                ts.name
            );
            let got = s.calls().cti("cti", "c1").await.unwrap();
            assert_eq!(got.len(), 1);
            assert!(got[0].has("hangup") && !got[0].has("answer"));
            assert_eq!(got[0].version, 2);
            assert!(s.calls().cti_live(i64::MAX).await.unwrap().is_empty());
            assert_eq!(
                s.calls().cti_live(ended.updated_at).await.unwrap().len(),
                1,
                "{}",
                ts.name
            );
            assert_eq!(s.calls().prune_cti(ended.updated_at + 1).await.unwrap(), 1);
            assert!(s.calls().cti("cti", "c1").await.unwrap().is_empty());
        }
    }
}
