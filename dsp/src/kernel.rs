//! The per-sample filter loop.
//!
//! Each stage is a direct-form-I biquad in f64; the stages share history (a
//! stage's output history is the next stage's input history). Direct form I
//! is used because its memory holds plain signal values, so changing
//! coefficients every sample causes no state mismatch. (Factoring `b0` out
//! of each stage would save five multiplies, but then the memory holds values
//! scaled by the earlier stages' `b0`, which stop matching when `b0` moves:
//! the sweep test measured up to 28 dB more zipper noise that way.)
//! f64 state costs nothing extra here: a stereo frame fills one SSE2
//! register either way, and it is what reaches 100 dB SNR at 22 Hz.
//!
//! Three implementations compute
//! `y = b0·x + (na1·y1 + (b1·x1 + (b2·x2 + na2·y2)))` per stage:
//! - [`Kernel::Scalar`], portable;
//! - [`Kernel::Sse2`], two channels per register, the x86-64 baseline; its
//!   operations are the scalar ones in the same order, so the two agree bit
//!   for bit;
//! - [`Kernel::Fma`], chosen at run time where AVX2+FMA exist: fused
//!   multiply-adds round once instead of twice, so it differs from the
//!   others in the last bits (and is held to the same precision tests);
//!
//! One generic loop (`x86::pair_run`, over the `Madd` trait) is the SSE2
//! and the FMA kernel; a filter change is made there and in the scalar
//! reference. (An AVX-512 wavefront kernel was measured and removed: see
//! `docs/architecture.md`.)

use crate::cascade::Cascade;
use crate::consts::{COEFFS, GAIN, HISTORY, INPUT_LIMIT, PER_STAGE, STAGES};
use crate::cpu::{Checked, Kernel};
use crate::io::Io;

/// One channel's filter memory.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ChannelState {
    h: [f64; HISTORY],
}

/// Frames handled per pass: input conversion, then the recursion, then
/// output conversion. Keeping I/O out of the recursive loop leaves all twelve
/// history registers free of spills.
pub(crate) const CHUNK: usize = 32;

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

/// Where the coefficients of a run of frames come from.
#[derive(Clone, Copy)]
pub(crate) struct Segment<'a> {
    /// Coefficients at the start of the grid segment (the previous one's end).
    pub start: &'a Cascade,
    /// Per-sample increment across the segment.
    pub step: &'a Cascade,
    /// Whether the coefficients move (otherwise `start` holds throughout).
    pub moving: bool,
    /// Position of the first frame within the segment.
    pub phase: usize,
}

/// Per-frame coefficients of a moving chunk, coefficient-major so that
/// filling it vectorises; computed once and shared by every channel pair.
#[repr(C, align(32))]
#[derive(Clone, Debug)]
pub(crate) struct Table([[f64; CHUNK]; COEFFS]);

impl Default for Table {
    fn default() -> Self {
        Self([[0.0; CHUNK]; COEFFS])
    }
}

impl Table {
    /// `start + (phase + 1)·step` for each frame: a pure function of the
    /// position in the segment, so any split into blocks gives the same bits.
    fn fill(&mut self, kernel: Checked, seg: &Segment, n: usize) {
        #[cfg(target_arch = "x86_64")]
        if kernel.kernel() == Kernel::Fma {
            // SAFETY: `kernel` is a `Checked` FMA kernel: detection found
            // AVX2 (and FMA) on this CPU.
            unsafe { self.fill_avx2(seg, n) };
            return;
        }
        let _ = kernel;
        self.fill_generic(seg, n);
    }

    /// Same arithmetic (no fused operations), four lanes wide.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn fill_avx2(&mut self, seg: &Segment, n: usize) {
        self.fill_generic(seg, n);
    }

    #[inline(always)]
    fn fill_generic(&mut self, seg: &Segment, n: usize) {
        let mut steps = [0.0f64; CHUNK];
        for (k, v) in steps.iter_mut().enumerate() {
            *v = (seg.phase + k + 1) as f64;
        }
        for ((row, &s), &d) in self.0.iter_mut().zip(&seg.start.0).zip(&seg.step.0) {
            for (v, &m) in row.iter_mut().zip(&steps).take(n) {
                *v = s + m * d;
            }
        }
    }
}

/// Runs `n` frames of `io`, from frame `offset`, through the cascade.
pub(crate) fn run<I: Io>(
    kernel: Checked,
    states: &mut [ChannelState],
    table: &mut Table,
    seg: Segment,
    io: &mut I,
    offset: usize,
    n: usize,
) {
    let mut done = 0;
    while done < n {
        let len = (n - done).min(CHUNK);
        let chunk_seg = Segment {
            phase: seg.phase + done,
            ..seg
        };
        if seg.moving {
            table.fill(kernel, &chunk_seg, len);
        }
        match kernel.kernel() {
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 | Kernel::Fma => {
                x86::run(kernel, states, &chunk_seg, table, io, offset + done, len)
            }
            _ => run_scalar(states, &chunk_seg, table, io, offset + done, len),
        }
        done += len;
    }
}

/// `a·b + c` and `a·b` on a kernel's values: plain f64 for the scalar
/// kernel, a pair of channels per register for the SIMD ones.
pub(crate) trait Madd<V: Copy> {
    /// # Safety
    /// The CPU must have the implementor's features (FMA for the FMA one).
    unsafe fn madd(a: V, b: V, c: V) -> V;
    /// # Safety
    /// As for [`Madd::madd`].
    unsafe fn mul(a: V, b: V) -> V;
}

/// The scalar kernel's arithmetic: unfused, so that SSE2 (the same
/// operations two lanes wide) gives the same bits.
struct Plain;
impl Madd<f64> for Plain {
    #[inline(always)]
    unsafe fn madd(a: f64, b: f64, c: f64) -> f64 {
        a * b + c
    }
    #[inline(always)]
    unsafe fn mul(a: f64, b: f64) -> f64 {
        a * b
    }
}

/// One direct-form-I stage, the filter itself, written once for every
/// kernel: `c(i)` is the stage's coefficient `i` (`b0, b1, b2, −a1, −a2`),
/// `hist` its `[x1, x2, y1, y2]`. The input joins last, so a sample crosses
/// each stage in one operation: short chains keep several frames in flight.
///
/// # Safety
/// The CPU must have `M`'s features.
#[inline(always)]
unsafe fn stage<V: Copy, M: Madd<V>>(c: impl Fn(usize) -> V, x: V, hist: [V; 4]) -> V {
    let [x1, x2, y1, y2] = hist;
    // SAFETY: `M`'s features are the caller's contract.
    unsafe {
        let w = M::madd(c(1), x1, M::madd(c(2), x2, M::mul(c(4), y2)));
        M::madd(c(0), x, M::madd(c(3), y1, w))
    }
}

fn run_scalar<I: Io>(
    states: &mut [ChannelState],
    seg: &Segment,
    table: &Table,
    io: &mut I,
    offset: usize,
    n: usize,
) {
    for (ch, st) in states.iter_mut().enumerate() {
        let mut h = st.h;
        for k in 0..n {
            let c = |j: usize| {
                if seg.moving {
                    table.0[j][k]
                } else {
                    seg.start.0[j]
                }
            };
            let mut x = sanitize(io.get(ch, offset + k));
            for s in 0..STAGES {
                let j = s * PER_STAGE;
                let (x1, x2, y1, y2) = (h[2 * s], h[2 * s + 1], h[2 * s + 2], h[2 * s + 3]);
                // SAFETY: `Plain` needs no CPU feature.
                let y = unsafe { stage::<f64, Plain>(|i| c(j + i), x, [x1, x2, y1, y2]) };
                h[2 * s + 1] = x1;
                h[2 * s] = x;
                x = y;
            }
            h[HISTORY - 1] = h[HISTORY - 2];
            h[HISTORY - 2] = x;
            io.set(ch, offset + k, (x * c(GAIN)) as f32);
        }
        // Keep the recursion out of subnormals where FpGuard sets no FTZ mode.
        #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
        for v in &mut h {
            if v.abs() < 1e-300 {
                *v = 0.0;
            }
        }
        st.h = h;
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use std::arch::x86_64::*;

    struct Sse2;
    impl Madd<__m128d> for Sse2 {
        #[inline(always)]
        unsafe fn madd(a: __m128d, b: __m128d, c: __m128d) -> __m128d {
            // SAFETY: SSE2 is part of the x86-64 baseline.
            unsafe { _mm_add_pd(_mm_mul_pd(a, b), c) }
        }
        #[inline(always)]
        unsafe fn mul(a: __m128d, b: __m128d) -> __m128d {
            // SAFETY: as above.
            unsafe { _mm_mul_pd(a, b) }
        }
    }

    struct Fma;
    impl Madd<__m128d> for Fma {
        #[inline(always)]
        unsafe fn madd(a: __m128d, b: __m128d, c: __m128d) -> __m128d {
            // SAFETY: the caller guarantees FMA (the trait's contract).
            unsafe { _mm_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        unsafe fn mul(a: __m128d, b: __m128d) -> __m128d {
            // SAFETY: SSE2 is part of the x86-64 baseline.
            unsafe { _mm_mul_pd(a, b) }
        }
    }

    pub(super) fn run<I: Io>(
        kernel: Checked,
        states: &mut [ChannelState],
        seg: &Segment,
        table: &Table,
        io: &mut I,
        offset: usize,
        n: usize,
    ) {
        let mut ch = 0;
        while ch < states.len() {
            let pair = (ch + 1 < states.len()).then_some(ch + 1);
            // SAFETY: SSE2 is part of x86-64; `kernel` is `Checked`, so for
            // the FMA kernel detection found AVX2 and FMA. The
            // channel indices are in range (`ch < len`, `pair` checked).
            unsafe {
                match (kernel.kernel(), seg.moving) {
                    (Kernel::Fma, true) => {
                        pair_fma::<true, I>(states, ch, pair, seg, table, io, offset, n)
                    }
                    (Kernel::Fma, false) => {
                        pair_fma::<false, I>(states, ch, pair, seg, table, io, offset, n)
                    }
                    (_, true) => {
                        pair_run::<Sse2, true, I>(states, ch, pair, seg, table, io, offset, n)
                    }
                    (_, false) => {
                        pair_run::<Sse2, false, I>(states, ch, pair, seg, table, io, offset, n)
                    }
                }
            }
            ch += 2;
        }
    }

    /// [`pair_run`] with fused multiply-adds.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA; `a` (and `b`) must be channels of
    /// `states` and `io`, and `n` at most [`CHUNK`] frames of `io` from
    /// `offset` (as for [`pair_run`]).
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn pair_fma<const MOVING: bool, I: Io>(
        states: &mut [ChannelState],
        a: usize,
        b: Option<usize>,
        seg: &Segment,
        table: &Table,
        io: &mut I,
        offset: usize,
        n: usize,
    ) {
        // SAFETY: this function's features include FMA, the `Fma` madd's
        // requirement; the rest is the caller's contract, passed on.
        unsafe { pair_run::<Fma, MOVING, I>(states, a, b, seg, table, io, offset, n) }
    }

    /// One frame through the five stages. In history pair `p`, register
    /// `2p + E` holds the newer value and `2p + 1 − E` the older, which the
    /// new value replaces.
    ///
    /// # Safety
    /// `M::madd`'s features must be present; `k` must be below [`CHUNK`]
    /// when `MOVING` (a row index of `table`).
    #[inline(always)]
    unsafe fn frame<M: Madd<__m128d>, const MOVING: bool, const E: usize>(
        h: &mut [__m128d; HISTORY],
        mut x: __m128d,
        fixed: &[__m128d; COEFFS],
        table: &Table,
        k: usize,
    ) -> __m128d {
        // SAFETY: the caller guarantees `M`'s features; loads read through
        // references into `table` and `fixed`, in bounds by the caller's
        // `k` and the array types.
        unsafe {
            let c = |j: usize| {
                if MOVING {
                    _mm_load1_pd(&table.0[j][k])
                } else {
                    fixed[j]
                }
            };
            for s in 0..STAGES {
                let j = s * PER_STAGE;
                let (new, old) = (2 * s + E, 2 * s + 1 - E);
                let (x1, x2, y1, y2) = (h[new], h[old], h[new + 2], h[old + 2]);
                let y = stage::<__m128d, M>(|i| c(j + i), x, [x1, x2, y1, y2]);
                h[old] = x;
                x = y;
            }
            h[HISTORY - 1 - E] = x;
            x
        }
    }

    /// Channels `a` and `b` (or a silent dummy lane) as the two lanes of
    /// every register, for up to [`CHUNK`] frames.
    ///
    /// # Safety
    /// `M::madd`'s features must be present. `a` (and `b`) must be channels
    /// of `states` and of `io`, and `io` must hold at least `offset + n`
    /// frames with `n <= CHUNK`: the loads and stores go through `io`'s raw
    /// pointers.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn pair_run<M: Madd<__m128d>, const MOVING: bool, I: Io>(
        states: &mut [ChannelState],
        a: usize,
        b: Option<usize>,
        seg: &Segment,
        table: &Table,
        io: &mut I,
        offset: usize,
        n: usize,
    ) {
        // SAFETY: the caller's contract above: features, channel indices
        // and frame counts, so every pointer access stays inside `io`.
        unsafe {
            let mut buf = [_mm_setzero_pd(); CHUNK];
            let buf = &mut buf[..n];

            // Input: convert and sanitise. x − x is 0 for finite x, NaN otherwise.
            let limit = _mm_set1_pd(INPUT_LIMIT);
            let neg_limit = _mm_set1_pd(-INPUT_LIMIT);
            let zero = _mm_setzero_pd();
            let stereo = if b.is_some() { io.stereo_ptr() } else { None };
            for (k, v) in buf.iter_mut().enumerate() {
                let i = offset + k;
                let raw = match stereo {
                    Some(p) => _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64(
                        p.add(2 * i) as *const __m128i
                    ))),
                    None => _mm_set_pd(b.map_or(0.0, |b| io.get(b, i) as f64), io.get(a, i) as f64),
                };
                let finite = _mm_cmpeq_pd(_mm_sub_pd(raw, raw), zero);
                *v = _mm_min_pd(_mm_max_pd(_mm_and_pd(raw, finite), neg_limit), limit);
            }

            // The recursion.
            let sb = b.map(|b| states[b].h).unwrap_or([0.0; HISTORY]);
            let sa = states[a].h;
            let mut h: [__m128d; HISTORY] = std::array::from_fn(|k| _mm_set_pd(sb[k], sa[k]));
            let fixed: [__m128d; COEFFS] = std::array::from_fn(|j| _mm_set1_pd(seg.start.0[j]));
            // Two frames per iteration, alternating which register of each
            // history pair is the newer, so no history value is ever moved.
            let mut pairs = buf.chunks_exact_mut(2);
            let mut k = 0;
            for two in &mut pairs {
                two[0] = frame::<M, MOVING, 0>(&mut h, two[0], &fixed, table, k);
                two[1] = frame::<M, MOVING, 1>(&mut h, two[1], &fixed, table, k + 1);
                k += 2;
            }
            if let [last] = pairs.into_remainder() {
                *last = frame::<M, MOVING, 0>(&mut h, *last, &fixed, table, k);
                for p in h.chunks_exact_mut(2) {
                    p.swap(0, 1);
                }
            }
            let mut la = [0.0; HISTORY];
            let mut lb = [0.0; HISTORY];
            for k in 0..HISTORY {
                _mm_storel_pd(&mut la[k], h[k]);
                _mm_storeh_pd(&mut lb[k], h[k]);
            }
            states[a].h = la;
            if let Some(b) = b {
                states[b].h = lb;
            }

            // Output: gain, convert, store.
            for (k, v) in buf.iter().enumerate() {
                let i = offset + k;
                let gain = if MOVING {
                    _mm_load1_pd(&table.0[GAIN][k])
                } else {
                    fixed[GAIN]
                };
                let out = _mm_mul_pd(*v, gain);
                match stereo {
                    Some(p) => _mm_storel_epi64(
                        p.add(2 * i) as *mut __m128i,
                        _mm_castps_si128(_mm_cvtpd_ps(out)),
                    ),
                    None => {
                        io.set(a, i, _mm_cvtsd_f64(out) as f32);
                        if let Some(b) = b {
                            io.set(b, i, _mm_cvtsd_f64(_mm_unpackhi_pd(out, out)) as f32);
                        }
                    }
                }
            }
        }
    }
}
