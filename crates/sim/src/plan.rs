//! The contact plan of a year: how many contacts each channel gets on each day and in each
//! staffing interval, the offered load of every interval at full size, and the staffing solved
//! from the year's waiting-time targets.
//!
//! A year is always planned whole, whatever the simulated range, so a day comes out the same
//! in every run that includes it.

use crate::network::serves_on;
use crate::queue::{self, Expected, Interval, QueueModel, Staffed, Staffing};
use crate::rng::stream;
use crate::targets::{YearTargets, year_targets};
use canali_domain::day::local_micros;
use canali_domain::network::BranchKind;
use canali_domain::schedule::{Schedule, ScheduleException, WeeklyHours};
use canali_store::{Branch, BranchEvent};
use jiff::civil::{Date, Time, date};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The call-center lines' opening hours.
pub const RESIDENTIAL_HOURS: &str = "mo-fr 08:00-20:00; sa 08:00-13:00";
pub const BUSINESS_HOURS: &str = "mo-fr 08:00-18:00";

/// Adds the national holidays of the years and the one-off holiday of 17 March 2011 (150 years
/// of Italy's unification).
pub fn with_holidays(weekly: WeeklyHours, years: std::ops::RangeInclusive<i16>) -> Schedule {
    let mut s = Schedule::from(weekly).with_public_holidays(years.clone());
    if years.contains(&2011) {
        let _ = s.add_exception(ScheduleException::closed(
            date(2011, 3, 17),
            "150° anniversario dell'Unità d'Italia",
        ));
    }
    s
}

/// Share of a month's contacts prompted by the bill runs (issued on days 1-8, delivered a few
/// days later): a bump peaking on the 11th.
pub fn bill_wave(day_of_month: i8) -> f64 {
    let x = (f64::from(day_of_month) - 11.0) / 4.5;
    (-x * x).exp()
}

const MONTH: [f64; 12] = [
    1.12, 1.06, 1.04, 0.97, 0.98, 0.92, 0.95, 0.68, 1.0, 1.06, 1.05, 0.87,
];

fn interpolate(points: &[(f64, f64)], x: f64) -> f64 {
    if x <= points[0].0 {
        return points[0].1;
    }
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if x <= x1 {
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
    }
    points[points.len() - 1].1
}

/// Arrivals by minute of the day: a morning peak, a lunch dip, a smaller afternoon peak.
pub fn office_profile(minute: f64) -> f64 {
    const P: [(f64, f64); 13] = [
        (480.0, 0.55),
        (540.0, 1.25),
        (600.0, 1.5),
        (660.0, 1.4),
        (720.0, 1.1),
        (780.0, 0.75),
        (840.0, 0.95),
        (900.0, 1.05),
        (960.0, 0.95),
        (1020.0, 0.8),
        (1080.0, 0.6),
        (1140.0, 0.45),
        (1200.0, 0.3),
    ];
    interpolate(&P, minute)
}

pub fn branch_profile(minute: f64) -> f64 {
    const P: [(f64, f64); 10] = [
        (480.0, 0.9),
        (540.0, 1.3),
        (600.0, 1.45),
        (660.0, 1.35),
        (720.0, 1.1),
        (780.0, 0.8),
        (840.0, 0.85),
        (900.0, 0.95),
        (960.0, 0.9),
        (1020.0, 0.8),
    ];
    interpolate(&P, minute)
}

/// The online branch is open round the clock, busiest late morning and in the evening.
pub fn web_profile(minute: f64) -> f64 {
    const P: [(f64, f64); 11] = [
        (0.0, 0.25),
        (180.0, 0.08),
        (360.0, 0.1),
        (480.0, 0.6),
        (600.0, 1.3),
        (780.0, 1.1),
        (900.0, 1.2),
        (1080.0, 1.0),
        (1260.0, 1.4),
        (1380.0, 0.7),
        (1440.0, 0.3),
    ];
    interpolate(&P, minute)
}

/// Channels in plan order.
pub const RES: usize = 0;
pub const BUS: usize = 1;
pub const BRANCH: usize = 2;
pub const WEB: usize = 3;
pub const MAIL: usize = 4;

const WEEKDAY: [[f64; 7]; 5] = [
    [1.22, 1.08, 1.0, 0.98, 0.92, 0.85, 0.0],
    [1.2, 1.08, 1.0, 0.98, 0.9, 0.0, 0.0],
    [1.15, 1.0, 1.0, 0.98, 0.95, 1.1, 0.0],
    [1.15, 1.08, 1.05, 1.02, 0.95, 0.78, 0.82],
    [1.35, 1.0, 0.95, 0.95, 0.95, 0.7, 0.0],
];
const WAVE: [f64; 5] = [0.55, 0.45, 0.5, 0.35, 0.25];

/// A branch as the plan sees it.
pub struct BranchInfo {
    pub code: String,
    pub sot: i64,
    pub counters: u32,
    pub attract: f64,
    pub schedule: Schedule,
}

/// What a year plan needs of the world.
pub struct World {
    pub residential: Schedule,
    pub business: Schedule,
    pub branches: Vec<BranchInfo>,
    pub events: Vec<BranchEvent>,
}

impl World {
    pub fn new(
        branches: &[Branch],
        events: &[BranchEvent],
        years: std::ops::RangeInclusive<i16>,
    ) -> World {
        let parse = |s: &str| s.parse::<WeeklyHours>().expect("valid hours");
        World {
            residential: with_holidays(parse(RESIDENTIAL_HOURS), years.clone()),
            business: with_holidays(parse(BUSINESS_HOURS), years.clone()),
            branches: branches
                .iter()
                .map(|b| BranchInfo {
                    code: b.code.clone(),
                    sot: b.sot,
                    counters: b.counters as u32,
                    attract: match b.kind {
                        BranchKind::Priority => 1.15,
                        BranchKind::Standard => 1.0,
                        BranchKind::PresencePoint => 0.9,
                        BranchKind::TemporaryPresencePoint => 0.7,
                    },
                    schedule: with_holidays(parse(&b.hours), years.clone()),
                })
                .collect(),
            events: events.to_vec(),
        }
    }
}

/// A staffing interval of a call-center line or a branch.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// Branch index (0 for the lines).
    pub branch: u16,
    /// Start, microseconds since the epoch, and length in microseconds.
    pub start: i64,
    pub len: i64,
    pub calls: u32,
    pub load: f64,
    pub max_agents: u32,
    pub round: f64,
    pub staffed: Staffed,
}

#[derive(Debug, Clone)]
pub struct DayPlan {
    pub date: Date,
    pub day: i32,
    pub res: Vec<Slot>,
    pub bus: Vec<Slot>,
    pub branch: Vec<Slot>,
    /// Web contacts by hour: (start, length, count).
    pub web: Vec<(i64, i64, u32)>,
    pub mail: u32,
    /// Index within the year of the first call of the day on each queue (res, bus, branch).
    pub first_call: [u64; 3],
}

/// A queue-year's solved staffing and what it is expected to give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    pub staffing: Staffing,
    pub expected: Expected,
    pub target_mean: f64,
    pub target_over: f64,
}

pub struct YearPlan {
    pub year: i16,
    pub targets: YearTargets,
    pub days: Vec<DayPlan>,
    /// Contacts of the year by channel (res, bus, branch, web, mail).
    pub counts: [u64; 5],
    /// Res, bus, branch.
    pub calibration: [Calibration; 3],
}

/// Splits `n` among `weights` by systematic sampling from offset `u` in [0, 1): the parts sum
/// to `n` exactly and each is its expected share rounded up or down.
pub fn allocate(n: u64, weights: &[f64], u: f64) -> Vec<u32> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || n == 0 {
        return vec![0; weights.len()];
    }
    let mut acc = 0.0;
    let mut prev = u.floor() as i64;
    weights
        .iter()
        .map(|w| {
            acc += w;
            let now = (u + n as f64 * (acc / total)).floor() as i64;
            let k = (now - prev).max(0) as u32;
            prev = now;
            k
        })
        .collect()
}

fn minutes(t: Time) -> i32 {
    if t == Time::MAX {
        1440
    } else {
        i32::from(t.hour()) * 60 + i32::from(t.minute())
    }
}

/// Cuts a day's opening intervals into pieces at multiples of `step` minutes.
fn pieces(intervals: &[(Time, Time)], step: i32) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    for &(a, b) in intervals {
        let (mut s, e) = (minutes(a), minutes(b));
        while s < e {
            let next = ((s / step) + 1) * step;
            let end = next.min(e);
            out.push((s, end));
            s = end;
        }
    }
    out
}

fn micros_at(d: Date, minute: i32) -> i64 {
    if minute >= 1440 {
        local_micros(d.tomorrow().expect("in range"), 0, 0, 0)
    } else {
        local_micros(d, (minute / 60) as i8, (minute % 60) as i8, 0)
    }
}

struct DayShape {
    date: Date,
    res: Vec<(i32, i32, f64)>,
    bus: Vec<(i32, i32, f64)>,
    branch: Vec<(u16, i32, i32, f64)>,
    web: Vec<(i32, i32, f64)>,
    weights: [f64; 5],
}

fn lognormal(rng: &mut ChaCha8Rng, sigma: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    (sigma * z - 0.5 * sigma * sigma).exp()
}

fn shape_day(world: &World, d: Date, rng: &mut ChaCha8Rng, year_len: f64) -> DayShape {
    let wd = d.weekday().to_monday_zero_offset() as usize;
    let month = MONTH[(d.month() - 1) as usize];
    let wave = bill_wave(d.day());
    let factor = |ch: usize, rng: &mut ChaCha8Rng| {
        WEEKDAY[ch][wd] * month * (1.0 + WAVE[ch] * (wave - 0.3)) * lognormal(rng, 0.08)
    };
    let line = |s: &Schedule, p: fn(f64) -> f64| -> Vec<(i32, i32, f64)> {
        pieces(&s.intervals_on(d), 30)
            .into_iter()
            .map(|(a, b)| (a, b, p(f64::from(a + b) / 2.0) * f64::from(b - a)))
            .collect()
    };
    let res = line(&world.residential, office_profile);
    let bus = line(&world.business, office_profile);
    let day = canali_domain::Day::from_date(d);
    let mut branch = Vec::new();
    for (i, b) in world.branches.iter().enumerate() {
        if !serves_on(&b.code, &world.events, day) {
            continue;
        }
        for (a, e) in pieces(&b.schedule.intervals_on(d), 60) {
            let w = f64::from(b.counters)
                * b.attract
                * branch_profile(f64::from(a + e) / 2.0)
                * f64::from(e - a);
            branch.push((i as u16, a, e, w));
        }
    }
    let web: Vec<(i32, i32, f64)> = (0..24)
        .map(|h| (h * 60, h * 60 + 60, web_profile(f64::from(h * 60 + 30))))
        .collect();
    let holiday = world.residential.exception_on(d).is_some();
    let doy = f64::from(d.day_of_year() - 1) / year_len;
    let sum = |v: &[(i32, i32, f64)]| v.iter().map(|x| x.2).sum::<f64>();
    let weights = [
        sum(&res) * factor(RES, rng),
        sum(&bus) * factor(BUS, rng),
        branch.iter().map(|x| x.3).sum::<f64>() * factor(BRANCH, rng),
        // The web keeps growing through the year; it is quieter on holidays.
        factor(WEB, rng) * (0.85 + 0.3 * doy) * if holiday { 0.8 } else { 1.0 },
        if holiday { 0.0 } else { factor(MAIL, rng) },
    ];
    DayShape {
        date: d,
        res,
        bus,
        branch,
        web,
        weights,
    }
}

pub fn plan_year(seed: u64, scale: f64, year: i16, world: &World) -> YearPlan {
    let targets = year_targets(year);
    let total = targets.contacts * scale;
    let m = targets.mix;
    let r = |x: f64| x.round().max(0.0) as u64;
    let cc = r(total * m.call_center / 100.0);
    let bus = r(cc as f64 * targets.business_line_share);
    let counts = [
        cc - bus,
        bus,
        r(total * m.branch / 100.0),
        r(total * m.web / 100.0),
        r(total * m.mail / 100.0),
    ];
    let mut rng = stream(seed, "plan", year as u64);
    let first = date(year, 1, 1);
    let year_len = f64::from(first.days_in_year());
    let shapes: Vec<DayShape> = (0..first.days_in_year())
        .map(|k| {
            shape_day(
                world,
                first
                    .checked_add(jiff::Span::new().days(k))
                    .expect("in year"),
                &mut rng,
                year_len,
            )
        })
        .collect();
    let mut per_day: Vec<[u32; 5]> = vec![[0; 5]; shapes.len()];
    let mut weight_total = [0.0; 5];
    for ch in 0..5 {
        let w: Vec<f64> = shapes.iter().map(|s| s.weights[ch]).collect();
        weight_total[ch] = w.iter().sum();
        for (k, n) in allocate(counts[ch], &w, 0.5).into_iter().enumerate() {
            per_day[k][ch] = n;
        }
    }
    let models = [queue::RESIDENTIAL, queue::BUSINESS, queue::BRANCH];
    let mut days = Vec::with_capacity(shapes.len());
    let mut first_call = [0u64; 3];
    for (k, s) in shapes.iter().enumerate() {
        let mut drng = stream(
            seed,
            "plan-day",
            canali_domain::Day::from_date(s.date).0 as u64,
        );
        // Full-size arrivals expected on the day, per channel.
        let full = |ch: usize| {
            if weight_total[ch] > 0.0 {
                counts[ch] as f64 / scale * s.weights[ch] / weight_total[ch]
            } else {
                0.0
            }
        };
        let line = |pcs: &[(i32, i32, f64)], ch: usize, drng: &mut ChaCha8Rng| -> Vec<Slot> {
            let w: Vec<f64> = pcs.iter().map(|p| p.2).collect();
            let wsum: f64 = w.iter().sum();
            let n = allocate(u64::from(per_day[k][ch]), &w, drng.random());
            pcs.iter()
                .zip(n)
                .map(|(&(a, b, wi), calls)| {
                    let secs = f64::from((b - a) * 60);
                    let arrivals = if wsum > 0.0 {
                        full(ch) * wi / wsum
                    } else {
                        0.0
                    };
                    let start = micros_at(s.date, a);
                    Slot {
                        branch: 0,
                        start,
                        len: micros_at(s.date, b) - start,
                        calls,
                        load: arrivals * models[ch].aht / secs,
                        max_agents: u32::MAX,
                        round: drng.random(),
                        staffed: Staffed {
                            agents: 0,
                            p_wait: 0.0,
                            rate: 0.0,
                        },
                    }
                })
                .collect()
        };
        let res = line(&s.res, RES, &mut drng);
        let bus = line(&s.bus, BUS, &mut drng);
        let bw: Vec<f64> = s.branch.iter().map(|p| p.3).collect();
        let bsum: f64 = bw.iter().sum();
        let bn = allocate(u64::from(per_day[k][BRANCH]), &bw, drng.random());
        let branch: Vec<Slot> = s
            .branch
            .iter()
            .zip(bn)
            .map(|(&(b, a, e, wi), calls)| {
                let secs = f64::from((e - a) * 60);
                let arrivals = if bsum > 0.0 {
                    full(BRANCH) * wi / bsum
                } else {
                    0.0
                };
                let start = micros_at(s.date, a);
                Slot {
                    branch: b,
                    start,
                    len: micros_at(s.date, e) - start,
                    calls,
                    load: arrivals * models[2].aht / secs,
                    max_agents: world.branches[usize::from(b)].counters,
                    round: drng.random(),
                    staffed: Staffed {
                        agents: 0,
                        p_wait: 0.0,
                        rate: 0.0,
                    },
                }
            })
            .collect();
        let ww: Vec<f64> = s.web.iter().map(|p| p.2).collect();
        let wn = allocate(u64::from(per_day[k][WEB]), &ww, drng.random());
        let web = s
            .web
            .iter()
            .zip(wn)
            .map(|(&(a, b, _), n)| {
                let start = micros_at(s.date, a);
                (start, micros_at(s.date, b) - start, n)
            })
            .collect();
        let day = DayPlan {
            date: s.date,
            day: canali_domain::Day::from_date(s.date).0,
            res,
            bus,
            branch,
            web,
            mail: per_day[k][MAIL],
            first_call,
        };
        for (q, slots) in [&day.res, &day.bus, &day.branch].into_iter().enumerate() {
            first_call[q] += slots.iter().map(|x| u64::from(x.calls)).sum::<u64>();
        }
        days.push(day);
    }
    // Staffing: solve each queue over the whole year's calls.
    let wait_targets = [
        targets.residential_wait,
        targets.business_wait,
        targets.branch_wait,
    ];
    let mut calibration = [Calibration {
        staffing: Staffing {
            spare: 0.0,
            impatient: 0.0,
        },
        expected: Expected::default(),
        target_mean: 0.0,
        target_over: 0.0,
    }; 3];
    for q in 0..3 {
        let slots = |d: &DayPlan| match q {
            0 => d.res.clone(),
            1 => d.bus.clone(),
            _ => d.branch.clone(),
        };
        let intervals: Vec<Interval> = days
            .iter()
            .flat_map(slots)
            .map(|x| Interval {
                load: x.load,
                calls: f64::from(x.calls),
                max_agents: x.max_agents,
                round: x.round,
            })
            .collect();
        let t = wait_targets[q];
        let (staffing, expected) = queue::solve(
            &intervals,
            &models[q],
            t.mean_seconds,
            t.over_share,
            t.over_seconds,
        );
        calibration[q] = Calibration {
            staffing,
            expected,
            target_mean: t.mean_seconds,
            target_over: t.over_share,
        };
        for d in days.iter_mut() {
            let v = match q {
                0 => &mut d.res,
                1 => &mut d.bus,
                _ => &mut d.branch,
            };
            for x in v.iter_mut() {
                let iv = Interval {
                    load: x.load,
                    calls: 0.0,
                    max_agents: x.max_agents,
                    round: x.round,
                };
                x.staffed = queue::staff(&iv, &models[q], staffing.spare);
            }
        }
    }
    YearPlan {
        year,
        targets,
        days,
        counts,
        calibration,
    }
}

/// The queue model of a plan queue index.
pub fn model(q: usize) -> QueueModel {
    [queue::RESIDENTIAL, queue::BUSINESS, queue::BRANCH][q]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_and_proportional() {
        let w = [1.0, 2.0, 3.0, 0.0, 4.0];
        for u in [0.0, 0.3, 0.99] {
            let a = allocate(1000, &w, u);
            assert_eq!(a.iter().sum::<u32>(), 1000);
            assert_eq!(a[3], 0);
            assert!((a[4] as i64 - 400).abs() <= 1);
        }
        assert_eq!(allocate(3, &[0.0, 0.0], 0.5), vec![0, 0]);
    }
}
