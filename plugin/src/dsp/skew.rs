//! The stage-skewed kernel ([`Kernel::Skewed`]): x86-64 with AVX-512VL and
//! FMA, chosen at run time.
//!
//! A stereo frame fills only two f64 lanes, and the five stages of a frame
//! depend on each other, so the other kernels leave most of the machine
//! idle. Here each 256-bit register holds two stages of both channels, lanes
//! `[ch0·A, ch0·B, ch1·A, ch1·B]`, and three registers ("layers") hold the
//! five stages plus the output gain (a sixth stage with `b0 = gain`). At
//! step `t`, stage `s` works on frame `t − s`: a wavefront, so the six stages
//! are independent within a step and a frame leaves the cascade
//! [`DEPTH`] steps after it entered. The wavefront runs on across calls;
//! to stay zero-latency, each call ends by running a copy of it on silence
//! until the call's last frames come out (see `pair`). Every frame is
//! therefore computed by the same sequence of steps whatever the
//! partition into calls.
//!
//! Coefficients are not read from a per-sample table: each stage keeps its
//! current coefficients in registers and adds the segment's per-sample step
//! as it takes each frame, switching to a new segment's start exactly on the
//! grid (frame `≡ 0 mod GRID`). Only the (at most 32) register-resident
//! accumulators move per sample, so a morphing EQ costs little more than a
//! static one. The accumulation is part of the engine's state, carried
//! across calls, so the output stays a pure function of the input and the
//! targets, whatever the partition into blocks.
//!
//! AVX-512VL is required for its 32 vector registers: fifteen coefficient
//! and twelve history registers stay resident, where AVX2's sixteen would
//! spill every step.

use super::engine::{GRID, INPUT_LIMIT};
use super::kernel::{COEFFS, Cascade, Io, PER_STAGE, STAGES};

/// Registers per channel pair.
pub(crate) const LAYERS: usize = 3;
/// Stages in the wavefront: five biquads and the output gain.
const LANES: usize = 2 * LAYERS;
/// Steps between a frame entering the cascade and leaving it.
pub(crate) const DEPTH: usize = LANES - 1;
/// Steps handled per pass over the I/O buffers.
const CHUNK: usize = 64;

/// Four f64 lanes, `[ch0·A, ch0·B, ch1·A, ch1·B]`.
#[repr(C, align(32))]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct V4(pub [f64; 4]);

/// Per-stage coefficients as the layers hold them.
type LayerCoeffs = [[V4; PER_STAGE]; LAYERS];

/// Coefficient `j` of wavefront stage `s` (stage 5 is the output gain).
fn stage_coeff(c: &Cascade, s: usize, j: usize) -> f64 {
    if s < STAGES {
        c.0[s * PER_STAGE + j]
    } else if j == 0 {
        c.0[COEFFS - 1]
    } else {
        0.0
    }
}

fn layer_coeffs(c: &Cascade) -> LayerCoeffs {
    std::array::from_fn(|l| {
        std::array::from_fn(|j| {
            let (a, b) = (stage_coeff(c, 2 * l, j), stage_coeff(c, 2 * l + 1, j));
            V4([a, b, a, b])
        })
    })
}

/// The coefficient accumulators: where each stage's coefficients stand
/// (those of the last frame it took) and the step it adds per frame. Shared
/// by every channel pair, which all replay the same sequence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Acc {
    c: LayerCoeffs,
    d: LayerCoeffs,
}

impl Acc {
    /// At rest on `c` (normalised as a switch would leave it).
    pub fn at(c: &Cascade) -> Self {
        let mut c = layer_coeffs(c);
        for v in c.iter_mut().flatten().flat_map(|v| v.0.iter_mut()) {
            *v += 0.0;
        }
        Self {
            c,
            d: [[V4::default(); PER_STAGE]; LAYERS],
        }
    }
}

/// One channel pair's filter memory, in the layers' lane order: each
/// stage's last three outputs, and the last two input frames. Stages are
/// direct form I, like the other kernels (see `kernel`: transposed direct
/// form II was tried here and splattered up to 27 dB more in the sweep
/// test), and a stage's input history is the previous stage's output
/// history, one step further back, so it is not stored twice.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct PairState {
    y1: [V4; LAYERS],
    y2: [V4; LAYERS],
    y3: [V4; LAYERS],
    x1: V4,
    x2: V4,
}

/// A run of steps within one grid segment of stage 0.
pub(crate) struct Piece<'a> {
    /// Coefficients at the start of stage 0's current segment.
    pub start: &'a Cascade,
    /// Their per-frame step (zero when the segment is static).
    pub step: &'a Cascade,
    /// Whether `step` is non-zero.
    pub moving: bool,
    /// Whether the stages must switch at the grid points (otherwise this
    /// segment and the one before are static and equal, and a switch would
    /// change nothing).
    pub switch: bool,
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
    let saved = if count > 1 { Some(*acc) } else { None };
    for (p, st) in pairs.iter_mut().enumerate().take(count) {
        if let Some(saved) = saved.as_ref().filter(|_| p > 0) {
            *acc = *saved;
        }
        let a = 2 * p;
        let b = (a + 1 < channels).then_some(a + 1);
        // SAFETY: the caller checked the CPU.
        unsafe {
            if piece.moving {
                x86::pair::<true, I>(acc, st, piece, io, a, b)
            } else {
                x86::pair::<false, I>(acc, st, piece, io, a, b)
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use std::arch::x86_64::*;
    use std::mem::MaybeUninit;

    type Regs = [[__m256d; PER_STAGE]; LAYERS];

    #[inline(always)]
    unsafe fn load(v: &V4) -> __m256d {
        unsafe { _mm256_load_pd(v.0.as_ptr()) }
    }

    #[inline(always)]
    unsafe fn store(v: &mut V4, r: __m256d) {
        unsafe { _mm256_store_pd(v.0.as_mut_ptr(), r) }
    }

    #[inline(always)]
    unsafe fn load_all(c: &LayerCoeffs) -> Regs {
        unsafe {
            let mut r = [[_mm256_setzero_pd(); PER_STAGE]; LAYERS];
            for (rl, cl) in r.iter_mut().zip(c) {
                for (v, x) in rl.iter_mut().zip(cl) {
                    *v = load(x);
                }
            }
            r
        }
    }

    #[inline(always)]
    unsafe fn load3(v: &[V4; LAYERS]) -> [__m256d; LAYERS] {
        unsafe { [load(&v[0]), load(&v[1]), load(&v[2])] }
    }

    /// A cascade's coefficients in the layers' lane order. (Plain loops:
    /// `array::from_fn` closures were not inlined here.)
    #[inline(always)]
    unsafe fn layers_of(c: &Cascade) -> Regs {
        unsafe {
            let mut r = [[_mm256_setzero_pd(); PER_STAGE]; LAYERS];
            for (l, layer) in r.iter_mut().enumerate() {
                for (j, v) in layer.iter_mut().enumerate() {
                    let (a, b) = (stage_coeff(c, 2 * l, j), stage_coeff(c, 2 * l + 1, j));
                    *v = _mm256_set_pd(b, a, b, a);
                }
            }
            r
        }
    }

    /// The live registers of one pair.
    #[derive(Clone, Copy)]
    struct Live {
        c: Regs,
        d: Regs,
        y1: [__m256d; LAYERS],
        y2: [__m256d; LAYERS],
        y3: [__m256d; LAYERS],
        x1: __m256d,
        x2: __m256d,
    }

    /// Each stage's input: the previous stage's output one step ago (in-lane
    /// shuffles, one cycle each), or the new frame for stage 0.
    #[inline(always)]
    unsafe fn inputs(x: __m256d, y: &[__m256d; LAYERS]) -> [__m256d; LAYERS] {
        unsafe {
            [
                _mm256_shuffle_pd::<0b0000>(x, y[0]),
                _mm256_shuffle_pd::<0b0101>(y[0], y[1]),
                _mm256_shuffle_pd::<0b0101>(y[1], y[2]),
            ]
        }
    }

    /// One direct-form-I step, in the order of the other kernels (the input
    /// joins last, so a sample crosses a stage in one operation).
    #[inline(always)]
    unsafe fn biquad(
        c: &[__m256d; PER_STAGE],
        x: __m256d,
        x1: __m256d,
        x2: __m256d,
        y1: __m256d,
        y2: __m256d,
    ) -> __m256d {
        unsafe {
            let w = _mm256_fmadd_pd(c[1], x1, _mm256_fmadd_pd(c[2], x2, _mm256_mul_pd(c[4], y2)));
            _mm256_fmadd_pd(c[0], x, _mm256_fmadd_pd(c[3], y1, w))
        }
    }

    /// One step, every lane active. `SWITCH` is the stage whose frame starts
    /// a grid segment at this step (`LANES` for none). Every lane adds its
    /// step when `ADD` (a static segment's step is zero, and its
    /// coefficients were normalised by the switch, so skipping is exact).
    #[inline(always)]
    unsafe fn advance<const ADD: bool, const SWITCH: usize>(
        r: &mut Live,
        x: __m256d,
        start: &Regs,
        step: &Regs,
    ) -> __m256d {
        unsafe {
            if SWITCH < LANES {
                let l = SWITCH / 2;
                for j in 0..PER_STAGE {
                    if SWITCH.is_multiple_of(2) {
                        r.c[l][j] = _mm256_blend_pd::<0b0101>(r.c[l][j], start[l][j]);
                        r.d[l][j] = _mm256_blend_pd::<0b0101>(r.d[l][j], step[l][j]);
                    } else {
                        r.c[l][j] = _mm256_blend_pd::<0b1010>(r.c[l][j], start[l][j]);
                        r.d[l][j] = _mm256_blend_pd::<0b1010>(r.d[l][j], step[l][j]);
                    }
                }
            }
            if SWITCH < LANES {
                for l in 0..LAYERS {
                    for j in 0..PER_STAGE {
                        r.c[l][j] = _mm256_add_pd(r.c[l][j], r.d[l][j]);
                    }
                }
            } else if ADD {
                // Every stage is in this segment now, so its step is the
                // segment's: read from memory, which keeps the registers
                // for the accumulators (a spilled one put a store-to-load
                // round trip on its chain).
                for (cl, sl) in r.c.iter_mut().zip(step) {
                    for (c, s) in cl.iter_mut().zip(sl) {
                        *c = _mm256_add_pd(*c, *s);
                    }
                }
            }
            // A stage's input one and two frames back is what the stage
            // before it put out two and three steps back.
            let x0 = inputs(x, &r.y1);
            let x1 = inputs(r.x1, &r.y2);
            let x2 = inputs(r.x2, &r.y3);
            let mut y = [_mm256_setzero_pd(); LAYERS];
            for l in 0..LAYERS {
                y[l] = biquad(&r.c[l], x0[l], x1[l], x2[l], r.y1[l], r.y2[l]);
            }
            r.y3 = r.y2;
            r.y2 = r.y1;
            r.y1 = y;
            r.x2 = r.x1;
            r.x1 = x;
            y[2]
        }
    }

    /// Steps where every lane is active, from grid phase `phase` up to at
    /// most the next grid point: first the steps at which each stage in
    /// turn takes its first frame of the segment (phases below [`LANES`]),
    /// then the bulk of the work. Out of line so that the register
    /// allocator sees only these loops: inlined into the big dispatch, it
    /// spilled a filter state and put a store-to-load round trip on the
    /// recursion.
    #[inline(never)]
    #[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
    unsafe fn segment<const ADD: bool>(
        live: &mut Live,
        xin: &[MaybeUninit<__m256d>],
        yout: &mut [MaybeUninit<__m256d>],
        start: &Regs,
        step: &Regs,
        phase: usize,
    ) {
        unsafe {
            let mut r = *live;
            let n = xin.len().min(yout.len());
            let x = |k: usize| xin[k].assume_init();
            let mut k = 0;
            if phase == 0 && n >= LANES {
                yout[0].write(advance::<ADD, 0>(&mut r, x(0), start, step));
                yout[1].write(advance::<ADD, 1>(&mut r, x(1), start, step));
                yout[2].write(advance::<ADD, 2>(&mut r, x(2), start, step));
                yout[3].write(advance::<ADD, 3>(&mut r, x(3), start, step));
                yout[4].write(advance::<ADD, 4>(&mut r, x(4), start, step));
                yout[5].write(advance::<ADD, 5>(&mut r, x(5), start, step));
                k = LANES;
            } else {
                while k < n && phase + k < LANES {
                    let y = match phase + k {
                        0 => advance::<ADD, 0>(&mut r, x(k), start, step),
                        1 => advance::<ADD, 1>(&mut r, x(k), start, step),
                        2 => advance::<ADD, 2>(&mut r, x(k), start, step),
                        3 => advance::<ADD, 3>(&mut r, x(k), start, step),
                        4 => advance::<ADD, 4>(&mut r, x(k), start, step),
                        _ => advance::<ADD, 5>(&mut r, x(k), start, step),
                    };
                    yout[k].write(y);
                    k += 1;
                }
            }
            while k < n {
                yout[k].write(advance::<ADD, LANES>(&mut r, x(k), start, step));
                k += 1;
            }
            *live = r;
        }
    }

    /// The steps of `piece` for channels `a` and `b` (or a silent lane).
    #[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn pair<const MOVING: bool, I: Io>(
        acc: &mut Acc,
        st: &mut PairState,
        piece: &Piece,
        io: &mut I,
        a: usize,
        b: Option<usize>,
    ) {
        unsafe {
            let start = layers_of(piece.start);
            let step = layers_of(piece.step);
            let mut r = Live {
                c: load_all(&acc.c),
                d: load_all(&acc.d),
                y1: load3(&st.y1),
                y2: load3(&st.y2),
                y3: load3(&st.y3),
                x1: load(&st.x1),
                x2: load(&st.x2),
            };
            let stereo = if b.is_some() { io.stereo_ptr() } else { None };
            // Planar stereo by pointer too (the processor's layout); the
            // engine hands over slices at least `frames` long.
            let planar = if b.is_some() && stereo.is_none() {
                io.planar_ptrs()
            } else {
                None
            };
            let limit = _mm256_set1_pd(INPUT_LIMIT);
            let neg_limit = _mm256_set1_pd(-INPUT_LIMIT);
            let zero = _mm256_setzero_pd();
            let grid = GRID as u64;
            let phase_of = |t: usize| ((piece.pos0 + t as u64) % grid) as usize;

            // Written before read, so left uninitialised (clearing them
            // cost as much as a fifth of the filtering).
            let mut xin = [const { MaybeUninit::<__m256d>::uninit() }; CHUNK];
            let mut yout = [const { MaybeUninit::<__m256d>::uninit() }; CHUNK];
            // The gain stage's lanes (1 and 3) at step `t` hold frame
            // `t − DEPTH`; frames before the call were written by the
            // previous call's drain.
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
                // Input: frames t.., converted, sanitised (x − x is 0 only
                // for finite x) and duplicated into both lanes of a channel.
                for (k, v) in xin.iter_mut().enumerate().take(len) {
                    let i = t + k;
                    let raw = match (stereo, planar) {
                        (Some(p), _) => {
                            let f =
                                _mm_castsi128_ps(_mm_loadl_epi64(p.add(2 * i) as *const __m128i));
                            _mm256_cvtps_pd(_mm_unpacklo_ps(f, f))
                        }
                        (None, Some([l, r])) => {
                            let (l, r) = (*l.add(i), *r.add(i));
                            _mm256_cvtps_pd(_mm_set_ps(r, r, l, l))
                        }
                        (None, None) => {
                            let (x0, x1) =
                                (io.get(a, i) as f64, b.map_or(0.0, |b| io.get(b, i) as f64));
                            _mm256_set_pd(x1, x1, x0, x0)
                        }
                    };
                    let finite = _mm256_cmp_pd::<_CMP_EQ_OQ>(_mm256_sub_pd(raw, raw), zero);
                    v.write(_mm256_min_pd(
                        _mm256_max_pd(_mm256_and_pd(raw, finite), neg_limit),
                        limit,
                    ));
                }

                // The steps, in runs up to the next grid point.
                let mut k = 0;
                while k < len {
                    let phase = phase_of(t + k);
                    let run = (GRID - phase).min(len - k);
                    let from = if piece.switch { phase } else { LANES };
                    segment::<MOVING>(
                        &mut r,
                        &xin[k..k + run],
                        &mut yout[k..k + run],
                        &start,
                        &step,
                        from,
                    );
                    k += run;
                }

                for (k, v) in yout.iter().enumerate().take(len) {
                    emit(io, t + k, v.assume_init());
                }
                t += len;
            }

            for l in 0..LAYERS {
                for j in 0..PER_STAGE {
                    store(&mut acc.c[l][j], r.c[l][j]);
                    store(&mut acc.d[l][j], r.d[l][j]);
                }
                store(&mut st.y1[l], r.y1[l]);
                store(&mut st.y2[l], r.y2[l]);
                store(&mut st.y3[l], r.y3[l]);
            }
            store(&mut st.x1, r.x1);
            store(&mut st.x2, r.x2);

            // The call's last frames are still in the wavefront: run a copy
            // of it on silence until they come out. The next call carries
            // on from the real state and recomputes them (same arithmetic,
            // same bits) without writing them again. What the copy's
            // earlier stages compute from the silence never reaches a
            // frame of this call.
            if piece.t1 == piece.frames {
                let mut r = r;
                let t = piece.frames;
                for j in 0..DEPTH {
                    let v = match phase_of(t + j) {
                        0 => advance::<MOVING, 0>(&mut r, zero, &start, &step),
                        1 => advance::<MOVING, 1>(&mut r, zero, &start, &step),
                        2 => advance::<MOVING, 2>(&mut r, zero, &start, &step),
                        3 => advance::<MOVING, 3>(&mut r, zero, &start, &step),
                        4 => advance::<MOVING, 4>(&mut r, zero, &start, &step),
                        5 => advance::<MOVING, 5>(&mut r, zero, &start, &step),
                        _ => advance::<MOVING, LANES>(&mut r, zero, &start, &step),
                    };
                    emit(io, t + j, v);
                }
            }
        }
    }
}
