//! `canali-bench`: the benchmark harnesses, out of the product binary. Each measures a part of
//! canali against the plain limit of the same work where there is one, and prints markdown for
//! docs/benchmarks.md. Run them on a release build:
//!
//! ```text
//! cargo run --release -p canali-bench -- ingest [--rows 1000000] [--postgres URL]
//! cargo run --release -p canali-bench -- callcenter [--lines 5000000]
//! cargo run --release -p canali-bench -- tickets [--tickets 8000 --clerks 16]
//! cargo run --release -p canali-bench -- bills [--bills 2000]
//! cargo run --release -p canali-bench -- quick [--postgres URL] [--record]
//! ```
//!
//! Every harness writes only into scratch databases of its own: SQLite files in its work folder,
//! and on a PostgreSQL server a database it creates and drops ([`ScratchPostgres`]).

mod bills;
mod callcenter;
mod ingest;
mod quick;
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
    /// The regression guard (within 60 s): the ingest's ratios to the plain loads measured in
    /// the same run, against the figures docs/benchmarks.md records for this command; fails
    /// when one falls more than 25% below. `--record` writes this run's figures there instead.
    Quick(quick::QuickArgs),
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
        Command::Quick(args) => runtime.block_on(quick::run(args)),
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

/// A database of the harness's own on a PostgreSQL server, created for one measurement and
/// dropped after it: the database the URL names is only used to create and drop it, never
/// written.
pub(crate) struct ScratchPostgres {
    /// The URL the harness was given (its database is left alone).
    server: String,
    name: String,
    /// The scratch database's URL.
    pub(crate) url: String,
}

impl ScratchPostgres {
    /// Creates an empty database named after `label`, this process and the time.
    pub(crate) fn create(server: &str, label: &str) -> Result<ScratchPostgres> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "canali_bench_{label}_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            jiff::Timestamp::now().as_second() % 1_000_000
        );
        let url = with_database(server, &name)?;
        psql(server, &format!("CREATE DATABASE {name}"))
            .with_context(|| format!("cannot create the scratch database {name} on {server}"))?;
        Ok(ScratchPostgres {
            server: server.to_string(),
            name,
            url,
        })
    }

    /// Drops the database (and any connection still open to it).
    pub(crate) fn drop_now(self) -> Result<()> {
        psql(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        )
        .with_context(|| format!("cannot drop the scratch database {}", self.name))
    }
}

/// Runs one SQL command through `psql`.
pub(crate) fn psql(url: &str, sql: &str) -> Result<()> {
    let out = std::process::Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .context("could not run psql (is the PostgreSQL client installed?)")?;
    if !out.status.success() {
        anyhow::bail!(
            "psql refused `{sql}`: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `url` with its database replaced by `database` (user, host, port and parameters kept).
fn with_database(url: &str, database: &str) -> Result<String> {
    let scheme_end = url
        .find("://")
        .filter(|_| url.starts_with("postgres://") || url.starts_with("postgresql://"))
        .with_context(|| format!("not a PostgreSQL URL (postgres://...): {url}"))?
        + 3;
    let (base, query) = match url.find('?') {
        Some(q) => url.split_at(q),
        None => (url, ""),
    };
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    Ok(format!("{}/{database}{query}", &base[..authority_end]))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn scratch_urls_keep_everything_but_the_database() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "s").unwrap(),
            "postgres://postgres@127.0.0.1:5432/s"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "s").unwrap(),
            "postgresql://u:p@h/s?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5433", "s").unwrap(),
            "postgres://h:5433/s"
        );
        assert!(with_database("sqlite://x.db", "s").is_err());
    }
}
