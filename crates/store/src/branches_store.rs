//! The branch registry's editable side: upserts by code (the bulk writers of `registry.rs` only
//! insert), named schedule templates, dated opening-hour exceptions, the services each branch
//! handles, and material campaigns sent to branches with delivery and display confirmations.

use crate::bulk::Tx;
use crate::db::on_db;
use crate::{Branch, BranchEvent, NewContact, Refusal, Result, Sot, Store, StoreError};
use canali_domain::text::{TextKind, check_text};
use canali_domain::{Channel, Day};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Runs the same body on the transaction of either backend.
macro_rules! on_tx {
    ($tx:expr, |$t:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

/// A named weekly schedule shared by many branches, e.g. `homogeneous_33h`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScheduleTemplate {
    pub name: String,
    /// In the text form of `canali_domain::schedule`.
    pub hours: String,
}

/// Different hours at one branch on one date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BranchException {
    pub branch: String,
    #[serde(serialize_with = "crate::tickets::serialize_day")]
    pub day: Day,
    /// `None`: closed all day; otherwise an interval list `08:00-12:00,14:00-16:00`.
    pub hours: Option<String>,
    pub note: String,
}

/// Everything one registry import writes, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct RegistryUpdate {
    pub sots: Vec<Sot>,
    pub templates: Vec<ScheduleTemplate>,
    /// Each branch with the services it handles (comma list of service names).
    pub branches: Vec<(Branch, String)>,
    pub events: Vec<BranchEvent>,
    pub exceptions: Vec<BranchException>,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RegistryOutcome {
    pub sots: u64,
    pub templates: u64,
    pub branches_new: u64,
    pub branches_updated: u64,
    pub events_new: u64,
    pub exceptions: u64,
}

/// A campaign of commercial or institutional material sent to branches.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct MaterialCampaign {
    pub id: i64,
    pub name: String,
    /// Leaflet, poster, regulatory notice...
    pub material: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// One branch of a campaign and what it confirmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct CampaignBranch {
    pub campaign: i64,
    pub branch: String,
    pub copies: i64,
    pub delivered_at: Option<i64>,
    pub displayed_at: Option<i64>,
    pub reminded_at: Option<i64>,
}

/// The branch network: the registry (upserts, the bulk inserts of `registry.rs`), schedule
/// templates and dated exceptions, services, kiosk pairings, material campaigns and the
/// branch-wait histogram.
#[derive(Clone, Copy)]
pub struct BranchNetwork<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    pub fn network(&self) -> BranchNetwork<'_> {
        BranchNetwork { store: self }
    }
}

impl BranchNetwork<'_> {
    /// Writes a registry import: territories, templates and branches are created or updated by
    /// their key, events are added (an event already recorded is kept), exceptions replace the
    /// exception of the same branch and date.
    pub async fn upsert_registry(self, u: &RegistryUpdate) -> Result<RegistryOutcome> {
        let mut out = RegistryOutcome::default();
        let existing: Vec<String> = on_db!(&self.store.db, |p| sqlx::query_scalar(
            "SELECT code FROM branches"
        )
        .fetch_all(p)
        .await)?;
        let sot_sql = "INSERT INTO sots (code, name) VALUES ($1, $2) \
                       ON CONFLICT (code) DO UPDATE SET name = excluded.name";
        let tpl_sql = "INSERT INTO schedule_templates (name, hours) VALUES ($1, $2) \
                       ON CONFLICT (name) DO UPDATE SET hours = excluded.hours";
        let branch_sql = "INSERT INTO branches (code, name, municipality, address, sot, kind, operator, \
             contractor, host, host_name, counters, hours, schedule_template, latitude, longitude, services) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, municipality = excluded.municipality, \
             address = excluded.address, sot = excluded.sot, kind = excluded.kind, \
             operator = excluded.operator, contractor = excluded.contractor, host = excluded.host, \
             host_name = excluded.host_name, counters = excluded.counters, hours = excluded.hours, \
             schedule_template = excluded.schedule_template, latitude = excluded.latitude, \
             longitude = excluded.longitude, services = excluded.services";
        let event_sql = "INSERT INTO branch_events (branch, day, kind, note) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (branch, day, kind) DO NOTHING";
        let exc_sql = "INSERT INTO branch_exceptions (branch, day, hours, note) VALUES ($1, $2, $3, $4) \
                       ON CONFLICT (branch, day) DO UPDATE SET hours = excluded.hours, note = excluded.note";
        on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            for s in &u.sots {
                sqlx::query(sot_sql)
                    .bind(s.code)
                    .bind(&s.name)
                    .execute(&mut *tx)
                    .await?;
                out.sots += 1;
            }
            for t in &u.templates {
                sqlx::query(tpl_sql)
                    .bind(&t.name)
                    .bind(&t.hours)
                    .execute(&mut *tx)
                    .await?;
                out.templates += 1;
            }
            for (b, services) in &u.branches {
                sqlx::query(branch_sql)
                    .bind(&b.code)
                    .bind(&b.name)
                    .bind(&b.municipality)
                    .bind(&b.address)
                    .bind(b.sot)
                    .bind(b.kind.code())
                    .bind(b.operator.code())
                    .bind(&b.contractor)
                    .bind(b.host.code())
                    .bind(&b.host_name)
                    .bind(b.counters)
                    .bind(&b.hours)
                    .bind(&b.schedule_template)
                    .bind(b.latitude)
                    .bind(b.longitude)
                    .bind(services)
                    .execute(&mut *tx)
                    .await?;
                if existing.contains(&b.code) {
                    out.branches_updated += 1;
                } else {
                    out.branches_new += 1;
                }
            }
            for e in &u.events {
                let r = sqlx::query(event_sql)
                    .bind(&e.branch)
                    .bind(i64::from(e.day.0))
                    .bind(e.kind.code())
                    .bind(&e.note)
                    .execute(&mut *tx)
                    .await?;
                out.events_new += r.rows_affected();
            }
            for x in &u.exceptions {
                sqlx::query(exc_sql)
                    .bind(&x.branch)
                    .bind(i64::from(x.day.0))
                    .bind(&x.hours)
                    .bind(&x.note)
                    .execute(&mut *tx)
                    .await?;
                out.exceptions += 1;
            }
            tx.commit().await
        })?;
        *self.store.branch_sots.write().await = None;
        Ok(out)
    }

    pub async fn schedule_templates(self) -> Result<Vec<ScheduleTemplate>> {
        let rows: Vec<(String, String)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT name, hours FROM schedule_templates ORDER BY name"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(name, hours)| ScheduleTemplate { name, hours })
            .collect())
    }

    pub async fn branch_exceptions(self) -> Result<Vec<BranchException>> {
        let rows: Vec<(String, i64, Option<String>, String)> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
                "SELECT branch, day, hours, note FROM branch_exceptions ORDER BY branch, day",
            )
            .fetch_all(p)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(branch, day, hours, note)| BranchException {
                branch,
                day: Day(day as i32),
                hours,
                note,
            })
            .collect())
    }

    /// Branch code -> the services it handles (comma list of names, empty when not recorded).
    pub async fn branch_services(self) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT code, services FROM branches"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().collect())
    }

    /// Creates a campaign (not yet sent, no branches yet).
    pub async fn create_campaign(self, name: &str, material: &str, at: i64) -> Result<i64> {
        check_text("name", name, TextKind::Line)?;
        check_text("material", material, TextKind::Line)?;
        let id: i64 = on_db!(&self.store.db, |p| {
            sqlx::query_scalar(
            "INSERT INTO material_campaigns (name, material, created_at) VALUES ($1, $2, $3) RETURNING id"
        )
        .bind(name)
        .bind(material)
        .bind(at)
        .fetch_one(p)
        .await
        })?;
        Ok(id)
    }

    /// Adds branches to a campaign with their copies (a branch already targeted gets the new
    /// number of copies). Refused once the campaign was sent.
    pub async fn target_campaign(self, campaign: i64, targets: &[(String, i64)]) -> Result<u64> {
        let c = self.campaign(campaign).await?;
        if c.sent_at.is_some() {
            return Err(Refusal::CampaignSent { campaign }.into());
        }
        let sql = "INSERT INTO campaign_branches (campaign, branch, copies) VALUES ($1, $2, $3) \
                   ON CONFLICT (campaign, branch) DO UPDATE SET copies = excluded.copies";
        on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            for (branch, copies) in targets {
                sqlx::query(sql)
                    .bind(campaign)
                    .bind(branch)
                    .bind(copies)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })?;
        Ok(targets.len() as u64)
    }

    /// Marks a campaign sent; it must have at least one branch.
    pub async fn send_campaign(self, campaign: i64, at: i64) -> Result<MaterialCampaign> {
        let n: i64 = on_db!(&self.store.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM campaign_branches WHERE campaign = $1"
        )
        .bind(campaign)
        .fetch_one(p)
        .await)?;
        if n == 0 {
            return Err(Refusal::CampaignUntargeted { campaign }.into());
        }
        let r = on_db!(&self.store.db, |p| sqlx::query(
            "UPDATE material_campaigns SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL"
        )
        .bind(campaign)
        .bind(at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if r == 0 {
            // Sent meanwhile (it has branches, so it exists).
            return Err(Refusal::CampaignSent { campaign }.into());
        }
        self.campaign(campaign).await
    }

    pub async fn campaign(self, campaign: i64) -> Result<MaterialCampaign> {
        let row: Option<MaterialCampaign> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
                "SELECT id, name, material, created_at, sent_at FROM material_campaigns WHERE id = $1",
            )
            .bind(campaign)
            .fetch_optional(p)
            .await
        })?;
        row.ok_or_else(|| StoreError::not_found("campaign", campaign))
    }

    pub async fn campaigns(self) -> Result<Vec<MaterialCampaign>> {
        let rows: Vec<MaterialCampaign> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
                "SELECT id, name, material, created_at, sent_at FROM material_campaigns ORDER BY id",
            )
            .fetch_all(p)
            .await
        })?;
        Ok(rows)
    }

    /// A branch confirms it received the material (`displayed`: false) or put it on display
    /// (true). Only for a sent campaign the branch is part of; display implies delivery.
    pub async fn confirm_campaign(
        self,
        campaign: i64,
        branch: &str,
        displayed: bool,
        at: i64,
    ) -> Result<CampaignBranch> {
        if self.campaign(campaign).await?.sent_at.is_none() {
            return Err(Refusal::CampaignNotSent { campaign }.into());
        }
        let sql = if displayed {
            "UPDATE campaign_branches SET displayed_at = COALESCE(displayed_at, $3), \
             delivered_at = COALESCE(delivered_at, $3) WHERE campaign = $1 AND branch = $2"
        } else {
            "UPDATE campaign_branches SET delivered_at = COALESCE(delivered_at, $3) \
             WHERE campaign = $1 AND branch = $2"
        };
        let r = on_db!(&self.store.db, |p| sqlx::query(sql)
            .bind(campaign)
            .bind(branch)
            .bind(at)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if r == 0 {
            return Err(Refusal::NotCampaignTarget {
                branch: branch.into(),
                campaign,
            }
            .into());
        }
        let rows = self.campaign_branches(campaign).await?;
        rows.into_iter()
            .find(|r| r.branch == branch)
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "branch {branch} left campaign {campaign} while confirming"
                ))
            })
    }

    /// Records a reminder sent to the branches that have not confirmed display; returns them.
    pub async fn remind_campaign(self, campaign: i64, at: i64) -> Result<Vec<CampaignBranch>> {
        on_db!(&self.store.db, |p| {
            sqlx::query(
            "UPDATE campaign_branches SET reminded_at = $2 WHERE campaign = $1 AND displayed_at IS NULL"
        )
        .bind(campaign)
        .bind(at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(self
            .campaign_branches(campaign)
            .await?
            .into_iter()
            .filter(|b| b.displayed_at.is_none())
            .collect())
    }

    pub async fn campaign_branches(self, campaign: i64) -> Result<Vec<CampaignBranch>> {
        let rows: Vec<CampaignBranch> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT campaign, branch, copies, delivered_at, displayed_at, reminded_at \
             FROM campaign_branches WHERE campaign = $1 ORDER BY branch"
        )
        .bind(campaign)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}

/// The pairing of a branch's ticket kiosk: when and by whom its key was made, and when and by
/// whom it was revoked (pairing again revokes the key in force). The key itself is not kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct KioskPairing {
    pub branch: String,
    pub created_at: i64,
    /// Who paired it: an operator's e-mail address, or the command line and its user.
    pub created_by: String,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
}

/// A SHA-256 digest in lowercase hex, the only form in which the store takes a kiosk key.
fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl BranchNetwork<'_> {
    /// Pairs `branch`'s kiosk with the key whose SHA-256 is `key_hash`, revoking the key in
    /// force (if any) in the same transaction: from the commit only the new key opens the kiosk.
    pub async fn pair_kiosk(
        self,
        branch: &str,
        key_hash: &str,
        by: &str,
        at: i64,
    ) -> Result<KioskPairing> {
        if !is_sha256_hex(key_hash) {
            return Err(Refusal::KioskKeyInClear.into());
        }
        if by.trim().is_empty() {
            return Err(Refusal::KioskPairedByNobody.into());
        }
        let paired = on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            // A write first, on the branch's row: PostgreSQL queues two pairings of the same
            // branch on its row lock, so each revokes the other's key instead of both inserting
            // one in force; SQLite takes its write lock here (a read first would fail with
            // "database is locked" when the transaction turns to writing).
            let found = sqlx::query("UPDATE branches SET name = name WHERE code = $1")
                .bind(branch)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if found == 0 {
                return Err(StoreError::not_found("branch", branch));
            }
            sqlx::query(
                "UPDATE kiosk_keys SET revoked_at = $2, revoked_by = $3 \
                 WHERE branch = $1 AND revoked_at IS NULL",
            )
            .bind(branch)
            .bind(at)
            .bind(by.trim())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO kiosk_keys (branch, key_hash, created_at, created_by) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(branch)
            .bind(key_hash)
            .bind(at)
            .bind(by.trim())
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        });
        paired?;
        Ok(KioskPairing {
            branch: branch.to_string(),
            created_at: at,
            created_by: by.trim().to_string(),
            revoked_at: None,
            revoked_by: None,
        })
    }

    /// Revokes the key in force of `branch`'s kiosk; false when it had none.
    pub async fn revoke_kiosk(self, branch: &str, by: &str, at: i64) -> Result<bool> {
        let revoked = on_db!(&self.store.db, |p| sqlx::query(
            "UPDATE kiosk_keys SET revoked_at = $2, revoked_by = $3 \
             WHERE branch = $1 AND revoked_at IS NULL"
        )
        .bind(branch)
        .bind(at)
        .bind(by.trim())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(revoked > 0)
    }

    /// Whether `key_hash` is the key in force of `branch`'s kiosk (another branch's key, a
    /// revoked or replaced one is not).
    pub async fn kiosk_key_opens(self, branch: &str, key_hash: &str) -> Result<bool> {
        let n: i64 = on_db!(&self.store.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM kiosk_keys \
             WHERE key_hash = $1 AND branch = $2 AND revoked_at IS NULL"
        )
        .bind(key_hash)
        .bind(branch)
        .fetch_one(p)
        .await)?;
        Ok(n > 0)
    }

    /// The latest pairing of `branch`'s kiosk, in force or revoked; `None` if never paired.
    pub async fn kiosk_pairing(self, branch: &str) -> Result<Option<KioskPairing>> {
        let row: Option<KioskPairing> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT branch, created_at, created_by, revoked_at, revoked_by FROM kiosk_keys \
             WHERE branch = $1 ORDER BY id DESC LIMIT 1"
        )
        .bind(branch)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }
}

/// Waits of more than this many minutes share the rollup's last bucket (a working day is
/// shorter; the averages stay exact, only a quantile above it would be cut).
pub const WAIT_MINUTE_CAP: i64 = 600;

/// The rollup bucket of a wait: its seconds rounded up to whole minutes (0 for no wait), so
/// "more than M minutes" is exactly `minute > M` for any whole M.
pub fn wait_minute(seconds: i64) -> i64 {
    if seconds <= 0 {
        0
    } else {
        ((seconds + 59) / 60).min(WAIT_MINUTE_CAP)
    }
}

/// The same bucket in SQL, over a column of seconds.
fn wait_minute_sql(column: &str) -> String {
    format!(
        "CASE WHEN {column} <= 0 THEN 0 WHEN {column} > {top} THEN {WAIT_MINUTE_CAP} \
         ELSE ({column} + 59) / 60 END",
        top = (WAIT_MINUTE_CAP - 1) * 60
    )
}

/// One row of the branch waiting-time rollup: the branch contacts of a month, branch and
/// territory whose wait falls in one minute bucket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WaitBucket {
    /// `None` for contacts without a branch.
    pub branch: Option<String>,
    pub territory: i64,
    /// The wait rounded up to whole minutes ([`wait_minute`]): the bucket holds waits of more
    /// than `minute - 1` and at most `minute` minutes (bucket 0: no wait).
    pub minute: i64,
    pub contacts: i64,
    /// The exact sum of the waits of the bucket.
    pub wait_seconds: i64,
}

const WAIT_KEYS: &str = "month, branch, territory, minute";

/// Adds contacts just written to the ledger (`(day, territory, contact)`) to the branch
/// waiting-time rollup, inside the ledger's transaction: branch contacts with a wait only.
pub(crate) async fn add_branch_waits(
    tx: &mut Tx<'_>,
    written: &[(i32, i64, &NewContact)],
) -> Result<()> {
    let mut rows: HashMap<(i64, &str, i64, i64), (i64, i64)> = HashMap::new();
    let mut month_of: HashMap<i32, i64> = HashMap::new();
    for (day, territory, c) in written {
        let (Channel::Branch, Some(w)) = (c.channel, c.wait_seconds) else {
            continue;
        };
        let month = *month_of
            .entry(*day)
            .or_insert_with(|| i64::from(Day(*day).month_key()));
        let r = rows
            .entry((
                month,
                c.branch.as_deref().unwrap_or(""),
                *territory,
                wait_minute(w),
            ))
            .or_default();
        r.0 += 1;
        r.1 += w;
    }
    let rows: Vec<_> = rows.into_iter().collect();
    // Six parameters a row, well under SQLite's limit per statement.
    for chunk in rows.chunks(4_000) {
        let mut sql = format!(
            "INSERT INTO branch_wait_monthly ({WAIT_KEYS}, contacts, wait_seconds) VALUES "
        );
        // SQLite looks numbered parameters up one by one (quadratic in their count): it gets
        // anonymous ones, as in `Tx::add_to_rollup`.
        let anonymous = matches!(tx, Tx::Sqlite(_));
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "(" } else { ",(" });
            for k in 1..=6 {
                if k > 1 {
                    sql.push(',');
                }
                if anonymous {
                    sql.push('?');
                } else {
                    let _ = write!(sql, "${}", i * 6 + k);
                }
            }
            sql.push(')');
        }
        sql.push_str(&format!(
            " ON CONFLICT ({WAIT_KEYS}) DO UPDATE SET \
             contacts = branch_wait_monthly.contacts + excluded.contacts, \
             wait_seconds = branch_wait_monthly.wait_seconds + excluded.wait_seconds"
        ));
        on_tx!(&mut *tx, |t| {
            let mut q = sqlx::query(AssertSqlSafe(&*sql));
            for ((month, branch, territory, minute), (n, w)) in chunk {
                q = q
                    .bind(*month)
                    .bind(*branch)
                    .bind(*territory)
                    .bind(*minute)
                    .bind(*n)
                    .bind(*w);
            }
            q.execute(&mut **t).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Recomputes the branch waiting-time rollup from the ledger, inside the caller's transaction
/// (`Store::rebuild_rollups`). Returns the branch contacts counted.
pub(crate) async fn rebuild_branch_waits(tx: &mut Tx<'_>) -> Result<i64> {
    tx.execute("DELETE FROM branch_wait_monthly").await?;
    let branch = Channel::Branch.code();
    let sql = format!(
        "SELECT CAST(MIN(day) AS BIGINT), CAST(MAX(day) AS BIGINT) FROM contacts \
         WHERE channel = {branch} AND wait_seconds IS NOT NULL"
    );
    let (first, last): (Option<i64>, Option<i64>) =
        on_tx!(&mut *tx, |t| sqlx::query_as(AssertSqlSafe(&*sql))
            .fetch_one(&mut **t)
            .await)?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(0);
    };
    // Months from days: the calendar is the domain's, so the statement gets the month of
    // every day as a CASE over the months' first days (one scan of the ledger).
    let mut month_case = String::from("CASE");
    let mut day = Day(first as i32).date().first_of_month();
    let end = Day(last as i32).date();
    while day <= end {
        let next = day
            .last_of_month()
            .tomorrow()
            .map_err(|e| StoreError::Corrupt(format!("the month after {day}: {e}")))?;
        let _ = write!(
            month_case,
            " WHEN day < {} THEN {}",
            Day::from_date(next).0,
            Day::from_date(day).month_key()
        );
        day = next;
    }
    month_case.push_str(" END");
    let minute = wait_minute_sql("wait_seconds");
    tx.execute(&format!(
        "INSERT INTO branch_wait_monthly ({WAIT_KEYS}, contacts, wait_seconds) \
         SELECT m, b, territory, w, COUNT(*), CAST(SUM(wait_seconds) AS BIGINT) FROM \
           (SELECT {month_case} AS m, COALESCE(branch, '') AS b, territory, {minute} AS w, \
                   wait_seconds \
            FROM contacts WHERE channel = {branch} AND wait_seconds IS NOT NULL) AS v \
         GROUP BY m, b, territory, w"
    ))
    .await?;
    let counted: i64 = on_tx!(&mut *tx, |t| sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(contacts), 0) AS BIGINT) FROM branch_wait_monthly"
    )
    .fetch_one(&mut **t)
    .await)?;
    Ok(counted)
}

impl BranchNetwork<'_> {
    /// The branch waiting-time rollup of the months `from..=to` (keys like 201103): one row
    /// per month, branch, territory and minute bucket. Reads only the rollup.
    pub async fn branch_wait_histogram(self, from: i32, to: i32) -> Result<Vec<WaitBucket>> {
        /// A bucket as the rollup stores it: '' for contacts without a branch.
        #[derive(sqlx::FromRow)]
        struct Row {
            branch: String,
            territory: i64,
            minute: i64,
            contacts: i64,
            wait_seconds: i64,
        }
        let rows: Vec<Row> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
                "SELECT branch, territory, minute, CAST(SUM(contacts) AS BIGINT) AS contacts, \
                        CAST(SUM(wait_seconds) AS BIGINT) AS wait_seconds \
                 FROM branch_wait_monthly WHERE month >= $1 AND month <= $2 \
                 GROUP BY branch, territory, minute ORDER BY branch, territory, minute",
            )
            .bind(i64::from(from))
            .bind(i64::from(to))
            .fetch_all(p)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|r| WaitBucket {
                branch: (!r.branch.is_empty()).then_some(r.branch),
                territory: r.territory,
                minute: r.minute,
                contacts: r.contacts,
                wait_seconds: r.wait_seconds,
            })
            .collect())
    }
}

/// The branch desk's reads: the campaigns a branch takes part in, its contacts of a period.
impl BranchNetwork<'_> {
    /// The sent campaigns `branch` is a target of, newest first, with what it confirmed.
    pub async fn campaigns_of_branch(
        self,
        branch: &str,
    ) -> Result<Vec<(MaterialCampaign, CampaignBranch)>> {
        /// A sent campaign and what the branch confirmed of it.
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            material: String,
            created_at: i64,
            sent_at: Option<i64>,
            copies: i64,
            delivered_at: Option<i64>,
            displayed_at: Option<i64>,
            reminded_at: Option<i64>,
        }
        let rows: Vec<Row> = on_db!(&self.store.db, |p| {
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
                        id: r.id,
                        name: r.name,
                        material: r.material,
                        created_at: r.created_at,
                        sent_at: r.sent_at,
                    },
                    CampaignBranch {
                        campaign: r.id,
                        branch: branch.to_string(),
                        copies: r.copies,
                        delivered_at: r.delivered_at,
                        displayed_at: r.displayed_at,
                        reminded_at: r.reminded_at,
                    },
                )
            })
            .collect())
    }

    /// Ledger contacts of the `branch` channel at one branch over the days `from..=to`.
    pub async fn branch_contact_count(self, branch: &str, from: Day, to: Day) -> Result<i64> {
        let n: i64 = on_db!(&self.store.db, |p| sqlx::query_scalar(
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
}

#[cfg(test)]
mod tests {
    use crate::Sot;
    use crate::testing::fresh_stores;

    use crate::testing::sample_branch as branch;

    /// A digest-shaped value (the store never sees a key, only its SHA-256).
    fn digest(c: char) -> String {
        c.to_string().repeat(64)
    }

    #[tokio::test]
    async fn a_kiosk_key_opens_its_own_branch_until_replaced_or_revoked() {
        for ts in fresh_stores().await.unwrap() {
            let (s, be) = (&ts.store, ts.name);
            s.network()
                .insert_sots(&[Sot {
                    code: 1,
                    name: "Bologna".into(),
                }])
                .await
                .unwrap();
            s.network()
                .insert_branches(&[branch("BO01"), branch("BO02")])
                .await
                .unwrap();
            assert_eq!(
                s.network().kiosk_pairing("BO01").await.unwrap(),
                None,
                "{be}"
            );
            assert!(
                !s.network()
                    .kiosk_key_opens("BO01", &digest('a'))
                    .await
                    .unwrap()
            );

            let paired = s
                .network()
                .pair_kiosk("BO01", &digest('a'), "anna@utility.it", 10)
                .await
                .unwrap();
            assert_eq!(paired.created_by, "anna@utility.it");
            s.network()
                .pair_kiosk("BO02", &digest('b'), "anna@utility.it", 11)
                .await
                .unwrap();
            assert!(
                s.network()
                    .kiosk_key_opens("BO01", &digest('a'))
                    .await
                    .unwrap(),
                "{be}"
            );
            // A key opens its own branch only.
            assert!(
                !s.network()
                    .kiosk_key_opens("BO02", &digest('a'))
                    .await
                    .unwrap(),
                "{be}"
            );
            assert!(
                !s.network()
                    .kiosk_key_opens("BO01", &digest('b'))
                    .await
                    .unwrap(),
                "{be}"
            );
            assert!(
                !s.network()
                    .kiosk_key_opens("BO01", &digest('c'))
                    .await
                    .unwrap()
            );

            // Pairing again replaces the key at once and records who revoked the old one.
            s.network()
                .pair_kiosk("BO01", &digest('c'), "marco@utility.it", 20)
                .await
                .unwrap();
            assert!(
                !s.network()
                    .kiosk_key_opens("BO01", &digest('a'))
                    .await
                    .unwrap(),
                "{be}"
            );
            assert!(
                s.network()
                    .kiosk_key_opens("BO01", &digest('c'))
                    .await
                    .unwrap(),
                "{be}"
            );
            let now = s.network().kiosk_pairing("BO01").await.unwrap().unwrap();
            assert_eq!((now.created_at, now.revoked_at), (20, None), "{be}");
            assert_eq!(now.created_by, "marco@utility.it");

            // Revoking stops it; revoking again finds nothing in force.
            assert!(
                s.network()
                    .revoke_kiosk("BO01", "marco@utility.it", 30)
                    .await
                    .unwrap()
            );
            assert!(
                !s.network()
                    .kiosk_key_opens("BO01", &digest('c'))
                    .await
                    .unwrap(),
                "{be}"
            );
            assert!(
                !s.network()
                    .revoke_kiosk("BO01", "marco@utility.it", 31)
                    .await
                    .unwrap()
            );
            let gone = s.network().kiosk_pairing("BO01").await.unwrap().unwrap();
            assert_eq!(gone.revoked_at, Some(30), "{be}");
            assert_eq!(gone.revoked_by.as_deref(), Some("marco@utility.it"));
            // The other branch is untouched.
            assert!(
                s.network()
                    .kiosk_key_opens("BO02", &digest('b'))
                    .await
                    .unwrap(),
                "{be}"
            );

            // Refused in words: an unknown branch, a key in the clear, no author.
            let unknown = s
                .network()
                .pair_kiosk("BO99", &digest('d'), "anna", 40)
                .await;
            assert!(
                matches!(&unknown, Err(crate::StoreError::NotFound { what: "branch", key }) if key == "BO99"),
                "{be}: {unknown:?}"
            );
            assert!(s.network().kiosk_pairing("BO99").await.unwrap().is_none());
            for (hash, by) in [("plain-key", "anna"), (digest('e').as_str(), " ")] {
                assert!(
                    matches!(
                        s.network().pair_kiosk("BO02", hash, by, 41).await,
                        Err(crate::StoreError::Refused(_))
                    ),
                    "{be}: {hash} by {by:?}"
                );
            }
            assert!(
                s.network()
                    .kiosk_key_opens("BO02", &digest('b'))
                    .await
                    .unwrap(),
                "{be}"
            );
        }
    }

    /// Pairings of one branch at the same time leave exactly one key in force, the last
    /// committed: each revokes the one before instead of both being kept.
    #[tokio::test]
    async fn concurrent_pairings_leave_one_key_in_force() {
        for ts in fresh_stores().await.unwrap() {
            let s = &ts.store;
            s.network()
                .insert_sots(&[Sot {
                    code: 1,
                    name: "Bologna".into(),
                }])
                .await
                .unwrap();
            s.network()
                .insert_branches(&[branch("BO01")])
                .await
                .unwrap();
            let keys: Vec<String> = "0123456789abcdef".chars().map(digest).collect();
            // Interleaved on the pool's connections: the transactions overlap in the database.
            let pairings = keys
                .iter()
                .enumerate()
                .map(|(i, k)| s.network().pair_kiosk("BO01", k, "anna", i as i64));
            for done in futures::future::join_all(pairings).await {
                done.unwrap();
            }
            let mut open = 0;
            for k in &keys {
                open += usize::from(s.network().kiosk_key_opens("BO01", k).await.unwrap());
            }
            assert_eq!(open, 1, "{}", ts.name);
        }
    }
}

#[cfg(test)]
mod desk_tests {
    use crate::Sot;
    use crate::testing::fresh_stores;
    use crate::tickets::ServiceCategory;
    use canali_domain::Day;

    use crate::testing::sample_branch as branch;

    #[tokio::test]
    async fn a_branch_sees_its_sent_campaigns_and_its_closed_tickets() {
        for ts in fresh_stores().await.unwrap() {
            let s = &ts.store;
            s.network()
                .insert_sots(&[Sot {
                    code: 1,
                    name: "Bologna".into(),
                }])
                .await
                .unwrap();
            s.network()
                .insert_branches(&[branch("BO01"), branch("BO02")])
                .await
                .unwrap();
            let c = s
                .network()
                .create_campaign("Bonus gas", "leaflet", 10)
                .await
                .unwrap();
            s.network()
                .target_campaign(c, &[("BO01".into(), 50), ("BO02".into(), 20)])
                .await
                .unwrap();
            assert!(
                s.network()
                    .campaigns_of_branch("BO01")
                    .await
                    .unwrap()
                    .is_empty()
            );
            s.network().send_campaign(c, 20).await.unwrap();
            s.network()
                .confirm_campaign(c, "BO01", false, 30)
                .await
                .unwrap();
            let mine = s.network().campaigns_of_branch("BO01").await.unwrap();
            assert_eq!(mine.len(), 1, "{}", ts.name);
            assert_eq!(mine[0].1.copies, 50);
            assert_eq!(mine[0].1.delivered_at, Some(30));
            assert_eq!(mine[0].1.displayed_at, None);
            assert!(
                s.network()
                    .campaigns_of_branch("BO03")
                    .await
                    .unwrap()
                    .is_empty()
            );

            s.tickets()
                .set_service_categories(&[ServiceCategory {
                    branch: "BO01".into(),
                    code: "A".into(),
                    name: "Bollette".into(),
                    priority: 1,
                }])
                .await
                .unwrap();
            let at = canali_domain::day::local_micros(jiff::civil::date(2011, 3, 1), 9, 0, 0);
            s.tickets().take("BO01", "A", false, at, 0).await.unwrap();
            let t = s
                .tickets()
                .call_next("BO01", "1", "clerk", &[], at + 60_000_000)
                .await
                .unwrap()
                .unwrap();
            s.tickets().serve(t.id, at + 90_000_000).await.unwrap();
            s.tickets()
                .close(t.id, at + 300_000_000, None)
                .await
                .unwrap();
            let day = Day::of_micros(at);
            assert_eq!(
                s.network()
                    .branch_contact_count("BO01", day, day)
                    .await
                    .unwrap(),
                1
            );
            assert_eq!(
                s.network()
                    .branch_contact_count("BO02", day, day)
                    .await
                    .unwrap(),
                0
            );
        }
    }
}
