//! `canali-bench callcenter` (formerly `canali bench-callcenter`): the queue_log parse and
//! import rates, the line indicators over a year and the staffing calculation, appended to the
//! benchmarks page. See docs/callcenter.md.

use anyhow::Result;
use canali_callcenter::follow::{ImportOptions, ImportSummary, import_queue_log};
use canali_callcenter::kpi;
use canali_callcenter::{CallCenterSettings, Line};
use clap::Args;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct CallcenterArgs {
    /// Lines of the generated queue_log (at least).
    #[arg(long, default_value_t = 5_000_000)]
    lines: u64,
    /// Scratch folder.
    #[arg(long, default_value = "target/bench")]
    workdir: PathBuf,
    /// Append the results to this markdown file.
    #[arg(long, default_value = "docs/benchmarks.md")]
    output: PathBuf,
    /// Keep the generated queue_log (WORKDIR/bench-queue_log), to import or profile it again.
    #[arg(long)]
    keep: bool,
}

/// Parse rate, import rate, the year's indicators and staffing time; appended to the
/// benchmarks page.
pub async fn bench(args: CallcenterArgs) -> Result<()> {
    use canali_callcenter::generate::write_queue_log;
    use canali_callcenter::queue_log::{complete_lines, parse_line};
    std::fs::create_dir_all(&args.workdir)?;
    let path = args.workdir.join("bench-queue_log");
    // About 2.9 lines a call entry.
    let calls = args.lines * 10 / 29 + 1;
    let t = Instant::now();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    // 2011-01-01 08:00 Rome, a call every 14 s on average: about a year for 5M lines.
    let exp = write_queue_log(&mut out, calls, 1_293_865_200, 14, 2011, 10)?;
    out.flush()?;
    drop(out);
    let bytes = std::fs::read(&path)?;
    eprintln!(
        "generated {} lines ({:.0} MB, {} call entries) in {:.1} s",
        exp.lines,
        bytes.len() as f64 / 1e6,
        exp.totals.values().map(|t| t.offered).sum::<i64>(),
        t.elapsed().as_secs_f64()
    );
    // Parse: every line split and typed (median of 3).
    let mut parse_times = Vec::new();
    let mut parsed = 0u64;
    for _ in 0..3 {
        let t = Instant::now();
        let (lines, _) = complete_lines(&bytes);
        let mut ok = 0u64;
        let mut hold = 0i64;
        for (line, _) in lines {
            if let Ok(r) = parse_line(line) {
                ok += 1;
                hold += r.hold_time().unwrap_or(0);
            }
        }
        std::hint::black_box(hold);
        parse_times.push(t.elapsed());
        parsed = ok;
    }
    parse_times.sort();
    let parse = parse_times[1];
    // Parse and assemble calls, no store.
    let t = Instant::now();
    let mut asm = canali_callcenter::assemble::Assembler::default();
    let mut calls_out = Vec::new();
    let (lines, _) = complete_lines(&bytes);
    let mut assembled = 0u64;
    for (line, _) in lines {
        if let Ok(r) = parse_line(line) {
            asm.feed(&r, &mut calls_out);
            if calls_out.len() >= 100_000 {
                assembled += calls_out.len() as u64;
                calls_out.clear();
            }
        }
    }
    assembled += calls_out.len() as u64;
    let assemble = t.elapsed();
    drop(bytes);
    // Import into a fresh SQLite ledger.
    let db_path = args.workdir.join("bench-callcenter.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let url = format!("sqlite://{}", db_path.display());
    let store = crate::open(&url).await?;
    let opts = ImportOptions::new("bench");
    let t = Instant::now();
    let summary = import_queue_log(&store, &path, &opts, &mut |s: &ImportSummary| {
        eprint!("\rimport: {} lines, {} calls", s.lines, s.calls);
    })
    .await?;
    let import = t.elapsed();
    eprintln!();
    // The monthly indicators of a line over a year (median of 20).
    let settings = CallCenterSettings::default();
    let mut kpi_times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let months = kpi::year(&store, 2011, Line::Residential, &settings).await?;
        std::hint::black_box(&months);
        kpi_times.push(t.elapsed());
    }
    kpi_times.sort();
    let kpi_year = kpi_times[10];
    let months = kpi::year(&store, 2011, Line::Residential, &settings).await?;
    let offered: i64 = months.iter().map(|m| m.offered).sum();
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    if !args.keep {
        let _ = std::fs::remove_file(&path);
    }
    let (grid_one_pass, grid_plain, mismatches) = staffing_grid();

    let rate = |n: u64, d: Duration| n as f64 / d.as_secs_f64();
    let mut md = String::new();
    let now = jiff::Zoned::now();
    let _ = writeln!(
        md,
        "## Call centers: run of {}\n",
        now.strftime("%Y-%m-%d %H:%M %Z")
    );
    let _ = writeln!(
        md,
        "Machine: {}. `canali-bench callcenter --lines {}` (release build).\n",
        crate::machine(),
        args.lines
    );
    let _ = writeln!(md, "| work | amount | time | rate |");
    let _ = writeln!(md, "|---|---|---|---|");
    let _ = writeln!(
        md,
        "| queue_log parse (split + typed fields, in memory, median of 3) | {} lines | {:.2} s | {:.0} lines/s |",
        parsed,
        parse.as_secs_f64(),
        rate(parsed, parse)
    );
    let _ = writeln!(
        md,
        "| parse + call assembly (in memory) | {} lines, {} calls | {:.2} s | {:.0} lines/s |",
        exp.lines,
        assembled,
        assemble.as_secs_f64(),
        rate(exp.lines, assemble)
    );
    let _ = writeln!(
        md,
        "| `canali import queue-log` into SQLite (file read, ledger, rollups, follower state) | {} lines, {} calls | {:.2} s | {:.0} calls/s ({:.0} lines/s) |",
        summary.lines,
        summary.calls,
        import.as_secs_f64(),
        rate(summary.calls, import),
        rate(summary.lines, import)
    );
    let _ = writeln!(
        md,
        "| monthly indicators of the residential line over 2011 (median of 20) | 12 months, {} calls | {:.2} ms | |",
        offered,
        kpi_year.as_secs_f64() * 1e3
    );
    let _ = writeln!(
        md,
        "| staffing, one pass (`erlang::staff_for_service_level`), 200-scenario grid | 200 scenarios | {:.2} µs per calculation | |",
        grid_one_pass
    );
    let _ = writeln!(
        md,
        "| staffing, plain search (`erlang::agents_for_service_level`), same grid | 200 scenarios | {:.2} µs per calculation | |",
        grid_plain
    );
    let _ = writeln!(
        md,
        "\nThe grid: 10 to 4000 calls per half hour x handling 120/180/300/420 s x targets 80/20, 90/30, 80/60, 95/15, 70/40; the one-pass results differ from the plain search in {mismatches} of 200 scenarios.\n"
    );
    print!("{md}");
    let mut page =
        std::fs::read_to_string(&args.output).unwrap_or_else(|_| "# Benchmarks\n\n".into());
    if !page.ends_with('\n') {
        page.push('\n');
    }
    page.push_str(&md);
    std::fs::write(&args.output, page)?;
    println!("Appended to {}.", args.output.display());
    Ok(())
}

/// Average microseconds per staffing calculation over 200 scenarios, one-pass and plain, and
/// how many scenarios disagree.
fn staffing_grid() -> (f64, f64, usize) {
    use canali_domain::erlang;
    let calls = [
        10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1500.0, 2500.0, 4000.0,
    ];
    let ahts = [120.0, 180.0, 300.0, 420.0];
    let targets = [
        (0.8, 20.0),
        (0.9, 30.0),
        (0.8, 60.0),
        (0.95, 15.0),
        (0.7, 40.0),
    ];
    let mut grid = Vec::new();
    for &c in &calls {
        for &a in &ahts {
            for &(share, t) in &targets {
                grid.push((erlang::offered_load(c, 1800.0, a), a, t, share));
            }
        }
    }
    assert_eq!(grid.len(), 200);
    let mut mismatches = 0;
    for &(load, aht, t, share) in &grid {
        if erlang::staff_for_service_level(load, aht, t, share).agents
            != erlang::agents_for_service_level(load, aht, t, share)
        {
            mismatches += 1;
        }
    }
    let time = |f: &dyn Fn(f64, f64, f64, f64) -> u32| {
        let reps = 20;
        let t = Instant::now();
        let mut sum = 0u64;
        for _ in 0..reps {
            for &(load, aht, tt, share) in &grid {
                sum += u64::from(f(std::hint::black_box(load), aht, tt, share));
            }
        }
        std::hint::black_box(sum);
        t.elapsed().as_secs_f64() * 1e6 / (reps * grid.len()) as f64
    };
    let one = time(&|l, a, t, s| erlang::staff_for_service_level(l, a, t, s).agents);
    let plain = time(&|l, a, t, s| erlang::agents_for_service_level(l, a, t, s));
    (one, plain, mismatches)
}
