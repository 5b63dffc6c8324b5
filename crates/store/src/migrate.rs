//! Schema migrations: the same numbered versions for both backends, embedded in the binary.
//! Applied versions are recorded in `schema_migrations`; applying is idempotent.

use crate::customers::{NAME_TOKENS, name_token_rows, name_token_values};
use crate::db::Db;
use crate::{Result, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "ledger",
        sqlite: include_str!("../migrations/sqlite/0001_ledger.sql"),
        postgres: include_str!("../migrations/postgres/0001_ledger.sql"),
    },
    Migration {
        version: 2,
        name: "branches",
        sqlite: include_str!("../migrations/sqlite/0002_branches.sql"),
        postgres: include_str!("../migrations/postgres/0002_branches.sql"),
    },
    Migration {
        version: 3,
        name: "calls",
        sqlite: include_str!("../migrations/sqlite/0003_calls.sql"),
        postgres: include_str!("../migrations/postgres/0003_calls.sql"),
    },
    Migration {
        version: 4,
        name: "web",
        sqlite: include_str!("../migrations/sqlite/0004_web.sql"),
        postgres: include_str!("../migrations/postgres/0004_web.sql"),
    },
    Migration {
        version: 5,
        name: "branch_waits",
        sqlite: include_str!("../migrations/sqlite/0005_branch_waits.sql"),
        postgres: include_str!("../migrations/postgres/0005_branch_waits.sql"),
    },
    Migration {
        version: 6,
        name: "billing",
        sqlite: include_str!("../migrations/sqlite/0006_billing.sql"),
        postgres: include_str!("../migrations/postgres/0006_billing.sql"),
    },
    Migration {
        version: NAME_TOKENS_VERSION,
        name: "name_tokens",
        sqlite: include_str!("../migrations/sqlite/0007_name_tokens.sql"),
        postgres: include_str!("../migrations/postgres/0007_name_tokens.sql"),
    },
    Migration {
        version: 8,
        name: "call_events",
        sqlite: include_str!("../migrations/sqlite/0008_call_events.sql"),
        postgres: include_str!("../migrations/postgres/0008_call_events.sql"),
    },
    Migration {
        version: 9,
        name: "trunk_occupancy",
        sqlite: include_str!("../migrations/sqlite/0009_trunk_occupancy.sql"),
        postgres: include_str!("../migrations/postgres/0009_trunk_occupancy.sql"),
    },
    Migration {
        version: 10,
        name: "kiosk_keys",
        sqlite: include_str!("../migrations/sqlite/0010_kiosk_keys.sql"),
        postgres: include_str!("../migrations/postgres/0010_kiosk_keys.sql"),
    },
    Migration {
        version: 11,
        name: "search_statistics",
        sqlite: include_str!("../migrations/sqlite/0011_search_statistics.sql"),
        postgres: SEARCH_STATISTICS_POSTGRES,
    },
    Migration {
        version: 12,
        name: "contact_key_collation",
        sqlite: include_str!("../migrations/sqlite/0012_contact_key_collation.sql"),
        postgres: include_str!("../migrations/postgres/0012_contact_key_collation.sql"),
    },
    Migration {
        version: 13,
        name: "requests_by_day",
        sqlite: include_str!("../migrations/sqlite/0013_requests_by_day.sql"),
        postgres: include_str!("../migrations/postgres/0013_requests_by_day.sql"),
    },
    Migration {
        version: 14,
        name: "request_reply_addresses",
        sqlite: include_str!("../migrations/sqlite/0014_request_reply_addresses.sql"),
        postgres: include_str!("../migrations/postgres/0014_request_reply_addresses.sql"),
    },
    Migration {
        version: 15,
        name: "unidentified_complaints",
        sqlite: include_str!("../migrations/sqlite/0015_unidentified_complaints.sql"),
        postgres: include_str!("../migrations/postgres/0015_unidentified_complaints.sql"),
    },
];

/// The planner statistics of the customer search on PostgreSQL (migration 11), applied again by
/// `build_secondary_indexes` after it re-creates the name index.
pub(crate) const SEARCH_STATISTICS_POSTGRES: &str =
    include_str!("../migrations/postgres/0011_search_statistics.sql");
const SEARCH_STATISTICS_VERSION: i64 = 11;

/// Collects the search's statistics with the targets of migration 11, after the transaction
/// that set them (within it, PostgreSQL still collected the default 100 values).
pub(crate) async fn analyze_search_tables(pool: &sqlx::PgPool) -> Result<()> {
    sqlx::query("ANALYZE customers, customer_name_tokens")
        .execute(pool)
        .await?;
    Ok(())
}

/// The migration that creates `customer_name_tokens`: the runner then fills it from the
/// customers already stored (`backfill_name_tokens_*`), in the same transaction.
const NAME_TOKENS_VERSION: i64 = 7;

/// The newest migration this binary knows.
pub(crate) fn known_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The newest migration applied (0 when none is, or the table is not there yet).
pub(crate) async fn applied_version(db: &Db) -> Result<i64> {
    let sql = "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations";
    let r: std::result::Result<i64, sqlx::Error> = match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    };
    match r {
        Ok(v) => Ok(v),
        // No table: a database no canali has migrated yet.
        Err(sqlx::Error::Database(e)) if e.message().contains("schema_migrations") => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// What `migrate` did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MigrationReport {
    pub applied: Vec<(i64, &'static str)>,
    pub current: i64,
}

/// Applies what is missing, one migration per transaction. Each transaction first takes the
/// schema lock (PostgreSQL: an advisory lock; SQLite: the write lock) and reads the applied
/// versions again, so two processes starting together apply each migration once.
pub(crate) async fn run(db: &Db) -> Result<MigrationReport> {
    let known = known_version();
    let mut report = MigrationReport {
        applied: Vec::new(),
        current: known,
    };
    for m in MIGRATIONS {
        let now = jiff::Timestamp::now().to_string();
        let applied = match db {
            Db::Sqlite(p) => {
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let applied = apply(&mut tx, m, m.sqlite, known, &now).await?;
                if applied && m.version == NAME_TOKENS_VERSION {
                    backfill_name_tokens_sqlite(&mut tx).await?;
                }
                tx.commit().await?;
                applied
            }
            Db::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7201100)")
                    .execute(&mut *tx)
                    .await?;
                let applied = apply(&mut tx, m, m.postgres, known, &now).await?;
                if applied && m.version == NAME_TOKENS_VERSION {
                    backfill_name_tokens_postgres(&mut tx).await?;
                }
                tx.commit().await?;
                if applied && m.version == SEARCH_STATISTICS_VERSION {
                    analyze_search_tables(p).await?;
                }
                applied
            }
        };
        if applied {
            report.applied.push((m.version, m.name));
        }
    }
    Ok(report)
}

/// Applies one migration unless it is there; refuses a schema newer than this binary.
async fn apply<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    m: &Migration,
    sql: &'static str,
    known: i64,
    now: &str,
) -> Result<bool>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (\
         version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(&mut **tx)
    .await?;
    let newest: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations",
    )
    .fetch_one(&mut **tx)
    .await?;
    if newest > known {
        return Err(StoreError::Refused(
            canali_domain::refusal::Refusal::SchemaTooNew {
                found: newest,
                known,
            },
        ));
    }
    let there: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_one(&mut **tx)
            .await?;
    if there > 0 {
        return Ok(false);
    }
    sqlx::raw_sql(sql).execute(&mut **tx).await?;
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
        .bind(m.version)
        .bind(m.name)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Customers read per batch by the name-word backfill.
const BACKFILL_BATCH: i64 = 100_000;

/// The last id of the next batch of customers after `$1`.
const BACKFILL_NEXT: &str = "SELECT MAX(id) FROM \
     (SELECT id FROM customers WHERE id > $1 ORDER BY id LIMIT $2) b";

/// The customers of ids `($1, $2]` whose name has no words in the index (all of them in the
/// migration; after a bulk load with the words deferred, those it wrote). The range is repeated
/// on the words so that PostgreSQL reads only that slice of their index.
const BACKFILL_READ: &str = "SELECT c.id, c.name FROM customers c \
     WHERE c.id > $1 AND c.id <= $2 AND NOT EXISTS (SELECT 1 FROM customer_name_tokens t \
     WHERE t.customer_id = c.id AND t.customer_id > $1 AND t.customer_id <= $2) ORDER BY c.id";

/// Fills the name-word index for the stored customers whose words are not in it (tokenizing is
/// not portable SQL), a batch of customers at a time, through the bulk path: one prepared insert
/// stepped per row. Migration 7 runs it on the new table; `build_secondary_indexes` after a bulk
/// load that deferred the words.
pub(crate) async fn backfill_name_tokens_sqlite(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
) -> Result<u64> {
    let mut after = i64::MIN;
    let mut written = 0;
    loop {
        let to: Option<i64> = sqlx::query_scalar(BACKFILL_NEXT)
            .bind(after)
            .bind(BACKFILL_BATCH)
            .fetch_one(&mut **tx)
            .await?;
        let Some(to) = to else {
            return Ok(written);
        };
        let batch: Vec<(i64, String)> = sqlx::query_as(BACKFILL_READ)
            .bind(after)
            .bind(to)
            .fetch_all(&mut **tx)
            .await?;
        after = to;
        let rows = name_token_rows(batch.iter().map(|(id, name)| (*id, name.as_str())));
        crate::bulk::insert_sqlite(tx, &NAME_TOKENS, &name_token_values(&rows), &[]).await?;
        written += rows.len() as u64;
    }
}

/// The same on PostgreSQL: `COPY` straight into the table (the customers read have no words
/// there, so nothing conflicts), then `ANALYZE`.
pub(crate) async fn backfill_name_tokens_postgres(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
) -> Result<u64> {
    let mut after = i64::MIN;
    let mut written = 0;
    loop {
        let to: Option<i64> = sqlx::query_scalar(BACKFILL_NEXT)
            .bind(after)
            .bind(BACKFILL_BATCH)
            .fetch_one(&mut **tx)
            .await?;
        let Some(to) = to else {
            // Statistics now: without them the planner takes the new table for empty and
            // searches by walking every customer in name order until autovacuum comes by.
            sqlx::query("ANALYZE customer_name_tokens")
                .execute(&mut **tx)
                .await?;
            return Ok(written);
        };
        let batch: Vec<(i64, String)> = sqlx::query_as(BACKFILL_READ)
            .bind(after)
            .bind(to)
            .fetch_all(&mut **tx)
            .await?;
        after = to;
        let rows = name_token_rows(batch.iter().map(|(id, name)| (*id, name.as_str())));
        crate::bulk::copy_in(
            tx,
            NAME_TOKENS.name,
            &NAME_TOKENS,
            &name_token_values(&rows),
        )
        .await?;
        written += rows.len() as u64;
    }
}
