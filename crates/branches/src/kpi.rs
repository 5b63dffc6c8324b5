//! Branch waiting-time indicators per branch, territory and month: average wait, share over 40
//! minutes, the 95th percentile, against the water regulator's standards (RQSII: at most 60
//! minutes for 95% of visits, at most 20 minutes on average) and the utility's own targets.
//!
//! They are computed from the ledger's `branch` contacts of the month (every served ticket is
//! one, and so are contacts imported or simulated), which the store groups by branch and whole
//! minute of waiting: the averages and the shares over 40 and 60 minutes are exact, the 95th
//! percentile is interpolated inside its minute. One month is one scan of the
//! ledger that returns at most branches x minutes rows; a rollup kept at ingest would make it
//! independent of the ledger's size, at the price of touching the ingest path (future work).

use crate::Result;
use canali_domain::Day;
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
    pub average_minutes: f64,
    pub over_40_share: f64,
    pub within_60_share: f64,
    pub p95_minutes: f64,
    /// The regulator's two standards met.
    pub regulator_met: bool,
    /// The utility's two targets met.
    pub target_met: bool,
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
    over_40: i64,
    over_60: i64,
    minutes: BTreeMap<i64, i64>,
}

impl Acc {
    fn add(&mut self, b: &WaitBucket) {
        self.visits += b.contacts;
        self.seconds += b.wait_seconds;
        self.over_40 += b.over_40m;
        self.over_60 += b.over_60m;
        *self.minutes.entry(b.minute).or_default() += b.contacts;
    }

    /// The `q` quantile in minutes, interpolated inside its whole-minute bucket.
    fn quantile(&self, q: f64) -> f64 {
        let target = q * self.visits as f64;
        let mut before = 0.0;
        for (&m, &n) in &self.minutes {
            let n = n as f64;
            if before + n >= target {
                return m as f64 + ((target - before) / n).clamp(0.0, 1.0);
            }
            before += n;
        }
        self.minutes.keys().last().map_or(0.0, |&m| m as f64 + 1.0)
    }

    fn indicators(&self, scope: String, territory: i64, s: &BranchStandards) -> WaitIndicators {
        let n = self.visits.max(1) as f64;
        let average_minutes = self.seconds as f64 / n / 60.0;
        let over_40_share = self.over_40 as f64 / n;
        let within_60_share = 1.0 - self.over_60 as f64 / n;
        WaitIndicators {
            scope,
            territory,
            visits: self.visits,
            average_minutes,
            over_40_share,
            within_60_share,
            p95_minutes: self.quantile(0.95),
            regulator_met: average_minutes <= s.regulator_average_minutes
                && self.quantile(s.regulator_share) <= s.regulator_max_minutes,
            target_met: average_minutes <= s.target_average_minutes
                && over_40_share <= s.target_over_40_share,
        }
    }
}

/// Parses `YYYY-MM` into its first and last day.
pub fn month_days(month: &str) -> Option<(Day, Day)> {
    let (y, m) = month.trim().split_once('-')?;
    let first = Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?;
    Some((Day::from_date(first), Day::from_date(first.last_of_month())))
}

/// Computes the indicators of one month from the store's wait histogram.
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
    let buckets = store.branch_wait_histogram(from, to).await?;
    let sots = store.sots().await?;
    Ok(compute(month, &buckets, &sots, standards))
}
