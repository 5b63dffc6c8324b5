//! Branch waiting-time indicators per branch, territory and month: average wait, share over 40
//! minutes, the 95th percentile, against the water regulator's standards (RQSII: at most 60
//! minutes for 95% of visits, at most 20 minutes on average) and the utility's own targets.
//!
//! They are computed from the store's branch waiting-time rollup (`branch_wait_monthly`), which
//! every ingest keeps in the same transaction as the ledger's `branch` contacts (served tickets,
//! imported and simulated visits) and `canali rollup rebuild` recomputes: per month, branch,
//! territory and wait rounded up to whole minutes, with the exact sum of the waits. The average
//! is exact, and so are the shares over and within any whole number of minutes (over 40, within
//! 60); the 95th percentile is interpolated inside its minute. A month costs at most
//! branches x minutes rows, whatever the size of the ledger. A month without visits has no
//! figures and no verdict ("no data"), rather than a verdict on nothing.

use crate::Result;
use canali_domain::Day;
use canali_domain::lang::Lang;
use canali_store::branches_store::WaitBucket;
use canali_store::{Sot, Store};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// Standards and targets: settings with validity in the configuration, not constants.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct BranchStandards {
    /// Regulator (RQSII): the average wait must not exceed this, in minutes.
    pub regulator_average_minutes: f64,
    /// Regulator: this share of visits must wait at most `regulator_max_minutes`.
    pub regulator_share: f64,
    pub regulator_max_minutes: f64,
    /// The utility's own targets (2011: at most 14 minutes on average, 7% over 40 minutes).
    pub target_average_minutes: f64,
    pub target_over_40_share: f64,
}

impl Default for BranchStandards {
    fn default() -> Self {
        BranchStandards {
            regulator_average_minutes: 20.0,
            regulator_share: 0.95,
            regulator_max_minutes: 60.0,
            target_average_minutes: 14.0,
            target_over_40_share: 0.07,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WaitIndicators {
    /// `branch` code, territory name, or `all`.
    pub scope: String,
    pub territory: i64,
    pub visits: i64,
    /// The figures and verdicts are `None` when there were no visits (no data).
    pub average_minutes: Option<f64>,
    pub over_40_share: Option<f64>,
    /// Share of visits waiting at most `regulator_max_minutes` (60).
    pub within_60_share: Option<f64>,
    pub p95_minutes: Option<f64>,
    /// The regulator's two standards met.
    pub regulator_met: Option<bool>,
    /// The utility's two targets met.
    pub target_met: Option<bool>,
}

/// A verdict in words: met, missed, or no data (no visits).
pub fn verdict(met: Option<bool>, lang: Lang) -> &'static str {
    match met {
        Some(true) => lang.pick("rispettato", "met"),
        Some(false) => lang.pick("NON rispettato", "MISSED"),
        None => lang.pick("nessun dato", "no data"),
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BranchKpis {
    pub month: String,
    pub standards: BranchStandards,
    pub network: WaitIndicators,
    pub territories: Vec<WaitIndicators>,
    pub branches: Vec<WaitIndicators>,
}

#[derive(Default)]
struct Acc {
    visits: i64,
    seconds: i64,
    /// Visits per bucket: waits of more than `minute - 1` and at most `minute` minutes.
    minutes: BTreeMap<i64, i64>,
}

impl Acc {
    fn add(&mut self, b: &WaitBucket) {
        self.visits += b.contacts;
        self.seconds += b.wait_seconds;
        *self.minutes.entry(b.minute).or_default() += b.contacts;
    }

    /// Visits that waited more than `minutes` (exact for whole minutes; a fractional
    /// threshold counts from the whole minute above it).
    fn over(&self, minutes: f64) -> i64 {
        let m = minutes.floor() as i64;
        self.minutes.range(m + 1..).map(|(_, n)| n).sum()
    }

    /// The `q` quantile in minutes, interpolated inside its whole-minute bucket.
    fn quantile(&self, q: f64) -> f64 {
        let target = q * self.visits as f64;
        let mut before = 0.0;
        for (&m, &n) in &self.minutes {
            let n = n as f64;
            if before + n >= target {
                let low = (m - 1).max(0) as f64;
                let width = if m == 0 { 0.0 } else { 1.0 };
                return low + width * ((target - before) / n).clamp(0.0, 1.0);
            }
            before += n;
        }
        self.minutes.keys().last().map_or(0.0, |&m| m as f64)
    }

    fn indicators(&self, scope: String, territory: i64, s: &BranchStandards) -> WaitIndicators {
        if self.visits == 0 {
            return WaitIndicators {
                scope,
                territory,
                visits: 0,
                average_minutes: None,
                over_40_share: None,
                within_60_share: None,
                p95_minutes: None,
                regulator_met: None,
                target_met: None,
            };
        }
        let n = self.visits as f64;
        let average_minutes = self.seconds as f64 / n / 60.0;
        let over_40_share = self.over(40.0) as f64 / n;
        let within = (self.visits - self.over(s.regulator_max_minutes)) as f64;
        let within_max = within / n;
        WaitIndicators {
            scope,
            territory,
            visits: self.visits,
            average_minutes: Some(average_minutes),
            over_40_share: Some(over_40_share),
            within_60_share: Some(within_max),
            p95_minutes: Some(self.quantile(0.95)),
            // "At most 60 minutes for 95% of visits": the share within 60 minutes, exact.
            regulator_met: Some(
                average_minutes <= s.regulator_average_minutes
                    && within >= s.regulator_share * n - 1e-9,
            ),
            target_met: Some(
                average_minutes <= s.target_average_minutes
                    && over_40_share <= s.target_over_40_share,
            ),
        }
    }
}

/// Parses `YYYY-MM` into its first and last day.
pub fn month_days(month: &str) -> Option<(Day, Day)> {
    let (y, m) = month.trim().split_once('-')?;
    let first = Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?;
    Some((Day::from_date(first), Day::from_date(first.last_of_month())))
}

/// Computes the indicators of one month from the store's waiting-time rollup.
pub fn compute(
    month: &str,
    buckets: &[WaitBucket],
    sots: &[Sot],
    standards: &BranchStandards,
) -> BranchKpis {
    let mut all = Acc::default();
    let mut by_sot: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut by_branch: BTreeMap<(String, i64), Acc> = BTreeMap::new();
    for b in buckets {
        all.add(b);
        by_sot.entry(b.territory).or_default().add(b);
        let code = b.branch.clone().unwrap_or_else(|| "(unknown)".to_string());
        by_branch.entry((code, b.territory)).or_default().add(b);
    }
    let sot_name = |code: i64| {
        sots.iter()
            .find(|s| s.code == code)
            .map_or_else(|| format!("SOT {code}"), |s| s.name.clone())
    };
    BranchKpis {
        month: month.to_string(),
        standards: standards.clone(),
        network: all.indicators("all".to_string(), 0, standards),
        territories: by_sot
            .iter()
            .map(|(&t, a)| a.indicators(sot_name(t), t, standards))
            .collect(),
        branches: by_branch
            .iter()
            .map(|((code, t), a)| a.indicators(code.clone(), *t, standards))
            .collect(),
    }
}

/// The indicators of `month` (`YYYY-MM`) from the store.
pub async fn branch_kpis(
    store: &Store,
    month: &str,
    standards: &BranchStandards,
) -> Result<BranchKpis> {
    let (from, to) = month_days(month)
        .ok_or_else(|| crate::BranchError::Invalid(format!("'{month}' is not a month YYYY-MM")))?;
    let (from, to) = (from.month_key(), to.month_key());
    let buckets = store.network().branch_wait_histogram(from, to).await?;
    let sots = store.figures().sots().await?;
    Ok(compute(month, &buckets, &sots, standards))
}
