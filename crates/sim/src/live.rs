//! The living demo's events: what the simulated utility does now, at the rates of the 2011
//! plan for this hour and weekday.
//!
//! "Now" maps to an analog day of 2011 (the same month and weekday, the nearest day of the
//! month) and its plan gives the rate of each channel at that moment: the call-center lines'
//! staffing slots, each branch's slots, the online branch's hours and the day's letters. The
//! events of each wall-clock minute come from a random stream seeded by the seed and the
//! minute, so the same seed gives the same events for the same minute, whatever the window
//! asked for. Nothing here touches a database: the caller turns events into queue_log lines,
//! tickets, portal actions and letters.

use crate::network;
use crate::plan::{self, DayPlan, Slot, World, YearPlan};
use crate::queue;
use crate::rng::stream;
use canali_domain::day::{ROME, local_micros};
use jiff::civil::{Date, Weekday, date};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Poisson};
use std::sync::Mutex;

const MINUTE: i64 = 60_000_000;
/// The year whose plan the living demo follows.
const ANALOG_YEAR: i16 = 2011;

/// A call-center line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LiveLine {
    Residential,
    Business,
}

/// One call, from its entry into the queue to its end.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveCall {
    pub line: LiveLine,
    /// Entry into the queue, microseconds since the epoch.
    pub entered: i64,
    /// Seconds waited before an agent answered or the caller hung up.
    pub wait: i64,
    /// Answered by `agent` (a number within the line's pool) and talked `talk` seconds; or
    /// abandoned after `wait`.
    pub answered: bool,
    pub talk: i64,
    pub agent: u32,
    /// The caller's number.
    pub caller: String,
    /// A stable id: the same minute and seed give the same ids.
    pub id: String,
}

/// What a customer does on the online branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebAction {
    /// Signs in and looks at bills or the account: a web contact.
    Visit,
    /// Sends a meter self-reading.
    Reading,
    /// Asks for information in writing.
    InformationRequest,
    /// Files a written complaint.
    Complaint,
}

/// What a letter is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterKind {
    Correspondence,
    InformationRequest,
    Complaint,
}

/// One event of the living utility.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    Call(LiveCall),
    /// A customer takes a ticket at a branch's kiosk; the counters serve it in about
    /// `service_seconds`.
    BranchVisit {
        at: i64,
        branch: String,
        /// `A` bills and payments, `B` contracts, `P` business customers.
        category: &'static str,
        service_seconds: i64,
        id: String,
    },
    /// `pick` chooses the customer among those the caller knows.
    Web {
        at: i64,
        action: WebAction,
        pick: u64,
        id: String,
    },
    Letter {
        at: i64,
        kind: LetterKind,
        pick: u64,
        id: String,
    },
}

impl LiveEvent {
    pub fn at(&self) -> i64 {
        match self {
            LiveEvent::Call(c) => c.entered,
            LiveEvent::BranchVisit { at, .. }
            | LiveEvent::Web { at, .. }
            | LiveEvent::Letter { at, .. } => *at,
        }
    }
}

/// The 2011 plan and the rates read from it.
pub struct LivePlan {
    seed: u64,
    world: World,
    plan: YearPlan,
    /// The last local day asked for and its analog day's index in the plan.
    analog: Mutex<Option<(Date, usize)>>,
}

/// Arrivals per second of each channel at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rates {
    pub residential: f64,
    pub business: f64,
    /// (branch code, arrivals per second) for the branches open then.
    pub branches: Vec<(String, f64)>,
    pub web: f64,
    pub mail: f64,
    /// Agents the plan staffs on each line then.
    pub residential_agents: u32,
    pub business_agents: u32,
}

impl LivePlan {
    /// The plan of the utility of `scale` and `seed` (about a second at full size).
    pub fn new(seed: u64, scale: f64) -> LivePlan {
        let branches = network::branches();
        let events = network::branch_events();
        let world = World::new(&branches, &events, ANALOG_YEAR..=ANALOG_YEAR);
        let plan = plan::plan_year(seed, scale, ANALOG_YEAR, &world);
        LivePlan {
            seed,
            world,
            plan,
            analog: Mutex::new(None),
        }
    }

    /// The branches the plan knows: code and counters.
    pub fn branches(&self) -> Vec<(String, u32)> {
        self.world
            .branches
            .iter()
            .map(|b| (b.code.clone(), b.counters))
            .collect()
    }

    /// The counters `branch` opens at `at`: enough for the arrivals its plan expects then at
    /// the branch's service time with clerks busy 85% of the time, at least one, at most the
    /// counters it has.
    pub fn counters_needed(&self, branch: &str, at: i64) -> usize {
        let Some(k) = self.world.branches.iter().position(|b| b.code == branch) else {
            return 1;
        };
        let (t, day) = self.analog_instant(at);
        let rate = day
            .branch
            .iter()
            .find(|s| usize::from(s.branch) == k && s.start <= t && t < s.start + s.len)
            .map_or(0.0, per_second);
        let have = (self.world.branches[k].counters as usize).max(1);
        ((rate * queue::BRANCH.aht / 0.85).ceil() as usize).clamp(1, have)
    }

    /// The plan's day of 2011 that stands for `local` (same month and weekday, nearest day).
    fn analog_day(&self, local: Date) -> &DayPlan {
        let mut cached = self.analog.lock().expect("not poisoned");
        if let Some((d, k)) = *cached
            && d == local
        {
            return &self.plan.days[k];
        }
        let target = analog_date(local);
        let k = self
            .plan
            .days
            .iter()
            .position(|d| d.date == target)
            .expect("the plan covers every day of its year");
        *cached = Some((local, k));
        &self.plan.days[k]
    }

    /// The moment of the analog day that stands for `at`, microseconds.
    fn analog_instant(&self, at: i64) -> (i64, &DayPlan) {
        let zoned = jiff::Timestamp::from_microsecond(at)
            .expect("a valid instant")
            .to_zoned(ROME.clone());
        let day = self.analog_day(zoned.date());
        let t = zoned.time();
        let micros = local_micros(day.date, t.hour(), t.minute(), t.second())
            + i64::from(t.subsec_nanosecond() / 1000);
        (micros, day)
    }

    /// Each channel's arrivals per second at `at` (microseconds since the epoch).
    pub fn rates(&self, at: i64) -> Rates {
        let (t, day) = self.analog_instant(at);
        let line = |slots: &[Slot]| {
            slot_at(slots, t).map_or((0.0, 0), |s| {
                (
                    per_second(s),
                    (s.load.ceil() as u32).clamp(1, s.max_agents.max(1)),
                )
            })
        };
        let (residential, residential_agents) = line(&day.res);
        let (business, business_agents) = line(&day.bus);
        let branches = day
            .branch
            .iter()
            .filter(|s| s.start <= t && t < s.start + s.len && s.calls > 0)
            .map(|s| {
                (
                    self.world.branches[usize::from(s.branch)].code.clone(),
                    per_second(s),
                )
            })
            .collect();
        let web = day
            .web
            .iter()
            .find(|(start, len, _)| *start <= t && t < start + len)
            .map_or(0.0, |(_, len, n)| f64::from(*n) / (*len as f64 / 1e6));
        // Letters are registered by the back office on working days, 08:30 to 16:30.
        let office = local_micros(day.date, 8, 30, 0)..local_micros(day.date, 16, 30, 0);
        let mail = if office.contains(&t) {
            f64::from(day.mail) / (8.0 * 3600.0)
        } else {
            0.0
        };
        Rates {
            residential,
            business,
            branches,
            web,
            mail,
            residential_agents,
            business_agents,
        }
    }

    /// The events of `[from, to)`, in time order: the same for the same seed and minutes.
    pub fn events(&self, from: i64, to: i64) -> Vec<LiveEvent> {
        let mut out = Vec::new();
        let mut minute = from.div_euclid(MINUTE);
        while minute * MINUTE < to {
            out.extend(
                self.minute(minute)
                    .into_iter()
                    .filter(|e| (from..to).contains(&e.at())),
            );
            minute += 1;
        }
        out.sort_by_key(LiveEvent::at);
        out
    }

    /// The events of one wall-clock minute (its index since the epoch).
    fn minute(&self, minute: i64) -> Vec<LiveEvent> {
        let start = minute * MINUTE;
        let rates = self.rates(start);
        let mut rng = stream(self.seed, "live", minute as u64);
        let mut out = Vec::new();
        let mut seq = 0u32;
        let mut next_id = |kind: &str| {
            seq += 1;
            format!("{kind}-{minute}-{seq}")
        };
        let calibration = &self.plan.calibration;
        for (line, rate, agents, q) in [
            (
                LiveLine::Residential,
                rates.residential,
                rates.residential_agents,
                queue::RESIDENTIAL,
            ),
            (
                LiveLine::Business,
                rates.business,
                rates.business_agents,
                queue::BUSINESS,
            ),
        ] {
            let expected = &calibration[line as usize].expected;
            for _ in 0..arrivals(&mut rng, rate) {
                let entered = start + rng.random_range(0..MINUTE);
                let abandoned = rng.random::<f64>() < expected.abandoned_share;
                let wait = if abandoned {
                    exp(&mut rng, (q.patience.0 / 3.0).max(20.0))
                } else {
                    exp(&mut rng, expected.mean_wait.max(5.0))
                };
                out.push(LiveEvent::Call(LiveCall {
                    line,
                    entered,
                    wait: wait.min(1800),
                    answered: !abandoned,
                    talk: exp(&mut rng, q.aht).clamp(20, 3600),
                    agent: rng.random_range(0..agents.max(1)),
                    caller: format!("05{:08}", rng.random_range(0..100_000_000u64)),
                    id: next_id("call"),
                }));
            }
        }
        for (branch, rate) in &rates.branches {
            for _ in 0..arrivals(&mut rng, *rate) {
                let roll = rng.random::<f64>();
                let category = if roll < 0.55 {
                    "A"
                } else if roll < 0.9 {
                    "B"
                } else {
                    "P"
                };
                out.push(LiveEvent::BranchVisit {
                    at: start + rng.random_range(0..MINUTE),
                    branch: branch.clone(),
                    category,
                    service_seconds: exp(&mut rng, queue::BRANCH.aht).clamp(60, 3600),
                    id: next_id("visit"),
                });
            }
        }
        for _ in 0..arrivals(&mut rng, rates.web) {
            let roll = rng.random::<f64>();
            let action = if roll < 0.80 {
                WebAction::Visit
            } else if roll < 0.93 {
                WebAction::Reading
            } else if roll < 0.98 {
                WebAction::InformationRequest
            } else {
                WebAction::Complaint
            };
            out.push(LiveEvent::Web {
                at: start + rng.random_range(0..MINUTE),
                action,
                pick: rng.random(),
                id: next_id("web"),
            });
        }
        for _ in 0..arrivals(&mut rng, rates.mail) {
            let roll = rng.random::<f64>();
            let kind = if roll < 0.6 {
                LetterKind::Correspondence
            } else if roll < 0.75 {
                LetterKind::InformationRequest
            } else {
                LetterKind::Complaint
            };
            out.push(LiveEvent::Letter {
                at: start + rng.random_range(0..MINUTE),
                kind,
                pick: rng.random(),
                id: next_id("mail"),
            });
        }
        out.sort_by_key(LiveEvent::at);
        out
    }
}

/// A slot's arrivals per second.
fn per_second(s: &Slot) -> f64 {
    f64::from(s.calls) / (s.len as f64 / 1e6)
}

/// The slot that holds the instant `t`.
fn slot_at(slots: &[Slot], t: i64) -> Option<&Slot> {
    slots.iter().find(|s| s.start <= t && t < s.start + s.len)
}

/// Arrivals in one minute at `per_second`.
fn arrivals(rng: &mut ChaCha8Rng, per_second: f64) -> u64 {
    let mean = per_second * 60.0;
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |p| p.sample(rng) as u64)
}

/// An exponential draw of `mean` seconds, rounded.
fn exp(rng: &mut ChaCha8Rng, mean: f64) -> i64 {
    Exp::new(1.0 / mean).map_or(mean, |e| e.sample(rng)).round() as i64
}

/// The day of 2011 with the same month and weekday as `d`, nearest to its day of the month.
pub fn analog_date(d: Date) -> Date {
    let weekday: Weekday = d.weekday();
    let first = date(ANALOG_YEAR, d.month(), 1);
    (0..first.days_in_month())
        .map(|k| {
            first
                .checked_add(jiff::Span::new().days(k))
                .expect("in month")
        })
        .filter(|c| c.weekday() == weekday)
        .min_by_key(|c| (c.day() - d.day()).abs())
        .expect("every weekday occurs in a month")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i16, m: i8, d: i8, h: i8, mi: i8) -> i64 {
        local_micros(date(y, m, d), h, mi, 0)
    }

    #[test]
    fn the_analog_day_keeps_month_and_weekday() {
        // Monday 7 December 2026 stands for Monday 5 December 2011.
        assert_eq!(analog_date(date(2026, 12, 7)), date(2011, 12, 5));
        for d in [date(2026, 1, 1), date(2026, 2, 28), date(2030, 7, 31)] {
            let a = analog_date(d);
            assert_eq!(
                (a.year(), a.month(), a.weekday()),
                (2011, d.month(), d.weekday())
            );
            // Same-weekday days are a week apart: at most 3 days off, 6 at a month's ends.
            assert!((a.day() - d.day()).abs() <= 6, "{d} -> {a}");
        }
    }

    #[test]
    fn a_weekday_morning_is_busy_and_a_sunday_night_quiet() {
        let plan = LivePlan::new(2011, 0.1);
        let busy = plan.rates(at(2026, 12, 7, 10, 30));
        assert!(busy.residential > 0.0 && busy.business > 0.0, "{busy:?}");
        assert!(!busy.branches.is_empty() && busy.web > 0.0 && busy.mail > 0.0);
        let quiet = plan.rates(at(2026, 12, 6, 3, 0));
        assert_eq!(
            (quiet.residential, quiet.business, quiet.mail),
            (0.0, 0.0, 0.0)
        );
        assert!(quiet.branches.is_empty());
        // The online branch never closes, but is quieter at night.
        assert!(quiet.web < busy.web);
    }

    #[test]
    fn events_depend_on_the_seed_and_minute_only() {
        let plan = LivePlan::new(2011, 0.1);
        let from = at(2026, 12, 7, 10, 0);
        let hour = plan.events(from, from + 60 * MINUTE);
        let calls = hour
            .iter()
            .filter(|e| matches!(e, LiveEvent::Call(_)))
            .count();
        // Residential and business together: about their rates times an hour.
        let r = plan.rates(from + 30 * MINUTE);
        let expected = (r.residential + r.business) * 3600.0;
        assert!(
            (calls as f64 - expected).abs() < 5.0 * expected.sqrt() + 5.0,
            "{calls} calls against {expected:.0} expected"
        );
        // A window inside the hour holds exactly the hour's events of that window.
        let part = plan.events(from + 10 * MINUTE + 7, from + 20 * MINUTE);
        let inside: Vec<_> = hour
            .iter()
            .filter(|e| (from + 10 * MINUTE + 7..from + 20 * MINUTE).contains(&e.at()))
            .cloned()
            .collect();
        assert_eq!(part, inside);
        assert!(hour.windows(2).all(|w| w[0].at() <= w[1].at()));
        let other = LivePlan::new(7, 0.1).events(from, from + 60 * MINUTE);
        assert_ne!(hour, other);
    }
}
