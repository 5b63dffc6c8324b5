//! The secondary indexes that serve people (the console's customer search, a customer's
//! timeline and bills) rather than the ingest path. A bulk load into a fresh database writes
//! rows in an order that scatters these indexes' entries (names, tax ids and customer codes in
//! no particular order), so each insert touches a random page; building them once at the end is
//! a sort instead. The simulator defers them; everything else keeps them live.

use crate::db::{Db, on_db};
use crate::{Ops, Result};
use sqlx::AssertSqlSafe;
use std::sync::atomic::Ordering;

/// Name and definition of each deferrable index, exactly as migration 4 creates it (a test
/// checks that the migration texts agree).
pub(crate) const SECONDARY_INDEXES: &[(&str, &str)] = &[
    ("customers_tax_id", "customers (tax_id)"),
    ("customers_email", "customers (email)"),
    ("customers_phone", "customers (phone)"),
    ("customers_name", "customers (lower(name))"),
    ("supply_points_identifier", "supply_points (identifier)"),
    (
        "contacts_customer",
        "contacts (customer, started_at) WHERE customer IS NOT NULL",
    ),
    ("bills_customer", "bills (customer_id, issued)"),
];

impl Ops<'_> {
    /// Drops the secondary indexes before a bulk load; [`Ops::build_secondary_indexes`]
    /// puts them back. Searches and timelines are slow in between: for batch jobs only.
    /// The words of customer names (the name search's index) are not written either until then.
    pub async fn defer_secondary_indexes(self) -> Result<()> {
        self.store
            .name_tokens_deferred
            .store(true, Ordering::Relaxed);
        for (name, _) in SECONDARY_INDEXES {
            let sql = format!("DROP INDEX IF EXISTS {name}");
            on_db!(&self.store.db, |p| sqlx::query(AssertSqlSafe(sql))
                .execute(p)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    /// Creates the secondary indexes that are missing (all of them after
    /// [`Ops::defer_secondary_indexes`]), each in one sorted pass, and writes the name words
    /// of the customers that have none (as migration 7 does for the customers it finds).
    pub async fn build_secondary_indexes(self) -> Result<()> {
        match &self.store.db {
            Db::Sqlite(p) => {
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                crate::migrate::backfill_name_tokens_sqlite(&mut tx).await?;
                tx.commit().await?;
            }
            Db::Postgres(p) => {
                let mut tx = p.begin().await?;
                crate::migrate::backfill_name_tokens_postgres(&mut tx).await?;
                tx.commit().await?;
            }
        }
        self.store
            .name_tokens_deferred
            .store(false, Ordering::Relaxed);
        let create = |name: &str, definition: &str| {
            format!("CREATE INDEX IF NOT EXISTS {name} ON {definition}")
        };
        match &self.store.db {
            Db::Sqlite(p) => {
                // SQLite sorts index entries in its temporary store, which the pool keeps in
                // memory: on one connection, spill the sort to a file instead, so that memory
                // stays at the page cache's size whatever the table's.
                let mut c = p.acquire().await?;
                sqlx::query("PRAGMA temp_store = FILE")
                    .execute(&mut *c)
                    .await?;
                for (name, definition) in SECONDARY_INDEXES {
                    let built = sqlx::query(AssertSqlSafe(create(name, definition)))
                        .execute(&mut *c)
                        .await;
                    if let Err(e) = built {
                        let _ = sqlx::query("PRAGMA temp_store = MEMORY")
                            .execute(&mut *c)
                            .await;
                        return Err(e.into());
                    }
                }
                sqlx::query("PRAGMA temp_store = MEMORY")
                    .execute(&mut *c)
                    .await?;
            }
            Db::Postgres(p) => {
                for (name, definition) in SECONDARY_INDEXES {
                    sqlx::query(AssertSqlSafe(create(name, definition)))
                        .execute(p)
                        .await?;
                }
                sqlx::query("ANALYZE supply_points, contacts, bills")
                    .execute(p)
                    .await?;
                sqlx::raw_sql(crate::migrate::SEARCH_STATISTICS_POSTGRES)
                    .execute(p)
                    .await?;
                crate::migrate::analyze_search_tables(p).await?;
                // The search reads the name words by index-only scans, which go to the table
                // for every row until a vacuum has marked its pages all-visible; autovacuum
                // would come by only much later for a freshly loaded table.
                sqlx::query("VACUUM customer_name_tokens")
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::SECONDARY_INDEXES;

    #[test]
    fn the_migration_creates_the_same_indexes() {
        for text in [
            include_str!("../migrations/sqlite/0004_web.sql"),
            include_str!("../migrations/postgres/0004_web.sql"),
        ] {
            for (name, definition) in SECONDARY_INDEXES {
                let statement = format!("CREATE INDEX {name} ON {definition};");
                assert!(text.contains(&statement), "{statement}");
            }
        }
    }
}
