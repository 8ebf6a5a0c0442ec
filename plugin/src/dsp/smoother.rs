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

    /// [`Ramp::value_at`] at several positions, written branch-free so that
    /// it vectorises; the same operations, so the same bits.
    #[inline(always)]
    pub fn values_at<const N: usize>(&self, pos: &[u64; N], out: &mut [f64; N]) {
        for (o, &p) in out.iter_mut().zip(pos) {
            let along = self.from + self.slope * p.wrapping_sub(self.start) as f64;
            let held = if p <= self.start { self.from } else { along };
            *o = if p >= self.end { self.to } else { held };
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
    fn batched_values_match() {
        let mut r = Ramp::constant(0.25);
        r.retarget(1000, -3.5, 777);
        let pos = [0, 999, 1000, 1001, 1400, 1776, 1777, 5000];
        let mut got = [0.0; 8];
        r.values_at(&pos, &mut got);
        for (g, &p) in got.iter().zip(&pos) {
            assert_eq!(g.to_bits(), r.value_at(p).to_bits(), "{p}");
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
