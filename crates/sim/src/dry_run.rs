//! Dry run: every generator without a database, tallying the rows it would write (the
//! calibration tests and `examples/calibrate.rs` read it).

use crate::*;
use std::time::{Duration, Instant};

/// Figures of one year as the generated rows give them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearTally {
    pub year: i16,
    /// Contacts by channel code - 1 (residential line, business line, branch, web, mail).
    pub contacts: [u64; 5],
    /// Calls with a wait, total wait seconds, and waits over the threshold, per queue
    /// (residential, business, branch).
    pub waited: [u64; 3],
    pub wait_seconds: [u64; 3],
    pub over: [u64; 3],
    pub abandoned: [u64; 3],
    /// Contacts with a known customer.
    pub identified: u64,
    pub bills: u64,
    pub email_bills: u64,
    pub sheets: u64,
}

impl YearTally {
    pub fn total(&self) -> u64 {
        self.contacts.iter().sum()
    }
    /// Channel shares in percent: call center (both lines), branch, web, mail.
    pub fn mix(&self) -> [f64; 4] {
        let t = self.total().max(1) as f64;
        let c = &self.contacts;
        [
            (c[0] + c[1]) as f64 / t * 100.0,
            c[2] as f64 / t * 100.0,
            c[3] as f64 / t * 100.0,
            c[4] as f64 / t * 100.0,
        ]
    }
    pub fn mean_wait(&self, q: usize) -> f64 {
        self.wait_seconds[q] as f64 / self.waited[q].max(1) as f64
    }
    pub fn over_share(&self, q: usize) -> f64 {
        self.over[q] as f64 / self.waited[q].max(1) as f64
    }
}

/// What a dry run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DryRun {
    pub customers: u64,
    pub business_customers: u64,
    /// Supply points by service (gas, electricity, water).
    pub supply_points: [u64; 3],
    pub portal_accounts: u64,
    /// Registered users at the end of 2010 and of 2011.
    pub portal_end_2010: u64,
    pub portal_end_2011: u64,
    pub ebill_events: u64,
    pub ebill_end_2010: u64,
    pub ebill_end_2011: u64,
    pub years: Vec<YearTally>,
    pub queues: Vec<QueueSummary>,
    pub phases: Vec<PhaseSummary>,
    pub elapsed: Duration,
}

/// Runs every generator without a database and tallies the rows (nothing is kept).
/// `bills: false` skips the bills, the largest table.
pub fn dry_run(cfg: &SimConfig, with_bills: bool) -> Result<DryRun, SimError> {
    let started = Instant::now();
    let mut out = DryRun::default();
    let t = Instant::now();
    let g = Generator::new(cfg)?;
    out.phases.push(PhaseSummary {
        name: "population",
        generated: g.pop.profiles.len() as u64,
        written: 0,
        elapsed: t.elapsed(),
    });
    let t = Instant::now();
    let (mut n, mut business) = (0u64, 0u64);
    g.customers(&mut |b| {
        n += b.len() as u64;
        business += b
            .iter()
            .filter(|c| c.segment == canali_domain::Segment::Business)
            .count() as u64;
        true
    });
    out.customers = n;
    out.business_customers = business;
    out.phases.push(PhaseSummary {
        name: "customers",
        generated: n,
        written: 0,
        elapsed: t.elapsed(),
    });
    let t = Instant::now();
    let mut sp = [0u64; 3];
    g.supply_points(&mut |b| {
        for s in &b {
            match s.service {
                Service::Gas => sp[0] += 1,
                Service::Electricity => sp[1] += 1,
                _ => sp[2] += 1,
            }
        }
        true
    });
    out.supply_points = sp;
    out.phases.push(PhaseSummary {
        name: "supply points",
        generated: sp.iter().sum(),
        written: 0,
        elapsed: t.elapsed(),
    });
    out.portal_accounts = g.portal.accounts.len() as u64;
    out.portal_end_2010 = g.portal.count_by(Day::from_date(date(2010, 12, 31)).0) as u64;
    out.portal_end_2011 = g.portal.count_by(Day::from_date(date(2011, 12, 31)).0) as u64;
    out.ebill_events = accounts::ebill_rows(&g.ebill, cfg.to).len() as u64;
    out.ebill_end_2010 = accounts::on_at(&g.ebill, Day::from_date(date(2010, 12, 31)).0) as u64;
    out.ebill_end_2011 = accounts::on_at(&g.ebill, Day::from_date(date(2011, 12, 31)).0) as u64;
    let mut years: Vec<YearTally> = (cfg.from.year()..=cfg.to.year())
        .map(|year| YearTally {
            year,
            ..YearTally::default()
        })
        .collect();
    let y0 = cfg.from.year();
    if with_bills {
        let t = Instant::now();
        let mut n = 0u64;
        g.bills(&mut |b| {
            n += b.len() as u64;
            for bill in &b {
                let y = &mut years[(bill.issued.year() - y0) as usize];
                y.bills += 1;
                y.sheets += bill.sheets as u64;
                y.email_bills +=
                    u64::from(bill.delivery == canali_domain::network::Delivery::Email);
            }
            true
        });
        out.phases.push(PhaseSummary {
            name: "bills",
            generated: n,
            written: 0,
            elapsed: t.elapsed(),
        });
    }
    let t = Instant::now();
    let mut n = 0u64;
    let mut queues = Vec::new();
    g.contacts(
        &mut |plan| queues.extend(Generator::queue_summaries(plan)),
        &mut |b| {
            n += b.len() as u64;
            for c in &b {
                let y = &mut years[(Day::of_micros(c.started_at).year() - y0) as usize];
                y.contacts[(c.channel.code() - 1) as usize] += 1;
                y.identified += u64::from(c.customer.is_some());
                let q = match c.channel {
                    Channel::CallCenterResidential => 0,
                    Channel::CallCenterBusiness => 1,
                    Channel::Branch => 2,
                    _ => continue,
                };
                let w = c.wait_seconds.unwrap_or(0);
                y.waited[q] += 1;
                y.wait_seconds[q] += w as u64;
                let limit = if q == 2 { 2400 } else { 120 };
                y.over[q] += u64::from(w > limit);
                y.abandoned[q] += u64::from(matches!(
                    c.outcome,
                    Some(canali_domain::Outcome::Abandoned | canali_domain::Outcome::NoShow)
                ));
            }
            true
        },
    );
    out.phases.push(PhaseSummary {
        name: "contacts",
        generated: n,
        written: 0,
        elapsed: t.elapsed(),
    });
    out.queues = queues;
    out.years = years;
    out.elapsed = started.elapsed();
    Ok(out)
}
