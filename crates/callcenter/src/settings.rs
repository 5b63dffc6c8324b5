//! The call centers' settings: which queue is which line, the short-abandon threshold, and the
//! standards the indicators are compared with, each valid over a range of dates.

use canali_domain::Channel;
use canali_domain::schedule::WeeklyHours;
use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The two call-center lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    Residential,
    Business,
}

impl Line {
    pub const ALL: [Line; 2] = [Line::Residential, Line::Business];

    pub fn channel(self) -> Channel {
        match self {
            Line::Residential => Channel::CallCenterResidential,
            Line::Business => Channel::CallCenterBusiness,
        }
    }

    pub fn of_channel(c: Channel) -> Option<Line> {
        match c {
            Channel::CallCenterResidential => Some(Line::Residential),
            Channel::CallCenterBusiness => Some(Line::Business),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Line::Residential => "residential",
            Line::Business => "business",
        }
    }
}

impl std::str::FromStr for Line {
    type Err = String;
    fn from_str(s: &str) -> Result<Line, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "residential" | "residenziale" | "residenziali" => Ok(Line::Residential),
            "business" | "aziende" => Ok(Line::Business),
            other => Err(format!(
                "'{other}' is not a call-center line; expected residential or business"
            )),
        }
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A standard (the regulator's or the utility's own) for a period, for one line or both. Each
/// limit is optional: a standard states only what it regulates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standard {
    pub name: String,
    /// First day in force.
    pub from: Date,
    /// Last day in force; none: still in force.
    #[serde(default)]
    pub to: Option<Date>,
    /// The line it applies to; none: both.
    #[serde(default)]
    pub line: Option<Line>,
    /// TMA (average wait, seconds) at most this.
    #[serde(default)]
    pub tma_max_seconds: Option<f64>,
    /// LS (calls answered over calls offered, %) at least this.
    #[serde(default)]
    pub ls_min_pct: Option<f64>,
    /// AS (open time with a free line, %) at least this.
    #[serde(default)]
    pub as_min_pct: Option<f64>,
    /// AS must be strictly above `as_min_pct` (water: AS > 90%).
    #[serde(default)]
    pub as_strict: bool,
    /// Calls waiting over 2 minutes, % of offered, at most this.
    #[serde(default)]
    pub over_2m_max_pct: Option<f64>,
    /// The standard is met in a year when each indicator is met in at least this many months
    /// (water: 10 of 12).
    #[serde(default)]
    pub min_months_met: Option<u32>,
}

impl Standard {
    pub fn applies(&self, line: Line, day: Date) -> bool {
        day >= self.from
            && self.to.is_none_or(|to| day <= to)
            && self.line.is_none_or(|l| l == line)
    }
}

/// The `[callcenter]` table of the settings file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallCenterSettings {
    /// Queue name -> line, for queues whose name does not say it.
    pub queues: BTreeMap<String, Line>,
    /// A queue whose name contains one of these (any case) is on the business line; any other
    /// queue not listed in `queues` is residential.
    pub business_markers: Vec<String>,
    /// Abandons after less than this many seconds are "short" (the caller changed their mind).
    pub short_abandon_seconds: i64,
    /// How often a followed file is polled, milliseconds.
    pub poll_millis: u64,
    pub standards: Vec<Standard>,
    /// When the lines are open (Europe/Rome), in the schedule text form
    /// (`mo-fr 08:00-20:00; sa 08:00-13:00`): the open time AS is measured over.
    pub open_hours: WeeklyHours,
    /// The lines are closed on Italy's national public holidays (not counted in AS's open
    /// time).
    pub closed_on_public_holidays: bool,
}

/// The default open hours of the lines: Monday to Friday 08:00-20:00, Saturday 08:00-13:00.
pub const DEFAULT_OPEN_HOURS: &str = "mo-fr 08:00-20:00; sa 08:00-13:00";

impl Default for CallCenterSettings {
    fn default() -> Self {
        CallCenterSettings {
            queues: BTreeMap::new(),
            business_markers: vec!["business".into(), "aziende".into(), "imprese".into()],
            short_abandon_seconds: 10,
            poll_millis: 500,
            standards: default_standards(),
            open_hours: WeeklyHours::parse(DEFAULT_OPEN_HOURS).expect("valid default hours"),
            closed_on_public_holidays: true,
        }
    }
}

/// The regulator's standards quoted in the reference, the new TIQV's from 2026, and the
/// utility's 2011 objectives (docs/callcenter.md, "Standards", cites each).
pub fn default_standards() -> Vec<Standard> {
    let base = Standard {
        name: String::new(),
        from: date(2008, 7, 1),
        to: None,
        line: None,
        tma_max_seconds: None,
        ls_min_pct: None,
        as_min_pct: None,
        as_strict: false,
        over_2m_max_pct: None,
        min_months_met: None,
    };
    vec![
        Standard {
            name: "ARERA energy sales".into(),
            to: Some(date(2025, 12, 31)),
            tma_max_seconds: Some(200.0),
            ls_min_pct: Some(80.0),
            as_min_pct: Some(90.0),
            ..base.clone()
        },
        // The new TIQV (ARERA 399/2025/R/com, with 477/2025/R/com), in force from 2026.
        Standard {
            name: "ARERA energy sales (TIQV 2026)".into(),
            from: date(2026, 1, 1),
            tma_max_seconds: Some(180.0),
            ls_min_pct: Some(85.0),
            as_min_pct: Some(95.0),
            ..base.clone()
        },
        Standard {
            name: "ARERA water (RQSII)".into(),
            from: date(2016, 7, 1),
            tma_max_seconds: Some(240.0),
            ls_min_pct: Some(80.0),
            as_min_pct: Some(90.0),
            as_strict: true,
            min_months_met: Some(10),
            ..base.clone()
        },
        Standard {
            name: "Utility objective 2011".into(),
            from: date(2011, 1, 1),
            to: Some(date(2011, 12, 31)),
            line: Some(Line::Residential),
            tma_max_seconds: Some(40.0),
            over_2m_max_pct: Some(9.0),
            ..base.clone()
        },
        Standard {
            name: "Utility objective 2011".into(),
            from: date(2011, 1, 1),
            to: Some(date(2011, 12, 31)),
            line: Some(Line::Business),
            tma_max_seconds: Some(25.0),
            over_2m_max_pct: Some(4.0),
            ..base
        },
    ]
}

impl CallCenterSettings {
    /// The line a queue belongs to.
    pub fn line_of(&self, queue: &str) -> Line {
        if let Some(l) = self.queues.get(queue) {
            return *l;
        }
        let lower = queue.to_ascii_lowercase();
        if self
            .business_markers
            .iter()
            .any(|m| !m.is_empty() && lower.contains(&m.to_ascii_lowercase()))
        {
            Line::Business
        } else {
            Line::Residential
        }
    }

    /// The standards in force for `line` on `day`.
    pub fn standards_at(&self, line: Line, day: Date) -> impl Iterator<Item = &Standard> {
        self.standards.iter().filter(move |s| s.applies(line, day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_map_to_lines() {
        let mut s = CallCenterSettings::default();
        assert_eq!(s.line_of("coda-Aziende"), Line::Business);
        assert_eq!(s.line_of("support-business"), Line::Business);
        assert_eq!(s.line_of("600"), Line::Residential);
        s.queues.insert("600".into(), Line::Business);
        assert_eq!(s.line_of("600"), Line::Business);
    }

    #[test]
    fn standards_have_validity_dates() {
        let s = CallCenterSettings::default();
        let names = |line, d| {
            s.standards_at(line, d)
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(Line::Business, date(2011, 3, 1)),
            ["ARERA energy sales", "Utility objective 2011"]
        );
        assert_eq!(
            names(Line::Residential, date(2017, 3, 1)),
            ["ARERA energy sales", "ARERA water (RQSII)"]
        );
        assert!(names(Line::Residential, date(2007, 3, 1)).is_empty());
        assert_eq!(
            names(Line::Residential, date(2025, 12, 31)),
            ["ARERA energy sales", "ARERA water (RQSII)"]
        );
        assert_eq!(
            names(Line::Business, date(2026, 1, 1)),
            ["ARERA energy sales (TIQV 2026)", "ARERA water (RQSII)"]
        );
        let tiqv_2026 = s
            .standards_at(Line::Residential, date(2026, 3, 1))
            .next()
            .unwrap();
        assert_eq!(
            (
                tiqv_2026.as_min_pct,
                tiqv_2026.tma_max_seconds,
                tiqv_2026.ls_min_pct
            ),
            (Some(95.0), Some(180.0), Some(85.0))
        );
    }
}
