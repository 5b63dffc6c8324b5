//! The verdict on a customer's meter self-reading, over values: given the readings already
//! stored for the supply point and the new one, it is accepted, already stored, refused (the
//! customer's mistake) or to be checked (confirmed by the customer before it is recorded). The
//! store reads the previous readings and applies the verdict.

use crate::refusal::Refusal;
use crate::{Day, Service};

/// How much a reading may exceed the usual daily consumption before the customer is asked to
/// confirm it.
pub const HIGH_FACTOR: f64 = 3.0;

/// A reading already stored for the supply point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastReading {
    pub day: Day,
    pub value: i64,
    /// The meter was replaced: this reading starts a new series.
    pub meter_changed: bool,
}

/// The reading the customer sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentReading {
    pub supply_point: i64,
    pub value: i64,
    /// The day the customer read the meter.
    pub day: Day,
    /// The day it was sent.
    pub sent_day: Day,
    pub meter_changed: bool,
    /// The customer confirmed a reading that looked too high.
    pub confirmed_high: bool,
}

/// What becomes of a reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Record it.
    Accepted,
    /// The same reading for the same day is stored already: the index in the previous readings.
    AlreadyStored(usize),
    /// Not recorded: the customer's mistake.
    Refused(Refusal),
    /// Not recorded until the customer confirms it.
    ToCheck(Refusal),
}

/// The checks that need nothing stored: no negative reading, none dated after its sending.
pub fn check_sent(r: &SentReading) -> Result<(), Refusal> {
    if r.value < 0 {
        return Err(Refusal::ReadingNegative);
    }
    if r.day > r.sent_day {
        return Err(Refusal::ReadingAfterSent { day: r.day });
    }
    Ok(())
}

/// The verdict on `r` for a supply point of `service` whose stored readings are `previous`,
/// oldest first (by day, then by entry). Gas and water meters only; not before the last
/// reading; not below it unless the meter was replaced; a daily consumption more than
/// [`HIGH_FACTOR`] times the usual one (the average over the readings since the last meter
/// change, when there are at least two) is to be checked unless confirmed.
pub fn verdict(service: Service, previous: &[PastReading], r: &SentReading) -> Verdict {
    if let Err(refusal) = check_sent(r) {
        return Verdict::Refused(refusal);
    }
    if !matches!(service, Service::Gas | Service::Water) {
        return Verdict::Refused(Refusal::ReadingNotMetered {
            supply_point: r.supply_point,
            service,
        });
    }
    if let Some(same) = previous
        .iter()
        .position(|p| p.day == r.day && p.value == r.value)
    {
        return Verdict::AlreadyStored(same);
    }
    let Some(last) = previous.last() else {
        return Verdict::Accepted;
    };
    if r.day < last.day {
        return Verdict::Refused(Refusal::ReadingBeforeLast {
            day: r.day,
            last_day: last.day,
        });
    }
    if r.meter_changed {
        return Verdict::Accepted;
    }
    if r.value < last.value {
        return Verdict::Refused(Refusal::ReadingBelowLast {
            value: r.value,
            last: last.value,
            last_day: last.day,
        });
    }
    // The usual consumption: over the readings since the last meter change.
    let start = previous.iter().rposition(|p| p.meter_changed).unwrap_or(0);
    let series = &previous[start..];
    let first = &series[0];
    let days = last.day.0 - first.day.0;
    let used = last.value - first.value;
    if series.len() >= 2 && days > 0 && used > 0 && !r.confirmed_high {
        let usual = used as f64 / f64::from(days);
        let now_days = (r.day.0 - last.day.0).max(1);
        let now = (r.value - last.value) as f64 / f64::from(now_days);
        if now > HIGH_FACTOR * usual {
            return Verdict::ToCheck(Refusal::ReadingHigh {
                value: r.value,
                per_day: format!("{now:.1}"),
                since: last.day,
                usual: format!("{usual:.1}"),
            });
        }
    }
    Verdict::Accepted
}

#[cfg(test)]
mod tests {
    use super::*;

    const D0: Day = Day(15000);

    fn past(days: i32, value: i64) -> PastReading {
        PastReading {
            day: Day(D0.0 + days),
            value,
            meter_changed: false,
        }
    }

    fn sent(days: i32, value: i64) -> SentReading {
        SentReading {
            supply_point: 12,
            value,
            day: Day(D0.0 + days),
            sent_day: Day(D0.0 + days),
            meter_changed: false,
            confirmed_high: false,
        }
    }

    #[test]
    fn only_gas_and_water_meters_are_read() {
        let v = verdict(Service::Electricity, &[], &sent(0, 10));
        assert!(matches!(
            v,
            Verdict::Refused(Refusal::ReadingNotMetered { .. })
        ));
        assert_eq!(
            verdict(Service::Water, &[], &sent(0, 10)),
            Verdict::Accepted
        );
    }

    #[test]
    fn negative_and_future_readings_are_refused() {
        assert_eq!(check_sent(&sent(0, -1)), Err(Refusal::ReadingNegative));
        let mut r = sent(3, 10);
        r.sent_day = D0;
        assert!(matches!(
            check_sent(&r),
            Err(Refusal::ReadingAfterSent { .. })
        ));
    }

    #[test]
    fn the_same_reading_again_is_the_stored_one() {
        let prev = [past(0, 1000), past(30, 1300)];
        assert_eq!(
            verdict(Service::Gas, &prev, &sent(30, 1300)),
            Verdict::AlreadyStored(1)
        );
    }

    #[test]
    fn earlier_or_lower_readings_are_refused_unless_the_meter_changed() {
        let prev = [past(0, 1000), past(30, 1300)];
        let v = verdict(Service::Gas, &prev, &sent(20, 1400));
        assert!(matches!(
            v,
            Verdict::Refused(Refusal::ReadingBeforeLast { .. })
        ));
        let v = verdict(Service::Gas, &prev, &sent(40, 1200));
        let Verdict::Refused(r) = v else {
            panic!("{v:?}")
        };
        assert!(r.to_string().contains("below the last one"), "{r}");
        let mut changed = sent(40, 5);
        changed.meter_changed = true;
        assert_eq!(verdict(Service::Gas, &prev, &changed), Verdict::Accepted);
    }

    #[test]
    fn a_high_reading_is_to_be_checked_unless_confirmed() {
        // 10 a day; exactly three times is fine, more is to be checked.
        let prev = [past(0, 1000), past(30, 1300)];
        assert_eq!(
            verdict(Service::Gas, &prev, &sent(40, 1600)),
            Verdict::Accepted
        );
        let v = verdict(Service::Gas, &prev, &sent(40, 1700));
        let Verdict::ToCheck(r) = v else {
            panic!("{v:?}")
        };
        assert!(r.to_string().contains("three times"), "{r}");
        let mut confirmed = sent(40, 1700);
        confirmed.confirmed_high = true;
        assert_eq!(verdict(Service::Gas, &prev, &confirmed), Verdict::Accepted);
        // One reading only: no usual consumption yet.
        assert_eq!(
            verdict(Service::Gas, &prev[..1], &sent(1, 9000)),
            Verdict::Accepted
        );
    }
}
