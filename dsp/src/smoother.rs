//! Linear ramps evaluated at absolute sample positions.
//!
//! A ramp's value is a pure function of the engine's sample counter, never of
//! how many `process` calls it took to get there. That is what makes the
//! output bit-identical for any partition of the input into blocks.

/// A linear ramp from `from` (at sample `start`) to `to` (at sample `end`),
/// held before and after.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ramp {
    /// Value at and before `start`, in the smoothed (normalised) domain.
    from: f64,
    /// Value at and after `end`.
    to: f64,
    /// Absolute sample position where the ramp leaves `from`.
    start: u64,
    /// Absolute sample position where the ramp reaches `to`.
    end: u64,
    /// `(to − from) / (end − start)`, so evaluating needs no division.
    slope: f64,
}

impl Ramp {
    /// A ramp that sits at `value`.
    pub const fn constant(value: f64) -> Self {
        Self {
            from: value,
            to: value,
            start: 0,
            end: 0,
            slope: 0.0,
        }
    }

    /// The smoothed value at absolute sample `pos`.
    #[inline]
    pub fn value_at(&self, pos: u64) -> f64 {
        if pos >= self.end {
            self.to
        } else if pos <= self.start {
            self.from
        } else {
            self.from + self.slope * (pos - self.start) as f64
        }
    }

    /// The value the ramp is heading for.
    pub fn target(&self) -> f64 {
        self.to
    }

    /// Whether the ramp still moves after `pos`.
    pub fn moving_after(&self, pos: u64) -> bool {
        pos < self.end
    }

    /// The position where the ramp arrives (still moving before it).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Whether the value changes anywhere between positions `from` and
    /// `to` (`from <= to`).
    pub fn moving_within(&self, from: u64, to: u64) -> bool {
        self.end > from && self.start < to
    }

    /// Heads for `to`, starting from wherever the ramp is at `pos`, arriving
    /// `len` samples later (`len = 0` jumps).
    pub fn retarget(&mut self, pos: u64, to: f64, len: u64) {
        if to == self.to {
            // Re-sending the same target must not restart (and so slow down) a ramp.
            return;
        }
        let from = self.value_at(pos);
        let slope = if len == 0 {
            0.0
        } else if len.is_power_of_two() && len < 1 << 52 {
            // The grid step (32) is the common case, called for every
            // smoothed value on every grid point: dividing by a power of
            // two is multiplying by its exact reciprocal, same bits,
            // without the division's latency.
            (to - from) * f64::from_bits((1023 - u64::from(len.trailing_zeros())) << 52)
        } else {
            (to - from) / len as f64
        };
        *self = Self {
            from,
            to,
            start: pos,
            end: pos + len,
            slope,
        };
    }

    /// Jumps to the target.
    pub fn snap(&mut self) {
        *self = Self::constant(self.to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_linearly_and_holds() {
        let mut r = Ramp::constant(1.0);
        r.retarget(100, 3.0, 10);
        assert_eq!(r.value_at(50), 1.0);
        assert_eq!(r.value_at(100), 1.0);
        assert_eq!(r.value_at(105), 2.0);
        assert_eq!(r.value_at(110), 3.0);
        assert_eq!(r.value_at(1_000_000), 3.0);
    }

    #[test]
    fn retarget_mid_ramp_starts_from_the_current_value() {
        let mut r = Ramp::constant(0.0);
        r.retarget(0, 1.0, 100);
        r.retarget(50, 0.0, 50);
        assert_eq!(r.value_at(50), 0.5);
        assert_eq!(r.value_at(75), 0.25);
        assert_eq!(r.value_at(100), 0.0);
        // Same target again: the ramp continues unchanged.
        let before = r;
        r.retarget(60, 0.0, 1000);
        assert_eq!(r, before);
    }

    #[test]
    fn moving_within_sees_a_ramp_that_starts_later() {
        let mut r = Ramp::constant(0.0);
        assert!(!r.moving_within(0, 1000));
        r.retarget(100, 1.0, 50);
        assert!(!r.moving_within(0, 100), "flat up to its start");
        assert!(r.moving_within(0, 101));
        assert!(r.moving_within(149, 200));
        assert!(!r.moving_within(150, 200), "flat from its end");
        r.retarget(300, 0.0, 0);
        assert!(r.moving_within(299, 301), "a jump");
        assert!(!r.moving_within(300, 400));
    }

    #[test]
    fn power_of_two_lengths_give_the_division_bits() {
        let mut rng = semantic_eq_model::rng::XorShift64::new(0x2545_f491_4f6c_dd1d);
        for _ in 0..10_000 {
            let x = rng.next_u64();
            let from = f64::from_bits(x >> 2) % 1e6 - 5e5;
            let to = (x % 1_000_003) as f64 * 1e-3 - 400.0;
            for len in [1u64, 2, 32, 64, 1024, 1 << 40] {
                let mut r = Ramp::constant(from);
                r.retarget(7, to, len);
                assert_eq!(r.slope.to_bits(), ((to - from) / len as f64).to_bits());
            }
        }
    }

    #[test]
    fn zero_length_jumps() {
        let mut r = Ramp::constant(0.0);
        r.retarget(10, 5.0, 0);
        assert_eq!(r.value_at(10), 5.0);
        assert_eq!(r.value_at(9), 0.0);
    }
}
