//! Every queue_log follower's saved state (the calls still open and the agents logged in when it
//! last committed, for the call centers' wallboard). It belongs with the call events (store-b's
//! `calls` area); the branch reads that were here are in `branches_store.rs`.

use crate::db::on_db;
use crate::{Result, Store};

/// What a queue_log follower saved last: its source, the calls still open (the follower's JSON)
/// and when it committed (microseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerSnapshot {
    pub source: String,
    pub open_calls: String,
    /// The agents logged in and paused (the follower's JSON, '' for none).
    pub agents: String,
    pub updated_at: i64,
}

impl Store {
    /// Every queue_log follower's last saved state, by source.
    pub async fn follower_snapshots(&self) -> Result<Vec<FollowerSnapshot>> {
        let rows: Vec<(String, String, String, i64)> = on_db!(&self.db, |p| sqlx::query_as(
            "SELECT source, open_calls, agents, updated_at FROM call_follow ORDER BY source"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(
                |(source, open_calls, agents, updated_at)| FollowerSnapshot {
                    source,
                    open_calls,
                    agents,
                    updated_at,
                },
            )
            .collect())
    }
}
