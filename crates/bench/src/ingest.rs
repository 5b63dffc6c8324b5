//! `canali-bench ingest` (formerly `canali bench`): measures the ledger's figures against the
//! plain limit of the same work on the same machine in the same run, and writes them to
//! docs/benchmarks.md.
//!
//! - ingest: contacts through the ledger (idempotency key and rollups included) against
//!   `sqlite3 .import` and `psql \copy` of the same rows into a bare table;
//! - report: the yearly report from the rollups against a plain `GROUP BY` over the raw ledger.

use anyhow::{Context, Result, bail};
use canali_domain::{Channel, Outcome, Reason, Segment};
use canali_store::{NewContact, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{append_run, machine, remove_sqlite};
use std::process::Command;
use std::time::{Duration, Instant};

/// Columns of the benchmark file, in the order of the ledger's import format.
const CSV_HEADER: &str = "external_id,channel,started_at,segment,customer,wait_seconds,handle_seconds,reason,outcome,line";

/// A deterministic stream of plausible contacts over 2010-2011 (no simulator: the benchmark
/// measures the store, not the generator).
fn synthetic_contacts(n: usize) -> impl Iterator<Item = NewContact> {
    let start = jiff::Timestamp::from_second(1_262_304_000)
        .unwrap()
        .as_microsecond(); // 2010-01-01
    let span_micros = 730_i64 * 86_400 * 1_000_000;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n).map(move |i| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let r = state;
        let channel = match r % 100 {
            0..=46 => Channel::CallCenterResidential,
            47..=55 => Channel::CallCenterBusiness,
            56..=84 => Channel::Branch,
            85..=94 => Channel::Web,
            _ => Channel::Mail,
        };
        let started_at = start + (i as i64) * (span_micros / n as i64);
        NewContact {
            external_id: format!("b{i:09}"),
            channel,
            started_at,
            ended_at: None,
            segment: Some(if channel == Channel::CallCenterBusiness {
                Segment::Business
            } else {
                Segment::Residential
            }),
            customer: Some(format!("C{:08}", (r >> 20) % 1_500_000)),
            territory: Some(((r >> 8) % 7 + 1) as i64),
            wait_seconds: Some(((r >> 32) % 600) as i64),
            handle_seconds: Some(((r >> 40) % 900) as i64),
            reason: Reason::from_code(((r >> 48) % 9 + 1) as i64),
            outcome: Some(Outcome::Resolved),
            branch: None,
            line: channel.is_call_center().then(|| "residential".to_string()),
            agent: None,
        }
    })
}

fn write_csv(path: &Path, n: usize) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{CSV_HEADER}")?;
    for c in synthetic_contacts(n) {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            c.external_id,
            c.channel.name(),
            c.started_at,
            c.segment.map_or("", |s| s.name()),
            c.customer.as_deref().unwrap_or(""),
            c.wait_seconds.unwrap_or(0),
            c.handle_seconds.unwrap_or(0),
            c.reason.map_or("", |r| r.name()),
            c.outcome.map_or("", |o| o.name()),
            c.line.as_deref().unwrap_or(""),
        )?;
    }
    out.flush()?;
    Ok(())
}

const BARE_TABLE: &str = "CREATE TABLE bare (external_id TEXT, channel TEXT, started_at BIGINT, segment TEXT, \
     customer TEXT, wait_seconds BIGINT, handle_seconds BIGINT, reason TEXT, outcome TEXT, line TEXT)";
/// The same table keyed on the contact's id like the ledger: the plain limit of a load that must
/// refuse duplicates.
const KEYED_TABLE: &str = "CREATE TABLE bare (external_id TEXT PRIMARY KEY, channel TEXT, started_at BIGINT, \
     segment TEXT, customer TEXT, wait_seconds BIGINT, handle_seconds BIGINT, reason TEXT, outcome TEXT, line TEXT)";

fn run(cmd: &mut Command) -> Result<Duration> {
    let t = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("could not run {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(t.elapsed())
}

fn sqlite3_import(dir: &Path, csv: &Path, table: &str) -> Result<Duration> {
    let db = dir.join("baseline.db");
    let _ = std::fs::remove_file(&db);
    run(Command::new("sqlite3").arg(&db).arg(table))?;
    run(Command::new("sqlite3")
        .arg(&db)
        .arg(format!(".import --csv --skip 1 {} bare", csv.display())))
}

fn psql_copy(url: &str, csv: &Path, table: &str) -> Result<Duration> {
    run(Command::new("psql").args([url, "-qc", "DROP TABLE IF EXISTS bare"]))?;
    run(Command::new("psql").args([url, "-qc", table]))?;
    let took = run(Command::new("psql").args([
        url,
        "-qc",
        &format!("\\copy bare FROM '{}' CSV HEADER", csv.display()),
    ]));
    run(Command::new("psql").args([url, "-qc", "DROP TABLE IF EXISTS bare"]))?;
    took
}

fn bar(n: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(n);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:>22} [{bar:30}] {human_pos}/{human_len} ({per_sec}, {eta})",
        )
        .unwrap()
        .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Ingests `n` synthetic contacts into `store` in batches; returns the time spent.
async fn ingest(store: &Store, n: usize, batch: usize, progress: bool) -> Result<Duration> {
    let pb = if progress {
        bar(n as u64, "ingest")
    } else {
        ProgressBar::hidden()
    };
    let mut buffer = Vec::with_capacity(batch);
    let mut took = Duration::ZERO;
    let mut contacts = synthetic_contacts(n).peekable();
    while contacts.peek().is_some() {
        buffer.clear();
        buffer.extend(contacts.by_ref().take(batch));
        let t = Instant::now();
        store.ledger().ingest("bench", &buffer).await?;
        took += t.elapsed();
        pb.inc(buffer.len() as u64);
    }
    pb.finish_and_clear();
    Ok(took)
}

#[derive(clap::Args)]
pub struct IngestArgs {
    /// Contacts loaded in the ingest benchmark.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Ledger sizes of the report benchmark (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
    report_sizes: Vec<usize>,
    /// A PostgreSQL database for the PostgreSQL figures (its tables are emptied).
    #[arg(long, env = "CANALI_BENCH_POSTGRES")]
    postgres: Option<String>,
    /// Scratch folder for the benchmark files.
    #[arg(long, default_value = "target/bench")]
    workdir: PathBuf,
    /// Append the results to this markdown file.
    #[arg(long, default_value = "docs/benchmarks.md")]
    output: PathBuf,
}

struct BenchOptions {
    rows: usize,
    report_sizes: Vec<usize>,
    postgres: Option<String>,
    workdir: PathBuf,
    output: Option<PathBuf>,
    progress: bool,
}

/// Runs the ingest and report benchmarks, prints the markdown and appends it to the page.
pub async fn bench(args: IngestArgs, progress: bool) -> Result<()> {
    let opts = BenchOptions {
        rows: args.rows,
        report_sizes: args.report_sizes,
        postgres: args.postgres,
        workdir: args.workdir,
        output: Some(args.output.clone()),
        progress,
    };
    let md = run_all(&opts).await?;
    println!("{md}");
    println!("Appended to {}.", args.output.display());
    Ok(())
}

fn rate(rows: usize, d: Duration) -> f64 {
    rows as f64 / d.as_secs_f64()
}

/// Runs every benchmark and returns the markdown section.
async fn run_all(opts: &BenchOptions) -> Result<String> {
    std::fs::create_dir_all(&opts.workdir)?;
    let mut md = String::new();
    let now = jiff::Zoned::now();
    let _ = writeln!(md, "## Run of {}\n", now.strftime("%Y-%m-%d %H:%M %Z"));
    let _ = writeln!(md, "Machine: {}.\n", machine());

    // Ingest.
    let csv = opts.workdir.join("bench-contacts.csv");
    write_csv(&csv, opts.rows)?;
    let _ = writeln!(
        md,
        "### Bulk ingest of {} contacts (rollups included)\n",
        opts.rows
    );
    let _ = writeln!(
        md,
        "| backend | plain load into a bare table | rows/s | plain load into a table keyed like the ledger | rows/s | canali ingest | rows/s | ratio to the bare load |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    let base = sqlite3_import(&opts.workdir, &csv, BARE_TABLE)?;
    let keyed = sqlite3_import(&opts.workdir, &csv, KEYED_TABLE)?;
    let db_path = opts.workdir.join("bench-ingest.db");
    remove_sqlite(&db_path);
    let store = Store::connect(&format!("sqlite://{}", db_path.display())).await?;
    store.migrate().await?;
    let ours = ingest(&store, opts.rows, 50_000, opts.progress).await?;
    store.close().await;
    remove_sqlite(&db_path);
    row(
        &mut md,
        "SQLite",
        "`sqlite3 .import`",
        opts.rows,
        [base, keyed, ours],
    );
    eprintln!(
        "ingest SQLite: {:.0} rows/s (sqlite3 .import {:.0} rows/s)",
        rate(opts.rows, ours),
        rate(opts.rows, base)
    );
    if let Some(url) = &opts.postgres {
        let base = psql_copy(url, &csv, BARE_TABLE)?;
        let keyed = psql_copy(url, &csv, KEYED_TABLE)?;
        let store = Store::connect(url).await?;
        reset_postgres(&store, url).await?;
        let ours = ingest(&store, opts.rows, 50_000, opts.progress).await?;
        reset_postgres(&store, url).await?;
        store.close().await;
        row(
            &mut md,
            "PostgreSQL",
            "`psql \\copy`",
            opts.rows,
            [base, keyed, ours],
        );
        eprintln!(
            "ingest PostgreSQL: {:.0} rows/s (psql \\copy {:.0} rows/s)",
            rate(opts.rows, ours),
            rate(opts.rows, base)
        );
    }
    let _ = std::fs::remove_file(&csv);

    // Report.
    let _ = writeln!(
        md,
        "\n### The yearly report against a plain GROUP BY over the ledger (SQLite)\n"
    );
    let _ = writeln!(
        md,
        "| contacts in the ledger | `canali report` figures (median of 20) | plain `GROUP BY` over the raw table (median of 3) |"
    );
    let _ = writeln!(md, "|---|---|---|");
    for &size in &opts.report_sizes {
        let db_path = opts.workdir.join(format!("bench-report-{size}.db"));
        remove_sqlite(&db_path);
        let store = Store::connect(&format!("sqlite://{}", db_path.display())).await?;
        store.migrate().await?;
        ingest(&store, size, 100_000, opts.progress).await?;
        let ours = median(20, || async {
            canali_report::build(&store, 2011, &canali_report::ReportSettings::default())
                .await
                .map(|_| ())?;
            Ok(())
        })
        .await?;
        let plain = median(3, || async {
            Ok(store
                .figures()
                .plain_group_by_year(2011)
                .await
                .map(|_| ())?)
        })
        .await?;
        store.close().await;
        remove_sqlite(&db_path);
        let _ = writeln!(md, "| {size} | {:.2} ms | {:.1} ms |", ms(ours), ms(plain));
        eprintln!(
            "report at {size} contacts: {:.2} ms (plain GROUP BY {:.1} ms)",
            ms(ours),
            ms(plain)
        );
    }
    md.push('\n');
    if let Some(path) = &opts.output {
        append_run(path, &md)?;
    }
    Ok(md)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One table row: the bare load, the keyed load and canali's ingest of the same rows.
fn row(
    md: &mut String,
    backend: &str,
    baseline: &str,
    rows: usize,
    [base, keyed, ours]: [Duration; 3],
) {
    let _ = writeln!(
        md,
        "| {backend} | {baseline}: {:.2} s | {:.0} | {baseline}: {:.2} s | {:.0} | {:.2} s | {:.0} | {:.2}x |",
        base.as_secs_f64(),
        rate(rows, base),
        keyed.as_secs_f64(),
        rate(rows, keyed),
        ours.as_secs_f64(),
        rate(rows, ours),
        base.as_secs_f64() / ours.as_secs_f64()
    );
}

async fn median<F, Fut>(runs: usize, mut f: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times[runs / 2])
}

/// Empties the ledger tables of a PostgreSQL store (the benchmark's own database).
async fn reset_postgres(store: &Store, url: &str) -> Result<()> {
    store.migrate().await?;
    run(Command::new("psql").args([
        url,
        "-qc",
        "TRUNCATE contacts, contact_daily, contact_monthly",
    ]))?;
    Ok(())
}
