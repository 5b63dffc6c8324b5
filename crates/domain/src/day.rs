//! Calendar days as compact integers: the key of the daily rollups.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::sync::LazyLock;

/// The utility's time zone: every local date and opening hour is in Europe/Rome.
pub static ROME: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZone::get("Europe/Rome").expect("the bundled tz database has Europe/Rome")
});

/// A civil date as the number of days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

const EPOCH: Date = jiff::civil::date(1970, 1, 1);

impl Day {
    pub fn from_date(date: Date) -> Day {
        Day(date.since(EPOCH).expect("date span").get_days())
    }

    pub fn date(self) -> Date {
        EPOCH
            .checked_add(self.0.days())
            .expect("day within jiff's range")
    }

    /// The local (Europe/Rome) date of an instant given in microseconds since the epoch.
    pub fn of_micros(micros: i64) -> Day {
        let ts = Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH);
        Day::from_date(ts.to_zoned(ROME.clone()).date())
    }

    /// Month key `year * 100 + month`, e.g. 201103.
    pub fn month_key(self) -> i32 {
        let d = self.date();
        i32::from(d.year()) * 100 + i32::from(d.month())
    }

    pub fn year(self) -> i16 {
        self.date().year()
    }
}

/// Microseconds since the epoch of a local Europe/Rome date and time.
pub fn local_micros(date: Date, hour: i8, minute: i8, second: i8) -> i64 {
    date.at(hour, minute, second, 0)
        .to_zoned(ROME.clone())
        .expect("local time resolves in Europe/Rome")
        .timestamp()
        .as_microsecond()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn days_round_trip_and_follow_rome() {
        let d = date(2011, 12, 31);
        assert_eq!(Day::from_date(d).date(), d);
        assert_eq!(Day::from_date(date(1970, 1, 2)), Day(1));
        // 23:30 UTC on 31 December is already 1 January in Rome.
        let ts: Timestamp = "2011-12-31T23:30:00Z".parse().unwrap();
        assert_eq!(Day::of_micros(ts.as_microsecond()).date(), date(2012, 1, 1));
        assert_eq!(Day::from_date(d).month_key(), 201112);
    }
}
