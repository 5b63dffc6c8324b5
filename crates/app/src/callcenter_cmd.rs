//! The call-center commands: `import queue-log`, `kpi call-center` and `staff` (one interval or
//! a week plan). See docs/callcenter.md.

use anyhow::{Context, Result, bail};
use canali_callcenter::follow::{ImportOptions, ImportSummary, import_queue_log};
use canali_callcenter::kpi::{self, Indicators};
use canali_callcenter::staffing::{self, Target};
use canali_callcenter::{CallCenterSettings, Line};
use clap::{Args, Subcommand, ValueEnum};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// `[callcenter]` of the settings file, overridden by `CANALI_CALLCENTER__*` variables.
pub fn settings(config: &Path) -> Result<CallCenterSettings> {
    crate::settings_table(config, "callcenter")
}

/// `30m`, `180s`, `1h`, `90` (seconds) as seconds.
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a duration like 30m, 180s or 1h"))?;
    let scale = match unit {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("'{s}': the unit must be s, m or h")),
    };
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("'{s}' must be above zero"));
    }
    Ok(v * scale)
}

fn parse_shrinkage(s: &str) -> Result<u32, String> {
    canali_domain::erlang::parse_shrinkage_ppm(s).ok_or_else(|| {
        format!("'{s}' is not a shrinkage below 100%, like 0.3 or 30% (at most 6 decimals)")
    })
}

#[derive(Args)]
pub struct QueueLogArgs {
    /// The Asterisk queue_log file.
    file: PathBuf,
    /// Keep reading as Asterisk writes (and rotates) the file; stop with Ctrl-C, resume later.
    #[arg(long)]
    follow: bool,
    /// The source the calls belong to, and the follower's name (default: the file name).
    #[arg(long)]
    source: Option<String>,
    /// With --follow: stop after this long without new lines (e.g. 10m; default: never).
    #[arg(long, value_parser = parse_seconds)]
    idle_exit: Option<f64>,
    /// Serve Prometheus /metrics of this process on this address, e.g. 127.0.0.1:9188 (the
    /// follower's lag, the contacts ingested; see docs/operations.md).
    #[arg(long)]
    metrics_bind: Option<String>,
}

pub async fn import(
    db: &str,
    config: &Path,
    args: QueueLogArgs,
    progress: bool,
) -> Result<ExitCode> {
    let source = match args.source {
        Some(s) => s,
        None => args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("the file has no name to use as --source")?,
    };
    let mut opts = ImportOptions::new(source);
    opts.follow = args.follow;
    opts.idle_exit = args.idle_exit.map(Duration::from_secs_f64);
    opts.settings = settings(config)?;
    if opts.follow {
        // Stop at a commit on SIGTERM or Ctrl-C: the next run resumes from the saved state.
        opts.stop = Some(crate::ops_cmd::stop_flag());
    }
    let store = crate::open(db).await?;
    crate::ops_cmd::metrics_listener(args.metrics_bind.as_deref()).await?;
    let mut last = Instant::now();
    let mut on_progress = |s: &ImportSummary| {
        if progress && last.elapsed() >= Duration::from_secs(1) {
            last = Instant::now();
            eprintln!(
                "{} lines, {} calls ({} new), {} malformed, {} open",
                s.lines, s.calls, s.inserted, s.malformed, s.open_calls
            );
        }
    };
    let summary = import_queue_log(&store, &args.file, &opts, &mut on_progress).await?;
    store.close().await;
    print!("{summary}");
    Ok(ExitCode::from(if summary.malformed == 0 { 0 } else { 3 }))
}

#[derive(Args)]
pub struct OccupancyArgs {
    /// CSV with a header `line,start,end,channels,busy` (see docs/callcenter.md).
    file: PathBuf,
}

/// `canali import trunk-occupancy FILE`: exit code 0 when every line was read, 3 when some
/// were skipped.
pub async fn import_occupancy(db: &str, args: OccupancyArgs) -> Result<ExitCode> {
    let store = crate::open(db).await?;
    let summary = canali_callcenter::occupancy::import_file(&store, &args.file).await?;
    store.close().await;
    print!("{summary}");
    Ok(ExitCode::from(if summary.bad.is_empty() { 0 } else { 3 }))
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

fn parse_month(s: &str) -> Result<(i16, i8), String> {
    let err = || format!("'{s}' is not a month like 2011-03");
    let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
    let y: i16 = y.parse().map_err(|_| err())?;
    let m: i8 = m.parse().map_err(|_| err())?;
    if !(1..=12).contains(&m) || !(1900..=2999).contains(&y) {
        return Err(err());
    }
    Ok((y, m))
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("period").required(true).args(["month", "year"])))]
pub struct KpiArgs {
    /// The month (YYYY-MM).
    #[arg(long, value_parser = parse_month)]
    month: Option<(i16, i8)>,
    /// Every month of a year, with the yearly verdict of standards judged over months.
    #[arg(long)]
    year: Option<i16>,
    /// With --month: one row per day instead of the month.
    #[arg(long, requires = "month")]
    daily: bool,
    /// One line only: residential or business (default: both).
    #[arg(long)]
    line: Option<Line>,
    /// table (readable, with every check against the standards), json or csv.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// First recompute the calls rollup from the ledger's call-center contacts. Every ingest
    /// (queue_log, simulator, `import contacts`) keeps the rollup already; this is for a
    /// ledger written by an older canali. "Left the queue" then counts as timed out.
    #[arg(long)]
    rebuild_from_ledger: bool,
}

pub async fn kpi(db: &str, config: &Path, args: KpiArgs) -> Result<()> {
    let settings = settings(config)?;
    let store = crate::open(db).await?;
    if args.rebuild_from_ledger {
        let t = Instant::now();
        let n = store.calls().rebuild_rollups().await?;
        eprintln!(
            "Calls rollup rebuilt from {n} call-center contacts in {:.1} s.",
            t.elapsed().as_secs_f64()
        );
    }
    let started = Instant::now();
    let mut yearly = Vec::new();
    let rows: Vec<Indicators> = match (args.month, args.year) {
        (Some((y, m)), _) if args.daily => kpi::days(&store, y, m, args.line, &settings).await?,
        (Some((y, m)), _) => kpi::month(&store, y, m, args.line, &settings).await?,
        (None, Some(y)) => {
            let mut all = Vec::new();
            for line in args.line.map_or(Line::ALL.to_vec(), |l| vec![l]) {
                let months = kpi::year(&store, y, line, &settings).await?;
                for c in kpi::year_compliance(&months, &settings) {
                    yearly.push((line, c));
                }
                all.extend(months);
            }
            all
        }
        (None, None) => bail!("give --month YYYY-MM or --year YYYY"),
    };
    let took = started.elapsed();
    store.close().await;
    match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "indicators": rows,
                "yearly": yearly.iter().map(|(l, c)| serde_json::json!({"line": l, "compliance": c})).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Csv => print!("{}", kpi_csv(&rows)),
        Format::Table => {
            print!("{}", kpi_table(&rows));
            for (line, c) in &yearly {
                println!(
                    "{line}: {} {}: met in {} of {} months judged (needs {} of 12): {}",
                    c.standard,
                    c.indicator,
                    c.months_met,
                    c.months_judged,
                    c.months_required,
                    match c.met {
                        Some(true) => "met",
                        Some(false) => "NOT met",
                        None => "cannot be judged",
                    }
                );
            }
            eprintln!(
                "({} rows from the calls rollup in {:.2} ms)",
                rows.len(),
                took.as_secs_f64() * 1e3
            );
        }
    }
    Ok(())
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.decimals$}"))
}

fn kpi_table(rows: &[Indicators]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<11} {:>8} {:>8} {:>8} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>5}",
        "period",
        "line",
        "offered",
        "answered",
        "abandon",
        "short",
        "TMA s",
        "LS %",
        ">2m",
        ">2m %",
        "talk s",
        "AS %",
        "ok"
    );
    let mut notes = std::collections::BTreeSet::new();
    for r in rows {
        if let Some(n) = &r.as_note {
            notes.insert(n.clone());
        }
        let judged: Vec<bool> = r.checks.iter().filter_map(|c| c.met).collect();
        let ok = format!("{}/{}", judged.iter().filter(|m| **m).count(), judged.len());
        let _ = writeln!(
            out,
            "{:<10} {:<11} {:>8} {:>8} {:>8} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>5}",
            r.period,
            r.line.name(),
            r.offered,
            r.answered,
            r.abandoned,
            r.short_abandons,
            opt(r.tma_seconds, 1),
            opt(r.ls_pct, 1),
            r.waited_over_2m,
            opt(r.over_2m_pct, 1),
            opt(r.avg_talk_seconds, 0),
            opt(r.as_pct, 1),
            ok
        );
    }
    // The standards of the rows (the table's last column counts the checks met).
    let mut seen = std::collections::BTreeSet::new();
    for r in rows.iter().filter(|r| r.offered > 0) {
        for c in &r.checks {
            let key = format!(
                "{} {} {} {}",
                r.period,
                r.line.name(),
                c.standard,
                c.indicator
            );
            if rows.len() <= 4 && seen.insert(key) {
                let _ = writeln!(
                    out,
                    "  {} {} — {} {} {}: {} ({})",
                    r.period,
                    r.line.name(),
                    c.standard,
                    c.indicator,
                    c.limit,
                    opt(c.value, 1),
                    match c.met {
                        Some(true) => "met",
                        Some(false) => "NOT met",
                        None => "cannot be judged",
                    }
                );
            }
        }
    }
    // AS's notes: why it is missing, or how much of the open time it covers.
    if rows.len() <= 4 {
        for r in rows {
            if let Some(n) = &r.as_note {
                let _ = writeln!(out, "{} {}: {n}.", r.period, r.line.name());
            }
        }
    } else {
        for n in &notes {
            let _ = writeln!(out, "{n}.");
        }
    }
    out
}

fn kpi_csv(rows: &[Indicators]) -> String {
    let mut out = String::from(
        "period,line,offered,answered,abandoned,short_abandons,timed_out,left_queue,transferred,tma_seconds,ls_pct,waited_over_2m,over_2m_pct,avg_talk_seconds,as_pct,as_coverage_pct,checks_met,checks_judged\n",
    );
    let f = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.3}"));
    for r in rows {
        let judged: Vec<bool> = r.checks.iter().filter_map(|c| c.met).collect();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.period,
            r.line.name(),
            r.offered,
            r.answered,
            r.abandoned,
            r.short_abandons,
            r.timed_out,
            r.left_queue,
            r.transferred,
            f(r.tma_seconds),
            f(r.ls_pct),
            r.waited_over_2m,
            f(r.over_2m_pct),
            f(r.avg_talk_seconds),
            f(r.as_pct),
            f(r.as_coverage_pct),
            judged.iter().filter(|m| **m).count(),
            judged.len()
        );
    }
    out
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StaffArgs {
    #[command(subcommand)]
    plan: Option<StaffCommand>,
    /// Calls expected in the interval.
    #[arg(long)]
    calls: Option<f64>,
    /// The interval (30m, 1h, 900s).
    #[arg(long, value_parser = parse_seconds, default_value = "30m")]
    interval: f64,
    /// Average handling time (180s, 3m).
    #[arg(long, value_parser = parse_seconds)]
    aht: Option<f64>,
    /// Service-level target: percent answered / within seconds.
    #[arg(long, default_value = "80/20")]
    target: Target,
    /// Share of paid time off the phones (0.3 or 30%), applied with exact rounding.
    #[arg(long, value_parser = parse_shrinkage, default_value = "0")]
    shrinkage: u32,
    /// table (readable), json or csv.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Every half hour of a week, from the line's arrivals in the ledger.
    Plan {
        /// The line planned: residential or business.
        #[arg(long)]
        line: Line,
        /// The Monday the week starts (YYYY-MM-DD).
        #[arg(long)]
        week: jiff::civil::Date,
        /// Service-level target: percent answered / within seconds, e.g. 80/20.
        #[arg(long, default_value = "80/20")]
        target: Target,
        /// Share of paid time off the phones (0.3 or 30%), applied with exact rounding.
        #[arg(long, value_parser = parse_shrinkage, default_value = "0")]
        shrinkage: u32,
        /// Handling time used when the week has no answered call.
        #[arg(long, value_parser = parse_seconds, default_value = "180s")]
        default_aht: f64,
        /// table (the 336 half hours), json or csv.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

pub async fn staff(db: &str, args: StaffArgs) -> Result<()> {
    if let Some(StaffCommand::Plan {
        line,
        week,
        target,
        shrinkage,
        default_aht,
        format,
    }) = args.plan
    {
        let store = crate::open(db).await?;
        let plan = staffing::week_plan(&store, line, week, target, shrinkage, default_aht).await?;
        store.close().await;
        return print_plan(&plan, format);
    }
    let (Some(calls), Some(aht)) = (args.calls, args.aht) else {
        bail!("give --calls and --aht (or use `canali staff plan`)");
    };
    let s = staffing::interval(calls, args.interval, aht, args.target, args.shrinkage)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
        Format::Csv => {
            println!(
                "calls,interval_seconds,aht,load,agents,scheduled,prob_wait,service_level,occupancy,asa"
            );
            println!(
                "{},{},{},{:.4},{},{},{:.6},{:.6},{:.6},{:.3}",
                s.calls,
                s.interval_seconds,
                s.aht,
                s.load,
                s.agents,
                s.scheduled,
                s.prob_wait,
                s.service_level,
                s.occupancy,
                s.asa
            );
        }
        Format::Table => {
            println!(
                "{} calls in {} s with {} s handling: {:.2} Erlangs.",
                s.calls, s.interval_seconds, s.aht, s.load
            );
            println!(
                "Agents for {:.0}% within {} s: {} (probability of waiting {:.1}%, service level {:.1}%, occupancy {:.1}%, ASA {:.1} s).",
                args.target.share * 100.0,
                args.target.seconds,
                s.agents,
                s.prob_wait * 100.0,
                s.service_level * 100.0,
                s.occupancy * 100.0,
                s.asa
            );
            if args.shrinkage > 0 {
                println!(
                    "With {}% shrinkage: {} agents to schedule.",
                    f64::from(args.shrinkage) / 1e4,
                    s.scheduled
                );
            }
        }
    }
    Ok(())
}

fn print_plan(plan: &staffing::WeekPlan, format: Format) -> Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(plan)?),
        Format::Csv => {
            println!(
                "date,time,calls,aht,load,agents,scheduled,prob_wait,service_level,occupancy,asa"
            );
            for s in &plan.slots {
                let i = &s.staffing;
                println!(
                    "{},{},{},{:.1},{:.3},{},{},{:.4},{:.4},{:.4},{:.2}",
                    s.date,
                    s.time,
                    i.calls,
                    i.aht,
                    i.load,
                    i.agents,
                    i.scheduled,
                    i.prob_wait,
                    i.service_level,
                    i.occupancy,
                    i.asa
                );
            }
        }
        Format::Table => {
            println!(
                "Staffing plan, {} line, week of {} ({} calls; target {:.0}/{}; shrinkage {}%; average handling {:.0} s):",
                plan.line,
                plan.monday,
                plan.calls,
                plan.target.share * 100.0,
                plan.target.seconds,
                f64::from(plan.shrinkage_ppm) / 1e4,
                plan.week_aht
            );
            println!(
                "{:<10} {:<5} {:>6} {:>6} {:>7} {:>6} {:>9} {:>7} {:>7} {:>7}",
                "date",
                "time",
                "calls",
                "AHT s",
                "Erlang",
                "agents",
                "scheduled",
                "SL %",
                "occ %",
                "ASA s"
            );
            for s in &plan.slots {
                let i = &s.staffing;
                println!(
                    "{:<10} {:<5} {:>6} {:>6.0} {:>7.2} {:>6} {:>9} {:>7.1} {:>7.1} {:>7.1}",
                    s.date.to_string(),
                    s.time,
                    i.calls,
                    i.aht,
                    i.load,
                    i.agents,
                    i.scheduled,
                    i.service_level * 100.0,
                    i.occupancy * 100.0,
                    i.asa
                );
            }
            let peak = plan
                .slots
                .iter()
                .map(|s| s.staffing.scheduled)
                .max()
                .unwrap_or(0);
            let hours: f64 = plan
                .slots
                .iter()
                .map(|s| f64::from(s.staffing.scheduled) * 0.5)
                .sum();
            println!("Peak {peak} agents scheduled; {hours:.1} agent-hours in the week.");
        }
    }
    Ok(())
}
