//! canali-report: the yearly channel report, every figure of the seed page ("I canali di
//! contatto", 2011) for a year and the year before, computed from the store's rollups and small
//! registries (never from the raw contact ledger, so it costs the same at any ledger size), then
//! written as Markdown, a self-contained HTML page with SVG charts, JSON or CSV, in Italian or
//! English.
//!
//! ```no_run
//! # async fn example(store: &canali_store::Store) -> Result<(), canali_report::ReportError> {
//! use canali_report::{build, render_markdown, Lang, ReportSettings};
//! let report = build(store, 2011, &ReportSettings::default()).await?;
//! println!("{}", render_markdown(&report, Lang::It));
//! # Ok(()) }
//! ```

mod charts;
mod compute;
mod csv_out;
mod document;
mod format;
mod html;
mod markdown;
mod model;
mod network;
mod prose;
mod settings;
mod texts;

pub use compute::{ReportInputs, compute, growth, share, year_bounds};
pub use csv_out::{CsvTable, render_csv};
pub use format::{Lang, parse_lang};
pub use html::render_html;
pub use markdown::render_markdown;
pub use model::*;
pub use network::{HOMOGENEOUS_TEMPLATE, branches_at, exists_at};
pub use settings::{ReportSettings, Targets};
pub use texts::TEXTS;

use canali_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} is not a year the report can cover")]
    InvalidYear(i16),
    #[error("unknown language '{0}': use 'it' or 'en'")]
    UnknownLanguage(String),
    #[error("JSON output failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("CSV output failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("chart drawing failed: {0}")]
    Chart(String),
}

/// Reads what the report needs for `year` and the year before, and computes it.
pub async fn build(
    store: &Store,
    year: i16,
    settings: &ReportSettings,
) -> Result<YearReport, ReportError> {
    let inputs = fetch(store, year).await?;
    compute(&inputs, settings)
}

/// The store reads behind [`build`]: rollups, point-in-time counts and registries only.
pub async fn fetch(store: &Store, year: i16) -> Result<ReportInputs, ReportError> {
    let previous_year = year.checked_sub(1).ok_or(ReportError::InvalidYear(year))?;
    let (first, last) = year_bounds(year)?;
    let (_, previous_last) = year_bounds(previous_year)?;
    let month = |y: i16, m: i32| i32::from(y) * 100 + m;
    Ok(ReportInputs {
        year,
        rollups: store
            .figures()
            .monthly_rollup(month(previous_year, 1), month(year, 12))
            .await?,
        portal_accounts: store.figures().portal_accounts_at(last).await?,
        previous_portal_accounts: store.figures().portal_accounts_at(previous_last).await?,
        ebill_customers: store.figures().ebill_customers_at(last).await?,
        previous_ebill_customers: store.figures().ebill_customers_at(previous_last).await?,
        ebill_switches: store.figures().ebill_switches(first, last).await?,
        bills: store.figures().bills_by_delivery(first, last).await?,
        sots: store.figures().sots().await?,
        branches: store.figures().branches().await?,
        branch_events: store.figures().branch_events().await?,
    })
}

/// The report as pretty-printed JSON (the format documented in `docs/report.md`).
pub fn render_json(report: &YearReport) -> Result<String, ReportError> {
    Ok(serde_json::to_string_pretty(report)?)
}

#[cfg(test)]
mod tests;
