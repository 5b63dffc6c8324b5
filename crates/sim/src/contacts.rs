//! The contacts of one day, drawn from its plan.

use crate::accounts::Portal;
use crate::people::{Population, customer_code};
use crate::plan::{self, DayPlan, World, YearPlan};
use crate::queue;
use crate::rng::{R3, derive, stream, unit, weyl};
use canali_domain::day::local_micros;
use canali_domain::{Channel, Outcome, Reason, Segment};
use canali_store::NewContact;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Reason weights per channel, in the order of `Reason::ALL`: billing, payment, contract, meter
/// reading, complaint, information, technical fault, e-bill, other.
const REASONS: [[f64; 9]; 5] = [
    [30.0, 14.0, 18.0, 10.0, 4.0, 12.0, 6.0, 3.0, 3.0],
    [32.0, 12.0, 22.0, 8.0, 5.0, 10.0, 5.0, 3.0, 3.0],
    [22.0, 25.0, 30.0, 5.0, 3.0, 8.0, 2.0, 2.0, 3.0],
    [25.0, 10.0, 12.0, 20.0, 3.0, 10.0, 2.0, 15.0, 3.0],
    [25.0, 12.0, 18.0, 5.0, 30.0, 4.0, 2.0, 1.0, 3.0],
];

fn pick(rng: &mut ChaCha8Rng, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, v) in w.iter().enumerate() {
        if x < *v {
            return i;
        }
        x -= v;
    }
    w.len() - 1
}

/// A duration in seconds, lognormal with the given mean.
fn duration(rng: &mut ChaCha8Rng, mean: f64, sigma: f64) -> i64 {
    let z: f64 = StandardNormal.sample(rng);
    (mean * (sigma * z - 0.5 * sigma * sigma).exp())
        .round()
        .max(5.0) as i64
}

/// What the day generator needs.
pub struct Context<'a> {
    pub seed: u64,
    pub world: &'a World,
    pub pop: &'a Population,
    pub portal: &'a Portal,
}

/// A random customer of `list` who was already a customer on `day`.
fn customer_in(rng: &mut ChaCha8Rng, pop: &Population, list: &[u32], day: i32) -> Option<u32> {
    if list.is_empty() {
        return None;
    }
    for _ in 0..16 {
        let c = list[rng.random_range(0..list.len())];
        if pop.profiles[c as usize].since <= day {
            return Some(c);
        }
    }
    None
}

/// Appends the contacts of `day` to `out`.
/// The waits of a queue's calls track their expectation: each call may take its uniform `u` or
/// the antithetic `1 - u`, and takes the one that brings the running total of recorded waits
/// back towards the running total of expected waits. The choice does not depend on `u`, so each
/// call's wait keeps its distribution, while the year's average stays within a call's wait of
/// its expectation. `Herding` carries that running difference from day to day, per queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct Herding {
    pub excess: [f64; 3],
}

/// The band, in average waits, within which the running difference is left alone.
pub const HERDING_BAND: f64 = 10.0;

fn expected_mean(q: usize) -> f64 {
    [37.0, 28.0, 630.0][q]
}

/// Draws the recorded wait and abandonment of the next call of queue `q` in `slot`.
fn next_wait(
    herding: &mut Herding,
    q: usize,
    slot: &plan::Slot,
    expected: f64,
    impatient: f64,
    uvw: [f64; 3],
) -> (f64, bool) {
    let model = plan::model(q);
    let [u, v, w] = uvw;
    let a = queue::draw_wait(&slot.staffed, &model, impatient, u, v, w);
    let b = queue::draw_wait(&slot.staffed, &model, impatient, 1.0 - u, v, w);
    let (small, large) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    // Only a drift beyond the band is corrected, so that most calls keep their own draw.
    let band = HERDING_BAND * expected_mean(q);
    let pick = if herding.excess[q] > band {
        small
    } else if herding.excess[q] < -band {
        large
    } else {
        a
    };
    herding.excess[q] += pick.0 - expected;
    pick
}

/// Appends the contacts of `day` to `out` (or, with `emit` false, only advances the waits of
/// the day, so that a range starting mid-year draws the same waits as a whole year).
pub fn generate_day(
    ctx: &Context,
    year: &YearPlan,
    day: &DayPlan,
    herding: &mut Herding,
    emit: bool,
    out: &mut Vec<NewContact>,
) {
    let mut rng = stream(ctx.seed, "contacts", day.day as u64);
    let doy = day.date.day_of_year();
    let yr = day.date.year();
    let mut seq = 0u32;
    let next_id = |seq: &mut u32| {
        *seq += 1;
        format!("c{yr}-{doy:03}{:06}", *seq)
    };
    let pop = ctx.pop;
    // Call-center lines and branches: queue calls.
    for q in 0..3 {
        let model = plan::model(q);
        let cal = year.calibration[q].staffing;
        let slots = match q {
            0 => &day.res,
            1 => &day.bus,
            _ => &day.branch,
        };
        // The queue's calls of the year walk an R3 sequence, so that waiting, impatience and
        // patience are spread evenly even in a small sample.
        let start = [0, 1, 2].map(|i| {
            unit(derive(
                ctx.seed,
                "weyl",
                (year.year as u64) * 64 + q as u64 * 8 + i,
            ))
        });
        let mut k = day.first_call[q];
        for slot in slots {
            let expected = if slot.calls > 0 {
                queue::interval_expectation(&slot.staffed, &model, cal.impatient, 0.0).0
            } else {
                0.0
            };
            for _ in 0..slot.calls {
                let uvw = [0, 1, 2].map(|i| weyl(start[i], k, R3[i]));
                k += 1;
                let (wait, abandoned) = next_wait(herding, q, slot, expected, cal.impatient, uvw);
                if !emit {
                    continue;
                }
                let wait = wait.round() as i64;
                let t = slot.start + rng.random_range(0..slot.len.max(1)) / 1_000_000 * 1_000_000;
                let (channel, line, reasons) = match q {
                    0 => (
                        Channel::CallCenterResidential,
                        Some("residential"),
                        &REASONS[0],
                    ),
                    1 => (Channel::CallCenterBusiness, Some("business"), &REASONS[1]),
                    _ => (Channel::Branch, None, &REASONS[2]),
                };
                let (customer, segment, territory) = if q == 2 {
                    let b = &ctx.world.branches[usize::from(slot.branch)];
                    let list = &pop.by_sot[(b.sot - 1) as usize];
                    match rng
                        .random_bool(0.95)
                        .then(|| customer_in(&mut rng, pop, list, day.day))
                        .flatten()
                    {
                        Some(c) => (
                            Some(c),
                            Some(pop.profiles[c as usize].segment()),
                            Some(b.sot),
                        ),
                        None => {
                            let seg = if rng.random_bool(0.91) {
                                Segment::Residential
                            } else {
                                Segment::Business
                            };
                            (None, Some(seg), Some(b.sot))
                        }
                    }
                } else {
                    let (own, other) = if q == 0 { (0, 1) } else { (1, 0) };
                    let known = rng.random_bool(if q == 0 { 0.92 } else { 0.95 });
                    let list = if rng.random_bool(0.04) { other } else { own };
                    let c = known
                        .then(|| customer_in(&mut rng, pop, &pop.by_segment[list], day.day))
                        .flatten();
                    match c {
                        Some(c) => {
                            let p = &pop.profiles[c as usize];
                            (Some(c), Some(p.segment()), Some(i64::from(p.sot)))
                        }
                        None => (
                            None,
                            Some(if q == 0 {
                                Segment::Residential
                            } else {
                                Segment::Business
                            }),
                            None,
                        ),
                    }
                };
                let reason = Reason::ALL[pick(&mut rng, reasons)];
                let (outcome, handle) = if abandoned {
                    (
                        if q == 2 {
                            Outcome::NoShow
                        } else {
                            Outcome::Abandoned
                        },
                        None,
                    )
                } else {
                    let outcome = if reason == Reason::Complaint {
                        Outcome::RequestOpened
                    } else if q == 2 {
                        if rng.random_bool(0.62) {
                            Outcome::Resolved
                        } else {
                            Outcome::RequestOpened
                        }
                    } else {
                        [
                            Outcome::Resolved,
                            Outcome::RequestOpened,
                            Outcome::Transferred,
                        ][pick(&mut rng, &[0.70, 0.22, 0.08])]
                    };
                    (outcome, Some(duration(&mut rng, model.aht, 0.55)))
                };
                let agent = match q {
                    2 => None,
                    _ => {
                        let team =
                            if slot.start - local_micros(day.date, 0, 0, 0) < 14 * 3_600_000_000 {
                                0
                            } else {
                                400
                            };
                        let n = team + rng.random_range(0..slot.staffed.agents.max(1));
                        Some(if q == 0 {
                            format!("CCR-{n:04}")
                        } else {
                            format!("CCB-{n:04}")
                        })
                    }
                };
                let ended = t + (wait + handle.unwrap_or(0)) * 1_000_000;
                out.push(NewContact {
                    external_id: next_id(&mut seq),
                    channel,
                    started_at: t,
                    ended_at: Some(ended),
                    segment,
                    customer: customer.map(|c| customer_code(c as usize)),
                    territory,
                    wait_seconds: Some(wait),
                    handle_seconds: handle,
                    reason: Some(reason),
                    outcome: Some(outcome),
                    branch: (q == 2)
                        .then(|| ctx.world.branches[usize::from(slot.branch)].code.clone()),
                    line: line.map(str::to_string),
                    agent,
                });
            }
        }
    }
    if !emit {
        return;
    }
    // Web: registered users of the online branch, any hour.
    for &(start, len, n) in &day.web {
        for _ in 0..n {
            let t = start + rng.random_range(0..len.max(1)) / 1_000_000 * 1_000_000;
            let registered = ctx.portal.accounts.partition_point(|a| a.1 < t);
            let c =
                (registered > 0).then(|| ctx.portal.accounts[rng.random_range(0..registered)].0);
            let p = c.map(|c| &pop.profiles[c as usize]);
            let reason = Reason::ALL[pick(&mut rng, &REASONS[3])];
            let outcome = if reason == Reason::Complaint || !rng.random_bool(0.4) {
                Outcome::RequestOpened
            } else {
                Outcome::Resolved
            };
            let handle = duration(&mut rng, 300.0, 0.8);
            out.push(NewContact {
                external_id: next_id(&mut seq),
                channel: Channel::Web,
                started_at: t,
                ended_at: Some(t + handle * 1_000_000),
                segment: p.map(|p| p.segment()),
                customer: c.map(|c| customer_code(c as usize)),
                territory: p.map(|p| i64::from(p.sot)),
                wait_seconds: None,
                handle_seconds: Some(handle),
                reason: Some(reason),
                outcome: Some(outcome),
                branch: None,
                line: None,
                agent: None,
            });
        }
    }
    // Mail: registered on the day it is received.
    for _ in 0..day.mail {
        let minute = rng.random_range(510..750);
        let t = local_micros(day.date, (minute / 60) as i8, (minute % 60) as i8, 0);
        let all = &pop.by_segment[usize::from(rng.random_bool(0.12))];
        let c = rng
            .random_bool(0.88)
            .then(|| customer_in(&mut rng, pop, all, day.day))
            .flatten();
        let p = c.map(|c| &pop.profiles[c as usize]);
        let segment = p.map(|p| p.segment()).unwrap_or(if rng.random_bool(0.9) {
            Segment::Residential
        } else {
            Segment::Business
        });
        let reason = Reason::ALL[pick(&mut rng, &REASONS[4])];
        out.push(NewContact {
            external_id: next_id(&mut seq),
            channel: Channel::Mail,
            started_at: t,
            ended_at: None,
            segment: Some(segment),
            customer: c.map(|c| customer_code(c as usize)),
            territory: p.map(|p| i64::from(p.sot)),
            wait_seconds: None,
            handle_seconds: Some(duration(&mut rng, 1200.0, 0.5)),
            reason: Some(reason),
            outcome: Some(Outcome::Registered),
            branch: None,
            line: None,
            agent: None,
        });
    }
}
