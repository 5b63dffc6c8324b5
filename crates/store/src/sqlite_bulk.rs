//! The SQLite bulk path: one prepared single-row `INSERT ... ON CONFLICT DO NOTHING`, bound and
//! stepped per row on the connection's own handle, the way `sqlite3 .import` loads a file.
//! `sqlite3_changes` after each step tells whether that row was new, so no `RETURNING` and no
//! second lookup are needed.
//!
//! sqlx hands out the raw handle while its connection is locked; everything here runs under
//! that lock, inside the caller's transaction.

use crate::bulk::{Table, Val};
use crate::{Result, StoreError};
use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString, c_int};
use std::ptr;

/// Inserts the rows of `values` (flattened, `table.columns.len()` per row); returns for each
/// row whether it was written (false: its key was already there).
pub(crate) fn insert_rows(
    db: *mut ffi::sqlite3,
    table: &Table,
    values: &[Val<'_>],
) -> Result<Vec<bool>> {
    let width = table.columns.len();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO NOTHING",
        table.name,
        table.columns.join(", "),
        vec!["?"; width].join(","),
        table.key
    );
    let statement = Statement::prepare(db, &sql)?;
    let mut written = Vec::with_capacity(values.len() / width);
    for row in values.chunks(width) {
        for (i, v) in row.iter().enumerate() {
            statement.bind(i as c_int + 1, v)?;
        }
        statement.step_done()?;
        // SAFETY: `db` is the live handle the caller holds locked.
        written.push(unsafe { ffi::sqlite3_changes(db) } == 1);
        statement.reset()?;
    }
    Ok(written)
}

/// A prepared statement, finalized when dropped.
struct Statement {
    db: *mut ffi::sqlite3,
    raw: *mut ffi::sqlite3_stmt,
}

impl Statement {
    fn prepare(db: *mut ffi::sqlite3, sql: &str) -> Result<Statement> {
        let text = CString::new(sql).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid handle, NUL-terminated SQL, out-pointer to a local.
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(db, text.as_ptr(), -1, &mut raw, ptr::null_mut()) };
        check(db, rc)?;
        Ok(Statement { db, raw })
    }

    fn bind(&self, index: c_int, value: &Val<'_>) -> Result<()> {
        // SAFETY: `raw` is a live statement; text is copied by SQLite (SQLITE_TRANSIENT is not
        // needed: the borrowed text outlives the step that reads it, and `reset` follows).
        let rc = unsafe {
            match *value {
                Val::Int(Some(x)) => ffi::sqlite3_bind_int64(self.raw, index, x),
                Val::Float(Some(x)) => ffi::sqlite3_bind_double(self.raw, index, x),
                Val::Text(Some(s)) => ffi::sqlite3_bind_text(
                    self.raw,
                    index,
                    s.as_ptr().cast(),
                    s.len() as c_int,
                    ffi::SQLITE_STATIC(),
                ),
                Val::Int(None) | Val::Float(None) | Val::Text(None) => {
                    ffi::sqlite3_bind_null(self.raw, index)
                }
            }
        };
        check(self.db, rc)
    }

    fn step_done(&self) -> Result<()> {
        // SAFETY: live statement with every parameter bound.
        let rc = unsafe { ffi::sqlite3_step(self.raw) };
        if rc == ffi::SQLITE_DONE {
            Ok(())
        } else {
            check(self.db, rc)
        }
    }

    fn reset(&self) -> Result<()> {
        // SAFETY: live statement. Bindings are all overwritten by the next row.
        let rc = unsafe { ffi::sqlite3_reset(self.raw) };
        check(self.db, rc)
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: finalized once, here.
        unsafe { ffi::sqlite3_finalize(self.raw) };
    }
}

fn check(db: *mut ffi::sqlite3, rc: c_int) -> Result<()> {
    if rc == ffi::SQLITE_OK || rc == ffi::SQLITE_DONE {
        return Ok(());
    }
    // SAFETY: sqlite3_errmsg returns a NUL-terminated string owned by the handle.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    Err(StoreError::Invalid(format!(
        "SQLite bulk insert failed (code {rc}): {message}"
    )))
}
