//! AS from the trunk-occupancy feed against real stores (SQLite, and PostgreSQL when
//! CANALI_TEST_POSTGRES is set): a file with a hand-computed AS, a month without data, garbage
//! lines, and a re-import.

use canali_callcenter::occupancy::{self, import_file};
use canali_callcenter::settings::Standard;
use canali_callcenter::{CallCenterSettings, Line, kpi};
use canali_domain::schedule::WeeklyHours;
use canali_store::testing::fresh_stores;
use std::fmt::Write as _;

/// Monday 2011-03-07, residential line, 30 channels, 5-minute intervals from 07:00 to 19:00;
/// every channel busy from 10:00 to 10:30. With open hours 08:00-18:00 (600 minutes) the line
/// had a free channel 570 of 600 minutes: AS = 95.0%. Two garbage lines, and the business
/// line's 08:00 interval.
fn feed() -> String {
    let mut f = String::from("line,start,end,channels,busy\n");
    for i in 0..144 {
        let (s, e) = (7 * 60 + i * 5, 7 * 60 + i * 5 + 5);
        let busy = if (600..630).contains(&s) { 30 } else { 29 };
        let hm = |m: i32| format!("{:02}:{:02}", m / 60, m % 60);
        writeln!(
            f,
            "residential,2011-03-07 {},2011-03-07 {},30,{busy}",
            hm(s),
            hm(e)
        )
        .unwrap();
        if i == 10 {
            f.push_str("residential,2011-03-07 08:00,not a time,30,2\n");
            f.push_str("trunk-7|2011-03-07|garbage\n");
        }
    }
    f.push_str("business,2011-03-07T08:00:00+01:00,2011-03-07T08:05:00+01:00,10,10\n");
    f
}

fn settings() -> CallCenterSettings {
    CallCenterSettings {
        open_hours: WeeklyHours::parse("mo-fr 08:00-18:00").unwrap(),
        ..CallCenterSettings::default()
    }
}

#[tokio::test]
async fn as_from_a_hand_computed_feed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("occupancy.csv");
    std::fs::write(&path, feed()).unwrap();
    let settings = settings();
    for ts in fresh_stores().await.unwrap() {
        let s = &ts.store;
        let name = ts.name;
        let first = import_file(s, &path).await.unwrap();
        assert_eq!((first.intervals, first.inserted), (145, 145), "{name}");
        let bad: Vec<(usize, &str)> = first.bad.iter().map(|b| (b.line, b.field)).collect();
        // Line 1 is the header; interval i is on line i + 2, the garbage after interval 10.
        assert_eq!(bad, [(13, "end"), (14, "line")], "{name}");
        assert!(
            first.to_string().contains("line 13: end: 'not a time'"),
            "{first}"
        );
        // Re-importing adds nothing.
        let again = import_file(s, &path).await.unwrap();
        assert_eq!((again.intervals, again.inserted), (145, 0), "{name}");

        // The day: 95.0%, the whole open time covered, ARERA energy's AS >= 90% met.
        let days = kpi::days(s, 2011, 3, Some(Line::Residential), &settings)
            .await
            .unwrap();
        let day = days.iter().find(|d| d.period == "2011-03-07").unwrap();
        assert_eq!(day.as_pct, Some(95.0), "{name}");
        assert_eq!(day.access.open_seconds, 600 * 60, "{name}");
        assert_eq!(day.access.free_seconds, 570 * 60, "{name}");
        assert_eq!(day.as_coverage_pct, Some(100.0), "{name}");
        assert_eq!(day.as_note, None, "{name}");
        let energy = |i: &kpi::Indicators| {
            i.checks
                .iter()
                .find(|c| c.standard == "ARERA energy sales" && c.indicator == "AS")
                .map(|c| (c.value, c.met))
        };
        assert_eq!(energy(day), Some((Some(95.0), Some(true))), "{name}");
        // The next day has no data.
        let next = days.iter().find(|d| d.period == "2011-03-08").unwrap();
        assert_eq!(
            (next.as_pct, next.as_note.as_deref()),
            (None, Some(kpi::AS_NOT_COMPUTABLE))
        );

        // The month: the same 95.0%, on 1 of 23 open days: partial coverage stated.
        let month = kpi::month(s, 2011, 3, Some(Line::Residential), &settings)
            .await
            .unwrap();
        let m = &month[0];
        assert_eq!(m.as_pct, Some(95.0), "{name}");
        assert_eq!(m.access.open_seconds, 23 * 600 * 60, "{name}");
        let note = m.as_note.as_deref().unwrap();
        assert_eq!(
            note, "AS on 4.3% of the open time covered by line-occupancy data",
            "{name}"
        );
        // Business: its one interval is all busy: AS 0%, not met.
        let bus = kpi::month(s, 2011, 3, Some(Line::Business), &settings)
            .await
            .unwrap();
        assert_eq!(bus[0].as_pct, Some(0.0), "{name}");
        assert_eq!(energy(&bus[0]), Some((Some(0.0), Some(false))), "{name}");

        // A month without occupancy data: AS cannot be computed, and cannot be judged.
        let april = kpi::month(s, 2011, 4, Some(Line::Residential), &settings)
            .await
            .unwrap();
        assert_eq!(april[0].as_pct, None, "{name}");
        assert_eq!(april[0].as_note.as_deref(), Some(kpi::AS_NOT_COMPUTABLE));
        assert_eq!(energy(&april[0]), Some((None, None)), "{name}");

        // The year: March judged, the other months not.
        let year = kpi::year(s, 2011, Line::Residential, &settings)
            .await
            .unwrap();
        assert_eq!(year[2].as_pct, Some(95.0), "{name}");
        assert!(year.iter().filter(|m| m.as_pct.is_some()).count() == 1);
    }
}

/// Water's AS must be strictly above 90%: exactly 90% is not enough, where energy's >= is.
#[test]
fn water_as_is_strict() {
    let settings = CallCenterSettings::default();
    let water: &Standard = settings
        .standards
        .iter()
        .find(|s| s.as_strict)
        .expect("the water standard");
    let access = occupancy::Access {
        open_seconds: 100,
        covered_seconds: 100,
        free_seconds: 90,
    };
    let ind = kpi::indicators(
        "2017-03".into(),
        Line::Residential,
        jiff::civil::date(2017, 3, 1),
        &Default::default(),
        &[],
        &access,
        &settings,
    );
    let met = |std: &str| {
        ind.checks
            .iter()
            .find(|c| c.standard == std && c.indicator == "AS")
            .and_then(|c| c.met)
    };
    assert_eq!(met(&water.name), Some(false));
    assert_eq!(met("ARERA energy sales"), Some(true));
}
