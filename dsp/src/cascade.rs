//! The cascade's coefficients as every kernel reads them. Above
//! [`crate::consts`] only.

use crate::consts::{COEFFS, GAIN, PER_STAGE, STAGES};

/// Coefficients of the whole cascade as the kernel reads them: per stage
/// `[b0, b1, b2, −a1, −a2]` (divided by `a0`), then the output gain (linear).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Cascade(pub [f64; COEFFS]);

/// A stage `[b0, b1, b2, −a1, −a2]` is flat when `b1 = a1` and `b2 = a2`
/// (see [`Cascade::stage_is_flat`]).
#[inline(always)]
pub(crate) fn flat_stage(b1: f64, b2: f64, neg_a1: f64, neg_a2: f64) -> bool {
    b1 == -neg_a1 && b2 == -neg_a2
}

impl Cascade {
    pub const IDENTITY: Self = {
        let mut c = [0.0; COEFFS];
        let mut s = 0;
        while s < STAGES {
            c[s * PER_STAGE] = 1.0;
            s += 1;
        }
        c[GAIN] = 1.0;
        Self(c)
    };
    pub const ZERO: Self = Self([0.0; COEFFS]);

    /// Whether stage `s` is flat: numerator equal to denominator, as RBJ
    /// gives at exactly 0 dB (and the pass-through stage is). A bell's
    /// `b1` always equals its `a1`; `b2 = a2` only at 0 dB.
    pub fn stage_is_flat(&self, s: usize) -> bool {
        let c = &self.0[s * PER_STAGE..][..PER_STAGE];
        flat_stage(c[1], c[2], c[3], c[4])
    }

    /// Swaps each flat stage that was flat at the previous grid point too
    /// (`was_flat`, updated here) for the exact pass-through, so that a flat
    /// EQ returns its input bit for bit: RBJ's cancelling numerator and
    /// denominator leave some 1e-16 of residue through multiply-adds.
    ///
    /// Only after a flat grid step: going to the pass-through from a
    /// stage that is not flat interpolates its poles to zero within one
    /// grid step while its memory still holds the band's effect, a click 40
    /// dB above an ideal sweep's splatter where a gain sweep met 0 dB on a
    /// grid point (the sweeps test). From RBJ's flat stage the interpolated
    /// numerator stays equal to the denominator all the way.
    pub fn settle_flat(&mut self, was_flat: &mut [bool; STAGES]) {
        for (s, was) in was_flat.iter_mut().enumerate() {
            let flat = self.stage_is_flat(s);
            if flat && *was {
                self.0[s * PER_STAGE..][..PER_STAGE]
                    .copy_from_slice(&Self::IDENTITY.0[s * PER_STAGE..][..PER_STAGE]);
            }
            *was = flat;
        }
    }

    /// `(end − start) / steps`, the per-sample increment of an interpolation.
    pub fn step_towards(start: &Self, end: &Self, steps: usize) -> Self {
        let inv = 1.0 / steps as f64;
        Self(std::array::from_fn(|k| (end.0[k] - start.0[k]) * inv))
    }
}
