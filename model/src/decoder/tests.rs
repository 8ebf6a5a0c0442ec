use super::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_decoder(arch: Arch, rng: &mut ChaCha8Rng, scale: f32) -> Decoder {
    let layers = arch
        .layer_dims()
        .iter()
        .map(|&(i, o)| Dense {
            weight: (0..i * o)
                .map(|_| rng.random_range(-1.0f32..1.0) * scale)
                .collect(),
            bias: (0..o)
                .map(|_| rng.random_range(-1.0f32..1.0) * scale)
                .collect(),
        })
        .collect();
    Decoder::from_weights(arch, layers).unwrap()
}

/// Every weight drawn from a set of extreme finite values.
fn extreme_decoder(arch: Arch, rng: &mut ChaCha8Rng) -> Decoder {
    const V: [f32; 9] = [
        f32::MAX,
        -f32::MAX,
        1e30,
        -1e30,
        f32::MIN_POSITIVE,
        0.0,
        -0.0,
        1e-40, // subnormal
        3.0,
    ];
    let mut pick = || V[rng.random_range(0..V.len())];
    let layers = arch
        .layer_dims()
        .iter()
        .map(|&(i, o)| Dense {
            weight: (0..i * o).map(|_| pick()).collect(),
            bias: (0..o).map(|_| pick()).collect(),
        })
        .collect();
    Decoder::from_weights(arch, layers).unwrap()
}

fn assert_valid(d: &Decoder, x: f32, y: f32) {
    let out = d.decode(x, y);
    for (i, u) in out.normalized.iter().enumerate() {
        assert!(
            (0.0..=1.0).contains(u),
            "param {i} normalised {u} at ({x}, {y})"
        );
    }
    if let Err(e) = out.params.validate() {
        panic!("invalid EQ at ({x}, {y}): {e}");
    }
}

const SPECIAL: [f32; 16] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    1e30,
    -1e30,
    f32::MAX,
    -f32::MAX,
    LATENT_BOX,
    -LATENT_BOX,
    1.0,
    -1.0,
    0.0,
    -0.0,
    1.5,
    -1.5,
    f32::MIN_POSITIVE,
];

#[test]
fn a_million_latents_decode_to_valid_eqs() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let archs = [
        Arch::default(),
        Arch::new(vec![3]).unwrap(),
        Arch::new(vec![32, 32]).unwrap(),
        Arch::new(vec![MAX_HIDDEN_WIDTH, 8, 8, 8]).unwrap(),
    ];
    let mut decoders = Vec::new();
    for arch in &archs {
        for scale in [0.3f32, 3.0, 1e3, 1e20] {
            decoders.push(random_decoder(arch.clone(), &mut rng, scale));
        }
        for _ in 0..4 {
            decoders.push(extreme_decoder(arch.clone(), &mut rng));
        }
    }
    let mut count = 0usize;
    // Every pair of special values, on every decoder.
    for d in &decoders {
        for &x in &SPECIAL {
            for &y in &SPECIAL {
                assert_valid(d, x, y);
                count += 1;
            }
        }
    }
    // Random latents: inside the box, far outside, and at random magnitudes.
    while count < 1_000_000 {
        let d = &decoders[rng.random_range(0..decoders.len())];
        let mut draw = || match rng.random_range(0..4) {
            0 => rng.random_range(-3.0f32..3.0),
            1 => rng.random_range(-1.0f32..1.0) * 10f32.powi(rng.random_range(-38..38)),
            2 => SPECIAL[rng.random_range(0..SPECIAL.len())],
            _ => f32::from_bits(rng.random::<u32>()), // any bit pattern, NaNs included
        };
        let (x, y) = (draw(), draw());
        assert_valid(d, x, y);
        count += 1;
    }
}

#[test]
fn input_is_sanitised_to_the_box() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let d = random_decoder(Arch::default(), &mut rng, 2.0);
    let same = |a: (f32, f32), b: (f32, f32)| {
        assert_eq!(d.decode_normalized(a.0, a.1), d.decode_normalized(b.0, b.1));
    };
    same((f32::NAN, 0.3), (0.0, 0.3));
    same((0.3, f32::NAN), (0.3, 0.0));
    same((f32::INFINITY, f32::NEG_INFINITY), (2.0, -2.0));
    same((1e30, -7.0), (2.0, -2.0));
    same((2.0000002, 0.5), (2.0, 0.5));
    assert_ne!(
        d.decode_normalized(1.99, 0.5),
        d.decode_normalized(2.0, 0.5)
    );
    assert_eq!(sanitize_latent(-0.0), -0.0);
    assert_eq!(sanitize_latent(1.25), 1.25);
}

#[test]
fn heads_follow_their_formulas() {
    // Head weights zero, so the head outputs z equal the head biases.
    let arch = Arch::new(vec![4]).unwrap();
    for z in [-30.0f32, -3.0, -0.5, 0.0, 0.7, 4.0, 30.0] {
        let layers = arch
            .layer_dims()
            .iter()
            .enumerate()
            .map(|(l, &(i, o))| Dense {
                weight: vec![0.0; i * o],
                bias: vec![if l == 1 { z } else { 0.0 }; o],
            })
            .collect();
        let d = Decoder::from_weights(arch.clone(), layers).unwrap();
        let out = d.decode(0.3, -0.2);
        let p = out.params.to_array();
        let s = 1.0 / (1.0 + (-(z as f64)).exp());
        for (i, spec) in PARAMS.iter().enumerate() {
            let (want_u, want_plain) = match head_kind(i) {
                HeadKind::Gain => (0.5 * (z as f64).tanh() + 0.5, 12.0 * (z as f64).tanh()),
                HeadKind::LogSigmoid => {
                    let (lo, hi) = (spec.min.ln(), spec.max.ln());
                    (s, (lo + (hi - lo) * s).exp())
                }
            };
            assert!(
                (out.normalized[i] as f64 - want_u).abs() < 1e-6,
                "{} z={z}",
                spec.name
            );
            assert!(
                (p[i] - want_plain).abs() <= 1e-5 * want_plain.abs().max(1.0),
                "{} z={z}: {} vs {want_plain}",
                spec.name,
                p[i]
            );
        }
    }
    // z = 0 is the centre of every range: 0 dB, geometric-mean frequency, Q = 1.
    let arch = Arch::default();
    let zero = arch
        .layer_dims()
        .iter()
        .map(|&(i, o)| Dense {
            weight: vec![0.0; i * o],
            bias: vec![0.0; o],
        })
        .collect();
    let d = Decoder::from_weights(arch, zero).unwrap();
    let p = d.decode(0.0, 0.0).params;
    assert_eq!(p.ls_gain_db, 0.0);
    assert!((p.b2_q - 1.0).abs() < 1e-12);
    assert!((p.hs_freq_hz - (580.0f64 * 20000.0).sqrt()).abs() < 1e-6);
}

#[test]
fn nan_inside_the_network_falls_back_to_neutral() {
    // Finite weights [MAX, −MAX] on the latent (2, 2) give ∞ + (−∞) = NaN
    // in the hidden layer, and NaN reaches every head.
    let arch = Arch::new(vec![2]).unwrap();
    let layers = vec![
        Dense {
            weight: vec![f32::MAX, -f32::MAX, f32::MAX, -f32::MAX],
            bias: vec![0.0, 0.0],
        },
        Dense {
            weight: vec![1.0; 2 * NUM_PARAMS],
            bias: vec![0.0; NUM_PARAMS],
        },
    ];
    let d = Decoder::from_weights(arch, layers).unwrap();
    let out = d.decode(2.0, 2.0);
    let neutral = EqParams::default();
    for (got, want) in out.params.to_array().iter().zip(neutral.to_array()) {
        assert!(
            (got - want).abs() <= 1e-4 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
    out.params.validate().unwrap();
    // Away from the overflow the same network is ordinary.
    assert_ne!(d.decode(0.5, 0.5).normalized, out.normalized);
}

#[test]
fn arch_json_round_trips_and_is_checked() {
    for hidden in [vec![64], vec![32, 32], vec![1, 256, 7, 3]] {
        let a = Arch::new(hidden).unwrap();
        assert_eq!(Arch::from_json(&a.to_json()).unwrap(), a);
    }
    assert_eq!(
        Arch::default().parameter_count(),
        2 * 64 + 64 + 64 * 13 + 13
    );
    for bad in [
        vec![],
        vec![0],
        vec![MAX_HIDDEN_WIDTH + 1],
        vec![8, 8, 8, 8, 8],
    ] {
        assert!(matches!(Arch::new(bad), Err(LoadError::BadArchitecture(_))));
    }
}

// ---------------------------------------------------------------------------
// Loader: every failure is a specific error, no bytes panic.

fn good_file() -> (Decoder, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let d = random_decoder(Arch::new(vec![8, 6]).unwrap(), &mut rng, 1.0);
    let mut extra = BTreeMap::new();
    extra.insert(META_SEED.to_string(), "42".to_string());
    extra.insert(
        META_LANDMARKS.to_string(),
        r#"{"warm":[-0.6,0.1]}"#.to_string(),
    );
    let bytes = d.to_safetensors(&extra).unwrap();
    (d, bytes)
}

/// A raw tensor: name, dtype, shape, little-endian bytes.
type RawTensor = (String, Dtype, Vec<usize>, Vec<u8>);

/// The good file's tensors and metadata, for building variants.
fn parts(bytes: &[u8]) -> (Vec<RawTensor>, HashMap<String, String>) {
    let st = SafeTensors::deserialize(bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(bytes).unwrap();
    let mut tensors: Vec<_> = st
        .tensors()
        .into_iter()
        .map(|(n, v)| (n, v.dtype(), v.shape().to_vec(), v.data().to_vec()))
        .collect();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    (tensors, header.metadata().clone().unwrap())
}

fn build(tensors: &[RawTensor], meta: Option<HashMap<String, String>>) -> Vec<u8> {
    let views: Vec<_> = tensors
        .iter()
        .map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    safetensors::serialize(views, meta).unwrap()
}

fn load_err(bytes: &[u8]) -> LoadError {
    match Decoder::from_safetensors(bytes) {
        Ok(_) => panic!("file was accepted"),
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "multi-line message: {msg}");
            e
        }
    }
}

fn with_meta(key: &str, value: Option<&str>) -> Vec<u8> {
    let (t, mut m) = parts(&good_file().1);
    match value {
        Some(v) => m.insert(key.to_string(), v.to_string()),
        None => m.remove(key),
    };
    build(&t, Some(m))
}

#[test]
fn round_trip_is_exact_and_keeps_metadata() {
    let (d, bytes) = good_file();
    // Deterministic bytes: the metadata is written in key order.
    assert!(good_file().1 == bytes);
    assert_eq!(bytes.len() % 4, 0);
    let back = Decoder::from_safetensors(&bytes).unwrap();
    assert_eq!(back.arch(), d.arch());
    assert_eq!(back.layers(), d.layers());
    assert_eq!(back.metadata()[META_SEED], "42");
    assert_eq!(back.metadata()[META_FORMAT_VERSION], "1");
    assert!(back.metadata()[META_LANDMARKS].contains("warm"));
    for (x, y) in [(0.0, 0.0), (-1.0, 0.5), (2.0, -2.0)] {
        assert_eq!(back.decode(x, y), d.decode(x, y));
    }
    // The exporter refuses to let callers overwrite what it writes.
    let mut extra = BTreeMap::new();
    extra.insert(META_ARCHITECTURE.to_string(), "{}".to_string());
    assert!(matches!(
        d.to_safetensors(&extra),
        Err(ExportError::ReservedKey(k)) if k == META_ARCHITECTURE
    ));
}

#[test]
fn truncated_and_garbled_headers_are_rejected() {
    let (_, bytes) = good_file();
    assert!(matches!(
        load_err(&[]),
        LoadError::Safetensors(SafeTensorError::HeaderTooSmall)
    ));
    assert!(matches!(
        load_err(&bytes[..7]),
        LoadError::Safetensors(SafeTensorError::HeaderTooSmall)
    ));
    // Every truncation is an error, never a panic.
    for len in 0..bytes.len() {
        let e = load_err(&bytes[..len]);
        assert!(matches!(e, LoadError::Safetensors(_)), "len {len}: {e}");
    }
    // Cut inside the tensor data: the header promises more bytes.
    assert!(matches!(
        load_err(&bytes[..bytes.len() - 4]),
        LoadError::Safetensors(SafeTensorError::MetadataIncompleteBuffer)
    ));
    // One byte too many.
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        load_err(&long),
        LoadError::Safetensors(SafeTensorError::MetadataIncompleteBuffer)
    ));
    // Huge header lengths.
    for n in [u64::MAX, 1 << 40, 100_000_001] {
        let mut b = n.to_le_bytes().to_vec();
        b.extend_from_slice(&bytes[8..]);
        assert!(
            matches!(
                load_err(&b),
                LoadError::Safetensors(SafeTensorError::HeaderTooLarge)
            ),
            "{n}"
        );
    }
    let mut b = 99_999_999u64.to_le_bytes().to_vec();
    b.extend_from_slice(&bytes[8..]);
    assert!(matches!(
        load_err(&b),
        LoadError::Safetensors(SafeTensorError::InvalidHeaderLength)
    ));
    // A header that is not JSON / not UTF-8.
    let mut b = 4u64.to_le_bytes().to_vec();
    b.extend_from_slice(b"{{{{");
    assert!(matches!(
        load_err(&b),
        LoadError::Safetensors(SafeTensorError::InvalidHeaderDeserialization(_))
    ));
    let mut b = 2u64.to_le_bytes().to_vec();
    b.extend_from_slice(&[0xff, 0xfe]);
    assert!(matches!(
        load_err(&b),
        LoadError::Safetensors(SafeTensorError::InvalidHeader(_))
    ));
}

#[test]
fn random_corruption_never_panics() {
    let (_, bytes) = good_file();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for _ in 0..20_000 {
        let mut b = bytes.clone();
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..b.len());
            b[i] = rng.random();
        }
        // Accepting is fine (a flipped weight bit is still a finite weight);
        // an accepted file must still decode validly.
        if let Ok(d) = Decoder::from_safetensors(&b) {
            assert_valid(&d, 0.5, -0.5);
        }
    }
    for len in [0usize, 1, 8, 9, 100, 1000] {
        let b: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        let _ = Decoder::from_safetensors(&b);
    }
}

#[test]
fn tensor_problems_are_named() {
    let (_, bytes) = good_file();
    let (t, m) = parts(&bytes);

    // Wrong dtype: the same bytes reinterpreted as I32.
    let mut v = t.clone();
    v[0].1 = Dtype::I32;
    let name0 = v[0].0.clone();
    match load_err(&build(&v, Some(m.clone()))) {
        LoadError::WrongDtype { name, dtype } => {
            assert_eq!(name, name0);
            assert_eq!(dtype, "I32");
        }
        e => panic!("{e}"),
    }
    // Wrong dtype with a different size: F64.
    let mut v = t.clone();
    let n: usize = v[1].2.iter().product();
    v[1].1 = Dtype::F64;
    v[1].3 = vec![0; n * 8];
    assert!(matches!(
        load_err(&build(&v, Some(m.clone()))),
        LoadError::WrongDtype { .. }
    ));

    // Wrong shape: the head weight transposed.
    let mut v = t.clone();
    let head = v.iter_mut().find(|x| x.0 == "decoder.head.weight").unwrap();
    head.2.reverse();
    match load_err(&build(&v, Some(m.clone()))) {
        LoadError::WrongShape {
            name,
            expected,
            found,
        } => {
            assert_eq!(name, "decoder.head.weight");
            assert_eq!(expected, vec![13, 6]);
            assert_eq!(found, vec![6, 13]);
        }
        e => panic!("{e}"),
    }

    // Missing tensor.
    let v: Vec<_> = t
        .iter()
        .filter(|x| x.0 != "decoder.h1.bias")
        .cloned()
        .collect();
    assert!(matches!(
        load_err(&build(&v, Some(m.clone()))),
        LoadError::MissingTensor(n) if n == "decoder.h1.bias"
    ));

    // Extra tensor (e.g. an encoder left in the file).
    let mut v = t.clone();
    v.push((
        "encoder.h0.bias".into(),
        Dtype::F32,
        vec![1],
        vec![0, 0, 0, 0],
    ));
    assert!(matches!(
        load_err(&build(&v, Some(m.clone()))),
        LoadError::UnexpectedTensor(n) if n == "encoder.h0.bias"
    ));

    // Non-finite weights.
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut v = t.clone();
        let b = v.iter_mut().find(|x| x.0 == "decoder.h0.weight").unwrap();
        b.3[8..12].copy_from_slice(&bad.to_le_bytes());
        match load_err(&build(&v, Some(m.clone()))) {
            LoadError::NotFinite { name, index, .. } => {
                assert_eq!(name, "decoder.h0.weight");
                assert_eq!(index, 2);
            }
            e => panic!("{e}"),
        }
    }
}

#[test]
fn metadata_problems_are_named() {
    let (_, bytes) = good_file();
    let (t, _) = parts(&bytes);
    assert!(matches!(
        load_err(&build(&t, None)),
        LoadError::MissingMetadata
    ));
    for key in [
        META_FORMAT,
        META_FORMAT_VERSION,
        META_ARCHITECTURE,
        META_PARAMS,
    ] {
        assert!(
            matches!(load_err(&with_meta(key, None)), LoadError::MissingKey(k) if k == key),
            "{key}"
        );
    }
    assert!(matches!(
        load_err(&with_meta(META_FORMAT, Some("pytorch"))),
        LoadError::WrongFormat(f) if f == "pytorch"
    ));
    for v in ["", "one", "1.0", "-1"] {
        assert!(
            matches!(
                load_err(&with_meta(META_FORMAT_VERSION, Some(v))),
                LoadError::BadVersion(_)
            ),
            "{v}"
        );
    }
    for v in ["0", "2", "18446744073709551615"] {
        assert!(
            matches!(
                load_err(&with_meta(META_FORMAT_VERSION, Some(v))),
                LoadError::UnsupportedVersion { supported: 1, .. }
            ),
            "{v}"
        );
    }
    let good_arch = Arch::new(vec![8, 6]).unwrap().to_json();
    let bad_archs = [
        "not json".to_string(),
        "[64]".to_string(),
        good_arch.replace("\"tanh\"", "\"relu\""),
        good_arch.replace("\"latent\":2", "\"latent\":3"),
        good_arch.replace("\"outputs\":13", "\"outputs\":12"),
        good_arch.replace("\"input_box\":2.0", "\"input_box\":1.0"),
        good_arch.replace("[8,6]", "[8,-6]"),
        good_arch.replace("[8,6]", "[8,1000]"),
        good_arch.replace("[8,6]", "[]"),
        good_arch.replace("\"latent\":2,", ""),
        good_arch.replace("\"latent\":2", "\"latent\":2,\"dropout\":0.1"),
        good_arch.replace("gain=12", "gain=24"),
    ];
    for a in &bad_archs {
        assert_ne!(a, &good_arch);
        assert!(
            matches!(
                load_err(&with_meta(META_ARCHITECTURE, Some(a))),
                LoadError::BadArchitecture(_)
            ),
            "{a}"
        );
    }
    // A valid architecture that does not match the tensors.
    let other = Arch::new(vec![8, 7]).unwrap().to_json();
    assert!(matches!(
        load_err(&with_meta(META_ARCHITECTURE, Some(&other))),
        LoadError::WrongShape { .. }
    ));
    let params = params_json();
    for p in [
        "x".to_string(),
        "{}".to_string(),
        params.replace("20000.0", "22000.0"),
        params.replace("\"log\"", "\"linear\""),
        params.replace("hs_freq_hz", "hs_freq"),
        params.replacen("{", "", 1),
    ] {
        let e = load_err(&with_meta(META_PARAMS, Some(&p)));
        assert!(matches!(e, LoadError::ParamsMismatch(_)), "{p}: {e}");
    }
    let e = load_err(&with_meta(
        META_PARAMS,
        Some(&params.replace("20000.0", "22000.0")),
    ));
    assert!(e.to_string().contains("hs_freq_hz"), "{e}");
    // Unknown extra keys are carried, not rejected.
    let ok = with_meta("future_key", Some("anything"));
    assert_eq!(
        Decoder::from_safetensors(&ok).unwrap().metadata()["future_key"],
        "anything"
    );
}

#[test]
fn the_embedded_model_loads_and_names_warm_and_bright_on_opposite_sides() {
    let d = Decoder::embedded();
    let marks = d.landmarks();
    let find = |n: &str| marks.iter().find(|m| m.name == n).unwrap().clone();
    let (warm, bright) = (find("warm"), find("bright"));
    assert!(warm.x < 0.0 && bright.x > 0.0, "{warm:?} {bright:?}");
    assert!(warm.count >= 5 && bright.count >= 5);
    assert!(marks.windows(2).all(|w| w[0].name < w[1].name));
    assert!(marks.iter().all(|m| m.count >= 5));
}

#[test]
fn malformed_landmarks_are_skipped_not_fatal() {
    let arch = Arch::default();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let d = random_decoder(arch, &mut rng, 0.1);
    let mut extra = BTreeMap::new();
    extra.insert(
        META_LANDMARKS.to_string(),
        r#"{"ok":{"x":0.5,"y":-0.25,"count":7},"nox":{"y":1,"count":5},"neg":{"x":1,"y":1,"count":-3},"txt":"warm"}"#
            .to_string(),
    );
    let bytes = d.to_safetensors(&extra).unwrap();
    let loaded = Decoder::from_safetensors(&bytes).unwrap();
    assert_eq!(
        loaded.landmarks(),
        vec![Landmark {
            name: "ok".into(),
            x: 0.5,
            y: -0.25,
            count: 7
        }]
    );
    extra.insert(META_LANDMARKS.to_string(), "not json".into());
    let bytes = d.to_safetensors(&extra).unwrap();
    assert!(
        Decoder::from_safetensors(&bytes)
            .unwrap()
            .landmarks()
            .is_empty()
    );
}

#[test]
fn tanh_fast_is_within_5e_7_of_tanh_everywhere() {
    let mut worst = 0.0f64;
    let mut x = -20.0f32;
    while x <= 20.0 {
        let e = (f64::from(tanh_fast(x)) - f64::from(x).tanh()).abs();
        worst = worst.max(e);
        x += 1.0 / 4096.0;
    }
    for x in [
        0.0f32,
        -0.0,
        1e-30,
        -1e-30,
        3.9e-4,
        4.1e-4,
        f32::MAX,
        f32::MIN,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ] {
        let e = (f64::from(tanh_fast(x)) - f64::from(x).tanh()).abs();
        worst = worst.max(e);
    }
    assert!(worst < 5e-7, "{worst:e}");
    assert!(tanh_fast(f32::NAN).is_nan());
}

#[test]
fn every_cpu_path_decodes_the_same_bits() {
    let d = Decoder::embedded();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..10_000 {
        let (x, y) = (
            rng.random_range(-2.5f32..2.5),
            rng.random_range(-2.5f32..2.5),
        );
        let portable = d.decode_portable(x, y);
        assert_eq!(
            portable.map(f32::to_bits),
            d.decode_normalized(x, y).map(f32::to_bits)
        );
    }
}

#[test]
fn density_counts_round_trips_and_malformed_is_none() {
    // Cells by hand on a 4 × 4 grid: x = −1 is column 0, +1 the last.
    let pts = [
        (-1.0, -1.0),
        (-0.99, -0.9),
        (1.0, 1.0),
        (0.1, -0.6),
        (f32::NAN, 0.0),
    ];
    let d = Density::from_points(pts, 4);
    let mut want = vec![0u32; 16];
    want[0] = 2; // both in the (−1, −1) corner cell
    want[15] = 1; // (1, 1) clamps into the last cell
    want[2] = 1; // y −0.6 is row 0 (cells of 0.5), x 0.1 column 2
    assert_eq!(d.counts, want);
    assert_eq!(d.at(-1.0, -1.0), 1.0);
    assert_eq!(d.at(0.9, 0.9), 0.5);
    assert_eq!(d.at(0.0, 0.9), 0.0);
    assert_eq!(Density::from_json(&d.to_json()), Some(d.clone()));
    // Through a model file.
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let dec = random_decoder(Arch::default(), &mut rng, 0.1);
    let mut extra = BTreeMap::new();
    extra.insert(META_DENSITY.to_string(), d.to_json());
    let loaded = Decoder::from_safetensors(&dec.to_safetensors(&extra).unwrap()).unwrap();
    assert_eq!(loaded.density(), Some(&d));
    // Malformed entries load as no density (the pad is just not shaded).
    for bad in [
        "not json",
        r#"{"n":4,"counts":[1,2]}"#,
        r#"{"n":0,"counts":[]}"#,
        r#"{"n":65,"counts":[]}"#,
        r#"{"n":1,"counts":[-1]}"#,
        r#"{"n":1,"counts":[4294967296]}"#,
    ] {
        extra.insert(META_DENSITY.to_string(), bad.to_string());
        let loaded = Decoder::from_safetensors(&dec.to_safetensors(&extra).unwrap()).unwrap();
        assert_eq!(loaded.density(), None, "{bad}");
    }
    assert_eq!(
        Decoder::from_safetensors(&dec.to_safetensors(&BTreeMap::new()).unwrap())
            .unwrap()
            .density(),
        None
    );
}

#[test]
fn retired_landmarks_play_their_replacement() {
    let d = Decoder::embedded();
    for (old, new) in RETIRED_LANDMARKS {
        let want = d.landmark(new).expect("the replacement is shipped");
        assert_eq!(d.find_landmark(old), Some(want));
    }
    assert_eq!(d.find_landmark("warm"), d.landmark("warm"));
    assert_eq!(d.find_landmark("shiny"), None);
}
