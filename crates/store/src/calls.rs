//! The call centers: a small calls rollup per day and per month and line (what the regulator's
//! indicators need, plus a histogram of abandoned calls' waits), the queue_log follower's state,
//! and the arrivals of one line over a period for staffing plans.
//!
//! The rollup is written together with the follower's state in one transaction, after the calls
//! went into the ledger through [`Ledger::ingest`](crate::Ledger::ingest): a follower killed at any point
//! resumes from the last state committed, the ledger skips the contacts it already holds, and
//! the rollup counts every call once.

use crate::bulk::Tx;
use crate::db::on_db;
use crate::ledger::FastMap;
use crate::rollups::CallFigures;
use crate::{IngestOutcome, NewContact};
use crate::{Result, Store, StoreError};
use canali_domain::{Channel, Day};
use std::collections::HashMap;

/// Abandoned calls waiting this many seconds or more share the histogram's last bucket.
pub const ABANDON_WAIT_CAP: i64 = 300;
/// The regulator's "calls waiting over 2 minutes".
pub const OVER_2M: i64 = 120;

/// How a call's stay in a queue ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEnd {
    /// Reached an operator and ended there.
    Answered,
    /// Reached an operator, who transferred it.
    Transferred,
    /// The caller hung up while waiting.
    Abandoned,
    /// The queue's maximum wait expired.
    TimedOut,
    /// Left the queue otherwise: no agents (EXITEMPTY) or a key pressed (EXITWITHKEY).
    Left,
}

/// One call entry, as the calls rollup counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFact {
    pub channel: Channel,
    /// When the caller asked for an operator (entered the queue), microseconds.
    pub started_at: i64,
    pub end: CallEnd,
    pub wait_seconds: i64,
    pub talk_seconds: i64,
}

/// The sums of a period's calls on one line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallTotals {
    pub offered: i64,
    /// Calls that reached an operator (transferred ones included).
    pub answered: i64,
    pub transferred: i64,
    pub abandoned: i64,
    pub timed_out: i64,
    pub left_queue: i64,
    /// Waits of every call: to the operator, or to the hang-up or exit.
    pub wait_seconds: i64,
    pub answered_wait_seconds: i64,
    pub talk_seconds: i64,
    pub waited_over_2m: i64,
}

const MEASURES: &[&str] = &[
    "offered",
    "answered",
    "transferred",
    "abandoned",
    "timed_out",
    "left_queue",
    "wait_seconds",
    "answered_wait_seconds",
    "talk_seconds",
    "waited_over_2m",
];

impl CallTotals {
    pub fn of(f: &CallFact) -> CallTotals {
        let answered = matches!(f.end, CallEnd::Answered | CallEnd::Transferred);
        CallTotals {
            offered: 1,
            answered: i64::from(answered),
            transferred: i64::from(f.end == CallEnd::Transferred),
            abandoned: i64::from(f.end == CallEnd::Abandoned),
            timed_out: i64::from(f.end == CallEnd::TimedOut),
            left_queue: i64::from(f.end == CallEnd::Left),
            wait_seconds: f.wait_seconds,
            answered_wait_seconds: if answered { f.wait_seconds } else { 0 },
            talk_seconds: if answered { f.talk_seconds } else { 0 },
            waited_over_2m: i64::from(f.wait_seconds > OVER_2M),
        }
    }

    pub fn add(&mut self, o: &CallTotals) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.transferred += o.transferred;
        self.abandoned += o.abandoned;
        self.timed_out += o.timed_out;
        self.left_queue += o.left_queue;
        self.wait_seconds += o.wait_seconds;
        self.answered_wait_seconds += o.answered_wait_seconds;
        self.talk_seconds += o.talk_seconds;
        self.waited_over_2m += o.waited_over_2m;
    }

    fn push(&self, out: &mut Vec<i64>) {
        out.extend([
            self.offered,
            self.answered,
            self.transferred,
            self.abandoned,
            self.timed_out,
            self.left_queue,
            self.wait_seconds,
            self.answered_wait_seconds,
            self.talk_seconds,
            self.waited_over_2m,
        ]);
    }

    fn from_row(r: &[i64]) -> CallTotals {
        CallTotals {
            offered: r[0],
            answered: r[1],
            transferred: r[2],
            abandoned: r[3],
            timed_out: r[4],
            left_queue: r[5],
            wait_seconds: r[6],
            answered_wait_seconds: r[7],
            talk_seconds: r[8],
            waited_over_2m: r[9],
        }
    }
}

/// A period's calls on one line: the totals and the abandoned calls by seconds waited.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallPeriod {
    /// A day number (daily rows) or a month key like 201103 (monthly rows).
    pub period: i32,
    pub channel: Channel,
    pub totals: CallTotals,
    /// `(seconds waited, calls)`, seconds capped at [`ABANDON_WAIT_CAP`].
    pub abandon_waits: Vec<(i64, i64)>,
}

/// Where a queue_log follower stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowState {
    pub source: String,
    pub path: String,
    /// A hash of the file's first line: the file's identity across renames.
    pub identity: String,
    pub device: i64,
    pub inode: i64,
    /// Byte offset just after the last line whose calls are committed.
    pub offset: i64,
    /// Lines read up to `offset`.
    pub line_no: i64,
    /// The calls still open at `offset`, serialised by the follower.
    pub open_calls: String,
    /// The agents logged in and paused at `offset`, serialised by the follower ('' for none).
    pub agents: String,
}

/// Runs the same body on the transaction of either backend.
macro_rules! on_tx {
    ($tx:expr, |$t:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

/// A row of `call_follow`, as [`FollowState`] is read from it.
#[derive(sqlx::FromRow)]
struct FollowRow {
    path: String,
    identity: String,
    device: i64,
    inode: i64,
    byte_offset: i64,
    line_no: i64,
    open_calls: String,
    agents: String,
}

type TotalsRow = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

/// The call centers: calls from the queue_log follower and from CTI, their rollups, the
/// arrivals per half hour, and the occupancy of the lines (cti.rs, occupancy.rs).
#[derive(Clone, Copy)]
pub struct Calls<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    /// See [`Calls`].
    pub fn calls(&self) -> Calls<'_> {
        Calls { store: self }
    }
}

/// What a queue_log follower saved last: its source, the calls still open (the follower's JSON)
/// and when it committed (microseconds); the call centers' wallboard reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FollowerSnapshot {
    pub source: String,
    pub open_calls: String,
    /// The agents logged in and paused (the follower's JSON, '' for none).
    pub agents: String,
    pub updated_at: i64,
}

impl Calls<'_> {
    /// Every queue_log follower's last saved state, by source.
    pub async fn follower_snapshots(self) -> Result<Vec<FollowerSnapshot>> {
        Ok(on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT source, open_calls, agents, updated_at FROM call_follow ORDER BY source"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Writes calls to the ledger and the calls rollup, with the follower's state, in one
    /// transaction: the rollup counts exactly the calls the ledger took, so neither a crash
    /// between the two nor a file read again can make them disagree.
    pub async fn ingest(
        self,
        source: &str,
        contacts: &[NewContact],
        facts: Vec<CallFact>,
        state: Option<&FollowState>,
    ) -> Result<IngestOutcome> {
        let prepared = self.store.prepare(source, contacts).await?;
        let mut tx = Tx::begin(&self.store.db).await?;
        // The calls rollup counts these facts, which tell "left the queue" apart.
        let (outcome, _) = self
            .store
            .ingest_in_with(
                &mut tx,
                source,
                contacts.len(),
                prepared,
                CallFigures::Facts(facts),
            )
            .await?;
        if let Some(s) = state {
            save_state(&mut tx, s).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The state a follower of `source` saved last, if any.
    pub async fn follow_state(self, source: &str) -> Result<Option<FollowState>> {
        let sql = "SELECT path, identity, device, inode, byte_offset, line_no, open_calls, agents \
                   FROM call_follow WHERE source = $1";
        let row: Option<FollowRow> = on_db!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(source)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|r| FollowState {
            source: source.to_string(),
            path: r.path,
            identity: r.identity,
            device: r.device,
            inode: r.inode,
            offset: r.byte_offset,
            line_no: r.line_no,
            open_calls: r.open_calls,
            agents: r.agents,
        }))
    }

    /// Monthly calls of `from <= month <= to` (keys like 201103), of one line or both.
    pub async fn monthly(
        self,
        channel: Option<Channel>,
        from: i32,
        to: i32,
    ) -> Result<Vec<CallPeriod>> {
        self.call_periods(
            "call_monthly",
            "call_abandon_monthly",
            "month",
            channel,
            from,
            to,
        )
        .await
    }

    /// Daily calls of `from <= day <= to`, of one line or both.
    pub async fn daily(
        self,
        channel: Option<Channel>,
        from: Day,
        to: Day,
    ) -> Result<Vec<CallPeriod>> {
        self.call_periods(
            "call_daily",
            "call_abandon_daily",
            "day",
            channel,
            from.0,
            to.0,
        )
        .await
    }

    async fn call_periods(
        self,
        table: &str,
        histogram: &str,
        key: &str,
        channel: Option<Channel>,
        from: i32,
        to: i32,
    ) -> Result<Vec<CallPeriod>> {
        let channel_code = channel.map_or(0, |c| c.code());
        let sql = format!(
            "SELECT {key}, channel, {} FROM {table} WHERE {key} >= $1 AND {key} <= $2 \
             AND ($3 = 0 OR channel = $3) ORDER BY {key}, channel",
            MEASURES.join(", ")
        );
        let rows: Vec<TotalsRow> = on_db!(&self.store.db, |p| sqlx::query_as(
            sqlx::AssertSqlSafe(&*sql)
        )
        .bind(i64::from(from))
        .bind(i64::from(to))
        .bind(channel_code)
        .fetch_all(p)
        .await)?;
        let sql = format!(
            "SELECT {key}, channel, wait, calls FROM {histogram} WHERE {key} >= $1 AND {key} <= $2 \
             AND ($3 = 0 OR channel = $3) ORDER BY {key}, channel, wait"
        );
        let waits: Vec<(i64, i64, i64, i64)> = on_db!(&self.store.db, |p| sqlx::query_as(
            sqlx::AssertSqlSafe(&*sql)
        )
        .bind(i64::from(from))
        .bind(i64::from(to))
        .bind(channel_code)
        .fetch_all(p)
        .await)?;
        let mut by_key: HashMap<(i64, i64), Vec<(i64, i64)>> = HashMap::new();
        for (period, ch, wait, calls) in waits {
            by_key.entry((period, ch)).or_default().push((wait, calls));
        }
        rows.into_iter()
            .map(|r| {
                let channel = Channel::from_code(r.1).ok_or_else(|| {
                    StoreError::Corrupt(format!("unknown channel code {} in {table}", r.1))
                })?;
                let m = [r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11];
                Ok(CallPeriod {
                    period: r.0 as i32,
                    channel,
                    totals: CallTotals::from_row(&m),
                    abandon_waits: by_key.remove(&(r.0, r.1)).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Recomputes the calls rollups from the ledger's call-center contacts, whatever their
    /// source (the queue_log import, the simulator, `import contacts`). The ledger has no "left
    /// the queue" outcome: such calls count as timed out here. Returns the calls counted.
    pub async fn rebuild_rollups(self) -> Result<i64> {
        use canali_domain::Outcome;
        let (ab, to, tr, no_show) = (
            Outcome::Abandoned.code(),
            Outcome::TimedOut.code(),
            Outcome::Transferred.code(),
            Outcome::NoShow.code(),
        );
        let calls = format!(
            "channel IN ({}, {})",
            Channel::CallCenterResidential.code(),
            Channel::CallCenterBusiness.code()
        );
        let answered = format!("outcome NOT IN ({ab}, {to}, {no_show})");
        let mut tx = Tx::begin(&self.store.db).await?;
        for t in [
            "call_daily",
            "call_monthly",
            "call_abandon_daily",
            "call_abandon_monthly",
        ] {
            tx.execute(&format!("DELETE FROM {t}")).await?;
        }
        tx.execute(&format!(
            "INSERT INTO call_daily (day, channel, {measures}) \
             SELECT day, channel, COUNT(*), \
               SUM(CASE WHEN {answered} THEN 1 ELSE 0 END), \
               SUM(CASE WHEN outcome = {tr} THEN 1 ELSE 0 END), \
               SUM(CASE WHEN outcome = {ab} THEN 1 ELSE 0 END), \
               SUM(CASE WHEN outcome = {to} THEN 1 ELSE 0 END), \
               0, \
               COALESCE(SUM(wait_seconds), 0), \
               SUM(CASE WHEN {answered} THEN COALESCE(wait_seconds, 0) ELSE 0 END), \
               SUM(CASE WHEN {answered} THEN COALESCE(handle_seconds, 0) ELSE 0 END), \
               SUM(CASE WHEN wait_seconds > {OVER_2M} THEN 1 ELSE 0 END) \
             FROM contacts WHERE {calls} GROUP BY day, channel",
            measures = MEASURES.join(", ")
        ))
        .await?;
        tx.execute(&format!(
            "INSERT INTO call_abandon_daily (day, channel, wait, calls) \
             SELECT day, channel, w, COUNT(*) FROM (SELECT day, channel, \
               CASE WHEN COALESCE(wait_seconds, 0) >= {ABANDON_WAIT_CAP} THEN {ABANDON_WAIT_CAP} \
                    WHEN COALESCE(wait_seconds, 0) < 0 THEN 0 ELSE COALESCE(wait_seconds, 0) END AS w \
               FROM contacts WHERE {calls} AND outcome = {ab}) AS a GROUP BY day, channel, w"
        ))
        .await?;
        let sql = format!(
            "SELECT day, channel, {} FROM call_daily",
            MEASURES.join(", ")
        );
        let daily = on_tx!(&mut tx, |t| crate::ledger::fetch_i64_rows(
            sqlx::query(sqlx::AssertSqlSafe(&*sql))
                .fetch_all(&mut **t)
                .await?
        ))?;
        let sql = "SELECT day, channel, wait, calls FROM call_abandon_daily";
        let waits = on_tx!(&mut tx, |t| crate::ledger::fetch_i64_rows(
            sqlx::query(sql).fetch_all(&mut **t).await?
        ))?;
        let mut monthly: HashMap<[i64; 2], CallTotals> = HashMap::new();
        let mut counted = 0;
        for r in &daily {
            let t = CallTotals::from_row(&r[2..]);
            counted += t.offered;
            let month = i64::from(Day(r[0] as i32).month_key());
            monthly.entry([month, r[1]]).or_default().add(&t);
        }
        let mut rows = Vec::new();
        for (k, t) in &monthly {
            rows.extend_from_slice(k);
            t.push(&mut rows);
        }
        tx.add_to_rollup("call_monthly", &["month", "channel"], MEASURES, &rows)
            .await?;
        let mut hist: HashMap<[i64; 3], i64> = HashMap::new();
        for r in &waits {
            let month = i64::from(Day(r[0] as i32).month_key());
            *hist.entry([month, r[1], r[2]]).or_default() += r[3];
        }
        let rows: Vec<i64> = hist
            .iter()
            .flat_map(|(k, n)| [k[0], k[1], k[2], *n])
            .collect();
        tx.add_to_rollup(
            "call_abandon_monthly",
            &["month", "channel", "wait"],
            &["calls"],
            &rows,
        )
        .await?;
        tx.commit().await?;
        Ok(counted)
    }

    /// The contacts of one channel per half hour in `[from, to)` (microseconds), from the
    /// half-hour rollup: `(slot start in microseconds, contacts, handled, handle seconds)`.
    pub async fn channel_halfhours(
        self,
        channel: Channel,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64, i64, i64)>> {
        let sql = "SELECT slot, contacts, handled, handle_seconds FROM contact_halfhour \
                   WHERE channel = $1 AND slot >= $2 AND slot < $3 ORDER BY slot";
        let step = crate::rollups::HALF_HOUR_MICROS;
        let rows: Vec<(i64, i64, i64, i64)> = on_db!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(channel.code())
            .bind(from / step)
            .bind(to / step)
            .fetch_all(p)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(slot, n, handled, handle)| (slot * step, n, handled, handle))
            .collect())
    }
}

/// The calls rollup's figures of a call-center contact of the ledger, counted exactly as
/// [`Calls::rebuild_rollups`] counts it: outcome abandoned, timed out and no-show are not
/// answered, every other outcome (none included) is; the abandoned wait, if abandoned.
fn ledger_call(c: &NewContact) -> (CallTotals, Option<i64>) {
    use canali_domain::Outcome;
    let outcome = c.outcome;
    let answered = !matches!(
        outcome,
        Some(Outcome::Abandoned | Outcome::TimedOut | Outcome::NoShow)
    );
    let wait = c.wait_seconds.unwrap_or(0);
    let totals = CallTotals {
        offered: 1,
        answered: i64::from(answered),
        transferred: i64::from(outcome == Some(Outcome::Transferred)),
        abandoned: i64::from(outcome == Some(Outcome::Abandoned)),
        timed_out: i64::from(outcome == Some(Outcome::TimedOut)),
        left_queue: 0,
        wait_seconds: wait,
        answered_wait_seconds: if answered { wait } else { 0 },
        talk_seconds: if answered {
            c.handle_seconds.unwrap_or(0)
        } else {
            0
        },
        waited_over_2m: i64::from(c.wait_seconds.is_some_and(|w| w > OVER_2M)),
    };
    let abandoned = (outcome == Some(Outcome::Abandoned)).then(|| wait.clamp(0, ABANDON_WAIT_CAP));
    (totals, abandoned)
}

/// Adds the call-center contacts just written to the ledger (`(day, territory, contact)`) to
/// the calls rollups, inside the ledger's transaction: every path into the ledger (the
/// simulator, `import contacts`) keeps `kpi call-center` in step, not only the queue_log.
pub(crate) async fn add_ledger_calls(
    tx: &mut Tx<'_>,
    written: &[(i32, i64, &NewContact)],
) -> Result<()> {
    let mut daily: FastMap<[i64; 2], CallTotals> = FastMap::default();
    let mut abandons: FastMap<[i64; 3], i64> = FastMap::default();
    for (day, _, c) in written.iter().filter(|w| w.2.channel.is_call_center()) {
        let key = [i64::from(*day), c.channel.code()];
        let (totals, abandoned) = ledger_call(c);
        daily.entry(key).or_default().add(&totals);
        if let Some(w) = abandoned {
            *abandons.entry([key[0], key[1], w]).or_default() += 1;
        }
    }
    if daily.is_empty() {
        return Ok(());
    }
    write_rollups(tx, &daily, &abandons).await
}

/// Adds calls to the calls rollups, inside `tx` (from `rollups::after_ingest`).
pub(crate) async fn add_call_facts(tx: &mut Tx<'_>, facts: &[CallFact]) -> Result<()> {
    let mut daily: FastMap<[i64; 2], CallTotals> = FastMap::default();
    let mut abandons: FastMap<[i64; 3], i64> = FastMap::default();
    let mut days = crate::ledger::DayCache::default();
    for f in facts {
        let day = days.day_of(f.started_at);
        let key = [i64::from(day), f.channel.code()];
        daily.entry(key).or_default().add(&CallTotals::of(f));
        if f.end == CallEnd::Abandoned {
            let w = f.wait_seconds.clamp(0, ABANDON_WAIT_CAP);
            *abandons.entry([key[0], key[1], w]).or_default() += 1;
        }
    }
    write_rollups(tx, &daily, &abandons).await
}

/// Adds daily totals (`[day, channel]`) and abandoned waits (`[day, channel, seconds]`) to the
/// daily and monthly calls rollups.
async fn write_rollups(
    tx: &mut Tx<'_>,
    daily: &FastMap<[i64; 2], CallTotals>,
    abandons: &FastMap<[i64; 3], i64>,
) -> Result<()> {
    let mut monthly: HashMap<[i64; 2], CallTotals> = HashMap::new();
    let mut rows = Vec::new();
    for (k, t) in daily {
        rows.extend_from_slice(k);
        t.push(&mut rows);
        let month = i64::from(Day(k[0] as i32).month_key());
        monthly.entry([month, k[1]]).or_default().add(t);
    }
    let mut month_rows = Vec::new();
    for (k, t) in &monthly {
        month_rows.extend_from_slice(k);
        t.push(&mut month_rows);
    }
    let mut abandon_daily = Vec::new();
    let mut abandon_monthly: HashMap<[i64; 3], i64> = HashMap::new();
    for (k, n) in abandons {
        abandon_daily.extend_from_slice(&[k[0], k[1], k[2], *n]);
        let month = i64::from(Day(k[0] as i32).month_key());
        *abandon_monthly.entry([month, k[1], k[2]]).or_default() += n;
    }
    let abandon_monthly: Vec<i64> = abandon_monthly
        .iter()
        .flat_map(|(k, n)| [k[0], k[1], k[2], *n])
        .collect();

    tx.add_to_rollup("call_daily", &["day", "channel"], MEASURES, &rows)
        .await?;
    tx.add_to_rollup("call_monthly", &["month", "channel"], MEASURES, &month_rows)
        .await?;
    tx.add_to_rollup(
        "call_abandon_daily",
        &["day", "channel", "wait"],
        &["calls"],
        &abandon_daily,
    )
    .await?;
    tx.add_to_rollup(
        "call_abandon_monthly",
        &["month", "channel", "wait"],
        &["calls"],
        &abandon_monthly,
    )
    .await
}

/// Saves a follower's state, inside `tx`.
async fn save_state(tx: &mut Tx<'_>, s: &FollowState) -> Result<()> {
    {
        let sql = "INSERT INTO call_follow (source, path, identity, device, inode, byte_offset, \
                   line_no, open_calls, agents, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                   ON CONFLICT (source) DO UPDATE SET path = excluded.path, \
                   identity = excluded.identity, device = excluded.device, inode = excluded.inode, \
                   byte_offset = excluded.byte_offset, line_no = excluded.line_no, \
                   open_calls = excluded.open_calls, agents = excluded.agents, \
                   updated_at = excluded.updated_at";
        let now = jiff::Timestamp::now().as_microsecond();
        on_tx!(&mut *tx, |t| sqlx::query(sql)
            .bind(&s.source)
            .bind(&s.path)
            .bind(&s.identity)
            .bind(s.device)
            .bind(s.inode)
            .bind(s.offset)
            .bind(s.line_no)
            .bind(&s.open_calls)
            .bind(&s.agents)
            .bind(now)
            .execute(&mut **t)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}
