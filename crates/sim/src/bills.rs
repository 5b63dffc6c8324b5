//! Bills: each supply point is billed `bills_per_year` times, on a fixed day of its billing
//! months (the bill runs go out in the first eight days of each month), by e-mail when its
//! customer was on the e-bill on the issue date, on paper otherwise.

use crate::people::Profile;
use crate::rng::{derive, mix};
use canali_domain::network::Delivery;
use canali_domain::{Day, Service};
use canali_store::Bill;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};

/// The e-bill state of a customer: enrolled on `enrolled`, back to paper on `withdrawn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EbillSpan {
    pub enrolled: i32,
    pub withdrawn: Option<i32>,
}

impl EbillSpan {
    /// On the e-bill at the end of `day`.
    pub fn on(&self, day: i32) -> bool {
        self.enrolled <= day && self.withdrawn.is_none_or(|w| w > day)
    }
}

/// The billing calendar of one supply point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cycle {
    /// Months between bills (1, 2, 3, 4).
    pub months: i32,
    /// Offset of the billing months.
    pub phase: i32,
    /// Nominal day of the month of the bill run, 1-8.
    pub day: i8,
}

pub fn cycle(seed: u64, sp: u32, bills_per_year: i64) -> Cycle {
    let h = mix(derive(seed, "cycle", u64::from(sp)));
    let months = (12 / bills_per_year.clamp(1, 12)) as i32;
    Cycle {
        months,
        phase: (h % months as u64) as i32,
        day: 1 + ((h >> 16) % 8) as i8,
    }
}

/// Months since year 0: `year * 12 + month - 1`.
fn month_index(d: Date) -> i32 {
    i32::from(d.year()) * 12 + i32::from(d.month()) - 1
}

fn month_start(mi: i32) -> Date {
    date(mi.div_euclid(12) as i16, (mi.rem_euclid(12) + 1) as i8, 1)
}

/// The issue date of the bill of month `mi`, if the cycle bills in that month (a run that falls
/// on a weekend goes out on the Monday after).
pub fn issue_in_month(c: &Cycle, mi: i32) -> Option<Date> {
    if (mi + c.phase).rem_euclid(c.months) != 0 {
        return None;
    }
    let mut d = month_start(mi).with().day(c.day).build().expect("day 1-8");
    while matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
        d = d.tomorrow().expect("in range");
    }
    Some(d)
}

/// Issue dates of a cycle in `from..=to`.
pub fn issues(c: &Cycle, from: Date, to: Date) -> impl Iterator<Item = (i32, Date)> + '_ {
    let (a, b) = (month_index(from), month_index(to));
    (a..=b).filter_map(move |mi| {
        issue_in_month(c, mi)
            .filter(|d| *d >= from && *d <= to)
            .map(|d| (mi, d))
    })
}

/// E-mail bills a customer gets in `from..=to` given its e-bill span.
pub fn email_bills(seed: u64, p: &Profile, span: &EbillSpan, from: Date, to: Date) -> u32 {
    p.supply_points()
        .map(|(sp, service)| {
            let c = cycle(
                seed,
                sp,
                crate::people::bills_per_year(seed, sp, service, p.business),
            );
            let from = from.max(Day(p.since).date());
            issues(&c, from, to)
                .filter(|(_, d)| span.on(Day::from_date(*d).0))
                .count() as u32
        })
        .sum()
}

/// Gas is billed on consumption, which follows the heating season (weights sum to 12).
const GAS_SEASON: [f64; 12] = [2.0, 1.8, 1.4, 0.8, 0.4, 0.25, 0.2, 0.2, 0.3, 0.8, 1.6, 2.25];

/// Annual amount of a supply point, euros.
fn annual_euros(service: Service, business: bool) -> f64 {
    match (service, business) {
        (Service::Gas, false) => 950.0,
        (Service::Electricity, false) => 520.0,
        (Service::Water, false) => 260.0,
        (Service::Gas, true) => 6_500.0,
        (Service::Electricity, true) => 5_200.0,
        (Service::Water, true) => 1_300.0,
        _ => 300.0,
    }
}

/// The bills of one supply point issued in `from..=to`, appended to `out`.
#[allow(clippy::too_many_arguments)]
pub fn bills_of(
    seed: u64,
    p: &Profile,
    customer_id: i64,
    sp: u32,
    service: Service,
    span: Option<&EbillSpan>,
    from: Date,
    to: Date,
    out: &mut Vec<Bill>,
) {
    let per_year = crate::people::bills_per_year(seed, sp, service, p.business);
    let c = cycle(seed, sp, per_year);
    let h = mix(derive(seed, "consumption", u64::from(sp)));
    // A lognormal-ish size of the supply point: 0.45x to 2.2x the typical amount.
    let size = (0.8 + 0.7 * (crate::rng::unit(h) - 0.5)).exp() * 0.45 + 0.1;
    let annual = annual_euros(service, p.business) * size;
    let since = Day(p.since).date();
    let extra_sheet = p.n_services() > 1 || p.business;
    for (mi, issued) in issues(&c, from.max(since), to) {
        let issued_day = Day::from_date(issued);
        let period_to = issued.checked_sub(6.days()).expect("in range");
        let period_from = month_start(mi - c.months)
            .checked_sub(6.days())
            .expect("in range");
        let season: f64 = (0..c.months)
            .map(|k| {
                let m = (mi - c.months + k).rem_euclid(12) as usize;
                if service == Service::Gas {
                    GAS_SEASON[m]
                } else {
                    1.0
                }
            })
            .sum();
        let wobble = 0.9 + 0.2 * crate::rng::unit(mix(h ^ mi as u64));
        let total_cents = (annual * season / 12.0 * wobble * 100.0).round() as i64;
        let email = span.is_some_and(|s| s.on(issued_day.0));
        let sheets = 2 + i64::from(extra_sheet) + i64::from((h >> 40).is_multiple_of(4));
        out.push(Bill {
            id: i64::from(sp) * 1000 + i64::from(mi - 2000 * 12),
            customer_id,
            supply_point_id: i64::from(sp),
            issued: issued_day,
            due: Day(issued_day.0 + 20),
            period_from: Day::from_date(period_from.tomorrow().expect("in range")),
            period_to: Day::from_date(period_to),
            total_cents,
            delivery: if email {
                Delivery::Email
            } else {
                Delivery::Paper
            },
            sheets,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_bill_the_right_number_of_times() {
        for per_year in [3, 4, 6, 12] {
            for sp in 0..50 {
                let c = cycle(3, sp, per_year);
                let n = issues(&c, date(2011, 1, 1), date(2011, 12, 31)).count() as i64;
                assert_eq!(n, per_year, "{c:?}");
                for (_, d) in issues(&c, date(2011, 1, 1), date(2011, 12, 31)) {
                    assert!(!matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday));
                    assert!(d.day() <= 10);
                }
            }
        }
    }

    #[test]
    fn span_semantics() {
        let s = EbillSpan {
            enrolled: 10,
            withdrawn: Some(20),
        };
        assert!(!s.on(9) && s.on(10) && s.on(19) && !s.on(20));
    }
}
