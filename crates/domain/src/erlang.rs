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
}
