//! The registry story: import TOML and CSV (upsert by code), the network at any date, and
//! opening hours at any instant, checked against the domain's reference `Schedule`.

use canali_branches::network::Network;
use canali_branches::{ImportFormat, parse_registry};
use canali_domain::schedule::{Schedule, WeeklyHours};
use canali_domain::{Day, ROME};
use canali_store::testing::fresh_stores;
use jiff::civil::date;
use jiff::{Timestamp, ToSpan};
use std::collections::HashMap;

const TOML: &str = r#"
[[sot]]
code = 1
name = "Bologna"

[[sot]]
code = 7
name = "Rimini"

[[template]]
name = "homogeneous_33h"
hours = "mo-th 08:00-15:00; fr 08:00-13:00"

[[branch]]
code = "BO01"
name = "Sportello Bologna Berti Pichat"
municipality = "Bologna"
address = "Viale Berti Pichat 2/4"
sot = 1
kind = "priority"
counters = 8
services = ["gas", "electricity", "water", "waste"]
hours = "mo-fr 08:00-16:00; sa 08:00-12:00"
latitude = 44.5
longitude = 11.36
events = [{ date = 2005-01-10, kind = "opened" }, { date = "2011-03-14", kind = "renovated", note = "new counters" }]
exceptions = [
  { date = 2011-08-16, hours = "08:00-12:00", note = "day after Ferragosto" },
  { date = "2011-03-15", note = "closed for works" },
  { date = 2011-04-25, hours = "09:00-11:00", note = "open on a holiday" },
]

[[branch]]
code = "BO07"
name = "Sportello Budrio"
municipality = "Budrio"
sot = 1
kind = "standard"
operator = "outsourced"
contractor = "Servizi Territoriali Emilia"
host = "third_party"
host_name = "Comune di Budrio"
counters = 2
template = "homogeneous_33h"
latitude = 44.54
longitude = 11.53

[[branch]]
code = "RN05"
name = "Cattolica punto temporaneo"
municipality = "Cattolica"
sot = 7
kind = "temporary_presence_point"
hours = "we,sa 09:00-12:00"
latitude = 43.96
longitude = 12.74
events = [{ date = 2011-06-01, kind = "opened" }, { date = 2011-09-30, kind = "closed" }]
"#;

const CSV: &str = "code,name,municipality,sot,kind,operator,contractor,host,host_name,counters,services,hours,template,latitude,longitude,events,exceptions
BO07,Sportello Budrio,Budrio,1,standard,own,,own,,3,gas|water,,homogeneous_33h,44.54,11.53,renovated 2011-10-17 rinnovato,2011-12-24=closed
FE01,Sportello Ferrara,Ferrara,2,priority,,,,,5,,mo-fr 08:00-15:00,,44.83,11.62,opened 2011-02-01,
";

fn ts(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    date(y, m, d)
        .at(h, min, 0, 0)
        .to_zoned(ROME.clone())
        .unwrap()
        .timestamp()
}

#[tokio::test]
async fn import_upsert_and_answer_at_any_date() {
    for t in fresh_stores().await.unwrap() {
        let store = &t.store;
        let u = parse_registry(TOML, ImportFormat::Toml, &HashMap::new()).unwrap();
        let out = store.network().upsert_registry(&u).await.unwrap();
        assert_eq!(
            (out.branches_new, out.branches_updated, out.events_new),
            (3, 0, 4),
            "{}",
            t.name
        );
        // Importing again changes nothing new.
        let again = store.network().upsert_registry(&u).await.unwrap();
        assert_eq!(
            (again.branches_new, again.branches_updated, again.events_new),
            (0, 3, 0)
        );

        let known: HashMap<String, String> = store
            .network()
            .schedule_templates()
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.hours))
            .collect();
        let csv = parse_registry(CSV, ImportFormat::Csv, &known).unwrap();
        let out = store.network().upsert_registry(&csv).await.unwrap();
        assert_eq!((out.branches_new, out.branches_updated), (1, 1));

        let net = Network::load(store).await.unwrap();
        // BO07 was updated by the CSV: own staff now, 3 counters, same template.
        let bo07 = net
            .branches
            .iter()
            .find(|b| b.branch.code == "BO07")
            .unwrap();
        assert_eq!(bo07.branch.counters, 3);
        assert_eq!(bo07.branch.host_name, None);
        assert_eq!(bo07.services, "gas,water");
        assert_eq!(bo07.hours.hours_per_week(), 33.0);

        let at = net.at(date(2011, 7, 1));
        assert_eq!(
            at.total, 4,
            "BO01, BO07, RN05 and FE01 (opened in February)"
        );
        let at = net.at(date(2011, 1, 31));
        assert_eq!(at.total, 2, "FE01 not yet, RN05 not yet");
        let end = net.at(date(2011, 12, 31));
        assert_eq!(end.total, 3, "RN05 closed, FE01 opened");
        assert!(end.branches.iter().all(|b| b.code != "RN05"));
        assert_eq!(
            end.by_template,
            vec![("homogeneous_33h".to_string(), 1, 33.0)]
        );
        assert_eq!(end.hosted_at_third_parties, 0);
        let kinds: Vec<&str> = end.events_of_year.iter().map(|e| e.kind.name()).collect();
        assert_eq!(
            kinds,
            ["opened", "renovated", "opened", "closed", "renovated"]
        );

        // Opening hours at instants: weekday, exception closed, exception shorter, holiday,
        // exception opening on a holiday.
        let open = |at: Timestamp, code: &str| {
            net.open_now(at, None)
                .into_iter()
                .find(|r| r.code == code)
                .map(|r| r.open)
        };
        assert_eq!(open(ts(2011, 3, 14, 10, 0), "BO01"), Some(true));
        assert_eq!(open(ts(2011, 3, 15, 10, 0), "BO01"), Some(false));
        assert_eq!(open(ts(2011, 8, 16, 11, 59), "BO01"), Some(true));
        assert_eq!(open(ts(2011, 8, 16, 12, 0), "BO01"), Some(false));
        assert_eq!(
            open(ts(2011, 6, 2, 10, 0), "BO01"),
            Some(false),
            "Festa della Repubblica"
        );
        assert_eq!(
            open(ts(2011, 4, 25, 10, 0), "BO01"),
            Some(true),
            "opened on a holiday"
        );
        assert_eq!(open(ts(2011, 12, 24, 10, 0), "BO07"), Some(false));
        assert_eq!(
            open(ts(2011, 10, 1, 10, 0), "RN05"),
            None,
            "closed for good"
        );
        let row = net
            .open_now(ts(2011, 3, 15, 10, 0), None)
            .into_iter()
            .find(|r| r.code == "BO01")
            .unwrap();
        assert_eq!(row.next_opening.as_deref(), Some("2011-03-16T08:00+01:00"));
        assert_eq!(row.hours_this_week, 44.0 - 8.0);
        let sat = net
            .open_now(ts(2011, 3, 19, 11, 0), None)
            .into_iter()
            .find(|r| r.code == "BO01")
            .unwrap();
        assert_eq!(sat.until.as_deref(), Some("2011-03-19T12:00+01:00"));
        // Near a municipality: the nearest first.
        let p = net.municipality_point("budrio").unwrap();
        assert_eq!(
            net.open_now(ts(2011, 3, 14, 10, 0), Some(p))[0].code,
            "BO07"
        );
    }
}

#[test]
fn bad_files_say_what_is_wrong() {
    let none = HashMap::new();
    let bad = |text: &str, format| parse_registry(text, format, &none).unwrap_err().to_string();
    let base = "code,name,municipality,sot,kind,hours,latitude,longitude\n";
    assert!(
        bad(
            &format!("{base}X,n,m,1,huge,mo 08:00-09:00,44,11\n"),
            ImportFormat::Csv
        )
        .contains("'huge' is not a branch kind")
    );
    assert!(
        bad(
            &format!("{base}X,n,m,1,standard,mo 09:00-08:00,44,11\n"),
            ImportFormat::Csv
        )
        .contains("branch X")
    );
    assert!(
        bad(
            &format!("{base}X,n,m,1,standard,,44,11\n"),
            ImportFormat::Csv
        )
        .contains("no hours and no template")
    );
    let t = "[[branch]]\ncode='X'\nname='n'\nmunicipality='m'\nsot=1\nkind='standard'\noperator='outsourced'\nhours='mo 08:00-09:00'\nlatitude=44.0\nlongitude=11.0\n";
    assert!(bad(t, ImportFormat::Toml).contains("contractor"));
    let t = "[[branch]]\ncode='X'\nname='n'\nmunicipality='m'\nsot=1\nkind='standard'\ntemplate='nope'\nlatitude=44.0\nlongitude=11.0\n";
    assert!(bad(t, ImportFormat::Toml).contains("unknown schedule template 'nope'"));
}

/// The simulated network answers the seed's questions at 2011-12-31, and the compiled hours
/// agree with the domain's reference schedule every 15 minutes of 2011 (DST days included).
#[tokio::test]
async fn the_demo_network_and_the_reference_schedule() {
    let t = canali_store::testing::fresh_sqlite().await.unwrap();
    let store = &t.store;
    store
        .network()
        .insert_sots(&canali_sim::network::sots())
        .await
        .unwrap();
    let branches = canali_sim::network::branches();
    store.network().insert_branches(&branches).await.unwrap();
    store
        .network()
        .insert_branch_events(&canali_sim::network::branch_events())
        .await
        .unwrap();
    let net = Network::load(store).await.unwrap();
    let at = net.at(date(2011, 12, 31));
    assert_eq!(at.total, 84);
    assert_eq!(at.by_template[0].1, 8);
    assert_eq!(at.by_template[0].2, 33.0);
    assert_eq!(at.hosted_at_third_parties, 18);
    let events = &at.events_of_year;
    let count = |k: &str| events.iter().filter(|e| e.kind.name() == k).count();
    assert_eq!(
        (count("opened"), count("renovated"), count("closed")),
        (2, 3, 2)
    );

    // The same existence rule as the yearly report, every day of 2010-2012.
    let events = canali_sim::network::branch_events();
    for d in Day::from_date(date(2010, 1, 1)).0..=Day::from_date(date(2012, 12, 31)).0 {
        for b in &net.branches {
            assert_eq!(
                b.exists_on(Day(d)),
                canali_report::exists_at(&b.branch.code, &events, Day(d)),
                "{} on {}",
                b.branch.code,
                Day(d).date()
            );
        }
    }

    let reference: Vec<(String, Schedule)> = branches
        .iter()
        .map(|b| {
            let s = Schedule::from(WeeklyHours::parse(&b.hours).unwrap())
                .with_public_holidays([2011, 2012]);
            (b.code.clone(), s)
        })
        .collect();
    let mut at = ts(2011, 1, 1, 0, 0);
    let end = ts(2012, 1, 1, 0, 0);
    let mut checked = 0;
    while at < end {
        let day = Day::of_micros(at.as_microsecond());
        for row in net.open_now(at, None) {
            let (_, s) = reference.iter().find(|(c, _)| *c == row.code).unwrap();
            assert_eq!(row.open, s.is_open_at(at), "{} at {at}", row.code);
            if !row.open {
                let next = s
                    .next_opening(at)
                    .map(|z| z.strftime("%Y-%m-%dT%H:%M%:z").to_string());
                // The reference knows no closures; compare while the branch stays in service.
                if net
                    .branches
                    .iter()
                    .find(|b| b.branch.code == row.code)
                    .unwrap()
                    .exists_on(Day(day.0 + 14))
                {
                    assert_eq!(row.next_opening, next, "{} at {at}", row.code);
                }
            }
            checked += 1;
        }
        at = at.checked_add(15.minutes()).unwrap();
    }
    assert!(checked > 2_000_000);
}
