//! The generators against the seed's figures, at 1% of the full size, without a database.

use canali_sim::targets::{EMAIL_BILLS_2011, year_targets};
use canali_sim::{SimConfig, dry_run};

#[test]
fn one_percent_of_the_utility_meets_the_targets() {
    let scale = 0.01;
    let cfg = SimConfig {
        scale,
        ..SimConfig::default()
    };
    let r = dry_run(&cfg, true).unwrap();
    let per = |x: u64| x as f64 / scale;
    let close = |got: f64, want: f64, rel: f64, what: &str| {
        assert!((got / want - 1.0).abs() <= rel, "{what}: {got} vs {want}");
    };

    // Supply points at the end of 2011, exactly; 8-10% business customers.
    assert_eq!(r.supply_points, [11_145, 4_821, 11_854]);
    let business = r.business_customers as f64 / r.customers as f64;
    assert!((0.08..=0.10).contains(&business), "{business}");

    // Online branch: 130,000 at the end of 2011, +31%.
    close(per(r.portal_end_2011), 130_000.0, 0.02, "portal 2011");
    close(
        r.portal_end_2011 as f64 / r.portal_end_2010 as f64,
        1.31,
        0.02,
        "portal growth",
    );
    // E-bill: 23,528 and 38,832 customers.
    close(per(r.ebill_end_2010), 23_528.0, 0.02, "e-bill 2010");
    close(per(r.ebill_end_2011), 38_832.0, 0.02, "e-bill 2011");

    let y10 = &r.years[0];
    let y11 = &r.years[1];
    assert_eq!((y10.year, y11.year), (2010, 2011));
    // About 3.5 million contacts in 2011, +10% over 2010.
    close(per(y11.total()), 3_500_000.0, 0.02, "contacts 2011");
    close(
        y11.total() as f64 / y10.total() as f64,
        1.10,
        0.02,
        "contact growth",
    );
    // The mix: within half a point of the targets, and rounding to the seed's 56/29/10/6.
    for y in [y10, y11] {
        let t = year_targets(y.year).mix;
        let want = [t.call_center, t.branch, t.web, t.mail];
        for (got, want) in y.mix().iter().zip(want) {
            assert!(
                (got - want).abs() < 0.5,
                "{} mix {:?} vs {want}",
                y.year,
                y.mix()
            );
        }
        let business_line = y.contacts[1] as f64 / (y.contacts[0] + y.contacts[1]) as f64;
        assert!((0.15..=0.20).contains(&business_line), "{business_line}");
    }
    let rounded: Vec<i64> = y11.mix().iter().map(|x| x.round() as i64).collect();
    assert_eq!(rounded, [56, 29, 10, 6]);
    assert!((y10.mix()[2] - 6.5).abs() < 0.5);

    // Waits: the averages within 3%, the shares of long waits within a point.
    for y in [y10, y11] {
        let t = year_targets(y.year);
        for (q, w) in [t.residential_wait, t.business_wait, t.branch_wait]
            .iter()
            .enumerate()
        {
            close(
                y.mean_wait(q),
                w.mean_seconds,
                0.03,
                &format!("{} queue {q} mean wait", y.year),
            );
            let over = y.over_share(q);
            assert!(
                (over - w.over_share).abs() < 0.01,
                "{} queue {q}: over {over} vs {}",
                y.year,
                w.over_share
            );
            // Some calls are abandoned, not too many.
            let abandoned = y.abandoned[q] as f64 / y.waited[q] as f64;
            assert!(
                abandoned > 0.0 && abandoned < 0.12,
                "{} queue {q}: abandoned {abandoned}",
                y.year
            );
        }
    }
    // 2011 figures of the seed, explicitly.
    assert!((y11.mean_wait(0) - 37.0).abs() < 1.0 && (y11.over_share(0) - 0.11).abs() < 0.01);
    assert!((y11.mean_wait(1) - 28.0).abs() < 1.0 && (y11.over_share(1) - 0.06).abs() < 0.01);
    assert!(
        (y11.mean_wait(2) / 60.0 - 10.5).abs() < 0.3 && (y11.over_share(2) - 0.05).abs() < 0.01
    );

    // E-mail bills of 2011: about 270,000 envelopes avoided.
    close(
        per(y11.email_bills),
        EMAIL_BILLS_2011,
        0.02,
        "e-mail bills 2011",
    );
    assert!(y11.email_bills > y10.email_bills);
    // Most contacts come from known customers.
    assert!(y11.identified as f64 / y11.total() as f64 > 0.85);
}
