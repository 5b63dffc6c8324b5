//! Weekly opening hours in Europe/Rome, with dated exceptions (holidays, strikes, late openings).
//!
//! The text form, stored in the database and used in import files, is a `;`-separated list of
//! day groups, each `DAYS INTERVALS`: DAYS is a comma list of days or day ranges among
//! `mo tu we th fr sa su`, INTERVALS a comma list of `HH:MM-HH:MM`. The seed's homogeneous
//! 33-hour week is `mo-th 08:00-15:00; fr 08:00-13:00`; the empty string is never open.
//!
//! Intervals are half-open, `[start, end)`, in local time. `24:00` may end an interval and is
//! held as [`Time::MAX`], so that a channel open round the clock is `mo-su 00:00-24:00`.
//!
//! When a schedule meets real instants ([`Schedule::is_open_at`], [`Schedule::next_opening`],
//! [`Schedule::next_closing`], [`Schedule::open_minutes_between`]), each local boundary becomes
//! an instant in Europe/Rome with jiff's *compatible* disambiguation:
//! - a time in the spring-forward gap (02:00-03:00 on the last Sunday of March) moves forward by
//!   the gap, so 02:30 means 03:30 CEST and an interval 02:00-03:00 is empty that day;
//! - a time repeated in the autumn fold means its first, summer-time occurrence, so 01:00-04:00
//!   lasts four real hours that day and 02:00-02:30 is open during the first 02:00-02:30 only.
//!
//! An interval is thus one stretch of real time, and open minutes are elapsed minutes.

use crate::day::ROME;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::{Timestamp, Zoned};
use std::fmt;
use std::str::FromStr;

/// Local opening and closing time; the end is exclusive and [`Time::MAX`] stands for 24:00.
pub type Interval = (Time, Time);

const DAY_NAMES: [&str; 7] = ["mo", "tu", "we", "th", "fr", "sa", "su"];

/// How far ahead [`Schedule::next_opening`] and [`Schedule::next_closing`] look.
const HORIZON_DAYS: usize = 366;

/// What is wrong with some opening hours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursProblem {
    #[error("no days before the hours")]
    NoDays,
    #[error("'{0}' is not a day (mo tu we th fr sa su)")]
    UnknownDay(String),
    #[error("the day range '{0}' runs backwards")]
    BackwardDayRange(String),
    #[error("no hours after the days")]
    NoIntervals,
    #[error("'{0}' is not an interval HH:MM-HH:MM")]
    NotAnInterval(String),
    #[error("{0} is not a time of day")]
    NotATime(String),
    #[error("{0} is not a whole minute")]
    NotWholeMinute(String),
    #[error("{start}-{end} does not end after it starts")]
    EndNotAfterStart { start: String, end: String },
    #[error("{first} and {second} overlap")]
    Overlap { first: String, second: String },
    #[error("{first} and {second} overlap on {day}")]
    OverlapOn {
        day: &'static str,
        first: String,
        second: String,
    },
}

/// Opening hours that cannot be accepted, saying where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// In the text form; groups count from 1.
    #[error("opening hours '{text}': {problem} (group {group})")]
    Text {
        text: String,
        group: usize,
        problem: HoursProblem,
    },
    /// In a bare interval list, see [`parse_intervals`].
    #[error("opening intervals '{text}': {problem}")]
    IntervalsText { text: String, problem: HoursProblem },
    /// In intervals given as values; `on` is a day name or a date.
    #[error("opening hours on {on}: {problem}")]
    Intervals { on: String, problem: HoursProblem },
    #[error("two exceptions on {0}")]
    DuplicateException(Date),
}

fn format_time(t: Time) -> String {
    if t == Time::MAX {
        "24:00".to_string()
    } else {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }
}

fn format_interval((start, end): Interval) -> String {
    format!("{}-{}", format_time(start), format_time(end))
}

fn format_intervals(intervals: &[Interval]) -> String {
    intervals
        .iter()
        .map(|&i| format_interval(i))
        .collect::<Vec<_>>()
        .join(",")
}

/// Minutes since local midnight, 24:00 being 1440.
fn minute_of_day(t: Time) -> u32 {
    if t == Time::MAX {
        1440
    } else {
        t.hour() as u32 * 60 + t.minute() as u32
    }
}

/// `H:MM` or `HH:MM`; `24:00` only when it may end an interval.
fn parse_time(s: &str, is_end: bool) -> Result<Time, HoursProblem> {
    let bad = || HoursProblem::NotATime(s.to_string());
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let digits = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
    if !(1..=2).contains(&h.len()) || m.len() != 2 || !digits(h) || !digits(m) {
        return Err(bad());
    }
    let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if is_end && (h, m) == (24, 0) {
        return Ok(Time::MAX);
    }
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

fn parse_interval(s: &str) -> Result<Interval, HoursProblem> {
    let (start, end) = s
        .split_once('-')
        .ok_or_else(|| HoursProblem::NotAnInterval(s.to_string()))?;
    Ok((
        parse_time(start.trim(), false)?,
        parse_time(end.trim(), true)?,
    ))
}

fn parse_interval_list(s: &str) -> Result<Vec<Interval>, HoursProblem> {
    s.split(',').map(|i| parse_interval(i.trim())).collect()
}

/// Day indices (Monday = 0) named by a comma list of days and ranges.
fn parse_days(s: &str) -> Result<[bool; 7], HoursProblem> {
    if s.is_empty() {
        return Err(HoursProblem::NoDays);
    }
    let day = |name: &str| {
        let name = name.trim();
        DAY_NAMES
            .iter()
            .position(|d| d.eq_ignore_ascii_case(name))
            .ok_or_else(|| HoursProblem::UnknownDay(name.to_string()))
    };
    let mut days = [false; 7];
    for item in s.split(',').map(str::trim) {
        let (first, last) = match item.split_once('-') {
            Some((a, b)) => (day(a)?, day(b)?),
            None => (day(item)?, day(item)?),
        };
        if first > last {
            return Err(HoursProblem::BackwardDayRange(item.to_string()));
        }
        days[first..=last].iter_mut().for_each(|d| *d = true);
    }
    Ok(days)
}

/// Checks intervals, sorts them and joins those that touch; refuses overlaps.
fn normalize(mut intervals: Vec<Interval>) -> Result<Vec<Interval>, HoursProblem> {
    for &(start, end) in &intervals {
        if start == Time::MAX {
            return Err(HoursProblem::NotATime("24:00".to_string()));
        }
        for t in [start, end] {
            let whole = t.second() == 0 && t.subsec_nanosecond() == 0;
            if !whole && t != Time::MAX {
                return Err(HoursProblem::NotWholeMinute(t.to_string()));
            }
        }
        if end <= start {
            return Err(HoursProblem::EndNotAfterStart {
                start: format_time(start),
                end: format_time(end),
            });
        }
    }
    intervals.sort();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start < last.1 => {
                return Err(HoursProblem::Overlap {
                    first: format_interval(*last),
                    second: format_interval((start, end)),
                });
            }
            Some(last) if start == last.1 => last.1 = end,
            _ => merged.push((start, end)),
        }
    }
    Ok(merged)
}

/// Parses a bare comma list of intervals such as `08:00-12:00,14:00-16:00`, e.g. the hours of
/// an exception in an import file; the result is sorted, with touching intervals joined.
pub fn parse_intervals(text: &str) -> Result<Vec<Interval>, ScheduleError> {
    let err = |problem| ScheduleError::IntervalsText {
        text: text.to_string(),
        problem,
    };
    if text.trim().is_empty() {
        return Err(err(HoursProblem::NoIntervals));
    }
    parse_interval_list(text).and_then(normalize).map_err(err)
}

/// Opening hours for each day of the week, in Europe/Rome local time.
///
/// Each day's intervals are sorted, disjoint and not touching (touching ones are joined).
/// Serializes as its text form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WeeklyHours {
    days: [Vec<Interval>; 7],
}

impl WeeklyHours {
    /// Never open.
    pub fn closed() -> WeeklyHours {
        WeeklyHours::default()
    }

    /// Parses the text form, e.g. `mo-th 08:00-15:00; fr 08:00-13:00`.
    pub fn parse(text: &str) -> Result<WeeklyHours, ScheduleError> {
        let mut days: [Vec<Interval>; 7] = Default::default();
        for (n, group) in text.split(';').map(str::trim).enumerate() {
            if group.is_empty() {
                continue;
            }
            let err = |problem| ScheduleError::Text {
                text: text.to_string(),
                group: n + 1,
                problem,
            };
            // Day names have no digits: the hours start at the first one.
            let split = group
                .find(|c: char| c.is_ascii_digit())
                .ok_or_else(|| err(HoursProblem::NoIntervals))?;
            let (day_part, hours_part) = group.split_at(split);
            let named = parse_days(day_part.trim()).map_err(err)?;
            let intervals = parse_interval_list(hours_part).map_err(err)?;
            for (day, _) in named.iter().enumerate().filter(|(_, named)| **named) {
                let mut all = std::mem::take(&mut days[day]);
                all.extend_from_slice(&intervals);
                days[day] = normalize(all).map_err(|problem| match problem {
                    HoursProblem::Overlap { first, second } => err(HoursProblem::OverlapOn {
                        day: DAY_NAMES[day],
                        first,
                        second,
                    }),
                    other => err(other),
                })?;
            }
        }
        Ok(WeeklyHours { days })
    }

    /// Builds the week from each day's intervals, Monday first.
    pub fn from_days(days: [Vec<Interval>; 7]) -> Result<WeeklyHours, ScheduleError> {
        let mut normalized: [Vec<Interval>; 7] = Default::default();
        for (i, intervals) in days.into_iter().enumerate() {
            normalized[i] = normalize(intervals).map_err(|problem| ScheduleError::Intervals {
                on: DAY_NAMES[i].to_string(),
                problem,
            })?;
        }
        Ok(WeeklyHours { days: normalized })
    }

    pub fn intervals(&self, weekday: Weekday) -> &[Interval] {
        &self.days[weekday.to_monday_zero_offset() as usize]
    }

    pub fn minutes_per_week(&self) -> u32 {
        self.days
            .iter()
            .flatten()
            .map(|&(start, end)| minute_of_day(end) - minute_of_day(start))
            .sum()
    }

    pub fn hours_per_week(&self) -> f64 {
        f64::from(self.minutes_per_week()) / 60.0
    }

    pub fn is_never_open(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

/// The canonical text form: one group per distinct set of intervals, in weekday order,
/// runs of three or more days written as ranges.
impl fmt::Display for WeeklyHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<String> = self
            .groups()
            .into_iter()
            .map(|(days, intervals)| format!("{} {intervals}", format_days(&days)))
            .collect();
        f.write_str(&groups.join("; "))
    }
}

impl WeeklyHours {
    /// The days sharing the same intervals (Monday = 0), in weekday order of their first day,
    /// with those intervals written `08:00-12:00,14:00-16:00`: the groups of the text form,
    /// for [`crate::locale::weekly_hours`] to name the days in a language.
    pub fn groups(&self) -> Vec<(Vec<usize>, String)> {
        let mut done = [false; 7];
        let mut groups = Vec::new();
        for d in 0..7 {
            if done[d] || self.days[d].is_empty() {
                continue;
            }
            let same: Vec<usize> = (d..7).filter(|&e| self.days[e] == self.days[d]).collect();
            same.iter().for_each(|&e| done[e] = true);
            groups.push((same, format_intervals(&self.days[d])));
        }
        groups
    }
}

/// `mo-th`, `mo,we,fr`, `sa,su`: ranges for runs of three or more days.
fn format_days(days: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && days[j + 1] == days[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}-{}", DAY_NAMES[days[i]], DAY_NAMES[days[j]]));
        } else {
            parts.extend(days[i..=j].iter().map(|&d| DAY_NAMES[d].to_string()));
        }
        i = j + 1;
    }
    parts.join(",")
}

impl FromStr for WeeklyHours {
    type Err = ScheduleError;
    fn from_str(s: &str) -> Result<WeeklyHours, ScheduleError> {
        WeeklyHours::parse(s)
    }
}

impl TryFrom<String> for WeeklyHours {
    type Error = ScheduleError;
    fn try_from(s: String) -> Result<WeeklyHours, ScheduleError> {
        WeeklyHours::parse(&s)
    }
}

impl From<WeeklyHours> for String {
    fn from(hours: WeeklyHours) -> String {
        hours.to_string()
    }
}

/// Different hours on one date: a holiday closure, a strike, an extraordinary opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleException {
    pub date: Date,
    /// `None`: closed all day.
    pub hours: Option<Vec<Interval>>,
    pub note: String,
}

impl ScheduleException {
    pub fn closed(date: Date, note: impl Into<String>) -> ScheduleException {
        ScheduleException {
            date,
            hours: None,
            note: note.into(),
        }
    }

    pub fn open(date: Date, hours: Vec<Interval>, note: impl Into<String>) -> ScheduleException {
        ScheduleException {
            date,
            hours: Some(hours),
            note: note.into(),
        }
    }
}

/// Weekly hours plus dated exceptions, which win over the week on their date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    weekly: WeeklyHours,
    /// Sorted by date, at most one per date.
    exceptions: Vec<ScheduleException>,
}

impl From<WeeklyHours> for Schedule {
    fn from(weekly: WeeklyHours) -> Schedule {
        Schedule {
            weekly,
            exceptions: Vec::new(),
        }
    }
}

impl Schedule {
    /// Checks the exceptions' hours (sorting them, joining touching intervals, storing an
    /// empty list as `None`) and refuses two exceptions on one date.
    pub fn new(
        weekly: WeeklyHours,
        exceptions: Vec<ScheduleException>,
    ) -> Result<Schedule, ScheduleError> {
        let mut schedule = Schedule::from(weekly);
        for exception in exceptions {
            schedule.add_exception(exception)?;
        }
        Ok(schedule)
    }

    pub fn add_exception(&mut self, mut exception: ScheduleException) -> Result<(), ScheduleError> {
        if let Some(hours) = exception.hours.take() {
            let hours = normalize(hours).map_err(|problem| ScheduleError::Intervals {
                on: exception.date.to_string(),
                problem,
            })?;
            exception.hours = Some(hours).filter(|h| !h.is_empty());
        }
        match self
            .exceptions
            .binary_search_by_key(&exception.date, |e| e.date)
        {
            Ok(_) => Err(ScheduleError::DuplicateException(exception.date)),
            Err(at) => {
                self.exceptions.insert(at, exception);
                Ok(())
            }
        }
    }

    /// Adds a closure for each Italian public holiday of `years` that has no exception yet.
    pub fn with_public_holidays(mut self, years: impl IntoIterator<Item = i16>) -> Schedule {
        for year in years {
            for (date, name) in italian_public_holidays(year) {
                if self.exception_on(date).is_none() {
                    self.add_exception(ScheduleException::closed(date, name))
                        .expect("a closure on a free date");
                }
            }
        }
        self
    }

    pub fn weekly(&self) -> &WeeklyHours {
        &self.weekly
    }

    pub fn exceptions(&self) -> &[ScheduleException] {
        &self.exceptions
    }

    pub fn exception_on(&self, date: Date) -> Option<&ScheduleException> {
        self.exceptions
            .binary_search_by_key(&date, |e| e.date)
            .ok()
            .map(|i| &self.exceptions[i])
    }

    fn local_intervals(&self, date: Date) -> &[Interval] {
        match self.exception_on(date) {
            Some(exception) => exception.hours.as_deref().unwrap_or(&[]),
            None => self.weekly.intervals(date.weekday()),
        }
    }

    /// The local opening intervals of a date: its exception's if it has one, else its weekday's.
    pub fn intervals_on(&self, date: Date) -> Vec<Interval> {
        self.local_intervals(date).to_vec()
    }

    /// A date's intervals as real instants, sorted and with overlapping or touching ones joined
    /// (compatible disambiguation can make a gap time land inside a later interval).
    fn spans_on(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        let mut spans: Vec<(Timestamp, Timestamp)> = self
            .local_intervals(date)
            .iter()
            .filter_map(|&(start, end)| Some((instant(date, start)?, instant(date, end)?)))
            .filter(|(start, end)| start < end)
            .collect();
        spans.sort();
        let mut merged: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }

    /// Whether the schedule is open at an instant, judged on the Europe/Rome local date.
    pub fn is_open_at(&self, ts: Timestamp) -> bool {
        let today = local_date(ts);
        // Yesterday's spans end by today's midnight; looking at them costs little and keeps
        // this right whatever the time zone's rules.
        [today.yesterday().ok(), Some(today)]
            .into_iter()
            .flatten()
            .any(|date| self.spans_on(date).iter().any(|&(s, e)| s <= ts && ts < e))
    }

    /// The first instant at or after `ts` when the schedule is open (`ts` itself if open now),
    /// looking up to 366 days ahead.
    pub fn next_opening(&self, ts: Timestamp) -> Option<Zoned> {
        let today = local_date(ts);
        let mut date = today.yesterday().unwrap_or(today);
        for _ in 0..=HORIZON_DAYS + 1 {
            if let Some(&(start, _)) = self.spans_on(date).iter().find(|&&(_, end)| end > ts) {
                return Some(start.max(ts).to_zoned(ROME.clone()));
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// When the schedule closes if it is open at `ts`: the end of the current opening, which may
    /// run across midnight (`24:00` then `00:00`). `None` if closed at `ts`, or if it stays open
    /// for more than 366 days.
    pub fn next_closing(&self, ts: Timestamp) -> Option<Zoned> {
        let today = local_date(ts);
        let mut date = today.yesterday().unwrap_or(today);
        let mut end: Option<Timestamp> = None;
        for _ in 0..=HORIZON_DAYS + 1 {
            for (s, e) in self.spans_on(date) {
                match end {
                    None if s <= ts && ts < e => end = Some(e),
                    Some(current) if s <= current && e > current => end = Some(e),
                    _ => {}
                }
            }
            let next = date.tomorrow().ok()?;
            match end {
                // Later days start after the current end: nothing can prolong it.
                Some(current) if instant(next, Time::midnight())? > current => {
                    return Some(current.to_zoned(ROME.clone()));
                }
                None if date >= today => return None,
                _ => {}
            }
            date = next;
        }
        None
    }

    /// Real minutes open from the start of `from` to the end of `to` (both included);
    /// 0 when `to` is before `from`.
    pub fn open_minutes_between(&self, from: Date, to: Date) -> u32 {
        let mut seconds: i64 = 0;
        let mut date = from;
        while date <= to {
            seconds += self
                .spans_on(date)
                .iter()
                .map(|&(s, e)| e.as_second() - s.as_second())
                .sum::<i64>();
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        u32::try_from(seconds / 60).unwrap_or(u32::MAX)
    }
}

fn local_date(ts: Timestamp) -> Date {
    ts.to_zoned(ROME.clone()).date()
}

/// The instant of a local time in Europe/Rome (compatible disambiguation; 24:00 is the next
/// midnight); `None` beyond jiff's range.
fn instant(date: Date, time: Time) -> Option<Timestamp> {
    let dt = if time == Time::MAX {
        DateTime::from_parts(date.tomorrow().ok()?, Time::midnight())
    } else {
        DateTime::from_parts(date, time)
    };
    ROME.to_ambiguous_timestamp(dt).compatible().ok()
}

/// Easter Sunday of a (proleptic Gregorian) year, by the anonymous Gregorian algorithm.
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, month as i8, day as i8).expect("Easter falls in March or April")
}

/// Italy's national public holidays of a year, as in force since 2001, sorted by date.
///
/// Easter Monday can share its date with 25 April (as in 2011): both are listed.
pub fn italian_public_holidays(year: i16) -> Vec<(Date, &'static str)> {
    let on = |month: i8, day: i8| Date::new(year, month, day).expect("a fixed holiday");
    let easter_monday = easter_sunday(year)
        .tomorrow()
        .expect("Easter Monday within jiff's range");
    let mut holidays = vec![
        (on(1, 1), "Capodanno"),
        (on(1, 6), "Epifania"),
        (easter_monday, "Lunedì dell'Angelo"),
        (on(4, 25), "Festa della Liberazione"),
        (on(5, 1), "Festa del Lavoro"),
        (on(6, 2), "Festa della Repubblica"),
        (on(8, 15), "Ferragosto"),
        (on(11, 1), "Ognissanti"),
        (on(12, 8), "Immacolata Concezione"),
        (on(12, 25), "Natale"),
        (on(12, 26), "Santo Stefano"),
    ];
    holidays.sort_by_key(|&(date, _)| date);
    holidays
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
