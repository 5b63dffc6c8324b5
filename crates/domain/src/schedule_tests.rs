use super::*;
use jiff::civil::{date, time};
use proptest::prelude::*;

const SEED_33_HOURS: &str = "mo-th 08:00-15:00; fr 08:00-13:00";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn local(d: Date, h: i8, m: i8) -> Timestamp {
    d.at(h, m, 0, 0).to_zoned(ROME.clone()).unwrap().timestamp()
}

fn schedule(text: &str) -> Schedule {
    Schedule::from(WeeklyHours::parse(text).unwrap())
}

#[test]
fn the_seed_week_has_33_hours() {
    let week = WeeklyHours::parse(SEED_33_HOURS).unwrap();
    assert_eq!(week.minutes_per_week(), 33 * 60);
    assert_eq!(week.hours_per_week(), 33.0);
    assert_eq!(week.to_string(), SEED_33_HOURS);
    assert_eq!(
        week.intervals(Weekday::Thursday),
        &[(time(8, 0, 0, 0), time(15, 0, 0, 0))]
    );
    assert!(week.intervals(Weekday::Saturday).is_empty());
}

#[test]
fn text_form_is_lenient_in_and_canonical_out() {
    let canonical = |s: &str| WeeklyHours::parse(s).unwrap().to_string();
    assert_eq!(
        canonical(" Fr 08:00-13:00 ;MO-TH 8:00-15:00;"),
        SEED_33_HOURS
    );
    assert_eq!(
        canonical("mo, we, fr 09:00-12:00, 14:00-16:00"),
        "mo,we,fr 09:00-12:00,14:00-16:00"
    );
    assert_eq!(canonical("sa-su 09:00-12:00"), "sa,su 09:00-12:00");
    assert_eq!(
        canonical("mo 08:00-10:00; mo 10:00-12:00"),
        "mo 08:00-12:00"
    );
    assert_eq!(
        canonical("mo-fr 08:00-12:00; mo,tu 14:00-17:00"),
        "mo,tu 08:00-12:00,14:00-17:00; we-fr 08:00-12:00"
    );
    let always = WeeklyHours::parse("mo-su 00:00-24:00").unwrap();
    assert_eq!(always.hours_per_week(), 168.0);
    assert_eq!(always.to_string(), "mo-su 00:00-24:00");
    let never = WeeklyHours::parse("").unwrap();
    assert!(never.is_never_open());
    assert_eq!(never.to_string(), "");
}

#[test]
fn text_errors_say_where() {
    let err = |s: &str| WeeklyHours::parse(s).unwrap_err().to_string();
    assert_eq!(
        err("mo-th 08:00-25:00"),
        "opening hours 'mo-th 08:00-25:00': 25:00 is not a time of day (group 1)"
    );
    assert_eq!(
        err("mo-fr 08:00-12:00; we 11:00-13:00"),
        "opening hours 'mo-fr 08:00-12:00; we 11:00-13:00': \
         08:00-12:00 and 11:00-13:00 overlap on we (group 2)"
    );
    assert!(err("mo 12:00-08:00").contains("12:00-08:00 does not end after it starts (group 1)"));
    assert!(err("mo 08:00-08:00").contains("does not end after it starts"));
    assert!(err("mo 08:00-12:00; xx 08:00-09:00").contains("'xx' is not a day"));
    assert!(err("fr-mo 08:00-09:00").contains("the day range 'fr-mo' runs backwards"));
    assert!(err("08:00-09:00").contains("no days before the hours (group 1)"));
    assert!(err("mo-fr").contains("no hours after the days"));
    assert!(err("mo 0800-1200").contains("0800 is not a time of day"));
    assert!(err("mo 08:00").contains("'08:00' is not an interval HH:MM-HH:MM"));
    assert!(err("mo 24:00-24:00").contains("24:00 is not a time of day"));
    assert!(err("mo 08:5-09:00").contains("08:5 is not a time of day"));
    assert!(
        parse_intervals("09:00-12:00,11:00-13:00")
            .unwrap_err()
            .to_string()
            .contains("09:00-12:00 and 11:00-13:00 overlap")
    );
}

#[test]
fn values_are_checked_like_text() {
    let mut days: [Vec<Interval>; 7] = Default::default();
    days[2] = vec![(time(12, 0, 0, 0), time(9, 0, 0, 0))];
    let err = WeeklyHours::from_days(days).unwrap_err().to_string();
    assert_eq!(
        err,
        "opening hours on we: 12:00-09:00 does not end after it starts"
    );
    let mut days: [Vec<Interval>; 7] = Default::default();
    days[0] = vec![(time(9, 0, 30, 0), time(10, 0, 0, 0))];
    assert!(WeeklyHours::from_days(days).is_err());
}

#[test]
fn is_open_at_follows_the_2011_clock_changes() {
    let s = schedule("mo-su 08:00-20:00");
    // Saturday 26 March 2011 is still on CET (UTC+1).
    assert!(!s.is_open_at(ts("2011-03-26T06:45:00Z")));
    assert!(s.is_open_at(ts("2011-03-26T07:15:00Z")));
    assert!(s.is_open_at(ts("2011-03-26T18:45:00Z")));
    // Sunday 27 March 2011 is on CEST (UTC+2) from 01:00 UTC.
    assert!(s.is_open_at(ts("2011-03-27T06:15:00Z")));
    assert!(s.is_open_at(ts("2011-03-27T17:45:00Z")));
    assert!(!s.is_open_at(ts("2011-03-27T18:15:00Z")));
    // Saturday 29 October 2011 is still on CEST.
    assert!(s.is_open_at(ts("2011-10-29T17:45:00Z")));
    assert!(!s.is_open_at(ts("2011-10-29T18:15:00Z")));
    // Sunday 30 October 2011 is back on CET from 01:00 UTC.
    assert!(!s.is_open_at(ts("2011-10-30T06:45:00Z")));
    assert!(s.is_open_at(ts("2011-10-30T07:15:00Z")));
    assert!(s.is_open_at(ts("2011-10-30T18:45:00Z")));
    assert!(!s.is_open_at(ts("2011-10-30T19:15:00Z")));
}

#[test]
fn intervals_across_the_transitions_last_real_time() {
    let night = schedule("su 01:00-04:00");
    // 01:00 CET to 04:00 CEST: two real hours.
    assert_eq!(
        night.open_minutes_between(date(2011, 3, 27), date(2011, 3, 27)),
        120
    );
    // 01:00 CEST to 04:00 CET: four real hours, 02:xx happening twice.
    assert_eq!(
        night.open_minutes_between(date(2011, 10, 30), date(2011, 10, 30)),
        240
    );
    assert!(night.is_open_at(ts("2011-10-30T00:30:00Z")));
    assert!(night.is_open_at(ts("2011-10-30T01:30:00Z")));
    assert_eq!(
        night
            .next_closing(ts("2011-10-30T00:30:00Z"))
            .unwrap()
            .timestamp(),
        ts("2011-10-30T03:00:00Z")
    );

    // The hour that does not exist is never open.
    let gap = schedule("su 02:00-03:00");
    assert_eq!(
        gap.open_minutes_between(date(2011, 3, 27), date(2011, 3, 27)),
        0
    );
    assert_eq!(
        gap.next_opening(ts("2011-03-27T00:00:00Z")).unwrap().date(),
        date(2011, 4, 3)
    );
    // A folded time means its first (summer) occurrence.
    let fold = schedule("su 02:00-02:30");
    assert!(fold.is_open_at(ts("2011-10-30T00:15:00Z")));
    assert!(!fold.is_open_at(ts("2011-10-30T01:15:00Z")));
}

#[test]
fn next_opening_after_friday_afternoon_is_monday_morning() {
    let s = schedule(SEED_33_HOURS);
    let friday = local(date(2011, 3, 4), 14, 0);
    let next = s.next_opening(friday).unwrap();
    assert_eq!(next.datetime(), date(2011, 3, 7).at(8, 0, 0, 0));
    // Across the spring change, Monday 08:00 is 06:00 UTC.
    let next = s.next_opening(local(date(2011, 3, 25), 14, 0)).unwrap();
    assert_eq!(next.datetime(), date(2011, 3, 28).at(8, 0, 0, 0));
    assert_eq!(next.timestamp(), ts("2011-03-28T06:00:00Z"));
    // Open now: now.
    let monday = local(date(2011, 3, 7), 10, 0);
    assert_eq!(s.next_opening(monday).unwrap().timestamp(), monday);
    // Never open: nothing.
    assert_eq!(schedule("").next_opening(monday), None);
}

#[test]
fn next_closing_runs_across_midnight() {
    let s = schedule(SEED_33_HOURS);
    let monday = local(date(2011, 3, 7), 10, 0);
    assert_eq!(
        s.next_closing(monday).unwrap().datetime(),
        date(2011, 3, 7).at(15, 0, 0, 0)
    );
    assert_eq!(s.next_closing(local(date(2011, 3, 7), 15, 0)), None);

    let late = schedule("mo 20:00-24:00; tu 00:00-02:00");
    assert_eq!(
        late.next_closing(local(date(2011, 3, 7), 21, 0))
            .unwrap()
            .datetime(),
        date(2011, 3, 8).at(2, 0, 0, 0)
    );
    assert!(late.is_open_at(local(date(2011, 3, 8), 0, 0)));
    assert!(!late.is_open_at(local(date(2011, 3, 8), 2, 0)));
    assert_eq!(schedule("mo-su 00:00-24:00").next_closing(monday), None);
}

#[test]
fn exceptions_win_over_the_week() {
    let wednesday = date(2011, 3, 9);
    let saturday = date(2011, 3, 12);
    let s = Schedule::new(
        WeeklyHours::parse(SEED_33_HOURS).unwrap(),
        vec![
            ScheduleException::open(
                saturday,
                vec![(time(9, 0, 0, 0), time(12, 0, 0, 0))],
                "apertura straordinaria",
            ),
            ScheduleException::closed(wednesday, "sciopero"),
        ],
    )
    .unwrap();
    assert!(s.intervals_on(wednesday).is_empty());
    assert!(!s.is_open_at(local(wednesday, 10, 0)));
    assert_eq!(
        s.next_opening(local(wednesday, 7, 0)).unwrap().datetime(),
        date(2011, 3, 10).at(8, 0, 0, 0)
    );
    assert!(s.is_open_at(local(saturday, 10, 0)));
    // Monday 7 to Sunday 13 March: 33 h, minus Wednesday's 7, plus Saturday's 3.
    assert_eq!(
        s.open_minutes_between(date(2011, 3, 7), date(2011, 3, 13)),
        (33 - 7 + 3) * 60
    );
    assert_eq!(
        s.open_minutes_between(date(2011, 3, 13), date(2011, 3, 7)),
        0
    );
    assert_eq!(s.exceptions()[0].date, wednesday);

    let mut twice = s.clone();
    let err = twice
        .add_exception(ScheduleException::closed(wednesday, "again"))
        .unwrap_err();
    assert_eq!(err.to_string(), "two exceptions on 2011-03-09");
}

#[test]
fn italian_holidays() {
    let h2011 = italian_public_holidays(2011);
    assert_eq!(h2011.len(), 11);
    // Easter 2011 was 24 April, so Easter Monday fell on Liberation Day.
    assert_eq!(easter_sunday(2011), date(2011, 4, 24));
    assert_eq!(
        h2011
            .iter()
            .filter(|(d, _)| *d == date(2011, 4, 25))
            .count(),
        2
    );
    assert!(h2011.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(easter_sunday(2024), date(2024, 3, 31));
    assert_eq!(easter_sunday(2025), date(2025, 4, 20));
    assert_eq!(easter_sunday(2000), date(2000, 4, 23));
    assert!(italian_public_holidays(2024).contains(&(date(2024, 4, 1), "Lunedì dell'Angelo")));

    let s = schedule(SEED_33_HOURS).with_public_holidays(2011..=2012);
    assert_eq!(s.exceptions().len(), 21);
    assert!(!s.is_open_at(local(date(2011, 12, 8), 10, 0)));
    assert!(!s.is_open_at(local(date(2011, 12, 26), 10, 0)));
    assert!(s.is_open_at(local(date(2011, 12, 27), 10, 0)));
}

/// A week of random intervals on whole minutes, 24:00 included; boundaries are distinct,
/// so no two intervals touch.
fn weekly_hours() -> impl Strategy<Value = WeeklyHours> {
    let day = prop::collection::btree_set(0u32..=1440, 0..=6).prop_map(|marks| {
        let marks: Vec<Time> = marks
            .into_iter()
            .map(|m| {
                if m == 1440 {
                    Time::MAX
                } else {
                    time((m / 60) as i8, (m % 60) as i8, 0, 0)
                }
            })
            .collect();
        marks
            .chunks_exact(2)
            .map(|c| (c[0], c[1]))
            .collect::<Vec<Interval>>()
    });
    prop::array::uniform7(day).prop_map(|days| WeeklyHours::from_days(days).unwrap())
}

proptest! {
    #[test]
    fn text_form_round_trips(week in weekly_hours()) {
        let text = week.to_string();
        prop_assert_eq!(WeeklyHours::parse(&text), Ok(week.clone()));
        let sum: u32 = [
            Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday,
            Weekday::Friday, Weekday::Saturday, Weekday::Sunday,
        ]
        .iter()
        .flat_map(|&d| week.intervals(d))
        .map(|&(s, e)| minute_of_day(e) - minute_of_day(s))
        .sum();
        prop_assert_eq!(week.minutes_per_week(), sum);
        // A week without clock changes is open exactly that long.
        let s = Schedule::from(week.clone());
        prop_assert_eq!(s.open_minutes_between(date(2011, 1, 10), date(2011, 1, 16)), sum);
    }

    #[test]
    fn next_opening_agrees_with_is_open_at(
        week in weekly_hours(), minutes in 0i64..(60 * 24 * 14),
    ) {
        let s = Schedule::from(week);
        let at = ts("2011-03-21T00:00:00Z")
            .checked_add(jiff::SignedDuration::from_mins(minutes))
            .unwrap();
        let next = s.next_opening(at).map(|z| z.timestamp());
        prop_assert_eq!(next == Some(at), s.is_open_at(at));
        if let Some(next) = next {
            prop_assert!(next >= at && s.is_open_at(next));
        }
        prop_assert_eq!(s.next_closing(at).is_some() || s.weekly().hours_per_week() == 168.0,
            s.is_open_at(at));
    }
}
