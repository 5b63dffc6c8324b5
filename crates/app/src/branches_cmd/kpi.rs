//! `canali kpi branches`: the branch waiting-time indicators against the standards.

use super::{KpiCommand, OutFormat, csv_line, open};
use anyhow::Result;
use canali_branches::kpi::{BranchKpis, BranchStandards, WaitIndicators, verdict};
use canali_domain::lang::Lang;
use std::path::Path;
use std::process::ExitCode;

/// The standards from the settings file's `[branches]` table, then `CANALI_BRANCHES__*`.
fn standards(config: &Path) -> Result<BranchStandards> {
    crate::settings_table(config, "branches")
}

pub async fn run_kpi(db: &str, config: &Path, cmd: KpiCommand) -> Result<ExitCode> {
    let KpiCommand::Branches { month, format } = cmd;
    let standards = standards(config)?;
    let store = open(db).await?;
    let k = canali_branches::kpi::branch_kpis(&store, &month, &standards).await;
    store.close().await;
    let k = k?;
    print!("{}", render_kpis(&k, format)?);
    Ok(ExitCode::SUCCESS)
}

/// A figure with `decimals`, times `scale`; `-` when there is none (no visits).
fn fixed(v: Option<f64>, decimals: usize, scale: f64) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{:.decimals$}", v * scale))
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn render_kpis(k: &BranchKpis, format: OutFormat) -> Result<String> {
    let rows = || {
        std::iter::once(("network", &k.network))
            .chain(k.territories.iter().map(|t| ("territory", t)))
            .chain(k.branches.iter().map(|b| ("branch", b)))
    };
    let mut s = String::new();
    match format {
        OutFormat::Json => s = serde_json::to_string_pretty(k)? + "\n",
        OutFormat::Csv => {
            s.push_str("level,scope,territory,visits,average_minutes,over_40_share,within_60_share,p95_minutes,regulator_met,target_met\n");
            for (level, w) in rows() {
                s.push_str(&csv_line(&[
                    level.to_string(),
                    w.scope.clone(),
                    w.territory.to_string(),
                    w.visits.to_string(),
                    fixed(w.average_minutes, 2, 1.0),
                    fixed(w.over_40_share, 4, 1.0),
                    fixed(w.within_60_share, 4, 1.0),
                    fixed(w.p95_minutes, 2, 1.0),
                    w.regulator_met.map(|m| m.to_string()).unwrap_or_default(),
                    w.target_met.map(|m| m.to_string()).unwrap_or_default(),
                ]));
                s.push('\n');
            }
        }
        OutFormat::Table => {
            use std::fmt::Write;
            let st = &k.standards;
            writeln!(
                s,
                "Branch waiting times, {}. Regulator: average <= {} min and {:.0}% within {} min; utility: average <= {} min, <= {:.0}% over 40 min.",
                k.month,
                st.regulator_average_minutes,
                st.regulator_share * 100.0,
                st.regulator_max_minutes,
                st.target_average_minutes,
                st.target_over_40_share * 100.0
            )?;
            writeln!(
                s,
                "{:<10} {:<24} {:>8} {:>9} {:>9} {:>10} {:>8} {:>9} {:>7}",
                "level",
                "scope",
                "visits",
                "avg min",
                "> 40 min",
                "<= 60 min",
                "p95 min",
                "regulator",
                "target"
            )?;
            let line = |s: &mut String, level: &str, w: &WaitIndicators| {
                writeln!(
                    s,
                    "{:<10} {:<24} {:>8} {:>9} {:>9} {:>10} {:>8} {:>9} {:>7}",
                    level,
                    w.scope,
                    w.visits,
                    fixed(w.average_minutes, 1, 1.0),
                    percent(w.over_40_share),
                    percent(w.within_60_share),
                    fixed(w.p95_minutes, 1, 1.0),
                    verdict(w.regulator_met, Lang::En),
                    verdict(w.target_met, Lang::En)
                )
            };
            for (level, w) in rows() {
                line(&mut s, level, w)?;
            }
            if k.network.visits == 0 {
                writeln!(
                    s,
                    "No branch visit with a waiting time in {}: no data to judge.",
                    k.month
                )?;
            }
        }
    }
    Ok(s)
}
