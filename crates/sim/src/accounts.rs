//! Online-branch registrations and e-bill enrolments.

use crate::bills::{EbillSpan, email_bills};
use crate::people::{Population, customer_id};
use crate::rng::stream;
use crate::targets::{
    EBILL_WITHDRAWAL_RATE, EMAIL_BILLS_2011, PORTAL_2011, PORTAL_GROWTH, PORTAL_LAUNCH_YEAR,
    ebill_on_at_year_end,
};
use canali_domain::Day;
use canali_domain::day::local_micros;
use canali_domain::network::EbillPath;
use canali_store::{EbillEvent, PortalAccount};
use jiff::civil::{Date, date};
use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::HashMap;

/// Registrations of the online branch since its launch at full size: `K (e^(r t) - 1)`, `t`
/// in years, with 130,000 at the end of 2011 and +31% over the end of 2010.
pub struct PortalCurve {
    launch: i32,
    k: f64,
    r: f64,
}

impl PortalCurve {
    pub fn new() -> PortalCurve {
        let launch = Day::from_date(date(PORTAL_LAUNCH_YEAR, 1, 1)).0;
        let years = |d: Date| f64::from(Day::from_date(d).0 - launch) / 365.25;
        let (t1, t2) = (years(date(2011, 1, 1)), years(date(2012, 1, 1)));
        let ratio = |r: f64| ((r * t2).exp() - 1.0) / ((r * t1).exp() - 1.0);
        let (mut lo, mut hi) = (1e-6, 5.0);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            // The ratio grows with r.
            if ratio(mid) < 1.0 + PORTAL_GROWTH {
                lo = mid
            } else {
                hi = mid
            }
        }
        let r = 0.5 * (lo + hi);
        PortalCurve {
            launch,
            k: PORTAL_2011 / ((r * t2).exp() - 1.0),
            r,
        }
    }

    /// Registrations at full size by the end of `day`.
    pub fn at_end_of(&self, day: i32) -> f64 {
        let t = f64::from(day + 1 - self.launch).max(0.0) / 365.25;
        self.k * ((self.r * t).exp() - 1.0)
    }

    pub fn launch(&self) -> i32 {
        self.launch
    }
}

impl Default for PortalCurve {
    fn default() -> Self {
        PortalCurve::new()
    }
}

/// Who registered when: (customer index, registered at), sorted by time.
pub struct Portal {
    pub accounts: Vec<(u32, i64)>,
}

impl Portal {
    /// Accounts registered on or before `day`.
    pub fn count_by(&self, day: i32) -> usize {
        let end = local_micros(Day(day + 1).date(), 0, 0, 0);
        self.accounts.partition_point(|a| a.1 < end)
    }
}

fn email_customers(pop: &Population) -> Vec<u32> {
    (0..pop.profiles.len() as u32)
        .filter(|&i| pop.profiles[i as usize].email)
        .collect()
}

/// Registrations up to `until` (inclusive); per-day counts follow the curve exactly.
pub fn build_portal(seed: u64, scale: f64, pop: &Population, until: Date) -> Portal {
    let curve = PortalCurve::new();
    let mut rng = stream(seed, "portal", 0);
    let pool = email_customers(pop);
    let mut taken = vec![false; pop.profiles.len()];
    let mut accounts = Vec::new();
    let last = Day::from_date(until).0;
    let mut before = 0u64;
    for day in curve.launch()..=last {
        let now = (curve.at_end_of(day) * scale).floor() as u64;
        let n = now - before;
        before = now;
        let date = Day(day).date();
        let mut times: Vec<i64> = (0..n)
            .map(|_| {
                // Evenings and office hours.
                let minute = if rng.random_bool(0.6) {
                    rng.random_range(480..1080)
                } else {
                    rng.random_range(1080..1410)
                };
                local_micros(
                    date,
                    (minute / 60) as i8,
                    (minute % 60) as i8,
                    rng.random_range(0..60),
                )
            })
            .collect();
        times.sort_unstable();
        for t in times {
            if pool.is_empty() {
                break;
            }
            for _ in 0..64 {
                let c = pool[rng.random_range(0..pool.len())];
                if !taken[c as usize] && pop.profiles[c as usize].since <= day {
                    taken[c as usize] = true;
                    accounts.push((c, t));
                    break;
                }
            }
        }
    }
    Portal { accounts }
}

pub fn portal_rows<'a>(
    portal: &'a Portal,
    emails: impl Fn(u32) -> String + 'a,
) -> impl Iterator<Item = PortalAccount> + 'a {
    portal.accounts.iter().map(move |&(c, t)| PortalAccount {
        customer_id: customer_id(c as usize),
        email: emails(c),
        registered_at: t,
    })
}

/// A planned switch to the e-bill.
#[derive(Debug, Clone, Copy)]
struct Slot {
    day: i32,
    path: EbillPath,
    withdrawn: Option<(i32, EbillPath)>,
}

fn path_shares(year: i16) -> [(EbillPath, f64); 5] {
    use EbillPath::*;
    match year {
        ..=2009 => [
            (ContractSigning, 0.25),
            (PaperBillForm, 0.0),
            (OnlineBranch, 0.45),
            (CallCenter, 0.18),
            (Branch, 0.12),
        ],
        2010 => [
            (ContractSigning, 0.30),
            (PaperBillForm, 0.08),
            (OnlineBranch, 0.35),
            (CallCenter, 0.15),
            (Branch, 0.12),
        ],
        // 2011: the form attached to the paper bill.
        _ => [
            (ContractSigning, 0.28),
            (PaperBillForm, 0.35),
            (OnlineBranch, 0.22),
            (CallCenter, 0.08),
            (Branch, 0.07),
        ],
    }
}

/// The e-bill: each enrolled customer's span, and the events.
pub struct Ebill {
    pub spans: HashMap<u32, EbillSpan>,
    /// (customer index, day, path, enrolled), sorted by day.
    pub events: Vec<(u32, i32, EbillPath, bool)>,
    /// E-mail bills in 2011 the assignment aimed at and reached (at this scale).
    pub email_bills_2011_target: f64,
    pub email_bills_2011_planned: u64,
}

/// Plans the e-bill from 2008 to the end of `until`'s year (at least 2011): yearly counts from
/// the targets, days by weight, and customers chosen so that the e-mail bills of 2011 track
/// their target.
pub fn build_ebill(seed: u64, scale: f64, pop: &Population, portal: &Portal, until: Date) -> Ebill {
    let mut rng = stream(seed, "ebill", 0);
    let last_year = until.year().max(2011);
    let mut slots: Vec<Slot> = Vec::new();
    let on = |y: i16| (ebill_on_at_year_end(y) * scale).round() as i64;
    for year in 2008..=last_year {
        let first = Day::from_date(date(year, 1, 1)).0;
        let last = Day::from_date(date(year, 12, 31)).0;
        // Withdrawals among those on the e-bill at the start of the year.
        let prev = on(year - 1);
        let withdrawals = (EBILL_WITHDRAWAL_RATE * prev as f64).round() as i64;
        let mut active: Vec<usize> = (0..slots.len())
            .filter(|&i| slots[i].withdrawn.is_none() && slots[i].day < first)
            .collect();
        active.shuffle(&mut rng);
        for &i in active.iter().take(withdrawals as usize) {
            let day = rng.random_range(first..=last);
            let path = [
                EbillPath::OnlineBranch,
                EbillPath::CallCenter,
                EbillPath::Branch,
            ][rng.random_range(0..3)];
            slots[i].withdrawn = Some((day, path));
        }
        let gross = (on(year) - prev + withdrawals).max(0) as usize;
        // Days by weight: weekdays, the weeks after the bill runs, the 2011 campaign.
        let weights: Vec<f64> = (first..=last)
            .map(|d| {
                let date = Day(d).date();
                let weekday = if date.weekday().to_monday_one_offset() >= 6 {
                    0.3
                } else {
                    1.0
                };
                let wave = 1.0 + 0.8 * crate::plan::bill_wave(date.day());
                let campaign = if year >= 2011 && date.month() >= 3 {
                    2.0
                } else {
                    1.0
                };
                weekday * wave * campaign
            })
            .collect();
        let total: f64 = weights.iter().sum();
        let mut paths: Vec<EbillPath> = Vec::with_capacity(gross);
        let shares = path_shares(year);
        let mut cum = 0.0;
        let mut placed = 0usize;
        for (p, s) in shares {
            cum += s;
            let upto = (cum * gross as f64).round() as usize;
            paths.extend(std::iter::repeat_n(p, upto.saturating_sub(placed)));
            placed = placed.max(upto);
        }
        paths.resize(gross, EbillPath::OnlineBranch);
        paths.shuffle(&mut rng);
        let mut acc = 0.0;
        let mut given = 0usize;
        for (k, w) in weights.iter().enumerate() {
            acc += w;
            let upto = ((acc / total) * gross as f64).round() as usize;
            while given < upto {
                slots.push(Slot {
                    day: first + k as i32,
                    path: paths[given],
                    withdrawn: None,
                });
                given += 1;
            }
        }
    }
    slots.sort_by_key(|s| s.day);

    // Customers: e-mail holders, the online ones among the registered, the new-contract ones
    // among the new customers; chosen so the e-mail bills of 2011 follow their target.
    let from11 = date(2011, 1, 1);
    let to11 = date(2011, 12, 31);
    let (d0, d1) = (Day::from_date(from11).0, Day::from_date(to11).0);
    let exposure = |enrolled: i32, withdrawn: Option<i32>| -> f64 {
        let a = enrolled.max(d0);
        let b = withdrawn.map_or(d1 + 1, |w| w.min(d1 + 1));
        f64::from((b - a).max(0)) / 365.0
    };
    let total_exposure: f64 = slots
        .iter()
        .map(|s| exposure(s.day, s.withdrawn.map(|w| w.0)))
        .sum();
    let target = EMAIL_BILLS_2011 * scale;
    let pool: Vec<u32> = email_customers(pop);
    let mut new_by_since: Vec<(i32, u32)> = pool
        .iter()
        .map(|&c| (pop.profiles[c as usize].since, c))
        .collect();
    new_by_since.sort_unstable();
    let mut taken = vec![false; pop.profiles.len()];
    let mut spans = HashMap::new();
    let mut events = Vec::new();
    let (mut planned, mut cum_exposure) = (0u64, 0.0);
    for slot in &slots {
        cum_exposure += exposure(slot.day, slot.withdrawn.map(|w| w.0));
        let aim = target * cum_exposure / total_exposure.max(1e-9);
        let mut best: Option<(u32, i32, u32)> = None;
        for _ in 0..10 {
            let candidate: Option<(u32, i32)> = match slot.path {
                EbillPath::ContractSigning => {
                    // A customer whose contract starts within a few days of the slot.
                    let lo = new_by_since.partition_point(|x| x.0 < slot.day - 10);
                    let hi = new_by_since.partition_point(|x| x.0 <= slot.day + 10);
                    (hi > lo).then(|| {
                        let (since, c) = new_by_since[rng.random_range(lo..hi)];
                        (c, since)
                    })
                }
                EbillPath::OnlineBranch => {
                    let n = portal.count_by(slot.day);
                    (n > 0).then(|| (portal.accounts[rng.random_range(0..n)].0, slot.day))
                }
                _ => Some((pool[rng.random_range(0..pool.len())], slot.day)),
            };
            let Some((c, day)) = candidate else { continue };
            let p = &pop.profiles[c as usize];
            if taken[c as usize] || p.since > day || slot.withdrawn.is_some_and(|w| w.0 <= day) {
                continue;
            }
            if Day(day).year() != Day(slot.day).year() {
                continue;
            }
            let span = EbillSpan {
                enrolled: day,
                withdrawn: slot.withdrawn.map(|w| w.0),
            };
            let bills = email_bills(seed, p, &span, from11, to11);
            let better = best.is_none_or(|(_, _, b)| {
                (planned as f64 + f64::from(bills) - aim).abs()
                    < (planned as f64 + f64::from(b) - aim).abs()
            });
            if better {
                best = Some((c, day, bills));
            }
        }
        // A slot nobody fits (tiny scales) falls to any free e-mail holder.
        let (c, day, bills) = match best {
            Some(b) => b,
            None => loop {
                let c = pool[rng.random_range(0..pool.len())];
                let p = &pop.profiles[c as usize];
                let day = slot.day.max(p.since);
                if !taken[c as usize]
                    && slot.withdrawn.is_none_or(|w| w.0 > day)
                    && Day(day).year() == Day(slot.day).year()
                {
                    let span = EbillSpan {
                        enrolled: day,
                        withdrawn: slot.withdrawn.map(|w| w.0),
                    };
                    break (c, day, email_bills(seed, p, &span, from11, to11));
                }
            },
        };
        taken[c as usize] = true;
        planned += u64::from(bills);
        spans.insert(
            c,
            EbillSpan {
                enrolled: day,
                withdrawn: slot.withdrawn.map(|w| w.0),
            },
        );
        events.push((c, day, slot.path, true));
        if let Some((w, path)) = slot.withdrawn {
            events.push((c, w, path, false));
        }
    }
    events.sort_by_key(|e| (e.1, e.0));
    Ebill {
        spans,
        events,
        email_bills_2011_target: target,
        email_bills_2011_planned: planned,
    }
}

pub fn ebill_rows(e: &Ebill, until: Date) -> Vec<EbillEvent> {
    let last = Day::from_date(until).0;
    e.events
        .iter()
        .filter(|ev| ev.1 <= last)
        .map(|&(c, day, path, enrolled)| EbillEvent {
            customer_id: customer_id(c as usize),
            day: Day(day),
            path,
            enrolled,
        })
        .collect()
}

/// Customers on the e-bill at the end of `day` (the store's definition).
pub fn on_at(e: &Ebill, day: i32) -> usize {
    e.spans.values().filter(|s| s.on(day)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portal_curve_meets_the_seed() {
        let c = PortalCurve::new();
        let end11 = c.at_end_of(Day::from_date(date(2011, 12, 31)).0);
        let end10 = c.at_end_of(Day::from_date(date(2010, 12, 31)).0);
        assert!((end11 - 130_000.0).abs() < 1.0, "{end11}");
        assert!((end11 / end10 - 1.31).abs() < 1e-6, "{}", end11 / end10);
    }
}
