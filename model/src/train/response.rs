//! The differentiable dB magnitude response of the five-band cascade, in
//! candle, in numerically stable form.
//!
//! The textbook `|H(e^{jω})|²` expansion (`b0² + b1² + b2² + 2(…)cos ω + …`)
//! cancels catastrophically in f32 at low frequencies, goes negative, and one
//! `log` of it turns every weight into NaN. Instead, with
//! `φ = sin²(ω/2)`, `s = sin²(ω0/2)`, `α = sin ω0 / 2Q` and `A = 10^{g/40}`,
//! every term below is a sum of non-negative parts.
//!
//! For any real biquad polynomial `P(z) = p0 + p1 z⁻¹ + p2 z⁻²`,
//! `|P|² = (p0+p1+p2)²(1−φ) + (p0−p1+p2)²φ − 16 p0 p2 φ(1−φ)`
//! (expand `cos ω = 1 − 2φ`, `cos 2ω = 1 − 8φ + 8φ²`). Substituting the RBJ
//! cookbook coefficients and simplifying:
//!
//! * **Bell** (the common factor 16 cancels):
//!   `|H|² = [(s−φ)² + (αA)²·φ(1−φ)] / [(s−φ)² + (α/A)²·φ(1−φ)]`.
//! * **Low shelf**: the numerator polynomial (÷A) has sum `8As` and
//!   alternating sum `8(1−s)`, and `p0p2 = 4((1−s)+As)² − 4Aα²`; the
//!   denominator has `8s`, `8A(1−s)` and `4(A(1−s)+s)² − 4Aα²`. With
//!   `u²(1−φ) + v²φ − (u+v)²φ(1−φ) = (u(1−φ) − vφ)²` this gives
//!   `|H|² = A² · P / Q` with
//!   `P = (A·s·(1−φ) − (1−s)·φ)² + A·α²·φ(1−φ)` and
//!   `Q = (s·(1−φ) − A·(1−s)·φ)² + A·α²·φ(1−φ)`.
//! * **High shelf**: its numerator (÷A) is the low shelf's denominator and
//!   vice versa, so `|H|² = A² · Q / P`.
//!
//! Checks: the low shelf gives `A⁴` (= g dB) at DC and 1 at Nyquist, the high
//! shelf the reverse, and both give `P = Q`, i.e. exactly g/2 dB, at `ω = ω0`.
//! In dB, `10·log10 |H|²`; the shelves' `A²` factor is `g/2` dB.
//!
//! The tests compare this against [`crate::cascade_magnitude_db`] (f64) and
//! check its gradients against finite differences of that reference.

use std::f64::consts::{LN_10, PI};
use std::sync::Arc;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, DType, Device, Layout, Result, Shape, Tensor};

use crate::params::{BANDS, BandKind, SHELF_Q};

/// Sample rate of the training loss and of the evaluation metrics.
pub const LOSS_SAMPLE_RATE: f64 = 48_000.0;
/// Lowest loss frequency, Hz.
pub const LOSS_F_MIN: f64 = 20.0;
/// Highest loss frequency, Hz.
pub const LOSS_F_MAX: f64 = 20_000.0;

/// `n` log-spaced frequencies from 20 Hz to 20 kHz, both included.
pub fn log_spaced_frequencies(n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![LOSS_F_MIN],
        _ => (0..n)
            .map(|k| LOSS_F_MIN * (LOSS_F_MAX / LOSS_F_MIN).powf(k as f64 / (n - 1) as f64))
            .collect(),
    }
}

/// Indices of the bells' and shelves' parameters, in band order.
pub(crate) fn band_indices() -> (Vec<usize>, Vec<usize>) {
    let bells = BANDS
        .iter()
        .enumerate()
        .filter(|(_, b)| b.kind == BandKind::Bell)
        .map(|(i, _)| i)
        .collect();
    let shelves = BANDS
        .iter()
        .enumerate()
        .filter(|(_, b)| b.kind != BandKind::Bell)
        .map(|(i, _)| i)
        .collect();
    (bells, shelves)
}

/// The frequency grid with its precomputed `φ` terms, in one dtype.
#[derive(Clone, Debug)]
pub struct ResponseGrid {
    freqs_hz: Vec<f64>,
    sample_rate: f64,
    /// `φ`, `[1, 1, F]`.
    phi: Tensor,
    /// `1 − φ`, `[1, 1, F]`.
    one_minus_phi: Tensor,
    /// `φ(1 − φ)`, `[1, 1, F]`.
    phi_pp: Tensor,
    /// `+1` for the low shelf, `−1` for the high shelf, `[1, 2, 1]`.
    shelf_sign: Tensor,
    bell_bands: Tensor,
    shelf_bands: Tensor,
    /// The same response as one hand-written op (forward and backward).
    fused: Arc<CascadeOp>,
}

impl ResponseGrid {
    /// The training grid: `n` log-spaced frequencies 20 Hz–20 kHz at 48 kHz.
    pub fn log_spaced(n: usize, dtype: DType, device: &Device) -> Result<Self> {
        Self::new(&log_spaced_frequencies(n), LOSS_SAMPLE_RATE, dtype, device)
    }

    /// A grid at arbitrary frequencies (each below Nyquist).
    pub fn new(freqs_hz: &[f64], sample_rate: f64, dtype: DType, device: &Device) -> Result<Self> {
        let f = freqs_hz.len();
        // φ in f64, then one rounding to the dtype.
        let phi: Vec<f64> = freqs_hz
            .iter()
            .map(|&hz| (PI * hz / sample_rate).sin().powi(2))
            .collect();
        let one_minus: Vec<f64> = phi.iter().map(|p| 1.0 - p).collect();
        let pp: Vec<f64> = phi.iter().map(|p| p * (1.0 - p)).collect();
        let t = |v: Vec<f64>| Tensor::from_vec(v, (1, 1, f), device)?.to_dtype(dtype);
        let (bells, shelves) = band_indices();
        let to_u32 = |v: &[usize]| v.iter().map(|&i| i as u32).collect::<Vec<u32>>();
        Ok(Self {
            freqs_hz: freqs_hz.to_vec(),
            sample_rate,
            phi: t(phi)?,
            one_minus_phi: t(one_minus)?,
            phi_pp: t(pp)?,
            shelf_sign: Tensor::from_vec(vec![1.0f64, -1.0], (1, 2, 1), device)?.to_dtype(dtype)?,
            bell_bands: Tensor::from_vec(to_u32(&bells), bells.len(), device)?,
            shelf_bands: Tensor::from_vec(to_u32(&shelves), shelves.len(), device)?,
            fused: Arc::new(CascadeOp::new(freqs_hz, sample_rate)),
        })
    }

    /// The grid's frequencies, Hz.
    pub fn freqs_hz(&self) -> &[f64] {
        &self.freqs_hz
    }

    /// The grid's sample rate, Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Number of frequencies.
    pub fn len(&self) -> usize {
        self.freqs_hz.len()
    }

    /// Whether the grid has no frequency.
    pub fn is_empty(&self) -> bool {
        self.freqs_hz.is_empty()
    }

    /// The cascade's response in dB, `[B, F]`, from per-band values in band
    /// order: `gain_db` `[B, 5]`, `ln_freq` (natural log of Hz) `[B, 5]` and
    /// `ln_q` `[B, 3]` for the three bells (shelves use [`SHELF_Q`]).
    /// Differentiable in all three.
    ///
    /// One hand-written candle op ([`CascadeOp`], computed in f64 whatever
    /// the dtype) instead of [`ResponseGrid::db_graph`]'s ~60 tensor ops:
    /// the same values, about half the training time.
    pub fn db(&self, gain_db: &Tensor, ln_freq: &Tensor, ln_q: &Tensor) -> Result<Tensor> {
        let packed = Tensor::cat(&[gain_db, ln_freq, ln_q], 1)?;
        packed.apply_op1(SharedOp(self.fused.clone()))
    }

    /// [`ResponseGrid::db`] built from candle's own ops (the reference the
    /// fused op is tested against).
    pub fn db_graph(&self, gain_db: &Tensor, ln_freq: &Tensor, ln_q: &Tensor) -> Result<Tensor> {
        let to_db = 10.0 / LN_10;
        let w_scale = 2.0 * PI / self.sample_rate;

        // Bells: [B, 3, 1] per-band scalars against [1, 1, F] grids.
        let g = gain_db.index_select(&self.bell_bands, 1)?.unsqueeze(2)?;
        let lnf = ln_freq.index_select(&self.bell_bands, 1)?.unsqueeze(2)?;
        let lnq = ln_q.unsqueeze(2)?;
        let w0 = lnf.exp()?.affine(w_scale, 0.0)?;
        let s = w0.affine(0.5, 0.0)?.sin()?.sqr()?;
        let alpha = (w0.sin()? * lnq.neg()?.exp()?)?.affine(0.5, 0.0)?;
        let a = g.affine(LN_10 / 40.0, 0.0)?.exp()?;
        let d2 = s.broadcast_sub(&self.phi)?.sqr()?;
        let num = d2.broadcast_add(&(&alpha * &a)?.sqr()?.broadcast_mul(&self.phi_pp)?)?;
        let den = d2.broadcast_add(&(&alpha / &a)?.sqr()?.broadcast_mul(&self.phi_pp)?)?;
        let bells = (num.log()? - den.log()?)?.affine(to_db, 0.0)?.sum(1)?;

        // Shelves: low shelf then high shelf, [B, 2, 1].
        let g = gain_db.index_select(&self.shelf_bands, 1)?.unsqueeze(2)?;
        let lnf = ln_freq.index_select(&self.shelf_bands, 1)?.unsqueeze(2)?;
        let w0 = lnf.exp()?.affine(w_scale, 0.0)?;
        let s = w0.affine(0.5, 0.0)?.sin()?.sqr()?;
        let one_minus_s = s.affine(-1.0, 1.0)?;
        let alpha = w0.sin()?.affine(0.5 / SHELF_Q, 0.0)?;
        let a = g.affine(LN_10 / 40.0, 0.0)?.exp()?;
        let common = (&a * alpha.sqr()?)?.broadcast_mul(&self.phi_pp)?;
        let p = (&a * &s)?
            .broadcast_mul(&self.one_minus_phi)?
            .broadcast_sub(&one_minus_s.broadcast_mul(&self.phi)?)?
            .sqr()?
            .add(&common)?;
        let q = s
            .broadcast_mul(&self.one_minus_phi)?
            .broadcast_sub(&(&a * &one_minus_s)?.broadcast_mul(&self.phi)?)?
            .sqr()?
            .add(&common)?;
        let shelves = (p.log()? - q.log()?)?
            .broadcast_mul(&self.shelf_sign)?
            .affine(to_db, 0.0)?
            .broadcast_add(&g.affine(0.5, 0.0)?)?
            .sum(1)?;

        bells + shelves
    }
}

/// Columns of the packed input of [`CascadeOp`]: gains (5), log
/// frequencies (5), then the bells' log Q (3), all in band order.
const PACKED: usize = 13;

/// The cascade's dB response as one candle op on a packed `[B, 13]` input
/// (see [`PACKED`]), `[B, F]` out, with its hand-derived backward pass.
/// Everything is computed in f64 in the stable form of the module docs; a
/// band contributes `10·log10(num/den)` (shelves also `g/2`), and the
/// ratios of the five bands are multiplied before the one `ln` per point.
#[derive(Debug)]
pub struct CascadeOp {
    /// `φ`, `1 − φ` and `φ(1 − φ)` per frequency.
    phi: Vec<f64>,
    one_minus_phi: Vec<f64>,
    phi_pp: Vec<f64>,
    /// `2π / sample rate`.
    w_scale: f64,
    /// Kind of each band, band order.
    kinds: [BandKind; 5],
}

/// `dA/dg / A`, with `A = 10^{g/40}`.
const DLN_A_DG: f64 = LN_10 / 40.0;
/// `10 / ln 10`: natural log to dB of power.
const TO_DB: f64 = 10.0 / LN_10;

/// Per-(row, band) quantities of one band.
#[derive(Clone, Copy, Debug)]
struct BandTerms {
    kind: BandKind,
    /// `A = 10^{g/40}`.
    a: f64,
    /// `s = sin²(ω0/2)` and `ds/d ln f`.
    s: f64,
    ds: f64,
    /// `α` and `dα/d ln f` (bells: `dα/d ln Q = −α`).
    alpha: f64,
    dalpha: f64,
}

impl CascadeOp {
    fn new(freqs_hz: &[f64], sample_rate: f64) -> Self {
        let phi: Vec<f64> = freqs_hz
            .iter()
            .map(|&hz| (PI * hz / sample_rate).sin().powi(2))
            .collect();
        let kinds = std::array::from_fn(|k| BANDS[k].kind);
        Self {
            one_minus_phi: phi.iter().map(|p| 1.0 - p).collect(),
            phi_pp: phi.iter().map(|p| p * (1.0 - p)).collect(),
            phi,
            w_scale: 2.0 * PI / sample_rate,
            kinds,
        }
    }

    /// The five bands' terms of one packed row.
    fn terms(&self, row: &[f64]) -> [BandTerms; 5] {
        let mut bell = 0;
        std::array::from_fn(|k| {
            let kind = self.kinds[k];
            let w0 = row[5 + k].exp() * self.w_scale;
            let (sin_w0, cos_w0) = w0.sin_cos();
            let half = (0.5 * w0).sin();
            let inv_q = if kind == BandKind::Bell {
                let q = (-row[10 + bell]).exp();
                bell += 1;
                q
            } else {
                1.0 / SHELF_Q
            };
            BandTerms {
                kind,
                a: (row[k] * DLN_A_DG).exp(),
                s: half * half,
                ds: 0.5 * w0 * sin_w0,
                alpha: 0.5 * sin_w0 * inv_q,
                dalpha: 0.5 * w0 * cos_w0 * inv_q,
            }
        })
    }

    /// `num` and `den` of one band at one frequency (`dB = 10·log10(num/den)`
    /// plus `g/2` for shelves).
    #[inline(always)]
    fn ratio(&self, t: &BandTerms, f: usize) -> (f64, f64) {
        let (phi, omp, pp) = (self.phi[f], self.one_minus_phi[f], self.phi_pp[f]);
        match t.kind {
            BandKind::Bell => {
                let d2 = (t.s - phi) * (t.s - phi);
                let an = t.alpha * t.a;
                let ad = t.alpha / t.a;
                (d2 + an * an * pp, d2 + ad * ad * pp)
            }
            kind => {
                let c = t.a * t.alpha * t.alpha * pp;
                let u = t.a * t.s * omp - (1.0 - t.s) * phi;
                let v = t.s * omp - t.a * (1.0 - t.s) * phi;
                let (p, q) = (u * u + c, v * v + c);
                if kind == BandKind::LowShelf {
                    (p, q)
                } else {
                    (q, p)
                }
            }
        }
    }

    /// dB of `rows` (`[B, 13]`, row-major) into `out` (`[B, F]`).
    pub fn forward(&self, rows: &[f64], out: &mut [f64]) {
        let f_n = self.phi.len();
        for (row, out) in rows.chunks_exact(PACKED).zip(out.chunks_exact_mut(f_n)) {
            let terms = self.terms(row);
            // The shelves' A² factors, g/2 dB each.
            let shelf_db: f64 = (0..5)
                .filter(|&k| self.kinds[k] != BandKind::Bell)
                .map(|k| 0.5 * row[k])
                .sum();
            for (f, o) in out.iter_mut().enumerate() {
                let mut num = 1.0;
                let mut den = 1.0;
                for t in &terms {
                    let (n, d) = self.ratio(t, f);
                    num *= n;
                    den *= d;
                }
                *o = TO_DB * (num / den).ln() + shelf_db;
            }
        }
    }

    /// The gradient of `Σ grad·dB` with respect to `rows`, into `grad_in`.
    pub fn backward(&self, rows: &[f64], grad_out: &[f64], grad_in: &mut [f64]) {
        let f_n = self.phi.len();
        for ((row, g_out), g_in) in rows
            .chunks_exact(PACKED)
            .zip(grad_out.chunks_exact(f_n))
            .zip(grad_in.chunks_exact_mut(PACKED))
        {
            let terms = self.terms(row);
            g_in.fill(0.0);
            let mut bell = 0;
            for (k, t) in terms.iter().enumerate() {
                // d dB / d(g, ln f, ln Q), summed over frequencies.
                let (mut dg, mut df, mut dq) = (0.0, 0.0, 0.0);
                match t.kind {
                    BandKind::Bell => {
                        let an2 = (t.alpha * t.a).powi(2);
                        let ad2 = (t.alpha / t.a).powi(2);
                        // dα/dlnf / α, for the α² terms.
                        let rel = t.dalpha / t.alpha;
                        for (f, &go) in g_out.iter().enumerate() {
                            let (phi, pp) = (self.phi[f], self.phi_pp[f]);
                            let d = t.s - phi;
                            let d2 = d * d;
                            // One division for both reciprocals.
                            let (n, dd) = (d2 + an2 * pp, d2 + ad2 * pp);
                            let inv = 1.0 / (n * dd);
                            let (inv_n, inv_d) = (dd * inv, n * inv);
                            let gn = go * inv_n;
                            let gd = go * inv_d;
                            let npp = an2 * pp;
                            let dpp = ad2 * pp;
                            // num: ∂/∂ln A = 2 an2 pp, ∂/∂ln α = 2 an2 pp.
                            dg += 2.0 * (gn * npp + gd * dpp);
                            dq -= 2.0 * (gn * npp - gd * dpp);
                            let ds_term = 2.0 * d * t.ds;
                            df +=
                                gn * (ds_term + 2.0 * npp * rel) - gd * (ds_term + 2.0 * dpp * rel);
                        }
                        dg *= DLN_A_DG;
                        g_in[10 + bell] = TO_DB * dq;
                        bell += 1;
                    }
                    kind => {
                        let sign = if kind == BandKind::LowShelf {
                            1.0
                        } else {
                            -1.0
                        };
                        let a2 = t.alpha * t.alpha;
                        let da2 = 2.0 * t.alpha * t.dalpha;
                        for (f, &go) in g_out.iter().enumerate() {
                            let (phi, omp, pp) =
                                (self.phi[f], self.one_minus_phi[f], self.phi_pp[f]);
                            let c = t.a * a2 * pp;
                            let u = t.a * t.s * omp - (1.0 - t.s) * phi;
                            let v = t.s * omp - t.a * (1.0 - t.s) * phi;
                            let (p, q) = (u * u + c, v * v + c);
                            let inv = 1.0 / (p * q);
                            let (inv_p, inv_q) = (q * inv, p * inv);
                            // ∂/∂A
                            let dp_a = 2.0 * u * t.s * omp + a2 * pp;
                            let dq_a = -2.0 * v * (1.0 - t.s) * phi + a2 * pp;
                            // ∂/∂ln f
                            let dc_f = t.a * da2 * pp;
                            let dp_f = 2.0 * u * t.ds * (t.a * omp + phi) + dc_f;
                            let dq_f = 2.0 * v * t.ds * (omp + t.a * phi) + dc_f;
                            let gs = go * sign;
                            dg += gs * (dp_a * inv_p - dq_a * inv_q);
                            df += gs * (dp_f * inv_p - dq_f * inv_q);
                        }
                        // dA/dg = A·ln10/40; plus the g/2 term at every frequency.
                        dg *= t.a * DLN_A_DG;
                        dg += 0.5 / TO_DB * g_out.iter().sum::<f64>();
                    }
                }
                g_in[k] = TO_DB * dg;
                g_in[5 + k] = TO_DB * df;
            }
        }
    }
}

/// A contiguous f32/f64 tensor's values as f64.
fn to_f64_vec(storage: &CpuStorage, layout: &Layout) -> Result<Vec<f64>> {
    let (start, end) = layout
        .contiguous_offsets()
        .ok_or_else(|| candle_core::Error::Msg("cascade op: non-contiguous input".into()))?;
    Ok(match storage {
        CpuStorage::F32(v) => v[start..end].iter().map(|&x| f64::from(x)).collect(),
        CpuStorage::F64(v) => v[start..end].to_vec(),
        _ => candle_core::bail!("cascade op: f32 or f64 input expected"),
    })
}

fn from_f64_vec(v: Vec<f64>, dtype: DType) -> Result<CpuStorage> {
    Ok(match dtype {
        DType::F32 => CpuStorage::F32(v.into_iter().map(|x| x as f32).collect()),
        DType::F64 => CpuStorage::F64(v),
        _ => candle_core::bail!("cascade op: f32 or f64 expected"),
    })
}

/// A shared [`CascadeOp`] (the grid builds it once; candle takes ops by value).
struct SharedOp(Arc<CascadeOp>);

impl CustomOp1 for SharedOp {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        self.0.cpu_fwd(storage, layout)
    }

    fn bwd(&self, arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        self.0.bwd(arg, res, grad_res)
    }
}

impl CustomOp1 for CascadeOp {
    fn name(&self) -> &'static str {
        "eq-cascade-db"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (b, c) = layout.shape().dims2()?;
        if c != PACKED {
            candle_core::bail!("cascade op: {c} columns, expected {PACKED}");
        }
        let rows = to_f64_vec(storage, layout)?;
        let mut out = vec![0.0; b * self.phi.len()];
        self.forward(&rows, &mut out);
        Ok((
            from_f64_vec(out, storage.dtype())?,
            Shape::from((b, self.phi.len())),
        ))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let dtype = arg.dtype();
        let (b, _) = arg.dims2()?;
        let rows: Vec<f64> = arg.to_dtype(DType::F64)?.flatten_all()?.to_vec1()?;
        let g: Vec<f64> = grad_res.to_dtype(DType::F64)?.flatten_all()?.to_vec1()?;
        let mut out = vec![0.0; b * PACKED];
        self.backward(&rows, &g, &mut out);
        Ok(Some(
            Tensor::from_vec(out, (b, PACKED), arg.device())?.to_dtype(dtype)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{EqParams, NUM_PARAMS, PARAMS};
    use crate::response::cascade_magnitude_db;
    use crate::rng::SplitMix64;
    use candle_core::Var;

    /// Random valid settings, with the range edges over-represented.
    fn random_settings(rng: &mut SplitMix64, n: usize) -> Vec<EqParams> {
        (0..n)
            .map(|_| {
                let u: [f64; NUM_PARAMS] = std::array::from_fn(|_| match rng.below(8) {
                    0 => 0.0,
                    1 => 1.0,
                    _ => rng.next_f64(),
                });
                EqParams::from_normalized(&u)
            })
            .collect()
    }

    /// Per-band inputs `(gain_db [5], ln_freq [5], ln_q [3])` of settings.
    fn band_inputs(settings: &[EqParams]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (mut g, mut f, mut q) = (Vec::new(), Vec::new(), Vec::new());
        for p in settings {
            for b in p.bands() {
                g.push(b.gain_db);
                f.push(b.freq_hz.ln());
                if b.kind == BandKind::Bell {
                    q.push(b.q.ln());
                }
            }
        }
        (g, f, q)
    }

    fn reference_db(p: &EqParams, freqs: &[f64]) -> Vec<f64> {
        freqs
            .iter()
            .map(|&f| cascade_magnitude_db(p, f, LOSS_SAMPLE_RATE))
            .collect()
    }

    #[test]
    fn frequencies_are_log_spaced_and_end_exactly() {
        let f = log_spaced_frequencies(128);
        assert_eq!(f.len(), 128);
        assert_eq!(f[0], 20.0);
        assert!((f[127] - 20_000.0).abs() < 1e-9);
        let r = f[1] / f[0];
        assert!(f.windows(2).all(|w| (w[1] / w[0] - r).abs() < 1e-12));
    }

    #[test]
    fn f32_response_matches_the_f64_reference() {
        let dev = Device::Cpu;
        let mut rng = SplitMix64::new(1);
        let mut settings = random_settings(&mut rng, 500);
        // The corners of the parameter box too.
        settings.push(EqParams::from_normalized(&[0.0; NUM_PARAMS]));
        settings.push(EqParams::from_normalized(&[1.0; NUM_PARAMS]));
        settings.push(EqParams::from_normalized(&std::array::from_fn(|i| {
            (i % 2) as f64
        })));
        // The f32 model sees f32 inputs; compare against the reference at
        // exactly those (rounded) values.
        let rounded: Vec<EqParams> = settings
            .iter()
            .map(|p| {
                let mut a = p.to_array();
                for (i, v) in a.iter_mut().enumerate() {
                    *v = match PARAMS[i].unit {
                        "dB" => *v as f32 as f64,
                        _ => ((v.ln() as f32) as f64).exp(),
                    };
                }
                EqParams::from_array(a)
            })
            .collect();
        let b = settings.len();
        let (g, f, q) = band_inputs(&settings);
        let grid = ResponseGrid::log_spaced(128, DType::F32, &dev).unwrap();
        let t = |v: Vec<f64>, k: usize| {
            Tensor::from_vec(v, (b, k), &dev)
                .unwrap()
                .to_dtype(DType::F32)
                .unwrap()
        };
        let db = grid
            .db(&t(g, 5), &t(f, 5), &t(q, 3))
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let mut worst = 0.0f64;
        for (row, p) in db.iter().zip(&rounded) {
            let want = reference_db(p, grid.freqs_hz());
            for (k, (&got, want)) in row.iter().zip(want).enumerate() {
                let e = (got as f64 - want).abs();
                assert!(
                    e < 1e-3,
                    "{p} at {:.1} Hz: {got} vs {want}",
                    grid.freqs_hz()[k]
                );
                worst = worst.max(e);
            }
        }
        eprintln!("f32 response: worst |error| {worst:.2e} dB over {b}×128 points");
    }

    #[test]
    fn f64_gradients_match_finite_differences_of_the_reference() {
        let dev = Device::Cpu;
        let mut rng = SplitMix64::new(2);
        let settings = random_settings(&mut rng, 12);
        let b = settings.len();
        let freqs = log_spaced_frequencies(64);
        let grid = ResponseGrid::new(&freqs, LOSS_SAMPLE_RATE, DType::F64, &dev).unwrap();
        let (g, f, q) = band_inputs(&settings);
        let weights: Vec<f64> = (0..b * freqs.len())
            .map(|_| rng.uniform(-1.0, 1.0))
            .collect();
        let vg = Var::from_vec(g.clone(), (b, 5), &dev).unwrap();
        let vf = Var::from_vec(f.clone(), (b, 5), &dev).unwrap();
        let vq = Var::from_vec(q.clone(), (b, 3), &dev).unwrap();
        let w = Tensor::from_vec(weights.clone(), (b, freqs.len()), &dev).unwrap();
        let db = grid
            .db(vg.as_tensor(), vf.as_tensor(), vq.as_tensor())
            .unwrap();
        // The candle f64 values themselves agree with the reference closely.
        let db_rows = db.to_vec2::<f64>().unwrap();
        for (row, p) in db_rows.iter().zip(&settings) {
            for (got, want) in row.iter().zip(reference_db(p, &freqs)) {
                assert!((got - want).abs() < 1e-9, "{got} vs {want}");
            }
        }
        let loss = (db * &w).unwrap().sum_all().unwrap();
        let grads = loss.backward().unwrap();
        let gg = grads.get(&vg).unwrap().to_vec2::<f64>().unwrap();
        let gf = grads.get(&vf).unwrap().to_vec2::<f64>().unwrap();
        let gq = grads.get(&vq).unwrap().to_vec2::<f64>().unwrap();

        let weights_of = |row: usize| &weights[row * freqs.len()..(row + 1) * freqs.len()];
        // Weighted objective of one row by the f64 reference (textbook form).
        let reference = |row: usize, p: &EqParams| -> f64 {
            reference_db(p, &freqs)
                .iter()
                .zip(weights_of(row))
                .map(|(d, w)| d * w)
                .sum()
        };
        // The same objective by this module's stable form, one row.
        let stable = |row: usize, g: &[f64], f: &[f64], q: &[f64]| -> f64 {
            let t = |v: &[f64], k: usize| Tensor::from_vec(v.to_vec(), (1, k), &dev).unwrap();
            let db = grid.db(&t(g, 5), &t(f, 5), &t(q, 3)).unwrap();
            db.flatten_all()
                .unwrap()
                .to_vec1::<f64>()
                .unwrap()
                .iter()
                .zip(weights_of(row))
                .map(|(d, w)| d * w)
                .sum()
        };
        // Richardson-extrapolated central differences, O(h⁴): narrow Q = 10
        // bells have large third derivatives.
        let derivative = |fun: &dyn Fn(f64) -> f64, h: f64| {
            let central = |h: f64| (fun(h) - fun(-h)) / (2.0 * h);
            (4.0 * central(h) - central(2.0 * h)) / 3.0
        };
        let mut checked = 0;
        let (mut worst_stable, mut worst_reference) = (0.0f64, 0.0f64);
        for (row, p) in settings.iter().enumerate() {
            let (g0, f0, q0) = (
                &g[row * 5..row * 5 + 5],
                &f[row * 5..row * 5 + 5],
                &q[row * 3..row * 3 + 3],
            );
            let mut q_slot = 0;
            for (band_i, band) in BANDS.iter().enumerate() {
                // (param index, analytic gradient, which input, slot, log scale)
                let mut cases = vec![
                    (band.gain_index, gg[row][band_i], 0, band_i, false),
                    (band.freq_index, gf[row][band_i], 1, band_i, true),
                ];
                if let Some(qi) = band.q_index {
                    cases.push((qi, gq[row][q_slot], 2, q_slot, true));
                    q_slot += 1;
                }
                for (pi, analytic, input, slot, log) in cases {
                    // Against the stable form itself: tight (autograd check).
                    let shifted_stable = |delta: f64| {
                        let (mut g1, mut f1, mut q1) = (g0.to_vec(), f0.to_vec(), q0.to_vec());
                        [&mut g1, &mut f1, &mut q1][input][slot] += delta;
                        stable(row, &g1, &f1, &q1)
                    };
                    let numeric = derivative(&shifted_stable, 1e-5);
                    let scale = numeric.abs().max(analytic.abs()).max(1.0);
                    worst_stable = worst_stable.max((numeric - analytic).abs() / scale);
                    assert!(
                        (numeric - analytic).abs() < 1e-7 * scale,
                        "{} of {p}: analytic {analytic}, stable-form numeric {numeric}",
                        PARAMS[pi].name
                    );
                    // Against the independent reference: its textbook form
                    // carries rounding noise near 20 Hz (the very
                    // cancellation the stable form avoids), so a larger step
                    // and a looser bound.
                    let shifted_reference = |delta: f64| {
                        let mut a = p.to_array();
                        a[pi] = if log {
                            (a[pi].ln() + delta).exp()
                        } else {
                            a[pi] + delta
                        };
                        reference(row, &EqParams::from_array(a))
                    };
                    let numeric = derivative(&shifted_reference, 1e-4);
                    worst_reference = worst_reference.max((numeric - analytic).abs() / scale);
                    assert!(
                        (numeric - analytic).abs() < 1e-5 * scale,
                        "{} of {p}: analytic {analytic}, reference numeric {numeric}",
                        PARAMS[pi].name
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, b * NUM_PARAMS);
        eprintln!(
            "f64 gradients over {checked} partials: worst relative error {worst_stable:.1e} \
             vs the stable form, {worst_reference:.1e} vs the reference"
        );
    }

    #[test]
    fn fused_op_matches_the_graph_in_values_and_gradients() {
        let dev = Device::Cpu;
        let mut rng = SplitMix64::new(3);
        let settings = random_settings(&mut rng, 40);
        let b = settings.len();
        let grid = ResponseGrid::log_spaced(128, DType::F64, &dev).unwrap();
        let (g, f, q) = band_inputs(&settings);
        let w = Tensor::from_vec(
            (0..b * 128)
                .map(|_| rng.uniform(-1.0, 1.0))
                .collect::<Vec<f64>>(),
            (b, 128),
            &dev,
        )
        .unwrap();
        let vg = Var::from_vec(g, (b, 5), &dev).unwrap();
        let vf = Var::from_vec(f, (b, 5), &dev).unwrap();
        let vq = Var::from_vec(q, (b, 3), &dev).unwrap();
        let run = |fused: bool| {
            let db = if fused {
                grid.db(vg.as_tensor(), vf.as_tensor(), vq.as_tensor())
            } else {
                grid.db_graph(vg.as_tensor(), vf.as_tensor(), vq.as_tensor())
            }
            .unwrap();
            let grads = (&db * &w).unwrap().sum_all().unwrap().backward().unwrap();
            let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f64>().unwrap();
            (
                flat(&db),
                [&vg, &vf, &vq].map(|v| flat(grads.get(v).unwrap())),
            )
        };
        let (db_a, grads_a) = run(true);
        let (db_b, grads_b) = run(false);
        for (a, b) in db_a.iter().zip(&db_b) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        for (ga, gb) in grads_a.iter().zip(&grads_b) {
            for (a, b) in ga.iter().zip(gb) {
                assert!((a - b).abs() < 1e-7 * b.abs().max(1.0), "{a} vs {b}");
            }
        }
    }
}
