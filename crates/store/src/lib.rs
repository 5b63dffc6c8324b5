//! canali's persistence: one SQL code path for SQLite (the embedded default) and PostgreSQL,
//! chosen by URL. Holds the contact ledger with its rollups, the branch registry, customers,
//! online-branch accounts, e-bill enrolments and bills.

pub mod model;

use canali_domain::network::{Delivery, EbillPath};
use canali_domain::{Channel, Day, Segment};
pub use model::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL '{0}': use sqlite://FILE or postgres://...")]
    UnsupportedUrl(String),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// One row of the monthly rollup: the contacts of a month, channel, segment and territory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonthlyRollup {
    /// `year * 100 + month`, e.g. 201103.
    pub month: i32,
    pub channel: Channel,
    /// `None` when the segment of the contact was not known.
    pub segment: Option<Segment>,
    /// SOT code, 0 when unknown.
    pub territory: i64,
    pub contacts: i64,
    /// Contacts that carried a waiting time, and the sum of those waits in seconds.
    pub waited: i64,
    pub wait_seconds: i64,
    /// Contacts that waited more than 2 minutes (the call-center indicator) and more than 40
    /// minutes (the branch indicator).
    pub waited_over_2m: i64,
    pub waited_over_40m: i64,
    pub handled: i64,
    pub handle_seconds: i64,
}

/// E-bill switches in a period, by path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EbillSwitches {
    pub path: EbillPath,
    pub enrolled: i64,
    pub withdrawn: i64,
}

/// Bills issued in a period, by delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BillsByDelivery {
    pub delivery: Delivery,
    pub bills: i64,
    pub sheets: i64,
}

pub struct Store;

impl Store {
    /// Monthly rollup rows with `from <= month <= to` (month keys like 201101).
    pub async fn monthly_rollup(&self, from: i32, to: i32) -> Result<Vec<MonthlyRollup>> {
        let _ = (from, to);
        todo!()
    }
    /// Online-branch accounts registered on or before `day`.
    pub async fn portal_accounts_at(&self, day: Day) -> Result<i64> {
        let _ = day;
        todo!()
    }
    /// Customers on the e-bill at the end of `day`.
    pub async fn ebill_customers_at(&self, day: Day) -> Result<i64> {
        let _ = day;
        todo!()
    }
    /// Switches to and from the e-bill with `from <= day <= to`, by path.
    pub async fn ebill_switches(&self, from: Day, to: Day) -> Result<Vec<EbillSwitches>> {
        let _ = (from, to);
        todo!()
    }
    /// Bills issued with `from <= issued <= to`, by delivery (from the bill rollup).
    pub async fn bills_by_delivery(&self, from: Day, to: Day) -> Result<Vec<BillsByDelivery>> {
        let _ = (from, to);
        todo!()
    }
    pub async fn sots(&self) -> Result<Vec<Sot>> {
        todo!()
    }
    pub async fn branches(&self) -> Result<Vec<Branch>> {
        todo!()
    }
    pub async fn branch_events(&self) -> Result<Vec<BranchEvent>> {
        todo!()
    }
}

/// What one ingest call did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestOutcome {
    /// Contacts newly written to the ledger.
    pub inserted: u64,
    /// Contacts already in the ledger under the same `(source, external_id)`: skipped.
    pub duplicates: u64,
}

impl Store {
    pub async fn connect(url: &str) -> Result<Store> {
        let _ = url;
        todo!()
    }
    pub async fn migrate(&self) -> Result<()> {
        todo!()
    }
    /// Writes contacts to the ledger and the rollups in one transaction; idempotent on
    /// `(source, external_id)`. Any batch size works; 10k-100k is a good one.
    pub async fn ingest_contacts(&self, source: &str, batch: &[NewContact]) -> Result<IngestOutcome> {
        let _ = (source, batch);
        todo!()
    }
    // The bulk writers below skip rows whose key is already there (re-running never duplicates).
    pub async fn insert_sots(&self, rows: &[Sot]) -> Result<u64> {
        let _ = rows;
        todo!()
    }
    pub async fn insert_branches(&self, rows: &[Branch]) -> Result<u64> {
        let _ = rows;
        todo!()
    }
    pub async fn insert_branch_events(&self, rows: &[BranchEvent]) -> Result<u64> {
        let _ = rows;
        todo!()
    }
    pub async fn insert_customers(&self, rows: &[Customer]) -> Result<u64> {
        let _ = rows;
        todo!()
    }
    pub async fn insert_supply_points(&self, rows: &[SupplyPoint]) -> Result<u64> {
        let _ = rows;
        todo!()
    }
    pub async fn insert_portal_accounts(&self, rows: &[PortalAccount]) -> Result<u64> {
        let _ = rows;
        todo!()
    }
    pub async fn insert_ebill_events(&self, rows: &[EbillEvent]) -> Result<u64> {
        let _ = rows;
        todo!()
    }
    /// Also keeps the monthly bill rollup (bills and sheets by delivery) in step.
    pub async fn insert_bills(&self, rows: &[Bill]) -> Result<u64> {
        let _ = rows;
        todo!()
    }
}
