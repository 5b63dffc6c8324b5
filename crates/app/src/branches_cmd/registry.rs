//! `canali branches import`, `list` and `open-now`: the branch registry and its opening hours.

use super::{FileFormat, OutFormat, csv_line};
use anyhow::{Context, Result};
use canali_branches::network::OpenNow;
use canali_branches::{ImportFormat, Network, NetworkAt};
use canali_domain::lang::Lang;
use canali_store::Store;
use std::collections::HashMap;
use std::path::Path;

pub(super) fn near_point(net: &Network, near: &str) -> Result<(f64, f64)> {
    if let Some((a, b)) = near.split_once(',')
        && let (Ok(lat), Ok(lon)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>())
    {
        return Ok((lat, lon));
    }
    net.municipality_point(near)
        .with_context(|| format!("no branch in the municipality '{near}': give LAT,LON instead"))
}

pub(super) async fn import(store: &Store, file: &Path, format: Option<FileFormat>) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let format = match format {
        Some(FileFormat::Toml) => ImportFormat::Toml,
        Some(FileFormat::Csv) => ImportFormat::Csv,
        None => ImportFormat::of_path(file),
    };
    let known: HashMap<String, String> = store
        .network()
        .schedule_templates()
        .await?
        .into_iter()
        .map(|t| (t.name, t.hours))
        .collect();
    let update = canali_branches::parse_registry(&text, format, &known)
        .with_context(|| format!("{} was not imported", file.display()))?;
    let out = store.network().upsert_registry(&update).await?;
    // Check the stored registry still compiles (e.g. a template changed under its branches).
    Network::load(store).await?;
    println!(
        "Imported {}: {} territories, {} templates, {} new and {} updated branches, {} new events, {} exceptions.",
        file.display(),
        out.sots,
        out.templates,
        out.branches_new,
        out.branches_updated,
        out.events_new,
        out.exceptions
    );
    Ok(())
}

pub(super) fn render_list(n: &NetworkAt, format: OutFormat) -> Result<String> {
    let mut s = String::new();
    match format {
        OutFormat::Json => s = serde_json::to_string_pretty(n)? + "\n",
        OutFormat::Csv => {
            s.push_str("code,name,municipality,sot,kind,operator,contractor,host,host_name,counters,services,template,hours,hours_per_week\n");
            for b in &n.branches {
                s.push_str(&csv_line(&[
                    b.code.clone(),
                    b.name.clone(),
                    b.municipality.clone(),
                    b.sot.to_string(),
                    b.kind.name().to_string(),
                    b.operator.name().to_string(),
                    b.contractor.clone().unwrap_or_default(),
                    b.host.name().to_string(),
                    b.host_name.clone().unwrap_or_default(),
                    b.counters.to_string(),
                    b.services.clone(),
                    b.template.clone().unwrap_or_default(),
                    b.hours.clone(),
                    format!("{:.1}", b.hours_per_week),
                ]));
                s.push('\n');
            }
        }
        OutFormat::Table => {
            use std::fmt::Write;
            writeln!(s, "Branch network at {}: {} branches", n.date, n.total)?;
            for (k, c) in &n.by_kind {
                writeln!(s, "  {:<32} {c:>3}", k.label(Lang::En))?;
            }
            writeln!(
                s,
                "  hosted at third parties         {:>3}",
                n.hosted_at_third_parties
            )?;
            writeln!(s, "  outsourced                      {:>3}", n.outsourced)?;
            for (t, c, h) in &n.by_template {
                writeln!(s, "  on template {t} ({h:.1} h/week) {c:>3}")?;
            }
            writeln!(s, "\nBy territory and kind:")?;
            for k in &n.by_kind_and_territory {
                writeln!(
                    s,
                    "  {:<14} {:<32} {:>3}",
                    k.sot_name,
                    k.kind.label(Lang::En),
                    k.branches
                )?;
            }
            writeln!(s, "\nEvents of the year up to {}:", n.date)?;
            for e in &n.events_of_year {
                writeln!(
                    s,
                    "  {} {:<10} {:<8} {} {}",
                    e.date,
                    e.kind.name(),
                    e.branch,
                    e.name,
                    e.note
                )?;
            }
            writeln!(
                s,
                "\n{:<8} {:<34} {:<24} {:>3} {:<24} {:<10} {:<11} {:>3} {:>6}  hours",
                "code", "name", "municipality", "sot", "kind", "operator", "host", "ctr", "h/wk"
            )?;
            for b in &n.branches {
                writeln!(
                    s,
                    "{:<8} {:<34} {:<24} {:>3} {:<24} {:<10} {:<11} {:>3} {:>6.1}  {}",
                    b.code,
                    b.name.chars().take(34).collect::<String>(),
                    b.municipality.chars().take(24).collect::<String>(),
                    b.sot,
                    b.kind.name(),
                    b.operator.name(),
                    b.host.name(),
                    b.counters,
                    b.hours_per_week,
                    b.template.clone().unwrap_or_else(|| b.hours.clone())
                )?;
            }
        }
    }
    Ok(s)
}

pub(super) fn render_open_now(rows: &[OpenNow], format: OutFormat) -> Result<String> {
    let mut s = String::new();
    match format {
        OutFormat::Json => s = serde_json::to_string_pretty(rows)? + "\n",
        OutFormat::Csv => {
            s.push_str("code,name,municipality,open,until,next_opening,hours_this_week,hours_per_week,distance_km\n");
            for r in rows {
                s.push_str(&csv_line(&[
                    r.code.clone(),
                    r.name.clone(),
                    r.municipality.clone(),
                    r.open.to_string(),
                    r.until.clone().unwrap_or_default(),
                    r.next_opening.clone().unwrap_or_default(),
                    format!("{:.2}", r.hours_this_week),
                    format!("{:.2}", r.hours_per_week),
                    r.distance_km.map(|d| format!("{d:.1}")).unwrap_or_default(),
                ]));
                s.push('\n');
            }
        }
        OutFormat::Table => {
            use std::fmt::Write;
            for r in rows {
                let state = match (&r.until, &r.next_opening) {
                    (Some(u), _) => format!("open until {u}"),
                    (None, Some(n)) => format!("closed, opens {n}"),
                    (None, None) => "closed, no opening ahead".to_string(),
                };
                let dist = r
                    .distance_km
                    .map(|d| format!("{d:>6.1} km"))
                    .unwrap_or_default();
                writeln!(
                    s,
                    "{:<8} {:<34} {:<22} {:<42} {:>5.1} h this week {dist}",
                    r.code,
                    r.name.chars().take(34).collect::<String>(),
                    r.municipality.chars().take(22).collect::<String>(),
                    state,
                    r.hours_this_week
                )?;
            }
        }
    }
    Ok(s)
}
