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
use canali_callcenter::generate::{BUSINESS_QUEUE, RESIDENTIAL_QUEUE};
use canali_callcenter::settings::CallCenterSettings;
use canali_domain::service::{ReplyStandard, RequestKind, RequestStatus, Role};
use canali_domain::{Channel, Day, Outcome, Reason, Segment};
use canali_sim::live::{LetterKind, LiveCall, LiveEvent, LiveLine, LivePlan, WebAction};
use canali_store::customers::CustomerSample;
use canali_store::requests::{MailLink, NewMailItem, NewReading, NewRequest};
use canali_store::tickets::ServiceCategory;
use canali_store::{NewContact, Store};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

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
    if !store.service_categories(branch).await?.is_empty() {
        return Ok(());
    }
    let category = |code: &str, name: &str, priority| ServiceCategory {
        branch: branch.to_string(),
        code: code.into(),
        name: name.into(),
        priority,
    };
    store
        .set_service_categories(&[
            category("A", "Bollette e pagamenti", 1),
            category("B", "Contratti e volture", 1),
            category("P", "Clienti business", 5),
        ])
        .await?;
    Ok(())
}

/// A counter of a branch and what its clerk is doing.
#[derive(Debug, Clone, Copy)]
enum Counter {
    Idle,
    /// Called a ticket; the customer reaches the counter at `at`.
    Calling {
        ticket: i64,
        at: i64,
    },
    /// Serving a ticket until `at`.
    Serving {
        ticket: i64,
        at: i64,
    },
}

/// A branch's counters and the tickets waiting there.
struct Floor {
    counters: Vec<Counter>,
    waiting: u32,
}

struct Runner {
    store: Arc<Store>,
    plan: LivePlan,
    customers: Vec<CustomerSample>,
    back_office: Option<i64>,
    settings: LiveSettings,
    queue_log: std::io::BufWriter<std::fs::File>,
    /// queue_log lines not yet due: (second, order written, text).
    lines: BinaryHeap<Reverse<(i64, u64, String)>>,
    line_seq: u64,
    floors: HashMap<String, Floor>,
    /// Each waiting or served ticket's service time, seconds.
    service: HashMap<i64, i64>,
    /// The last reading sent for each meter: (reading, day).
    meters: HashMap<i64, (i64, Day)>,
    counts: Arc<LiveCounts>,
    /// The minute the back office last looked at its queue.
    last_back_office: i64,
}

impl Runner {
    async fn run(mut self, mut stopped: watch::Receiver<bool>) -> Result<()> {
        let clock = self.settings.clock.running();
        let now = clock.now();
        let today = local_midnight(now);
        let (month_start, pool) = (month_start(now), self.agent_pools());
        let first = if self.settings.backfill {
            month_start
        } else {
            now
        };
        self.log_in_agents(first, pool);
        if self.settings.backfill && month_start < today {
            self.backfill_ledger(month_start, today).await?;
        }
        // Today until now through the live paths, then minute by minute as time passes.
        let mut horizon = if self.settings.backfill { today } else { now };
        let mut due: VecDeque<LiveEvent> = VecDeque::new();
        let mut caught_up = false;
        loop {
            if *stopped.borrow() {
                break;
            }
            let now = clock.now();
            while horizon <= now {
                let next = (horizon.div_euclid(MINUTE) + 1) * MINUTE;
                due.extend(self.plan.events(horizon, next));
                horizon = next;
            }
            while let Some(e) = due.front()
                && e.at() <= now
            {
                let e = due.pop_front().expect("peeked");
                let at = e.at();
                self.advance_floors(at).await;
                self.back_office(at).await;
                self.flush_lines(at)?;
                if let Err(err) = self.handle(e).await {
                    tracing::warn!(error = %err, "a living demo event failed");
                }
                if *stopped.borrow() {
                    break;
                }
            }
            self.advance_floors(now).await;
            self.back_office(now).await;
            self.flush_lines(now)?;
            if !caught_up {
                caught_up = true;
                let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
                let c = &self.counts;
                println!(
                    "The living demo caught up with now: this month so far, {} calls, {} branch \
                     tickets today, {} online-branch actions and {} letters today, and {} \
                     contacts of the earlier days.",
                    n(&c.calls),
                    n(&c.tickets),
                    n(&c.web),
                    n(&c.letters),
                    n(&c.backfilled)
                );
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stopped.changed() => {}
            }
        }
        self.queue_log.flush()?;
        Ok(())
    }

    /// Agents per line: the pools the plan staffs at full size, scaled.
    fn agent_pools(&self) -> (u32, u32) {
        let s = self.settings.scale;
        (
            ((80.0 * s).ceil() as u32).max(3),
            ((30.0 * s).ceil() as u32).max(2),
        )
    }

    fn agent_name(line: LiveLine, n: u32) -> String {
        match line {
            LiveLine::Residential => format!("SIP/{}", 1000 + n),
            LiveLine::Business => format!("SIP/{}", 3000 + n),
        }
    }

    fn queue_of(line: LiveLine) -> &'static str {
        match line {
            LiveLine::Residential => RESIDENTIAL_QUEUE,
            LiveLine::Business => BUSINESS_QUEUE,
        }
    }

    fn log_in_agents(&mut self, at: i64, (res, bus): (u32, u32)) {
        let secs = at / 1_000_000;
        for (line, n) in [(LiveLine::Residential, res), (LiveLine::Business, bus)] {
            for k in 0..n {
                let text = format!(
                    "{secs}|NONE|{}|{}|ADDMEMBER|\n",
                    Self::queue_of(line),
                    Self::agent_name(line, k)
                );
                self.push_line(secs, text);
            }
        }
    }

    fn push_line(&mut self, second: i64, text: String) {
        self.line_seq += 1;
        self.lines.push(Reverse((second, self.line_seq, text)));
    }

    /// Writes the queue_log lines due by `at` (microseconds), in time order.
    fn flush_lines(&mut self, at: i64) -> Result<()> {
        let second = at.div_euclid(1_000_000);
        let mut wrote = false;
        while self.lines.peek().is_some_and(|l| l.0.0 <= second) {
            let Reverse((_, _, text)) = self.lines.pop().expect("peeked");
            self.queue_log.write_all(text.as_bytes())?;
            wrote = true;
        }
        if wrote {
            self.queue_log.flush()?;
        }
        Ok(())
    }

    /// A call's lines, as Asterisk writes them when each thing happens.
    fn call_lines(&mut self, c: &LiveCall) {
        let (res, bus) = self.agent_pools();
        let pool = if c.line == LiveLine::Residential {
            res
        } else {
            bus
        };
        let queue = Self::queue_of(c.line);
        let agent = Self::agent_name(c.line, c.agent % pool);
        let (t, id) = (c.entered / 1_000_000, &c.id);
        let caller = &c.caller;
        self.push_line(t, format!("{t}|{id}|{queue}|NONE|ENTERQUEUE||{caller}|1\n"));
        let (wait, talk) = (c.wait, c.talk);
        let e = t + wait;
        if c.answered {
            self.push_line(
                e,
                format!("{e}|{id}|{queue}|{agent}|CONNECT|{wait}|{id}.1|2\n"),
            );
            let end = e + talk;
            self.push_line(
                end,
                format!("{end}|{id}|{queue}|{agent}|COMPLETECALLER|{wait}|{talk}|1\n"),
            );
        } else {
            self.push_line(e, format!("{e}|{id}|{queue}|NONE|ABANDON|1|1|{wait}\n"));
        }
        self.counts.calls.fetch_add(1, Ordering::Relaxed);
    }

    fn customer(&self, pick: u64) -> Option<&CustomerSample> {
        if self.customers.is_empty() {
            return None;
        }
        Some(&self.customers[(pick % self.customers.len() as u64) as usize])
    }

    /// The days of the month before today: calls through the queue_log, the other channels'
    /// contacts straight into the ledger, a day's worth per transaction.
    async fn backfill_ledger(&mut self, from: i64, to: i64) -> Result<()> {
        let mut day = from;
        while day < to {
            let end = (day + 24 * 60 * MINUTE).min(to);
            let mut batch = Vec::new();
            for e in self.plan.events(day, end) {
                self.flush_lines(e.at())?;
                match &e {
                    LiveEvent::Call(c) => self.call_lines(c),
                    other => {
                        if let Some(c) = self.contact_of(other) {
                            batch.push(c);
                        }
                    }
                }
            }
            self.flush_lines(end)?;
            let written = self.store.ledger().ingest(SOURCE, &batch).await?;
            self.counts
                .backfilled
                .fetch_add(written.inserted, Ordering::Relaxed);
            day = end;
        }
        Ok(())
    }

    /// The ledger contact of a branch visit, web action or letter of a past day.
    fn contact_of(&self, e: &LiveEvent) -> Option<NewContact> {
        Some(match e {
            LiveEvent::Call(_) => return None,
            LiveEvent::BranchVisit {
                at,
                branch,
                category,
                service_seconds,
                id,
            } => {
                // The day's waits, as the counters would have made them: short but not none.
                let wait = (service_seconds * 7919 % 1200).max(30);
                NewContact {
                    ended_at: Some(at + (wait + service_seconds) * 1_000_000),
                    segment: Some(if *category == "P" {
                        Segment::Business
                    } else {
                        Segment::Residential
                    }),
                    wait_seconds: Some(wait),
                    handle_seconds: Some(*service_seconds),
                    reason: Some(if *category == "B" {
                        Reason::Contract
                    } else {
                        Reason::Billing
                    }),
                    outcome: Some(Outcome::Resolved),
                    branch: Some(branch.clone()),
                    ..NewContact::new(id.as_str(), Channel::Branch, *at)
                }
            }
            LiveEvent::Web {
                at,
                action,
                pick,
                id,
            } => {
                let c = self.customer(*pick)?;
                let (reason, outcome) = match action {
                    WebAction::Visit => (Reason::Billing, Outcome::Resolved),
                    WebAction::Reading => (Reason::MeterReading, Outcome::Resolved),
                    WebAction::InformationRequest => (Reason::Information, Outcome::RequestOpened),
                    WebAction::Complaint => (Reason::Complaint, Outcome::RequestOpened),
                };
                NewContact {
                    customer: Some(c.code.clone()),
                    segment: Some(c.segment),
                    reason: Some(reason),
                    outcome: Some(outcome),
                    ..NewContact::new(id.as_str(), Channel::Web, *at)
                }
            }
            LiveEvent::Letter { at, kind, pick, id } => {
                let c = self.customer(*pick)?;
                NewContact {
                    customer: Some(c.code.clone()),
                    segment: Some(c.segment),
                    reason: Some(match kind {
                        LetterKind::Complaint => Reason::Complaint,
                        _ => Reason::Information,
                    }),
                    outcome: Some(Outcome::Registered),
                    ..NewContact::new(id.as_str(), Channel::Mail, *at)
                }
            }
        })
    }

    /// One event now (or today, while catching up) through its channel's real path.
    async fn handle(&mut self, e: LiveEvent) -> Result<()> {
        match e {
            LiveEvent::Call(c) => self.call_lines(&c),
            LiveEvent::BranchVisit {
                at,
                branch,
                category,
                service_seconds,
                ..
            } => {
                let ticket =
                    canali_branches::queue::take_ticket(&self.store, &branch, category, false, at)
                        .await?;
                self.counts.tickets.fetch_add(1, Ordering::Relaxed);
                self.service.insert(ticket.id, service_seconds);
                let counters = self.plan.counters_needed(&branch, at);
                let floor = self.floors.entry(branch.clone()).or_insert_with(|| Floor {
                    counters: Vec::new(),
                    waiting: 0,
                });
                if floor.counters.len() < counters {
                    floor.counters.resize(counters, Counter::Idle);
                }
                floor.waiting += 1;
                self.call_idle(&branch, at).await;
            }
            LiveEvent::Web {
                at,
                action,
                pick,
                id,
            } => {
                self.web(at, action, pick, &id).await?;
                self.counts.web.fetch_add(1, Ordering::Relaxed);
            }
            LiveEvent::Letter { at, kind, pick, .. } => {
                self.letter(at, kind, pick).await?;
                self.counts.letters.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// Idle counters of `branch` call the next ticket at `at`.
    async fn call_idle(&mut self, branch: &str, at: i64) {
        let Some(floor) = self.floors.get(branch) else {
            return;
        };
        let idle: Vec<usize> = floor
            .counters
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, Counter::Idle))
            .map(|(k, _)| k)
            .collect();
        for k in idle {
            if self.floors[branch].waiting == 0 {
                break;
            }
            self.call_next(branch, k, at).await;
        }
    }

    async fn call_next(&mut self, branch: &str, k: usize, at: i64) {
        let counter = (k + 1).to_string();
        let clerk = format!("sportellista {}", k + 1);
        let called = self
            .store
            .call_next(branch, &counter, &clerk, &[], at)
            .await;
        let floor = self.floors.get_mut(branch).expect("known branch");
        match called {
            Ok(Some(t)) => {
                floor.waiting = floor.waiting.saturating_sub(1);
                // The customer walks to the counter.
                floor.counters[k] = Counter::Calling {
                    ticket: t.id,
                    at: at + 20_000_000,
                };
            }
            Ok(None) => floor.waiting = 0,
            Err(e) => {
                tracing::warn!(error = %e, branch, "the living demo's counter could not call")
            }
        }
    }

    /// Moves every counter on to `until`: customers reach the counters, services end, and
    /// the freed counters call the next ticket.
    async fn advance_floors(&mut self, until: i64) {
        loop {
            let next = self
                .floors
                .iter()
                .flat_map(|(b, f)| {
                    f.counters
                        .iter()
                        .enumerate()
                        .filter_map(move |(k, c)| match c {
                            Counter::Calling { at, .. } | Counter::Serving { at, .. } => {
                                Some((*at, b.clone(), k))
                            }
                            Counter::Idle => None,
                        })
                })
                .filter(|(at, _, _)| *at <= until)
                .min();
            let Some((at, branch, k)) = next else {
                return;
            };
            let state = self.floors[&branch].counters[k];
            match state {
                Counter::Calling { ticket, .. } => {
                    let service = self.service.get(&ticket).copied().unwrap_or(480);
                    let next = match self.store.serve_ticket(ticket, at).await {
                        Ok(_) => Counter::Serving {
                            ticket,
                            at: at + service * 1_000_000,
                        },
                        Err(e) => {
                            tracing::warn!(error = %e, "the living demo could not serve a ticket");
                            Counter::Idle
                        }
                    };
                    self.floors.get_mut(&branch).expect("known").counters[k] = next;
                }
                Counter::Serving { ticket, .. } => {
                    if let Err(e) = self.store.close_ticket(ticket, at, None).await {
                        tracing::warn!(error = %e, "the living demo could not close a ticket");
                    }
                    self.service.remove(&ticket);
                    self.floors.get_mut(&branch).expect("known").counters[k] = Counter::Idle;
                    if self.floors[&branch].waiting > 0 {
                        self.call_next(&branch, k, at).await;
                    }
                }
                Counter::Idle => unreachable!("only busy counters are due"),
            }
        }
    }

    async fn web(&mut self, at: i64, action: WebAction, pick: u64, id: &str) -> Result<()> {
        let Some(c) = self.customer(pick).cloned() else {
            return Ok(());
        };
        match (action, c.metered_point) {
            (WebAction::Reading, Some(point)) => {
                let today = Day::of_micros(at);
                let last = match self.meters.get(&point) {
                    Some(l) => Some(*l),
                    None => self
                        .store
                        .readings_of(point, 1)
                        .await?
                        .first()
                        .map(|r| (r.reading, r.read_day)),
                };
                if last.is_some_and(|(_, d)| d >= today) {
                    return Ok(());
                }
                let reading = last.map_or(1_000 + (pick % 9_000) as i64, |(r, _)| {
                    r + 1 + (pick % 40) as i64
                });
                self.store
                    .record_reading(&NewReading {
                        customer_id: c.id,
                        supply_point_id: point,
                        reading,
                        read_day: today,
                        sent_at: at,
                        meter_changed: false,
                        confirmed_high: true,
                        channel: Channel::Web,
                    })
                    .await?;
                self.meters.insert(point, (reading, today));
            }
            (WebAction::InformationRequest | WebAction::Complaint, _) => {
                let (kind, subject, body) = request_text(action, pick);
                self.store
                    .open_request(
                        &NewRequest {
                            customer_id: c.id,
                            supply_point_id: c.metered_point,
                            kind,
                            channel: Channel::Web,
                            subject: subject.into(),
                            body: body.into(),
                            opened_at: at,
                            attachments: Vec::new(),
                            agent: None,
                        },
                        &self.settings.standards,
                    )
                    .await?;
            }
            _ => {
                // A visit: signed in, looked at the bills.
                let contact = NewContact {
                    ended_at: Some(at + (60 + (pick % 240) as i64) * 1_000_000),
                    segment: Some(c.segment),
                    customer: Some(c.code.clone()),
                    reason: Some(Reason::Billing),
                    outcome: Some(Outcome::Resolved),
                    ..NewContact::new(id, Channel::Web, at)
                };
                self.store.ledger().ingest(SOURCE, &[contact]).await?;
            }
        }
        Ok(())
    }

    async fn letter(&mut self, at: i64, kind: LetterKind, pick: u64) -> Result<()> {
        let (Some(c), Some(registered_by)) = (self.customer(pick).cloned(), self.back_office)
        else {
            return Ok(());
        };
        let (link, subject) = match kind {
            LetterKind::Correspondence => (MailLink::None, "Comunicazione del cliente"),
            LetterKind::InformationRequest | LetterKind::Complaint => {
                let action = if kind == LetterKind::Complaint {
                    WebAction::Complaint
                } else {
                    WebAction::InformationRequest
                };
                let (kind, subject, body) = request_text(action, pick);
                (
                    MailLink::NewRequest {
                        kind,
                        body: body.into(),
                    },
                    subject,
                )
            }
        };
        self.store
            .register_mail(
                &NewMailItem {
                    received_day: Day::of_micros(at),
                    sender: c.name.clone(),
                    subject: subject.into(),
                    customer_id: Some(c.id),
                    link,
                    registered_by,
                    registered_at: at,
                    file: None,
                },
                &self.settings.standards,
            )
            .await?;
        Ok(())
    }

    /// Once a minute in office hours, the back office answers the requests whose turn has
    /// come: each one some hours to a few days after it was opened.
    async fn back_office(&mut self, at: i64) {
        let minute = at.div_euclid(MINUTE);
        if minute == self.last_back_office {
            return;
        }
        self.last_back_office = minute;
        let Some(operator) = self.back_office else {
            return;
        };
        let local = jiff::Timestamp::from_microsecond(at)
            .expect("valid")
            .to_zoned(canali_domain::day::ROME.clone());
        let working =
            local.weekday().to_monday_one_offset() <= 5 && (8..18).contains(&local.hour());
        if !working {
            return;
        }
        let open = match self.store.request_queue(RequestStatus::Open, 2000, 0).await {
            Ok(q) => q,
            Err(e) => {
                tracing::warn!(error = %e, "the living demo could not read the request queue");
                return;
            }
        };
        for (r, _, _) in open {
            let hours = 2 + canali_sim::rng::mix(self.settings.seed ^ r.id as u64) % 70;
            if r.opened_at + hours as i64 * 60 * MINUTE > at {
                continue;
            }
            let answer = "Gentile cliente, abbiamo verificato quanto ci ha segnalato: \
                          la sua posizione è stata aggiornata. Cordiali saluti.";
            let channel = if r.channel == Channel::Mail {
                Channel::Mail
            } else {
                Channel::Web
            };
            match self
                .store
                .answer_request(
                    r.id,
                    answer,
                    channel,
                    operator,
                    at,
                    &self.settings.standards,
                )
                .await
            {
                Ok(_) => {
                    self.counts.answers.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!(error = %e, "the living demo could not answer a request"),
            }
        }
    }
}

/// A request's kind, subject and text, varied by `pick`.
fn request_text(action: WebAction, pick: u64) -> (RequestKind, &'static str, &'static str) {
    const INFORMATION: [(&str, &str); 3] = [
        (
            "Rateizzazione della bolletta",
            "Vorrei sapere se posso pagare l'ultima bolletta in più rate.",
        ),
        (
            "Voltura del contratto",
            "Quali documenti servono per la voltura del contratto del gas?",
        ),
        (
            "Bolletta elettronica",
            "Come ricevo la bolletta via e-mail invece che su carta?",
        ),
    ];
    const COMPLAINTS: [(&str, &str); 3] = [
        (
            "Consumi stimati troppo alti",
            "La bolletta riporta consumi stimati molto più alti della mia lettura.",
        ),
        (
            "Pagamento non registrato",
            "Ho pagato la bolletta ma risulta ancora da pagare.",
        ),
        (
            "Addebito non dovuto",
            "Nella bolletta compare un addebito che non riconosco.",
        ),
    ];
    let k = (pick / 7 % 3) as usize;
    match action {
        WebAction::Complaint => (RequestKind::Complaint, COMPLAINTS[k].0, COMPLAINTS[k].1),
        _ => (RequestKind::Information, INFORMATION[k].0, INFORMATION[k].1),
    }
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
    use canali_domain::day::local_micros;
    use canali_store::accounts::NewOperator;
    use canali_store::testing::fresh_stores;

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
            let snapshots = store.follower_snapshots().await.unwrap();
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
