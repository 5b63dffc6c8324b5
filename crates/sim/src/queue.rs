//! Waiting times from Erlang C.
//!
//! Each staffing interval (a half hour of a call-center line, an hour of a branch) is an M/M/c
//! queue: `load` Erlangs offered to `c` agents (counters). A call waits with the Erlang C
//! probability `C`, and a call that waits waits an exponential time of rate `(c - load) / aht`.
//! A share of the callers is impatient: each of them hangs up after a patience drawn uniformly
//! in a window, and an abandoned call's recorded wait is its patience (the wait runs to the
//! hang-up).
//!
//! The staffing rule is "the forecast load plus `spare` agents" (randomly rounded, at most the
//! counters a branch has, at least enough for a stable queue): in busy intervals that is below
//! what an 80/20 service level would need, in quiet ones close to it. `spare` and the share of
//! impatient callers are solved per year and queue so that the *expected* average wait and share
//! of long waits over the year's calls equal the targets.

use canali_domain::erlang;

/// The fixed traits of a queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueModel {
    /// Mean handling (service) time, seconds.
    pub aht: f64,
    /// Patience window of the impatient callers, seconds.
    pub patience: (f64, f64),
    /// Bounds of the impatient share the solver may choose.
    pub impatient_range: (f64, f64),
}

pub const RESIDENTIAL: QueueModel = QueueModel {
    aht: 420.0,
    patience: (150.0, 900.0),
    impatient_range: (0.05, 0.95),
};
pub const BUSINESS: QueueModel = QueueModel {
    aht: 300.0,
    patience: (40.0, 110.0),
    impatient_range: (0.0, 0.7),
};
pub const BRANCH: QueueModel = QueueModel {
    aht: 480.0,
    patience: (1500.0, 2300.0),
    impatient_range: (0.0, 0.8),
};

/// One staffing interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Offered load at full size, Erlangs.
    pub load: f64,
    /// The calls generated in it (the weight of its waits in the year's figures).
    pub calls: f64,
    /// The most agents it can have (a branch's counters); `u32::MAX` for a call center.
    pub max_agents: u32,
    /// A uniform number in [0, 1) that rounds the fractional staffing.
    pub round: f64,
}

/// The solved staffing rule of a queue-year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    pub spare: f64,
    pub impatient: f64,
}

/// The queue of one interval once staffed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffed {
    pub agents: u32,
    /// Probability of waiting.
    pub p_wait: f64,
    /// Rate of the exponential wait of those who wait, per second.
    pub rate: f64,
}

pub fn staff(iv: &Interval, model: &QueueModel, spare: f64) -> Staffed {
    let stable = erlang::min_stable_agents(iv.load);
    let wanted = (iv.load + spare + iv.round).floor().max(0.0) as u32;
    let agents = wanted.max(stable).min(iv.max_agents).max(1);
    // A stationary queue cannot describe an overloaded interval: such an interval (a branch
    // whose counters are all open and still too few) runs at 97% utilisation.
    let load = iv.load.min(0.97 * f64::from(agents));
    Staffed {
        agents,
        p_wait: erlang::prob_wait(agents, load),
        rate: erlang::wait_rate(agents, load, model.aht),
    }
}

/// Expected figures of a set of calls.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Expected {
    pub calls: f64,
    pub mean_wait: f64,
    pub over_share: f64,
    pub abandoned_share: f64,
}

/// Expected recorded wait, probability of a recorded wait over `t`, and abandonment of one
/// staffed interval's calls.
pub fn interval_expectation(
    s: &Staffed,
    model: &QueueModel,
    impatient: f64,
    t: f64,
) -> (f64, f64, f64) {
    if s.p_wait <= 0.0 || s.rate <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let (p1, p2) = model.patience;
    let th = s.rate;
    // For a wait X ~ Exp(th) and a patience P ~ U(p1, p2): P(X > P) and E[min(X, P)].
    let p_abandon = ((-th * p1).exp() - (-th * p2).exp()) / (th * (p2 - p1));
    let mean_patient = 1.0 / th;
    let mean_impatient = (1.0 - p_abandon) / th;
    let tail = (-th * t).exp();
    let keeps_past_t = ((p2 - t) / (p2 - p1)).clamp(0.0, 1.0);
    let mean = s.p_wait * ((1.0 - impatient) * mean_patient + impatient * mean_impatient);
    let over = s.p_wait * tail * ((1.0 - impatient) + impatient * keeps_past_t);
    let abandoned = s.p_wait * impatient * p_abandon;
    (mean, over, abandoned)
}

pub fn expected(
    intervals: &[Interval],
    model: &QueueModel,
    staffing: Staffing,
    t: f64,
) -> Expected {
    let mut e = Expected::default();
    for iv in intervals.iter().filter(|iv| iv.calls > 0.0) {
        let s = staff(iv, model, staffing.spare);
        let (m, o, a) = interval_expectation(&s, model, staffing.impatient, t);
        e.calls += iv.calls;
        e.mean_wait += iv.calls * m;
        e.over_share += iv.calls * o;
        e.abandoned_share += iv.calls * a;
    }
    if e.calls > 0.0 {
        e.mean_wait /= e.calls;
        e.over_share /= e.calls;
        e.abandoned_share /= e.calls;
    }
    e
}

/// The agents `staff` gives an interval, without the queue figures.
fn agents_of(iv: &Interval, spare: f64) -> u32 {
    let stable = erlang::min_stable_agents(iv.load);
    let wanted = (iv.load + spare + iv.round).floor().max(0.0) as u32;
    wanted.max(stable).min(iv.max_agents).max(1)
}

/// Each interval's figures for the agents and impatient share last asked for: the solver's
/// bisections change few intervals' agents from one step to the next.
#[derive(Debug, Clone, Copy, Default)]
struct Memo {
    agents: u32,
    impatient: f64,
    figures: (f64, f64, f64),
}

fn expected_memo(
    intervals: &[Interval],
    model: &QueueModel,
    st: Staffing,
    t: f64,
    memo: &mut [Memo],
) -> Expected {
    let mut e = Expected::default();
    for (iv, m) in intervals.iter().zip(memo.iter_mut()) {
        let agents = agents_of(iv, st.spare);
        if m.agents != agents || m.impatient != st.impatient {
            let s = staff(iv, model, st.spare);
            *m = Memo {
                agents,
                impatient: st.impatient,
                figures: interval_expectation(&s, model, st.impatient, t),
            };
        }
        let (mean, over, abandoned) = m.figures;
        e.calls += iv.calls;
        e.mean_wait += iv.calls * mean;
        e.over_share += iv.calls * over;
        e.abandoned_share += iv.calls * abandoned;
    }
    if e.calls > 0.0 {
        e.mean_wait /= e.calls;
        e.over_share /= e.calls;
        e.abandoned_share /= e.calls;
    }
    e
}

/// The spare agents that give `mean` seconds of average wait with the given impatient share.
fn solve_spare(
    intervals: &[Interval],
    model: &QueueModel,
    impatient: f64,
    mean: f64,
    t: f64,
    memo: &mut [Memo],
) -> f64 {
    let (mut lo, mut hi) = (-1.5_f64, 15.0_f64);
    for _ in 0..20 {
        let mid = 0.5 * (lo + hi);
        let e = expected_memo(
            intervals,
            model,
            Staffing {
                spare: mid,
                impatient,
            },
            t,
            memo,
        );
        // More spare agents, shorter waits.
        if e.mean_wait > mean {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

/// Solves the staffing rule of a queue-year for an average wait and a share over `t` seconds.
pub fn solve(
    intervals: &[Interval],
    model: &QueueModel,
    mean: f64,
    over: f64,
    t: f64,
) -> (Staffing, Expected) {
    // Intervals without calls weigh nothing.
    let intervals: Vec<Interval> = intervals
        .iter()
        .filter(|iv| iv.calls > 0.0)
        .copied()
        .collect();
    let mut memo = vec![
        Memo {
            agents: u32::MAX,
            ..Memo::default()
        };
        intervals.len()
    ];
    let mut at = |q: f64| {
        let spare = solve_spare(&intervals, model, q, mean, t, &mut memo);
        let s = Staffing {
            spare,
            impatient: q,
        };
        (s, expected_memo(&intervals, model, s, t, &mut memo))
    };
    let (qa, qb) = model.impatient_range;
    let (a, b) = (at(qa), at(qb));
    let (fa, fb) = (a.1.over_share - over, b.1.over_share - over);
    if fa * fb > 0.0 {
        // The target is out of reach: keep the closer end.
        return if fa.abs() <= fb.abs() { a } else { b };
    }
    let (mut lo, mut hi, mut flo) = (qa, qb, fa);
    let mut best = if fa.abs() <= fb.abs() { a } else { b };
    for _ in 0..12 {
        let mid = 0.5 * (lo + hi);
        let m = at(mid);
        let f = m.1.over_share - over;
        if f.abs() < (best.1.over_share - over).abs() {
            best = m;
        }
        if f * flo > 0.0 {
            lo = mid;
            flo = f;
        } else {
            hi = mid;
        }
    }
    best
}

/// Draws one call's recorded wait (seconds) and whether it was abandoned, from a uniform `u`
/// (ideally low-discrepancy), a uniform `v` (impatient or not) and a uniform `w` (patience).
pub fn draw_wait(
    s: &Staffed,
    model: &QueueModel,
    impatient: f64,
    u: f64,
    v: f64,
    w: f64,
) -> (f64, bool) {
    if u < 1.0 - s.p_wait || s.rate <= 0.0 {
        return (0.0, false);
    }
    // P(W > x) = C exp(-rate x) = 1 - u.
    let tail = ((1.0 - u) / s.p_wait).clamp(1e-12, 1.0);
    let x = -tail.ln() / s.rate;
    if v < impatient {
        let (p1, p2) = model.patience;
        let patience = p1 + (p2 - p1) * w;
        if x > patience {
            return (patience, true);
        }
    }
    (x, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{GOLDEN, weyl};

    fn day_like(scale: f64) -> Vec<Interval> {
        // A day shape repeated: loads between 2 and 60 Erlangs.
        (0..2000)
            .map(|i| {
                let x = (i % 24) as f64 / 23.0;
                let load = 2.0 + 58.0 * (1.0 - (2.0 * x - 1.0).powi(2));
                Interval {
                    load,
                    calls: load * 4.3 * scale,
                    max_agents: u32::MAX,
                    round: weyl(0.1, i, GOLDEN),
                }
            })
            .collect()
    }

    #[test]
    fn the_solver_hits_mean_and_tail() {
        let ivs = day_like(1.0);
        let (st, e) = solve(&ivs, &RESIDENTIAL, 37.0, 0.11, 120.0);
        assert!((e.mean_wait - 37.0).abs() < 0.05, "{e:?} {st:?}");
        assert!((e.over_share - 0.11).abs() < 0.01, "{e:?} {st:?}");
        assert!(e.abandoned_share > 0.0 && e.abandoned_share < 0.1, "{e:?}");
    }

    #[test]
    fn drawn_waits_match_the_expectation() {
        let ivs = day_like(1.0);
        let st = Staffing {
            spare: 3.0,
            impatient: 0.3,
        };
        let e = expected(&ivs, &BUSINESS, st, 120.0);
        let (mut n, mut sum, mut over) = (0.0, 0.0, 0.0);
        let mut k = 0u64;
        for iv in &ivs {
            let s = staff(iv, &BUSINESS, st.spare);
            for j in 0..iv.calls.round() as u64 {
                let u = weyl(0.5, k, GOLDEN);
                let v = weyl(0.2, k, 0.414_213_562_373_095);
                let w = weyl(0.7, j, 0.324_717_957_244_746);
                k += 1;
                let (wait, _) = draw_wait(&s, &BUSINESS, st.impatient, u, v, w);
                n += 1.0;
                sum += wait;
                if wait > 120.0 {
                    over += 1.0;
                }
            }
        }
        assert!(
            (sum / n - e.mean_wait).abs() / e.mean_wait < 0.03,
            "{} vs {:?}",
            sum / n,
            e
        );
        assert!(
            (over / n - e.over_share).abs() < 0.005,
            "{} vs {:?}",
            over / n,
            e
        );
    }
}
