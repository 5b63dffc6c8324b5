//! The call centers' indicators per line, per day and per month, from the calls rollup (never
//! from the raw ledger), compared with the standards in force at the period's first day.
//!
//! - offered: calls that asked for an operator (entered a queue);
//! - answered: calls that reached an operator (transferred ones included);
//! - abandoned, and short abandons (waited less than `short_abandon_seconds`);
//! - TMA: average wait of the offered calls, to the operator or to the hang-up or exit;
//! - LS: answered over offered, %;
//! - calls waiting over 2 minutes, and their share of the offered;
//! - average talk time of the answered calls;
//! - AS: the share of the line's open time with a free channel, from the trunk-occupancy feed
//!   (`crate::occupancy`), over the open time the feed covers; without occupancy data for the
//!   period it is not computable, and partial coverage is stated (see `as_note`).

use crate::Result;
use crate::occupancy::{self, Access};
use crate::settings::{CallCenterSettings, Line, Standard};
use canali_domain::Day;
use canali_store::Store;
use canali_store::calls::{CallPeriod, CallTotals};
use jiff::civil::Date;
use serde::Serialize;

/// Why AS is missing when the period's open time has no occupancy data.
pub const AS_NOT_COMPUTABLE: &str = "AS cannot be computed: no line-occupancy data for the \
     period's open time (the queue_log does not record free lines; import them with `canali \
     import trunk-occupancy`)";

/// Why AS is missing when the line is never open in the period.
pub const AS_NEVER_OPEN: &str =
    "AS cannot be computed: the line is never open in the period (callcenter.open_hours)";

/// The note on AS for a period's access: why it is missing, or how much of the open time it
/// covers when not all of it; none when fully covered.
pub fn as_note(a: &Access) -> Option<String> {
    if a.open_seconds == 0 {
        Some(AS_NEVER_OPEN.to_string())
    } else if a.covered_seconds == 0 {
        Some(AS_NOT_COMPUTABLE.to_string())
    } else if a.covered_seconds < a.open_seconds {
        let pct = a.coverage_pct().unwrap_or(0.0);
        // Never round a partial coverage up to 100%.
        let shown = if pct > 99.9 { 99.9 } else { pct };
        Some(format!(
            "AS on {shown:.1}% of the open time covered by line-occupancy data"
        ))
    } else {
        None
    }
}

/// One indicator against one standard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub standard: String,
    pub indicator: &'static str,
    /// The limit as text, e.g. `<= 200 s`.
    pub limit: String,
    pub value: Option<f64>,
    /// None when the value cannot be computed (no calls, no occupancy data).
    pub met: Option<bool>,
}

/// A line's indicators over a day or a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicators {
    /// `2011-03` or `2011-03-07`.
    pub period: String,
    pub line: Line,
    pub offered: i64,
    pub answered: i64,
    pub abandoned: i64,
    pub short_abandons: i64,
    pub timed_out: i64,
    pub left_queue: i64,
    pub transferred: i64,
    pub tma_seconds: Option<f64>,
    pub ls_pct: Option<f64>,
    pub waited_over_2m: i64,
    pub over_2m_pct: Option<f64>,
    pub avg_talk_seconds: Option<f64>,
    /// AS, %: open time with a free line over the open time covered by occupancy data.
    pub as_pct: Option<f64>,
    /// The share of the open time covered by occupancy data, %.
    pub as_coverage_pct: Option<f64>,
    /// Open, covered and free seconds.
    pub access: Access,
    pub as_note: Option<String>,
    pub checks: Vec<Check>,
}

fn ratio(num: i64, den: i64, scale: f64) -> Option<f64> {
    (den > 0).then(|| num as f64 * scale / den as f64)
}

/// The indicators of one period's totals.
pub fn indicators(
    period: String,
    line: Line,
    first_day: Date,
    totals: &CallTotals,
    abandon_waits: &[(i64, i64)],
    access: &Access,
    settings: &CallCenterSettings,
) -> Indicators {
    let t = totals;
    let short_abandons = abandon_waits
        .iter()
        .filter(|(w, _)| *w < settings.short_abandon_seconds)
        .map(|(_, n)| n)
        .sum();
    let mut ind = Indicators {
        period,
        line,
        offered: t.offered,
        answered: t.answered,
        abandoned: t.abandoned,
        short_abandons,
        timed_out: t.timed_out,
        left_queue: t.left_queue,
        transferred: t.transferred,
        tma_seconds: ratio(t.wait_seconds, t.offered, 1.0),
        ls_pct: ratio(t.answered, t.offered, 100.0),
        waited_over_2m: t.waited_over_2m,
        over_2m_pct: ratio(t.waited_over_2m, t.offered, 100.0),
        avg_talk_seconds: ratio(t.talk_seconds, t.answered, 1.0),
        as_pct: access.as_pct(),
        as_coverage_pct: access.coverage_pct(),
        access: *access,
        as_note: as_note(access),
        checks: Vec::new(),
    };
    for s in settings.standards_at(line, first_day) {
        ind.checks.extend(checks(s, &ind));
    }
    ind
}

fn checks(s: &Standard, ind: &Indicators) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |indicator, limit: String, value: Option<f64>, ok: &dyn Fn(f64) -> bool| {
        out.push(Check {
            standard: s.name.clone(),
            indicator,
            limit,
            value,
            met: value.map(ok),
        });
    };
    if let Some(max) = s.tma_max_seconds {
        push("TMA", format!("<= {max} s"), ind.tma_seconds, &|v| v <= max);
    }
    if let Some(min) = s.ls_min_pct {
        push("LS", format!(">= {min}%"), ind.ls_pct, &|v| v >= min);
    }
    if let Some(min) = s.as_min_pct {
        let strict = s.as_strict;
        let op = if strict { ">" } else { ">=" };
        push("AS", format!("{op} {min}%"), ind.as_pct, &|v| {
            if strict { v > min } else { v >= min }
        });
    }
    if let Some(max) = s.over_2m_max_pct {
        push("over 2 min", format!("<= {max}%"), ind.over_2m_pct, &|v| {
            v <= max
        });
    }
    out
}

fn month_bounds(year: i16, month: i8) -> Result<(Date, Date)> {
    let first = Date::new(year, month, 1)
        .map_err(|e| crate::Error::Invalid(format!("{year}-{month:02}: {e}")))?;
    Ok((first, first.last_of_month()))
}

fn lines(line: Option<Line>) -> Vec<Line> {
    line.map_or(Line::ALL.to_vec(), |l| vec![l])
}

fn find(rows: &[CallPeriod], period: i32, line: Line) -> Option<&CallPeriod> {
    rows.iter()
        .find(|r| r.period == period && r.channel == line.channel())
}

/// A month's indicators of one line or both (a line without calls shows zeros).
pub async fn month(
    store: &Store,
    year: i16,
    month: i8,
    line: Option<Line>,
    settings: &CallCenterSettings,
) -> Result<Vec<Indicators>> {
    let (first, last) = month_bounds(year, month)?;
    let key = i32::from(year) * 100 + i32::from(month);
    let rows = store
        .calls()
        .monthly(line.map(Line::channel), key, key)
        .await?;
    let mut out = Vec::new();
    for l in lines(line) {
        let r = find(&rows, key, l);
        let access = occupancy::access(store, l, first, last, settings).await?;
        out.push(indicators(
            format!("{year}-{month:02}"),
            l,
            first,
            &r.map(|r| r.totals).unwrap_or_default(),
            r.map_or(&[][..], |r| &r.abandon_waits),
            &access,
            settings,
        ));
    }
    Ok(out)
}

/// The twelve months of a year for one line.
pub async fn year(
    store: &Store,
    year: i16,
    line: Line,
    settings: &CallCenterSettings,
) -> Result<Vec<Indicators>> {
    let from = i32::from(year) * 100 + 1;
    let rows = store
        .calls()
        .monthly(Some(line.channel()), from, from + 11)
        .await?;
    let (jan, _) = month_bounds(year, 1)?;
    let (_, dec) = month_bounds(year, 12)?;
    let days = occupancy::access_by_day(store, line, jan, dec, settings).await?;
    (1..=12)
        .map(|m| {
            let (first, _) = month_bounds(year, m)?;
            let r = find(&rows, from - 1 + i32::from(m), line);
            let mut access = Access::default();
            for (_, a) in days.iter().filter(|(d, _)| d.month() == m) {
                access.add(a);
            }
            Ok(indicators(
                format!("{year}-{m:02}"),
                line,
                first,
                &r.map(|r| r.totals).unwrap_or_default(),
                r.map_or(&[][..], |r| &r.abandon_waits),
                &access,
                settings,
            ))
        })
        .collect()
}

/// The days of a month for one line or both.
pub async fn days(
    store: &Store,
    year: i16,
    month: i8,
    line: Option<Line>,
    settings: &CallCenterSettings,
) -> Result<Vec<Indicators>> {
    let (first, last) = month_bounds(year, month)?;
    let rows = store
        .calls()
        .daily(
            line.map(Line::channel),
            Day::from_date(first),
            Day::from_date(last),
        )
        .await?;
    let mut access = Vec::new();
    for l in lines(line) {
        access.push(occupancy::access_by_day(store, l, first, last, settings).await?);
    }
    let mut out = Vec::new();
    let mut d = first;
    let mut i = 0;
    while d <= last {
        let key = Day::from_date(d).0;
        for (n, l) in lines(line).into_iter().enumerate() {
            let r = find(&rows, key, l);
            out.push(indicators(
                d.to_string(),
                l,
                d,
                &r.map(|r| r.totals).unwrap_or_default(),
                r.map_or(&[][..], |r| &r.abandon_waits),
                &access[n][i].1,
                settings,
            ));
        }
        i += 1;
        d = d
            .tomorrow()
            .map_err(|e| crate::Error::Invalid(e.to_string()))?;
    }
    Ok(out)
}

/// For standards judged over a year ("met in at least N of 12 months"): per standard and
/// indicator, the months met, the months whose value could be computed, and the verdict (none
/// when no month could be judged, e.g. AS without occupancy data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearCompliance {
    pub standard: String,
    pub indicator: &'static str,
    pub months_met: u32,
    pub months_judged: u32,
    pub months_required: u32,
    pub met: Option<bool>,
}

pub fn year_compliance(
    months: &[Indicators],
    settings: &CallCenterSettings,
) -> Vec<YearCompliance> {
    let mut out: Vec<YearCompliance> = Vec::new();
    for s in settings
        .standards
        .iter()
        .filter(|s| s.min_months_met.is_some())
    {
        let required = s.min_months_met.unwrap_or(12);
        for ind in ["TMA", "LS", "AS"] {
            let checks: Vec<&Check> = months
                .iter()
                .flat_map(|m| m.checks.iter())
                .filter(|c| c.standard == s.name && c.indicator == ind)
                .collect();
            if checks.is_empty() {
                continue;
            }
            let judged = checks.iter().filter(|c| c.met.is_some()).count() as u32;
            let met = checks.iter().filter(|c| c.met == Some(true)).count() as u32;
            out.push(YearCompliance {
                standard: s.name.clone(),
                indicator: ind,
                months_met: met,
                months_judged: judged,
                months_required: required,
                met: (judged > 0).then_some(met >= required),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn water_is_judged_over_ten_of_twelve_months() {
        let settings = CallCenterSettings::default();
        let months: Vec<Indicators> = (1..=12)
            .map(|m| {
                // Months 1-3 wait 250 s on average (over the 240 s limit), the others 100 s.
                let wait = if m <= 3 { 250 } else { 100 };
                let t = CallTotals {
                    offered: 10,
                    answered: 9,
                    abandoned: 1,
                    wait_seconds: wait * 10,
                    ..CallTotals::default()
                };
                indicators(
                    format!("2017-{m:02}"),
                    Line::Residential,
                    date(2017, m, 1),
                    &t,
                    &[(3, 1)],
                    &Access::default(),
                    &settings,
                )
            })
            .collect();
        assert_eq!(months[0].short_abandons, 1);
        assert_eq!(months[0].ls_pct, Some(90.0));
        let y = year_compliance(&months, &settings);
        let find = |i: &str| y.iter().find(|c| c.indicator == i).unwrap();
        assert_eq!((find("TMA").months_met, find("TMA").met), (9, Some(false)));
        assert_eq!((find("LS").months_met, find("LS").met), (12, Some(true)));
        assert_eq!((find("AS").months_judged, find("AS").met), (0, None));
    }

    #[test]
    fn a_month_is_judged_by_the_standards_of_its_time() {
        let settings = CallCenterSettings::default();
        // 190 s average wait, 82% answered: within 2011's limits, outside 2026's.
        let t = CallTotals {
            offered: 100,
            answered: 82,
            abandoned: 18,
            wait_seconds: 190 * 100,
            ..CallTotals::default()
        };
        let judge = |first: jiff::civil::Date| {
            indicators(
                first.to_string(),
                Line::Residential,
                first,
                &t,
                &[],
                &Access::default(),
                &settings,
            )
            .checks
            .into_iter()
            .filter(|c| c.standard.starts_with("ARERA energy"))
            .map(|c| (c.indicator, c.limit, c.met))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            judge(date(2011, 3, 1)),
            [
                ("TMA", "<= 200 s".to_string(), Some(true)),
                ("LS", ">= 80%".to_string(), Some(true)),
                ("AS", ">= 90%".to_string(), None),
            ]
        );
        assert_eq!(
            judge(date(2026, 3, 1)),
            [
                ("TMA", "<= 180 s".to_string(), Some(false)),
                ("LS", ">= 85%".to_string(), Some(false)),
                ("AS", ">= 95%".to_string(), None),
            ]
        );
    }
}
