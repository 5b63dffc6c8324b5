//! Erlang C: the M/M/c queue that sizes call centers and branch counters.
//!
//! Calls arrive as a Poisson stream of rate `lambda` (per second), `agents` servers answer them
//! with exponential handling times of mean `aht` seconds. The offered load in Erlangs is
//! `a = lambda * aht`. Everything here is exact and numerically stable: the Erlang B blocking
//! probability comes from its recursion `B(0) = 1`, `B(k) = a B(k-1) / (k + a B(k-1))`, which
//! never overflows (no factorials, no powers), and Erlang C follows from B.
//!
//! Formulas, with `c` agents and `a < c` (otherwise the queue is unstable and every call waits):
//! - probability of waiting `C = c B / (c - a (1 - B))`;
//! - waiting time: `P(W > t) = C exp(-(c - a) t / aht)`, so a call that waits waits an
//!   exponential time of mean `aht / (c - a)`;
//! - service level (answered within `t`): `1 - C exp(-(c - a) t / aht)`;
//! - average speed of answer `ASA = E[W] = C aht / (c - a)`.

/// Offered load in Erlangs of `calls` arriving in `interval_seconds` with handling time `aht`.
pub fn offered_load(calls: f64, interval_seconds: f64, aht: f64) -> f64 {
    if interval_seconds <= 0.0 {
        return 0.0;
    }
    calls * aht / interval_seconds
}

/// Erlang B: the probability that a call finds all `agents` busy in a loss system with offered
/// load `load` Erlangs. Computed by the stable recursion.
pub fn erlang_b(agents: u32, load: f64) -> f64 {
    if load <= 0.0 {
        return if agents == 0 { 1.0 } else { 0.0 };
    }
    let mut b = 1.0_f64;
    for k in 1..=agents {
        let ab = load * b;
        b = ab / (f64::from(k) + ab);
    }
    b
}

/// Erlang C: the probability that a call has to wait, with `agents` servers and `load` Erlangs.
/// 1 when the queue is unstable (`load >= agents`).
pub fn prob_wait(agents: u32, load: f64) -> f64 {
    if load <= 0.0 {
        return 0.0;
    }
    let c = f64::from(agents);
    if load >= c {
        return 1.0;
    }
    let b = erlang_b(agents, load);
    let p = c * b / (c - load * (1.0 - b));
    p.clamp(0.0, 1.0)
}

/// The rate (per second) of the exponential wait of a call that waits: `(c - a) / aht`.
/// 0 when the queue is unstable.
pub fn wait_rate(agents: u32, load: f64, aht: f64) -> f64 {
    let c = f64::from(agents);
    if load >= c || aht <= 0.0 {
        0.0
    } else {
        (c - load) / aht
    }
}

/// Probability that a call waits more than `t` seconds.
pub fn prob_wait_over(agents: u32, load: f64, aht: f64, t: f64) -> f64 {
    let pw = prob_wait(agents, load);
    if pw == 0.0 {
        return 0.0;
    }
    let rate = wait_rate(agents, load, aht);
    if rate == 0.0 {
        return 1.0;
    }
    pw * (-rate * t.max(0.0)).exp()
}

/// Service level: the share of calls answered within `t` seconds.
pub fn service_level(agents: u32, load: f64, aht: f64, t: f64) -> f64 {
    1.0 - prob_wait_over(agents, load, aht, t)
}

/// Average speed of answer (mean wait of all calls, those that don't wait included), seconds.
/// Infinite when the queue is unstable.
pub fn asa(agents: u32, load: f64, aht: f64) -> f64 {
    let pw = prob_wait(agents, load);
    if pw == 0.0 {
        return 0.0;
    }
    let rate = wait_rate(agents, load, aht);
    if rate == 0.0 {
        f64::INFINITY
    } else {
        pw / rate
    }
}

/// The fewest agents (more than the load, so that the queue is stable) that answer at least
/// `target` (e.g. 0.8) of the calls within `t` seconds (e.g. 20): the "80/20" rule.
pub fn agents_for_service_level(load: f64, aht: f64, t: f64, target: f64) -> u32 {
    let mut c = min_stable_agents(load);
    // A service level of 1 is never reached exactly: stop where the queue is empty enough.
    let target = target.min(1.0 - 1e-12);
    while service_level(c, load, aht, t) < target {
        c += 1;
    }
    c
}

/// The fewest agents that keep the average speed of answer at or below `max_asa` seconds.
pub fn agents_for_asa(load: f64, aht: f64, max_asa: f64) -> u32 {
    let mut c = min_stable_agents(load);
    while asa(c, load, aht) > max_asa.max(0.0) && prob_wait(c, load) > 1e-12 {
        c += 1;
    }
    c
}

/// The fewest agents for which the queue is stable: `floor(load) + 1`, at least 1.
pub fn min_stable_agents(load: f64) -> u32 {
    if load <= 0.0 {
        1
    } else {
        load.floor() as u32 + 1
    }
}

/// One staffing and what it achieves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    /// Agents on the phones.
    pub agents: u32,
    /// Offered load, Erlangs.
    pub load: f64,
    /// Erlang C: the probability that a call waits.
    pub prob_wait: f64,
    /// Share of calls answered within the target time.
    pub service_level: f64,
    /// Share of the agents' time spent on calls: `load / agents`.
    pub occupancy: f64,
    /// Average speed of answer, seconds.
    pub asa: f64,
}

/// The figures of `agents` agents facing `load` Erlangs with handling time `aht`, answering
/// within `t` seconds.
pub fn staffing(agents: u32, load: f64, aht: f64, t: f64) -> Staffing {
    Staffing {
        agents,
        load,
        prob_wait: prob_wait(agents, load),
        service_level: service_level(agents, load, aht, t),
        occupancy: if agents == 0 {
            0.0
        } else {
            (load / f64::from(agents)).min(1.0)
        },
        asa: asa(agents, load, aht),
    }
}

/// The fewest agents that answer at least `target` of the calls within `t` seconds, with their
/// figures: the same answer as [`agents_for_service_level`], computed in one pass. Erlang B is
/// carried from one agent count to the next by its recursion, so the search costs O(agents)
/// instead of O(agents^2) and stays exact and finite for thousands of calls per interval.
pub fn staff_for_service_level(load: f64, aht: f64, t: f64, target: f64) -> Staffing {
    let start = min_stable_agents(load);
    if load <= 0.0 {
        return staffing(start, load, aht, t);
    }
    let target = target.min(1.0 - 1e-12);
    // B(k) for k = 1..start, exactly as `erlang_b` computes it.
    let mut b = 1.0_f64;
    for k in 1..=start {
        let ab = load * b;
        b = ab / (f64::from(k) + ab);
    }
    let mut c = start;
    loop {
        let cf = f64::from(c);
        // As `prob_wait` and `service_level`: the same expressions, so the same bits.
        let pw = (cf * b / (cf - load * (1.0 - b))).clamp(0.0, 1.0);
        let rate = (cf - load) / aht;
        let sl = if pw == 0.0 {
            1.0
        } else if aht <= 0.0 {
            1.0 - pw
        } else {
            1.0 - pw * (-rate * t.max(0.0)).exp()
        };
        if sl >= target {
            return Staffing {
                agents: c,
                load,
                prob_wait: pw,
                service_level: sl,
                occupancy: (load / cf).min(1.0),
                asa: if pw == 0.0 || aht <= 0.0 {
                    0.0
                } else {
                    pw / rate
                },
            };
        }
        c += 1;
        let ab = load * b;
        b = ab / (f64::from(c) + ab);
    }
}

/// Agents to schedule so that `agents` remain on the phones after `shrinkage_ppm` parts per
/// million of their paid time go to breaks, training and absence: `ceil(agents / (1 - s))` in
/// integers, so 21 agents at 30% shrinkage need exactly 30 (a float division gives
/// 30.000000000000004 and rounds up to 31). `None` when the shrinkage is 100% or more.
pub fn with_shrinkage_ppm(agents: u32, shrinkage_ppm: u32) -> Option<u32> {
    const ONE: u64 = 1_000_000;
    let s = u64::from(shrinkage_ppm);
    if s >= ONE {
        return None;
    }
    let num = u64::from(agents) * ONE;
    let den = ONE - s;
    u32::try_from(num.div_ceil(den)).ok()
}

/// [`with_shrinkage_ppm`] with the shrinkage as a fraction (rounded to parts per million).
pub fn with_shrinkage(agents: u32, shrinkage: f64) -> Option<u32> {
    if !(0.0..1.0).contains(&shrinkage) {
        return None;
    }
    with_shrinkage_ppm(agents, (shrinkage * 1e6).round() as u32)
}

/// Parses a shrinkage written as a decimal fraction (`0.3`) or a percentage (`30%`, `12.5%`)
/// exactly, into parts per million.
pub fn parse_shrinkage_ppm(text: &str) -> Option<u32> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix('%') {
        Some(n) => (n.trim(), 10_000u64),
        None => (text, 1_000_000u64),
    };
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 6
    {
        return None;
    }
    let mut value: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    } * scale;
    let mut unit = scale;
    for b in frac.bytes() {
        unit /= 10;
        if unit == 0 {
            if b != b'0' {
                return None; // finer than a part per million
            }
            continue;
        }
        value += u64::from(b - b'0') * unit;
    }
    u32::try_from(value).ok().filter(|&v| v < 1_000_000)
}

/// Erlang A (M/M/c+M): calls that wait hang up after an exponential patience of mean
/// `patience` seconds. Returns `(probability of waiting, probability of abandoning, service
/// level within t of the calls offered, average wait of the calls offered)`, from the exact
/// birth-death chain truncated where its states stop mattering (relative weight below 1e-16).
pub fn erlang_a(agents: u32, load: f64, aht: f64, patience: f64, t: f64) -> (f64, f64, f64, f64) {
    if load <= 0.0 || aht <= 0.0 {
        return (0.0, 0.0, 1.0, 0.0);
    }
    let c = f64::from(agents);
    let mu = 1.0 / aht;
    let lambda = load * mu;
    let theta = if patience > 0.0 {
        1.0 / patience
    } else {
        f64::INFINITY
    };
    // Work with weights relative to state `c`, via Erlang B: P(n<c)... the states below c sum
    // to (1/B - 1) times state c's weight; above c, w(c+k) = w(c+k-1) * lambda / (c mu + k theta).
    let b = erlang_b(agents, load);
    let below = if b > 0.0 {
        1.0 / b - 1.0
    } else {
        f64::INFINITY
    };
    let mut above = Vec::new();
    let mut w = 1.0;
    let mut k = 1.0;
    if theta.is_finite() {
        loop {
            w *= lambda / (c * mu + k * theta);
            if w < 1e-16 || above.len() > 1_000_000 {
                break;
            }
            above.push(w);
            k += 1.0;
        }
    }
    let total = below + 1.0 + above.iter().sum::<f64>();
    // A call arriving in state n >= c waits; in state c + k it is (k+1)-th in line.
    let p_wait = (1.0 + above.iter().sum::<f64>()) / total;
    // Queue length expectation gives abandon rate: theta * E[Q] = lambda * P(abandon).
    let eq: f64 = above
        .iter()
        .enumerate()
        .map(|(i, w)| (i + 1) as f64 * w)
        .sum::<f64>()
        / total;
    let p_abandon = if theta.is_finite() {
        theta * eq / lambda
    } else {
        0.0
    };
    let avg_wait = eq / lambda; // Little: E[Q] = lambda * E[W]
    // Service level: a call arriving at state c + j needs j + 1 departures (service or
    // abandonment of those ahead) before it is served; it abandons at rate theta meanwhile.
    // P(served within t) for that call is computed by the phase-type recursion below.
    let mut sl_wait = 0.0;
    let states = std::iter::once(1.0).chain(above.iter().copied());
    for (j, weight) in states.enumerate() {
        sl_wait += weight / total * served_within(j, c * mu, theta, t);
    }
    let sl = (1.0 - p_wait) + sl_wait;
    (
        p_wait.clamp(0.0, 1.0),
        p_abandon.clamp(0.0, 1.0),
        sl.clamp(0.0, 1.0),
        avg_wait,
    )
}

/// Erlang A: probability that a call arriving with `j` calls ahead of it (all agents busy) is
/// answered within `t`: it needs `j + 1` departures ahead, each stage `i` (i calls ahead) ending
/// at rate `c mu + i theta`, while its own patience runs at rate `theta`. Uniformisation-free:
/// a product of stage probabilities bounded by the convolution, computed by exact sums of
/// exponentials when `t` is finite.
fn served_within(j: usize, cmu: f64, theta: f64, t: f64) -> f64 {
    // Stage rates: leaving stage i (i calls ahead) by a departure: r_i = cmu + i*theta;
    // abandoning: theta. Probability to pass all stages before abandoning and before t.
    // P = prod_i (r_i / (r_i + theta)) * P(sum of Exp(r_i + theta) <= t).
    let theta = if theta.is_finite() { theta } else { return 0.0 };
    let mut pass = 1.0;
    let mut rates = Vec::with_capacity(j + 1);
    for i in (0..=j).rev() {
        let r = cmu + i as f64 * theta;
        pass *= r / (r + theta);
        rates.push(r + theta);
    }
    pass * hypoexp_cdf(&rates, t)
}

/// P(sum of independent exponentials with the given rates <= t), by the stable recursion on the
/// number of stages (uniformisation with the largest rate).
fn hypoexp_cdf(rates: &[f64], t: f64) -> f64 {
    if t <= 0.0 {
        return 0.0;
    }
    let q = rates.iter().cloned().fold(0.0, f64::max);
    // Uniformised chain: at each Poisson(q t) event, stage i advances with probability r_i / q.
    // p[i] = probability of having passed i stages after n events.
    let n_stages = rates.len();
    let mut p = vec![0.0; n_stages + 1];
    p[0] = 1.0;
    let qt = q * t;
    // Poisson(qt) weights in log space (no underflow for large qt), up to far in the tail.
    let last = (qt + 12.0 * qt.sqrt() + 60.0).ceil() as u32;
    let ln_qt = qt.ln();
    let mut ln_poisson = -qt;
    let mut done = 0.0;
    for n in 1..=last {
        let mut next = vec![0.0; n_stages + 1];
        for i in 0..n_stages {
            let adv = rates[i] / q;
            next[i] += p[i] * (1.0 - adv);
            next[i + 1] += p[i] * adv;
        }
        next[n_stages] += p[n_stages];
        p = next;
        ln_poisson += ln_qt - f64::from(n).ln();
        done += ln_poisson.exp() * p[n_stages];
    }
    done.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn erlang_b_matches_the_closed_form() {
        // B(1, a) = a / (1 + a); B(2, a) = (a^2/2) / (1 + a + a^2/2).
        assert!(close(erlang_b(1, 1.0), 0.5, 1e-12));
        let a: f64 = 3.0;
        let b2 = (a * a / 2.0) / (1.0 + a + a * a / 2.0);
        assert!(close(erlang_b(2, a), b2, 1e-12));
        // Published table value: 10 Erlangs on 10 trunks block 21.46% of calls.
        assert!(close(erlang_b(10, 10.0), 0.214_582, 1e-6));
        assert_eq!(erlang_b(0, 5.0), 1.0);
    }

    #[test]
    fn erlang_b_is_stable_for_large_systems() {
        // Factorials of 1000 overflow an f64; the recursion does not.
        let b = erlang_b(1000, 950.0);
        assert!(b.is_finite() && b > 0.0 && b < 0.05, "{b}");
        let c = prob_wait(1000, 950.0);
        assert!(c.is_finite() && c > b && c < 1.0, "{c}");
    }

    #[test]
    fn erlang_c_single_server_is_the_utilisation() {
        // M/M/1: P(wait) = rho, ASA = rho / (mu - lambda).
        for rho in [0.1, 0.5, 0.9] {
            assert!(close(prob_wait(1, rho), rho, 1e-12));
            let aht = 100.0;
            assert!(close(asa(1, rho, aht), rho * aht / (1.0 - rho), 1e-9));
        }
    }

    #[test]
    fn textbook_call_center_example() {
        // 100 calls in 30 minutes with 180 s handling: 10 Erlangs.
        let a = offered_load(100.0, 1800.0, 180.0);
        assert!(close(a, 10.0, 1e-12));
        // Computed values (they agree with published Erlang C calculators):
        // 11 agents: P(wait) 68.2%, SL(20 s) 39.0%, ASA 122.8 s;
        // 12 agents: P(wait) 44.9%, SL 64.0%, ASA 40.4 s;
        // 13 agents: P(wait) 28.5%, SL 79.6%, ASA 17.1 s;
        // 14 agents: P(wait) 17.4%, SL 88.8%, ASA 7.8 s.
        assert!(close(prob_wait(11, a), 0.6821, 1e-4));
        assert!(close(prob_wait(12, a), 0.4494, 1e-4));
        assert!(close(prob_wait(13, a), 0.2853, 1e-4));
        assert!(close(prob_wait(14, a), 0.1741, 1e-4));
        assert!(close(service_level(12, a, 180.0, 20.0), 0.6402, 1e-4));
        assert!(close(service_level(13, a, 180.0, 20.0), 0.7956, 1e-4));
        assert!(close(service_level(14, a, 180.0, 20.0), 0.8884, 1e-4));
        assert!(close(asa(12, a, 180.0), 40.44, 0.01));
        assert!(close(asa(13, a, 180.0), 17.12, 0.01));
        // So the 80/20 target needs 14 agents (13 answer only 79.6% within 20 s).
        assert_eq!(agents_for_service_level(a, 180.0, 20.0, 0.8), 14);
        assert_eq!(agents_for_service_level(a, 180.0, 20.0, 0.9), 15);
        assert_eq!(agents_for_asa(a, 180.0, 30.0), 13);
        assert_eq!(agents_for_asa(a, 180.0, 15.0), 14);
    }

    #[test]
    fn unstable_and_empty_queues() {
        assert_eq!(prob_wait(5, 5.0), 1.0);
        assert_eq!(prob_wait(5, 7.0), 1.0);
        assert!(asa(5, 5.0, 180.0).is_infinite());
        assert_eq!(prob_wait(3, 0.0), 0.0);
        assert_eq!(asa(3, 0.0, 180.0), 0.0);
        assert_eq!(min_stable_agents(0.0), 1);
        assert_eq!(min_stable_agents(4.0), 5);
        assert_eq!(min_stable_agents(4.2), 5);
        assert_eq!(agents_for_service_level(0.0, 180.0, 20.0, 0.8), 1);
    }

    #[test]
    fn waiting_tail_and_service_level_agree() {
        let (c, a, aht) = (20, 17.0, 240.0);
        let pw = prob_wait(c, a);
        assert!(close(prob_wait_over(c, a, aht, 0.0), pw, 1e-12));
        let t: f64 = 120.0;
        let expect = pw * (-(3.0_f64 / 240.0) * t).exp();
        assert!(close(prob_wait_over(c, a, aht, t), expect, 1e-12));
        assert!(close(service_level(c, a, aht, t), 1.0 - expect, 1e-12));
        // More agents: never worse.
        assert!(prob_wait(c + 1, a) < pw);
        assert!(asa(c + 1, a, aht) < asa(c, a, aht));
    }

    #[test]
    fn one_pass_search_equals_the_exact_formula() {
        for calls in [1.0, 10.0, 57.0, 100.0, 333.0, 1000.0, 4000.0] {
            for aht in [60.0, 180.0, 420.0] {
                for (t, target) in [(20.0, 0.8), (30.0, 0.9), (60.0, 0.95)] {
                    let a = offered_load(calls, 1800.0, aht);
                    let s = staff_for_service_level(a, aht, t, target);
                    assert_eq!(s.agents, agents_for_service_level(a, aht, t, target));
                    assert_eq!(s.service_level, service_level(s.agents, a, aht, t));
                    assert_eq!(s.prob_wait, prob_wait(s.agents, a));
                    assert!((s.asa - asa(s.agents, a, aht)).abs() <= 1e-12 * s.asa.max(1.0));
                }
            }
        }
        let s = staff_for_service_level(10.0, 180.0, 20.0, 0.8);
        assert_eq!(s.agents, 14);
        assert!(close(s.occupancy, 10.0 / 14.0, 1e-12));
    }

    #[test]
    fn shrinkage_rounds_exactly() {
        assert_eq!(with_shrinkage(21, 0.3), Some(30));
        assert_eq!((21.0_f64 / (1.0 - 0.3)).ceil(), 31.0); // the naive way is wrong
        assert_eq!(with_shrinkage(14, 0.0), Some(14));
        assert_eq!(with_shrinkage(14, 0.3), Some(20));
        assert_eq!(with_shrinkage(10, 1.0), None);
        assert_eq!(parse_shrinkage_ppm("0.3"), Some(300_000));
        assert_eq!(parse_shrinkage_ppm("30%"), Some(300_000));
        assert_eq!(parse_shrinkage_ppm("12.5%"), Some(125_000));
        assert_eq!(parse_shrinkage_ppm("1"), None);
        assert_eq!(parse_shrinkage_ppm("x"), None);
        assert_eq!(with_shrinkage_ppm(21, 300_000), Some(30));
    }

    #[test]
    fn staffing_is_stable_for_thousands_of_calls() {
        let a = offered_load(20_000.0, 1800.0, 180.0); // 2000 Erlangs
        let s = staff_for_service_level(a, 180.0, 20.0, 0.8);
        assert!(s.agents > 2000 && s.agents < 2100, "{s:?}");
        assert!(s.service_level >= 0.8 && s.asa.is_finite());
    }

    #[test]
    fn erlang_a_tends_to_erlang_c_with_endless_patience() {
        let (c, a, aht) = (14, 10.0, 180.0);
        let (pw, pa, sl, _) = erlang_a(c, a, aht, 1e9, 20.0);
        assert!(close(pw, prob_wait(c, a), 1e-4), "{pw}");
        assert!(pa < 1e-4);
        assert!(close(sl, service_level(c, a, aht, 20.0), 1e-3), "{sl}");
        // Impatient callers: fewer wait long, some abandon.
        let (pw2, pa2, _, w2) = erlang_a(c, a, aht, 60.0, 20.0);
        assert!(pw2 < pw && pa2 > 0.0 && w2 < asa(c, a, aht));
    }
}
