//! Fresh, migrated stores for tests: SQLite always, PostgreSQL when `CANALI_TEST_POSTGRES`
//! holds a URL. Each PostgreSQL store lives in a schema of its own, so tests run side by side.

use crate::db::Db;
use crate::{Result, Store};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that names the PostgreSQL server tests may use.
pub const POSTGRES_ENV: &str = "CANALI_TEST_POSTGRES";

/// A store for a test; the SQLite file lives as long as this value.
pub struct TestStore {
    pub name: &'static str,
    pub store: Store,
    /// The URL another process (e.g. the CLI under test) can use to reach the same data.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// One fresh store per backend available: SQLite, and PostgreSQL when configured.
pub async fn fresh_stores() -> Result<Vec<TestStore>> {
    let mut out = vec![fresh_sqlite().await?];
    if let Some(pg) = fresh_postgres().await? {
        out.push(pg);
    }
    Ok(out)
}

pub async fn fresh_sqlite() -> Result<TestStore> {
    let dir = tempfile::tempdir().map_err(|e| crate::StoreError::Failed(e.to_string()))?;
    let url = format!("sqlite://{}", dir.path().join("canali.db").display());
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    Ok(TestStore {
        name: "sqlite",
        store,
        url,
        _dir: Some(dir),
    })
}

/// Whether the environment variable `CI` says this is a CI run (set, not empty, not "false"
/// nor "0": the same rule as the browser tests').
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A store in a new schema of the server named by `CANALI_TEST_POSTGRES`, if set. Without it
/// the PostgreSQL half of a test is skipped with a notice (once per test binary), except under
/// CI, where it must run.
pub async fn fresh_postgres() -> Result<Option<TestStore>> {
    let base = match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                !under_ci(),
                "CI is set, and CI requires the PostgreSQL tests: set {POSTGRES_ENV}=postgres://USER@HOST:PORT/DB \
                 (.ci/run starts a server and sets it)"
            );
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                // Straight to the stderr handle: the test harness captures eprintln! of passing
                // tests, and this must be seen.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "NOTICE: PostgreSQL tests skipped: set {POSTGRES_ENV}=postgres://... to run \
                     them (required when CI is set)"
                );
            });
            return Ok(None);
        }
    };
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        jiff::Timestamp::now().as_microsecond() % 1_000_000_000
    );
    let mut admin = PgConnection::connect(&base).await?;
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let options = PgConnectOptions::from_str(&base)?.options([("search_path", schema.as_str())]);
    let store = Store::from_db(Db::connect_postgres(options).await?);
    store.migrate().await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    Ok(Some(TestStore {
        name: "postgres",
        store,
        url,
        _dir: None,
    }))
}

/// A plain branch for tests: own, standard, two counters, open weekdays 08:00-16:00 in SOT 1.
pub fn sample_branch(code: &str) -> crate::Branch {
    use canali_domain::network::{BranchKind, Host, Operator};
    crate::Branch {
        code: code.into(),
        name: format!("Sportello {code}"),
        municipality: "Bologna".into(),
        address: "Via Larga 1".into(),
        sot: 1,
        kind: BranchKind::Standard,
        operator: Operator::Own,
        contractor: None,
        host: Host::Own,
        host_name: None,
        counters: 2,
        hours: "mo-fr 08:00-16:00".into(),
        schedule_template: None,
        latitude: 44.5,
        longitude: 11.3,
    }
}
