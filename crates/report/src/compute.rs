//! The pure computation of the report from rows already fetched: no database, so every figure
//! is testable on a hand-made dataset.

use crate::ReportError;
use crate::model::*;
use crate::network::network_report;
use crate::settings::ReportSettings;
use canali_domain::network::{Delivery, EbillPath};
use canali_domain::{Channel, Day};
use canali_store::{BillsByDelivery, Branch, BranchEvent, EbillSwitches, MonthlyRollup, Sot};
use jiff::civil::Date;

/// Everything the report reads, for the year and the year before. Only rollups and small
/// registries: the cost does not grow with the contact ledger.
#[derive(Debug, Clone, Default)]
pub struct ReportInputs {
    pub year: i16,
    /// Monthly rollup rows of the year and the year before (other months are ignored).
    pub rollups: Vec<MonthlyRollup>,
    /// Online-branch accounts at the end of the year and of the year before.
    pub portal_accounts: i64,
    pub previous_portal_accounts: i64,
    /// E-bill customers at the end of the year and of the year before.
    pub ebill_customers: i64,
    pub previous_ebill_customers: i64,
    /// E-bill switches and bills issued in the year.
    pub ebill_switches: Vec<EbillSwitches>,
    pub bills: Vec<BillsByDelivery>,
    pub sots: Vec<Sot>,
    pub branches: Vec<Branch>,
    pub branch_events: Vec<BranchEvent>,
}

/// The first and last day of a year, refusing years the calendar cannot hold.
pub fn year_bounds(year: i16) -> Result<(Day, Day), ReportError> {
    let first = Date::new(year, 1, 1).map_err(|_| ReportError::InvalidYear(year))?;
    let last = Date::new(year, 12, 31).map_err(|_| ReportError::InvalidYear(year))?;
    Ok((Day::from_date(first), Day::from_date(last)))
}

pub fn compute(
    inputs: &ReportInputs,
    settings: &ReportSettings,
) -> Result<YearReport, ReportError> {
    let year = inputs.year;
    let previous_year = year.checked_sub(1).ok_or(ReportError::InvalidYear(year))?;
    let (_, last) = year_bounds(year)?;
    let (_, previous_last) = year_bounds(previous_year)?;
    let current = YearTotals::of(&inputs.rollups, year);
    let previous = YearTotals::of(&inputs.rollups, previous_year);
    Ok(YearReport {
        year,
        previous_year,
        contacts: contacts_report(&current, &previous, &inputs.rollups, year),
        waiting: waiting_report(&current, &previous, settings),
        online_branch: OnlineBranchReport {
            registered_users: inputs.portal_accounts,
            previous_registered_users: inputs.previous_portal_accounts,
            growth_pct: growth(inputs.portal_accounts, inputs.previous_portal_accounts),
        },
        ebill: ebill_report(
            inputs,
            settings,
            current.by_channel[channel_index(Channel::Web)].contacts,
        ),
        network: network_report(inputs, last, previous_last),
    })
}

/// `part / whole` in percent, `None` when the whole is zero.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole != 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// Growth from `previous` to `current` in percent, `None` without a previous figure.
pub fn growth(current: i64, previous: i64) -> Option<f64> {
    (previous != 0).then(|| (current - previous) as f64 * 100.0 / previous as f64)
}

/// The sums of one year's rollup rows, by channel.
#[derive(Debug, Default, Clone)]
struct YearTotals {
    by_channel: [ChannelSums; 5],
}

#[derive(Debug, Default, Clone, Copy)]
struct ChannelSums {
    contacts: i64,
    waited: i64,
    wait_seconds: i64,
    over_2m: i64,
    over_40m: i64,
}

fn channel_index(channel: Channel) -> usize {
    Channel::ALL
        .iter()
        .position(|c| *c == channel)
        .expect("every channel is in ALL")
}

impl YearTotals {
    fn of(rows: &[MonthlyRollup], year: i16) -> YearTotals {
        let mut totals = YearTotals::default();
        for row in rows.iter().filter(|r| r.month / 100 == i32::from(year)) {
            let sums = &mut totals.by_channel[channel_index(row.channel)];
            sums.contacts += row.contacts;
            sums.waited += row.waited;
            sums.wait_seconds += row.wait_seconds;
            sums.over_2m += row.waited_over_2m;
            sums.over_40m += row.waited_over_40m;
        }
        totals
    }

    fn get(&self, channel: Channel) -> ChannelSums {
        self.by_channel[channel_index(channel)]
    }

    fn total(&self) -> i64 {
        self.by_channel.iter().map(|s| s.contacts).sum()
    }

    fn call_center(&self) -> i64 {
        Channel::ALL
            .iter()
            .filter(|c| c.is_call_center())
            .map(|c| self.get(*c).contacts)
            .sum()
    }
}

fn figures(
    contacts: i64,
    total: i64,
    previous_contacts: i64,
    previous_total: i64,
) -> ChannelFigures {
    ChannelFigures {
        contacts,
        share_pct: share(contacts, total),
        previous_contacts,
        previous_share_pct: share(previous_contacts, previous_total),
        growth_pct: growth(contacts, previous_contacts),
    }
}

fn contacts_report(
    current: &YearTotals,
    previous: &YearTotals,
    rows: &[MonthlyRollup],
    year: i16,
) -> ContactsReport {
    let (total, previous_total) = (current.total(), previous.total());
    let by_channel = Channel::ALL
        .iter()
        .map(|&channel| ChannelRow {
            channel,
            figures: figures(
                current.get(channel).contacts,
                total,
                previous.get(channel).contacts,
                previous_total,
            ),
        })
        .collect();
    ContactsReport {
        total,
        previous_total,
        growth_pct: growth(total, previous_total),
        by_channel,
        call_center: figures(
            current.call_center(),
            total,
            previous.call_center(),
            previous_total,
        ),
        monthly: monthly_contacts(rows, year),
    }
}

fn monthly_contacts(rows: &[MonthlyRollup], year: i16) -> Vec<MonthContacts> {
    (1..=12u8)
        .map(|month| {
            let key = i32::from(year) * 100 + i32::from(month);
            let by_channel = Channel::ALL
                .iter()
                .map(|&channel| {
                    let n = rows
                        .iter()
                        .filter(|r| r.month == key && r.channel == channel)
                        .map(|r| r.contacts)
                        .sum();
                    (channel, n)
                })
                .collect::<std::collections::BTreeMap<_, _>>();
            let total = by_channel.values().sum();
            MonthContacts {
                month,
                by_channel,
                total,
            }
        })
        .collect()
}

/// An indicator whose target is a maximum. `met` compares the value as printed (`decimals`),
/// so the page never shows "9,0% against 9%: not met".
fn at_most(
    value: Option<f64>,
    previous_value: Option<f64>,
    target: f64,
    decimals: i32,
) -> Indicator {
    Indicator {
        value,
        previous_value,
        target,
        met: value.map(|v| round_to(v, decimals) <= target),
    }
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (x * factor).round() / factor
}

fn average(sum: i64, count: i64, unit_seconds: f64) -> Option<f64> {
    (count != 0).then(|| sum as f64 / count as f64 / unit_seconds)
}

fn call_center_waiting(
    channel: Channel,
    current: ChannelSums,
    previous: ChannelSums,
    target_seconds: f64,
    target_over_pct: f64,
) -> CallCenterWaiting {
    CallCenterWaiting {
        channel,
        waited: current.waited,
        previous_waited: previous.waited,
        average_wait_seconds: at_most(
            average(current.wait_seconds, current.waited, 1.0),
            average(previous.wait_seconds, previous.waited, 1.0),
            target_seconds,
            0,
        ),
        waited_over_2m_pct: at_most(
            share(current.over_2m, current.waited),
            share(previous.over_2m, previous.waited),
            target_over_pct,
            1,
        ),
    }
}

fn waiting_report(
    current: &YearTotals,
    previous: &YearTotals,
    settings: &ReportSettings,
) -> WaitingReport {
    let t = &settings.targets;
    let line = |channel, seconds, over| {
        call_center_waiting(
            channel,
            current.get(channel),
            previous.get(channel),
            seconds,
            over,
        )
    };
    let (branch, previous_branch) = (current.get(Channel::Branch), previous.get(Channel::Branch));
    WaitingReport {
        call_center: vec![
            line(
                Channel::CallCenterResidential,
                t.residential_wait_seconds,
                t.residential_over_2m_pct,
            ),
            line(
                Channel::CallCenterBusiness,
                t.business_wait_seconds,
                t.business_over_2m_pct,
            ),
        ],
        branches: BranchWaiting {
            waited: branch.waited,
            previous_waited: previous_branch.waited,
            average_wait_minutes: at_most(
                average(branch.wait_seconds, branch.waited, 60.0),
                average(previous_branch.wait_seconds, previous_branch.waited, 60.0),
                t.branch_wait_minutes,
                1,
            ),
            waited_over_40m_pct: at_most(
                share(branch.over_40m, branch.waited),
                share(previous_branch.over_40m, previous_branch.waited),
                t.branch_over_40m_pct,
                1,
            ),
        },
    }
}

fn ebill_switch_rows(switches: &[EbillSwitches]) -> Vec<EbillSwitchRow> {
    EbillPath::ALL
        .iter()
        .map(|&path| {
            let of_path = switches.iter().filter(|s| s.path == path);
            EbillSwitchRow {
                path,
                enrolled: of_path.clone().map(|s| s.enrolled).sum(),
                withdrawn: of_path.map(|s| s.withdrawn).sum(),
            }
        })
        .collect()
}

fn bill_rows(bills: &[BillsByDelivery]) -> Vec<BillRow> {
    Delivery::ALL
        .iter()
        .map(|&delivery| {
            let of_delivery = bills.iter().filter(|b| b.delivery == delivery);
            BillRow {
                delivery,
                bills: of_delivery.clone().map(|b| b.bills).sum(),
                sheets: of_delivery.map(|b| b.sheets).sum(),
            }
        })
        .collect()
}

fn ebill_report(
    inputs: &ReportInputs,
    settings: &ReportSettings,
    web_contacts: i64,
) -> EbillReport {
    let switches = ebill_switch_rows(&inputs.ebill_switches);
    let bills = bill_rows(&inputs.bills);
    let email = bills
        .iter()
        .find(|b| b.delivery == Delivery::Email)
        .cloned();
    let (envelopes, sheets) = email.map_or((0, 0), |b| (b.bills, b.sheets));
    // A rollup without sheet counts (sheets 0 for some bills) falls back to the typical bill.
    let sheets_estimated = envelopes > 0 && sheets == 0;
    let sheets_avoided = if sheets_estimated {
        envelopes * settings.sheets_per_bill
    } else {
        sheets
    };
    let co2_avoided_kg = envelopes as f64 * settings.co2_grams_per_bill / 1000.0;
    let growth_pct = growth(inputs.ebill_customers, inputs.previous_ebill_customers);
    let trips_avoided = (web_contacts as f64 * settings.web_contact_trip_share).round() as i64;
    let growth_target_pct = settings.targets.ebill_growth_pct;
    EbillReport {
        customers: inputs.ebill_customers,
        previous_customers: inputs.previous_ebill_customers,
        growth_pct,
        growth_target_pct,
        growth_met: growth_pct.map(|g| round_to(g, 1) >= growth_target_pct),
        enrolled: switches.iter().map(|s| s.enrolled).sum(),
        withdrawn: switches.iter().map(|s| s.withdrawn).sum(),
        switches,
        bills,
        envelopes_avoided: envelopes,
        sheets_avoided,
        sheets_estimated,
        co2_grams_per_bill: settings.co2_grams_per_bill,
        co2_avoided_kg,
        co2_avoided_tonnes: co2_avoided_kg / 1000.0,
        co2_grams_per_sheet: settings.co2_grams_per_sheet,
        co2_by_sheets_kg: sheets_avoided as f64 * settings.co2_grams_per_sheet / 1000.0,
        web_contacts,
        web_contact_trip_share: settings.web_contact_trip_share,
        trips_avoided,
        km_per_branch_trip: settings.km_per_branch_trip,
        co2_grams_per_km: settings.co2_grams_per_km,
        trips_co2_avoided_kg: trips_avoided as f64
            * settings.km_per_branch_trip
            * settings.co2_grams_per_km
            / 1000.0,
    }
}
