//! The SQLite bulk path: prepared `INSERT ... ON CONFLICT DO NOTHING` statements, bound and
//! stepped on the connection's own handle, the way `sqlite3 .import` loads a file.
//!
//! A table whose rows carry only SQLite's own rowid ([`Table::implicit_rowid`], the ledger)
//! takes [`ROWS_PER_STATEMENT`] rows per statement: one step opens the table's and indexes'
//! cursors once for all of them. `sqlite3_changes` says whether all were new (the usual case);
//! when some were not, the ones written are the consecutive rowids ending at
//! `sqlite3_last_insert_rowid`, and their keys tell which rows they were. Other tables take one
//! row per statement, and `sqlite3_changes` after each step tells whether that row was new.
//!
//! sqlx hands out the raw handle while its connection is locked; everything here runs under
//! that lock, inside the caller's transaction.

use crate::bulk::{Table, Val};
use crate::{Result, StoreError};
use libsqlite3_sys as ffi;
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_int};
use std::fmt::Write as _;
use std::ptr;

/// Rows bound to one multi-row statement. Past a few dozen rows the per-statement work is
/// spread thin and larger statements only cost binding time.
const ROWS_PER_STATEMENT: usize = 64;

/// Inserts the rows of `values` (flattened, `table.columns.len()` per row); returns for each
/// row whether it was written (false: its key was already there, or an earlier row of
/// `values` had it).
pub(crate) fn insert_rows(
    db: *mut ffi::sqlite3,
    table: &Table,
    values: &[Val<'_>],
) -> Result<Vec<bool>> {
    let width = table.columns.len();
    let rows = values.len() / width;
    let per_statement = if table.implicit_rowid {
        ROWS_PER_STATEMENT.min(rows.max(1))
    } else {
        1
    };
    let mut written = Vec::with_capacity(rows);
    let full = Statement::prepare(db, &insert_sql(table, per_statement))?;
    let mut tail = None;
    for group in values.chunks(width * per_statement) {
        let n = group.len() / width;
        let statement = if n == per_statement {
            &full
        } else {
            tail.insert(Statement::prepare(db, &insert_sql(table, n))?)
        };
        for (i, v) in group.iter().enumerate() {
            statement.bind(i as c_int + 1, v)?;
        }
        statement.step_done()?;
        statement.reset()?;
        // SAFETY: `db` is the live handle the caller holds locked.
        let changes = unsafe { ffi::sqlite3_changes(db) } as usize;
        if changes == n {
            written.extend(std::iter::repeat_n(true, n));
        } else if changes == 0 {
            written.extend(std::iter::repeat_n(false, n));
        } else {
            written.extend(which_were_written(db, table, group, changes)?);
        }
    }
    Ok(written)
}

/// `INSERT INTO t (...) VALUES (?,..),(?,..) ON CONFLICT (key) DO NOTHING` for `rows` rows.
fn insert_sql(table: &Table, rows: usize) -> String {
    let width = table.columns.len();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        table.name,
        table.columns.join(", ")
    );
    let row = format!("({})", vec!["?"; width].join(","));
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push_str(&row);
    }
    let _ = write!(sql, " ON CONFLICT ({}) DO NOTHING", table.key);
    sql
}

/// For a multi-row statement that wrote `changes` of the rows of `group` (not 0, not all):
/// which ones. They are the last `changes` rowids of the table (a table with only SQLite's
/// rowid gives each new row the largest rowid plus one), and their keys name the rows. A key
/// repeated within the group was written by its first row, as SQLite takes the rows in order.
fn which_were_written(
    db: *mut ffi::sqlite3,
    table: &Table,
    group: &[Val<'_>],
    changes: usize,
) -> Result<Vec<bool>> {
    let width = table.columns.len();
    let key_columns: Vec<usize> = table
        .key
        .split(',')
        .map(|k| {
            let k = k.trim();
            table
                .columns
                .iter()
                .position(|c| *c == k)
                .expect("the key names columns of the table")
        })
        .collect();
    // SAFETY: `db` is the live handle the caller holds locked.
    let last = unsafe { ffi::sqlite3_last_insert_rowid(db) };
    let select = Statement::prepare(
        db,
        &format!(
            "SELECT {} FROM {} WHERE rowid > ? AND rowid <= ?",
            table.key, table.name
        ),
    )?;
    select.bind(1, &Val::Int(Some(last - changes as i64)))?;
    select.bind(2, &Val::Int(Some(last)))?;
    let mut new_keys: HashMap<String, usize> = HashMap::with_capacity(changes);
    let mut found = 0;
    while select.step_row()? {
        let mut key = String::new();
        for i in 0..key_columns.len() {
            select.column_into(i as c_int, &mut key);
            key.push('\u{1f}');
        }
        *new_keys.entry(key).or_default() += 1;
        found += 1;
    }
    if found != changes {
        return Err(StoreError::Failed(format!(
            "SQLite bulk insert into {}: {changes} rows were written but {found} were found \
             after rowid {}",
            table.name,
            last - changes as i64
        )));
    }
    Ok(group
        .chunks(width)
        .map(|row| {
            let mut key = String::new();
            for &i in &key_columns {
                value_into(&row[i], &mut key);
                key.push('\u{1f}');
            }
            match new_keys.get_mut(&key) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    true
                }
                _ => false,
            }
        })
        .collect())
}

/// A value as key text: the same text [`Statement::column_into`] gives for what SQLite stored.
fn value_into(value: &Val<'_>, out: &mut String) {
    match *value {
        Val::Int(Some(x)) => {
            let _ = write!(out, "i{x}");
        }
        Val::Float(Some(x)) => {
            let _ = write!(out, "f{x}");
        }
        Val::Text(Some(s)) => {
            out.push('t');
            out.push_str(s);
        }
        Val::Int(None) | Val::Float(None) | Val::Text(None) => out.push('n'),
    }
}

/// A prepared statement, finalized when dropped.
struct Statement {
    db: *mut ffi::sqlite3,
    raw: *mut ffi::sqlite3_stmt,
}

impl Statement {
    fn prepare(db: *mut ffi::sqlite3, sql: &str) -> Result<Statement> {
        let text = CString::new(sql).map_err(|e| StoreError::Failed(e.to_string()))?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid handle, NUL-terminated SQL, out-pointer to a local.
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(db, text.as_ptr(), -1, &mut raw, ptr::null_mut()) };
        check(db, rc)?;
        Ok(Statement { db, raw })
    }

    fn bind(&self, index: c_int, value: &Val<'_>) -> Result<()> {
        // SAFETY: `raw` is a live statement; SQLITE_STATIC is enough for text because the
        // borrowed text outlives the step that reads it, and `reset` follows that step.
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

    /// Steps a query: true while it has a row.
    fn step_row(&self) -> Result<bool> {
        // SAFETY: live statement with every parameter bound.
        match unsafe { ffi::sqlite3_step(self.raw) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => check(self.db, rc).map(|()| false),
        }
    }

    /// Appends column `i` of the current row as [`value_into`] writes a value.
    fn column_into(&self, i: c_int, out: &mut String) {
        // SAFETY: the statement is on a row (step_row returned true) and `i` is a column of it;
        // the text pointer stays valid until the next step, and it is copied before that.
        unsafe {
            match ffi::sqlite3_column_type(self.raw, i) {
                ffi::SQLITE_INTEGER => {
                    let _ = write!(out, "i{}", ffi::sqlite3_column_int64(self.raw, i));
                }
                ffi::SQLITE_FLOAT => {
                    let _ = write!(out, "f{}", ffi::sqlite3_column_double(self.raw, i));
                }
                ffi::SQLITE_NULL => out.push('n'),
                _ => {
                    let text = ffi::sqlite3_column_text(self.raw, i);
                    let len = ffi::sqlite3_column_bytes(self.raw, i) as usize;
                    let bytes = std::slice::from_raw_parts(text, len);
                    out.push('t');
                    out.push_str(&String::from_utf8_lossy(bytes));
                }
            }
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
    Err(StoreError::Failed(format!(
        "SQLite bulk insert failed (code {rc}): {message}"
    )))
}
