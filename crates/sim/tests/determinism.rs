//! Same seed, same utility; the generators run without a database.

use canali_sim::{Generator, SimConfig};
use canali_store::NewContact;
use jiff::civil::date;

fn first_contacts(cfg: &SimConfig, n: usize) -> Vec<NewContact> {
    let g = Generator::new(cfg).unwrap();
    let mut out = Vec::new();
    g.contacts(&mut |_| {}, &mut |b| {
        out.extend(b);
        out.len() < n
    });
    out.truncate(n);
    out
}

#[test]
fn the_same_seed_gives_the_same_records() {
    let cfg = SimConfig {
        from: date(2011, 3, 1),
        to: date(2011, 3, 31),
        scale: 0.002,
        seed: 7,
        progress: false,
    };
    let a = first_contacts(&cfg, 500);
    let b = first_contacts(&cfg, 500);
    assert_eq!(a.len(), 500);
    assert_eq!(a, b);
    let other = first_contacts(
        &SimConfig {
            seed: 8,
            ..cfg.clone()
        },
        500,
    );
    assert_ne!(a, other);

    let customers = |cfg: &SimConfig| {
        let g = Generator::new(cfg).unwrap();
        let mut out = Vec::new();
        g.customers(&mut |b| {
            out.extend(b);
            false
        });
        out.truncate(500);
        out
    };
    assert_eq!(customers(&cfg), customers(&cfg));
    assert_ne!(
        customers(&cfg),
        customers(&SimConfig {
            seed: 8,
            ..cfg.clone()
        })
    );
}

#[test]
fn a_day_is_the_same_whatever_the_range() {
    // March 2011 alone, and as part of the first quarter: its contacts are the same rows.
    let scale = 0.002;
    let march = SimConfig {
        from: date(2011, 3, 1),
        to: date(2011, 3, 31),
        scale,
        seed: 5,
        progress: false,
    };
    let quarter = SimConfig {
        from: date(2011, 1, 1),
        to: date(2011, 3, 31),
        ..march.clone()
    };
    let alone = first_contacts(&march, usize::MAX);
    let within: Vec<NewContact> = first_contacts(&quarter, usize::MAX)
        .into_iter()
        .filter(|c| c.external_id.as_str() >= "c2011-060")
        .collect();
    assert!(!alone.is_empty());
    assert_eq!(alone, within);
}

#[test]
fn external_ids_are_unique_and_contacts_respect_the_hours() {
    use canali_domain::Channel;
    use jiff::Timestamp;
    let cfg = SimConfig {
        from: date(2011, 1, 1),
        to: date(2011, 12, 31),
        scale: 0.002,
        seed: 3,
        progress: false,
    };
    let g = Generator::new(&cfg).unwrap();
    let all = first_contacts(&cfg, usize::MAX);
    let mut ids: Vec<&str> = all.iter().map(|c| c.external_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len());
    let holidays: Vec<jiff::civil::Date> = canali_domain::schedule::italian_public_holidays(2011)
        .into_iter()
        .map(|h| h.0)
        .collect();
    for c in &all {
        let local = Timestamp::from_microsecond(c.started_at)
            .unwrap()
            .to_zoned(canali_domain::ROME.clone());
        let (d, h, m) = (local.date(), local.hour(), local.minute());
        let minute = i32::from(h) * 60 + i32::from(m);
        let wd = d.weekday().to_monday_one_offset();
        match c.channel {
            Channel::CallCenterResidential => {
                assert!(!holidays.contains(&d), "{c:?}");
                assert!(
                    wd <= 6 && minute >= 480 && minute < if wd == 6 { 780 } else { 1200 },
                    "{c:?}"
                );
                assert_eq!(c.line.as_deref(), Some("residential"));
                assert!(c.agent.is_some() && c.wait_seconds.is_some());
            }
            Channel::CallCenterBusiness => {
                assert!(!holidays.contains(&d), "{c:?}");
                assert!(wd <= 5 && (480..1080).contains(&minute), "{c:?}");
                assert_eq!(c.line.as_deref(), Some("business"));
            }
            Channel::Branch => {
                assert!(!holidays.contains(&d));
                let code = c.branch.as_deref().unwrap();
                let b = g.branches.iter().find(|b| b.code == code).unwrap();
                let week: canali_domain::schedule::WeeklyHours = b.hours.parse().unwrap();
                let open = week.intervals(d.weekday()).iter().any(|&(s, e)| {
                    let t = local.time();
                    s <= t && (t < e || e == jiff::civil::Time::MAX)
                });
                assert!(open, "{code} closed at {local}");
                assert!(canali_sim::network::serves_on(
                    code,
                    &g.events,
                    canali_domain::Day::from_date(d)
                ));
                assert_eq!(c.territory, Some(b.sot));
            }
            Channel::Web => assert!(c.customer.is_some()),
            Channel::Mail => assert!(c.ended_at.is_none() && wd <= 6),
        }
    }
}
