//! The stage-skewed kernel ([`Kernel::Skewed`]): x86-64 with AVX-512VL and
//! FMA, chosen at run time.
//!
//! A stereo frame fills only two f64 lanes, and the five stages of a frame
//! depend on each other, so the other kernels leave most of the machine
//! idle. Here stages are spread across lanes instead: a 512-bit register
//! `A` holds stages 0-3 of both channels (`[ch0·s0..s3, ch1·s0..s3]`) and a
//! 256-bit register `B` stage 4 and the output gain (a sixth stage with
//! `b0 = gain`; `[ch0·s4, ch0·g, ch1·s4, ch1·g]`). At step `t`, stage `s`
//! works on frame `t − 2s`: a wavefront, so the six stages are independent
//! within a step and a frame leaves the cascade [`DEPTH`] steps after it
//! entered. Each step is five multiply-adds on `A`, five on `B` and two
//! permutes that pass every stage's output on to the next (two steps
//! later, which keeps the permutes' latency off the recursion). (A 512-bit
//! operation costs the core one instruction slot for eight lanes; this
//! CPU family sustains fewer than three vector instructions a cycle, so the
//! count of instructions, not of lanes, sets the pace.)
//!
//! The wavefront runs on across calls; to stay zero-latency, each call ends
//! by running a copy of it on silence until the call's last frames come out
//! (see `pair`). Every frame is therefore computed by the same sequence of
//! steps whatever the partition into calls.
//!
//! Coefficients are not read from a per-sample table: each stage keeps its
//! current coefficients in registers and adds the segment's per-sample step
//! as it takes each frame, switching to a new segment's start exactly on the
//! grid (stage `s` at step `g + 2s` for grid point `g`, when it takes frame
//! `g`): the same coefficient trajectory as the other kernels. While a
//! switch is under way the stages not yet in the new segment keep adding
//! the old segment's step. The
//! accumulation is part of the engine's state, carried across calls, so the
//! output stays a pure function of the input and the targets, whatever the
//! partition into blocks.

use super::coeffs::GridCascades;
use super::engine::{GRID, INPUT_LIMIT};
use super::kernel::{COEFFS, Cascade, Io, PER_STAGE, STAGES};

/// Stages in the wavefront: five biquads and the output gain.
const LANES: usize = STAGES + 1;
/// Steps between a frame entering one stage and the next: two, so that a
/// stage's input is the stage before's output of two steps ago, and the
/// permute that brings it over is off the critical path (its latency plus
/// a multiply-add spread over two steps, instead of on every step).
const SKEW: usize = 2;
/// Steps between a frame entering the cascade and leaving it.
pub(crate) const DEPTH: usize = SKEW * (LANES - 1);
/// Steps from a grid point to the last stage's switch, plus one: the steps
/// during which the stages are in different segments.
const SWITCHING: usize = DEPTH + 1;
/// Steps handled per pass over the I/O buffers.
const CHUNK: usize = 64;
/// Most switches waiting at once: a batch of grid points, plus the one a
/// previous call left under way.
pub(crate) const QUEUE: usize = super::coeffs::GRID_LANES + 2;

/// A cascade's coefficients as the kernel loads them: `[j]` holds
/// coefficient `j` of stages 0-4 and the gain stage (then padding), so
/// that `A` broadcasts the first four and `B` the next two.
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Layered(pub [[f64; 8]; PER_STAGE]);

/// Where coefficient `j` of wavefront stage `s` sits in a [`Cascade`]
/// (stage 5 is the output gain, whose only coefficient is `b0`).
const fn cascade_index(s: usize, j: usize) -> Option<usize> {
    if s < STAGES {
        Some(s * PER_STAGE + j)
    } else if j == 0 {
        Some(COEFFS - 1)
    } else {
        None
    }
}

impl Layered {
    pub const ZERO: Self = Self([[0.0; 8]; PER_STAGE]);

    /// Lane `lane` of a batch of cascades.
    #[inline(always)]
    pub fn from_lane(c: &GridCascades, lane: usize) -> Self {
        Self::gather(|k| c[k][lane])
    }

    pub fn from_cascade(c: &Cascade) -> Self {
        Self::gather(|k| c.0[k])
    }

    /// Places coefficient `k` of a [`Cascade`] (`get(k)`) where the kernel
    /// reads it.
    #[inline(always)]
    fn gather(get: impl Fn(usize) -> f64) -> Self {
        let mut out = Self::ZERO;
        for (j, row) in out.0.iter_mut().enumerate() {
            for (s, v) in row.iter_mut().enumerate().take(LANES) {
                if let Some(k) = cascade_index(s, j) {
                    *v = get(k);
                }
            }
        }
        out
    }

    /// `(end − start) / GRID`, the per-sample increment across a segment
    /// (the arithmetic of [`Cascade::step_towards`]).
    #[inline(always)]
    pub fn step_towards(start: &Self, end: &Self) -> Self {
        let inv = 1.0 / GRID as f64;
        let mut out = Self::ZERO;
        for ((o, s), e) in out.0.iter_mut().zip(&start.0).zip(&end.0) {
            for ((o, s), e) in o.iter_mut().zip(s).zip(e) {
                *o = (e - s) * inv;
            }
        }
        out
    }
}

/// Every stage takes up a new grid segment: stage `s` at step `at + s`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Switch {
    /// The segment's grid point (engine position).
    pub at: u64,
    /// Coefficients at the segment's start.
    pub start: Layered,
    /// Their per-step increment (zero when static).
    pub step: Layered,
    /// Whether `step` is non-zero.
    pub moving: bool,
}

/// Switches not yet finished, in order of position. A ring of fixed
/// capacity: filled by the engine between kernel calls, never allocating.
#[derive(Clone, Debug)]
pub(crate) struct Queue {
    items: [Switch; QUEUE],
    head: usize,
    len: usize,
}

impl Default for Queue {
    fn default() -> Self {
        Self {
            items: [Switch::default(); QUEUE],
            head: 0,
            len: 0,
        }
    }
}

impl Queue {
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// A slot after the others, to fill in place. The engine never queues
    /// more than [`QUEUE`]: at most one switch under way (grid points are
    /// further apart than a switch lasts) plus a batch of grid points.
    /// Checked in debug builds; past it a release build would reuse the
    /// oldest slot, never write out of bounds.
    pub fn push(&mut self) -> &mut Switch {
        debug_assert!(self.len < QUEUE);
        let i = (self.head + self.len) % QUEUE;
        self.len = (self.len + 1).min(QUEUE);
        &mut self.items[i]
    }

    /// Forgets the switches every stage has finished before position `pos`.
    pub fn retire(&mut self, pos: u64) {
        while self.len > 0 && self.items[self.head].at + (DEPTH as u64) < pos {
            self.head = (self.head + 1) % QUEUE;
            self.len -= 1;
        }
    }

    fn get(&self, i: usize) -> Option<&Switch> {
        (i < self.len).then(|| &self.items[(self.head + i) % QUEUE])
    }
}

/// The coefficient accumulators: where each stage's coefficients stand
/// (those of the last frame it took) and the per-step increment of the
/// segment each stage is in, in the registers' lane order. Shared by every
/// channel pair, which all replay the same sequence.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(align(64))]
pub(crate) struct Acc {
    ca: [[f64; 8]; PER_STAGE],
    cb: [[f64; 4]; PER_STAGE],
    /// Increments, lane by lane: during a switch the stages that took it
    /// up hold the new segment's, the others still the old one's.
    sa: [[f64; 8]; PER_STAGE],
    sb: [[f64; 4]; PER_STAGE],
    /// Whether the segment the last switch began moves (when no switch is
    /// under way, every stage is in it).
    moving: bool,
}

impl Acc {
    /// At rest on `c` (normalised as a switch would leave it: `+ 0.0`).
    pub fn at(c: &Layered) -> Self {
        let lane_a = |j: usize| std::array::from_fn(|i| c.0[j][i % 4] + 0.0);
        let lane_b = |j: usize| std::array::from_fn(|i| c.0[j][4 + i % 2] + 0.0);
        Self {
            ca: std::array::from_fn(lane_a),
            cb: std::array::from_fn(lane_b),
            sa: [[0.0; 8]; PER_STAGE],
            sb: [[0.0; 4]; PER_STAGE],
            moving: false,
        }
    }
}

/// One channel pair's filter memory, in the registers' lane order: each
/// stage's last two outputs and last two inputs. Stages are direct form I,
/// like the other kernels (see `kernel`: transposed direct form II was
/// tried in an earlier version of this kernel and splattered up to 27 dB
/// more in the sweep test). A stage's inputs are the stage before's
/// outputs, but keeping them as inputs spares the permutes that would
/// rebuild them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(align(64))]
pub(crate) struct PairState {
    ya: [[f64; 8]; 2],
    xa: [[f64; 8]; 2],
    yb: [[f64; 4]; 2],
    xb: [[f64; 4]; 2],
}

/// A run of steps of one call.
pub(crate) struct Piece<'a> {
    /// Switches under way or to come.
    pub switches: &'a Queue,
    /// Engine position of the call's first frame.
    pub pos0: u64,
    /// Steps `[t0, t1)`, counted from the call's first frame; step `t` feeds
    /// frame `t` to stage 0 and takes frame `t − DEPTH` out of the gain
    /// stage. The piece that ends the call also writes its last frames.
    pub t0: usize,
    pub t1: usize,
    /// Frames in the call.
    pub frames: usize,
}

/// Whether this CPU can run the kernel.
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Runs a piece for every channel pair of `io`.
///
/// # Safety
/// Only where [`available`] said yes.
#[cfg(target_arch = "x86_64")]
pub(crate) unsafe fn run<I: Io>(acc: &mut Acc, pairs: &mut [PairState], piece: &Piece, io: &mut I) {
    let channels = io.channels();
    let count = channels.div_ceil(2);
    // Every pair replays the same coefficient sequence from the same start.
    // (Copied only when there is another pair to replay it.)
    let saved = if count > 1 { Some(*acc) } else { None };
    for (p, st) in pairs.iter_mut().enumerate().take(count) {
        if let Some(saved) = saved.filter(|_| p > 0) {
            *acc = saved;
        }
        let a = 2 * p;
        let b = (a + 1 < channels).then_some(a + 1);
        // SAFETY: the caller checked the CPU.
        unsafe { x86::pair::<I>(acc, st, piece, io, a, b) }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use std::arch::x86_64::*;
    use std::mem::MaybeUninit;

    /// The live registers of one pair.
    #[derive(Clone, Copy)]
    struct Live {
        ca: [__m512d; PER_STAGE],
        cb: [__m256d; PER_STAGE],
        sa: [__m512d; PER_STAGE],
        sb: [__m256d; PER_STAGE],
        ya1: __m512d,
        ya2: __m512d,
        xa1: __m512d,
        xa2: __m512d,
        yb1: __m256d,
        yb2: __m256d,
        xb1: __m256d,
        xb2: __m256d,
    }

    /// `[c0, c1, c2, c3, c0, c1, c2, c3]`: stages 0-3, both channels.
    #[inline(always)]
    unsafe fn bcast_a(row: &[f64; 8]) -> __m512d {
        unsafe { _mm512_broadcast_f64x4(_mm256_load_pd(row.as_ptr())) }
    }

    /// `[c4, c5, c4, c5]`: stage 4 and the gain, both channels.
    #[inline(always)]
    unsafe fn bcast_b(row: &[f64; 8]) -> __m256d {
        unsafe { _mm256_broadcast_pd(&*(row.as_ptr().add(4) as *const __m128d)) }
    }

    /// Stage `S` takes up the switch's segment: its lanes of the
    /// accumulators are set to the segment's start, and of the increments
    /// to the segment's.
    #[inline(always)]
    unsafe fn take_up<const S: usize>(r: &mut Live, sw: &Switch) {
        unsafe {
            for j in 0..PER_STAGE {
                let (c, d) = (&sw.start.0[j], &sw.step.0[j]);
                if S < 4 {
                    let k = ((1u32 << S) | (1 << (S + 4))) as __mmask8;
                    r.ca[j] = _mm512_mask_blend_pd(k, r.ca[j], bcast_a(c));
                    r.sa[j] = _mm512_mask_blend_pd(k, r.sa[j], bcast_a(d));
                } else if S == 4 {
                    r.cb[j] = _mm256_blend_pd::<0b0101>(r.cb[j], bcast_b(c));
                    r.sb[j] = _mm256_blend_pd::<0b0101>(r.sb[j], bcast_b(d));
                } else {
                    r.cb[j] = _mm256_blend_pd::<0b1010>(r.cb[j], bcast_b(c));
                    r.sb[j] = _mm256_blend_pd::<0b1010>(r.sb[j], bcast_b(d));
                }
            }
        }
    }

    /// One direct-form-I step: one multiply-add chain, ordered by how long
    /// ago each term's value was made. A term entering `k` links before the
    /// end delays the output by `4k` cycles, which the recursion can afford
    /// only if the value is older by enough steps: the previous output goes
    /// last (4 cycles a step), the input (a permute, 5 cycles, of the stage
    /// before's output two steps ago) second last, the output before that
    /// third last, and the older inputs first. The input of one step ago
    /// (a permute of an output three steps ago, 5 + 16 cycles over three
    /// steps) then bounds the pace at 7 cycles a step, against 8 when the
    /// output of two steps ago went fourth last (measured: 8.2 against 8.3
    /// cycles a static step in isolation, the engine 2-4 % faster).
    macro_rules! biquad {
        ($fmadd:ident, $mul:ident, $c:expr, $x:expr, $x1:expr, $x2:expr, $y1:expr, $y2:expr) => {{
            let c = $c;
            let w = $fmadd(c[1], $x1, $mul(c[2], $x2));
            let w = $fmadd(c[4], $y2, w);
            $fmadd(c[3], $y1, $fmadd(c[0], $x, w))
        }};
    }

    /// One step: the accumulators add their steps when `ADD`, then every
    /// stage takes its input. Returns `B`, whose gain lanes (1 and 3) hold
    /// frame `t − DEPTH`.
    #[inline(always)]
    unsafe fn advance<const ADD: bool>(r: &mut Live, x: __m128d) -> __m256d {
        unsafe {
            if ADD {
                for j in 0..PER_STAGE {
                    r.ca[j] = _mm512_add_pd(r.ca[j], r.sa[j]);
                    r.cb[j] = _mm256_add_pd(r.cb[j], r.sb[j]);
                }
            }
            // A: stage 0 takes the new frame (lanes 0 and 1 of `x`), stages
            // 1-3 the stage before's output of two steps ago. B: stage 4
            // takes stage 3's, the gain stage stage 4's.
            let idx_a = _mm512_set_epi64(6, 5, 4, 9, 2, 1, 0, 8);
            let idx_b = _mm512_set_epi64(0, 0, 0, 0, 10, 7, 8, 3);
            let xa = _mm512_permutex2var_pd(r.ya2, idx_a, _mm512_castpd128_pd512(x));
            let xb = _mm512_castpd512_pd256(_mm512_permutex2var_pd(
                r.ya2,
                idx_b,
                _mm512_castpd256_pd512(r.yb2),
            ));
            let ya = biquad!(
                _mm512_fmadd_pd,
                _mm512_mul_pd,
                &r.ca,
                xa,
                r.xa1,
                r.xa2,
                r.ya1,
                r.ya2
            );
            let yb = biquad!(
                _mm256_fmadd_pd,
                _mm256_mul_pd,
                &r.cb,
                xb,
                r.xb1,
                r.xb2,
                r.yb1,
                r.yb2
            );
            r.xa2 = r.xa1;
            r.xa1 = xa;
            r.ya2 = r.ya1;
            r.ya1 = ya;
            r.xb2 = r.xb1;
            r.xb1 = xb;
            r.yb2 = r.yb1;
            r.yb1 = yb;
            yb
        }
    }

    /// A step `phase` steps after switch `sw`'s grid point (stage `s` takes
    /// it up at phase `SKEW·s`).
    #[inline(always)]
    unsafe fn switch_step(r: &mut Live, x: __m128d, sw: &Switch, phase: usize) -> __m256d {
        unsafe {
            match phase {
                0 => take_up::<0>(r, sw),
                2 => take_up::<1>(r, sw),
                4 => take_up::<2>(r, sw),
                6 => take_up::<3>(r, sw),
                8 => take_up::<4>(r, sw),
                10 => take_up::<5>(r, sw),
                _ => {}
            }
            advance::<true>(r, x)
        }
    }

    /// A run of steps: first those of switch `sw` from `phase` on (none if
    /// `phase >= SWITCHING`), then steps in the segment every stage is in
    /// (adding the increments if `ADD`). Out of line so
    /// that the register allocator sees only these loops: inlined into the
    /// big dispatch, it spilled a filter state and put a store-to-load
    /// round trip on the recursion.
    #[inline(never)]
    #[target_feature(enable = "avx2,fma,avx512f,avx512vl,avx512dq")]
    unsafe fn segment<const ADD: bool>(
        live: &mut Live,
        xin: &[MaybeUninit<__m128d>],
        yout: &mut [MaybeUninit<__m256d>],
        sw: &Switch,
        phase: usize,
    ) {
        unsafe {
            let mut r = *live;
            let n = xin.len().min(yout.len());
            let (x, y) = (xin.as_ptr(), yout.as_mut_ptr());
            let mut k = 0;
            while k < n && phase + k < SWITCHING {
                (*y.add(k)).write(switch_step(
                    &mut r,
                    (*x.add(k)).assume_init(),
                    sw,
                    phase + k,
                ));
                k += 1;
            }
            if ADD {
                while k < n {
                    (*y.add(k)).write(advance::<ADD>(&mut r, (*x.add(k)).assume_init()));
                    k += 1;
                }
            } else {
                // Two steps per iteration: the history registers then swap
                // roles instead of being copied along (moves on the
                // recursion). With the accumulators' adds in the loop, the
                // single step allocates better.
                while k + 2 <= n {
                    (*y.add(k)).write(advance::<ADD>(&mut r, (*x.add(k)).assume_init()));
                    (*y.add(k + 1)).write(advance::<ADD>(&mut r, (*x.add(k + 1)).assume_init()));
                    k += 2;
                }
                if k < n {
                    (*y.add(k)).write(advance::<ADD>(&mut r, (*x.add(k)).assume_init()));
                }
            }
            *live = r;
        }
    }

    #[inline(always)]
    unsafe fn load_a(v: &[f64; 8]) -> __m512d {
        unsafe { _mm512_loadu_pd(v.as_ptr()) }
    }
    #[inline(always)]
    unsafe fn load_b(v: &[f64; 4]) -> __m256d {
        unsafe { _mm256_loadu_pd(v.as_ptr()) }
    }
    #[inline(always)]
    unsafe fn store_a(v: &mut [f64; 8], r: __m512d) {
        unsafe { _mm512_storeu_pd(v.as_mut_ptr(), r) }
    }
    #[inline(always)]
    unsafe fn store_b(v: &mut [f64; 4], r: __m256d) {
        unsafe { _mm256_storeu_pd(v.as_mut_ptr(), r) }
    }

    /// Non-finite samples become silence (`x − x` is 0 only for finite
    /// `x`), huge ones are clipped: the same as the other kernels.
    #[inline(always)]
    unsafe fn sanitize(raw: __m512d) -> __m512d {
        unsafe {
            let finite =
                _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(_mm512_sub_pd(raw, raw), _mm512_setzero_pd());
            _mm512_min_pd(
                _mm512_max_pd(
                    _mm512_maskz_mov_pd(finite, raw),
                    _mm512_set1_pd(-INPUT_LIMIT),
                ),
                _mm512_set1_pd(INPUT_LIMIT),
            )
        }
    }

    /// The steps of `piece` for channels `a` and `b` (or a silent lane).
    #[target_feature(enable = "avx2,fma,avx512f,avx512vl,avx512dq")]
    pub(super) unsafe fn pair<I: Io>(
        acc: &mut Acc,
        st: &mut PairState,
        piece: &Piece,
        io: &mut I,
        a: usize,
        b: Option<usize>,
    ) {
        unsafe {
            let mut r = Live {
                ca: acc.ca.map(|v| load_a(&v)),
                cb: acc.cb.map(|v| load_b(&v)),
                sa: acc.sa.map(|v| load_a(&v)),
                sb: acc.sb.map(|v| load_b(&v)),
                ya1: load_a(&st.ya[0]),
                ya2: load_a(&st.ya[1]),
                xa1: load_a(&st.xa[0]),
                xa2: load_a(&st.xa[1]),
                yb1: load_b(&st.yb[0]),
                yb2: load_b(&st.yb[1]),
                xb1: load_b(&st.xb[0]),
                xb2: load_b(&st.xb[1]),
            };
            // Whether the segment of the last switch begun moves.
            let mut moving = acc.moving;
            let queue = piece.switches;
            let first = piece.pos0 + piece.t0 as u64;
            // The first switch not finished before this piece.
            let mut next = 0;
            while queue
                .get(next)
                .is_some_and(|s| s.at + (DEPTH as u64) < first)
            {
                next += 1;
            }
            let stereo = if b.is_some() { io.stereo_ptr() } else { None };
            // Planar stereo by pointer too (the processor's layout); the
            // engine hands over slices at least `frames` long.
            let planar = if b.is_some() && stereo.is_none() {
                io.planar_ptrs()
            } else {
                None
            };

            // Written before read, so left uninitialised (clearing them
            // cost as much as a fifth of the filtering).
            let mut xin = [const { MaybeUninit::<__m128d>::uninit() }; CHUNK];
            let mut yout = [const { MaybeUninit::<__m256d>::uninit() }; CHUNK];
            // The gain lanes (1 and 3) of step `t` hold frame `t − DEPTH`;
            // frames before the call were written by the previous call's
            // drain.
            let emit = |io: &mut I, t: usize, v: __m256d| {
                let Some(i) = t.checked_sub(DEPTH) else {
                    return;
                };
                let pair = _mm256_castpd256_pd128(_mm256_permute4x64_pd::<0b11_01>(v));
                let out = _mm_cvtpd_ps(pair);
                match (stereo, planar) {
                    (Some(p), _) => {
                        _mm_storel_epi64(p.add(2 * i) as *mut __m128i, _mm_castps_si128(out))
                    }
                    (None, Some([l, r])) => {
                        _mm_store_ss(l.add(i), out);
                        _mm_store_ss(r.add(i), _mm_movehdup_ps(out));
                    }
                    (None, None) => {
                        io.set(a, i, _mm_cvtsd_f64(pair) as f32);
                        if let Some(b) = b {
                            io.set(b, i, _mm_cvtsd_f64(_mm_unpackhi_pd(pair, pair)) as f32);
                        }
                    }
                }
            };

            let mut t = piece.t0;
            while t < piece.t1 {
                let len = (piece.t1 - t).min(CHUNK);
                // Input: frames t.., converted to [ch0, ch1] and sanitised,
                // four frames at a time where the layout allows.
                let mut k = 0;
                match (stereo, planar) {
                    (Some(p), _) => {
                        while k + 4 <= len {
                            let f = _mm256_loadu_ps(p.add(2 * (t + k)));
                            let v = sanitize(_mm512_cvtps_pd(f));
                            _mm512_storeu_pd(xin.as_mut_ptr().add(k) as *mut f64, v);
                            k += 4;
                        }
                    }
                    (None, Some([l, r])) => {
                        while k + 4 <= len {
                            let (lv, rv) = (_mm_loadu_ps(l.add(t + k)), _mm_loadu_ps(r.add(t + k)));
                            let f =
                                _mm256_set_m128(_mm_unpackhi_ps(lv, rv), _mm_unpacklo_ps(lv, rv));
                            let v = sanitize(_mm512_cvtps_pd(f));
                            _mm512_storeu_pd(xin.as_mut_ptr().add(k) as *mut f64, v);
                            k += 4;
                        }
                    }
                    (None, None) => {}
                }
                while k < len {
                    let i = t + k;
                    let (x0, x1) = (io.get(a, i), b.map_or(0.0, |b| io.get(b, i)));
                    let v = sanitize(_mm512_castpd128_pd512(_mm_set_pd(x1 as f64, x0 as f64)));
                    xin[k].write(_mm512_castpd512_pd128(v));
                    k += 1;
                }

                // The steps, in runs between switches.
                let mut k = 0;
                while k < len {
                    let at = piece.pos0 + (t + k) as u64;
                    match queue.get(next) {
                        Some(sw) if sw.at <= at => {
                            // Under way (or starting): its steps, then on in
                            // its segment up to the next switch.
                            let phase = (at - sw.at) as usize;
                            let until = queue
                                .get(next + 1)
                                .map_or(len, |n| ((n.at - piece.pos0) as usize - t).min(len));
                            let (xs, ys) = (&xin[k..until], &mut yout[k..until]);
                            if sw.moving {
                                segment::<true>(&mut r, xs, ys, sw, phase);
                            } else {
                                segment::<false>(&mut r, xs, ys, sw, phase);
                            }
                            moving = sw.moving;
                            if phase + (until - k) >= SWITCHING {
                                next += 1;
                            }
                            k = until;
                        }
                        upcoming => {
                            let until = upcoming
                                .map_or(len, |n| ((n.at - piece.pos0) as usize - t).min(len));
                            let (xs, ys) = (&xin[k..until], &mut yout[k..until]);
                            let none = &Switch::default();
                            if moving {
                                segment::<true>(&mut r, xs, ys, none, SWITCHING);
                            } else {
                                segment::<false>(&mut r, xs, ys, none, SWITCHING);
                            }
                            k = until;
                        }
                    }
                }

                // Output: four frames at a time where the layout allows
                // (two 512-bit loads cover four steps' `B`, one permute
                // gathers their gain lanes), the rest one by one.
                let mut k = DEPTH.saturating_sub(t).min(len);
                let ys = yout.as_ptr() as *const f64;
                // Steps k..k + 4, their gain lanes in `idx`'s order, as f32.
                let four = |k: usize, idx: __m512i| {
                    let (lo, hi) = (
                        _mm512_loadu_pd(ys.add(4 * k)),
                        _mm512_loadu_pd(ys.add(4 * k + 8)),
                    );
                    _mm512_cvtpd_ps(_mm512_permutex2var_pd(lo, idx, hi))
                };
                match (stereo, planar) {
                    (Some(p), _) => {
                        // [L, R] of each frame in turn.
                        let idx = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
                        while k + 4 <= len {
                            _mm256_storeu_ps(p.add(2 * (t + k - DEPTH)), four(k, idx));
                            k += 4;
                        }
                    }
                    (None, Some([l, r])) => {
                        // The four L, then the four R.
                        let idx = _mm512_set_epi64(15, 11, 7, 3, 13, 9, 5, 1);
                        while k + 4 <= len {
                            let f = four(k, idx);
                            let i = t + k - DEPTH;
                            _mm_storeu_ps(l.add(i), _mm256_castps256_ps128(f));
                            _mm_storeu_ps(r.add(i), _mm256_extractf128_ps::<1>(f));
                            k += 4;
                        }
                    }
                    (None, None) => {}
                }
                while k < len {
                    emit(io, t + k, yout[k].assume_init());
                    k += 1;
                }
                t += len;
            }

            for (v, x) in acc.ca.iter_mut().zip(r.ca) {
                store_a(v, x);
            }
            for (v, x) in acc.cb.iter_mut().zip(r.cb) {
                store_b(v, x);
            }
            for (v, x) in acc.sa.iter_mut().zip(r.sa) {
                store_a(v, x);
            }
            for (v, x) in acc.sb.iter_mut().zip(r.sb) {
                store_b(v, x);
            }
            acc.moving = moving;
            store_a(&mut st.ya[0], r.ya1);
            store_a(&mut st.ya[1], r.ya2);
            store_a(&mut st.xa[0], r.xa1);
            store_a(&mut st.xa[1], r.xa2);
            store_b(&mut st.yb[0], r.yb1);
            store_b(&mut st.yb[1], r.yb2);
            store_b(&mut st.xb[0], r.xb1);
            store_b(&mut st.xb[1], r.xb2);

            // The call's last frames are still in the wavefront: run a copy
            // of it on silence until they come out. The next call carries
            // on from the real state and recomputes them (same arithmetic,
            // same bits) without writing them again. What the copy's
            // earlier stages compute from the silence never reaches a
            // frame of this call, and every switch a stage of this call's
            // frames takes up is queued already (its grid point is in the
            // call).
            if piece.t1 == piece.frames {
                let mut r = r;
                let t = piece.frames;
                let zero = _mm_setzero_pd();
                for j in 0..DEPTH {
                    let at = piece.pos0 + (t + j) as u64;
                    if queue
                        .get(next)
                        .is_some_and(|s| s.at + SWITCHING as u64 <= at)
                    {
                        next += 1;
                    }
                    let v = match queue.get(next) {
                        Some(sw) if sw.at <= at => {
                            moving = sw.moving;
                            switch_step(&mut r, zero, sw, (at - sw.at) as usize)
                        }
                        _ if moving => advance::<true>(&mut r, zero),
                        _ => advance::<false>(&mut r, zero),
                    };
                    emit(io, t + j, v);
                }
            }
        }
    }
}
