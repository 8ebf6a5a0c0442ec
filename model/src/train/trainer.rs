//! The training loop: an encoder/decoder pair trained on the dB response of
//! the decoded cascade, with an optional supervised warm/bright term on x.

use std::collections::BTreeMap;

use candle_core::{D, DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};
use serde_json::json;

use crate::decoder::{Arch, ExportError, META_SEED, META_TRAIN_CONFIG};
use crate::params::{EqParams, NUM_PARAMS};
use crate::response::cascade_magnitude_db;
use crate::rng::SplitMix64;
use crate::train::nets::{self, Decoder, Encoder};
use crate::train::response::{LOSS_SAMPLE_RATE, ResponseGrid};

/// Fewest loss frequencies allowed (the issue asks for ≥ 64).
pub const MIN_LOSS_FREQS: usize = 64;

pub use crate::metrics::Side;

/// One training example.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainRow {
    /// The 13 parameters normalised to `[0, 1]` ([`EqParams::to_normalized`]).
    pub normalized: [f64; NUM_PARAMS],
    /// Warm/bright label, or `None` for rows that only shape the pad.
    pub label: Option<Side>,
}

/// Training settings; [`TrainConfig::default`] is a reasonable start.
///
/// The encoder reads the target dB curve on the loss grid, divided by 12
/// (the issue measured better coverage with a curve-fed encoder than with a
/// parameter-fed one); the response term of the loss is the mean squared dB
/// difference, in refinement too; the learning rate is constant. (Those
/// were once options, with the alternatives the sweep in
/// `assets/decoder.report.json` rejected: no flag or test reached them.)
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Decoder architecture (also what the file stores).
    pub decoder: Arch,
    /// Encoder hidden widths.
    pub encoder_hidden: Vec<usize>,
    pub epochs: usize,
    /// Minibatch size; 0 means full batch.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// The last `refine_epochs` of [`TrainConfig::epochs`] fit the pad the
    /// way the coverage metric reads it (0 = off): every training row gets
    /// its own pad point, initialised and periodically re-chosen as the best
    /// fit on a [`TrainConfig::snap_grid`]² grid of the decoded pad (only on
    /// the correct side of x for warm and bright rows), refined by Adam
    /// together with the decoder, and the encoder learns to predict it.
    pub refine_epochs: usize,
    /// Epochs between best-fit searches during refinement.
    pub snap_every: usize,
    /// Points per side of the best-fit search grid on `[-1, 1]`.
    pub snap_grid: usize,
    /// Adam learning rate of the per-row pad points.
    pub latent_lr: f64,
    /// Weight of the encoder's regression onto the refined points.
    pub encoder_weight: f64,
    /// Weight of the side contrast during refinement (0 = off): for warm and
    /// bright rows, a hinge asks the row's own point to fit its curve at
    /// least [`TrainConfig::contrast_margin_db`] better (mean absolute dB)
    /// than the best fit on the wrong side of x, found at each search.
    pub contrast_weight: f64,
    /// Margin of the side contrast, dB.
    pub contrast_margin_db: f64,
    /// Number of log-spaced loss frequencies 20 Hz–20 kHz (≥ 64).
    pub loss_freqs: usize,
    /// Weight of the warm/bright hinge on x.
    pub semantic_weight: f64,
    /// The hinge asks `x ≤ −margin` for warm and `x ≥ margin` for bright.
    pub semantic_margin: f64,
    /// Weight of an optional normalised-parameter MSE term (0 = off).
    pub param_weight: f64,
    /// Weight of the pad-shape prior (0 = off): at [`TrainConfig::probes`]
    /// random pad points per step, a hinge asks brightness to rise with x by
    /// at least [`TrainConfig::min_slope_db`] per unit of x, and another
    /// keeps the curve change per 1 % of pad width below
    /// [`TrainConfig::max_step_db`] in x and y (the gates, as losses).
    pub shape_weight: f64,
    /// Random pad points per step for the shape prior.
    pub probes: usize,
    /// Smallest brightness slope the prior asks for, dB per unit of x.
    pub min_slope_db: f64,
    /// Largest curve change per 1 % of pad width the prior allows, dB.
    pub max_step_db: f64,
    /// Weight of the plausibility prior (0 = off), at the shape prior's
    /// probe points, so over the whole pad (issue 18): settings an
    /// engineer would make. Three hinges, each about 1 for a setting as
    /// implausible as the old decoder's: effort above
    /// [`TrainConfig::max_effort`] (Σ|gain| ÷ max|curve|, in units of
    /// 12 dB), bells fighting (total bell boost × total bell cut ÷ 144 dB²)
    /// and gains beyond [`TrainConfig::soft_limit_db`] (squared, ÷ 4 dB²).
    pub plausibility_weight: f64,
    /// Effort the prior allows before it costs.
    pub max_effort: f64,
    /// Gain beyond which the prior costs, dB (the heads reach 12).
    pub soft_limit_db: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            decoder: Arch::default(),
            encoder_hidden: vec![64],
            epochs: 1000,
            batch_size: 256,
            learning_rate: 3e-3,
            refine_epochs: 0,
            snap_every: 20,
            snap_grid: 51,
            latent_lr: 1e-2,
            encoder_weight: 1.0,
            contrast_weight: 0.0,
            contrast_margin_db: 0.5,
            loss_freqs: 128,
            semantic_weight: 1.0,
            semantic_margin: 0.3,
            param_weight: 0.0,
            shape_weight: 0.0,
            probes: 64,
            min_slope_db: 2.0,
            max_step_db: 0.9,
            plausibility_weight: 0.0,
            max_effort: 2.0,
            soft_limit_db: 10.0,
        }
    }
}

impl TrainConfig {
    /// The configuration `semantic-eq train` uses, chosen by 5-fold
    /// cross-validation (`train --folds 5`, recorded in
    /// `assets/decoder.report.json`): a 2-64-64-13 decoder and a curve-fed
    /// 128-64-2 encoder, Adam 3e-3 on minibatches of 256 for 1600 epochs; a
    /// warm/bright hinge of weight 5 and margin 0.5 on x; the pad-shape
    /// prior (weight 10, 64 probes per step, brightness slope ≥ 3 dB per
    /// unit x, curve change ≤ 0.6 dB per 1 % of pad width); the
    /// plausibility prior at the same probes (weight 0.5, effort ≤ 2.3,
    /// gains soft-limited at 11 dB); and the last 800 epochs refine every
    /// row's own pad point from best-fit searches on a 51² grid every 20
    /// epochs (see [`TrainConfig::refine_epochs`]), with the side contrast
    /// (weight 1, margin 0.3 dB) on warm and bright rows.
    pub fn tuned() -> Self {
        Self {
            decoder: Arch::new(vec![64, 64]).expect("valid architecture"),
            epochs: 1600,
            refine_epochs: 800,
            plausibility_weight: 0.5,
            max_effort: 2.3,
            soft_limit_db: 11.0,
            contrast_weight: 1.0,
            contrast_margin_db: 0.3,
            semantic_weight: 5.0,
            semantic_margin: 0.5,
            shape_weight: 10.0,
            min_slope_db: 3.0,
            max_step_db: 0.6,
            ..Self::default()
        }
    }

    /// The configuration as JSON (the `train_config` metadata entry).
    ///
    /// `encoder_input`, `final_lr_ratio` (with `lr_schedule`), `loss`,
    /// `refine_loss`, `spread_weight` and `spread_extent` record what the
    /// removed options were fixed at (see [`TrainConfig`]), so that files
    /// trained before and after their removal read alike.
    pub fn to_json(&self) -> String {
        json!({
            "decoder_hidden": self.decoder.hidden,
            "encoder_hidden": self.encoder_hidden,
            "encoder_input": "curve",
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "final_lr_ratio": 1.0,
            "lr_schedule": "half cosine",
            "loss": "mse_db",
            "spread_weight": 0.0,
            "spread_extent": 0.9,
            "refine_epochs": self.refine_epochs,
            "snap_every": self.snap_every,
            "snap_grid": self.snap_grid,
            "latent_lr": self.latent_lr,
            "refine_loss": "mse_db",
            "encoder_weight": self.encoder_weight,
            "contrast_weight": self.contrast_weight,
            "contrast_margin_db": self.contrast_margin_db,
            "loss_freqs": self.loss_freqs,
            "loss_sample_rate": LOSS_SAMPLE_RATE,
            "semantic_weight": self.semantic_weight,
            "semantic_margin": self.semantic_margin,
            "param_weight": self.param_weight,
            "shape_weight": self.shape_weight,
            "probes": self.probes,
            "min_slope_db": self.min_slope_db,
            "max_step_db": self.max_step_db,
            "plausibility_weight": self.plausibility_weight,
            "max_effort": self.max_effort,
            "soft_limit_db": self.soft_limit_db,
            "optimizer": "adam",
        })
        .to_string()
    }
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("invalid training configuration: {0}")]
    Config(String),
    #[error("no training rows")]
    NoRows,
    #[error("row {row}: normalised parameter {index} is {value}, outside [0, 1]")]
    BadRow {
        row: usize,
        index: usize,
        value: f64,
    },
    #[error("training diverged at epoch {0} (loss is not finite)")]
    Diverged(usize),
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// The mean losses of one epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochLoss {
    /// Response MSE, dB².
    pub response: f64,
    /// Warm/bright hinge.
    pub semantic: f64,
    /// Normalised-parameter MSE.
    pub param: f64,
    /// Pad-shape prior (monotonic brightness and smoothness hinges).
    pub shape: f64,
    /// Plausibility prior (effort, fighting bells, soft gain limit).
    pub plausibility: f64,
    /// The weighted total that was minimised.
    pub total: f64,
}

/// The precomputed tensors of a data set.
struct Prepared {
    /// Target dB curves, `[N, F]`.
    target_db: Tensor,
    /// Encoder inputs, `[N, in]`.
    enc_in: Tensor,
    /// `−1` warm, `+1` bright, `0` unlabelled, `[N]`.
    sign: Tensor,
    sign_host: Vec<f32>,
    /// `target_db` on the host, row-major.
    target_host: Vec<f32>,
    /// Normalised parameters, `[N, 13]`.
    normalized: Tensor,
}

fn prepare(
    rows: &[TrainRow],
    grid: &ResponseGrid,
    device: &Device,
) -> Result<Prepared, TrainError> {
    let n = rows.len();
    let f = grid.len();
    let mut db = Vec::with_capacity(n * f);
    let mut norm = Vec::with_capacity(n * NUM_PARAMS);
    for (r, row) in rows.iter().enumerate() {
        if let Some((index, &value)) = row
            .normalized
            .iter()
            .enumerate()
            .find(|(_, v)| !(0.0..=1.0).contains(*v))
        {
            return Err(TrainError::BadRow {
                row: r,
                index,
                value,
            });
        }
        let p = EqParams::from_normalized(&row.normalized);
        db.extend(
            grid.freqs_hz()
                .iter()
                .map(|&hz| cascade_magnitude_db(&p, hz, grid.sample_rate()) as f32),
        );
        norm.extend(row.normalized.iter().map(|&v| v as f32));
    }
    let target_host = db.clone();
    let target_db = Tensor::from_vec(db, (n, f), device)?;
    let normalized = Tensor::from_vec(norm, (n, NUM_PARAMS), device)?;
    let enc_in = target_db.affine(1.0 / 12.0, 0.0)?;
    let sign_host: Vec<f32> = rows
        .iter()
        .map(|r| match r.label {
            Some(Side::Warm) => -1.0,
            Some(Side::Bright) => 1.0,
            None => 0.0,
        })
        .collect();
    Ok(Prepared {
        target_db,
        enc_in,
        sign: Tensor::from_vec(sign_host.clone(), n, device)?,
        sign_host,
        target_host,
        normalized,
    })
}

/// A trained encoder/decoder pair.
pub struct TrainedModel {
    pub config: TrainConfig,
    pub seed: u64,
    /// Mean losses of every epoch.
    pub history: Vec<EpochLoss>,
    varmap: VarMap,
    encoder: Encoder,
    decoder: Decoder,
    grid: ResponseGrid,
}

/// One (mini)batch of prepared tensors.
struct Batch {
    enc_in: Tensor,
    target_db: Tensor,
    sign: Tensor,
    /// Rows with a label.
    labelled: usize,
    normalized: Tensor,
    /// Random pad points for the shape prior, `[K, 2]`.
    probe: Option<Tensor>,
    /// During refinement: the rows' own pad points, `[B, 2]`, decoded
    /// instead of the encoder's output (which learns to predict them).
    points: Option<Tensor>,
    /// During refinement, for the side contrast: positions in the batch of
    /// the labelled rows `[L]` and their wrong-side best fits `[L, 2]`.
    rivals: Option<(Tensor, Tensor)>,
}

/// Pad distance between a probe and its neighbours: 1 % of the pad width.
const PROBE_STEP: f64 = 0.02;

/// Brightness weights on the loss grid, `[F, 1]`: `+1/n` above 2 kHz,
/// `−1/n` below 300 Hz (the brightness).
fn brightness_weights(grid: &ResponseGrid, device: &Device) -> candle_core::Result<Tensor> {
    let f = grid.freqs_hz();
    let hi = f.iter().filter(|&&h| h > 2000.0).count().max(1) as f32;
    let lo = f.iter().filter(|&&h| h < 300.0).count().max(1) as f32;
    let w: Vec<f32> = f
        .iter()
        .map(|&h| {
            if h > 2000.0 {
                1.0 / hi
            } else if h < 300.0 {
                -1.0 / lo
            } else {
                0.0
            }
        })
        .collect();
    Tensor::from_vec(w, (f.len(), 1), device)
}

/// The pad-shape prior and the plausibility prior at the probe points
/// `[K, 2]`: `(shape, plausibility)`.
fn shape_loss(
    decoder: &Decoder,
    grid: &ResponseGrid,
    config: &TrainConfig,
    probe: &Tensor,
    bright_w: &Tensor,
) -> candle_core::Result<(Tensor, Tensor)> {
    let device = probe.device();
    let k = probe.dim(0)?;
    let step = PROBE_STEP as f32;
    let dx = Tensor::from_vec(vec![step, 0.0f32], (1, 2), device)?;
    let dy = Tensor::from_vec(vec![0.0f32, step], (1, 2), device)?;
    let all = Tensor::cat(
        &[
            probe,
            &probe.broadcast_add(&dx)?,
            &probe.broadcast_add(&dy)?,
        ],
        0,
    )?;
    let out = decoder.forward(&all)?;
    let db = grid.db(&out.gain_db, &out.ln_freq, &out.ln_q)?;
    let d0 = db.narrow(0, 0, k)?;
    let d1 = db.narrow(0, k, k)?;
    let d2 = db.narrow(0, 2 * k, k)?;
    // Brightness slope in dB per unit of x.
    let slope = ((d1.matmul(bright_w)? - d0.matmul(bright_w)?)? / PROBE_STEP)?;
    let mono = slope
        .affine(-1.0, config.min_slope_db)?
        .relu()?
        .mean_all()?;
    let step_x = (&d1 - &d0)?.abs()?.mean(D::Minus1)?;
    let step_y = (&d2 - &d0)?.abs()?.mean(D::Minus1)?;
    let smooth = (step_x
        .affine(1.0, -config.max_step_db)?
        .relu()?
        .mean_all()?
        + step_y
            .affine(1.0, -config.max_step_db)?
            .relu()?
            .mean_all()?)?;
    let plausibility = plausibility_loss(config, &out.gain_db.narrow(0, 0, k)?, &d0)?;
    Ok(((mono + smooth)?, plausibility))
}

/// The plausibility prior (see [`TrainConfig::plausibility_weight`]) of
/// gains `[K, 5]` (band order) with their curves `[K, F]`.
fn plausibility_loss(
    config: &TrainConfig,
    gain_db: &Tensor,
    db: &Tensor,
) -> candle_core::Result<Tensor> {
    let device = gain_db.device();
    let abs = gain_db.abs()?;
    let peak = db.abs()?.max(D::Minus1)?;
    let effort = (abs.sum(D::Minus1)? - peak.affine(config.max_effort, 0.0)?)?
        .affine(1.0 / 12.0, 0.0)?
        .relu()?
        .mean_all()?;
    let bells = Tensor::new(&[1u32, 2, 3], device)?;
    let bell_g = gain_db.index_select(&bells, 1)?;
    let boost = bell_g.relu()?.sum(D::Minus1)?;
    let cut = bell_g.neg()?.relu()?.sum(D::Minus1)?;
    let fight = (boost * cut)?.affine(1.0 / 144.0, 0.0)?.mean_all()?;
    let limit = abs
        .affine(1.0, -config.soft_limit_db)?
        .relu()?
        .sqr()?
        .affine(0.25, 0.0)?
        .mean_all()?;
    (effort + fight)? + limit
}

/// Moves each row's pad point to the best fit (mean absolute dB, as the
/// coverage metric) on an `g × g` grid over `[-1, 1]²` when that beats its
/// current point; warm rows search only `x < 0`, bright rows only `x > 0`
/// (and a current point on the wrong side never counts as a fit). Returns
/// how many points moved.
fn snap(
    decoder: &Decoder,
    grid: &ResponseGrid,
    data: &Prepared,
    points: &Var,
    rivals: &mut [[f32; 2]],
    g: usize,
) -> candle_core::Result<usize> {
    let device = points.device();
    let f = grid.len();
    let coords = crate::metrics::linspace(g);
    let pts: Vec<f32> = coords
        .iter()
        .flat_map(|&y| coords.iter().flat_map(move |&x| [x as f32, y as f32]))
        .collect();
    let curves_of = |latent: &Tensor| -> candle_core::Result<Vec<f32>> {
        let out = decoder.forward(latent)?;
        grid.db(&out.gain_db, &out.ln_freq, &out.ln_q)?
            .flatten_all()?
            .to_vec1::<f32>()
    };
    let grid_curves = curves_of(&Tensor::from_vec(pts.clone(), (g * g, 2), device)?)?;
    let current = points.as_tensor().to_vec2::<f32>()?;
    let current_curves = curves_of(points.as_tensor())?;
    let dist = |a: &[f32], b: &[f32]| -> f32 {
        let mut acc = [0.0f32; 8];
        let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
        let tail: f32 = ca
            .remainder()
            .iter()
            .zip(cb.remainder())
            .map(|(x, y)| (x - y).abs())
            .sum();
        for (x, y) in ca.zip(cb) {
            for k in 0..8 {
                acc[k] += (x[k] - y[k]).abs();
            }
        }
        acc.iter().sum::<f32>() + tail
    };
    let mut next = current.clone();
    let mut moved = 0;
    for (r, z) in next.iter_mut().enumerate() {
        let target = &data.target_host[r * f..(r + 1) * f];
        let side = data.sign_host[r];
        let allowed = |x: f32| side == 0.0 || side * x > 0.0;
        let mut best = if allowed(z[0]) {
            dist(&current_curves[r * f..(r + 1) * f], target)
        } else {
            f32::INFINITY
        };
        let mut best_point = None;
        let mut rival = (f32::INFINITY, 0);
        for (i, c) in grid_curves.chunks_exact(f).enumerate() {
            let d = dist(c, target);
            if !allowed(pts[2 * i]) {
                if d < rival.0 {
                    rival = (d, i);
                }
                continue;
            }
            if d < best {
                best = d;
                best_point = Some(i);
            }
        }
        rivals[r] = [pts[2 * rival.1], pts[2 * rival.1 + 1]];
        if let Some(i) = best_point {
            *z = vec![pts[2 * i], pts[2 * i + 1]];
            moved += 1;
        }
    }
    let flat: Vec<f32> = next.into_iter().flatten().collect();
    points.set(&Tensor::from_vec(flat, (data.sign_host.len(), 2), device)?)?;
    Ok(moved)
}

/// The losses of one batch: `(total, response, semantic, param, shape,
/// plausibility)`.
fn batch_losses(
    encoder: &Encoder,
    decoder: &Decoder,
    grid: &ResponseGrid,
    config: &TrainConfig,
    b: &Batch,
    bright_w: &Tensor,
) -> candle_core::Result<(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)> {
    let (enc_in, target_db, sign, labelled, normalized) =
        (&b.enc_in, &b.target_db, &b.sign, b.labelled, &b.normalized);
    let encoded = encoder.forward(enc_in)?;
    let latent = match &b.points {
        Some(p) => p.clone(),
        None => encoded.clone(),
    };
    let out = decoder.forward(&latent)?;
    let db = grid.db(&out.gain_db, &out.ln_freq, &out.ln_q)?;
    let diff = (db - target_db)?;
    let response = diff.sqr()?.mean_all()?;
    let mut total = response.clone();
    if let Some(p) = &b.points {
        let e = (encoded - p.detach())?.sqr()?.mean_all()?;
        total = (total + e.affine(config.encoder_weight, 0.0)?)?;
    }
    if let Some((pos, rival)) = &b.rivals {
        let out_r = decoder.forward(rival)?;
        let db_r = grid.db(&out_r.gain_db, &out_r.ln_freq, &out_r.ln_q)?;
        let t = target_db.index_select(pos, 0)?;
        let e_rival = (db_r - &t)?.abs()?.mean(D::Minus1)?;
        let e_own = diff.index_select(pos, 0)?.abs()?.mean(D::Minus1)?;
        let hinge = (e_own - e_rival)?
            .affine(1.0, config.contrast_margin_db)?
            .relu()?
            .mean_all()?;
        total = (total + hinge.affine(config.contrast_weight, 0.0)?)?;
    }
    let zero = Tensor::zeros((), DType::F32, enc_in.device())?;
    let semantic = if labelled > 0 {
        // relu(margin·|s| − s·x): zero for unlabelled rows (s = 0).
        let x = latent.narrow(D::Minus1, 0, 1)?.squeeze(D::Minus1)?;
        let hinge = (sign.abs()?.affine(config.semantic_margin, 0.0)? - (sign * x)?)?.relu()?;
        (hinge.sum_all()? / labelled as f64)?
    } else {
        zero.clone()
    };
    if config.semantic_weight != 0.0 && labelled > 0 {
        total = (total + semantic.affine(config.semantic_weight, 0.0)?)?;
    }
    let param = if config.param_weight != 0.0 {
        let p = (&out.normalized - normalized)?.sqr()?.mean_all()?;
        total = (total + p.affine(config.param_weight, 0.0)?)?;
        p
    } else {
        zero.clone()
    };
    let (shape, plausibility) = match &b.probe {
        Some(probe) if config.shape_weight != 0.0 || config.plausibility_weight != 0.0 => {
            let (s, p) = shape_loss(decoder, grid, config, probe, bright_w)?;
            if config.shape_weight != 0.0 {
                total = (total + s.affine(config.shape_weight, 0.0)?)?;
            }
            if config.plausibility_weight != 0.0 {
                total = (total + p.affine(config.plausibility_weight, 0.0)?)?;
            }
            (s, p)
        }
        _ => (zero.clone(), zero),
    };
    Ok((total, response, semantic, param, shape, plausibility))
}

/// Trains a model on `rows`; the same rows, config and seed always give the
/// same weights (on the same machine and thread count).
pub fn train(
    rows: &[TrainRow],
    config: &TrainConfig,
    seed: u64,
) -> Result<TrainedModel, TrainError> {
    train_with_progress(rows, config, seed, &mut |_, _| {})
}

/// [`train`], calling `on_epoch(epoch, losses)` after every epoch (for a
/// progress bar); the callback cannot change the result.
pub fn train_with_progress(
    rows: &[TrainRow],
    config: &TrainConfig,
    seed: u64,
    on_epoch: &mut dyn FnMut(usize, &EpochLoss),
) -> Result<TrainedModel, TrainError> {
    if rows.is_empty() {
        return Err(TrainError::NoRows);
    }
    if config.loss_freqs < MIN_LOSS_FREQS {
        return Err(TrainError::Config(format!(
            "loss_freqs {} < {MIN_LOSS_FREQS}",
            config.loss_freqs
        )));
    }
    if !(config.learning_rate > 0.0 && config.learning_rate.is_finite()) {
        return Err(TrainError::Config(format!(
            "learning rate {}",
            config.learning_rate
        )));
    }
    Arch::new(config.encoder_hidden.clone())
        .map_err(|e| TrainError::Config(format!("encoder: {e}")))?;
    Arch::new(config.decoder.hidden.clone())
        .map_err(|e| TrainError::Config(format!("decoder: {e}")))?;

    let device = Device::Cpu;
    let grid = ResponseGrid::log_spaced(config.loss_freqs, DType::F32, &device)?;
    let data = prepare(rows, &grid, &device)?;
    let (varmap, vb) = nets::new_varmap(DType::F32);
    let encoder = Encoder::new(
        vb.pp("encoder"),
        data.enc_in.dim(1)?,
        &config.encoder_hidden,
    )?;
    let decoder = Decoder::new(vb.pp("decoder"), &config.decoder)?;
    nets::seeded_init(&varmap, seed, 1.0, 0.0)?;
    let mut opt = AdamW::new(
        varmap.all_vars(),
        ParamsAdamW {
            lr: config.learning_rate,
            weight_decay: 0.0,
            ..ParamsAdamW::default()
        },
    )?;

    let n = rows.len();
    let batch = if config.batch_size == 0 {
        n
    } else {
        config.batch_size.min(n)
    };
    // A separate stream for shuffling, so init and order do not interact.
    let mut rng = SplitMix64::new(seed ^ 0xD1B5_4A32_D192_ED03);
    // And one for the shape prior's probe points.
    let mut probe_rng = SplitMix64::new(seed ^ 0x8CB9_2BA7_2F3D_8DD7);
    let bright_w = brightness_weights(&grid, &device)?;
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut history = Vec::with_capacity(config.epochs);
    let refine_from = config.epochs.saturating_sub(config.refine_epochs);
    // The rows' own pad points and their optimiser, during refinement.
    let mut refine: Option<(Var, AdamW)> = None;
    let mut rivals = vec![[0.0f32; 2]; n];
    for epoch in 0..config.epochs {
        if epoch == refine_from && config.refine_epochs > 0 {
            let start = encoder.forward(&data.enc_in)?.clamp(-1.0f32, 1.0f32)?;
            let points = Var::from_tensor(&start)?;
            let popt = AdamW::new(
                vec![points.clone()],
                ParamsAdamW {
                    lr: config.latent_lr,
                    weight_decay: 0.0,
                    ..ParamsAdamW::default()
                },
            )?;
            refine = Some((points, popt));
        }
        if let Some((points, _)) = &refine
            && (epoch - refine_from).is_multiple_of(config.snap_every.max(1))
        {
            snap(
                &decoder,
                &grid,
                &data,
                points,
                &mut rivals,
                config.snap_grid.max(2),
            )?;
        }
        if batch < n {
            rng.shuffle(&mut order);
        }
        let mut sums = [0.0f64; 6];
        let mut batches = 0usize;
        for chunk in order.chunks(batch) {
            let labelled = chunk
                .iter()
                .filter(|&&i| data.sign_host[i as usize] != 0.0)
                .count();
            let probe = if (config.shape_weight != 0.0 || config.plausibility_weight != 0.0)
                && config.probes > 0
            {
                // x in [−1 − step, 1 − step] so that x + step stays on the pad.
                let v: Vec<f32> = (0..config.probes)
                    .flat_map(|_| {
                        [
                            probe_rng.uniform(-1.0 - PROBE_STEP, 1.0 - PROBE_STEP) as f32,
                            probe_rng.uniform(-1.0 - PROBE_STEP, 1.0 - PROBE_STEP) as f32,
                        ]
                    })
                    .collect();
                Some(Tensor::from_vec(v, (config.probes, 2), &device)?)
            } else {
                None
            };
            let points = match &refine {
                Some((p, _)) if chunk.len() == n => Some(p.as_tensor().clone()),
                Some((p, _)) => Some(
                    p.as_tensor()
                        .index_select(&Tensor::from_slice(chunk, chunk.len(), &device)?, 0)?,
                ),
                None => None,
            };
            let rivals = if refine.is_some() && config.contrast_weight != 0.0 && labelled > 0 {
                let (pos, pts): (Vec<u32>, Vec<f32>) = chunk
                    .iter()
                    .enumerate()
                    .filter(|&(_, &i)| data.sign_host[i as usize] != 0.0)
                    .map(|(p, &i)| (p as u32, rivals[i as usize]))
                    .fold((Vec::new(), Vec::new()), |(mut a, mut b), (p, r)| {
                        a.push(p);
                        b.extend(r);
                        (a, b)
                    });
                let l = pos.len();
                Some((
                    Tensor::from_vec(pos, l, &device)?,
                    Tensor::from_vec(pts, (l, 2), &device)?,
                ))
            } else {
                None
            };
            let b = if chunk.len() == n {
                Batch {
                    enc_in: data.enc_in.clone(),
                    target_db: data.target_db.clone(),
                    sign: data.sign.clone(),
                    labelled,
                    normalized: data.normalized.clone(),
                    probe,
                    points,
                    rivals,
                }
            } else {
                let idx = Tensor::from_slice(chunk, chunk.len(), &device)?;
                Batch {
                    enc_in: data.enc_in.index_select(&idx, 0)?,
                    target_db: data.target_db.index_select(&idx, 0)?,
                    sign: data.sign.index_select(&idx, 0)?,
                    labelled,
                    normalized: data.normalized.index_select(&idx, 0)?,
                    probe,
                    points,
                    rivals,
                }
            };
            let (total, response, semantic, param, shape, plausibility) =
                batch_losses(&encoder, &decoder, &grid, config, &b, &bright_w)?;
            let grads = total.backward()?;
            opt.step(&grads)?;
            if let Some((p, popt)) = &mut refine {
                popt.step(&grads)?;
                p.set(&p.as_tensor().clamp(-1.0f32, 1.0f32)?)?;
            }
            for (s, t) in
                sums.iter_mut()
                    .zip([&total, &response, &semantic, &param, &shape, &plausibility])
            {
                *s += f64::from(t.to_scalar::<f32>()?);
            }
            batches += 1;
        }
        let mean = sums.map(|s| s / batches as f64);
        if !mean[0].is_finite() {
            return Err(TrainError::Diverged(epoch));
        }
        let loss = EpochLoss {
            total: mean[0],
            response: mean[1],
            semantic: mean[2],
            param: mean[3],
            shape: mean[4],
            plausibility: mean[5],
        };
        on_epoch(epoch, &loss);
        history.push(loss);
    }
    Ok(TrainedModel {
        config: config.clone(),
        seed,
        history,
        varmap,
        encoder,
        decoder,
        grid,
    })
}

impl TrainedModel {
    /// The pad positions of `rows` according to the encoder.
    pub fn encode(&self, rows: &[TrainRow]) -> Result<Vec<[f32; 2]>, TrainError> {
        let data = prepare(rows, &self.grid, &Device::Cpu)?;
        let latent = self.encoder.forward(&data.enc_in)?.to_vec2::<f32>()?;
        Ok(latent.into_iter().map(|v| [v[0], v[1]]).collect())
    }

    /// Mean squared dB error of the autoencoded `rows` on the loss grid.
    pub fn response_mse(&self, rows: &[TrainRow]) -> Result<f64, TrainError> {
        let data = prepare(rows, &self.grid, &Device::Cpu)?;
        let latent = self.encoder.forward(&data.enc_in)?;
        let out = self.decoder.forward(&latent)?;
        let db = self.grid.db(&out.gain_db, &out.ln_freq, &out.ln_q)?;
        Ok(f64::from(
            (db - &data.target_db)?
                .sqr()?
                .mean_all()?
                .to_scalar::<f32>()?,
        ))
    }

    /// The candle decoder.
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The candle encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// All trained variables (`encoder.*` and `decoder.*`).
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    /// The decoder's weights copied into the plain-Rust decoder.
    pub fn plain_decoder(&self) -> Result<crate::Decoder, TrainError> {
        Ok(nets::export_decoder(&self.varmap, &self.config.decoder)?)
    }

    /// The decoder file: the plain decoder's tensors plus `seed`,
    /// `train_config` and whatever `extra` adds (landmarks, data SHA-256,
    /// metrics, … as JSON strings).
    pub fn to_safetensors(&self, extra: &BTreeMap<String, String>) -> Result<Vec<u8>, TrainError> {
        let mut meta = extra.clone();
        meta.insert(META_SEED.into(), self.seed.to_string());
        meta.insert(META_TRAIN_CONFIG.into(), self.config.to_json());
        Ok(self.plain_decoder()?.to_safetensors(&meta)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped decoder was trained with [`TrainConfig::tuned`]: its
    /// recorded configuration is what `tuned()` writes now, byte for byte
    /// (so removing options changed nothing the shipped training computes
    /// or records).
    #[test]
    fn tuned_config_is_what_the_shipped_model_records() {
        let shipped = crate::Decoder::embedded();
        assert_eq!(
            shipped.metadata()[META_TRAIN_CONFIG],
            TrainConfig::tuned().to_json()
        );
    }
}
