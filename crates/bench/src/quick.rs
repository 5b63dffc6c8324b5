//! `canali-bench quick`: the benchmark regression guard, run by CI on a release build. It
//! measures the ingest against the plain loads of the same rows in the same run (ratios, never
//! absolute times, so that a slower machine does not fail it), on SQLite and, given a server,
//! on PostgreSQL, and fails when a ratio falls more than a quarter below the figure that
//! docs/benchmarks.md records for the same command ("Regression guard"). `--record` writes the
//! run's figures into that table instead: the recorded figures are always a run's output.

use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::ingest::{Loads, Ours, postgres_loads, sqlite_loads, write_csv};

/// Contacts per measurement: a few seconds a round on two busy cores.
const QUICK_ROWS: usize = 100_000;
/// A ratio may fall this far below the recorded one before the guard fails.
const TOLERANCE: f64 = 0.25;
/// No round starts after this much time, so that the guard stays within a minute.
const BUDGET: Duration = Duration::from_secs(40);
/// The heading of the recorded figures in the benchmarks page.
const SECTION: &str = "## Regression guard";

#[derive(clap::Args)]
pub struct QuickArgs {
    /// Contacts per measurement (the recorded figures are per command: another count is
    /// another command).
    #[arg(long, default_value_t = QUICK_ROWS)]
    rows: usize,
    /// Rounds per backend, alternating; the median ratio counts.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// A PostgreSQL server for the PostgreSQL figures (default: `CANALI_TEST_POSTGRES`); a
    /// scratch database of its own is created there and dropped after.
    #[arg(long, env = "CANALI_BENCH_POSTGRES")]
    postgres: Option<String>,
    /// Scratch folder.
    #[arg(long, default_value = "target/bench-quick")]
    workdir: PathBuf,
    /// The page that records the figures.
    #[arg(long, default_value = "docs/benchmarks.md")]
    page: PathBuf,
    /// Write this run's figures into the page's guard table instead of comparing with it.
    #[arg(long)]
    record: bool,
}

/// One guarded figure of a run.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    command: String,
    backend: String,
    figure: String,
    ratio: f64,
}

const TO_BARE: &str = "ingest / plain load into the bare table";
const TO_KEYED: &str = "ingest / plain load into the keyed table";

pub async fn run(args: QuickArgs) -> Result<()> {
    let started = Instant::now();
    let postgres = args.postgres.clone().or_else(|| {
        std::env::var(canali_store::testing::POSTGRES_ENV)
            .ok()
            .filter(|u| !u.is_empty())
    });
    let command = if args.rows == QUICK_ROWS {
        "canali-bench quick".to_string()
    } else {
        format!("canali-bench quick --rows {}", args.rows)
    };
    std::fs::create_dir_all(&args.workdir)?;
    let csv = args.workdir.join("quick-contacts.csv");
    write_csv(&csv, args.rows)?;
    let ours = Ours {
        rows: args.rows,
        progress: false,
        without_timeline_index: false,
    };
    let mut sqlite = Vec::new();
    let mut pg = Vec::new();
    for round in 0..args.rounds.max(1) {
        if round > 0 && started.elapsed() > BUDGET {
            eprintln!("quick: {round} rounds within the time budget");
            break;
        }
        let l = sqlite_loads(&args.workdir, &csv, ours).await?;
        report_round("SQLite", round, &l);
        sqlite.push(l);
        if let Some(url) = &postgres {
            let l = postgres_loads(url, &csv, ours).await?;
            report_round("PostgreSQL", round, &l);
            pg.push(l);
        }
    }
    let _ = std::fs::remove_file(&csv);
    let mut figures = figures_of(&command, "SQLite", &sqlite);
    figures.extend(figures_of(&command, "PostgreSQL", &pg));
    let page = std::fs::read_to_string(&args.page).unwrap_or_default();
    if args.record {
        let date = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M UTC")
            .to_string();
        std::fs::write(&args.page, record(&page, &figures, &date))
            .with_context(|| format!("cannot write {}", args.page.display()))?;
        for f in &figures {
            println!(
                "{} | {} | {}: {:.2}x",
                f.command, f.backend, f.figure, f.ratio
            );
        }
        println!(
            "Recorded in {} ({:.1} s).",
            args.page.display(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let recorded = recorded(&page);
    let (table, failures, compared) = compare(&figures, &recorded);
    println!("{table}");
    println!("quick: {:.1} s", started.elapsed().as_secs_f64());
    if compared == 0 {
        bail!(
            "{} records no figure for `{command}` ({SECTION}): run it with --record on a quiet \
             machine first",
            args.page.display()
        );
    }
    if !failures.is_empty() {
        bail!(
            "the ingest fell more than {:.0}% below its recorded ratio: {}",
            TOLERANCE * 100.0,
            failures.join("; ")
        );
    }
    Ok(())
}

/// One round's times, on stderr (CI's log keeps them beside the verdict).
fn report_round(backend: &str, round: usize, l: &Loads) {
    eprintln!(
        "round {}, {backend}: bare load {:.3} s, keyed load {:.3} s, canali {:.3} s: {:.2}x, {:.2}x",
        round + 1,
        l.bare.as_secs_f64(),
        l.keyed.as_secs_f64(),
        l.ours.as_secs_f64(),
        l.bare_ratio(),
        l.keyed_ratio()
    );
}

/// The median ratios of a backend's rounds (none without rounds).
fn figures_of(command: &str, backend: &str, rounds: &[Loads]) -> Vec<Figure> {
    if rounds.is_empty() {
        return Vec::new();
    }
    let median = |f: fn(&Loads) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    [
        (TO_BARE, median(Loads::bare_ratio)),
        (TO_KEYED, median(Loads::keyed_ratio)),
    ]
    .into_iter()
    .map(|(figure, ratio)| Figure {
        command: command.to_string(),
        backend: backend.to_string(),
        figure: figure.to_string(),
        ratio,
    })
    .collect()
}

/// The rows of the page's guard table.
fn recorded(page: &str) -> Vec<Figure> {
    section_lines(page).filter_map(parse_row).collect()
}

/// The lines of the guard section, after its heading and up to the next heading.
fn section_lines(page: &str) -> impl Iterator<Item = &str> {
    page.lines()
        .skip_while(|l| l.trim_end() != SECTION)
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
}

/// `| `command` | backend | figure | 0.61 | date |` -> the figure; other lines -> None.
fn parse_row(line: &str) -> Option<Figure> {
    let cells: Vec<&str> = line
        .trim()
        .strip_prefix('|')?
        .split('|')
        .map(str::trim)
        .collect();
    let command = cells.first()?.strip_prefix('`')?.strip_suffix('`')?;
    let ratio = cells.get(3)?.trim_end_matches('x').parse().ok()?;
    Some(Figure {
        command: command.to_string(),
        backend: cells.get(1)?.to_string(),
        figure: cells.get(2)?.to_string(),
        ratio,
    })
}

fn row_of(f: &Figure, date: &str) -> String {
    format!(
        "| `{}` | {} | {} | {:.2} | {date} |",
        f.command, f.backend, f.figure, f.ratio
    )
}

/// The page with `figures` written into the guard table: a recorded row of the same command,
/// backend and figure is replaced, others are added at the table's end; the section is added at
/// the page's end if missing.
fn record(page: &str, figures: &[Figure], date: &str) -> String {
    let mut lines: Vec<String> = page.lines().map(str::to_string).collect();
    let start = match lines.iter().position(|l| l.trim_end() == SECTION) {
        Some(i) => i,
        None => {
            if lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(String::new());
            }
            let at = lines.len();
            lines.push(SECTION.to_string());
            lines.push(String::new());
            lines.push(
                "Written by `cargo run --release -p canali-bench -- quick --record`; `quick` \
                 without it (CI) fails when a ratio falls more than 25% below the one here for \
                 the same command."
                    .to_string(),
            );
            lines.push(String::new());
            lines.push("| command | backend | figure | ratio | recorded |".to_string());
            lines.push("|---|---|---|---|---|".to_string());
            at
        }
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| start + 1 + i);
    let mut last_row = lines[start..end]
        .iter()
        .rposition(|l| l.trim_start().starts_with('|'))
        .map(|i| start + i);
    for f in figures {
        let existing = (start..end).find(|&i| {
            parse_row(&lines[i]).is_some_and(|r| {
                r.command == f.command && r.backend == f.backend && r.figure == f.figure
            })
        });
        match existing {
            Some(i) => lines[i] = row_of(f, date),
            None => {
                let at = last_row.map_or(end, |i| i + 1);
                lines.insert(at, row_of(f, date));
                last_row = Some(at);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The comparison as a markdown table, the failures, and how many figures had a record.
fn compare(figures: &[Figure], recorded: &[Figure]) -> (String, Vec<String>, usize) {
    let mut table = String::from(
        "| command | backend | figure | this run | recorded | floor | |\n|---|---|---|---|---|---|---|\n",
    );
    let mut failures = Vec::new();
    let mut compared = 0;
    for f in figures {
        let before = recorded
            .iter()
            .find(|r| r.command == f.command && r.backend == f.backend && r.figure == f.figure);
        let (recorded, floor, verdict) = match before {
            Some(r) => {
                compared += 1;
                let floor = r.ratio * (1.0 - TOLERANCE);
                let ok = f.ratio >= floor;
                if !ok {
                    failures.push(format!(
                        "{} {}: {:.2}x against {:.2}x recorded (floor {floor:.2}x)",
                        f.backend, f.figure, f.ratio, r.ratio
                    ));
                }
                (
                    format!("{:.2}x", r.ratio),
                    format!("{floor:.2}x"),
                    if ok { "ok" } else { "**fell**" },
                )
            }
            None => ("none".to_string(), "-".to_string(), "not recorded"),
        };
        let _ = writeln!(
            table,
            "| `{}` | {} | {} | {:.2}x | {recorded} | {floor} | {verdict} |",
            f.command, f.backend, f.figure, f.ratio
        );
    }
    (table, failures, compared)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(backend: &str, figure: &str, ratio: f64) -> Figure {
        Figure {
            command: "canali-bench quick".into(),
            backend: backend.into(),
            figure: figure.into(),
            ratio,
        }
    }

    const PAGE: &str = "# Benchmarks\n\nText.\n\n## Regression guard\n\nWritten by ...\n\n\
        | command | backend | figure | ratio | recorded |\n|---|---|---|---|---|\n\
        | `canali-bench quick` | SQLite | ingest / plain load into the bare table | 0.60 | d1 |\n\
        \n## Run of later\n\n| `canali-bench quick` | SQLite | other | 9.00 | d |\n";

    #[test]
    fn reads_the_guard_table_only() {
        assert_eq!(recorded(PAGE), vec![fig("SQLite", TO_BARE, 0.60)]);
    }

    #[test]
    fn a_ratio_a_quarter_below_the_record_fails() {
        let rec = recorded(PAGE);
        let (_, failures, compared) = compare(&[fig("SQLite", TO_BARE, 0.46)], &rec);
        assert_eq!((failures.len(), compared), (0, 1));
        let (table, failures, _) = compare(&[fig("SQLite", TO_BARE, 0.44)], &rec);
        assert_eq!(failures.len(), 1, "{table}");
        let (_, failures, compared) = compare(&[fig("PostgreSQL", TO_BARE, 0.01)], &rec);
        assert_eq!((failures.len(), compared), (0, 0));
    }

    #[test]
    fn recording_replaces_the_same_figure_and_adds_new_ones() {
        let page = record(
            PAGE,
            &[fig("SQLite", TO_BARE, 0.7), fig("SQLite", TO_KEYED, 0.9)],
            "d2",
        );
        assert_eq!(
            recorded(&page),
            vec![fig("SQLite", TO_BARE, 0.7), fig("SQLite", TO_KEYED, 0.9)]
        );
        assert!(page.contains("| 0.70 | d2 |"), "{page}");
        assert!(page.contains("## Run of later\n\n| `canali-bench quick` | SQLite | other | 9.00"));
        // A page without the section gets one at its end.
        let fresh = record("# Benchmarks\n", &[fig("SQLite", TO_KEYED, 0.8)], "d3");
        assert_eq!(recorded(&fresh), vec![fig("SQLite", TO_KEYED, 0.8)]);
        assert_eq!(
            recorded(&record(&fresh, &[fig("SQLite", TO_KEYED, 0.5)], "d4")).len(),
            1
        );
    }
}
