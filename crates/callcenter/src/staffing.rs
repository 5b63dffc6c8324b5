//! Staffing: agents per interval for a service-level target (Erlang C, exact), with shrinkage,
//! for one interval or for every half hour of a week from the arrivals in the ledger.

use crate::settings::Line;
use crate::{Error, Result};
use canali_domain::erlang::{self, Staffing};
use canali_store::Store;
use jiff::civil::{Date, Weekday};
use serde::Serialize;

/// A service-level target: `share` of calls answered within `seconds` (80/20).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    pub share: f64,
    pub seconds: f64,
}

impl std::str::FromStr for Target {
    type Err = String;
    /// `80/20`: 80% within 20 seconds.
    fn from_str(s: &str) -> std::result::Result<Target, String> {
        let err =
            || format!("'{s}' is not a target like 80/20 (percent answered / within seconds)");
        let (pct, secs) = s.trim().split_once('/').ok_or_else(err)?;
        let pct: f64 = pct
            .trim()
            .trim_end_matches('%')
            .parse()
            .map_err(|_| err())?;
        let secs: f64 = secs
            .trim()
            .trim_end_matches('s')
            .parse()
            .map_err(|_| err())?;
        if !(pct > 0.0 && pct < 100.0 && secs >= 0.0) {
            return Err(err());
        }
        Ok(Target {
            share: pct / 100.0,
            seconds: secs,
        })
    }
}

/// One interval's staffing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    pub calls: f64,
    pub interval_seconds: f64,
    pub aht: f64,
    pub load: f64,
    /// Agents on the phones (0 when no calls are expected).
    pub agents: u32,
    /// Agents to schedule once shrinkage is applied.
    pub scheduled: u32,
    pub prob_wait: f64,
    pub service_level: f64,
    pub occupancy: f64,
    pub asa: f64,
}

/// Staffs one interval. `shrinkage_ppm` in parts per million (300000 = 30%).
pub fn interval(
    calls: f64,
    interval_seconds: f64,
    aht: f64,
    target: Target,
    shrinkage_ppm: u32,
) -> Result<Interval> {
    if !(calls >= 0.0 && interval_seconds > 0.0 && aht > 0.0) {
        return Err(Error::Invalid(
            "calls must be >= 0, the interval and the handling time > 0".into(),
        ));
    }
    let load = erlang::offered_load(calls, interval_seconds, aht);
    let s = if calls == 0.0 {
        Staffing {
            agents: 0,
            load: 0.0,
            prob_wait: 0.0,
            service_level: 1.0,
            occupancy: 0.0,
            asa: 0.0,
        }
    } else {
        erlang::staff_for_service_level(load, aht, target.seconds, target.share)
    };
    let scheduled = erlang::with_shrinkage_ppm(s.agents, shrinkage_ppm)
        .ok_or_else(|| Error::Invalid("the shrinkage must be below 100%".into()))?;
    Ok(Interval {
        calls,
        interval_seconds,
        aht,
        load,
        agents: s.agents,
        scheduled,
        prob_wait: s.prob_wait,
        service_level: s.service_level,
        occupancy: s.occupancy,
        asa: s.asa,
    })
}

/// One half hour of a week plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    pub date: Date,
    /// `HH:MM` local time (Europe/Rome) of the slot's start.
    pub time: String,
    #[serde(flatten)]
    pub staffing: Interval,
}

/// The week plan of a line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekPlan {
    pub line: Line,
    pub monday: Date,
    pub target: Target,
    pub shrinkage_ppm: u32,
    /// The handling time used where a half hour had no answered call: the week's average.
    pub week_aht: f64,
    pub calls: u64,
    pub slots: Vec<Slot>,
}

/// Every half hour of the week starting on `monday` (Europe/Rome), from the calls of the line
/// observed in the ledger: arrivals per half hour, and the average handling time of that half
/// hour's answered calls (the week's average when it had none).
pub async fn week_plan(
    store: &Store,
    line: Line,
    monday: Date,
    target: Target,
    shrinkage_ppm: u32,
    default_aht: f64,
) -> Result<WeekPlan> {
    if monday.weekday() != Weekday::Monday {
        return Err(Error::Invalid(format!(
            "{monday} is a {}, not a Monday",
            monday.strftime("%A")
        )));
    }
    let rome = &*canali_domain::ROME;
    let zoned = |d: Date| {
        d.to_zoned(rome.clone())
            .map_err(|e| Error::Invalid(e.to_string()))
    };
    let start = zoned(monday)?;
    let end = zoned(
        monday
            .checked_add(jiff::Span::new().days(7))
            .map_err(|e| Error::Invalid(e.to_string()))?,
    )?;
    let rows = store
        .calls()
        .channel_halfhours(
            line.channel(),
            start.timestamp().as_microsecond(),
            end.timestamp().as_microsecond(),
        )
        .await?;
    // Slots by local wall time: 7 days x 48 half hours (a DST day still has 48 labels).
    let mut calls = vec![0u64; 7 * 48];
    let mut handle = vec![(0i64, 0i64); 7 * 48];
    let (mut week_handle, mut week_handled) = (0i64, 0i64);
    for &(at, n, handled, handle_seconds) in &rows {
        let ts =
            jiff::Timestamp::from_microsecond(at).map_err(|e| Error::Invalid(e.to_string()))?;
        let local = ts.to_zoned(rome.clone());
        let day = (local.date() - monday).get_days().clamp(0, 6) as usize;
        let slot = day * 48 + local.hour() as usize * 2 + usize::from(local.minute() >= 30);
        calls[slot] += n as u64;
        handle[slot].0 += handle_seconds;
        handle[slot].1 += handled;
        week_handle += handle_seconds;
        week_handled += handled;
    }
    let week_aht = if week_handled > 0 {
        week_handle as f64 / week_handled as f64
    } else {
        default_aht
    };
    let mut slots = Vec::with_capacity(7 * 48);
    for (i, &n) in calls.iter().enumerate() {
        let aht = if handle[i].1 > 0 {
            handle[i].0 as f64 / handle[i].1 as f64
        } else {
            week_aht
        };
        let date = monday
            .checked_add(jiff::Span::new().days((i / 48) as i64))
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let minutes = (i % 48) * 30;
        slots.push(Slot {
            date,
            time: format!("{:02}:{:02}", minutes / 60, minutes % 60),
            staffing: interval(n as f64, 1800.0, aht.max(1.0), target, shrinkage_ppm)?,
        });
    }
    Ok(WeekPlan {
        line,
        monday,
        target,
        shrinkage_ppm,
        week_aht,
        calls: calls.iter().sum(),
        slots,
    })
}
