//! Bulk writes on both backends: one prepared single-row insert stepped per row on SQLite
//! (`sqlite_bulk`), `COPY` into a staging table and one `INSERT ... SELECT` on PostgreSQL; both
//! skip rows whose key is already stored and return the chosen integer columns of the rows
//! actually inserted, so that callers keep their rollups in step with what was written.

use crate::Result;
use sqlx::AssertSqlSafe;
use sqlx::{Postgres, Row, Sqlite, Transaction};
use std::fmt::Write as _;

/// One column value, typed so that a NULL still has the column's type on PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<&'a str>),
}

/// A table that takes bulk writes.
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    /// The conflict target, e.g. `id` or `branch, day, kind`.
    pub key: &'static str,
}

/// SQLite allows 32766 parameters in one statement (the rollup upserts stay below).
const SQLITE_MAX_PARAMS: usize = 32_766;

/// Inserts `rows` (each `table.columns.len()` values, flattened), skipping rows whose key is
/// already present, and returns the `returning` columns of the inserted rows.
pub(crate) async fn insert_sqlite(
    tx: &mut Transaction<'_, Sqlite>,
    table: &Table,
    values: &[Val<'_>],
    returning: &[&str],
) -> Result<Vec<Vec<i64>>> {
    let width = table.columns.len();
    let mut handle = tx.lock_handle().await?;
    let written = crate::sqlite_bulk::insert_rows(handle.as_raw_handle().as_ptr(), table, values)?;
    drop(handle);
    let rows = values
        .chunks(width)
        .zip(written)
        .filter(|(_, new)| *new)
        .map(|(row, _)| row);
    Ok(rows
        .flat_map(|row| values_rows(table, row, returning))
        .collect())
}

/// The `returning` columns (integers) of rows given as values, for when all of them were written.
fn values_rows<'a>(
    table: &'a Table,
    values: &'a [Val<'_>],
    returning: &'a [&str],
) -> impl Iterator<Item = Vec<i64>> + 'a {
    let width = table.columns.len();
    let index: Vec<usize> = returning
        .iter()
        .map(|r| {
            table
                .columns
                .iter()
                .position(|c| c == r)
                .expect("returning names a column of the table")
        })
        .collect();
    values.chunks(width).map(move |row| {
        index
            .iter()
            .map(|&i| match row[i] {
                Val::Int(Some(x)) => x,
                _ => 0,
            })
            .collect()
    })
}

fn decode_ints<R: Row>(row: &R, n: usize) -> Result<Vec<i64>>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    (0..n)
        .map(|i| row.try_get::<i64, usize>(i).map_err(Into::into))
        .collect()
}

/// How a long statement names its parameters. SQLite looks a named parameter up by a linear
/// scan (so `$N` costs O(N^2) over a 30 000-parameter statement); anonymous `?` costs nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    Anonymous,
    Numbered,
}

/// `(?,?),(?,?)` or `($1,$2),($3,$4)`: `rows` tuples of `width` parameters.
fn values_list(sql: &mut String, rows: usize, width: usize, style: Placeholders) {
    let mut param = 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..width {
            if c > 0 {
                sql.push(',');
            }
            match style {
                Placeholders::Anonymous => sql.push('?'),
                Placeholders::Numbered => {
                    let _ = write!(sql, "${param}");
                }
            }
            param += 1;
        }
        sql.push(')');
    }
}

/// The PostgreSQL path: `COPY` the rows into a session-local staging table, then move the new
/// ones into the table in one statement.
pub(crate) async fn insert_postgres(
    tx: &mut Transaction<'_, Postgres>,
    table: &Table,
    values: &[Val<'_>],
    returning: &[&str],
) -> Result<Vec<Vec<i64>>> {
    let width = table.columns.len();
    let staging = format!("staging_{}", table.name);
    let columns = table.columns.join(", ");
    sqlx::query(AssertSqlSafe(format!(
        "CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
        table.name
    )))
    .execute(&mut **tx)
    .await?;
    copy_in(tx, &staging, table, values).await?;
    let insert = format!(
        "INSERT INTO {} ({columns}) SELECT {columns} FROM {staging} ON CONFLICT ({}) DO NOTHING",
        table.name, table.key
    );
    let rows = values.len() / width;
    if returning.is_empty() {
        let done = sqlx::query(AssertSqlSafe(&*insert))
            .execute(&mut **tx)
            .await?;
        sqlx::query(AssertSqlSafe(format!("TRUNCATE {staging}")))
            .execute(&mut **tx)
            .await?;
        return Ok((0..done.rows_affected()).map(|_| Vec::new()).collect());
    }
    // First without RETURNING, in a savepoint: when every row was new (the usual case) the
    // answer is all the rows, and PostgreSQL sends nothing back.
    sqlx::query("SAVEPOINT bulk").execute(&mut **tx).await?;
    let done = sqlx::query(AssertSqlSafe(&*insert))
        .execute(&mut **tx)
        .await?;
    let out = if done.rows_affected() == rows as u64 {
        sqlx::query("RELEASE SAVEPOINT bulk")
            .execute(&mut **tx)
            .await?;
        values
            .chunks(width)
            .flat_map(|row| values_rows(table, row, returning))
            .collect()
    } else {
        sqlx::query("ROLLBACK TO SAVEPOINT bulk")
            .execute(&mut **tx)
            .await?;
        let sql = format!("{insert} RETURNING {}", returning.join(", "));
        let found = sqlx::query(AssertSqlSafe(&*sql))
            .fetch_all(&mut **tx)
            .await?;
        found
            .iter()
            .map(|r| decode_ints(r, returning.len()))
            .collect::<Result<Vec<_>>>()?
    };
    sqlx::query(AssertSqlSafe(format!("TRUNCATE {staging}")))
        .execute(&mut **tx)
        .await?;
    Ok(out)
}

/// `COPY`s rows (flattened, `table.columns.len()` per row) into `target`, which has the
/// table's columns: the table itself, or its staging copy.
pub(crate) async fn copy_in(
    tx: &mut Transaction<'_, Postgres>,
    target: &str,
    table: &Table,
    values: &[Val<'_>],
) -> Result<()> {
    let width = table.columns.len();
    if values.len() <= SMALL_COPY_PARAMS {
        return insert_values(tx, target, table, values).await;
    }
    let statement = format!("COPY {target} ({}) FROM STDIN", table.columns.join(", "));
    let mut copy = tx.copy_in_raw(&statement).await?;
    // Sent in pieces: the server parses one while the next is written.
    const PIECE: usize = 1 << 20;
    let mut buffer = String::with_capacity(PIECE + 4096);
    for row in values.chunks(width) {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                buffer.push('\t');
            }
            copy_text(&mut buffer, v);
        }
        buffer.push('\n');
        if buffer.len() >= PIECE {
            copy.send(
                std::mem::replace(&mut buffer, String::with_capacity(PIECE + 4096)).into_bytes(),
            )
            .await?;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.into_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// Below this many values a write goes as one multi-row `INSERT` instead of `COPY`. A `COPY`
/// is several messages in separate writes, and sqlx does not set `TCP_NODELAY`: on a TCP
/// connection Nagle's algorithm then holds the last message until the server's delayed ACK,
/// about 40 ms per `COPY` whatever its size (the server logged 44-52 ms for a few rows), which
/// capped single contacts over the API at a few hundred a second. An `INSERT` goes in one write.
const SMALL_COPY_PARAMS: usize = 4_096;

/// The rows as one `INSERT INTO target (...) VALUES (...), ...` (no `ON CONFLICT`: a key
/// already there fails the statement, as it fails a `COPY`).
async fn insert_values(
    tx: &mut Transaction<'_, Postgres>,
    target: &str,
    table: &Table,
    values: &[Val<'_>],
) -> Result<()> {
    let width = table.columns.len();
    if values.is_empty() {
        return Ok(());
    }
    let mut sql = format!(
        "INSERT INTO {target} ({}) VALUES ",
        table.columns.join(", ")
    );
    values_list(
        &mut sql,
        values.len() / width,
        width,
        Placeholders::Numbered,
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for v in values {
        q = match *v {
            Val::Int(x) => q.bind(x),
            Val::Float(x) => q.bind(x),
            Val::Text(x) => q.bind(x),
        };
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// PostgreSQL's COPY text format: `\N` is NULL; backslash, tab, newline and CR are escaped.
fn copy_text(buffer: &mut String, v: &Val<'_>) {
    match *v {
        Val::Int(Some(x)) => {
            let _ = write!(buffer, "{x}");
        }
        Val::Float(Some(x)) => {
            let _ = write!(buffer, "{x}");
        }
        Val::Text(Some(s)) => {
            for ch in s.chars() {
                match ch {
                    '\\' => buffer.push_str("\\\\"),
                    '\t' => buffer.push_str("\\t"),
                    '\n' => buffer.push_str("\\n"),
                    '\r' => buffer.push_str("\\r"),
                    c => buffer.push(c),
                }
            }
        }
        Val::Int(None) | Val::Float(None) | Val::Text(None) => buffer.push_str("\\N"),
    }
}

/// A write transaction on either backend.
pub(crate) enum Tx<'c> {
    Sqlite(Transaction<'c, Sqlite>),
    Postgres(Transaction<'c, Postgres>),
}

impl Tx<'_> {
    pub(crate) async fn begin(db: &crate::db::Db) -> Result<Tx<'static>> {
        Ok(match db {
            // IMMEDIATE takes the write lock now, waiting on sqlx's own thread: the bulk path
            // then steps statements on the raw handle (on this runtime thread) without ever
            // waiting for another writer there, which could starve the runtime.
            crate::db::Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            crate::db::Db::Postgres(p) => {
                let mut tx = p.begin().await?;
                // Bulk writes are idempotent and re-runnable: a crash may lose the last
                // commits but never corrupts, so they need not wait for the WAL flush.
                sqlx::query("SET LOCAL synchronous_commit = off")
                    .execute(&mut *tx)
                    .await?;
                Tx::Postgres(tx)
            }
        })
    }

    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Inserts rows, skipping existing keys; returns `returning` of the inserted rows.
    pub(crate) async fn insert(
        &mut self,
        table: &Table,
        values: &[Val<'_>],
        returning: &[&str],
    ) -> Result<Vec<Vec<i64>>> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Tx::Sqlite(t) => insert_sqlite(t, table, values, returning).await,
            Tx::Postgres(t) => insert_postgres(t, table, values, returning).await,
        }
    }

    /// Adds `values` (rows of key columns then measure columns, all integers) to a rollup
    /// table: new keys are inserted, existing ones get the measures added.
    pub(crate) async fn add_to_rollup(
        &mut self,
        table: &str,
        keys: &[&str],
        measures: &[&str],
        values: &[i64],
    ) -> Result<()> {
        let width = keys.len() + measures.len();
        let per_statement = SQLITE_MAX_PARAMS / width;
        for chunk in values.chunks(per_statement * width) {
            let rows = chunk.len() / width;
            match self {
                Tx::Sqlite(t) => {
                    let sql = rollup_sql(table, keys, measures, rows, Placeholders::Anonymous);
                    let mut q = sqlx::query(AssertSqlSafe(&*sql));
                    for v in chunk {
                        q = q.bind(*v);
                    }
                    q.execute(&mut **t).await?;
                }
                Tx::Postgres(t) => {
                    let sql = rollup_sql(table, keys, measures, rows, Placeholders::Numbered);
                    let mut q = sqlx::query(AssertSqlSafe(&*sql));
                    for v in chunk {
                        q = q.bind(*v);
                    }
                    q.execute(&mut **t).await?;
                }
            }
        }
        Ok(())
    }

    /// Runs one statement without parameters.
    pub(crate) async fn execute(&mut self, sql: &str) -> Result<u64> {
        Ok(match self {
            Tx::Sqlite(t) => sqlx::query(AssertSqlSafe(sql))
                .execute(&mut **t)
                .await?
                .rows_affected(),
            Tx::Postgres(t) => sqlx::query(AssertSqlSafe(sql))
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }
}

fn rollup_sql(
    table: &str,
    keys: &[&str],
    measures: &[&str],
    rows: usize,
    style: Placeholders,
) -> String {
    let mut sql = format!(
        "INSERT INTO {table} ({}, {}) VALUES ",
        keys.join(", "),
        measures.join(", ")
    );
    values_list(&mut sql, rows, keys.len() + measures.len(), style);
    let _ = write!(sql, " ON CONFLICT ({}) DO UPDATE SET ", keys.join(", "));
    for (i, m) in measures.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "{m} = {table}.{m} + excluded.{m}");
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_would_misread() {
        let mut b = String::new();
        copy_text(&mut b, &Val::Text(Some("a\tb\\c\nd")));
        assert_eq!(b, "a\\tb\\\\c\\nd");
        b.clear();
        copy_text(&mut b, &Val::Text(None));
        assert_eq!(b, "\\N");
    }

    #[test]
    fn rollup_sql_adds_measures_on_conflict() {
        assert_eq!(
            rollup_sql("r", &["k"], &["n"], 2, Placeholders::Numbered),
            "INSERT INTO r (k, n) VALUES ($1,$2),($3,$4) ON CONFLICT (k) DO UPDATE SET n = r.n + excluded.n"
        );
        assert!(
            rollup_sql("r", &["k"], &["n"], 2, Placeholders::Anonymous).contains("(?,?),(?,?)")
        );
    }
}
