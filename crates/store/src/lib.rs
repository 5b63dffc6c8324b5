//! canali's persistence: one SQL code path for SQLite (the embedded default) and PostgreSQL,
//! chosen by URL. Holds the contact ledger with its rollups, the branch registry, customers,
//! online-branch accounts, e-bill enrolments and bills.

pub mod accounts;
pub mod billing_store;
pub mod branches_store;
mod bulk;
pub mod calls;
pub mod contact_fields;
pub mod cti;
pub mod customers;
mod db;
mod figures;
mod indexes;
mod ledger;
pub mod mail;
mod migrate;
pub mod model;
pub mod occupancy;
pub mod ops;
pub mod readings;
mod registry;
pub mod requests;
mod rollups;
pub mod sessions;
mod sqlite_bulk;
pub mod testing;
pub mod tickets;

pub use billing_store::Billing;
pub use calls::Calls;
pub use customers::Customers;
pub use db::Backend;
pub use figures::Figures;
pub use ledger::{Ledger, contact_id};
pub use migrate::MigrationReport;
pub use ops::{BackupProgress, Ops, PoolStats};

use canali_domain::network::{Delivery, EbillPath};
pub use canali_domain::refusal::Refusal;
use canali_domain::{Channel, Segment};
pub use model::*;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::RwLock;

/// What went wrong in the store, by kind, so that each caller answers it one way: the web maps
/// each kind to one status (docs/architecture.md, "Errors").
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What was asked for does not exist: `what` names the kind of thing, `key` which one.
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
    /// The write collides with what is stored now (a key already taken, a row changed by
    /// someone else in the meantime).
    #[error("{0}")]
    Conflict(String),
    /// The user's own mistake, refused: the web translates it by its key.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A stored row that cannot be what it must be (an unknown code, a broken date): a bug or a
    /// damaged database, never the user's doing.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The database failed (connection, statement, constraint).
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Something around the database failed outside sqlx: a file, a background task, the
    /// SQLite library called directly (backup, bulk path), a timeout. Never the user's doing.
    #[error("{0}")]
    Failed(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        // PostgreSQL cannot hold NUL in text (SQLSTATE 22021): the entry points refuse it
        // (canali_domain::text), and one that got past them (a lookup by a path segment) is
        // still the user's text, not a failure of the database.
        if let sqlx::Error::Database(d) = &e
            && d.code().as_deref() == Some("22021")
        {
            return StoreError::Refused(Refusal::TextNul);
        }
        StoreError::Database(e)
    }
}

impl StoreError {
    /// A [`StoreError::NotFound`] of `what` (e.g. "branch") with key `key`.
    pub fn not_found(what: &'static str, key: impl std::fmt::Display) -> StoreError {
        StoreError::NotFound {
            what,
            key: key.to_string(),
        }
    }

    /// Whether this is the database refusing a duplicate key.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation())
    }
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

/// The store: a pool on SQLite or PostgreSQL, and the few caches the ingest path needs. Its
/// areas are reached through handles, each in its own module with that area's SQL:
/// [`Store::ledger`], [`Store::customers`], [`Store::billing`], [`Store::calls`],
/// [`Store::figures`], [`Store::ops`] (and the branch areas' handles).
pub struct Store {
    db: db::Db,
    branch_sots: RwLock<Option<Arc<HashMap<String, i64>>>>,
    /// Set by `defer_secondary_indexes`: customers are written without their name words.
    name_tokens_deferred: std::sync::atomic::AtomicBool,
    /// The clerks' ticket steps waiting for their group commit (tickets/group.rs).
    ticket_steps: tickets::Steps,
}

impl Store {
    /// Connects to `sqlite://FILE` (created when missing) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store> {
        Ok(Store::from_db(db::Db::connect(url).await?))
    }

    fn from_db(db: db::Db) -> Store {
        Store {
            db,
            branch_sots: RwLock::new(None),
            name_tokens_deferred: Default::default(),
            ticket_steps: Default::default(),
        }
    }

    /// Applies the schema migrations not yet applied.
    pub async fn migrate(&self) -> Result<MigrationReport> {
        migrate::run(&self.db).await
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Closes the pool, waiting for connections to finish (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        db::on_db!(&self.db, |p| p.close().await)
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
