//! The pad decoder without candle: reads the trained safetensors file and
//! maps a pad point `(x, y)` to a valid five-band EQ, allocation-free.
//!
//! # Network
//!
//! A multilayer perceptron `2 → hidden… → 13` with `tanh` after every hidden
//! layer and a linear last layer (the *head layer*), whose 13 outputs `z` go
//! through the **bounded heads** below. The architecture ([`Arch`]) is stored
//! in the file's metadata, separate from the weights. The shipped decoder
//! (`assets/decoder.safetensors`, trained with `TrainConfig::tuned`) is
//! 2-64-64-13; [`Arch::default`] is one hidden layer of 64 units, the
//! 2-64-13 decoder of the measured reference autoencoder, used by tests and
//! small experiments. Layer `i` computes `x·Wᵀ + b` with `W`
//! stored `[out, in]`, exactly like `candle_nn::Linear`, so the trainer and
//! this module share tensor names and layouts.
//!
//! # Bounded heads
//!
//! Every head produces the parameter's *normalised* value `u ∈ [0, 1]`
//! (the domain the engine smooths in, see [`crate::ParamSpec::normalize`]):
//!
//! | parameter | normalised `u` | plain value |
//! |---|---|---|
//! | gain | `0.5·tanh(z) + 0.5` | `24u − 12 = 12·tanh(z)` dB |
//! | frequency | `sigmoid(z)` | `ln f = ln fmin + (ln fmax − ln fmin)·u` |
//! | Q | `sigmoid(z)` | `ln Q = ln 0.1 + ln 100·u` |
//!
//! Because the frequency and Q ranges are normalised logarithmically, the
//! sigmoid *is* the normalised value. `u` is clamped to `[0, 1]` after the
//! head (a no-op in exact arithmetic that also holds under f32 rounding), and
//! a NaN head output (possible only when finite but huge weights overflow
//! `∞ − ∞` inside the network) becomes the parameter's neutral default. So
//! no input and no finite weights can decode to an invalid EQ.
//!
//! # Sanitised input
//!
//! The latent is sanitised before the first layer: NaN becomes 0 and every
//! other value, ±∞ included, is clamped to `[-LATENT_BOX, LATENT_BOX]`
//! (`±2`). The pad the plug-in shows is `−1..1`; the box leaves room for
//! morphing to 150 % and beyond, yet keeps the network near the region it
//! was trained on.
//!
//! # File format
//!
//! A safetensors file with f32 tensors `decoder.h{i}.weight` `[out, in]`,
//! `decoder.h{i}.bias` `[out]` for each hidden layer and `decoder.head.weight`
//! `[13, last]`, `decoder.head.bias` `[13]`, nothing else, and a
//! `__metadata__` map with at least:
//!
//! * `format` = [`FORMAT_NAME`], `format_version` = [`FORMAT_VERSION`];
//! * `architecture`: JSON, see [`Arch::to_json`];
//! * `params`: JSON, the 13 parameter names, ranges and scales; the file is
//!   rejected unless they equal this build's [`PARAMS`].
//!
//! Other keys ([`META_SEED`], [`META_LANDMARKS`], [`META_DATA_SHA256`],
//! [`META_METRICS`], …) are carried through untouched and available from
//! [`Decoder::metadata`]. [`Decoder::from_safetensors`] validates everything
//! and returns a one-line [`LoadError`] for any problem; it never panics,
//! whatever the bytes.

use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensorError, SafeTensors};
use serde_json::{Value, json};

use crate::params::{EqParams, NUM_PARAMS, PARAMS, ParamScale};

/// Dimension of the pad (x = warm → bright, y = free axis).
pub const LATENT_DIM: usize = 2;
/// Sanitised latents lie in `[-LATENT_BOX, LATENT_BOX]²`.
pub const LATENT_BOX: f32 = 2.0;
/// Widest hidden layer [`Decoder::decode`] supports (its scratch lives on the stack).
pub const MAX_HIDDEN_WIDTH: usize = 256;
/// Most hidden layers an [`Arch`] may have.
pub const MAX_HIDDEN_LAYERS: usize = 4;
/// Largest gain the heads produce, dB.
pub const MAX_GAIN_DB: f32 = 12.0;

/// `format` metadata value of a decoder file.
pub const FORMAT_NAME: &str = "semantic-eq-decoder";
/// The only `format_version` this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Identifies the head formulas in [`Arch::to_json`].
pub const HEADS_ID: &str = "gain=12*tanh(z); log-freq,log-q=lo+(hi-lo)*sigmoid(z)";

/// Metadata key: the file format name.
pub const META_FORMAT: &str = "format";
/// Metadata key: the format version (decimal integer).
pub const META_FORMAT_VERSION: &str = "format_version";
/// Metadata key: the architecture JSON.
pub const META_ARCHITECTURE: &str = "architecture";
/// Metadata key: the parameter ranges and normalisation JSON.
pub const META_PARAMS: &str = "params";
/// Metadata key (optional, written by the trainer): the training seed.
pub const META_SEED: &str = "seed";
/// Metadata key (optional): landmarks JSON (descriptor → pad position).
pub const META_LANDMARKS: &str = "landmarks";
/// Landmark names the vocabulary retired (they are not descriptors of
/// sound: `re27` is a microphone, `vocals` a source), each with the kept
/// landmark nearest to it on the pad of the model that had both. Stored
/// sessions and command lines that name one play its replacement
/// ([`Decoder::find_landmark`]).
pub const RETIRED_LANDMARKS: &[(&str, &str)] = &[("re27", "bright"), ("vocals", "clear")];

/// Metadata key (optional): where the training rows sit on the pad
/// ([`Density`] as JSON).
pub const META_DENSITY: &str = "density";
/// Metadata key (optional): SHA-256 of the training data, hex.
pub const META_DATA_SHA256: &str = "data_sha256";
/// Metadata key (optional): validation metrics JSON.
pub const META_METRICS: &str = "metrics";
/// Metadata key (optional): the training configuration JSON.
pub const META_TRAIN_CONFIG: &str = "train_config";

/// Keys [`Decoder::to_safetensors`] writes itself; callers may not set them.
pub const RESERVED_KEYS: [&str; 4] = [
    META_FORMAT,
    META_FORMAT_VERSION,
    META_ARCHITECTURE,
    META_PARAMS,
];

/// Which head a parameter goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadKind {
    /// `u = 0.5·tanh(z) + 0.5`, gain = `12·tanh(z)` dB.
    Gain,
    /// `u = sigmoid(z)` in the log range (frequency and Q).
    LogSigmoid,
}

/// The head of each of the 13 outputs, in [`PARAMS`] order.
pub fn head_kind(index: usize) -> HeadKind {
    match PARAMS[index].scale {
        ParamScale::Linear => HeadKind::Gain,
        ParamScale::Log => HeadKind::LogSigmoid,
    }
}

/// The network shape, stored in the file separately from the weights.
///
/// The latent is always [`LATENT_DIM`], the output always [`NUM_PARAMS`],
/// the activation always `tanh`; only the hidden widths vary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arch {
    /// Widths of the hidden layers, input side first (1..=4 layers of 1..=256).
    pub hidden: Vec<usize>,
}

impl Default for Arch {
    /// `2 → 64 → 13`: the decoder of the measured 13-64-2-64-13 reference,
    /// and a small default for tests. The shipped decoder is deeper,
    /// 2-64-64-13 (`TrainConfig::tuned`), chosen by the sweep in
    /// `assets/decoder.report.json`, whose gates include the pad's
    /// smoothness.
    fn default() -> Self {
        Self { hidden: vec![64] }
    }
}

impl Arch {
    /// An architecture with the given hidden widths, checked.
    pub fn new(hidden: Vec<usize>) -> Result<Self, LoadError> {
        let arch = Self { hidden };
        arch.check()?;
        Ok(arch)
    }

    fn check(&self) -> Result<(), LoadError> {
        if self.hidden.is_empty() || self.hidden.len() > MAX_HIDDEN_LAYERS {
            return Err(LoadError::BadArchitecture(format!(
                "{} hidden layers, expected 1..={MAX_HIDDEN_LAYERS}",
                self.hidden.len()
            )));
        }
        if let Some(w) = self
            .hidden
            .iter()
            .find(|&&w| w == 0 || w > MAX_HIDDEN_WIDTH)
        {
            return Err(LoadError::BadArchitecture(format!(
                "hidden width {w}, expected 1..={MAX_HIDDEN_WIDTH}"
            )));
        }
        Ok(())
    }

    /// `(inputs, outputs)` of every layer, hidden layers first, head last.
    pub fn layer_dims(&self) -> Vec<(usize, usize)> {
        let mut dims = Vec::with_capacity(self.hidden.len() + 1);
        let mut inputs = LATENT_DIM;
        for &w in &self.hidden {
            dims.push((inputs, w));
            inputs = w;
        }
        dims.push((inputs, NUM_PARAMS));
        dims
    }

    /// The name prefix of layer `i` (`decoder.h{i}` or `decoder.head`),
    /// as used by the candle model's `VarBuilder` and the file.
    pub fn layer_name(&self, i: usize) -> String {
        if i < self.hidden.len() {
            format!("decoder.h{i}")
        } else {
            "decoder.head".to_string()
        }
    }

    /// Number of weights and biases.
    pub fn parameter_count(&self) -> usize {
        self.layer_dims().iter().map(|(i, o)| i * o + o).sum()
    }

    /// The `architecture` metadata JSON, e.g.
    /// `{"activation":"tanh","heads":"…","hidden":[64],"input_box":2.0,"latent":2,"outputs":13}`.
    pub fn to_json(&self) -> String {
        json!({
            "latent": LATENT_DIM,
            "hidden": self.hidden,
            "activation": "tanh",
            "outputs": NUM_PARAMS,
            "heads": HEADS_ID,
            "input_box": LATENT_BOX as f64,
        })
        .to_string()
    }

    /// Parses and checks [`Arch::to_json`] output; every key must be present
    /// and known, and everything but `hidden` must equal this build's constants.
    pub fn from_json(text: &str) -> Result<Self, LoadError> {
        let bad = |m: String| LoadError::BadArchitecture(m);
        let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("not a JSON object".into()))?;
        const KEYS: [&str; 6] = [
            "latent",
            "hidden",
            "activation",
            "outputs",
            "heads",
            "input_box",
        ];
        if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(bad(format!("unknown key '{k}'")));
        }
        let get = |k: &str| obj.get(k).ok_or_else(|| bad(format!("missing key '{k}'")));
        let expect_uint = |k: &str, want: usize| -> Result<(), LoadError> {
            match get(k)?.as_u64() {
                Some(n) if n == want as u64 => Ok(()),
                _ => Err(bad(format!("'{k}' is {}, expected {want}", get(k)?))),
            }
        };
        expect_uint("latent", LATENT_DIM)?;
        expect_uint("outputs", NUM_PARAMS)?;
        if get("activation")?.as_str() != Some("tanh") {
            return Err(bad(format!(
                "activation {} is not supported (only \"tanh\")",
                get("activation")?
            )));
        }
        if get("heads")?.as_str() != Some(HEADS_ID) {
            return Err(bad(format!(
                "heads {} are not supported (expected \"{HEADS_ID}\")",
                get("heads")?
            )));
        }
        if get("input_box")?.as_f64() != Some(LATENT_BOX as f64) {
            return Err(bad(format!(
                "input_box {} differs from this build's {LATENT_BOX}",
                get("input_box")?
            )));
        }
        let hidden = get("hidden")?
            .as_array()
            .ok_or_else(|| bad("'hidden' is not an array".into()))?
            .iter()
            .map(|w| {
                w.as_u64()
                    .and_then(|w| usize::try_from(w).ok())
                    .ok_or_else(|| bad(format!("hidden width {w} is not an integer")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(hidden)
    }
}

/// The `params` metadata JSON: name, range and scale of each parameter.
pub fn params_json() -> String {
    let list: Vec<Value> = PARAMS
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "min": p.min,
                "max": p.max,
                "scale": match p.scale { ParamScale::Linear => "linear", ParamScale::Log => "log" },
            })
        })
        .collect();
    Value::Array(list).to_string()
}

fn check_params_json(text: &str) -> Result<(), LoadError> {
    let bad = |m: String| LoadError::ParamsMismatch(m);
    let got: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
    let want: Value = serde_json::from_str(&params_json()).expect("own JSON parses");
    if got == want {
        return Ok(());
    }
    // Name the first difference, for a useful one-line message.
    let (Some(g), Some(w)) = (got.as_array(), want.as_array()) else {
        return Err(bad("not a JSON array".into()));
    };
    if g.len() != w.len() {
        return Err(bad(format!("{} parameters, expected {}", g.len(), w.len())));
    }
    for (i, (g, w)) in g.iter().zip(w).enumerate() {
        if g != w {
            return Err(bad(format!("parameter {i} is {g}, this build has {w}")));
        }
    }
    Err(bad("differs from this build".into()))
}

/// Why a decoder file or weight set was rejected. Each message is one line.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not a valid safetensors file: {0}")]
    Safetensors(#[from] SafeTensorError),
    #[error("the file has no __metadata__ header")]
    MissingMetadata,
    #[error("metadata key '{0}' is missing")]
    MissingKey(&'static str),
    #[error("metadata 'format' is '{0}', expected '{FORMAT_NAME}'")]
    WrongFormat(String),
    #[error("metadata 'format_version' is '{0}', not a version number")]
    BadVersion(String),
    #[error("format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion { found: u64, supported: u32 },
    #[error("bad architecture: {0}")]
    BadArchitecture(String),
    #[error("parameter ranges do not match this build: {0}")]
    ParamsMismatch(String),
    #[error("tensor '{0}' is missing")]
    MissingTensor(String),
    #[error("unexpected tensor '{0}'")]
    UnexpectedTensor(String),
    #[error("tensor '{name}' has dtype {dtype}, expected F32")]
    WrongDtype { name: String, dtype: String },
    #[error("tensor '{name}' has shape {found:?}, expected {expected:?}")]
    WrongShape {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("tensor '{name}' element {index} is {value}, not finite")]
    NotFinite {
        name: String,
        index: usize,
        value: f32,
    },
}

/// Why [`Decoder::to_safetensors`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("metadata key '{0}' is reserved and written by the exporter")]
    ReservedKey(String),
}

/// One fully connected layer, `y = x·Wᵀ + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Row-major `[outputs][inputs]`, like `candle_nn::Linear`.
    pub weight: Vec<f32>,
    /// `[outputs]`.
    pub bias: Vec<f32>,
}

/// One decoded pad point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecodedEq {
    /// The 13 parameters normalised to `[0, 1]` ([`crate::ParamSpec::normalize`]).
    pub normalized: [f32; NUM_PARAMS],
    /// The same setting in plain units; always passes [`EqParams::validate`].
    pub params: EqParams,
}

/// NaN → 0; anything else clamped to `[-LATENT_BOX, LATENT_BOX]`.
#[inline]
pub fn sanitize_latent(v: f32) -> f32 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-LATENT_BOX, LATENT_BOX)
    }
}

/// `1 / (exp(−z) + 1)`, the operation order of `candle_nn::ops::sigmoid`.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    ((-z).exp() + 1.0).recip()
}

/// The decoder shipped with Semantic EQ (`assets/decoder.safetensors`),
/// compiled in so that the plug-in and the CLI never need a file at run time.
pub static EMBEDDED_MODEL: &[u8] = include_bytes!("../../assets/decoder.safetensors");

/// A named point on the pad: where the encoder puts a descriptor's examples.
#[derive(Clone, Debug, PartialEq)]
pub struct Landmark {
    /// The normalised descriptor ("warm", "bright", …).
    pub name: String,
    /// Mean pad position of the descriptor's training rows.
    pub x: f32,
    /// Mean pad position of the descriptor's training rows.
    pub y: f32,
    /// How many training rows carry the descriptor.
    pub count: usize,
}

/// The plain-Rust decoder: weights copied out of the file at load time.
#[derive(Clone, Debug)]
pub struct Decoder {
    arch: Arch,
    layers: Vec<Dense>,
    /// Each layer's weights transposed to `[inputs][outputs]`, so the inner
    /// loop of [`dense`] runs over independent outputs and vectorises.
    transposed: Vec<Vec<f32>>,
    /// Normalised neutral value of each parameter (NaN fallback).
    neutral: [f32; NUM_PARAMS],
    metadata: BTreeMap<String, String>,
    /// Parsed from the metadata once, at load time, so that looking one up
    /// ([`Decoder::landmark`]) needs no allocation on the audio thread.
    landmarks: Vec<Landmark>,
    /// Parsed from the metadata once, at load time.
    density: Option<Density>,
}

impl Decoder {
    /// A decoder from in-memory weights (one [`Dense`] per layer of
    /// [`Arch::layer_dims`]); checks shapes and finiteness.
    pub fn from_weights(arch: Arch, layers: Vec<Dense>) -> Result<Self, LoadError> {
        arch.check()?;
        let dims = arch.layer_dims();
        if layers.len() != dims.len() {
            return Err(LoadError::BadArchitecture(format!(
                "{} layers given, the architecture has {}",
                layers.len(),
                dims.len()
            )));
        }
        for (i, (layer, &(inputs, outputs))) in layers.iter().zip(&dims).enumerate() {
            let name = arch.layer_name(i);
            check_len(&format!("{name}.weight"), &layer.weight, &[outputs, inputs])?;
            check_len(&format!("{name}.bias"), &layer.bias, &[outputs])?;
        }
        let transposed = layers
            .iter()
            .zip(&dims)
            .map(|(layer, &(inputs, outputs))| {
                let mut t = vec![0.0f32; inputs * outputs];
                for o in 0..outputs {
                    for i in 0..inputs {
                        t[i * outputs + o] = layer.weight[o * inputs + i];
                    }
                }
                t
            })
            .collect();
        Ok(Self {
            arch,
            layers,
            transposed,
            neutral: std::array::from_fn(|i| PARAMS[i].normalize(PARAMS[i].default) as f32),
            metadata: BTreeMap::new(),
            landmarks: Vec::new(),
            density: None,
        })
    }

    /// Loads and validates a decoder file (see the module documentation).
    /// Never panics; every failure is a specific [`LoadError`].
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self, LoadError> {
        let st = SafeTensors::deserialize(bytes)?;
        let (_, header) = SafeTensors::read_metadata(bytes)?;
        let meta: &HashMap<String, String> = header
            .metadata()
            .as_ref()
            .ok_or(LoadError::MissingMetadata)?;
        let get = |k: &'static str| meta.get(k).ok_or(LoadError::MissingKey(k));

        let format = get(META_FORMAT)?;
        if format != FORMAT_NAME {
            return Err(LoadError::WrongFormat(format.clone()));
        }
        let version_text = get(META_FORMAT_VERSION)?;
        let version: u64 = version_text
            .trim()
            .parse()
            .map_err(|_| LoadError::BadVersion(version_text.clone()))?;
        if version != u64::from(FORMAT_VERSION) {
            return Err(LoadError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let arch = Arch::from_json(get(META_ARCHITECTURE)?)?;
        check_params_json(get(META_PARAMS)?)?;

        // Exactly the expected tensors: report extras first (sorted, so the
        // message does not depend on hash order), then missing ones.
        let dims = arch.layer_dims();
        let expected: Vec<(String, Vec<usize>)> = dims
            .iter()
            .enumerate()
            .flat_map(|(i, &(inputs, outputs))| {
                let name = arch.layer_name(i);
                [
                    (format!("{name}.weight"), vec![outputs, inputs]),
                    (format!("{name}.bias"), vec![outputs]),
                ]
            })
            .collect();
        let mut present: Vec<&str> = st.names();
        present.sort_unstable();
        if let Some(extra) = present
            .iter()
            .find(|n| !expected.iter().any(|(e, _)| e == *n))
        {
            return Err(LoadError::UnexpectedTensor((*extra).to_string()));
        }
        let mut tensors = Vec::with_capacity(expected.len());
        for (name, shape) in &expected {
            let view = st
                .tensor(name)
                .map_err(|_| LoadError::MissingTensor(name.clone()))?;
            tensors.push(read_f32(name, &view, shape)?);
        }
        let mut it = tensors.into_iter();
        let layers = dims
            .iter()
            .map(|_| Dense {
                weight: it.next().unwrap_or_default(),
                bias: it.next().unwrap_or_default(),
            })
            .collect();
        let mut decoder = Self::from_weights(arch, layers)?;
        decoder.metadata = meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        decoder.landmarks = parse_landmarks(&decoder.metadata);
        decoder.density = decoder
            .metadata
            .get(META_DENSITY)
            .and_then(|t| Density::from_json(t));
        Ok(decoder)
    }

    /// Writes the decoder as a safetensors file that
    /// [`Decoder::from_safetensors`] reads back bit for bit. `extra` adds
    /// metadata (seed, landmarks, …); the [`RESERVED_KEYS`] are written here
    /// and may not appear in it.
    pub fn to_safetensors(&self, extra: &BTreeMap<String, String>) -> Result<Vec<u8>, ExportError> {
        if let Some(k) = extra.keys().find(|k| RESERVED_KEYS.contains(&k.as_str())) {
            return Err(ExportError::ReservedKey(k.clone()));
        }
        let mut meta = extra.clone();
        meta.insert(META_FORMAT.into(), FORMAT_NAME.into());
        meta.insert(META_FORMAT_VERSION.into(), FORMAT_VERSION.to_string());
        meta.insert(META_ARCHITECTURE.into(), self.arch.to_json());
        meta.insert(META_PARAMS.into(), params_json());

        let dims = self.arch.layer_dims();
        let mut tensors: Vec<(String, Vec<usize>, &[f32])> = Vec::new();
        for (i, (layer, &(inputs, outputs))) in self.layers.iter().zip(&dims).enumerate() {
            let name = self.arch.layer_name(i);
            tensors.push((
                format!("{name}.weight"),
                vec![outputs, inputs],
                &layer.weight,
            ));
            tensors.push((format!("{name}.bias"), vec![outputs], &layer.bias));
        }
        Ok(serialize_sorted(&tensors, &meta))
    }

    /// The architecture.
    pub fn arch(&self) -> &Arch {
        &self.arch
    }

    /// The layers, hidden first, head last.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// All `__metadata__` entries of the file (empty for [`Decoder::from_weights`]).
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// The decoder compiled into this build ([`EMBEDDED_MODEL`]).
    pub fn embedded() -> Self {
        // A unit test loads the embedded bytes, so this cannot fail in a
        // build whose tests pass.
        Self::from_safetensors(EMBEDDED_MODEL).expect("the embedded decoder is valid")
    }

    /// The landmark `name` plays: the model's own of that name, else, for a
    /// name in [`RETIRED_LANDMARKS`], its replacement's.
    pub fn find_landmark(&self, name: &str) -> Option<&Landmark> {
        self.landmark(name).or_else(|| {
            RETIRED_LANDMARKS
                .iter()
                .find(|(old, _)| *old == name)
                .and_then(|(_, new)| self.landmark(new))
        })
    }

    /// Where the training rows sit on the pad, if the file says
    /// (a malformed entry counts as none: the pad is then not shaded).
    pub fn density(&self) -> Option<&Density> {
        self.density.as_ref()
    }

    /// The landmarks in the file's metadata, sorted by name. Entries that
    /// are not `{"x": number, "y": number, "count": integer}` with a finite
    /// position are skipped; a file without landmarks has none.
    pub fn landmarks(&self) -> Vec<Landmark> {
        self.landmarks.clone()
    }

    /// The landmark called `name` (normalised descriptor, e.g. "warm"), if
    /// the model has one. Allocation-free, for the audio thread.
    pub fn landmark(&self, name: &str) -> Option<&Landmark> {
        self.landmarks.iter().find(|l| l.name == name)
    }

    /// Decodes a pad point to the 13 normalised parameters.
    ///
    /// Allocation-free, lock-free and deterministic; any `x`, `y` (NaN and
    /// ±∞ included) gives values in `[0, 1]`.
    pub fn decode_normalized(&self, x: f32, y: f32) -> [f32; NUM_PARAMS] {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present, checked just above.
            return unsafe { self.decode_avx2(x, y) };
        }
        self.decode_portable(x, y)
    }

    /// [`Decoder::decode_normalized`] compiled for AVX2: the same
    /// operations in the same order (no FMA), so the same bits, on wider
    /// registers.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn decode_avx2(&self, x: f32, y: f32) -> [f32; NUM_PARAMS] {
        self.decode_portable(x, y)
    }

    #[inline(always)]
    fn decode_portable(&self, x: f32, y: f32) -> [f32; NUM_PARAMS] {
        // Two activation buffers used in turn (swapping them would copy
        // 1 KiB each way per layer).
        let mut bufs = [[0.0f32; MAX_HIDDEN_WIDTH]; 2];
        bufs[0][0] = sanitize_latent(x);
        bufs[0][1] = sanitize_latent(y);
        let mut width = LATENT_DIM;
        let mut cur = 0;
        let last = self.layers.len() - 1;
        for (layer, wt) in self.layers[..last].iter().zip(&self.transposed) {
            let outputs = layer.bias.len();
            let [a, b] = &mut bufs;
            let (input, output) = if cur == 0 { (a, b) } else { (b, a) };
            dense(wt, &layer.bias, &input[..width], &mut output[..outputs]);
            for v in &mut output[..outputs] {
                *v = tanh_fast(*v);
            }
            cur ^= 1;
            width = outputs;
        }
        let mut z = [0.0f32; NUM_PARAMS];
        dense(
            &self.transposed[last],
            &self.layers[last].bias,
            &bufs[cur][..width],
            &mut z,
        );
        let mut out = [0.0f32; NUM_PARAMS];
        for i in 0..NUM_PARAMS {
            let u = match head_kind(i) {
                HeadKind::Gain => z[i].tanh() * 0.5 + 0.5,
                HeadKind::LogSigmoid => sigmoid(z[i]),
            };
            out[i] = if u.is_nan() {
                self.neutral[i]
            } else {
                u.clamp(0.0, 1.0)
            };
        }
        out
    }

    /// Decodes a pad point to normalised and plain parameters; see
    /// [`Decoder::decode_normalized`]. Allocation-free.
    pub fn decode(&self, x: f32, y: f32) -> DecodedEq {
        let normalized = self.decode_normalized(x, y);
        let params = EqParams::from_normalized(&normalized.map(f64::from));
        DecodedEq { normalized, params }
    }
}

/// Where the training rows sit on the pad: a coarse `n × n` grid of
/// counts over `[-1, 1]²`, row-major from `(−1, −1)` (`counts[iy·n + ix]`).
/// The editor shades the pad with it: light where engineers' settings
/// are, dark where the model extrapolates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Density {
    /// Cells per side.
    pub n: usize,
    /// Rows per cell.
    pub counts: Vec<u32>,
}

impl Density {
    /// Most cells per side a file may hold (a 64² grid is 4096 numbers).
    pub const MAX_N: usize = 64;

    /// The cell of a pad coordinate (clamped to the pad).
    pub fn cell(v: f32, n: usize) -> usize {
        let t = ((v.clamp(-1.0, 1.0) + 1.0) * 0.5 * n as f32) as usize;
        t.min(n - 1)
    }

    /// Counts of `points` (pad coordinates; NaN counts nowhere) on an
    /// `n × n` grid, `n` clamped to `1..=MAX_N`.
    pub fn from_points(points: impl IntoIterator<Item = (f32, f32)>, n: usize) -> Self {
        let n = n.clamp(1, Self::MAX_N);
        let mut counts = vec![0u32; n * n];
        for (x, y) in points {
            if x.is_finite() && y.is_finite() {
                counts[Self::cell(y, n) * n + Self::cell(x, n)] += 1;
            }
        }
        Self { n, counts }
    }

    /// Rows in the cell of `(x, y)` over the fullest cell's: 0 to 1.
    pub fn at(&self, x: f32, y: f32) -> f32 {
        let max = self.counts.iter().copied().max().unwrap_or(0);
        if max == 0 {
            return 0.0;
        }
        let c = self.counts[Self::cell(y, self.n) * self.n + Self::cell(x, self.n)];
        c as f32 / max as f32
    }

    /// `{"n": n, "counts": [...]}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "n": self.n, "counts": self.counts }).to_string()
    }

    /// The inverse of [`Density::to_json`]; `None` unless the grid is
    /// whole (`n` in `1..=MAX_N`, `n²` counts).
    pub fn from_json(text: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let n = usize::try_from(v.get("n")?.as_u64()?).ok()?;
        if !(1..=Self::MAX_N).contains(&n) {
            return None;
        }
        let counts = v
            .get("counts")?
            .as_array()?
            .iter()
            .map(|c| c.as_u64().and_then(|c| u32::try_from(c).ok()))
            .collect::<Option<Vec<u32>>>()?;
        (counts.len() == n * n).then_some(Self { n, counts })
    }
}

/// See [`Decoder::landmarks`].
fn parse_landmarks(metadata: &BTreeMap<String, String>) -> Vec<Landmark> {
    let Some(text) = metadata.get(META_LANDMARKS) else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) else {
        return Vec::new();
    };
    let mut out: Vec<Landmark> = map
        .iter()
        .filter_map(|(name, v)| {
            let x = v.get("x")?.as_f64()? as f32;
            let y = v.get("y")?.as_f64()? as f32;
            let count = usize::try_from(v.get("count")?.as_u64()?).ok()?;
            (x.is_finite() && y.is_finite()).then(|| Landmark {
                name: name.clone(),
                x,
                y,
                count,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// `tanh` as a branch-free rational function that vectorises (the
/// hidden layers' 64-128 `tanhf` calls were most of a decode). The
/// approximation is the minimax one used by Eigen's `ptanh_float`; its error
/// against `f64::tanh` is below 5e-7 over all of f32 (tested), far inside the
/// 1e-5 parity budget with candle.
#[inline(always)]
pub fn tanh_fast(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const A1: f32 = 4.893_524_6e-3;
    const A3: f32 = 6.372_619_3e-4;
    const A5: f32 = 1.485_722_4e-5;
    const A7: f32 = 5.122_297e-8;
    const A9: f32 = -8.604_672e-11;
    const A11: f32 = 2.000_188e-13;
    const A13: f32 = -2.760_768_5e-16;
    const B0: f32 = 4.893_525e-3;
    const B2: f32 = 2.268_434_6e-3;
    const B4: f32 = 1.185_347_1e-4;
    const B6: f32 = 1.198_258_4e-6;
    // NaN stays NaN (min/max would turn it into a bound).
    let c = if x.is_nan() {
        x
    } else {
        x.clamp(-CLAMP, CLAMP)
    };
    let x2 = c * c;
    let mut p = x2 * A13 + A11;
    p = p * x2 + A9;
    p = p * x2 + A7;
    p = p * x2 + A5;
    p = p * x2 + A3;
    p = p * x2 + A1;
    p *= c;
    let mut q = x2 * B6 + B4;
    q = q * x2 + B2;
    q = q * x2 + B0;
    // Near 0 the rational form loses relative precision; tanh(x) = x there.
    if c.abs() < 4e-4 { c } else { p / q }
}

/// `out[j] = (Σᵢ x[i]·W[j][i]) + b[j]`, the sum over `i` in increasing
/// order and the bias added last, like candle's `matmul` then
/// `broadcast_add`. `wt` is `W` transposed (`[inputs][outputs]`): the loop
/// over `i` is outside, so the `outputs` accumulators are independent and
/// the inner loop vectorises; each output's arithmetic is unchanged.
#[inline]
fn dense(wt: &[f32], bias: &[f32], x: &[f32], out: &mut [f32]) {
    if let Ok(out64) = <&mut [f32; 64]>::try_from(&mut *out) {
        return dense_fixed(wt, bias, x, out64);
    }
    out.fill(0.0);
    for (xi, row) in x.iter().zip(wt.chunks_exact(out.len())) {
        for (o, w) in out.iter_mut().zip(row) {
            *o += xi * w;
        }
    }
    for (o, b) in out.iter_mut().zip(bias) {
        *o += b;
    }
}

/// [`dense`] for a width known at compile time (64, the shipped models'),
/// so the accumulators stay in registers; the same arithmetic in the same
/// order.
#[inline(always)]
fn dense_fixed<const N: usize>(wt: &[f32], bias: &[f32], x: &[f32], out: &mut [f32; N]) {
    let mut acc = [0.0f32; N];
    for (xi, row) in x.iter().zip(wt.chunks_exact(N)) {
        let row: &[f32; N] = row.try_into().expect("chunks_exact gives N");
        for (o, w) in acc.iter_mut().zip(row) {
            *o += xi * w;
        }
    }
    for ((o, a), b) in out.iter_mut().zip(acc).zip(bias) {
        *o = a + b;
    }
}

fn check_len(name: &str, data: &[f32], shape: &[usize]) -> Result<(), LoadError> {
    let n: usize = shape.iter().product();
    if data.len() != n {
        return Err(LoadError::WrongShape {
            name: name.to_string(),
            expected: shape.to_vec(),
            found: vec![data.len()],
        });
    }
    if let Some((index, &value)) = data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(LoadError::NotFinite {
            name: name.to_string(),
            index,
            value,
        });
    }
    Ok(())
}

fn read_f32(name: &str, view: &TensorView<'_>, shape: &[usize]) -> Result<Vec<f32>, LoadError> {
    if view.dtype() != Dtype::F32 {
        return Err(LoadError::WrongDtype {
            name: name.to_string(),
            dtype: format!("{:?}", view.dtype()),
        });
    }
    if view.shape() != shape {
        return Err(LoadError::WrongShape {
            name: name.to_string(),
            expected: shape.to_vec(),
            found: view.shape().to_vec(),
        });
    }
    // safetensors has already checked data length = product(shape)·4.
    let data: Vec<f32> = view
        .data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    check_len(name, &data, shape)?;
    Ok(data)
}

/// Writes a safetensors file byte-for-byte deterministically: the
/// `safetensors` crate's own writer emits the metadata map in hash order, so
/// two exports of the same model would differ. Layout (the safetensors
/// format): u64 LE header length, the JSON header padded with spaces to a
/// multiple of 8, then the tensors' little-endian data in the given order.
fn serialize_sorted(
    tensors: &[(String, Vec<usize>, &[f32])],
    meta: &BTreeMap<String, String>,
) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), json!(meta));
    let mut offset = 0usize;
    for (name, shape, data) in tensors {
        let end = offset + data.len() * 4;
        header.insert(
            name.clone(),
            json!({ "dtype": "F32", "shape": shape, "data_offsets": [offset, end] }),
        );
        offset = end;
    }
    let mut text = Value::Object(header).to_string().into_bytes();
    text.resize(text.len().div_ceil(8) * 8, b' ');
    let mut out = Vec::with_capacity(8 + text.len() + offset);
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    for (_, _, data) in tensors {
        out.extend(data.iter().flat_map(|x| x.to_le_bytes()));
    }
    out
}

#[cfg(test)]
mod tests;
