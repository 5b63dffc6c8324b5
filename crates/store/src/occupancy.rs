//! Trunk occupancy (migration 9): per call-center line and interval, the channels the line has
//! and how many were busy, as a PBX or a poller reports them. The call centers' AS indicator
//! (the share of the open time with a free channel) is computed from it in
//! `canali_callcenter::occupancy`.

use crate::bulk::Tx;
use crate::db::on_db;
use crate::{Calls, Result};

/// One interval of a line's occupancy: `[start_at, end_at)` in seconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct OccupancyInterval {
    /// The call-center line (`residential`, `business`).
    pub line: String,
    pub start_at: i64,
    pub end_at: i64,
    pub channels: i64,
    pub busy: i64,
}

/// Rows per INSERT statement (5 parameters each, well under SQLite's limit).
const ROWS_PER_STATEMENT: usize = 500;

fn insert_sql(rows: usize, numbered: bool) -> String {
    let mut sql = String::from(
        "INSERT INTO trunk_occupancy (line, start_at, end_at, channels, busy) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..5 {
            if c > 0 {
                sql.push_str(", ");
            }
            if numbered {
                sql.push_str(&format!("${}", r * 5 + c + 1));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (line, start_at) DO NOTHING");
    sql
}

impl Calls<'_> {
    /// Stores occupancy intervals in one transaction; an interval whose line and start are
    /// already stored is skipped (so importing a file again adds nothing). Returns how many
    /// were new.
    pub async fn insert_trunk_occupancy(self, rows: &[OccupancyInterval]) -> Result<u64> {
        let mut tx = Tx::begin(&self.store.db).await?;
        let mut inserted = 0;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            macro_rules! run {
                ($t:ident, $numbered:expr) => {{
                    let sql = insert_sql(chunk.len(), $numbered);
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(&*sql));
                    for r in chunk {
                        q = q
                            .bind(&r.line)
                            .bind(r.start_at)
                            .bind(r.end_at)
                            .bind(r.channels)
                            .bind(r.busy);
                    }
                    q.execute(&mut **$t).await?.rows_affected()
                }};
            }
            inserted += match &mut tx {
                Tx::Sqlite(t) => run!(t, false),
                Tx::Postgres(t) => run!(t, true),
            };
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// A line's intervals that overlap `[from, to)` (seconds since the epoch), by start.
    pub async fn trunk_occupancy(
        self,
        line: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<OccupancyInterval>> {
        let sql = "SELECT line, start_at, end_at, channels, busy FROM trunk_occupancy \
                   WHERE line = $1 AND start_at < $3 AND end_at > $2 ORDER BY start_at";
        let rows: Vec<OccupancyInterval> = on_db!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(line)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_stores;

    fn iv(line: &str, start_at: i64, busy: i64) -> OccupancyInterval {
        OccupancyInterval {
            line: line.into(),
            start_at,
            end_at: start_at + 300,
            channels: 30,
            busy,
        }
    }

    #[tokio::test]
    async fn occupancy_is_stored_once_per_line_and_start() {
        for ts in fresh_stores().await.unwrap() {
            let s = &ts.store;
            // More rows than one statement holds, and one repeated in the same batch.
            let mut rows: Vec<OccupancyInterval> =
                (0..1200).map(|i| iv("residential", i * 300, 3)).collect();
            rows.push(iv("business", 0, 30));
            rows.push(iv("business", 0, 1));
            assert_eq!(
                s.calls().insert_trunk_occupancy(&rows).await.unwrap(),
                1201,
                "{}",
                ts.name
            );
            assert_eq!(
                s.calls().insert_trunk_occupancy(&rows).await.unwrap(),
                0,
                "{}",
                ts.name
            );
            let res = s
                .calls()
                .trunk_occupancy("residential", 0, 1200 * 300)
                .await
                .unwrap();
            assert_eq!(res.len(), 1200, "{}", ts.name);
            let bus = s
                .calls()
                .trunk_occupancy("business", 299, 300)
                .await
                .unwrap();
            assert_eq!(bus, vec![iv("business", 0, 30)], "{}", ts.name);
            // Intervals touching the window's ends are not in it.
            assert!(
                s.calls()
                    .trunk_occupancy("business", 300, 900)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }
}
