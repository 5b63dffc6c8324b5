//! The two backends behind one SQL text: every statement is written once with `$1` placeholders
//! and portable SQL, and runs on SQLite or PostgreSQL through their native sqlx drivers.

use crate::{Result, StoreError};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same body on whichever pool (or transaction) the store holds: `$p` is bound to the
/// native pool, so the one SQL text is prepared by the native driver.
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_db;

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Turns off SQLite's memory statistics, once, before its first connection: with them on, every
/// allocation inside SQLite takes a process-wide mutex (a few percent of a bulk insert), for
/// figures canali never reads. After SQLite has started the call is refused, harmlessly.
fn without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called before any connection of this process is opened
        // (or refused with SQLITE_MISUSE when SQLite is already initialized).
        unsafe {
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            );
        }
    });
}

impl Db {
    pub(crate) async fn connect(url: &str) -> Result<Db> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let file = path.split('?').next().unwrap_or(path);
            if file.is_empty() {
                return Err(StoreError::Refused(
                    canali_domain::refusal::Refusal::UnsupportedUrl {
                        url: url.to_string(),
                    },
                ));
            }
            let folder = std::path::Path::new(file)
                .parent()
                .filter(|p| !p.as_os_str().is_empty());
            if let Some(folder) = folder.filter(|f| !f.is_dir()) {
                return Err(StoreError::Refused(
                    canali_domain::refusal::Refusal::SqliteFolderMissing {
                        file: file.to_string(),
                        folder: folder.display().to_string(),
                    },
                ));
            }
            without_memory_statistics();
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                // Bulk loads touch pages all over the ledger's B-tree: a large cache keeps them in
                // memory (the cache grows only as far as it is used).
                .pragma("cache_size", "-262144")
                .pragma("temp_store", "memory")
                // Checkpoint the WAL every 64 MiB rather than 4: pages that bulk writes touch again
                // and again (the key index, the rollups) are copied back once per checkpoint.
                .pragma("wal_autocheckpoint", "16384")
                .foreign_keys(false);
            // No ping before each query: a local file does not drop connections, and the ping is
            // a second hand-off to the connection's thread per query (a third of a page's time).
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            Self::connect_postgres(options).await
        } else {
            Err(StoreError::Refused(
                canali_domain::refusal::Refusal::UnsupportedUrl {
                    url: url.to_string(),
                },
            ))
        }
    }

    pub(crate) async fn connect_postgres(options: PgConnectOptions) -> Result<Db> {
        // One direct connection first: a refused or misconfigured server is reported at once
        // with its real cause, instead of a pool timeout after retries.
        sqlx::PgConnection::connect_with(&options)
            .await?
            .close()
            .await?;
        // No ping before each query (a round trip each): a connection the server dropped fails
        // its next query and is replaced, as after any network error.
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        Ok(Db::Postgres(pool))
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }
}
