//! What an ingest updates besides the ledger: the one place where the contacts a transaction
//! writes reach the rollups of every channel. Each path into the ledger calls [`after_ingest`]
//! inside the transaction that writes its contacts, so that no figure below can disagree with
//! the ledger (a crash leaves both or neither); [`rebuild`] recomputes the contacts' rollups from
//! the ledger alone (`canali rebuild-rollups`), and `Calls::rebuild_rollups` (calls.rs) the
//! calls rollups.
//!
//! The paths: `Ledger::ingest` (imports, the simulator, the living demo; large batches go
//! through the bulk paths of bulk.rs and sqlite_bulk.rs), a branch ticket closed (tickets.rs),
//! a request registered from the portal (requests.rs), the queue_log follower
//! (`Calls::ingest`) and pushed CTI calls (`Calls::save_cti`).
//!
//! The effects of the contacts newly written, and where each is read:
//! - `contact_daily` (day, channel, segment, territory, reason): the console dashboard
//!   (`Figures::contacts_by_channel`) and the newest day of the dashboard (`Figures::latest_contact_day`);
//! - `contact_monthly` (month, channel, segment, territory): `Figures::monthly_rollup`, for
//!   the annual report (canali-report) and the import and simulation summaries;
//! - `contact_halfhour` (half hour, channel): `Calls::channel_halfhours`, the arrivals the
//!   call-center staffing plans start from (canali-callcenter, staffing.rs);
//! - `branch_wait_monthly` (month, branch, territory, minutes waited), branch contacts with a
//!   wait: the branch waiting-time KPIs (canali-branches, kpi.rs); its SQL is in
//!   branches_store.rs;
//! - `call_daily`, `call_monthly`, `call_abandon_daily`, `call_abandon_monthly`, call-center
//!   contacts: `Calls::daily` and `Calls::monthly`, the regulator's call-center indicators
//!   (canali-callcenter, kpi.rs); counted from the contacts themselves, or from the caller's
//!   finer facts ([`CallFigures`]); their SQL is in calls.rs.

use crate::Result;
use crate::bulk::Tx;
use crate::calls::CallFact;
use crate::ledger::{FastMap, Prepared, fetch_i64_rows};
use canali_domain::Day;
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

const DAILY_KEYS: &[&str] = &["day", "channel", "segment", "territory", "reason"];
const MONTHLY_KEYS: &[&str] = &["month", "channel", "segment", "territory"];
const HALFHOUR_KEYS: &[&str] = &["slot", "channel"];
const HALFHOUR_MEASURES: &[&str] = &["contacts", "handled", "handle_seconds"];
const MEASURES: &[&str] = &[
    "contacts",
    "waited",
    "wait_seconds",
    "waited_over_2m",
    "waited_over_40m",
    "handled",
    "handle_seconds",
];

/// Call-center waits over this many seconds count in the regulator's "over 2 minutes" figure.
const OVER_2M: i64 = 120;
/// Branch waits over this many seconds count in the "over 40 minutes" figure.
const OVER_40M: i64 = 2_400;

/// Where the call-center rollups of an ingest are counted from.
pub(crate) enum CallFigures {
    /// From the call-center contacts written: every path but the two below.
    FromContacts,
    /// From the caller's own facts, one per contact of the batch in the batch's order (the
    /// queue_log follower, CTI): they tell "left the queue" apart, which the ledger cannot.
    Facts(Vec<CallFact>),
}

/// Adds the contacts just written to every rollup, inside the ledger's transaction.
/// `prepared` holds the batch's contacts (each once), `written[i]` whether this transaction
/// wrote contact `i` of the batch (false: it was in the ledger already).
pub(crate) async fn after_ingest(
    tx: &mut Tx<'_>,
    prepared: &[Prepared<'_>],
    written: &[bool],
    calls: CallFigures,
) -> Result<()> {
    let mut rollup = Rollup::default();
    let mut fresh: Vec<(i32, i64, &crate::NewContact)> = Vec::with_capacity(prepared.len());
    for p in prepared.iter().filter(|p| written[p.index]) {
        rollup.add(
            rollup_key(p),
            &Measures::of(p.contact.wait_seconds, p.contact.handle_seconds),
            p.contact.started_at,
        );
        fresh.push((p.day, p.territory, p.contact));
    }
    rollup.write(tx).await?;
    crate::branches_store::add_branch_waits(tx, &fresh).await?;
    match calls {
        CallFigures::FromContacts => crate::calls::add_ledger_calls(tx, &fresh).await,
        CallFigures::Facts(facts) => {
            let new: Vec<CallFact> = facts
                .into_iter()
                .zip(written)
                .filter_map(|(fact, &new)| new.then_some(fact))
                .collect();
            crate::calls::add_call_facts(tx, &new).await
        }
    }
}

/// Recomputes the contacts' rollups (daily, monthly, half-hour, branch waits) from the raw
/// ledger, inside the caller's transaction. Returns the number of contacts counted.
pub(crate) async fn rebuild(tx: &mut Tx<'_>) -> Result<i64> {
    if let Tx::Postgres(_) = tx {
        // Writers wait until the rebuild commits (SQLite's transaction already excludes them).
        tx.execute(
            "LOCK TABLE contacts, contact_daily, contact_monthly, contact_halfhour, \
             branch_wait_monthly IN EXCLUSIVE MODE",
        )
        .await?;
    }
    tx.execute("DELETE FROM contact_daily").await?;
    tx.execute("DELETE FROM contact_monthly").await?;
    tx.execute("DELETE FROM contact_halfhour").await?;
    tx.execute(&format!(
        "INSERT INTO contact_halfhour (slot, channel, contacts, handled, handle_seconds) \
         SELECT started_at / {HALF_HOUR_MICROS}, channel, COUNT(*), COUNT(handle_seconds), \
                COALESCE(SUM(handle_seconds), 0) \
         FROM contacts GROUP BY started_at / {HALF_HOUR_MICROS}, channel"
    ))
    .await?;
    tx.execute(&format!(
        "INSERT INTO contact_daily ({keys}, {measures}) \
         SELECT {keys}, COUNT(*), COUNT(wait_seconds), COALESCE(SUM(wait_seconds), 0), \
                SUM(CASE WHEN wait_seconds > {OVER_2M} THEN 1 ELSE 0 END), \
                SUM(CASE WHEN wait_seconds > {OVER_40M} THEN 1 ELSE 0 END), \
                COUNT(handle_seconds), COALESCE(SUM(handle_seconds), 0) \
         FROM contacts GROUP BY {keys}",
        keys = DAILY_KEYS.join(", "),
        measures = MEASURES.join(", ")
    ))
    .await?;
    // Months from days: calendar arithmetic is the domain's, not SQL's.
    let sql = format!(
        "SELECT {keys}, {measures} FROM contact_daily",
        keys = DAILY_KEYS.join(", "),
        measures = MEASURES.join(", ")
    );
    let rows = match tx {
        Tx::Sqlite(t) => fetch_i64_rows(
            sqlx::query(AssertSqlSafe(&*sql))
                .fetch_all(&mut **t)
                .await?,
        )?,
        Tx::Postgres(t) => fetch_i64_rows(
            sqlx::query(AssertSqlSafe(&*sql))
                .fetch_all(&mut **t)
                .await?,
        )?,
    };
    let mut monthly: HashMap<[i64; 4], Measures> = HashMap::new();
    let mut total = 0;
    for r in rows {
        let m = Measures {
            contacts: r[5],
            waited: r[6],
            wait_seconds: r[7],
            over_2m: r[8],
            over_40m: r[9],
            handled: r[10],
            handle_seconds: r[11],
        };
        total += m.contacts;
        let month = i64::from(Day(r[0] as i32).month_key());
        monthly
            .entry([month, r[1], r[2], r[3]])
            .or_default()
            .add(&m);
    }
    let mut values = Vec::with_capacity(monthly.len() * 11);
    for (k, m) in &monthly {
        values.extend_from_slice(k);
        m.push(&mut values);
    }
    tx.add_to_rollup("contact_monthly", MONTHLY_KEYS, MEASURES, &values)
        .await?;
    crate::branches_store::rebuild_branch_waits(tx).await?;
    Ok(total)
}

/// The daily rollup's key of a contact.
fn rollup_key(p: &Prepared<'_>) -> [i64; 5] {
    [
        i64::from(p.day),
        p.contact.channel.code(),
        p.segment,
        p.territory,
        p.contact.reason.map_or(0, |r| r.code()),
    ]
}

/// The measures a rollup row adds up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Measures {
    contacts: i64,
    waited: i64,
    wait_seconds: i64,
    over_2m: i64,
    over_40m: i64,
    handled: i64,
    handle_seconds: i64,
}

impl Measures {
    fn of(wait: Option<i64>, handle: Option<i64>) -> Measures {
        let w = wait.unwrap_or(0);
        Measures {
            contacts: 1,
            waited: i64::from(wait.is_some()),
            wait_seconds: w,
            over_2m: i64::from(w > OVER_2M),
            over_40m: i64::from(w > OVER_40M),
            handled: i64::from(handle.is_some()),
            handle_seconds: handle.unwrap_or(0),
        }
    }

    fn add(&mut self, o: &Measures) {
        self.contacts += o.contacts;
        self.waited += o.waited;
        self.wait_seconds += o.wait_seconds;
        self.over_2m += o.over_2m;
        self.over_40m += o.over_40m;
        self.handled += o.handled;
        self.handle_seconds += o.handle_seconds;
    }

    fn push(&self, out: &mut Vec<i64>) {
        out.extend([
            self.contacts,
            self.waited,
            self.wait_seconds,
            self.over_2m,
            self.over_40m,
            self.handled,
            self.handle_seconds,
        ]);
    }
}

/// The length of a `contact_halfhour` slot, in microseconds.
pub(crate) const HALF_HOUR_MICROS: i64 = 1_800_000_000;

/// Daily rollup: (day, channel, segment, territory, reason) -> measures; and the half-hour
/// arrivals: (slot, channel) -> (contacts, handled, handle seconds).
#[derive(Default)]
pub(crate) struct Rollup {
    daily: FastMap<[i64; 5], Measures>,
    halfhour: FastMap<[i64; 2], [i64; 3]>,
}

impl Rollup {
    fn add(&mut self, key: [i64; 5], m: &Measures, started_at: i64) {
        self.daily.entry(key).or_default().add(m);
        let slot = self
            .halfhour
            // Truncating like SQL's integer division, so a rebuild finds the same slots.
            .entry([started_at / HALF_HOUR_MICROS, key[1]])
            .or_default();
        slot[0] += m.contacts;
        slot[1] += m.handled;
        slot[2] += m.handle_seconds;
    }

    /// Adds the rollup to the daily and monthly tables.
    pub(crate) async fn write(&self, tx: &mut Tx<'_>) -> Result<()> {
        let mut daily = Vec::with_capacity(self.daily.len() * 12);
        let mut monthly: HashMap<[i64; 4], Measures> = HashMap::new();
        let mut month_of: HashMap<i64, i64> = HashMap::new();
        for (k, m) in &self.daily {
            daily.extend_from_slice(k);
            m.push(&mut daily);
            let month = *month_of
                .entry(k[0])
                .or_insert_with(|| i64::from(Day(k[0] as i32).month_key()));
            monthly.entry([month, k[1], k[2], k[3]]).or_default().add(m);
        }
        tx.add_to_rollup("contact_daily", DAILY_KEYS, MEASURES, &daily)
            .await?;
        let mut rows = Vec::with_capacity(monthly.len() * 11);
        for (k, m) in &monthly {
            rows.extend_from_slice(k);
            m.push(&mut rows);
        }
        tx.add_to_rollup("contact_monthly", MONTHLY_KEYS, MEASURES, &rows)
            .await?;
        let halfhour: Vec<i64> = self
            .halfhour
            .iter()
            .flat_map(|(k, v)| [k[0], k[1], v[0], v[1], v[2]])
            .collect();
        tx.add_to_rollup(
            "contact_halfhour",
            HALFHOUR_KEYS,
            HALFHOUR_MEASURES,
            &halfhour,
        )
        .await
    }
}
