//! The candle encoder and decoder, built from a `VarBuilder` with
//! `pp("encoder")` / `pp("decoder")` prefixes, and their seeded initialisation.

use candle_core::{D, DType, Device, Result, Tensor};
use candle_nn::{Linear, Module, VarBuilder, VarMap};

use crate::decoder::{Arch, HeadKind, LATENT_BOX, LATENT_DIM, head_kind};
use crate::params::{BANDS, NUM_PARAMS, PARAMS, ParamScale};
use crate::rng::SplitMix64;

/// `ln 0.1`, the bottom of the Q range.
const LN_Q_MIN: f64 = -std::f64::consts::LN_10;
/// `ln 100`, the span of the Q range in natural log.
const LN_Q_SPAN: f64 = 2.0 * std::f64::consts::LN_10;

/// A `tanh` multilayer perceptron: hidden layers `h0, h1, …`, then `head`.
#[derive(Clone, Debug)]
struct Mlp {
    hidden: Vec<Linear>,
    head: Linear,
}

impl Mlp {
    fn new(vb: VarBuilder, inputs: usize, hidden: &[usize], outputs: usize) -> Result<Self> {
        let mut layers = Vec::with_capacity(hidden.len());
        let mut width = inputs;
        for (i, &w) in hidden.iter().enumerate() {
            layers.push(candle_nn::linear(width, w, vb.pp(format!("h{i}")))?);
            width = w;
        }
        let head = candle_nn::linear(width, outputs, vb.pp("head"))?;
        Ok(Self {
            hidden: layers,
            head,
        })
    }

    /// The head layer's raw output.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = x.clone();
        for layer in &self.hidden {
            x = layer.forward(&x)?.tanh()?;
        }
        self.head.forward(&x)
    }
}

/// Maps an input row (a curve or a parameter vector) to a pad point in
/// `(−1, 1)²`: a `tanh` MLP whose last `tanh` keeps every training example
/// on the pad the plug-in shows.
#[derive(Clone, Debug)]
pub struct Encoder {
    mlp: Mlp,
}

impl Encoder {
    /// Builds the encoder under `vb` (use `vb.pp("encoder")`).
    pub fn new(vb: VarBuilder, inputs: usize, hidden: &[usize]) -> Result<Self> {
        Ok(Self {
            mlp: Mlp::new(vb, inputs, hidden, LATENT_DIM)?,
        })
    }

    /// `[B, inputs]` → `[B, 2]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.mlp.forward(x)?.tanh()
    }
}

/// Everything the decoder's bounded heads produce for a batch.
#[derive(Clone, Debug)]
pub struct DecoderOutput {
    /// The 13 normalised parameters in [`PARAMS`] order, `[B, 13]`.
    pub normalized: Tensor,
    /// Band gains in dB, band order, `[B, 5]` (`12·tanh z`).
    pub gain_db: Tensor,
    /// Natural log of the band frequencies in Hz, `[B, 5]`.
    pub ln_freq: Tensor,
    /// Natural log of the bells' Q, `[B, 3]`.
    pub ln_q: Tensor,
}

/// The candle twin of [`crate::Decoder`]: the same [`Arch`], tensor names,
/// operation order and bounded heads.
#[derive(Clone, Debug)]
pub struct Decoder {
    arch: Arch,
    mlp: Mlp,
    gain_idx: Tensor,
    freq_idx: Tensor,
    q_idx: Tensor,
    /// Column of each [`PARAMS`] entry in `cat[gains, freqs, qs]`.
    to_param_order: Tensor,
    ln_f_lo: Tensor,
    ln_f_span: Tensor,
}

impl Decoder {
    /// Builds the decoder under `vb` (use `vb.pp("decoder")`; the layers are
    /// then `decoder.h{i}` and `decoder.head`, as in the file format).
    pub fn new(vb: VarBuilder, arch: &Arch) -> Result<Self> {
        let device = vb.device().clone();
        let dtype = vb.dtype();
        let mlp = Mlp::new(vb, LATENT_DIM, &arch.hidden, NUM_PARAMS)?;
        let gains: Vec<usize> = BANDS.iter().map(|b| b.gain_index).collect();
        let freqs: Vec<usize> = BANDS.iter().map(|b| b.freq_index).collect();
        let qs: Vec<usize> = BANDS.iter().filter_map(|b| b.q_index).collect();
        debug_assert!(gains.iter().all(|&i| head_kind(i) == HeadKind::Gain));
        debug_assert!(
            freqs
                .iter()
                .chain(&qs)
                .all(|&i| PARAMS[i].scale == ParamScale::Log)
        );
        let order: Vec<usize> = gains.iter().chain(&freqs).chain(&qs).copied().collect();
        let to_param_order: Vec<u32> = (0..NUM_PARAMS)
            .map(|p| {
                order
                    .iter()
                    .position(|&o| o == p)
                    .expect("all params covered") as u32
            })
            .collect();
        let idx = |v: &[usize]| {
            Tensor::from_vec(
                v.iter().map(|&i| i as u32).collect::<Vec<_>>(),
                v.len(),
                &device,
            )
        };
        let row = |v: Vec<f64>| -> Result<Tensor> {
            Tensor::from_vec(v, (1, BANDS.len()), &device)?.to_dtype(dtype)
        };
        Ok(Self {
            arch: arch.clone(),
            mlp,
            gain_idx: idx(&gains)?,
            freq_idx: idx(&freqs)?,
            q_idx: idx(&qs)?,
            to_param_order: Tensor::from_vec(to_param_order, NUM_PARAMS, &device)?,
            ln_f_lo: row(freqs.iter().map(|&i| PARAMS[i].min.ln()).collect())?,
            ln_f_span: row(freqs
                .iter()
                .map(|&i| (PARAMS[i].max / PARAMS[i].min).ln())
                .collect())?,
        })
    }

    /// The architecture.
    pub fn arch(&self) -> &Arch {
        &self.arch
    }

    /// `[B, 2]` latents → bounded heads. The latent is clamped to the
    /// `±LATENT_BOX` box like the plain decoder's (NaN is not handled here:
    /// the trainer never produces it).
    pub fn forward(&self, latent: &Tensor) -> Result<DecoderOutput> {
        let x = latent.clamp(-LATENT_BOX, LATENT_BOX)?;
        let z = self.mlp.forward(&x)?;
        let tg = z.index_select(&self.gain_idx, D::Minus1)?.tanh()?;
        let gain_n = tg.affine(0.5, 0.5)?;
        let gain_db = tg.affine(crate::decoder::MAX_GAIN_DB as f64, 0.0)?;
        let freq_n = candle_nn::ops::sigmoid(&z.index_select(&self.freq_idx, D::Minus1)?)?;
        let ln_freq = freq_n
            .broadcast_mul(&self.ln_f_span)?
            .broadcast_add(&self.ln_f_lo)?;
        let q_n = candle_nn::ops::sigmoid(&z.index_select(&self.q_idx, D::Minus1)?)?;
        let ln_q = q_n.affine(LN_Q_SPAN, LN_Q_MIN)?;
        let normalized = Tensor::cat(&[&gain_n, &freq_n, &q_n], D::Minus1)?
            .index_select(&self.to_param_order, D::Minus1)?;
        Ok(DecoderOutput {
            normalized,
            gain_db,
            ln_freq,
            ln_q,
        })
    }
}

/// Overwrites every variable of `varmap` from a SplitMix64 seeded with
/// `seed`: weights (`*.weight`, `[out, in]`) uniform in
/// `±weight_gain·√(6/(in+out))` (Glorot), biases uniform in `±bias_range`
/// (0 gives zeros). Variables are visited in name order, so the result
/// depends on the seed alone. Training uses `(1, 0)`.
pub fn seeded_init(varmap: &VarMap, seed: u64, weight_gain: f64, bias_range: f64) -> Result<()> {
    let mut rng = SplitMix64::new(seed);
    let data = varmap
        .data()
        .lock()
        .map_err(|_| candle_core::Error::Msg("VarMap lock poisoned".into()))?;
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let shape = var.shape().clone();
        let n = shape.elem_count();
        let values: Vec<f64> = if name.ends_with(".weight") {
            let dims = shape.dims();
            let fan: usize = dims.iter().sum();
            let a = weight_gain * (6.0 / fan.max(1) as f64).sqrt();
            (0..n).map(|_| rng.uniform(-a, a)).collect()
        } else {
            (0..n)
                .map(|_| {
                    if bias_range == 0.0 {
                        0.0
                    } else {
                        rng.uniform(-bias_range, bias_range)
                    }
                })
                .collect()
        };
        let t = Tensor::from_vec(values, shape, var.device())?.to_dtype(var.dtype())?;
        var.set(&t)?;
    }
    Ok(())
}

/// Copies the decoder's weights out of `varmap` into a plain [`crate::Decoder`].
pub fn export_decoder(varmap: &VarMap, arch: &Arch) -> Result<crate::Decoder> {
    let data = varmap
        .data()
        .lock()
        .map_err(|_| candle_core::Error::Msg("VarMap lock poisoned".into()))?;
    let read = |name: String| -> Result<Vec<f32>> {
        let var = data
            .get(&name)
            .ok_or_else(|| candle_core::Error::Msg(format!("variable {name} not found")))?;
        var.as_tensor()
            .to_dtype(DType::F32)?
            .flatten_all()?
            .to_vec1::<f32>()
    };
    let layers = (0..arch.layer_dims().len())
        .map(|i| {
            let name = arch.layer_name(i);
            Ok(crate::decoder::Dense {
                weight: read(format!("{name}.weight"))?,
                bias: read(format!("{name}.bias"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    crate::Decoder::from_weights(arch.clone(), layers)
        .map_err(|e| candle_core::Error::Msg(e.to_string()))
}

/// A fresh `VarMap` and `VarBuilder` on the CPU in `dtype`.
pub fn new_varmap(dtype: DType) -> (VarMap, VarBuilder<'static>) {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, dtype, &Device::Cpu);
    (varmap, vb)
}
