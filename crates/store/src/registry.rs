//! Bulk writers of the utility's registries: territories, branches and their events, customers,
//! supply points, online-branch accounts, e-bill switches and bills. Each skips rows whose key is
//! already stored, and keeps its rollup (registrations, switches, bills by month) in step.

use crate::branches_store::BranchNetwork;
use crate::bulk::{Table, Tx, Val};
use crate::customers::{NAME_TOKENS, name_token_rows, name_token_values};
use crate::db::on_db;
use crate::{
    Bill, Branch, BranchEvent, Customer, EbillEvent, PortalAccount, Result, Sot, Store, SupplyPoint,
};
use canali_domain::Day;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub(crate) const SOTS: Table = Table {
    name: "sots",
    columns: &["code", "name"],
    key: "code",
    implicit_rowid: false,
};
pub(crate) const BRANCHES: Table = Table {
    name: "branches",
    columns: &[
        "code",
        "name",
        "municipality",
        "address",
        "sot",
        "kind",
        "operator",
        "contractor",
        "host",
        "host_name",
        "counters",
        "hours",
        "schedule_template",
        "latitude",
        "longitude",
    ],
    key: "code",
    implicit_rowid: true,
};
pub(crate) const BRANCH_EVENTS: Table = Table {
    name: "branch_events",
    columns: &["branch", "day", "kind", "note"],
    key: "branch, day, kind",
    implicit_rowid: true,
};
pub(crate) const CUSTOMERS: Table = Table {
    name: "customers",
    columns: &[
        "id", "code", "segment", "tax_id", "name", "sot", "email", "phone", "since",
    ],
    key: "id",
    implicit_rowid: false,
};
pub(crate) const SUPPLY_POINTS: Table = Table {
    name: "supply_points",
    columns: &[
        "id",
        "customer_id",
        "service",
        "identifier",
        "municipality",
        "address",
        "bills_per_year",
    ],
    key: "id",
    implicit_rowid: false,
};
pub(crate) const PORTAL_ACCOUNTS: Table = Table {
    name: "portal_accounts",
    columns: &["customer_id", "email", "registered_at", "day"],
    key: "customer_id",
    implicit_rowid: false,
};
pub(crate) const EBILL_EVENTS: Table = Table {
    name: "ebill_events",
    columns: &["customer_id", "day", "path", "enrolled"],
    key: "customer_id, day, enrolled",
    implicit_rowid: true,
};
pub(crate) const BILLS: Table = Table {
    name: "bills",
    columns: &[
        "id",
        "customer_id",
        "supply_point_id",
        "issued",
        "due",
        "period_from",
        "period_to",
        "total_cents",
        "delivery",
        "sheets",
    ],
    key: "id",
    implicit_rowid: false,
};

fn day(d: Day) -> Val<'static> {
    Val::Int(Some(i64::from(d.0)))
}

/// The branch registry's bulk inserts: territories, branches and their events.
impl BranchNetwork<'_> {
    pub async fn insert_sots(self, rows: &[Sot]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|s| [Val::Int(Some(s.code)), Val::Text(Some(&s.name))])
            .collect();
        self.store.insert_plain(&SOTS, &values).await
    }

    pub async fn insert_branches(self, rows: &[Branch]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|b| {
                [
                    Val::Text(Some(&b.code)),
                    Val::Text(Some(&b.name)),
                    Val::Text(Some(&b.municipality)),
                    Val::Text(Some(&b.address)),
                    Val::Int(Some(b.sot)),
                    Val::Int(Some(b.kind.code())),
                    Val::Int(Some(b.operator.code())),
                    Val::Text(b.contractor.as_deref()),
                    Val::Int(Some(b.host.code())),
                    Val::Text(b.host_name.as_deref()),
                    Val::Int(Some(b.counters)),
                    Val::Text(Some(&b.hours)),
                    Val::Text(b.schedule_template.as_deref()),
                    Val::Float(Some(b.latitude)),
                    Val::Float(Some(b.longitude)),
                ]
            })
            .collect();
        let n = self.store.insert_plain(&BRANCHES, &values).await?;
        *self.store.branch_sots.write().await = None;
        Ok(n)
    }

    pub async fn insert_branch_events(self, rows: &[BranchEvent]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|e| {
                [
                    Val::Text(Some(&e.branch)),
                    day(e.day),
                    Val::Int(Some(e.kind.code())),
                    Val::Text(Some(&e.note)),
                ]
            })
            .collect();
        self.store.insert_plain(&BRANCH_EVENTS, &values).await
    }
}

impl Store {
    async fn insert_plain(&self, table: &Table, values: &[Val<'_>]) -> Result<u64> {
        let mut tx = Tx::begin(&self.db).await?;
        let n = tx.insert(table, values, &[]).await?.len() as u64;
        tx.commit().await?;
        Ok(n)
    }

    /// Also writes the words of the new customers' names (the search's name-word index), unless
    /// a bulk load deferred them ([`Store::defer_secondary_indexes`]).
    pub async fn insert_customers(&self, rows: &[Customer]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|c| {
                [
                    Val::Int(Some(c.id)),
                    Val::Text(Some(&c.code)),
                    Val::Int(Some(c.segment.code())),
                    Val::Text(Some(&c.tax_id)),
                    Val::Text(Some(&c.name)),
                    Val::Int(Some(c.sot)),
                    Val::Text(c.email.as_deref()),
                    Val::Text(c.phone.as_deref()),
                    day(c.since),
                ]
            })
            .collect();
        let mut tx = Tx::begin(&self.db).await?;
        let inserted = tx.insert(&CUSTOMERS, &values, &["id"]).await?;
        if self.name_tokens_deferred.load(Ordering::Relaxed) {
            // A bulk load: `build_secondary_indexes` writes the words of every customer at once.
            tx.commit().await?;
            return Ok(inserted.len() as u64);
        }
        // The name words of the customers written (all of them, unless some were there).
        let tokens = if inserted.len() == rows.len() {
            name_token_rows(rows.iter().map(|c| (c.id, c.name.as_str())))
        } else {
            let new: HashSet<i64> = inserted.iter().map(|r| r[0]).collect();
            name_token_rows(
                rows.iter()
                    .filter(|c| new.contains(&c.id))
                    .map(|c| (c.id, c.name.as_str())),
            )
        };
        tx.insert(&NAME_TOKENS, &name_token_values(&tokens), &[])
            .await?;
        tx.commit().await?;
        Ok(inserted.len() as u64)
    }

    pub async fn insert_supply_points(&self, rows: &[SupplyPoint]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|s| {
                [
                    Val::Int(Some(s.id)),
                    Val::Int(Some(s.customer_id)),
                    Val::Int(Some(s.service.code())),
                    Val::Text(Some(&s.identifier)),
                    Val::Text(Some(&s.municipality)),
                    Val::Text(Some(&s.address)),
                    Val::Int(Some(s.bills_per_year)),
                ]
            })
            .collect();
        self.insert_plain(&SUPPLY_POINTS, &values).await
    }

    /// Also counts the registrations per day (the report's online-branch figures).
    pub async fn insert_portal_accounts(&self, rows: &[PortalAccount]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|a| {
                [
                    Val::Int(Some(a.customer_id)),
                    Val::Text(Some(&a.email)),
                    Val::Int(Some(a.registered_at)),
                    day(Day::of_micros(a.registered_at)),
                ]
            })
            .collect();
        let mut tx = Tx::begin(&self.db).await?;
        let inserted = tx.insert(&PORTAL_ACCOUNTS, &values, &["day"]).await?;
        let mut per_day: HashMap<i64, i64> = HashMap::new();
        for r in &inserted {
            *per_day.entry(r[0]).or_default() += 1;
        }
        let flat: Vec<i64> = per_day.into_iter().flat_map(|(d, n)| [d, n]).collect();
        tx.add_to_rollup("portal_daily", &["day"], &["registrations"], &flat)
            .await?;
        tx.commit().await?;
        Ok(inserted.len() as u64)
    }

    /// Also counts the switches per day and path.
    pub async fn insert_ebill_events(&self, rows: &[EbillEvent]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|e| {
                [
                    Val::Int(Some(e.customer_id)),
                    day(e.day),
                    Val::Int(Some(e.path.code())),
                    Val::Int(Some(i64::from(e.enrolled))),
                ]
            })
            .collect();
        let mut tx = Tx::begin(&self.db).await?;
        let inserted = tx
            .insert(&EBILL_EVENTS, &values, &["day", "path", "enrolled"])
            .await?;
        let mut per_key: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
        for r in &inserted {
            let e = per_key.entry((r[0], r[1])).or_default();
            if r[2] == 1 {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        let flat: Vec<i64> = per_key
            .into_iter()
            .flat_map(|((d, p), (i, o))| [d, p, i, o])
            .collect();
        tx.add_to_rollup(
            "ebill_daily",
            &["day", "path"],
            &["enrolled", "withdrawn"],
            &flat,
        )
        .await?;
        tx.commit().await?;
        Ok(inserted.len() as u64)
    }

    /// Also keeps the monthly bill rollup (bills and sheets by delivery) in step.
    pub async fn insert_bills(&self, rows: &[Bill]) -> Result<u64> {
        let values: Vec<Val> = rows
            .iter()
            .flat_map(|b| {
                [
                    Val::Int(Some(b.id)),
                    Val::Int(Some(b.customer_id)),
                    Val::Int(Some(b.supply_point_id)),
                    day(b.issued),
                    day(b.due),
                    day(b.period_from),
                    day(b.period_to),
                    Val::Int(Some(b.total_cents)),
                    Val::Int(Some(b.delivery.code())),
                    Val::Int(Some(b.sheets)),
                ]
            })
            .collect();
        let mut tx = Tx::begin(&self.db).await?;
        let inserted = tx
            .insert(&BILLS, &values, &["issued", "delivery", "sheets"])
            .await?;
        let mut per_key: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
        let mut month_of: HashMap<i64, i64> = HashMap::new();
        for r in &inserted {
            let month = *month_of
                .entry(r[0])
                .or_insert_with(|| i64::from(Day(r[0] as i32).month_key()));
            let e = per_key.entry((month, r[1])).or_default();
            e.0 += 1;
            e.1 += r[2];
        }
        let flat: Vec<i64> = per_key
            .into_iter()
            .flat_map(|((m, d), (n, s))| [m, d, n, s])
            .collect();
        tx.add_to_rollup(
            "bill_monthly",
            &["month", "delivery"],
            &["bills", "sheets"],
            &flat,
        )
        .await?;
        tx.commit().await?;
        Ok(inserted.len() as u64)
    }

    /// Branch code -> SOT, cached until the registry changes.
    pub(crate) async fn branch_sots(&self) -> Result<Arc<HashMap<String, i64>>> {
        if let Some(map) = self.branch_sots.read().await.as_ref() {
            return Ok(map.clone());
        }
        let rows: Vec<(String, i64)> = on_db!(&self.db, |p| sqlx::query_as(
            "SELECT code, sot FROM branches"
        )
        .fetch_all(p)
        .await)?;
        let map = Arc::new(rows.into_iter().collect::<HashMap<_, _>>());
        *self.branch_sots.write().await = Some(map.clone());
        Ok(map)
    }
}
