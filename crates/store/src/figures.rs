//! Readers of the rollups and registries for reports: every query here reads a table whose size
//! depends on the calendar and the network, never on the number of contacts or bills.

use crate::db::on_db;
use crate::{
    BillsByDelivery, Branch, BranchEvent, EbillSwitches, MonthlyRollup, Result, Sot, Store,
    StoreError,
};
use canali_domain::network::{BranchEventKind, BranchKind, Delivery, EbillPath, Host, Operator};
use canali_domain::{Channel, Day, Segment};
use sqlx::AssertSqlSafe;

fn code<T>(what: &str, value: i64, parse: fn(i64) -> Option<T>) -> Result<T> {
    parse(value)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown {what} code {value} in the database")))
}

#[derive(sqlx::FromRow)]
struct MonthlyRow {
    month: i64,
    channel: i64,
    segment: i64,
    territory: i64,
    contacts: i64,
    waited: i64,
    wait_seconds: i64,
    waited_over_2m: i64,
    waited_over_40m: i64,
    handled: i64,
    handle_seconds: i64,
}

#[derive(sqlx::FromRow)]
struct BranchRow {
    code: String,
    name: String,
    municipality: String,
    address: String,
    sot: i64,
    kind: i64,
    operator: i64,
    contractor: Option<String>,
    host: i64,
    host_name: Option<String>,
    counters: i64,
    hours: String,
    schedule_template: Option<String>,
    latitude: f64,
    longitude: f64,
}

/// The figures that reports and dashboards read: the rollups, and the registries they are
/// broken down by. Every query reads a table whose size depends on the calendar and the
/// network, never on the number of contacts or bills (the benchmark baseline aside).
#[derive(Clone, Copy)]
pub struct Figures<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    /// See [`Figures`].
    pub fn figures(&self) -> Figures<'_> {
        Figures { store: self }
    }
}

impl Figures<'_> {
    /// The latest day with contacts in the daily rollup, `None` when the ledger is empty. Reads
    /// the rollup's primary key only (its first column is the day); the supervisor's dashboard
    /// shows that year's report.
    pub async fn latest_contact_day(self) -> Result<Option<Day>> {
        let day: Option<i64> = on_db!(&self.store.db, |p| sqlx::query_scalar(
            "SELECT MAX(day) FROM contact_daily"
        )
        .fetch_one(p)
        .await)?;
        Ok(day.and_then(|d| i32::try_from(d).ok()).map(Day))
    }

    /// Monthly rollup rows with `from <= month <= to` (month keys like 201101).
    pub async fn monthly_rollup(self, from: i32, to: i32) -> Result<Vec<MonthlyRollup>> {
        let sql = "SELECT month, channel, segment, territory, contacts, waited, wait_seconds, \
                   waited_over_2m, waited_over_40m, handled, handle_seconds \
                   FROM contact_monthly WHERE month >= $1 AND month <= $2 \
                   ORDER BY month, channel, segment, territory";
        let rows: Vec<MonthlyRow> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql))
            .bind(i64::from(from))
            .bind(i64::from(to))
            .fetch_all(p)
            .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(MonthlyRollup {
                    month: r.month as i32,
                    channel: code("channel", r.channel, Channel::from_code)?,
                    segment: Segment::from_code(r.segment),
                    territory: r.territory,
                    contacts: r.contacts,
                    waited: r.waited,
                    wait_seconds: r.wait_seconds,
                    waited_over_2m: r.waited_over_2m,
                    waited_over_40m: r.waited_over_40m,
                    handled: r.handled,
                    handle_seconds: r.handle_seconds,
                })
            })
            .collect()
    }

    async fn scalar(self, sql: &str, day: Day) -> Result<i64> {
        let n: i64 = on_db!(&self.store.db, |p| sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(i64::from(day.0))
            .fetch_one(p)
            .await)?;
        Ok(n)
    }

    /// Online-branch accounts registered on or before `day`.
    pub async fn portal_accounts_at(self, day: Day) -> Result<i64> {
        self.scalar("SELECT CAST(COALESCE(SUM(registrations), 0) AS BIGINT) FROM portal_daily WHERE day <= $1", day)
            .await
    }

    /// Customers on the e-bill at the end of `day`.
    pub async fn ebill_customers_at(self, day: Day) -> Result<i64> {
        self.scalar(
            "SELECT CAST(COALESCE(SUM(enrolled - withdrawn), 0) AS BIGINT) FROM ebill_daily WHERE day <= $1",
            day,
        )
        .await
    }

    /// Switches to and from the e-bill with `from <= day <= to`, by path.
    pub async fn ebill_switches(self, from: Day, to: Day) -> Result<Vec<EbillSwitches>> {
        let sql = "SELECT path, CAST(SUM(enrolled) AS BIGINT), CAST(SUM(withdrawn) AS BIGINT) FROM ebill_daily \
                   WHERE day >= $1 AND day <= $2 GROUP BY path ORDER BY path";
        let rows: Vec<(i64, i64, i64)> =
            on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql))
                .bind(i64::from(from.0))
                .bind(i64::from(to.0))
                .fetch_all(p)
                .await)?;
        rows.into_iter()
            .map(|(path, enrolled, withdrawn)| {
                Ok(EbillSwitches {
                    path: code("e-bill path", path, EbillPath::from_code)?,
                    enrolled,
                    withdrawn,
                })
            })
            .collect()
    }

    /// Bills issued in the months from `from`'s to `to`'s, by delivery (from the bill rollup,
    /// which counts by month).
    pub async fn bills_by_delivery(self, from: Day, to: Day) -> Result<Vec<BillsByDelivery>> {
        let sql = "SELECT delivery, CAST(SUM(bills) AS BIGINT), CAST(SUM(sheets) AS BIGINT) FROM bill_monthly \
                   WHERE month >= $1 AND month <= $2 GROUP BY delivery ORDER BY delivery";
        let rows: Vec<(i64, i64, i64)> =
            on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql))
                .bind(i64::from(from.month_key()))
                .bind(i64::from(to.month_key()))
                .fetch_all(p)
                .await)?;
        rows.into_iter()
            .map(|(delivery, bills, sheets)| {
                Ok(BillsByDelivery {
                    delivery: code("delivery", delivery, Delivery::from_code)?,
                    bills,
                    sheets,
                })
            })
            .collect()
    }

    pub async fn sots(self) -> Result<Vec<Sot>> {
        let rows: Vec<(i64, String)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT code, name FROM sots ORDER BY code"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(code, name)| Sot { code, name })
            .collect())
    }

    pub async fn branches(self) -> Result<Vec<Branch>> {
        let sql = "SELECT code, name, municipality, address, sot, kind, operator, contractor, host, host_name, \
                   counters, hours, schedule_template, latitude, longitude FROM branches ORDER BY code";
        let rows: Vec<BranchRow> = on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(p)
            .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(Branch {
                    code: r.code,
                    name: r.name,
                    municipality: r.municipality,
                    address: r.address,
                    sot: r.sot,
                    kind: code("branch kind", r.kind, BranchKind::from_code)?,
                    operator: code("branch operator", r.operator, Operator::from_code)?,
                    contractor: r.contractor,
                    host: code("branch host", r.host, Host::from_code)?,
                    host_name: r.host_name,
                    counters: r.counters,
                    hours: r.hours,
                    schedule_template: r.schedule_template,
                    latitude: r.latitude,
                    longitude: r.longitude,
                })
            })
            .collect()
    }

    pub async fn branch_events(self) -> Result<Vec<BranchEvent>> {
        let sql = "SELECT branch, day, kind, note FROM branch_events ORDER BY day, branch, kind";
        let rows: Vec<(String, i64, i64, String)> =
            on_db!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql))
                .fetch_all(p)
                .await)?;
        rows.into_iter()
            .map(|(branch, day, kind, note)| {
                Ok(BranchEvent {
                    branch,
                    day: Day(day as i32),
                    kind: code("branch event", kind, BranchEventKind::from_code)?,
                    note,
                })
            })
            .collect()
    }

    /// How many rows each main table holds (for summaries and checks).
    pub async fn table_counts(self) -> Result<Vec<(&'static str, i64)>> {
        let mut out = Vec::new();
        for table in [
            "sots",
            "branches",
            "branch_events",
            "customers",
            "supply_points",
            "portal_accounts",
            "ebill_events",
            "bills",
            "contacts",
        ] {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let n: i64 = on_db!(&self.store.db, |p| sqlx::query_scalar(AssertSqlSafe(&*sql))
                .fetch_one(p)
                .await)?;
            out.push((table, n));
        }
        Ok(out)
    }

    /// Contacts per channel over the days `from..=to`, from the daily rollup, in channel order
    /// (channels without contacts are left out).
    pub async fn contacts_by_channel(self, from: Day, to: Day) -> Result<Vec<(Channel, i64)>> {
        let rows: Vec<(i64, i64)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT channel, CAST(SUM(contacts) AS BIGINT) FROM contact_daily \
             WHERE day >= $1 AND day <= $2 GROUP BY channel ORDER BY channel"
        )
        .bind(i64::from(from.0))
        .bind(i64::from(to.0))
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(c, n)| Ok((code("channel", c, Channel::from_code)?, n)))
            .collect()
    }
}

impl Figures<'_> {
    /// The baseline of the report benchmark: the year's contacts and waits by channel, segment
    /// and territory straight from the raw ledger, as one would without rollups.
    pub async fn plain_group_by_year(self, year: i16) -> Result<Vec<(i64, i64, i64, i64, i64)>> {
        let from = Day::from_date(jiff::civil::date(year - 1, 1, 1));
        let to = Day::from_date(jiff::civil::date(year, 12, 31));
        let sql = "SELECT channel, segment, territory, COUNT(*), CAST(COALESCE(SUM(wait_seconds), 0) AS BIGINT) \
                   FROM contacts WHERE day >= $1 AND day <= $2 GROUP BY channel, segment, territory";
        let rows = on_db!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(i64::from(from.0))
            .bind(i64::from(to.0))
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod latest_day_tests {
    use crate::NewContact;
    use crate::testing::fresh_stores;
    use canali_domain::{Channel, Day};

    #[tokio::test]
    async fn the_latest_contact_day_follows_the_ledger() {
        for ts in fresh_stores().await.unwrap() {
            let store = &ts.store;
            assert_eq!(
                store.figures().latest_contact_day().await.unwrap(),
                None,
                "{}",
                ts.name
            );
            let at = |y, m, d| {
                let day = Day::from_date(jiff::civil::date(y, m, d));
                (day, canali_domain::day::local_micros(day.date(), 10, 0, 0))
            };
            let contact = |id: &str, micros: i64| NewContact::new(id, Channel::Web, micros);
            let (later, later_at) = at(2011, 6, 30);
            let (_, earlier_at) = at(2010, 3, 1);
            store
                .ledger()
                .ingest("t", &[contact("a", later_at), contact("b", earlier_at)])
                .await
                .unwrap();
            assert_eq!(
                store.figures().latest_contact_day().await.unwrap(),
                Some(later),
                "{}",
                ts.name
            );
        }
    }
}
