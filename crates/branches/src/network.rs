//! The network at a date and its opening hours at an instant.
//!
//! [`Network::load`] reads the registry once and compiles every branch's schedule to minute
//! intervals per weekday, its dated exceptions and the Italian public holidays (closed unless an
//! exception says otherwise) into plain vectors and maps, so that open-now, next opening and
//! hours-per-week for the whole network cost one time-zone conversion plus integer comparisons.
//!
//! The compiled schedule reads local wall-clock minutes: for the one repeated hour of the autumn
//! fold (02:00-03:00) it answers for both occurrences, where `canali_domain::schedule::Schedule`
//! counts only the first; branches are never open at that hour, and the tests check both agree
//! over whole years of real branch hours.

use crate::{BranchError, Result};
use canali_domain::network::{BranchEventKind, BranchKind, Host, Operator};
use canali_domain::schedule::{WeeklyHours, italian_public_holidays, parse_intervals};
use canali_domain::{Day, ROME};
use canali_store::branches_store::BranchException;
use canali_store::{Branch, BranchEvent, Sot, Store};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use std::collections::{HashMap, HashSet};

/// Local minute intervals `[start, end)` of one day, 1440 = 24:00.
type Minutes = Vec<(u16, u16)>;

fn to_minutes(intervals: &[(Time, Time)]) -> Minutes {
    let m = |t: Time| {
        if t == Time::MAX {
            1440
        } else {
            t.hour() as u16 * 60 + t.minute() as u16
        }
    };
    intervals.iter().map(|&(a, b)| (m(a), m(b))).collect()
}

/// One branch's schedule, compiled.
#[derive(Debug, Clone)]
struct Compiled {
    weekly: [Minutes; 7],
    minutes_per_week: u32,
    /// Day -> that day's intervals (empty: closed).
    exceptions: HashMap<i32, Minutes>,
    /// First day the branch exists (None: before the registry's history).
    opened: Option<i32>,
    /// The day of its first `closed` event: from the end of that day it no longer exists (the
    /// rule of `canali_report::exists_at`), and it is not counted open on that day.
    closed: Option<i32>,
}

/// A branch with everything needed to answer questions about it.
#[derive(Debug, Clone)]
pub struct NetworkBranch {
    pub branch: Branch,
    pub services: String,
    /// The weekly hours in force (the template's when the branch follows one).
    pub hours: WeeklyHours,
    compiled: Compiled,
}

impl NetworkBranch {
    /// Whether the branch exists at the end of `day` (opened on or before it, not yet closed).
    pub fn exists_on(&self, day: Day) -> bool {
        let c = &self.compiled;
        c.opened.is_none_or(|o| o <= day.0) && c.closed.is_none_or(|x| x > day.0)
    }

    fn minutes_on(&self, day: i32, weekday: usize, holidays: &HashSet<i32>) -> &[(u16, u16)] {
        let c = &self.compiled;
        if let Some(m) = c.exceptions.get(&day) {
            return m;
        }
        if holidays.contains(&day) {
            return &[];
        }
        &c.weekly[weekday]
    }
}

/// The registry, loaded and compiled.
#[derive(Debug, Clone)]
pub struct Network {
    pub sots: Vec<Sot>,
    pub branches: Vec<NetworkBranch>,
    pub events: Vec<BranchEvent>,
    holidays: HashSet<i32>,
}

/// A branch's state at an instant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OpenNow {
    pub code: String,
    pub name: String,
    pub municipality: String,
    pub open: bool,
    /// When open: the local time it closes; when closed: the next opening (RFC 3339, Rome).
    pub until: Option<String>,
    pub next_opening: Option<String>,
    /// Open hours in the Monday-to-Sunday week of the instant (exceptions and holidays counted).
    pub hours_this_week: f64,
    pub hours_per_week: f64,
    /// Kilometres from the place asked for, when one was given.
    pub distance_km: Option<f64>,
}

/// One row of the network at a date.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BranchAt {
    pub code: String,
    pub name: String,
    pub municipality: String,
    pub sot: i64,
    pub kind: BranchKind,
    pub operator: Operator,
    pub contractor: Option<String>,
    pub host: Host,
    pub host_name: Option<String>,
    pub counters: i64,
    pub services: String,
    pub template: Option<String>,
    pub hours: String,
    pub hours_per_week: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KindCount {
    pub sot: i64,
    pub sot_name: String,
    pub kind: BranchKind,
    pub branches: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventAt {
    pub date: String,
    pub branch: String,
    pub name: String,
    pub kind: BranchEventKind,
    pub note: String,
}

/// The seed's questions at one date.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NetworkAt {
    pub date: String,
    pub total: usize,
    pub by_kind_and_territory: Vec<KindCount>,
    pub by_kind: Vec<(BranchKind, usize)>,
    /// Branches on a shared schedule template, by template name.
    pub by_template: Vec<(String, usize, f64)>,
    pub hosted_at_third_parties: usize,
    pub outsourced: usize,
    /// The events of the calendar year of the date, up to the date.
    pub events_of_year: Vec<EventAt>,
    pub branches: Vec<BranchAt>,
}

fn holidays_set() -> HashSet<i32> {
    (1990..=2100)
        .flat_map(italian_public_holidays)
        .map(|(d, _)| Day::from_date(d).0)
        .collect()
}

/// Minutes of `[from, to)` spent inside the intervals.
fn overlap(intervals: &[(u16, u16)], from: u16, to: u16) -> u32 {
    intervals
        .iter()
        .map(|&(a, b)| u32::from(b.min(to).saturating_sub(a.max(from))))
        .sum()
}

fn local_rfc3339(date: Date, minute: u16) -> String {
    let dt = if minute >= 1440 {
        date.tomorrow()
            .map(|d| d.at(0, 0, 0, 0))
            .unwrap_or(date.at(23, 59, 0, 0))
    } else {
        date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0)
    };
    dt.to_zoned(ROME.clone())
        .map(|z| z.strftime("%Y-%m-%dT%H:%M%:z").to_string())
        .unwrap_or_else(|_| dt.to_string())
}

/// Great-circle distance in kilometres.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

impl Network {
    /// Reads the registry and compiles it.
    pub async fn load(store: &Store) -> Result<Network> {
        let sots = store.figures().sots().await?;
        let branches = store.figures().branches().await?;
        let events = store.figures().branch_events().await?;
        let templates: HashMap<String, String> = store
            .network()
            .schedule_templates()
            .await?
            .into_iter()
            .map(|t| (t.name, t.hours))
            .collect();
        let exceptions = store.network().branch_exceptions().await?;
        let services = store.network().branch_services().await?;
        Network::build(sots, branches, events, &templates, &exceptions, &services)
    }

    /// Compiles a registry held in memory.
    pub fn build(
        sots: Vec<Sot>,
        branches: Vec<Branch>,
        events: Vec<BranchEvent>,
        templates: &HashMap<String, String>,
        exceptions: &[BranchException],
        services: &HashMap<String, String>,
    ) -> Result<Network> {
        let mut out = Vec::with_capacity(branches.len());
        for b in branches {
            let text = b
                .schedule_template
                .as_ref()
                .and_then(|t| templates.get(t))
                .unwrap_or(&b.hours);
            let hours = WeeklyHours::parse(text)
                .map_err(|e| BranchError::Invalid(format!("branch {}: {e}", b.code)))?;
            let weekly: [Minutes; 7] = std::array::from_fn(|i| {
                to_minutes(hours.intervals(
                    jiff::civil::Weekday::from_monday_zero_offset(i as i8).expect("weekday"),
                ))
            });
            let mut exc = HashMap::new();
            for x in exceptions.iter().filter(|x| x.branch == b.code) {
                let m = match &x.hours {
                    None => Vec::new(),
                    Some(h) => to_minutes(&parse_intervals(h).map_err(|e| {
                        BranchError::Invalid(format!("branch {} on {}: {e}", b.code, x.day.date()))
                    })?),
                };
                exc.insert(x.day.0, m);
            }
            let of_branch = || events.iter().filter(|e| e.branch == b.code);
            let opened = of_branch()
                .filter(|e| e.kind == BranchEventKind::Opened)
                .map(|e| e.day.0)
                .min();
            let closed = of_branch()
                .filter(|e| e.kind == BranchEventKind::Closed)
                .map(|e| e.day.0)
                .min();
            out.push(NetworkBranch {
                services: services.get(&b.code).cloned().unwrap_or_default(),
                compiled: Compiled {
                    weekly,
                    minutes_per_week: hours.minutes_per_week(),
                    exceptions: exc,
                    opened,
                    closed,
                },
                hours,
                branch: b,
            });
        }
        Ok(Network {
            sots,
            branches: out,
            events,
            holidays: holidays_set(),
        })
    }

    /// Which branches are open at `ts` and, for each, until when or its next opening, with its
    /// hours this week; `near` sorts by distance from a point.
    pub fn open_now(&self, ts: Timestamp, near: Option<(f64, f64)>) -> Vec<OpenNow> {
        let z = ts.to_zoned(ROME.clone());
        let date = z.date();
        let day = Day::from_date(date).0;
        let weekday = date.weekday().to_monday_zero_offset() as usize;
        let minute = z.hour() as u16 * 60 + z.minute() as u16;
        let monday = day - weekday as i32;
        let mut rows: Vec<OpenNow> = self
            .branches
            .iter()
            .filter(|b| b.exists_on(Day(day)))
            .map(|b| {
                let today = b.minutes_on(day, weekday, &self.holidays);
                let current = today.iter().find(|&&(a, e)| a <= minute && minute < e);
                let (until, next_opening) = match current {
                    Some(&(_, end)) => (Some(local_rfc3339(date, end)), None),
                    None => (None, self.next_opening(b, day, weekday, minute)),
                };
                let week: u32 = (0..7)
                    .filter(|&i| b.exists_on(Day(monday + i)))
                    .map(|i| {
                        overlap(
                            b.minutes_on(monday + i, i as usize, &self.holidays),
                            0,
                            1440,
                        )
                    })
                    .sum();
                OpenNow {
                    code: b.branch.code.clone(),
                    name: b.branch.name.clone(),
                    municipality: b.branch.municipality.clone(),
                    open: current.is_some(),
                    until,
                    next_opening,
                    hours_this_week: f64::from(week) / 60.0,
                    hours_per_week: f64::from(b.compiled.minutes_per_week) / 60.0,
                    distance_km: near
                        .map(|p| distance_km(p, (b.branch.latitude, b.branch.longitude))),
                }
            })
            .collect();
        if near.is_some() {
            rows.sort_by(|a, b| {
                a.distance_km
                    .partial_cmp(&b.distance_km)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
        rows
    }

    fn next_opening(
        &self,
        b: &NetworkBranch,
        day: i32,
        weekday: usize,
        minute: u16,
    ) -> Option<String> {
        for k in 0..=366 {
            let d = day + k;
            if !b.exists_on(Day(d)) {
                if b.compiled.closed.is_some_and(|c| c <= d) {
                    return None;
                }
                continue;
            }
            let wd = (weekday + k as usize) % 7;
            let start = b
                .minutes_on(d, wd, &self.holidays)
                .iter()
                .map(|&(a, _)| a)
                .find(|&a| k > 0 || a > minute);
            if let Some(a) = start {
                return Some(local_rfc3339(Day(d).date(), a));
            }
        }
        None
    }

    /// The coordinates of a municipality: the mean of its branches' (case-insensitive).
    pub fn municipality_point(&self, name: &str) -> Option<(f64, f64)> {
        let pts: Vec<(f64, f64)> = self
            .branches
            .iter()
            .filter(|b| b.branch.municipality.eq_ignore_ascii_case(name.trim()))
            .map(|b| (b.branch.latitude, b.branch.longitude))
            .collect();
        (!pts.is_empty()).then(|| {
            let n = pts.len() as f64;
            (
                pts.iter().map(|p| p.0).sum::<f64>() / n,
                pts.iter().map(|p| p.1).sum::<f64>() / n,
            )
        })
    }

    /// The network at the end of `date`: counts by kind and territory, templates, third-party
    /// hosts, outsourced branches and the year's events up to the date.
    pub fn at(&self, date: Date) -> NetworkAt {
        let day = Day::from_date(date);
        let open: Vec<&NetworkBranch> = self.branches.iter().filter(|b| b.exists_on(day)).collect();
        let sot_name = |code: i64| {
            self.sots
                .iter()
                .find(|s| s.code == code)
                .map_or_else(|| code.to_string(), |s| s.name.clone())
        };
        let mut by_kt: Vec<KindCount> = Vec::new();
        for b in &open {
            match by_kt
                .iter_mut()
                .find(|k| k.sot == b.branch.sot && k.kind == b.branch.kind)
            {
                Some(k) => k.branches += 1,
                None => by_kt.push(KindCount {
                    sot: b.branch.sot,
                    sot_name: sot_name(b.branch.sot),
                    kind: b.branch.kind,
                    branches: 1,
                }),
            }
        }
        by_kt.sort_by_key(|k| (k.sot, k.kind.code()));
        let by_kind = BranchKind::ALL
            .iter()
            .map(|&k| (k, open.iter().filter(|b| b.branch.kind == k).count()))
            .collect();
        let mut by_template: Vec<(String, usize, f64)> = Vec::new();
        for b in &open {
            if let Some(t) = &b.branch.schedule_template {
                let h = b.hours.hours_per_week();
                match by_template.iter_mut().find(|x| &x.0 == t) {
                    Some(x) => x.1 += 1,
                    None => by_template.push((t.clone(), 1, h)),
                }
            }
        }
        by_template.sort_by(|a, b| a.0.cmp(&b.0));
        let year_start = Day::from_date(Date::new(date.year(), 1, 1).expect("January 1st"));
        let name_of = |code: &str| {
            self.branches
                .iter()
                .find(|b| b.branch.code == code)
                .map_or_else(String::new, |b| b.branch.name.clone())
        };
        let events_of_year = self
            .events
            .iter()
            .filter(|e| e.day >= year_start && e.day <= day)
            .map(|e| EventAt {
                date: e.day.date().to_string(),
                branch: e.branch.clone(),
                name: name_of(&e.branch),
                kind: e.kind,
                note: e.note.clone(),
            })
            .collect();
        NetworkAt {
            date: date.to_string(),
            total: open.len(),
            by_kind_and_territory: by_kt,
            by_kind,
            by_template,
            hosted_at_third_parties: open
                .iter()
                .filter(|b| b.branch.host == Host::ThirdParty)
                .count(),
            outsourced: open
                .iter()
                .filter(|b| b.branch.operator == Operator::Outsourced)
                .count(),
            events_of_year,
            branches: open
                .iter()
                .map(|b| BranchAt {
                    code: b.branch.code.clone(),
                    name: b.branch.name.clone(),
                    municipality: b.branch.municipality.clone(),
                    sot: b.branch.sot,
                    kind: b.branch.kind,
                    operator: b.branch.operator,
                    contractor: b.branch.contractor.clone(),
                    host: b.branch.host,
                    host_name: b.branch.host_name.clone(),
                    counters: b.branch.counters,
                    services: b.services.clone(),
                    template: b.branch.schedule_template.clone(),
                    hours: b.hours.to_string(),
                    hours_per_week: b.hours.hours_per_week(),
                })
                .collect(),
        }
    }
}
