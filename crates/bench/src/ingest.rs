//! `canali-bench ingest` (formerly `canali bench`): measures the ledger's figures against the
//! plain limit of the same work on the same machine in the same run, and writes them to
//! docs/benchmarks.md.
//!
//! - ingest: contacts through the ledger (idempotency key, indexes and rollups included)
//!   against `sqlite3 .import` and `psql \copy` of the same rows into a bare table and into a
//!   table with the ledger's own key and indexes;
//! - report: the yearly report from the rollups against a plain `GROUP BY` over the raw ledger.

use anyhow::{Context, Result, bail};
use canali_domain::{Channel, Outcome, Reason, Segment};
use canali_store::{NewContact, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{ScratchPostgres, append_run, machine, psql, remove_sqlite};
use std::process::Command;
use std::time::{Duration, Instant};

/// Columns of the benchmark file, in the order of the ledger's import format, after the source.
const CSV_HEADER: &str = "source,external_id,channel,started_at,segment,customer,wait_seconds,handle_seconds,reason,outcome,line";

/// The ledger's source of the benchmark's contacts.
const SOURCE: &str = "bench";

/// Contacts per call of `Ledger::ingest`.
pub(crate) const BATCH: usize = 50_000;

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

/// Writes the benchmark's `n` contacts as CSV, for the plain loads.
pub(crate) fn write_csv(path: &Path, n: usize) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{CSV_HEADER}")?;
    for c in synthetic_contacts(n) {
        writeln!(
            out,
            "{SOURCE},{},{},{},{},{},{},{},{},{},{}",
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

/// The plain table the baselines load: the CSV's columns, no key, no index.
const BARE_TABLE: &str = "CREATE TABLE bare (source TEXT, external_id TEXT, channel TEXT, \
     started_at BIGINT, segment TEXT, customer TEXT, wait_seconds BIGINT, handle_seconds BIGINT, \
     reason TEXT, outcome TEXT, line TEXT)";
/// The same table with the ledger's own key and indexes on SQLite (migrations 1 and 4): the
/// unique `(source, external_id)` and the customer timeline's `(customer, started_at)`. The
/// plain limit of a load that refuses duplicates and serves the timeline.
const SQLITE_KEYED_TABLE: &str = "CREATE TABLE bare (source TEXT, external_id TEXT, channel TEXT, \
     started_at BIGINT, segment TEXT, customer TEXT, wait_seconds BIGINT, handle_seconds BIGINT, \
     reason TEXT, outcome TEXT, line TEXT); \
     CREATE UNIQUE INDEX bare_key ON bare (source, external_id); \
     CREATE INDEX bare_customer ON bare (customer, started_at) WHERE customer IS NOT NULL;";
/// The same on PostgreSQL (migrations 1, 4 and 12): the key as primary key, in byte order.
const POSTGRES_KEYED_TABLE: &str = "CREATE TABLE bare (source TEXT COLLATE \"C\", \
     external_id TEXT COLLATE \"C\", channel TEXT, started_at BIGINT, segment TEXT, customer TEXT, \
     wait_seconds BIGINT, handle_seconds BIGINT, reason TEXT, outcome TEXT, line TEXT, \
     PRIMARY KEY (source, external_id)); \
     CREATE INDEX bare_customer ON bare (customer, started_at) WHERE customer IS NOT NULL;";

/// The page cache the baselines' `sqlite3` gets: the store's own (db.rs), so that the keyed
/// load's indexes stay in memory as the ledger's do.
const SQLITE_CACHE: &str = "PRAGMA cache_size = -262144";

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
    remove_sqlite(&db);
    run(Command::new("sqlite3").arg(&db).arg(table))?;
    let took = run(Command::new("sqlite3")
        .arg(&db)
        .args(["-cmd", SQLITE_CACHE])
        .arg(format!(".import --csv --skip 1 {} bare", csv.display())));
    remove_sqlite(&db);
    took
}

fn psql_copy(url: &str, csv: &Path, table: &str) -> Result<Duration> {
    psql(url, "DROP TABLE IF EXISTS bare")?;
    psql(url, table)?;
    let took = run(Command::new("psql").args([
        url,
        "-qc",
        &format!("\\copy bare FROM '{}' CSV HEADER", csv.display()),
    ]));
    psql(url, "DROP TABLE IF EXISTS bare")?;
    took
}

/// One measurement on one backend: the plain loads into the bare and the keyed table, and
/// canali's ingest of the same rows, one after the other.
#[derive(Clone, Copy)]
pub(crate) struct Loads {
    pub(crate) bare: Duration,
    pub(crate) keyed: Duration,
    pub(crate) ours: Duration,
}

impl Loads {
    /// canali's rate over the bare load's.
    pub(crate) fn bare_ratio(&self) -> f64 {
        self.bare.as_secs_f64() / self.ours.as_secs_f64()
    }

    /// canali's rate over the keyed load's.
    pub(crate) fn keyed_ratio(&self) -> f64 {
        self.keyed.as_secs_f64() / self.ours.as_secs_f64()
    }
}

/// How canali's side of a measurement runs.
#[derive(Clone, Copy)]
pub(crate) struct Ours {
    pub(crate) rows: usize,
    pub(crate) progress: bool,
    /// Drop the customer-timeline index (`contacts_customer`) before the ingest: a profiling
    /// run, to tell that index's share of the time; not the ingest's figure.
    pub(crate) without_timeline_index: bool,
}

/// The index a profiling run drops.
const TIMELINE_INDEX: &str = "DROP INDEX contacts_customer";

/// The loads on SQLite: fresh files in `dir`, removed after.
pub(crate) async fn sqlite_loads(dir: &Path, csv: &Path, ours: Ours) -> Result<Loads> {
    let bare = sqlite3_import(dir, csv, BARE_TABLE)?;
    let keyed = sqlite3_import(dir, csv, SQLITE_KEYED_TABLE)?;
    let db_path = dir.join("bench-ingest.db");
    remove_sqlite(&db_path);
    let store = crate::open(&format!("sqlite://{}", db_path.display())).await?;
    if ours.without_timeline_index {
        run(Command::new("sqlite3").arg(&db_path).arg(TIMELINE_INDEX))?;
    }
    let ours = ingest(&store, ours.rows, BATCH, ours.progress).await;
    store.close().await;
    remove_sqlite(&db_path);
    Ok(Loads {
        bare,
        keyed,
        ours: ours?,
    })
}

/// The loads on PostgreSQL: in a scratch database of their own on the server `server` names,
/// dropped after.
pub(crate) async fn postgres_loads(server: &str, csv: &Path, ours: Ours) -> Result<Loads> {
    let scratch = ScratchPostgres::create(server, "ingest")?;
    let loads = postgres_loads_in(&scratch.url, csv, ours).await;
    scratch.drop_now()?;
    loads
}

async fn postgres_loads_in(url: &str, csv: &Path, ours: Ours) -> Result<Loads> {
    let bare = psql_copy(url, csv, BARE_TABLE)?;
    let keyed = psql_copy(url, csv, POSTGRES_KEYED_TABLE)?;
    let store = crate::open(url).await?;
    if ours.without_timeline_index {
        psql(url, TIMELINE_INDEX)?;
    }
    let ours = ingest(&store, ours.rows, BATCH, ours.progress).await;
    store.close().await;
    Ok(Loads {
        bare,
        keyed,
        ours: ours?,
    })
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
    /// A PostgreSQL server for the PostgreSQL figures: the benchmark creates a scratch database
    /// of its own there and drops it after; the database the URL names is not written.
    #[arg(long, env = "CANALI_BENCH_POSTGRES")]
    postgres: Option<String>,
    /// Scratch folder for the benchmark files.
    #[arg(long, default_value = "target/bench")]
    workdir: PathBuf,
    /// Profiling: drop the customer-timeline index before canali's ingest, to measure its
    /// share of the time (the figures are then not the ingest's, and the section says so).
    #[arg(long)]
    without_timeline_index: bool,
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
    without_timeline_index: bool,
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
        without_timeline_index: args.without_timeline_index,
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
    if opts.without_timeline_index {
        let _ = writeln!(
            md,
            "Profiling run (`--without-timeline-index`): canali's ingest ran without the \
             customer-timeline index `contacts_customer`, to measure its share; these are not \
             the ingest's figures.\n"
        );
    }
    let _ = writeln!(
        md,
        "| backend | plain load into a bare table | rows/s | plain load into a table with the ledger's key and indexes | rows/s | canali ingest | rows/s | ratio to the bare load | ratio to the keyed load |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    let ours = Ours {
        rows: opts.rows,
        progress: opts.progress,
        without_timeline_index: opts.without_timeline_index,
    };
    let loads = sqlite_loads(&opts.workdir, &csv, ours).await?;
    row(&mut md, "SQLite", "`sqlite3 .import`", opts.rows, &loads);
    eprintln!(
        "ingest SQLite: {:.0} rows/s (sqlite3 .import {:.0} rows/s bare, {:.0} keyed): {:.2}x, {:.2}x",
        rate(opts.rows, loads.ours),
        rate(opts.rows, loads.bare),
        rate(opts.rows, loads.keyed),
        loads.bare_ratio(),
        loads.keyed_ratio()
    );
    if let Some(url) = &opts.postgres {
        let loads = postgres_loads(url, &csv, ours).await?;
        row(&mut md, "PostgreSQL", "`psql \\copy`", opts.rows, &loads);
        eprintln!(
            "ingest PostgreSQL: {:.0} rows/s (psql \\copy {:.0} rows/s bare, {:.0} keyed): {:.2}x, {:.2}x",
            rate(opts.rows, loads.ours),
            rate(opts.rows, loads.bare),
            rate(opts.rows, loads.keyed),
            loads.bare_ratio(),
            loads.keyed_ratio()
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
fn row(md: &mut String, backend: &str, baseline: &str, rows: usize, loads: &Loads) {
    let _ = writeln!(
        md,
        "| {backend} | {baseline}: {:.2} s | {:.0} | {baseline}: {:.2} s | {:.0} | {:.2} s | {:.0} | {:.2}x | {:.2}x |",
        loads.bare.as_secs_f64(),
        rate(rows, loads.bare),
        loads.keyed.as_secs_f64(),
        rate(rows, loads.keyed),
        loads.ours.as_secs_f64(),
        rate(rows, loads.ours),
        loads.bare_ratio(),
        loads.keyed_ratio()
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
