//! The simulation through the store: what the report reads back, and re-running writes nothing.

use canali_domain::network::Delivery;
use canali_domain::{Channel, Day};
use canali_sim::{SimConfig, simulate};
use jiff::civil::date;

#[tokio::test]
async fn a_small_utility_through_the_store() {
    let ts = canali_store::testing::fresh_sqlite().await.unwrap();
    let store = &ts.store;
    let scale = 0.003;
    let cfg = SimConfig {
        from: date(2010, 1, 1),
        to: date(2011, 12, 31),
        scale,
        seed: 42,
        progress: false,
    };
    let s = simulate(store, &cfg).await.unwrap();
    assert_eq!((s.sots, s.branches, s.branch_events), (7, 86, 9));
    assert!(
        s.customers > 4_000 && s.supply_points > 8_000 && s.bills > 50_000 && s.contacts > 19_000,
        "{s:?}"
    );
    for p in s.phases.iter().filter(|p| p.name != "population") {
        assert_eq!(p.generated, p.written, "{p:?}");
    }

    // What the report reads.
    let end10 = Day::from_date(date(2010, 12, 31));
    let end11 = Day::from_date(date(2011, 12, 31));
    assert_eq!(
        store.figures().portal_accounts_at(end11).await.unwrap(),
        (130_000.0 * scale) as i64
    );
    assert_eq!(
        store.figures().ebill_customers_at(end10).await.unwrap(),
        (23_528.0 * scale).round() as i64
    );
    assert_eq!(
        store.figures().ebill_customers_at(end11).await.unwrap(),
        (38_832.0 * scale).round() as i64
    );
    let bills = store
        .figures()
        .bills_by_delivery(Day::from_date(date(2011, 1, 1)), end11)
        .await
        .unwrap();
    let email = bills
        .iter()
        .find(|b| b.delivery == Delivery::Email)
        .map_or(0, |b| b.bills);
    assert!(
        (email as f64 / scale / 270_000.0 - 1.0).abs() < 0.03,
        "{email}"
    );
    let branches = store.figures().branches().await.unwrap();
    assert_eq!(branches.len(), 86);

    let rows = store
        .figures()
        .monthly_rollup(201101, 201112)
        .await
        .unwrap();
    let sum = |f: &dyn Fn(&canali_store::MonthlyRollup) -> bool,
               g: &dyn Fn(&canali_store::MonthlyRollup) -> i64| {
        rows.iter().filter(|r| f(r)).map(g).sum::<i64>()
    };
    let total = sum(&|_| true, &|r| r.contacts);
    assert!(
        (total as f64 / scale / 3_500_000.0 - 1.0).abs() < 0.02,
        "{total}"
    );
    let share = |ch: &[Channel]| {
        sum(&|r| ch.contains(&r.channel), &|r| r.contacts) as f64 / total as f64 * 100.0
    };
    assert!(
        (share(&[Channel::CallCenterResidential, Channel::CallCenterBusiness]) - 55.6).abs() < 0.5
    );
    assert!((share(&[Channel::Branch]) - 28.9).abs() < 0.5);
    assert!((share(&[Channel::Web]) - 9.9).abs() < 0.5);
    assert!((share(&[Channel::Mail]) - 5.6).abs() < 0.5);
    let wait = |ch: Channel| {
        let w = sum(&|r| r.channel == ch, &|r| r.wait_seconds) as f64;
        let n = sum(&|r| r.channel == ch, &|r| r.waited) as f64;
        let over = if ch == Channel::Branch {
            sum(&|r| r.channel == ch, &|r| r.waited_over_40m)
        } else {
            sum(&|r| r.channel == ch, &|r| r.waited_over_2m)
        } as f64;
        (w / n, over / n)
    };
    let (m, o) = wait(Channel::CallCenterResidential);
    assert!(
        (m - 37.0).abs() < 2.0 && (o - 0.11).abs() < 0.015,
        "{m} {o}"
    );
    let (m, o) = wait(Channel::CallCenterBusiness);
    assert!(
        (m - 28.0).abs() < 2.5 && (o - 0.06).abs() < 0.015,
        "{m} {o}"
    );
    let (m, o) = wait(Channel::Branch);
    assert!(
        (m / 60.0 - 10.5).abs() < 0.6 && (o - 0.05).abs() < 0.015,
        "{m} {o}"
    );

    // Same configuration again: every key is there already.
    let again = simulate(store, &cfg).await.unwrap();
    assert_eq!(
        (
            again.customers,
            again.supply_points,
            again.portal_accounts,
            again.ebill_events,
            again.bills,
            again.contacts
        ),
        (0, 0, 0, 0, 0, 0),
        "{again:?}"
    );
}
