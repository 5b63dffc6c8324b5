//! The runner of the living demo: each event of the plan through its channel's real path (the
//! queue_log for calls, the ticket queue for branch visitors, the online branch and the back
//! office for requests and letters).

use super::{LiveCounts, LiveSettings, MINUTE, SOURCE, local_midnight, month_start};
use anyhow::Result;
use canali_callcenter::generate::{BUSINESS_QUEUE, RESIDENTIAL_QUEUE};
use canali_domain::service::{RequestKind, RequestStatus};
use canali_domain::{Channel, Day, Outcome, Reason, Segment};
use canali_sim::live::{LetterKind, LiveCall, LiveEvent, LiveLine, LivePlan, WebAction};
use canali_store::customers::CustomerSample;
use canali_store::requests::{MailLink, NewMailItem, NewReading, NewRequest};
use canali_store::{NewContact, Store};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

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
pub(super) struct Floor {
    counters: Vec<Counter>,
    waiting: u32,
}

/// The living demo's loop: it turns the plan's events into calls, tickets, online-branch
/// actions and letters, through the real paths of each channel.
pub(super) struct Runner {
    pub(super) store: Arc<Store>,
    pub(super) plan: LivePlan,
    pub(super) customers: Vec<CustomerSample>,
    pub(super) back_office: Option<i64>,
    pub(super) settings: LiveSettings,
    pub(super) queue_log: std::io::BufWriter<std::fs::File>,
    /// queue_log lines not yet due: (second, order written, text).
    pub(super) lines: BinaryHeap<Reverse<(i64, u64, String)>>,
    pub(super) line_seq: u64,
    pub(super) floors: HashMap<String, Floor>,
    /// Each waiting or served ticket's service time, seconds.
    pub(super) service: HashMap<i64, i64>,
    /// The last reading sent for each meter: (reading, day).
    pub(super) meters: HashMap<i64, (i64, Day)>,
    pub(super) counts: Arc<LiveCounts>,
    /// The minute the back office last looked at its queue.
    pub(super) last_back_office: i64,
}

impl Runner {
    pub(super) async fn run(mut self, mut stopped: watch::Receiver<bool>) -> Result<()> {
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
            .tickets()
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
                    let next = match self.store.tickets().serve(ticket, at).await {
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
                    if let Err(e) = self.store.tickets().close(ticket, at, None).await {
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
                        .readings()
                        .of(point, 1)
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
                    .readings()
                    .record(&NewReading {
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
                    .requests()
                    .open(
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
            .mail()
            .register(
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
        let open = match self
            .store
            .requests()
            .queue(RequestStatus::Open, 2000, 0)
            .await
        {
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
                .requests()
                .answer(
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
