//! canali-sim: the synthetic utility.
//!
//! A multi-utility of Emilia-Romagna with seven territories (SOT), 84 branches, about 1.7 million
//! customers with 2.8 million gas, electricity and water supply points, an online branch, the
//! e-bill, bills and the contacts of five channels, calibrated to the reference figures of the
//! seed (see `docs/simulator.md`). Everything is deterministic by seed: the same configuration
//! writes the same rows, and re-running it writes nothing new (every row has a stable key).
//!
//! [`simulate`] writes through the store's bulk API, generating on a separate thread while the
//! store writes, in batches, so memory stays bounded. [`dry_run`] runs the same generators
//! without a database and tallies what they produce (calibration checks, generation speed).

pub mod accounts;
pub mod bills;
pub mod contacts;
mod dry_run;
pub mod live;
pub mod network;
pub mod people;
pub mod plan;
pub mod queue;
pub mod rng;
pub mod targets;

pub use dry_run::{DryRun, YearTally, dry_run};

use accounts::{Ebill, Portal};
use canali_domain::{Channel, Day, Service};
use canali_store::{Bill, Customer, NewContact, Store, StoreError, SupplyPoint};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::{Date, date};
use people::Population;
use plan::{World, YearPlan};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// First and last simulated day (contacts, bills); inclusive.
    pub from: Date,
    pub to: Date,
    /// Volume multiplier: 1 is the full-size utility. The branch network is never scaled.
    pub scale: f64,
    pub seed: u64,
    /// Show a progress bar per phase.
    pub progress: bool,
}

impl Default for SimConfig {
    /// The demo: 2010-2011 at 5% of the full size.
    fn default() -> SimConfig {
        SimConfig {
            from: date(2010, 1, 1),
            to: date(2011, 12, 31),
            scale: 0.05,
            seed: 2011,
            progress: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid simulation: {0}")]
    Config(String),
    #[error("the generator thread failed: {0}")]
    Generator(String),
}

/// One phase of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSummary {
    pub name: &'static str,
    /// Rows generated, and rows the store reported as new.
    pub generated: u64,
    pub written: u64,
    pub elapsed: Duration,
}

/// The staffing solved for one queue and year, and what it is expected to give.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSummary {
    pub year: i16,
    /// `residential`, `business` or `branch`.
    pub queue: &'static str,
    pub target_mean_seconds: f64,
    pub target_over_share: f64,
    pub expected_mean_seconds: f64,
    pub expected_over_share: f64,
    pub expected_abandoned_share: f64,
    pub spare_agents: f64,
    pub impatient_share: f64,
}

/// What a run wrote, per table, and how long each phase took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimSummary {
    pub sots: u64,
    pub branches: u64,
    pub branch_events: u64,
    pub customers: u64,
    pub supply_points: u64,
    pub portal_accounts: u64,
    pub ebill_events: u64,
    pub bills: u64,
    pub contacts: u64,
    pub phases: Vec<PhaseSummary>,
    pub queues: Vec<QueueSummary>,
    /// E-mail bills of 2011 the e-bill enrolment aimed at (target x scale) and planned.
    pub email_bills_2011_target: f64,
    pub email_bills_2011_planned: u64,
    pub elapsed: Duration,
}

impl std::fmt::Display for SimSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Simulation written in {:.1} s:",
            self.elapsed.as_secs_f64()
        )?;
        let tables = [
            ("territories (SOT)", self.sots),
            ("branches", self.branches),
            ("branch events", self.branch_events),
            ("customers", self.customers),
            ("supply points", self.supply_points),
            ("online-branch accounts", self.portal_accounts),
            ("e-bill events", self.ebill_events),
            ("bills", self.bills),
            ("contacts", self.contacts),
        ];
        for (name, n) in tables {
            writeln!(f, "  {name:<24} {n:>12} new rows")?;
        }
        writeln!(f, "Phases:")?;
        for p in &self.phases {
            let secs = p.elapsed.as_secs_f64();
            writeln!(
                f,
                "  {:<14} {:>12} rows {:>8.2} s {:>10.0} rows/s",
                p.name,
                p.generated,
                secs,
                p.generated as f64 / secs.max(1e-9)
            )?;
        }
        writeln!(
            f,
            "Waiting times the staffing was solved for (expected over the year's calls):"
        )?;
        for q in &self.queues {
            let (unit, div, over) = if q.queue == "branch" {
                ("min", 60.0, "40 min")
            } else {
                ("s", 1.0, "2 min")
            };
            writeln!(
                f,
                "  {} {:<11} average {:.1} {unit} (target {:.1}), over {over} {:.1}% (target {:.1}%), abandoned {:.1}%",
                q.year,
                q.queue,
                q.expected_mean_seconds / div,
                q.target_mean_seconds / div,
                q.expected_over_share * 100.0,
                q.target_over_share * 100.0,
                q.expected_abandoned_share * 100.0
            )?;
        }
        write!(
            f,
            "E-mail bills planned for 2011: {} (target {:.0} at this scale)",
            self.email_bills_2011_planned, self.email_bills_2011_target
        )
    }
}

/// Rows per store call.
const BATCH: usize = 25_000;
const BILL_BATCH: usize = 50_000;

/// The simulated world once the population and the accounts are drawn.
pub struct Generator {
    pub cfg: SimConfig,
    pub pop: Population,
    pub portal: Portal,
    pub ebill: Ebill,
    pub world: World,
    pub branches: Vec<canali_store::Branch>,
    pub events: Vec<canali_store::BranchEvent>,
}

impl Generator {
    pub fn new(cfg: &SimConfig) -> Result<Generator, SimError> {
        if cfg.from > cfg.to {
            return Err(SimError::Config(format!(
                "from {} is after to {}",
                cfg.from, cfg.to
            )));
        }
        if !(cfg.scale.is_finite() && cfg.scale > 0.0 && cfg.scale <= 10.0) {
            return Err(SimError::Config(format!(
                "scale {} is not in (0, 10]",
                cfg.scale
            )));
        }
        let pop = people::build_population(cfg.seed, cfg.scale);
        let portal = accounts::build_portal(cfg.seed, cfg.scale, &pop, cfg.to);
        let ebill = accounts::build_ebill(cfg.seed, cfg.scale, &pop, &portal, cfg.to);
        let branches = network::branches();
        let events = network::branch_events();
        let world = World::new(&branches, &events, cfg.from.year()..=cfg.to.year());
        Ok(Generator {
            cfg: cfg.clone(),
            pop,
            portal,
            ebill,
            world,
            branches,
            events,
        })
    }

    /// Customers that exist by the end of the simulation, in id order.
    fn existing(&self) -> impl Iterator<Item = (usize, &people::Profile)> {
        let last = Day::from_date(self.cfg.to).0;
        self.pop
            .profiles
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.since <= last)
    }

    pub fn customers(&self, sink: &mut dyn FnMut(Vec<Customer>) -> bool) {
        let mut rows = people::CustomerRows::new(self.cfg.seed);
        let mut batch = Vec::with_capacity(BATCH);
        for (i, p) in self.existing() {
            batch.push(rows.customer(i, p, &self.pop));
            if batch.len() == BATCH
                && !sink(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
            {
                return;
            }
        }
        if !batch.is_empty() {
            sink(batch);
        }
    }

    pub fn supply_points(&self, sink: &mut dyn FnMut(Vec<SupplyPoint>) -> bool) {
        let mut batch = Vec::with_capacity(BATCH);
        for (i, p) in self.existing() {
            batch.extend(people::supply_point_rows(self.cfg.seed, i, p, &self.pop));
            if batch.len() >= BATCH
                && !sink(std::mem::replace(&mut batch, Vec::with_capacity(BATCH + 3)))
            {
                return;
            }
        }
        if !batch.is_empty() {
            sink(batch);
        }
    }

    /// The e-mail address of a customer (the same one its customer row has).
    pub fn email_of(&self, c: u32) -> String {
        let mut rows = people::CustomerRows::new(self.cfg.seed);
        let p = &self.pop.profiles[c as usize];
        rows.customer(c as usize, p, &self.pop)
            .email
            .unwrap_or_default()
    }

    pub fn bills(&self, sink: &mut dyn FnMut(Vec<Bill>) -> bool) {
        let mut batch = Vec::with_capacity(BILL_BATCH + 64);
        for (i, p) in self.existing() {
            let span = self.ebill.spans.get(&(i as u32));
            for (sp, service) in p.supply_points() {
                bills::bills_of(
                    self.cfg.seed,
                    p,
                    people::customer_id(i),
                    sp,
                    service,
                    span,
                    self.cfg.from,
                    self.cfg.to,
                    &mut batch,
                );
            }
            if batch.len() >= BILL_BATCH
                && !sink(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(BILL_BATCH + 64),
                ))
            {
                return;
            }
        }
        if !batch.is_empty() {
            sink(batch);
        }
    }

    /// Plans the years of the range one by one and generates their days in the range.
    pub fn contacts(
        &self,
        on_year: &mut dyn FnMut(&YearPlan),
        sink: &mut dyn FnMut(Vec<NewContact>) -> bool,
    ) {
        let ctx = contacts::Context {
            seed: self.cfg.seed,
            world: &self.world,
            pop: &self.pop,
            portal: &self.portal,
        };
        let (first, last) = (
            Day::from_date(self.cfg.from).0,
            Day::from_date(self.cfg.to).0,
        );
        let mut batch = Vec::with_capacity(BATCH + 20_000);
        for year in self.cfg.from.year()..=self.cfg.to.year() {
            let plan = plan::plan_year(self.cfg.seed, self.cfg.scale, year, &self.world);
            on_year(&plan);
            let mut herding = contacts::Herding::default();
            for day in plan.days.iter().filter(|d| d.day <= last) {
                let emit = day.day >= first;
                contacts::generate_day(&ctx, &plan, day, &mut herding, emit, &mut batch);
                if !emit {
                    continue;
                }
                if batch.len() >= BATCH
                    && !sink(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(BATCH + 20_000),
                    ))
                {
                    return;
                }
            }
        }
        if !batch.is_empty() {
            sink(batch);
        }
    }

    fn queue_summaries(plan: &YearPlan) -> Vec<QueueSummary> {
        ["residential", "business", "branch"]
            .iter()
            .zip(plan.calibration.iter())
            .map(|(name, c)| QueueSummary {
                year: plan.year,
                queue: name,
                target_mean_seconds: c.target_mean,
                target_over_share: c.target_over,
                expected_mean_seconds: c.expected.mean_wait,
                expected_over_share: c.expected.over_share,
                expected_abandoned_share: c.expected.abandoned_share,
                spare_agents: c.staffing.spare,
                impatient_share: c.staffing.impatient,
            })
            .collect()
    }
}

fn bar(progress: bool, name: &str, len: u64) -> ProgressBar {
    if !progress {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(
            "{prefix:>14} [{bar:40}] {human_pos}/{human_len} {per_sec} {elapsed}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    pb.set_prefix(name.to_string());
    pb
}

/// Runs `produce` on its own thread, feeding batches to the caller through a bounded channel.
fn spawn_producer<T: Send + 'static>(
    g: &Arc<Generator>,
    produce: impl FnOnce(&Generator, &mut dyn FnMut(Vec<T>) -> bool) + Send + 'static,
) -> (
    tokio::sync::mpsc::Receiver<Vec<T>>,
    std::thread::JoinHandle<()>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<T>>(3);
    let g = Arc::clone(g);
    let handle = std::thread::spawn(move || {
        produce(&g, &mut |batch| tx.blocking_send(batch).is_ok());
    });
    (rx, handle)
}

/// Runs a CPU-bound closure on its own thread without blocking the async runtime.
async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SimError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.await
        .map_err(|_| SimError::Generator("the preparation thread panicked".into()))
}

macro_rules! stream_phase {
    ($summary:ident, $g:ident, $name:literal, $len:expr, $produce:expr, |$batch:ident| $write:expr) => {{
        let started = Instant::now();
        let pb = bar($g.cfg.progress, $name, $len);
        let (mut rx, handle) = spawn_producer(&$g, $produce);
        let (mut generated, mut written) = (0u64, 0u64);
        while let Some($batch) = rx.recv().await {
            generated += $batch.len() as u64;
            let n: u64 = $write;
            written += n;
            pb.inc($batch.len() as u64);
        }
        handle
            .join()
            .map_err(|_| SimError::Generator(format!("the {} generator panicked", $name)))?;
        pb.finish();
        $summary.phases.push(PhaseSummary {
            name: $name,
            generated,
            written,
            elapsed: started.elapsed(),
        });
        written
    }};
}

/// Simulates the utility over `cfg.from..=cfg.to` and writes it to the store.
pub async fn simulate(store: &Store, cfg: &SimConfig) -> Result<SimSummary, SimError> {
    // The search and timeline indexes are built once at the end, even after a failure: a sort
    // instead of millions of inserts at random places.
    let started = Instant::now();
    store.ops().defer_secondary_indexes().await?;
    let written = write_utility(store, cfg).await;
    let t = Instant::now();
    let built = store.ops().build_secondary_indexes().await;
    let mut summary = written?;
    built?;
    summary.phases.push(PhaseSummary {
        name: "search indexes",
        generated: 0,
        written: 0,
        elapsed: t.elapsed(),
    });
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Like [`simulate`], but leaves the search and timeline indexes unbuilt: the caller runs
/// [`Ops::build_secondary_indexes`](canali_store::Ops::build_secondary_indexes) when it suits it (the demo builds them while it serves,
/// so that the report and the server come up first). Searches are slow until then.
pub async fn simulate_leaving_indexes(
    store: &Store,
    cfg: &SimConfig,
) -> Result<SimSummary, SimError> {
    let started = Instant::now();
    store.ops().defer_secondary_indexes().await?;
    let mut summary = write_utility(store, cfg).await?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

async fn write_utility(store: &Store, cfg: &SimConfig) -> Result<SimSummary, SimError> {
    let started = Instant::now();
    let mut summary = SimSummary::default();

    let t = Instant::now();
    let c = cfg.clone();
    let g = Arc::new(off_thread(move || Generator::new(&c)).await??);
    summary.phases.push(PhaseSummary {
        name: "population",
        generated: g.pop.profiles.len() as u64,
        written: 0,
        elapsed: t.elapsed(),
    });
    summary.email_bills_2011_target = g.ebill.email_bills_2011_target;
    summary.email_bills_2011_planned = g.ebill.email_bills_2011_planned;

    let t = Instant::now();
    summary.sots = store.network().insert_sots(&network::sots()).await?;
    summary.branches = store.network().insert_branches(&g.branches).await?;
    summary.branch_events = store.network().insert_branch_events(&g.events).await?;
    let n = network::sots().len() + g.branches.len() + g.events.len();
    let written = summary.sots + summary.branches + summary.branch_events;
    summary.phases.push(PhaseSummary {
        name: "network",
        generated: n as u64,
        written,
        elapsed: t.elapsed(),
    });

    let n_customers = g.existing().count() as u64;
    let n_points: u64 = g.existing().map(|(_, p)| u64::from(p.n_services())).sum();
    summary.customers = stream_phase!(
        summary,
        g,
        "customers",
        n_customers,
        |g: &Generator, s: &mut dyn FnMut(Vec<Customer>) -> bool| g.customers(s),
        |b| store.insert_customers(&b).await?
    );
    summary.supply_points = stream_phase!(
        summary,
        g,
        "supply points",
        n_points,
        |g: &Generator, s: &mut dyn FnMut(Vec<SupplyPoint>) -> bool| g.supply_points(s),
        |b| store.insert_supply_points(&b).await?
    );

    let n_portal = g.portal.accounts.len() as u64;
    summary.portal_accounts = stream_phase!(
        summary,
        g,
        "portal",
        n_portal,
        |g: &Generator, s: &mut dyn FnMut(Vec<canali_store::PortalAccount>) -> bool| {
            let rows: Vec<_> = accounts::portal_rows(&g.portal, |c| g.email_of(c)).collect();
            for chunk in rows.chunks(BATCH) {
                if !s(chunk.to_vec()) {
                    return;
                }
            }
        },
        |b| store.insert_portal_accounts(&b).await?
    );

    let t = Instant::now();
    let events = accounts::ebill_rows(&g.ebill, cfg.to);
    let mut written = 0;
    for chunk in events.chunks(BATCH) {
        written += store.insert_ebill_events(chunk).await?;
    }
    summary.ebill_events = written;
    summary.phases.push(PhaseSummary {
        name: "e-bill",
        generated: events.len() as u64,
        written,
        elapsed: t.elapsed(),
    });

    let years = f64::from(Day::from_date(cfg.to).0 - Day::from_date(cfg.from).0 + 1) / 365.25;
    let n_bills: f64 = g
        .existing()
        .flat_map(|(_, p)| {
            p.supply_points()
                .map(move |(sp, s)| people::bills_per_year(cfg.seed, sp, s, p.business))
        })
        .sum::<i64>() as f64;
    summary.bills = stream_phase!(
        summary,
        g,
        "bills",
        (n_bills * years) as u64,
        |g: &Generator, s: &mut dyn FnMut(Vec<Bill>) -> bool| g.bills(s),
        |b| store.insert_bills(&b).await?
    );

    let (qtx, qrx) = std::sync::mpsc::channel::<Vec<QueueSummary>>();
    let pbc = bar(cfg.progress, "contacts", 0);
    let pb_gen = pbc.clone();
    let (first, last) = (Day::from_date(cfg.from).0, Day::from_date(cfg.to).0);
    let t = Instant::now();
    let (mut rx, handle) = spawn_producer(
        &g,
        move |g: &Generator, s: &mut dyn FnMut(Vec<NewContact>) -> bool| {
            g.contacts(
                &mut |plan| {
                    let _ = qtx.send(Generator::queue_summaries(plan));
                    let n: u64 = plan
                        .days
                        .iter()
                        .filter(|d| d.day >= first && d.day <= last)
                        .map(|d| {
                            d.res
                                .iter()
                                .chain(&d.bus)
                                .chain(&d.branch)
                                .map(|x| u64::from(x.calls))
                                .sum::<u64>()
                                + d.web.iter().map(|w| u64::from(w.2)).sum::<u64>()
                                + u64::from(d.mail)
                        })
                        .sum();
                    pb_gen.inc_length(n);
                },
                s,
            )
        },
    );
    let (mut generated, mut written) = (0u64, 0u64);
    while let Some(batch) = rx.recv().await {
        generated += batch.len() as u64;
        written += store.ledger().ingest("sim", &batch).await?.inserted;
        pbc.inc(batch.len() as u64);
    }
    handle
        .join()
        .map_err(|_| SimError::Generator("the contacts generator panicked".into()))?;
    pbc.finish();
    summary.contacts = written;
    summary.phases.push(PhaseSummary {
        name: "contacts",
        generated,
        written,
        elapsed: t.elapsed(),
    });
    summary.queues = qrx.try_iter().flatten().collect();
    summary.elapsed = started.elapsed();
    Ok(summary)
}
