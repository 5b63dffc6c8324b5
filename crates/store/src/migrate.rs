//! Schema migrations: the same numbered versions for both backends, embedded in the binary.
//! Applied versions are recorded in `schema_migrations`; applying is idempotent.

use crate::Result;
use crate::db::{Db, on_db};

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
];

/// What `migrate` did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MigrationReport {
    pub applied: Vec<(i64, &'static str)>,
    pub current: i64,
}

pub(crate) async fn run(db: &Db) -> Result<MigrationReport> {
    let create = "CREATE TABLE IF NOT EXISTS schema_migrations (\
        version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
    on_db!(db, |p| sqlx::query(create).execute(p).await.map(|_| ()))?;
    let done: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT version FROM schema_migrations ORDER BY version"
    )
    .fetch_all(p)
    .await)?;
    let mut report = MigrationReport::default();
    for m in MIGRATIONS {
        if done.contains(&m.version) {
            continue;
        }
        let now = jiff::Timestamp::now().to_string();
        on_db!(db, |p| {
            let mut tx = p.begin().await?;
            let sql = if matches!(db, Db::Sqlite(_)) {
                m.sqlite
            } else {
                m.postgres
            };
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })?;
        report.applied.push((m.version, m.name));
    }
    report.current = MIGRATIONS.last().map_or(0, |m| m.version);
    Ok(report)
}
