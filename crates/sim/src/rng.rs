//! Determinism: every random stream is a ChaCha8 generator seeded from the simulation seed, a
//! phase name and an index (a day, a chunk...), so phases are independent of each other and of
//! the simulated date range, and a given seed always yields the same utility.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finalizer: a bijective 64-bit mix.
pub const fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of `phase` (and `index` within it) derived from the simulation seed.
pub fn derive(seed: u64, phase: &str, index: u64) -> u64 {
    let mut h = mix(seed);
    for b in phase.bytes() {
        h = mix(h ^ u64::from(b));
    }
    mix(h ^ mix(index))
}

/// The random stream of a phase (and index).
pub fn stream(seed: u64, phase: &str, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(derive(seed, phase, index))
}

/// A uniform number in [0, 1) from 64 random bits.
pub fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The `k`-th point of an additive low-discrepancy (Weyl) sequence started at `start`: each run
/// of consecutive points covers [0, 1) evenly, so the waits drawn from it reproduce their
/// distribution closely even in a small sample.
pub fn weyl(start: f64, k: u64, step: f64) -> f64 {
    let x = start + (k as f64) * step;
    x - x.floor()
}

/// The golden ratio's fractional part, the step of the best one-dimensional Weyl sequence.
pub const GOLDEN: f64 = 0.618_033_988_749_894_9;

/// Steps of the three-dimensional R3 sequence (powers of the inverse of the plastic-like
/// constant 1.2207...): consecutive points fill the unit cube evenly.
pub const R3: [f64; 3] = [
    0.819_172_513_396_164,
    0.671_043_606_703_789,
    0.549_700_477_901_970,
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(7, "x", 1), |r, _: u64| Some(r.random()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(7, "x", 1), |r, _: u64| Some(r.random()))
            .collect();
        let c: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(7, "x", 2), |r, _: u64| Some(r.random()))
            .collect();
        let d: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(7, "y", 1), |r, _: u64| Some(r.random()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn weyl_points_are_even() {
        let n = 1000;
        let below: usize = (0..n).filter(|&k| weyl(0.3, k, GOLDEN) < 0.25).count();
        assert!((240..=260).contains(&below), "{below}");
    }
}
