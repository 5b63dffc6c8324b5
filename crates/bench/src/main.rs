//! `canali-bench`: the benchmark harnesses, out of the product binary. Each measures a part of
//! canali against the plain limit of the same work where there is one, and prints markdown for
//! docs/benchmarks.md. Run them on a release build:
//!
//! ```text
//! cargo run --release -p canali-bench -- ingest [--rows 1000000] [--postgres URL]
//! cargo run --release -p canali-bench -- callcenter [--lines 5000000]
//! cargo run --release -p canali-bench -- tickets [--tickets 8000 --clerks 16]
//! cargo run --release -p canali-bench -- bills [--bills 2000]
//! ```

mod bills;
mod callcenter;
mod ingest;
mod tickets;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::Path;

/// The product's allocator: the figures must be those of the `canali` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// canali's benchmark harnesses: ingest and report, call centers, branch tickets, bill PDFs.
#[derive(Parser)]
#[command(name = "canali-bench", version, about, long_about = None, arg_required_else_help = true)]
struct Cli {
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure ingest and report speed against plain SQLite and PostgreSQL loads (formerly
    /// `canali bench`).
    Ingest(ingest::IngestArgs),
    /// Measure the queue_log parse and import rates, the line indicators and staffing
    /// (formerly `canali bench-callcenter`).
    Callcenter(callcenter::CallcenterArgs),
    /// Measure open-now for the whole (simulated) network and ticket operations with concurrent
    /// clerks on a scratch SQLite database (or PostgreSQL with --postgres); prints markdown
    /// (formerly `canali branches bench`).
    Tickets(tickets::TicketsArgs),
    /// Measure bill PDFs rendered per second (one thread; run under `taskset -c 0`; formerly
    /// `canali bills bench`).
    Bills(bills::BillsArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let progress = !cli.quiet;
    match cli.command {
        Command::Ingest(args) => runtime.block_on(ingest::bench(args, progress)),
        Command::Callcenter(args) => runtime.block_on(callcenter::bench(args)),
        Command::Tickets(args) => runtime.block_on(tickets::bench(args)),
        Command::Bills(args) => bills::bench(args),
    }
}

/// A store with its schema up to date.
async fn open(url: &str) -> Result<canali_store::Store> {
    let store = canali_store::Store::connect(url)
        .await
        .with_context(|| format!("cannot open the database {url}"))?;
    store
        .migrate()
        .await
        .context("cannot bring the schema up to date")?;
    Ok(store)
}

/// Removes a SQLite database and its journal files.
fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The processor and its cores, for the benchmark pages.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// Appends a run to the benchmarks page, after what it already holds.
fn append_run(path: &Path, section: &str) -> Result<()> {
    let mut page = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n\n".to_string());
    if !page.ends_with('\n') {
        page.push('\n');
    }
    page.push_str(section);
    std::fs::write(path, page)?;
    Ok(())
}
