//! The branch network at a date: which branches exist, how they are spread, and the year's
//! events.

use crate::compute::ReportInputs;
use crate::model::{KindCount, NetworkEvent, NetworkReport, TerritoryCount};
use canali_domain::Day;
use canali_domain::network::{BranchEventKind, BranchKind, Host, Operator};
use canali_store::{Branch, BranchEvent, Sot};

/// The schedule template of the seed's "orario omogeneo" (33 hours a week).
pub const HOMOGENEOUS_TEMPLATE: &str = "homogeneous_33h";

/// Whether a branch exists at the end of `day`: it has no `opened` event or its first one is on
/// or before `day`, and it has no `closed` event on or before `day`. A branch with no opening
/// on record predates the registry's history, so it counts as always open.
pub fn exists_at(branch: &str, events: &[BranchEvent], day: Day) -> bool {
    let of_branch = || events.iter().filter(move |e| e.branch == branch);
    let first_opened = of_branch()
        .filter(|e| e.kind == BranchEventKind::Opened)
        .map(|e| e.day)
        .min();
    let opened = first_opened.is_none_or(|d| d <= day);
    let closed = of_branch().any(|e| e.kind == BranchEventKind::Closed && e.day <= day);
    opened && !closed
}

/// The branches that exist at the end of `day`.
pub fn branches_at<'a>(
    branches: &'a [Branch],
    events: &[BranchEvent],
    day: Day,
) -> Vec<&'a Branch> {
    branches
        .iter()
        .filter(|b| exists_at(&b.code, events, day))
        .collect()
}

pub(crate) fn network_report(
    inputs: &ReportInputs,
    last: Day,
    previous_last: Day,
) -> NetworkReport {
    let open = branches_at(&inputs.branches, &inputs.branch_events, last);
    let previous_total = branches_at(&inputs.branches, &inputs.branch_events, previous_last).len();
    let homogeneous: Vec<&Branch> = open
        .iter()
        .copied()
        .filter(|b| b.schedule_template.as_deref() == Some(HOMOGENEOUS_TEMPLATE))
        .collect();
    let schedule = homogeneous
        .iter()
        .find_map(|b| weekly_hours(&b.hours).map(|h| (b.hours.clone(), h)));
    let by_territory = by_territory(&open, &inputs.sots);
    NetworkReport {
        at: last.date(),
        total: count(&open, |_| true),
        previous_total: previous_total as i64,
        by_kind: by_kind(&open),
        territories: by_territory.len() as i64,
        by_territory,
        homogeneous_template: HOMOGENEOUS_TEMPLATE.to_string(),
        homogeneous_schedule: homogeneous.len() as i64,
        homogeneous_hours: schedule.as_ref().map(|(text, _)| text.clone()),
        homogeneous_hours_per_week: schedule.map(|(_, hours)| hours),
        hosted_at_third_parties: count(&open, |b| b.host == Host::ThirdParty),
        outsourced: count(&open, |b| b.operator == Operator::Outsourced),
        events: year_events(inputs, last),
    }
}

/// Hours a week of a branch's opening text, `None` when the text does not parse.
fn weekly_hours(text: &str) -> Option<f64> {
    text.parse::<canali_domain::schedule::WeeklyHours>()
        .ok()
        .map(|w| w.hours_per_week())
}

fn count(branches: &[&Branch], keep: impl Fn(&Branch) -> bool) -> i64 {
    branches.iter().filter(|b| keep(b)).count() as i64
}

fn by_kind(open: &[&Branch]) -> Vec<KindCount> {
    BranchKind::ALL
        .iter()
        .map(|&kind| KindCount {
            kind,
            branches: count(open, |b| b.kind == kind),
        })
        .collect()
}

/// Every known SOT (even with no branch), then unknown codes that have branches.
fn by_territory(open: &[&Branch], sots: &[Sot]) -> Vec<TerritoryCount> {
    let mut rows: Vec<TerritoryCount> = sots
        .iter()
        .map(|s| TerritoryCount {
            sot: s.code,
            name: s.name.clone(),
            branches: count(open, |b| b.sot == s.code),
        })
        .collect();
    rows.sort_by_key(|r| r.sot);
    let mut unknown: Vec<i64> = open
        .iter()
        .map(|b| b.sot)
        .filter(|c| !sots.iter().any(|s| s.code == *c))
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    rows.extend(unknown.into_iter().map(|sot| TerritoryCount {
        sot,
        name: format!("SOT {sot}"),
        branches: count(open, |b| b.sot == sot),
    }));
    rows
}

fn year_events(inputs: &ReportInputs, last: Day) -> Vec<NetworkEvent> {
    let year = last.year();
    let mut events: Vec<NetworkEvent> = inputs
        .branch_events
        .iter()
        .filter(|e| e.day <= last && e.day.year() == year)
        .map(|e| {
            let branch = inputs.branches.iter().find(|b| b.code == e.branch);
            NetworkEvent {
                date: e.day.date(),
                event: e.kind,
                branch: e.branch.clone(),
                name: branch.map_or_else(|| e.branch.clone(), |b| b.name.clone()),
                municipality: branch.map(|b| b.municipality.clone()).unwrap_or_default(),
                kind: branch.map(|b| b.kind),
                note: e.note.clone(),
            }
        })
        .collect();
    events.sort_by(|a, b| (a.date, &a.branch).cmp(&(b.date, &b.branch)));
    events
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiff::civil::date;

    pub(crate) fn day(y: i16, m: i8, d: i8) -> Day {
        Day::from_date(date(y, m, d))
    }

    fn event(branch: &str, on: Day, kind: BranchEventKind) -> BranchEvent {
        BranchEvent {
            branch: branch.into(),
            day: on,
            kind,
            note: String::new(),
        }
    }

    #[test]
    fn a_branch_without_events_always_exists() {
        assert!(exists_at("A", &[], day(1990, 1, 1)));
    }

    #[test]
    fn a_branch_exists_from_its_first_opening_until_its_closing() {
        let events = [
            event("A", day(2011, 3, 10), BranchEventKind::Opened),
            event("A", day(2011, 6, 1), BranchEventKind::Renovated),
            event("A", day(2012, 2, 1), BranchEventKind::Opened),
            event("B", day(2011, 9, 30), BranchEventKind::Closed),
        ];
        assert!(!exists_at("A", &events, day(2011, 3, 9)));
        assert!(
            exists_at("A", &events, day(2011, 3, 10)),
            "the opening day counts"
        );
        assert!(exists_at("A", &events, day(2011, 12, 31)));
        assert!(exists_at("B", &events, day(2011, 9, 29)));
        assert!(
            !exists_at("B", &events, day(2011, 9, 30)),
            "the closing day does not"
        );
        assert!(!exists_at("B", &events, day(2011, 12, 31)));
    }

    #[test]
    fn a_closing_after_the_date_does_not_matter_and_one_before_always_does() {
        let events = [
            event("T", day(2010, 6, 1), BranchEventKind::Opened),
            event("T", day(2010, 9, 1), BranchEventKind::Closed),
            event("T", day(2011, 6, 1), BranchEventKind::Opened),
        ];
        assert!(exists_at("T", &events, day(2010, 8, 31)));
        // The rule counts any closing on or before the date, even if the branch reopened.
        assert!(!exists_at("T", &events, day(2011, 12, 31)));
    }
}
