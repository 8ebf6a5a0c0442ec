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
//! - [`Kernel::Skewed`], chosen at run time where AVX-512VL exists: the
//!   same direct-form-I stages spread across the lanes of a 512-bit and a
//!   256-bit register on a wavefront, with per-sample coefficients
//!   accumulated in registers and the grid computed eight grid points at a
//!   time (module `skew`). Its coefficients are accumulated rather than
//!   recomputed from the segment start, and its multiply-adds are ordered
//!   for latency, so it too differs in the last bits.

use super::engine::INPUT_LIMIT;

pub(crate) const STAGES: usize = 5;
/// Coefficients per stage: `b0, b1, b2, −a1, −a2`, all divided by `a0`.
pub(crate) const PER_STAGE: usize = 5;
/// Stage coefficients followed by the overall gain.
pub(crate) const COEFFS: usize = STAGES * PER_STAGE + 1;
pub(crate) const GAIN: usize = COEFFS - 1;
/// History values per channel: input `[x1, x2]`, then each stage's `[y1, y2]`.
pub(crate) const HISTORY: usize = 2 * (STAGES + 1);

/// Which implementation of the filter loop runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Portable Rust, one channel at a time.
    Scalar,
    /// SSE2, two channels per register (every x86-64 CPU).
    Sse2,
    /// AVX2 + FMA (fused multiply-add), where the CPU has it.
    Fma,
    /// AVX-512VL + FMA, stages skewed across the lanes (see the `skew`
    /// module), where the CPU has it.
    Skewed,
}

impl Kernel {
    /// The fastest implementation this CPU supports.
    pub fn detect() -> Self {
        Self::available().last().copied().unwrap_or(Self::Scalar)
    }

    /// Every implementation this CPU can run, slowest first.
    pub fn available() -> Vec<Self> {
        #[allow(unused_mut)]
        let mut v = vec![Self::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            v.push(Self::Sse2);
            if std::arch::is_x86_feature_detected!("fma")
                && std::arch::is_x86_feature_detected!("avx2")
            {
                v.push(Self::Fma);
            }
            if super::skew::available() {
                v.push(Self::Skewed);
            }
        }
        v
    }

    /// Whether this CPU can run it.
    pub fn is_available(self) -> bool {
        Self::available().contains(&self)
    }
}

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

/// One channel's filter memory.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ChannelState {
    h: [f64; HISTORY],
}

/// Access to a block of audio, interleaved or planar.
pub(crate) trait Io {
    fn channels(&self) -> usize;
    fn get(&self, ch: usize, frame: usize) -> f32;
    fn set(&mut self, ch: usize, frame: usize, v: f32);
    /// Interleaved stereo, where a frame is 8 contiguous bytes.
    #[inline(always)]
    fn stereo_ptr(&mut self) -> Option<*mut f32> {
        None
    }
    /// Planar stereo: the two channels' first samples (each at least as
    /// long as the block).
    #[inline(always)]
    fn planar_ptrs(&mut self) -> Option<[*mut f32; 2]> {
        None
    }
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
    #[inline(always)]
    fn stereo_ptr(&mut self) -> Option<*mut f32> {
        (self.channels == 2).then_some(self.data.as_mut_ptr())
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
    #[inline(always)]
    fn planar_ptrs(&mut self) -> Option<[*mut f32; 2]> {
        match &mut *self.data {
            [a, b] => Some([a.as_mut_ptr(), b.as_mut_ptr()]),
            _ => None,
        }
    }
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
    fn fill(&mut self, kernel: Kernel, seg: &Segment, n: usize) {
        #[cfg(target_arch = "x86_64")]
        if matches!(kernel, Kernel::Fma | Kernel::Skewed) {
            // SAFETY: these kernels are only chosen where AVX2 was detected.
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
    kernel: Kernel,
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
        match kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 | Kernel::Fma | Kernel::Skewed => {
                x86::run(kernel, states, &chunk_seg, table, io, offset + done, len)
            }
            _ => run_scalar(states, &chunk_seg, table, io, offset + done, len),
        }
        done += len;
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
                let w = c(j + 1) * x1 + (c(j + 2) * x2 + c(j + 4) * y2);
                let y = c(j) * x + (c(j + 3) * y1 + w);
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

    /// `a·b + c`, fused or not.
    trait Madd {
        unsafe fn madd(a: __m128d, b: __m128d, c: __m128d) -> __m128d;
    }

    struct Sse2;
    impl Madd for Sse2 {
        #[inline(always)]
        unsafe fn madd(a: __m128d, b: __m128d, c: __m128d) -> __m128d {
            unsafe { _mm_add_pd(_mm_mul_pd(a, b), c) }
        }
    }

    struct Fma;
    impl Madd for Fma {
        #[inline(always)]
        unsafe fn madd(a: __m128d, b: __m128d, c: __m128d) -> __m128d {
            unsafe { _mm_fmadd_pd(a, b, c) }
        }
    }

    pub(super) fn run<I: Io>(
        kernel: Kernel,
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
            // SAFETY: SSE2 is part of x86-64; FMA is only chosen when detected.
            unsafe {
                match (kernel, seg.moving) {
                    (Kernel::Fma | Kernel::Skewed, true) => {
                        pair_fma::<true, I>(states, ch, pair, seg, table, io, offset, n)
                    }
                    (Kernel::Fma | Kernel::Skewed, false) => {
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
        unsafe { pair_run::<Fma, MOVING, I>(states, a, b, seg, table, io, offset, n) }
    }

    /// One frame through the five stages. In history pair `p`, register
    /// `2p + E` holds the newer value and `2p + 1 − E` the older, which the
    /// new value replaces.
    #[inline(always)]
    unsafe fn frame<M: Madd, const MOVING: bool, const E: usize>(
        h: &mut [__m128d; HISTORY],
        mut x: __m128d,
        fixed: &[__m128d; COEFFS],
        table: &Table,
        k: usize,
    ) -> __m128d {
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
                let w = M::madd(
                    c(j + 1),
                    x1,
                    M::madd(c(j + 2), x2, _mm_mul_pd(c(j + 4), y2)),
                );
                // The input joins last, so a sample crosses each stage in
                // one operation: short chains keep several frames in flight.
                let y = M::madd(c(j), x, M::madd(c(j + 3), y1, w));
                h[old] = x;
                x = y;
            }
            h[HISTORY - 1 - E] = x;
            x
        }
    }

    /// Channels `a` and `b` (or a silent dummy lane) as the two lanes of
    /// every register, for up to [`CHUNK`] frames.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn pair_run<M: Madd, const MOVING: bool, I: Io>(
        states: &mut [ChannelState],
        a: usize,
        b: Option<usize>,
        seg: &Segment,
        table: &Table,
        io: &mut I,
        offset: usize,
        n: usize,
    ) {
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
