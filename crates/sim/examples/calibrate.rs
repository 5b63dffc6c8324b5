//! Prints what the generators produce against the calibration targets, without a database.
//!
//! `cargo run -p canali-sim --example calibrate -- [SCALE] [SEED] [bills|nobills]`

use canali_sim::targets::year_targets;
use canali_sim::{SimConfig, dry_run};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0.01);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2011);
    let bills = args.get(3).is_none_or(|s| s != "nobills");
    let cfg = SimConfig {
        scale,
        seed,
        ..SimConfig::default()
    };
    let r = dry_run(&cfg, bills).expect("dry run");
    println!("scale {scale}, seed {seed}, {} to {}", cfg.from, cfg.to);
    let per = |x: u64| x as f64 / scale;
    println!(
        "customers {} ({:.1}% business); supply points gas {} electricity {} water {} (per scale: {:.0} / {:.0} / {:.0})",
        r.customers,
        r.business_customers as f64 / r.customers as f64 * 100.0,
        r.supply_points[0],
        r.supply_points[1],
        r.supply_points[2],
        per(r.supply_points[0]),
        per(r.supply_points[1]),
        per(r.supply_points[2]),
    );
    println!(
        "online branch: {} at end 2010, {} at end 2011 (+{:.1}%); per scale {:.0} / {:.0}",
        r.portal_end_2010,
        r.portal_end_2011,
        (r.portal_end_2011 as f64 / r.portal_end_2010 as f64 - 1.0) * 100.0,
        per(r.portal_end_2010),
        per(r.portal_end_2011),
    );
    println!(
        "e-bill: {} at end 2010, {} at end 2011 (+{:.1}%); per scale {:.0} / {:.0}; {} events",
        r.ebill_end_2010,
        r.ebill_end_2011,
        (r.ebill_end_2011 as f64 / r.ebill_end_2010 as f64 - 1.0) * 100.0,
        per(r.ebill_end_2010),
        per(r.ebill_end_2011),
        r.ebill_events,
    );
    let mut prev_total = None;
    for y in &r.years {
        let t = year_targets(y.year);
        let mix = y.mix();
        println!(
            "{}: contacts {} (per scale {:.0}){}",
            y.year,
            y.total(),
            per(y.total()),
            match prev_total {
                Some(p) => format!(
                    ", {:+.1}% on the year before",
                    (y.total() as f64 / p as f64 - 1.0) * 100.0
                ),
                None => String::new(),
            }
        );
        prev_total = Some(y.total());
        println!(
            "  mix: call center {:.2}% (target {:.1}), branch {:.2}% ({:.1}), web {:.2}% ({:.1}), mail {:.2}% ({:.1}); business line {:.1}% of calls",
            mix[0],
            t.mix.call_center,
            mix[1],
            t.mix.branch,
            mix[2],
            t.mix.web,
            mix[3],
            t.mix.mail,
            y.contacts[1] as f64 / (y.contacts[0] + y.contacts[1]).max(1) as f64 * 100.0,
        );
        let targets = [t.residential_wait, t.business_wait, t.branch_wait];
        for (q, name) in ["residential", "business", "branch"].iter().enumerate() {
            let unit = if q == 2 { 60.0 } else { 1.0 };
            println!(
                "  {name:>11}: mean wait {:.1} {} (target {:.1}), over {} {:.2}% (target {:.1}%), abandoned {:.2}%",
                y.mean_wait(q) / unit,
                if q == 2 { "min" } else { "s" },
                targets[q].mean_seconds / unit,
                if q == 2 { "40 min" } else { "2 min" },
                y.over_share(q) * 100.0,
                targets[q].over_share * 100.0,
                y.abandoned[q] as f64 / y.waited[q].max(1) as f64 * 100.0,
            );
        }
        println!(
            "  identified contacts {:.1}%",
            y.identified as f64 / y.total().max(1) as f64 * 100.0
        );
        if bills {
            println!(
                "  bills {} (per scale {:.0}), e-mail {} (per scale {:.0}), sheets {}",
                y.bills,
                per(y.bills),
                y.email_bills,
                per(y.email_bills),
                y.sheets
            );
        }
    }
    for q in &r.queues {
        println!(
            "  staffing {} {:>11}: spare {:.2} agents, impatient {:.1}%, expected mean {:.1} s, over {:.2}%, abandoned {:.2}%",
            q.year,
            q.queue,
            q.spare_agents,
            q.impatient_share * 100.0,
            q.expected_mean_seconds,
            q.expected_over_share * 100.0,
            q.expected_abandoned_share * 100.0
        );
    }
    for p in &r.phases {
        println!(
            "phase {:>13}: {:>10} rows in {:>8.3} s ({:.0} rows/s)",
            p.name,
            p.generated,
            p.elapsed.as_secs_f64(),
            p.generated as f64 / p.elapsed.as_secs_f64().max(1e-9)
        );
    }
    println!("total {:.3} s", r.elapsed.as_secs_f64());
}
