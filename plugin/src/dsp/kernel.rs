//! The per-sample filter loop.
//!
//! Each stage is a direct-form-I biquad in f64 with `b0` factored out; the
//! stages share history (a stage's output history is the next stage's input
//! history). Direct form I is used because its memory holds plain signal
//! values, so changing coefficients every sample causes no state mismatch.

use super::engine::INPUT_LIMIT;

pub(crate) const STAGES: usize = 5;

/// Coefficients of the whole cascade as the kernel reads them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Cascade {
    /// Per stage `[b1/b0, b2/b0, a1/a0, a2/a0]`.
    pub stages: [[f64; 4]; STAGES],
    /// Product of every stage's `b0/a0` and the output gain (linear).
    pub gain: f64,
}

impl Cascade {
    pub const IDENTITY: Self = Self {
        stages: [[0.0; 4]; STAGES],
        gain: 1.0,
    };
    pub const ZERO: Self = Self {
        stages: [[0.0; 4]; STAGES],
        gain: 0.0,
    };

    pub fn minus(&self, other: &Self) -> Self {
        let mut r = *self;
        for (rs, os) in r.stages.iter_mut().zip(&other.stages) {
            for (a, b) in rs.iter_mut().zip(os) {
                *a -= b;
            }
        }
        r.gain -= other.gain;
        r
    }

    pub fn scaled(&self, k: f64) -> Self {
        let mut r = *self;
        for s in &mut r.stages {
            for a in s {
                *a *= k;
            }
        }
        r.gain *= k;
        r
    }

    #[inline(always)]
    fn advance(&mut self, step: &Self) {
        for (s, d) in self.stages.iter_mut().zip(&step.stages) {
            for (a, b) in s.iter_mut().zip(d) {
                *a += b;
            }
        }
        self.gain += step.gain;
    }
}

/// One channel's filter memory: `h[0]` is the input history, `h[s + 1]` the
/// output history of stage `s`, each `[x[-1], x[-2]]`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ChannelState {
    h: [[f64; 2]; STAGES + 1],
}

impl ChannelState {
    /// Zeroes history that has decayed below audibility, so the recursion
    /// can never wander into subnormal numbers (which are slow on x86).
    #[inline]
    fn flush_tiny(&mut self) {
        for h in &mut self.h {
            for v in h {
                if v.abs() < 1e-30 {
                    *v = 0.0;
                }
            }
        }
    }
}

/// Access to a block of audio, interleaved or planar.
pub(crate) trait Io {
    fn channels(&self) -> usize;
    fn get(&self, ch: usize, frame: usize) -> f32;
    fn set(&mut self, ch: usize, frame: usize, v: f32);
}

pub(crate) struct Interleaved<'a> {
    pub data: &'a mut [f32],
    pub channels: usize,
}

impl Io for Interleaved<'_> {
    #[inline(always)]
    fn channels(&self) -> usize {
        self.channels
    }
    #[inline(always)]
    fn get(&self, ch: usize, frame: usize) -> f32 {
        self.data[frame * self.channels + ch]
    }
    #[inline(always)]
    fn set(&mut self, ch: usize, frame: usize, v: f32) {
        self.data[frame * self.channels + ch] = v;
    }
}

pub(crate) struct Planar<'a, 'b> {
    pub data: &'a mut [&'b mut [f32]],
}

impl Io for Planar<'_, '_> {
    #[inline(always)]
    fn channels(&self) -> usize {
        self.data.len()
    }
    #[inline(always)]
    fn get(&self, ch: usize, frame: usize) -> f32 {
        self.data[ch][frame]
    }
    #[inline(always)]
    fn set(&mut self, ch: usize, frame: usize, v: f32) {
        self.data[ch][frame] = v;
    }
}

/// Non-finite input is silence; huge input is clipped.
#[inline(always)]
fn sanitize(x: f32) -> f64 {
    let x = x as f64;
    if x.is_finite() {
        x.clamp(-INPUT_LIMIT, INPUT_LIMIT)
    } else {
        0.0
    }
}

/// Runs frames `start..start + n` of `io` through the cascade. `cur` holds
/// the coefficients of the previous sample and is advanced by `step` per
/// sample when `moving`.
pub(crate) fn run<I: Io>(
    states: &mut [ChannelState],
    cur: &mut Cascade,
    step: &Cascade,
    moving: bool,
    io: &mut I,
    start: usize,
    n: usize,
) {
    let mut last = *cur;
    for (ch, st) in states.iter_mut().enumerate() {
        let mut c = *cur;
        let mut h = st.h;
        for i in start..start + n {
            if moving {
                c.advance(step);
            }
            let mut x = sanitize(io.get(ch, i));
            for s in 0..STAGES {
                let [b1, b2, a1, a2] = c.stages[s];
                let y = x + b1 * h[s][0] + b2 * h[s][1] - a1 * h[s + 1][0] - a2 * h[s + 1][1];
                h[s] = [x, h[s][0]];
                x = y;
            }
            h[STAGES] = [x, h[STAGES][0]];
            io.set(ch, i, (x * c.gain) as f32);
        }
        st.h = h;
        st.flush_tiny();
        last = c;
    }
    *cur = last;
}

/// Sets flush-to-zero and denormals-are-zero for the duration of a process
/// call and restores the caller's mode afterwards, so that the result is the
/// same whether or not the host already set them.
pub(crate) struct FpGuard {
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    saved: u32,
}

impl FpGuard {
    #[inline]
    pub fn new() -> Self {
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        {
            let saved = mxcsr::get();
            // FTZ (bit 15) and DAZ (bit 6).
            mxcsr::set(saved | 0x8040);
            Self { saved }
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
        Self {}
    }
}

impl Drop for FpGuard {
    #[inline]
    fn drop(&mut self) {
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        mxcsr::set(self.saved);
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
mod mxcsr {
    use std::arch::asm;

    #[inline]
    pub fn get() -> u32 {
        let mut v: u32 = 0;
        // SAFETY: stmxcsr writes 4 bytes to the given, valid address.
        unsafe { asm!("stmxcsr [{}]", in(reg) &mut v, options(nostack, preserves_flags)) };
        v
    }

    #[inline]
    pub fn set(v: u32) {
        // SAFETY: ldmxcsr reads 4 bytes from a valid address; only the
        // rounding/flush mode bits change, and they are restored by FpGuard.
        unsafe { asm!("ldmxcsr [{}]", in(reg) &v, options(nostack, preserves_flags, readonly)) };
    }
}
