//! The workspace's small seeded generators, in one place.
//!
//! Training, the SAFE validation split, the demo's pink noise and the tests'
//! noise all need numbers that a seed fixes for ever (candle's CPU RNG cannot
//! be seeded, and a `rand` version bump may change its streams). These are
//! the classic generators, written once; each keeps the exact sequence of
//! the inline copy it replaced, so seeded results (bit-exact tests, a
//! retrained model file) do not change.
//!
//! * [`SplitMix64`]: well mixed; training, shuffles, the validation split.
//! * [`XorShift64`] (Marsaglia's 13, 7, 17) and [`XorShift32`] (13, 17, 5):
//!   the cheapest noise; the demo and the tests' signals.
//! * [`Lcg64`]: Knuth's MMIX linear congruential generator; test fixtures.

/// `bits >> 11` as a uniform in `[0, 1)` (53 random bits).
fn unit_f64(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// SplitMix64 (Steele, Lea & Flood 2014): 64 bits of state, full period,
/// passes BigCrush; more than enough for initialisation and shuffling.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        unit_f64(self.next_u64())
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// Uniform integer in `0..n` (`n > 0`), by Lemire's multiply-shift
    /// (bias below `n / 2⁶⁴`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// Marsaglia's xorshift64 (shifts 13, 7, 17). The state must not be 0.
#[derive(Clone, Debug)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    /// A generator starting from `seed` (not 0: 0 stays 0).
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next state, which is also the output.
    pub fn next_u64(&mut self) -> u64 {
        let mut s = self.state;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        self.state = s;
        s
    }

    /// Uniform in `[0, 1)` from the top 53 bits of the next state.
    pub fn next_f64(&mut self) -> f64 {
        unit_f64(self.next_u64())
    }
}

/// Marsaglia's xorshift32 (shifts 13, 17, 5). The state must not be 0.
#[derive(Clone, Debug)]
pub struct XorShift32 {
    state: u32,
}

impl XorShift32 {
    /// A generator starting from `seed` (not 0: 0 stays 0).
    pub fn new(seed: u32) -> Self {
        Self { state: seed }
    }

    /// The next state, which is also the output.
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        x
    }

    /// The next output over `u32::MAX` as f32, in `[0, 1]` (the tests'
    /// noise scale).
    pub fn next_unit_f32(&mut self) -> f32 {
        self.next_u32() as f32 / u32::MAX as f32
    }
}

/// Knuth's MMIX linear congruential generator (`s·6364136223846793005 +
/// 1442695040888963407` mod 2⁶⁴). Weak low bits: use the top ones.
#[derive(Clone, Debug)]
pub struct Lcg64 {
    state: u64,
}

impl Lcg64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next state, which is also the output.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.state
    }

    /// Uniform in `[0, 1)` from the top 53 bits of the next state.
    pub fn next_f64(&mut self) -> f64 {
        unit_f64(self.next_u64())
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_deterministic_and_uniform_enough() {
        let a: Vec<u64> = {
            let mut r = SplitMix64::new(5);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = SplitMix64::new(5);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        // Reference value of SplitMix64 seeded with 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let mut r = SplitMix64::new(9);
        let n = 100_000;
        let mean = (0..n).map(|_| r.next_f64()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        let mut counts = [0usize; 7];
        for _ in 0..70_000 {
            counts[r.below(7)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
        let mut v: Vec<usize> = (0..50).collect();
        r.shuffle(&mut v);
        let mut s = v.clone();
        s.sort_unstable();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        assert_ne!(v, s);
    }

    /// The generators reproduce the inline copies they replaced.
    #[test]
    fn sequences_match_the_inline_formulas() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut x = XorShift64::new(s);
        let mut l = Lcg64::new(0x1234_5678);
        let mut ls = 0x1234_5678u64;
        let mut s32 = 0x9E37_79B9u32;
        let mut x32 = XorShift32::new(s32);
        for _ in 0..1000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let f = x.next_f64();
            assert_eq!(
                f.to_bits(),
                ((s >> 11) as f64 / (1u64 << 53) as f64).to_bits()
            );
            ls = ls
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            assert_eq!(l.next_u64(), ls);
            s32 ^= s32 << 13;
            s32 ^= s32 >> 17;
            s32 ^= s32 << 5;
            assert_eq!(x32.next_u32(), s32);
        }
        // The tests' reference values for seed 1.
        assert_eq!(XorShift32::new(1).next_u32(), 270_369);
        assert_eq!(XorShift64::new(1).next_u64(), 1_082_269_761);
    }
}
