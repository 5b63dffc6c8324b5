//! Small reads the branch and call-center desks need: the campaigns a branch takes part in, the
//! branch contacts of a period, and every queue_log follower's saved state (the calls still
//! open and the agents logged in when it last committed, for the call centers' wallboard).

use crate::branches_store::{CampaignBranch, MaterialCampaign};
use crate::db::on_db;
use crate::{Result, Store};
use canali_domain::{Channel, Day};

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
    /// The sent campaigns `branch` is a target of, newest first, with what it confirmed.
    pub async fn campaigns_of_branch(
        &self,
        branch: &str,
    ) -> Result<Vec<(MaterialCampaign, CampaignBranch)>> {
        type Row = (
            i64,
            String,
            String,
            i64,
            Option<i64>,
            i64,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        );
        let rows: Vec<Row> = on_db!(&self.db, |p| {
            sqlx::query_as(
            "SELECT m.id, m.name, m.material, m.created_at, m.sent_at, b.copies, b.delivered_at, \
                    b.displayed_at, b.reminded_at \
             FROM campaign_branches b JOIN material_campaigns m ON m.id = b.campaign \
             WHERE b.branch = $1 AND m.sent_at IS NOT NULL ORDER BY m.sent_at DESC, m.id DESC"
        )
        .bind(branch)
        .fetch_all(p)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    MaterialCampaign {
                        id: r.0,
                        name: r.1,
                        material: r.2,
                        created_at: r.3,
                        sent_at: r.4,
                    },
                    CampaignBranch {
                        campaign: r.0,
                        branch: branch.to_string(),
                        copies: r.5,
                        delivered_at: r.6,
                        displayed_at: r.7,
                        reminded_at: r.8,
                    },
                )
            })
            .collect())
    }

    /// Ledger contacts of the `branch` channel at one branch over the days `from..=to`.
    pub async fn branch_contact_count(&self, branch: &str, from: Day, to: Day) -> Result<i64> {
        let n: i64 = on_db!(&self.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM contacts WHERE channel = $1 AND branch = $2 \
             AND day >= $3 AND day <= $4"
        )
        .bind(Channel::Branch.code())
        .bind(branch)
        .bind(i64::from(from.0))
        .bind(i64::from(to.0))
        .fetch_one(p)
        .await)?;
        Ok(n)
    }

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

#[cfg(test)]
mod tests {
    use crate::Sot;
    use crate::testing::fresh_stores;
    use crate::tickets::ServiceCategory;
    use canali_domain::Day;

    use crate::testing::sample_branch as branch;

    #[tokio::test]
    async fn a_branch_sees_its_sent_campaigns_and_its_closed_tickets() {
        for ts in fresh_stores().await.unwrap() {
            let s = &ts.store;
            s.insert_sots(&[Sot {
                code: 1,
                name: "Bologna".into(),
            }])
            .await
            .unwrap();
            s.insert_branches(&[branch("BO01"), branch("BO02")])
                .await
                .unwrap();
            let c = s.create_campaign("Bonus gas", "leaflet", 10).await.unwrap();
            s.target_campaign(c, &[("BO01".into(), 50), ("BO02".into(), 20)])
                .await
                .unwrap();
            assert!(s.campaigns_of_branch("BO01").await.unwrap().is_empty());
            s.send_campaign(c, 20).await.unwrap();
            s.confirm_campaign(c, "BO01", false, 30).await.unwrap();
            let mine = s.campaigns_of_branch("BO01").await.unwrap();
            assert_eq!(mine.len(), 1, "{}", ts.name);
            assert_eq!(mine[0].1.copies, 50);
            assert_eq!(mine[0].1.delivered_at, Some(30));
            assert_eq!(mine[0].1.displayed_at, None);
            assert!(s.campaigns_of_branch("BO03").await.unwrap().is_empty());

            s.set_service_categories(&[ServiceCategory {
                branch: "BO01".into(),
                code: "A".into(),
                name: "Bollette".into(),
                priority: 1,
            }])
            .await
            .unwrap();
            let at = canali_domain::day::local_micros(jiff::civil::date(2011, 3, 1), 9, 0, 0);
            s.take_ticket("BO01", "A", false, at, 0).await.unwrap();
            let t = s
                .call_next("BO01", "1", "clerk", &[], at + 60_000_000)
                .await
                .unwrap()
                .unwrap();
            s.serve_ticket(t.id, at + 90_000_000).await.unwrap();
            s.close_ticket(t.id, at + 300_000_000, None).await.unwrap();
            let day = Day::of_micros(at);
            assert_eq!(s.branch_contact_count("BO01", day, day).await.unwrap(), 1);
            assert_eq!(s.branch_contact_count("BO02", day, day).await.unwrap(), 0);
            assert!(s.follower_snapshots().await.unwrap().is_empty());
        }
    }
}
