//! `canali-bench tickets` (formerly `canali branches bench`): open-now for the whole simulated
//! network, and the ticket queue with concurrent clerks on a scratch SQLite database (and with
//! --postgres on a scratch database created on that server and dropped after); prints
//! markdown. See docs/branches.md.

use anyhow::{Result, bail};
use canali_branches::Network;
use canali_domain::ROME;
use canali_store::Store;
use canali_store::tickets::ServiceCategory;
use jiff::Timestamp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct TicketsArgs {
    /// Tickets taken, called, served and closed.
    #[arg(long, default_value_t = 8000)]
    tickets: usize,
    /// Clerks calling concurrently.
    #[arg(long, default_value_t = 16)]
    clerks: usize,
    /// A PostgreSQL server for the PostgreSQL figure, as the URL of a database on it: the
    /// benchmark creates a scratch database of its own there, and drops it after. Nothing is
    /// written into the database named.
    #[arg(long)]
    postgres: Option<String>,
    /// Scratch folder for the SQLite database.
    #[arg(long, default_value = "target/bench")]
    workdir: PathBuf,
}

pub async fn bench(args: TicketsArgs) -> Result<()> {
    run_bench(
        args.tickets,
        args.clerks,
        args.postgres.as_deref(),
        &args.workdir,
    )
    .await
}

async fn run_bench(
    tickets: usize,
    clerks: usize,
    postgres: Option<&str>,
    workdir: &Path,
) -> Result<()> {
    use std::fmt::Write;
    let mut md = String::new();
    let now = Timestamp::now();
    writeln!(
        md,
        "## Branches: open-now and the ticket queue, {} UTC\n",
        now.strftime("%Y-%m-%d %H:%M")
    )?;
    writeln!(
        md,
        "Machine: {}. `canali-bench tickets --tickets {tickets} --clerks {clerks}` (release build).\n",
        crate::machine()
    )?;

    // Open-now for the whole simulated network at 10,000 instants spread over 2011.
    let net = Network::build(
        canali_sim::network::sots(),
        canali_sim::network::branches(),
        canali_sim::network::branch_events(),
        &HashMap::new(),
        &[],
        &HashMap::new(),
    )?;
    let first = date_ts(2011, 1, 1)?;
    let step = 365 * 24 * 3600 / 10_000;
    // One call first: the time zone's first conversions fill jiff's caches.
    std::hint::black_box(net.open_now(first, None));
    let mut times = Vec::with_capacity(10_000);
    let mut open_sum = 0usize;
    for i in 0..10_000i64 {
        let at = first.checked_add(jiff::SignedDuration::from_secs(i * step))?;
        let t = Instant::now();
        let rows = net.open_now(at, None);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        open_sum += rows.iter().filter(|r| r.open).count();
        std::hint::black_box(rows);
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    writeln!(
        md,
        "### Open-now, next opening and hours this week for the whole network\n"
    )?;
    writeln!(
        md,
        "| branches | instants | mean per network | median | 99th percentile | max |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|")?;
    writeln!(
        md,
        "| {} | 10000 over 2011 ({:.1} open on average) | {mean:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs |\n",
        net.branches.len(),
        open_sum as f64 / 10_000.0,
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1]
    )?;

    writeln!(
        md,
        "### Ticket operations with {clerks} concurrent clerks\n"
    )?;
    writeln!(
        md,
        "Take (kiosk, with its estimate), call next, serve, close (which writes the branch contact to the ledger): four operations a ticket; 4 kiosks take tickets while the clerks work.\n"
    )?;
    writeln!(
        md,
        "| backend | tickets | operations | wall time | operations/s | served twice |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|")?;
    std::fs::create_dir_all(workdir)?;
    let file = workdir.join("tickets-bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let mut urls = vec![("SQLite", format!("sqlite://{}", file.display()))];
    let scratch = postgres.map(ScratchPostgres::create).transpose()?;
    if let Some(pg) = &scratch {
        urls.push(("PostgreSQL", pg.url.clone()));
    }
    for (name, url) in urls {
        let store = std::sync::Arc::new(crate::open(&url).await?);
        let run = ticket_run(&store, tickets, clerks).await;
        store.close().await;
        let (secs, twice) = run?;
        writeln!(
            md,
            "| {name} | {tickets} | {} | {secs:.2} s | {:.0} | {twice} |",
            tickets * 4,
            (tickets * 4) as f64 / secs
        )?;
    }
    println!("{md}");
    Ok(())
}

/// A scratch database on a PostgreSQL server, dropped when the benchmark ends.
struct ScratchPostgres {
    /// The URL of the database named on the command line, for `psql`.
    given: String,
    name: String,
    url: String,
}

impl ScratchPostgres {
    fn create(given: &str) -> Result<ScratchPostgres> {
        let (base, query) = match given.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (given, String::new()),
        };
        let Some((server, _)) = base.rsplit_once('/') else {
            bail!("{given} does not name a database (postgres://USER@HOST:PORT/DATABASE)");
        };
        let name = format!("canali_tickets_bench_{}", std::process::id());
        let scratch = ScratchPostgres {
            given: given.to_string(),
            url: format!("{server}/{name}{query}"),
            name,
        };
        scratch.psql(&format!("DROP DATABASE IF EXISTS {}", scratch.name))?;
        scratch.psql(&format!(
            "CREATE DATABASE {} TEMPLATE template0",
            scratch.name
        ))?;
        Ok(scratch)
    }

    fn psql(&self, sql: &str) -> Result<()> {
        let status = std::process::Command::new("psql")
            .args([
                self.given.as_str(),
                "-qtAX",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .status()?;
        if !status.success() {
            bail!("psql {}: {sql} failed", self.given);
        }
        Ok(())
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        let _ = self.psql(&format!("DROP DATABASE IF EXISTS {}", self.name));
    }
}

fn date_ts(y: i16, m: i8, d: i8) -> Result<Timestamp> {
    Ok(jiff::civil::date(y, m, d)
        .at(0, 0, 0, 0)
        .to_zoned(ROME.clone())?
        .timestamp())
}

/// One benchmark run on a store: returns the wall time and the tickets served more than once.
async fn ticket_run(
    store: &std::sync::Arc<Store>,
    tickets: usize,
    clerks: usize,
) -> Result<(f64, usize)> {
    let branch = format!("BENCH-{}", Timestamp::now().as_microsecond());
    let cats: Vec<ServiceCategory> = [("A", 1), ("B", 1), ("P", 5)]
        .iter()
        .map(|&(c, p)| ServiceCategory {
            branch: branch.clone(),
            code: c.to_string(),
            name: format!("category {c}"),
            priority: p,
        })
        .collect();
    store.tickets().set_service_categories(&cats).await?;
    let start = Timestamp::now().as_microsecond();
    let t = Instant::now();
    let kiosks: Vec<_> = (0..4)
        .map(|k| {
            let store = store.clone();
            let branch = branch.clone();
            tokio::spawn(async move {
                for i in 0..tickets / 4 {
                    let cat = ["A", "B", "P"][(i + k) % 3];
                    canali_branches::queue::take_ticket(
                        &store,
                        &branch,
                        cat,
                        false,
                        start + (i * 4 + k) as i64,
                    )
                    .await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..clerks)
        .map(|c| {
            let store = store.clone();
            let branch = branch.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut served = Vec::new();
                loop {
                    let now = start + 60_000_000;
                    match store
                        .tickets()
                        .call_next(&branch, &c.to_string(), "bench", &[], now)
                        .await?
                    {
                        Some(t) => {
                            store.tickets().serve(t.id, now + 1).await?;
                            store.tickets().close(t.id, now + 2, None).await?;
                            served.push(t.id);
                        }
                        None if done.load(std::sync::atomic::Ordering::SeqCst) => break,
                        None => tokio::time::sleep(std::time::Duration::from_millis(1)).await,
                    }
                }
                anyhow::Ok(served)
            })
        })
        .collect();
    for k in kiosks {
        k.await??;
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await??);
    }
    let secs = t.elapsed().as_secs_f64();
    let unique: std::collections::HashSet<i64> = all.iter().copied().collect();
    if all.len() != tickets - tickets % 4 {
        bail!(
            "{} tickets served, {} taken",
            all.len(),
            tickets - tickets % 4
        );
    }
    Ok((secs, all.len() - unique.len()))
}
