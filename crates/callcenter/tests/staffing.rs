//! Staffing: one interval against the exact formula, and a week plan from the arrivals in the
//! ledger.

use canali_callcenter::Line;
use canali_callcenter::follow::{ImportOptions, import_queue_log};
use canali_callcenter::generate::write_queue_log;
use canali_callcenter::staffing::{self, Target};
use canali_domain::erlang;
use canali_store::testing::fresh_stores;
use jiff::civil::date;
use std::io::Write;

#[test]
fn one_interval_equals_the_exact_formula() {
    let t: Target = "80/20".parse().unwrap();
    let s = staffing::interval(100.0, 1800.0, 180.0, t, 300_000).unwrap();
    assert_eq!((s.agents, s.scheduled), (14, 20));
    assert_eq!(
        s.service_level,
        erlang::service_level(14, 10.0, 180.0, 20.0)
    );
    assert_eq!(s.prob_wait, erlang::prob_wait(14, 10.0));
    assert!((s.asa - erlang::asa(14, 10.0, 180.0)).abs() < 1e-12);
    assert!((s.occupancy - 10.0 / 14.0).abs() < 1e-12);
    // 21 agents at 30% shrinkage: exactly 30.
    assert_eq!(erlang::with_shrinkage_ppm(21, 300_000), Some(30));
    let none = staffing::interval(0.0, 1800.0, 180.0, t, 300_000).unwrap();
    assert_eq!((none.agents, none.scheduled), (0, 0));
    assert!("80".parse::<Target>().is_err());
    assert!(staffing::interval(10.0, 1800.0, 180.0, t, 1_000_000).is_err());
}

#[tokio::test]
async fn a_week_plan_from_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue_log");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    // From Monday 2011-03-07 00:00 Rome, a call every ~60 s for two days.
    let exp = write_queue_log(&mut out, 2_900, 1_299_452_400, 30, 9, 10).unwrap();
    out.flush().unwrap();
    drop(out);
    for ts in fresh_stores().await.unwrap() {
        import_queue_log(&ts.store, &path, &ImportOptions::new("pbx"), &mut |_| {})
            .await
            .unwrap();
        let target: Target = "80/20".parse().unwrap();
        let plan = staffing::week_plan(
            &ts.store,
            Line::Residential,
            date(2011, 3, 7),
            target,
            250_000,
            180.0,
        )
        .await
        .unwrap();
        assert_eq!(plan.slots.len(), 7 * 48);
        assert_eq!(
            plan.calls as i64,
            exp.totals[&Line::Residential].offered,
            "{}",
            ts.name
        );
        let counted: f64 = plan.slots.iter().map(|s| s.staffing.calls).sum();
        assert_eq!(counted as u64, plan.calls);
        for s in &plan.slots {
            let i = &s.staffing;
            if i.calls > 0.0 {
                assert_eq!(
                    i.agents,
                    erlang::agents_for_service_level(i.load, i.aht, 20.0, 0.8)
                );
                assert_eq!(
                    Some(i.scheduled),
                    erlang::with_shrinkage_ppm(i.agents, 250_000)
                );
            } else {
                assert_eq!(i.agents, 0);
            }
        }
        assert_eq!(plan.slots[0].time, "00:00");
        assert_eq!(plan.slots[47].time, "23:30");
        assert!(
            staffing::week_plan(
                &ts.store,
                Line::Residential,
                date(2011, 3, 8),
                target,
                0,
                180.0
            )
            .await
            .is_err()
        );
    }
}
