//! Bulk writes on both backends: prepared inserts stepped on the raw handle on SQLite
//! (`sqlite_bulk`), one `INSERT ... SELECT FROM UNNEST` or `COPY` on PostgreSQL; both
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
    /// On SQLite the table has only SQLite's own rowid (no `INTEGER PRIMARY KEY`, not `WITHOUT
    /// ROWID`), so the rows one statement inserts get consecutive rowids after the largest:
    /// the bulk path can then write many rows per statement and still tell which were new.
    /// `tests::implicit_rowid_matches_the_sqlite_schema` holds this to the migrations.
    pub implicit_rowid: bool,
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

/// `(?,?),(?,?)`: `rows` tuples of `width` anonymous parameters. SQLite looks a numbered
/// parameter up by a linear scan (so `$N` costs O(N^2) over a 30 000-parameter statement);
/// anonymous `?` costs nothing.
fn values_list(sql: &mut String, rows: usize, width: usize) {
    let row = format!("({})", vec!["?"; width].join(","));
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push_str(&row);
    }
}

/// Up to this many rows a PostgreSQL write is one `INSERT ... SELECT * FROM UNNEST(...)`;
/// above, `COPY`. A `COPY` is several messages in separate writes, and sqlx does not set
/// `TCP_NODELAY`: on a TCP connection Nagle's algorithm holds the last one until the server's
/// delayed ACK, about 40 ms per `COPY` whatever its size (the server logged 44-52 ms for a few
/// rows). But `COPY` costs less per row: on 50,000-row batches of contacts the `UNNEST`
/// statement ingested 67k rows/s against 116k by `COPY` (`canali bench`, 2026-11-27).
const UNNEST_MAX_ROWS: usize = 4_096;

/// The PostgreSQL path: small writes as [`insert_unnest`], large ones by [`insert_by_copy`].
pub(crate) async fn insert_postgres(
    tx: &mut Transaction<'_, Postgres>,
    table: &Table,
    values: &[Val<'_>],
    returning: &[&str],
) -> Result<Vec<Vec<i64>>> {
    if values.len() / table.columns.len() <= UNNEST_MAX_ROWS {
        insert_unnest(tx, table, values, returning).await
    } else {
        insert_by_copy(tx, table, values, returning).await
    }
}

/// One `INSERT ... SELECT * FROM UNNEST($1::int8[], $2::text[], ...)`, each column bound as one
/// array: one message and one statement whatever the number of rows, and its text does not
/// depend on that number, so the connection prepares it once. Rows whose key is stored are
/// skipped (`ON CONFLICT DO NOTHING`); the `returning` columns of those written come back.
async fn insert_unnest(
    tx: &mut Transaction<'_, Postgres>,
    table: &Table,
    values: &[Val<'_>],
    returning: &[&str],
) -> Result<Vec<Vec<i64>>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let arrays = column_arrays(table, values)?;
    let mut sql = format!(
        "INSERT INTO {} ({}) SELECT * FROM UNNEST(",
        table.name,
        table.columns.join(", ")
    );
    for (i, array) in arrays.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "${}::{}", i + 1, array.sql_type());
    }
    let _ = write!(sql, ") ON CONFLICT ({}) DO NOTHING", table.key);
    if !returning.is_empty() {
        let _ = write!(sql, " RETURNING {}", returning.join(", "));
    }
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for array in arrays {
        q = match array {
            ColumnArray::Int(a) => q.bind(a),
            ColumnArray::Float(a) => q.bind(a),
            ColumnArray::Text(a) => q.bind(a),
        };
    }
    if returning.is_empty() {
        let done = q.execute(&mut **tx).await?;
        return Ok((0..done.rows_affected()).map(|_| Vec::new()).collect());
    }
    let rows = q.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|r| decode_ints(r, returning.len()))
        .collect()
}

/// One column of rows, as the array PostgreSQL unnests.
enum ColumnArray<'a> {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Text(Vec<Option<&'a str>>),
}

impl ColumnArray<'_> {
    fn sql_type(&self) -> &'static str {
        match self {
            ColumnArray::Int(_) => "int8[]",
            ColumnArray::Float(_) => "float8[]",
            ColumnArray::Text(_) => "text[]",
        }
    }
}

/// The columns of `values` (flattened rows of the table's width), typed by the first row.
fn column_arrays<'a>(table: &Table, values: &[Val<'a>]) -> Result<Vec<ColumnArray<'a>>> {
    let width = table.columns.len();
    let rows = values.len() / width;
    let mut arrays: Vec<ColumnArray<'a>> = values[..width]
        .iter()
        .map(|v| match v {
            Val::Int(_) => ColumnArray::Int(Vec::with_capacity(rows)),
            Val::Float(_) => ColumnArray::Float(Vec::with_capacity(rows)),
            Val::Text(_) => ColumnArray::Text(Vec::with_capacity(rows)),
        })
        .collect();
    for row in values.chunks(width) {
        for ((array, v), column) in arrays.iter_mut().zip(row).zip(table.columns) {
            match (array, *v) {
                (ColumnArray::Int(a), Val::Int(x)) => a.push(x),
                (ColumnArray::Float(a), Val::Float(x)) => a.push(x),
                (ColumnArray::Text(a), Val::Text(x)) => a.push(x),
                _ => {
                    return Err(crate::StoreError::Failed(format!(
                        "bulk write into {}: column {column} holds values of two types",
                        table.name
                    )));
                }
            }
        }
    }
    Ok(arrays)
}

/// The PostgreSQL path for large writes. Optimistic first: `COPY` straight into the table,
/// several times faster than through a staging table; when a row's key is already stored (or
/// repeated in `values`) the key refuses the copy, which is undone, and the rows go through a
/// session-local staging table and one `INSERT ... SELECT ... ON CONFLICT DO NOTHING`.
async fn insert_by_copy(
    tx: &mut Transaction<'_, Postgres>,
    table: &Table,
    values: &[Val<'_>],
    returning: &[&str],
) -> Result<Vec<Vec<i64>>> {
    let width = table.columns.len();
    sqlx::query("SAVEPOINT straight").execute(&mut **tx).await?;
    match copy_in(tx, table.name, table, values).await {
        Ok(()) => {
            sqlx::query("RELEASE SAVEPOINT straight")
                .execute(&mut **tx)
                .await?;
            return Ok(values
                .chunks(width)
                .flat_map(|row| values_rows(table, row, returning))
                .collect());
        }
        Err(crate::StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            sqlx::query("ROLLBACK TO SAVEPOINT straight")
                .execute(&mut **tx)
                .await?;
        }
        Err(e) => return Err(e),
    }
    let staging = format!("staging_{}", table.name);
    let columns = table.columns.join(", ");
    sqlx::query(AssertSqlSafe(format!(
        "CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
        table.name
    )))
    .execute(&mut **tx)
    .await?;
    copy_in(tx, &staging, table, values).await?;
    let mut insert = format!(
        "INSERT INTO {} ({columns}) SELECT {columns} FROM {staging} ON CONFLICT ({}) DO NOTHING",
        table.name, table.key
    );
    let out = if returning.is_empty() {
        let done = sqlx::query(AssertSqlSafe(insert))
            .execute(&mut **tx)
            .await?;
        (0..done.rows_affected()).map(|_| Vec::new()).collect()
    } else {
        let _ = write!(insert, " RETURNING {}", returning.join(", "));
        let found = sqlx::query(AssertSqlSafe(insert))
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
    /// table: new keys are inserted, existing ones get the measures added. The rows are written
    /// in key order, each key once (repeated keys summed first): the table's key index then
    /// takes its entries in sequence rather than at random.
    pub(crate) async fn add_to_rollup(
        &mut self,
        table: &str,
        keys: &[&str],
        measures: &[&str],
        values: &[i64],
    ) -> Result<()> {
        let width = keys.len() + measures.len();
        let rows = sorted_rollup_rows(values, keys.len(), width);
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Tx::Sqlite(t) => {
                let per_statement = SQLITE_MAX_PARAMS / width;
                for chunk in rows.chunks(per_statement * width) {
                    let n = chunk.len() / width;
                    let sql = rollup_sql(table, keys, measures, n);
                    let mut q = sqlx::query(AssertSqlSafe(&*sql));
                    for v in chunk {
                        q = q.bind(*v);
                    }
                    q.execute(&mut **t).await?;
                }
            }
            Tx::Postgres(t) => {
                // One statement whatever the number of rows, each column one array: its text
                // does not change, so the connection prepares it once, and the server plans
                // no list of thousands of parameters.
                let sql = rollup_unnest_sql(table, keys, measures);
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for c in 0..width {
                    let column: Vec<i64> = rows.iter().skip(c).step_by(width).copied().collect();
                    q = q.bind(column);
                }
                q.execute(&mut **t).await?;
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

/// Rollup rows (`width` integers each, the first `keys` the key) sorted by key, the measures of
/// rows with the same key added up: the same sums the upsert would reach row by row.
fn sorted_rollup_rows(values: &[i64], keys: usize, width: usize) -> Vec<i64> {
    let mut rows: Vec<&[i64]> = values.chunks_exact(width).collect();
    rows.sort_unstable_by(|a, b| a[..keys].cmp(&b[..keys]));
    let mut out: Vec<i64> = Vec::with_capacity(values.len());
    let mut last: Option<usize> = None;
    for row in rows {
        match last {
            Some(at) if out[at..at + keys] == row[..keys] => {
                for (sum, v) in out[at + keys..at + width].iter_mut().zip(&row[keys..]) {
                    *sum += v;
                }
            }
            _ => {
                last = Some(out.len());
                out.extend_from_slice(row);
            }
        }
    }
    out
}

/// `INSERT INTO t (keys, measures) SELECT * FROM UNNEST($1::int8[], ...) ON CONFLICT (keys) DO
/// UPDATE SET m = t.m + excluded.m, ...` (PostgreSQL).
fn rollup_unnest_sql(table: &str, keys: &[&str], measures: &[&str]) -> String {
    let width = keys.len() + measures.len();
    let arrays: Vec<String> = (1..=width).map(|i| format!("${i}::int8[]")).collect();
    let mut sql = format!(
        "INSERT INTO {table} ({}, {}) SELECT * FROM UNNEST({}) ON CONFLICT ({}) DO UPDATE SET ",
        keys.join(", "),
        measures.join(", "),
        arrays.join(", "),
        keys.join(", ")
    );
    for (i, m) in measures.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "{m} = {table}.{m} + excluded.{m}");
    }
    sql
}

/// The SQLite rollup upsert of `rows` rows, with anonymous parameters.
fn rollup_sql(table: &str, keys: &[&str], measures: &[&str], rows: usize) -> String {
    let mut sql = format!(
        "INSERT INTO {table} ({}, {}) VALUES ",
        keys.join(", "),
        measures.join(", ")
    );
    values_list(&mut sql, rows, keys.len() + measures.len());
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
            rollup_sql("r", &["k"], &["n"], 2),
            "INSERT INTO r (k, n) VALUES (?,?),(?,?) ON CONFLICT (k) DO UPDATE SET n = r.n + excluded.n"
        );
    }

    #[test]
    fn rollup_rows_are_sorted_and_each_key_once() {
        // Key width 2, one measure: (2,1)+5, (1,9)+1, (2,1)+7 -> (1,9)+1, (2,1)+12.
        assert_eq!(
            sorted_rollup_rows(&[2, 1, 5, 1, 9, 1, 2, 1, 7], 2, 3),
            vec![1, 9, 1, 2, 1, 12]
        );
        assert!(sorted_rollup_rows(&[], 2, 3).is_empty());
        assert_eq!(
            rollup_unnest_sql("r", &["k"], &["n"]),
            "INSERT INTO r (k, n) SELECT * FROM UNNEST($1::int8[], $2::int8[]) ON CONFLICT (k) DO UPDATE SET n = r.n + excluded.n"
        );
    }

    /// The SQLite bulk path relies on `implicit_rowid` to tell which rows of a multi-row
    /// statement were new: a wrong flag would count contacts wrongly, so it is checked here
    /// against the schema the migrations build.
    #[tokio::test]
    async fn implicit_rowid_matches_the_sqlite_schema() {
        let t = crate::testing::fresh_sqlite().await.unwrap();
        let crate::db::Db::Sqlite(pool) = &t.store.db else {
            panic!("fresh_sqlite is SQLite");
        };
        let tables = [
            &crate::ledger::CONTACTS,
            &crate::customers::NAME_TOKENS,
            &crate::billing_store::BILL_LINES,
            &crate::registry::SOTS,
            &crate::registry::BRANCHES,
            &crate::registry::BRANCH_EVENTS,
            &crate::registry::CUSTOMERS,
            &crate::registry::SUPPLY_POINTS,
            &crate::registry::PORTAL_ACCOUNTS,
            &crate::registry::EBILL_EVENTS,
            &crate::registry::BILLS,
        ];
        for table in tables {
            // An `INTEGER PRIMARY KEY` column is the rowid itself, given by the rows.
            let (rowid_alias, without_rowid): (bool, bool) = sqlx::query_as(
                "SELECT (SELECT count(*) = 1 AND max(upper(type)) = 'INTEGER' \
                         FROM pragma_table_info(?1) WHERE pk > 0), \
                        (SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?1)",
            )
            .bind(table.name)
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(
                table.implicit_rowid,
                !rowid_alias && !without_rowid,
                "{}",
                table.name
            );
        }
    }
}
