//! Trunk occupancy and the accessibility indicator AS: `canali import trunk-occupancy FILE`
//! reads intervals of a line's channels and busy channels, and AS is the share of the line's
//! open time (settings `open_hours`, Europe/Rome) with at least one free channel, over the open
//! time the occupancy data covers.
//!
//! The file is CSV with a header row `line,start,end,channels,busy` (columns in any order; `;`
//! also separates; without a header the columns are in that order):
//! - `line`: `residential` or `business` (or `residenziale`, `aziende`);
//! - `start`, `end`: the interval `[start, end)`, as RFC 3339 with an offset
//!   (`2011-03-07T08:00:00+01:00`), a local Europe/Rome time (`2011-03-07 08:00[:00]`), or
//!   seconds since the epoch;
//! - `channels`: the channels (lines) the trunk has, at least 1; `busy`: how many were busy
//!   during the whole interval, 0 to `channels`.
//!
//! A second of open time is *covered* when an interval covers it, and *without a free line*
//! when an interval covering it has every channel busy (when intervals overlap and disagree,
//! the busy one wins).

use crate::settings::{CallCenterSettings, Line};
use crate::{Error, Result};
use canali_domain::ROME;
use canali_domain::schedule::Schedule;
use canali_store::Store;
use canali_store::occupancy::OccupancyInterval;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use serde::Serialize;
use std::fmt;
use std::path::Path;

/// Open time, the part covered by occupancy data, and the covered part with a free line, in
/// seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Access {
    pub open_seconds: i64,
    pub covered_seconds: i64,
    pub free_seconds: i64,
}

impl Access {
    /// AS, %: covered open time with a free line over covered open time.
    pub fn as_pct(&self) -> Option<f64> {
        (self.covered_seconds > 0)
            .then(|| self.free_seconds as f64 * 100.0 / self.covered_seconds as f64)
    }

    /// The share of the open time covered by occupancy data, %.
    pub fn coverage_pct(&self) -> Option<f64> {
        (self.open_seconds > 0)
            .then(|| self.covered_seconds as f64 * 100.0 / self.open_seconds as f64)
    }

    pub fn add(&mut self, other: &Access) {
        self.open_seconds += other.open_seconds;
        self.covered_seconds += other.covered_seconds;
        self.free_seconds += other.free_seconds;
    }
}

/// The lines' open time as a schedule: the weekly hours, closed on public holidays when the
/// settings say so.
pub fn schedule(settings: &CallCenterSettings, years: impl IntoIterator<Item = i16>) -> Schedule {
    let s = Schedule::from(settings.open_hours.clone());
    if settings.closed_on_public_holidays {
        s.with_public_holidays(years)
    } else {
        s
    }
}

/// Seconds since the epoch of a local Europe/Rome time (compatible disambiguation, as the
/// schedules use); `Time::MAX` is the next midnight.
fn local_seconds(date: Date, time: Time) -> Option<i64> {
    let dt = if time == Time::MAX {
        DateTime::from_parts(date.tomorrow().ok()?, Time::midnight())
    } else {
        DateTime::from_parts(date, time)
    };
    Some(
        ROME.to_ambiguous_timestamp(dt)
            .compatible()
            .ok()?
            .as_second(),
    )
}

/// The start of a local date and of the next one, in seconds since the epoch.
pub fn day_bounds(date: Date) -> Result<(i64, i64)> {
    let bad = || Error::Invalid(format!("{date} is out of range"));
    let start = local_seconds(date, Time::midnight()).ok_or_else(bad)?;
    let end = local_seconds(date, Time::MAX).ok_or_else(bad)?;
    Ok((start, end))
}

/// Total length of the union of `spans`.
fn union_length(mut spans: Vec<(i64, i64)>) -> i64 {
    spans.sort_unstable();
    let mut total = 0;
    let mut current: Option<(i64, i64)> = None;
    for (s, e) in spans {
        match &mut current {
            Some((_, ce)) if s <= *ce => *ce = (*ce).max(e),
            _ => {
                if let Some((cs, ce)) = current {
                    total += ce - cs;
                }
                current = Some((s, e));
            }
        }
    }
    if let Some((cs, ce)) = current {
        total += ce - cs;
    }
    total
}

/// A date's access: its open spans (from `schedule`) against `intervals` (any order; those
/// outside the date are ignored).
pub fn access_on(schedule: &Schedule, date: Date, intervals: &[OccupancyInterval]) -> Access {
    let mut open: Vec<(i64, i64)> = schedule
        .intervals_on(date)
        .iter()
        .filter_map(|&(s, e)| Some((local_seconds(date, s)?, local_seconds(date, e)?)))
        .filter(|(s, e)| s < e)
        .collect();
    open.sort_unstable();
    let open_seconds = union_length(open.clone());
    let mut covered = Vec::new();
    let mut full = Vec::new();
    for &(os, oe) in &open {
        for i in intervals {
            let (s, e) = (i.start_at.max(os), i.end_at.min(oe));
            if s < e {
                covered.push((s, e));
                if i.busy >= i.channels {
                    full.push((s, e));
                }
            }
        }
    }
    let covered_seconds = union_length(covered);
    Access {
        open_seconds,
        covered_seconds,
        free_seconds: covered_seconds - union_length(full),
    }
}

/// A line's access on each date from `first` to `last`, from the store.
pub async fn access_by_day(
    store: &Store,
    line: Line,
    first: Date,
    last: Date,
    settings: &CallCenterSettings,
) -> Result<Vec<(Date, Access)>> {
    let (from, _) = day_bounds(first)?;
    let (_, to) = day_bounds(last)?;
    let intervals = store.calls().trunk_occupancy(line.name(), from, to).await?;
    let schedule = schedule(settings, first.year()..=last.year());
    let mut out = Vec::new();
    let mut d = first;
    while d <= last {
        let (ds, de) = day_bounds(d)?;
        // Intervals are sorted by start: those that may overlap the day.
        let lo = intervals.partition_point(|i| i.start_at < ds - 86_400 * 31);
        let hi = intervals.partition_point(|i| i.start_at < de);
        let day: Vec<OccupancyInterval> = intervals[lo..hi]
            .iter()
            .filter(|i| i.end_at > ds)
            .cloned()
            .collect();
        out.push((d, access_on(&schedule, d, &day)));
        d = d.tomorrow().map_err(|e| Error::Invalid(e.to_string()))?;
    }
    Ok(out)
}

/// A line's access over `first..=last`.
pub async fn access(
    store: &Store,
    line: Line,
    first: Date,
    last: Date,
    settings: &CallCenterSettings,
) -> Result<Access> {
    let mut total = Access::default();
    for (_, a) in access_by_day(store, line, first, last, settings).await? {
        total.add(&a);
    }
    Ok(total)
}

// ---- the feed ------------------------------------------------------------------------------

/// A line of the file that was skipped: its number (from 1), the field, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadLine {
    pub line: usize,
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

const FIELDS: [&str; 5] = ["line", "start", "end", "channels", "busy"];

/// A time of the feed: RFC 3339 with an offset, a local Europe/Rome time, or epoch seconds.
pub fn parse_time(s: &str) -> std::result::Result<i64, String> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| format!("'{t}' is out of range"));
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts.as_second());
    }
    let dt: DateTime = t.parse().map_err(|_| {
        format!(
            "'{t}' is not a time like 2011-03-07 08:00, 2011-03-07T08:00:00+01:00 or epoch seconds"
        )
    })?;
    ROME.to_ambiguous_timestamp(dt)
        .compatible()
        .map(|ts| ts.as_second())
        .map_err(|e| format!("'{t}': {e}"))
}

/// Parses a feed: the intervals of its good lines, and the bad lines.
pub fn parse(text: &str) -> (Vec<OccupancyInterval>, Vec<BadLine>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    // Column index of each field, in FIELDS order.
    let mut columns: [usize; 5] = [0, 1, 2, 3, 4];
    let mut sep = ',';
    let mut first = true;
    for (n, raw) in text.lines().enumerate() {
        let number = n + 1;
        let l = raw.trim().trim_start_matches('\u{feff}');
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if first {
            first = false;
            if !l.contains(',') && l.contains(';') {
                sep = ';';
            }
            let names: Vec<String> = l
                .split(sep)
                .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
                .collect();
            if names.iter().any(|n| n == "line") {
                for (i, field) in FIELDS.iter().enumerate() {
                    match names.iter().position(|n| n == field) {
                        Some(p) => columns[i] = p,
                        None => {
                            bad.push(BadLine {
                                line: number,
                                field,
                                message: format!(
                                    "the header has no '{field}' column (expected {})",
                                    FIELDS.join(",")
                                ),
                            });
                            return (Vec::new(), bad);
                        }
                    }
                }
                continue;
            }
        }
        let fields: Vec<&str> = l.split(sep).map(|f| f.trim().trim_matches('"')).collect();
        match parse_row(&fields, &columns) {
            Ok(r) => rows.push(r),
            Err((field, message)) => bad.push(BadLine {
                line: number,
                field,
                message,
            }),
        }
    }
    (rows, bad)
}

fn parse_row(
    fields: &[&str],
    columns: &[usize; 5],
) -> std::result::Result<OccupancyInterval, (&'static str, String)> {
    let get = |i: usize| {
        fields
            .get(columns[i])
            .copied()
            .filter(|f| !f.is_empty())
            .ok_or((FIELDS[i], "missing".to_string()))
    };
    let line: Line = get(0)?.parse().map_err(|e| ("line", e))?;
    let start = parse_time(get(1)?).map_err(|e| ("start", e))?;
    let end = parse_time(get(2)?).map_err(|e| ("end", e))?;
    if end <= start {
        return Err(("end", "does not come after the start".into()));
    }
    let count = |i: usize| -> std::result::Result<i64, (&'static str, String)> {
        let f = get(i)?;
        f.parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or((FIELDS[i], format!("'{f}' is not a whole number >= 0")))
    };
    let channels = count(3)?;
    if channels == 0 {
        return Err(("channels", "must be at least 1".into()));
    }
    let busy = count(4)?;
    if busy > channels {
        return Err((
            "busy",
            format!("{busy} busy is more than the {channels} channels"),
        ));
    }
    Ok(OccupancyInterval {
        line: line.name().to_string(),
        start_at: start,
        end_at: end,
        channels,
        busy,
    })
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OccupancyImport {
    /// Intervals read from good lines.
    pub intervals: usize,
    /// Of which new in the store (the others were there already).
    pub inserted: u64,
    pub bad: Vec<BadLine>,
}

impl fmt::Display for OccupancyImport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.bad {
            writeln!(f, "{b}")?;
        }
        writeln!(
            f,
            "{} intervals read: {} new, {} already stored; {} lines skipped.",
            self.intervals,
            self.inserted,
            self.intervals as u64 - self.inserted,
            self.bad.len()
        )
    }
}

/// `canali import trunk-occupancy FILE`: the good lines go in (once), the bad ones are
/// reported.
pub async fn import_file(store: &Store, path: &Path) -> Result<OccupancyImport> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Io(path.display().to_string(), e))?;
    import_text(store, &text).await
}

pub async fn import_text(store: &Store, text: &str) -> Result<OccupancyImport> {
    let (rows, bad) = parse(text);
    let inserted = store.calls().insert_trunk_occupancy(&rows).await?;
    Ok(OccupancyImport {
        intervals: rows.len(),
        inserted,
        bad,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn times_in_three_forms() {
        // 2011-03-07 08:00 in Rome is 07:00 UTC.
        let t = 1_299_481_200;
        assert_eq!(parse_time("2011-03-07 08:00"), Ok(t));
        assert_eq!(parse_time("2011-03-07 08:00:00"), Ok(t));
        assert_eq!(parse_time("2011-03-07T08:00:00+01:00"), Ok(t));
        assert_eq!(parse_time("2011-03-07T07:00:00Z"), Ok(t));
        assert_eq!(parse_time("1299481200"), Ok(t));
        assert!(parse_time("07/03/2011").is_err());
    }

    #[test]
    fn a_day_fully_busy_for_30_of_600_open_minutes() {
        let settings = CallCenterSettings::default();
        let s = schedule(&settings, [2011]);
        let d = date(2011, 3, 7); // a Monday: open 08:00-20:00, 720 minutes
        let at = |h: i8, m: i8| local_seconds(d, Time::new(h, m, 0, 0).unwrap()).unwrap();
        let iv = |s, e, busy| OccupancyInterval {
            line: "residential".into(),
            start_at: s,
            end_at: e,
            channels: 30,
            busy,
        };
        // Data from 08:00 to 18:00 (600 minutes), fully busy 10:00-10:30.
        let ivs = vec![
            iv(at(7, 0), at(10, 0), 12),
            iv(at(10, 0), at(10, 30), 30),
            iv(at(10, 30), at(18, 0), 29),
        ];
        let a = access_on(&s, d, &ivs);
        assert_eq!(a.open_seconds, 720 * 60);
        assert_eq!(a.covered_seconds, 600 * 60);
        assert_eq!(a.free_seconds, 570 * 60);
        assert_eq!(a.as_pct(), Some(95.0));
        assert!((a.coverage_pct().unwrap() - 600.0 / 7.2).abs() < 1e-9);
        // Sunday: closed.
        assert_eq!(access_on(&s, date(2011, 3, 6), &ivs), Access::default());
    }

    #[test]
    fn bad_lines_are_named_and_skipped() {
        let text = "line;start;end;channels;busy\n\
                    residential;2011-03-07 08:00;2011-03-07 08:05;30;3\n\
                    garbage\n\
                    kitchen;2011-03-07 08:00;2011-03-07 08:05;30;3\n\
                    business;2011-03-07 08:05;2011-03-07 08:00;30;3\n\
                    business;2011-03-07 08:00;2011-03-07 08:05;30;31\n\
                    business;yesterday;2011-03-07 08:05;30;1\n\
                    business;2011-03-07 08:00;2011-03-07 08:05;0;0\n\
                    business;2011-03-07 08:00;2011-03-07 08:05;10;2\n";
        let (rows, bad) = parse(text);
        assert_eq!(rows.len(), 2);
        let got: Vec<(usize, &str)> = bad.iter().map(|b| (b.line, b.field)).collect();
        assert_eq!(
            got,
            [
                (3, "line"),
                (4, "line"),
                (5, "end"),
                (6, "busy"),
                (7, "start"),
                (8, "channels")
            ]
        );
    }
}
