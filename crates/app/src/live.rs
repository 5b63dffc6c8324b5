//! The living demo: after the 2010-2011 history the demo utility keeps running now, at the
//! rates of its 2011 plan for this hour and weekday ([`canali_sim::live`]), through the real
//! paths of each channel:
//!
//! - calls are written as Asterisk queue_log lines to a file that the queue_log follower reads,
//!   as it would read a PBX's;
//! - branch visitors take tickets at the kiosk, and each branch's counters call, serve and close
//!   them through the ticket queue;
//! - customers use the online branch (visits, meter self-readings, information requests and
//!   complaints), letters are registered by the back office, which also answers the requests.
//!
//! At start it fills this month up to now: the days before today straight into the ledger (the
//! calls through the queue_log all the same), today through the same paths as live, so that
//! this month's indicators, today's dashboard and the wallboard have figures from the first
//! minute. Every contact it writes has a stable id: the same seed gives the same month.

use anyhow::{Context, Result};
use canali_callcenter::follow::{ImportOptions, import_queue_log};
use canali_callcenter::settings::CallCenterSettings;
use canali_domain::Day;
use canali_domain::service::{ReplyStandard, Role};
use canali_sim::live::LivePlan;
use canali_store::Store;
use canali_store::tickets::ServiceCategory;
use std::collections::{BinaryHeap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;

mod runner;

use runner::Runner;

const MINUTE: i64 = 60_000_000;
/// The ledger source of the contacts the living demo writes straight into the ledger.
pub const SOURCE: &str = "demo-live";
/// The queue_log follower's name.
pub const PBX_SOURCE: &str = "demo-pbx";
/// How many customers act in the living demo.
const CUSTOMERS: i64 = 20_000;

/// What the living demo runs with.
#[derive(Clone)]
pub struct LiveSettings {
    pub seed: u64,
    pub scale: f64,
    /// The queue_log file the simulated PBX writes and the follower reads.
    pub queue_log: PathBuf,
    pub callcenter: CallCenterSettings,
    pub standards: Vec<ReplyStandard>,
    /// Fill the month up to now before going live.
    pub backfill: bool,
    pub clock: Clock,
}

/// The living demo's "now": the real time, or a clock that runs faster (to watch a day go by
/// in minutes, or to measure what a day costs), or one that starts at a chosen instant (tests).
/// It starts when the living demo starts.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// The instant it starts at (now, when `None`).
    start: Option<i64>,
    speed: f64,
}

impl Clock {
    /// A clock that starts at the real now and runs `speed` times real time.
    pub fn from_now(speed: f64) -> Clock {
        Clock { start: None, speed }
    }

    /// A clock at `start` (microseconds since the epoch) running `speed` times real time.
    #[cfg(test)]
    pub fn fast(start: i64, speed: f64) -> Clock {
        Clock {
            start: Some(start),
            speed,
        }
    }

    /// The clock running from this moment.
    fn running(self) -> RunningClock {
        RunningClock {
            origin: std::time::Instant::now(),
            start: self
                .start
                .unwrap_or_else(|| jiff::Timestamp::now().as_microsecond()),
            speed: self.speed,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct RunningClock {
    origin: std::time::Instant,
    start: i64,
    speed: f64,
}

impl RunningClock {
    fn now(&self) -> i64 {
        self.start + (self.origin.elapsed().as_micros() as f64 * self.speed) as i64
    }
}

/// What the living demo has done so far.
#[derive(Debug, Default)]
pub struct LiveCounts {
    pub calls: AtomicU64,
    pub tickets: AtomicU64,
    pub web: AtomicU64,
    pub letters: AtomicU64,
    pub answers: AtomicU64,
    pub backfilled: AtomicU64,
}

impl std::fmt::Display for LiveCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
        write!(
            f,
            "The living demo wrote {} calls, {} branch tickets, {} online-branch actions, {} \
             letters and {} answers, after {} contacts of this month's earlier days.",
            n(&self.calls),
            n(&self.tickets),
            n(&self.web),
            n(&self.letters),
            n(&self.answers),
            n(&self.backfilled)
        )
    }
}

/// The running living demo.
pub struct Live {
    stop: watch::Sender<bool>,
    runner: tokio::task::JoinHandle<Result<()>>,
    follower: tokio::task::JoinHandle<()>,
    pub counts: Arc<LiveCounts>,
}

impl Live {
    /// Stops after the operation in progress; the follower stops at its next commit point.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        let result = self.runner.await.context("the living demo panicked")?;
        self.follower.abort();
        let _ = self.follower.await;
        result
    }
}

/// Starts the living demo on `store`.
pub async fn start(store: Arc<Store>, settings: LiveSettings) -> Result<Live> {
    let (seed, scale) = (settings.seed, settings.scale);
    let plan = tokio::task::spawn_blocking(move || LivePlan::new(seed, scale))
        .await
        .context("the living demo's plan could not be made")?;
    let customers = store.customers().sample(CUSTOMERS).await?;
    let back_office = store
        .accounts()
        .operators()
        .await?
        .into_iter()
        .find(|o| o.role == Role::BackOffice)
        .map(|o| o.id);
    for (branch, _) in plan.branches() {
        ensure_categories(&store, &branch).await?;
    }
    let queue_log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&settings.queue_log)
        .with_context(|| format!("cannot open {}", settings.queue_log.display()))?;
    let counts = Arc::new(LiveCounts::default());
    let (stop, stopped) = watch::channel(false);
    let follower = {
        let store = Arc::clone(&store);
        let path = settings.queue_log.clone();
        let mut opts = ImportOptions::new(PBX_SOURCE);
        opts.follow = true;
        opts.settings = settings.callcenter.clone();
        tokio::spawn(async move {
            if let Err(e) = import_queue_log(&store, &path, &opts, &mut |_| {}).await {
                tracing::error!(error = %e, "the living demo's queue_log follower stopped");
            }
        })
    };
    let runner = Runner {
        store,
        plan,
        customers,
        back_office,
        settings,
        queue_log: std::io::BufWriter::new(queue_log),
        lines: BinaryHeap::new(),
        line_seq: 0,
        floors: HashMap::new(),
        service: HashMap::new(),
        meters: HashMap::new(),
        counts: Arc::clone(&counts),
        last_back_office: 0,
    };
    let runner = tokio::spawn(runner.run(stopped));
    Ok(Live {
        stop,
        runner,
        follower,
        counts,
    })
}

/// A branch without ticket categories gets the demo's: bills and payments, contracts, and
/// business customers first (the demo kiosk's branch, and every branch of the living demo).
pub async fn ensure_categories(store: &Store, branch: &str) -> Result<()> {
    if !store.tickets().service_categories(branch).await?.is_empty() {
        return Ok(());
    }
    let category = |code: &str, name: &str, priority| ServiceCategory {
        branch: branch.to_string(),
        code: code.into(),
        name: name.into(),
        priority,
    };
    store
        .tickets()
        .set_service_categories(&[
            category("A", "Bollette e pagamenti", 1),
            category("B", "Contratti e volture", 1),
            category("P", "Clienti business", 5),
        ])
        .await?;
    Ok(())
}

/// The start of the local day of `at`.
fn local_midnight(at: i64) -> i64 {
    canali_domain::day::local_micros(Day::of_micros(at).date(), 0, 0, 0)
}

/// The start of the local month of `at`.
fn month_start(at: i64) -> i64 {
    canali_domain::day::local_micros(Day::of_micros(at).date().first_of_month(), 0, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canali_domain::Channel;
    use canali_domain::day::local_micros;
    use canali_store::accounts::NewOperator;
    use canali_store::testing::fresh_stores;
    use std::time::Duration;

    /// The figures the wallboard and the dashboard show for `day`: calls offered on both
    /// lines, contacts today by channel, and contacts this month.
    async fn figures(store: &Store, day: Day) -> (i64, i64, i64) {
        let contacts = |from: Day| async move {
            let counts = store
                .figures()
                .contacts_by_channel(from, day)
                .await
                .unwrap();
            counts.iter().map(|(_, n)| n).sum::<i64>()
        };
        let calls: i64 = store
            .calls()
            .daily(None, day, day)
            .await
            .unwrap()
            .iter()
            .map(|r| r.totals.offered)
            .sum();
        let month_start = Day::from_date(day.date().first_of_month());
        (calls, contacts(day).await, contacts(month_start).await)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_living_demo_moves_the_live_figures() {
        for ts in fresh_stores().await.unwrap() {
            // A small utility: its network, customers and one month of history.
            let cfg = canali_sim::SimConfig {
                from: jiff::civil::date(2011, 12, 1),
                to: jiff::civil::date(2011, 12, 31),
                scale: 0.002,
                seed: 7,
                progress: false,
            };
            canali_sim::simulate(&ts.store, &cfg).await.unwrap();
            ts.store
                .accounts()
                .add_operator(
                    &NewOperator {
                        email: "back_office@demo.canali".into(),
                        name: "Back office".into(),
                        role: Role::BackOffice,
                        line: None,
                        branch: None,
                        password_hash: "x".into(),
                    },
                    0,
                )
                .await
                .unwrap();
            let store = Arc::new(Store::connect(&ts.url).await.unwrap());
            let dir = tempfile::tempdir().unwrap();
            // Monday 7 December 2026, 10:00 in Rome, two simulated minutes a second.
            let start = local_micros(jiff::civil::date(2026, 12, 7), 10, 0, 0);
            let day = Day::of_micros(start);
            assert_eq!(figures(&store, day).await, (0, 0, 0), "{}", ts.name);
            let settings = LiveSettings {
                seed: 7,
                scale: 0.3,
                queue_log: dir.path().join("demo.queue_log"),
                callcenter: CallCenterSettings::default(),
                standards: canali_domain::service::default_reply_standards(),
                backfill: true,
                clock: Clock::fast(start, 120.0),
            };
            let live = start_live(&store, settings).await;
            // The month up to now is filled, today included, then the figures keep moving.
            let first = wait_for(&store, day, |f| f.0 > 0 && f.1 > 0, ts.name).await;
            assert!(
                first.2 > first.1,
                "{}: the days before today are filled",
                ts.name
            );
            let later = wait_for(
                &store,
                day,
                |f| f.0 > first.0 && f.1 > first.1 && f.2 > first.2,
                ts.name,
            )
            .await;
            let counts = &live.counts;
            assert!(counts.tickets.load(Ordering::Relaxed) > 0, "{}", ts.name);
            assert!(counts.web.load(Ordering::Relaxed) > 0, "{}", ts.name);
            // The branch visits went through the ticket queue into the ledger.
            let branch_today = store
                .figures()
                .contacts_by_channel(day, day)
                .await
                .unwrap()
                .into_iter()
                .find(|(c, _)| *c == Channel::Branch)
                .map_or(0, |(_, n)| n);
            assert!(branch_today > 0, "{}: {later:?}", ts.name);
            // The wallboard reads the follower's state.
            let snapshots = store.calls().follower_snapshots().await.unwrap();
            assert!(
                snapshots.iter().any(|s| s.source == PBX_SOURCE),
                "{}",
                ts.name
            );
            live.stop().await.unwrap();
        }
    }

    async fn start_live(store: &Arc<Store>, settings: LiveSettings) -> Live {
        start(Arc::clone(store), settings).await.unwrap()
    }

    /// The figures once `ok` holds, within a minute.
    async fn wait_for(
        store: &Store,
        day: Day,
        ok: impl Fn(&(i64, i64, i64)) -> bool,
        name: &str,
    ) -> (i64, i64, i64) {
        let mut last = (0, 0, 0);
        for _ in 0..240 {
            last = figures(store, day).await;
            if ok(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("{name}: the live figures did not move as expected: {last:?}");
    }
}
