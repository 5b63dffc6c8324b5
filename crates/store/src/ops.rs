//! What operators need of the store: is the database there, is its schema current, how busy is
//! the pool, what waits right now, and a consistent copy of a SQLite database while it serves.

use crate::db::{Db, on_db};
use crate::{Refusal, Result, Store, StoreError};
use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString, c_int};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The connections of the store's pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PoolStats {
    /// Connections open (in use and idle).
    pub open: u32,
    /// Connections open and not lent to anyone.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

impl PoolStats {
    pub fn in_use(&self) -> u32 {
        self.open.saturating_sub(self.idle)
    }
}

/// Pages copied per backup step: 4 MiB of 4 KiB pages, so the progress moves and the source
/// connection is not held in one long call.
const BACKUP_PAGES_PER_STEP: c_int = 1024;

/// Tells a backup's progress: pages copied, pages in all.
pub type BackupProgress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Operations: pool statistics, health, the schema version, SQLite backups, and the secondary
/// indexes deferred during bulk loads (indexes.rs).
#[derive(Clone, Copy)]
pub struct Ops<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    /// See [`Ops`].
    pub fn ops(&self) -> Ops<'_> {
        Ops { store: self }
    }

    /// The newest migration this binary knows: the schema is current when the database has it.
    pub fn known_schema_version() -> i64 {
        crate::migrate::known_version()
    }
}

impl Ops<'_> {
    /// The pool's connections now (sampled, e.g. at each metrics scrape).
    pub fn pool_stats(self) -> PoolStats {
        on_db!(&self.store.db, |p| PoolStats {
            open: p.size(),
            idle: p.num_idle() as u32,
            max: p.options().get_max_connections(),
        })
    }

    /// A trivial query within `timeout`: the database answers.
    pub async fn ping(self, timeout: Duration) -> Result<()> {
        let query = async {
            let one: i64 = on_db!(&self.store.db, |p| sqlx::query_scalar(
                "SELECT CAST(1 AS BIGINT)"
            )
            .fetch_one(p)
            .await)?;
            Ok::<i64, StoreError>(one)
        };
        match tokio::time::timeout(timeout, query).await {
            Ok(r) => r.map(|_| ()),
            Err(_) => Err(StoreError::Failed(format!(
                "the database did not answer within {} ms",
                timeout.as_millis()
            ))),
        }
    }

    /// The newest migration applied to the database (0 for an empty database).
    pub async fn schema_version(self) -> Result<i64> {
        crate::migrate::applied_version(&self.store.db).await
    }

    /// Tickets waiting at each branch now (taken today, queued, not yet called), as the
    /// branch display counts them; every branch of the registry, with 0 where none wait.
    pub async fn tickets_waiting(self, day: canali_domain::Day) -> Result<Vec<(String, i64)>> {
        // One indexed count per branch (tickets_queued leads with branch and day).
        Ok(on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT b.code, (SELECT COUNT(*) FROM tickets t WHERE t.branch = b.code \
             AND t.day = $1 AND t.status = 1 AND t.queued_at IS NOT NULL) \
             FROM branches b ORDER BY b.code"
        )
        .bind(i64::from(day.0))
        .fetch_all(p)
        .await)?)
    }

    /// The SQLite file behind the store (none on PostgreSQL).
    pub fn sqlite_file(self) -> Option<PathBuf> {
        match &self.store.db {
            Db::Sqlite(p) => Some(p.connect_options().get_filename().to_path_buf()),
            Db::Postgres(_) => None,
        }
    }

    /// Copies the SQLite database to `to` with SQLite's online backup API, while the store
    /// keeps serving: the copy is one consistent snapshot (a read transaction held from the
    /// first page to the last; in WAL mode writers go on meanwhile), written to `TO.partial`,
    /// checked with `PRAGMA quick_check` and renamed into place. Returns the bytes written.
    /// On PostgreSQL it refuses: pg_dump and pg_basebackup are the tools there.
    pub async fn backup_to(self, to: &Path, progress: Option<BackupProgress>) -> Result<u64> {
        let Some(from) = self.sqlite_file() else {
            return Err(StoreError::Refused(Refusal::BackupNeedsSqlite));
        };
        let to = to.to_path_buf();
        tokio::task::spawn_blocking(move || backup_file(&from, &to, progress))
            .await
            .map_err(|e| StoreError::Failed(format!("the backup task failed: {e}")))?
    }
}

/// A raw SQLite connection, closed when dropped.
struct Conn(*mut ffi::sqlite3);

impl Conn {
    fn open(path: &Path, flags: c_int) -> Result<Conn> {
        let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| {
            StoreError::Failed(format!("the path {} holds a NUL byte", path.display()))
        })?;
        let mut db = std::ptr::null_mut();
        // SAFETY: a valid C string and an out pointer; the handle is closed by Drop even when
        // the open failed (sqlite3_open_v2 may return a handle with the error).
        let rc = unsafe { ffi::sqlite3_open_v2(c_path.as_ptr(), &mut db, flags, std::ptr::null()) };
        let conn = Conn(db);
        if rc != ffi::SQLITE_OK {
            return Err(conn.error(&format!("cannot open {}", path.display())));
        }
        // SAFETY: a live handle; a busy writer makes the reader wait rather than fail.
        unsafe { ffi::sqlite3_busy_timeout(conn.0, 30_000) };
        Ok(conn)
    }

    fn exec(&self, sql: &str) -> Result<()> {
        let c_sql = CString::new(sql).expect("SQL without NUL");
        // SAFETY: a live handle and a valid statement text, no callback.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.0,
                c_sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(sql));
        }
        Ok(())
    }

    /// The first column of the first row of `sql`, as text.
    fn text(&self, sql: &str) -> Result<String> {
        let c_sql = CString::new(sql).expect("SQL without NUL");
        let mut stmt = std::ptr::null_mut();
        // SAFETY: a live handle; the statement is finalized below on every path.
        unsafe {
            if ffi::sqlite3_prepare_v2(self.0, c_sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
                != ffi::SQLITE_OK
            {
                return Err(self.error(sql));
            }
            let rc = ffi::sqlite3_step(stmt);
            let out = if rc == ffi::SQLITE_ROW {
                let p = ffi::sqlite3_column_text(stmt, 0);
                Ok(if p.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(p.cast()).to_string_lossy().into_owned()
                })
            } else {
                Err(self.error(sql))
            };
            ffi::sqlite3_finalize(stmt);
            out
        }
    }

    fn error(&self, doing: &str) -> StoreError {
        // SAFETY: sqlite3_errmsg accepts a null handle (out of memory) and a live one.
        let msg = unsafe {
            let p = ffi::sqlite3_errmsg(self.0);
            if p.is_null() {
                "out of memory".to_string()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        StoreError::Failed(format!("{doing}: {msg}"))
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: the handle is ours, and every statement and backup object on it is finished.
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

fn backup_file(from: &Path, to: &Path, progress: Option<BackupProgress>) -> Result<u64> {
    if to.exists() {
        return Err(StoreError::Refused(Refusal::BackupExists {
            path: to.display().to_string(),
        }));
    }
    let partial = PathBuf::from(format!("{}.partial", to.display()));
    let _ = std::fs::remove_file(&partial);
    let result = copy_pages(from, &partial, progress).and_then(|()| {
        std::fs::rename(&partial, to).map_err(|e| {
            StoreError::Failed(format!("cannot rename the backup to {}: {e}", to.display()))
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result?;
    Ok(std::fs::metadata(to).map(|m| m.len()).unwrap_or(0))
}

fn copy_pages(from: &Path, to: &Path, progress: Option<BackupProgress>) -> Result<()> {
    let source = Conn::open(from, ffi::SQLITE_OPEN_READONLY)?;
    // One read transaction for the whole copy: every step reads the same snapshot, so writers
    // of other connections neither restart the backup nor make it inconsistent.
    source.exec("BEGIN")?;
    source.text("SELECT COUNT(*) FROM sqlite_master")?;
    let dest = Conn::open(to, ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE)?;
    let main = c"main";
    // SAFETY: two live handles; the backup object is finished below on every path.
    let backup =
        unsafe { ffi::sqlite3_backup_init(dest.0, main.as_ptr(), source.0, main.as_ptr()) };
    if backup.is_null() {
        return Err(dest.error("cannot start the backup"));
    }
    let mut step_rc;
    loop {
        // SAFETY: a live backup object.
        step_rc = unsafe { ffi::sqlite3_backup_step(backup, BACKUP_PAGES_PER_STEP) };
        if let Some(p) = &progress {
            // SAFETY: as above.
            let (left, total) = unsafe {
                (
                    ffi::sqlite3_backup_remaining(backup),
                    ffi::sqlite3_backup_pagecount(backup),
                )
            };
            p((total - left).max(0) as u64, total.max(0) as u64);
        }
        match step_rc {
            ffi::SQLITE_OK => continue,
            ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            _ => break,
        }
    }
    // SAFETY: finishes and frees the backup object.
    let finish_rc = unsafe { ffi::sqlite3_backup_finish(backup) };
    if step_rc != ffi::SQLITE_DONE || finish_rc != ffi::SQLITE_OK {
        return Err(dest.error("the backup stopped"));
    }
    source.exec("COMMIT")?;
    drop(source);
    // The copy keeps the source's WAL mode flag; a backup is a single file, so it is switched
    // to a rollback journal (a restored copy switches back to WAL when canali opens it).
    dest.exec("PRAGMA journal_mode = DELETE")?;
    let check = dest.text("PRAGMA quick_check")?;
    if check != "ok" {
        return Err(StoreError::Failed(format!(
            "the backup failed its check ({check}): it was not kept"
        )));
    }
    Ok(())
}
