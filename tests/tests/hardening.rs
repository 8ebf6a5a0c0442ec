//! Hardening of the built `Semantic EQ.clap` (issue 6), hosted by
//! clack-host: hostile plug-in states, bad model files, and a storm of a
//! million automation events.
//!
//! * States: garbage, every prefix of a valid state, wrong types, huge
//!   numbers, NaN/infinity spellings, unknown keys, deep nesting, an older
//!   state with only the first parameters, odd model fields. Loading must
//!   never crash the host: the plug-in either rejects the blob (and is then
//!   exactly as before) or accepts it, and afterwards it processes finite
//!   audio, and what it saves loads back into a fresh instance that saves
//!   the same bytes and sounds the same.
//! * Model files: every rejected file (truncated, wrong dtype, NaN or
//!   infinite weights, wrong shapes, missing or extra tensors, bad metadata,
//!   empty, a directory, a device, a FIFO, a huge file, a missing path)
//!   leaves the previous model playing: the output equals the output with
//!   the good model bit for bit, loaded before processing or mid-stream,
//!   and a saved state still names the good model.
//! * Stress: 10^6 random parameter events (every parameter, out-of-range,
//!   NaN and infinite values, random sample offsets) over 87 s of audio:
//!   finite, and bit-identical in realtime mode (mixed host block sizes)
//!   and offline mode.
//!
//! The state and model cases run in child processes (this test binary,
//! re-executed), so that a crash or a hang in the plug-in is reported as
//! the failure of the case that caused it; the runner then carries on with
//! the next case in a new child.

mod host;

use clack_extensions::render::{PluginRender, RenderMode};
use clack_extensions::state::PluginState;
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use host::{Host, params, process, process_with, workspace_root};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

// --- the bundle -----------------------------------------------------------------

/// The built plug-in, (re)built once per test run if missing or stale.
fn bundle() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(semantic_eq_tests::bundle::clap_bundle)
}

/// The plug-in under test: `$SEMANTIC_EQ_HARDENING_PLUGIN` if set (how a
/// child learns it from its parent; also a way to test another build),
/// else the bundle.
fn plugin_path() -> PathBuf {
    std::env::var_os(PLUGIN_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| bundle().to_path_buf())
}

fn entry() -> &'static PluginEntry {
    static ENTRY: OnceLock<PluginEntry> = OnceLock::new();
    // SAFETY: our own plug-in, built by this workspace.
    ENTRY.get_or_init(|| unsafe { PluginEntry::load(plugin_path()).expect("load the .clap") })
}

fn instance() -> PluginInstance<Host> {
    host::instance(entry())
}

// --- state helpers ------------------------------------------------------------------------

fn save(inst: &mut PluginInstance<Host>) -> Vec<u8> {
    let h = inst.plugin_handle();
    let ext: PluginState = h.get_extension().expect("state extension");
    let mut out = Vec::new();
    ext.save(&h, &mut out).expect("save");
    out
}

/// Loads `bytes`; whether the plug-in accepted them.
fn load(inst: &mut PluginInstance<Host>, bytes: &[u8]) -> bool {
    let h = inst.plugin_handle();
    let ext: PluginState = h.get_extension().expect("state extension");
    ext.load(&h, &mut Cursor::new(bytes)).is_ok()
}

/// nice-plug's CLAP state: an 8-byte little-endian length, then JSON.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn state_json(state: &[u8]) -> Value {
    serde_json::from_slice(&state[8..]).expect("state JSON")
}

fn state_of(v: &Value) -> Vec<u8> {
    framed(&serde_json::to_vec(v).unwrap())
}

/// A state naming `path` as the model (persisted fields are JSON strings).
fn with_model(v: &Value, path: &str) -> Value {
    let mut v = v.clone();
    v["fields"]["model"] = Value::String(serde_json::to_string(path).unwrap());
    v
}

/// Stereo noise at about −12 dBFS.
fn noise(frames: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..2)
        .map(|_| (0..frames).map(|_| rng.random_range(-0.25..0.25)).collect())
        .collect()
}

fn bits(a: &[Vec<f32>]) -> Vec<Vec<u32>> {
    a.iter()
        .map(|c| c.iter().map(|v| v.to_bits()).collect())
        .collect()
}

fn all_finite(a: &[Vec<f32>]) -> bool {
    a.iter().flatten().all(|v| v.is_finite())
}

// --- running cases in children ----------------------------------------------------------

const CHILD_ENV: &str = "SEMANTIC_EQ_HARDENING_CHILD";
const PLUGIN_ENV: &str = "SEMANTIC_EQ_HARDENING_PLUGIN";
/// A child that prints nothing for this long is hung.
const CHILD_DEADLINE: Duration = Duration::from_secs(120);

/// In a child: `Some(first case)` if this process is a child running the
/// cases of `test`.
fn child_start(test: &str) -> Option<usize> {
    let v = std::env::var(CHILD_ENV).ok()?;
    let (name, start) = v.split_once(':')?;
    (name == test).then(|| start.parse().expect("case index"))
}

/// A case run in a child: its label and the check, which returns a verdict
/// ("accepted", "rejected", …) or panics.
type ChildCase<'a> = (String, Box<dyn Fn() -> String + 'a>);

/// Runs the child side of `test` from case `start` on: prints `TOTAL n`,
/// then `START i label` and `OK i verdict` per case. A failing case panics
/// (or crashes) and ends the child.
fn child_run(start: usize, cases: &[ChildCase<'_>]) {
    eprintln!("TOTAL {}", cases.len());
    for (i, (label, case)) in cases.iter().enumerate().skip(start) {
        eprintln!("START {i} {label}");
        let verdict = case();
        eprintln!("OK {i} {verdict}");
    }
}

/// What the parent learnt from its children.
struct Outcome {
    total: usize,
    /// Verdict → count.
    verdicts: BTreeMap<String, usize>,
    /// (case, label, why).
    failures: Vec<(usize, String, String)>,
}

/// Runs `test`'s cases in children of this test binary, a new child after
/// each crash, hang or failed case.
fn run_in_children(test: &str) -> Outcome {
    let plugin = plugin_path();
    let mut outcome = Outcome {
        total: 0,
        verdicts: BTreeMap::new(),
        failures: Vec::new(),
    };
    let mut start = 0;
    loop {
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, format!("{test}:{start}"))
            .env(PLUGIN_ENV, &plugin)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run the child");
        let pid = child.id();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut current: Option<(usize, String)> = None;
        let mut log: Vec<String> = Vec::new();
        let mut hung = false;
        loop {
            match rx.recv_timeout(CHILD_DEADLINE) {
                Ok(line) => {
                    if let Some(n) = line.strip_prefix("TOTAL ") {
                        outcome.total = n.parse().unwrap();
                    } else if let Some(rest) = line.strip_prefix("START ") {
                        let (i, label) = rest.split_once(' ').unwrap_or((rest, ""));
                        current = Some((i.parse().unwrap(), label.to_string()));
                        log.clear();
                    } else if let Some(rest) = line.strip_prefix("OK ") {
                        let (_, verdict) = rest.split_once(' ').unwrap_or((rest, ""));
                        *outcome.verdicts.entry(verdict.to_string()).or_default() += 1;
                        current = None;
                    } else {
                        log.push(line);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    hung = true;
                    let _ = Command::new("kill")
                        .args(["-s", "KILL", &pid.to_string()])
                        .status();
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = child.wait().unwrap();
        let _ = reader.join();
        match current {
            None if status.success() => break,
            None => panic!(
                "the child failed outside any case ({status:?}):\n{}",
                log.join("\n")
            ),
            Some((i, label)) => {
                let why = if hung {
                    format!("hung (no progress for {CHILD_DEADLINE:?})")
                } else {
                    let tail: Vec<&str> = log
                        .iter()
                        .rev()
                        .take(12)
                        .rev()
                        .map(String::as_str)
                        .collect();
                    format!("{status:?}: {}", tail.join(" | "))
                };
                eprintln!("case {i} ({label}) FAILED: {why}");
                outcome.failures.push((i, label, why));
                start = i + 1;
                if start >= outcome.total {
                    break;
                }
            }
        }
    }
    outcome
}

fn assert_no_failures(group: &str, o: &Outcome) {
    let run: usize = o.verdicts.values().sum::<usize>() + o.failures.len();
    eprintln!(
        "[hardening] {group}: {run} of {} cases run, {:?}, {} failures",
        o.total,
        o.verdicts,
        o.failures.len()
    );
    assert_eq!(run, o.total, "{group}: not every case ran");
    assert!(
        o.failures.is_empty(),
        "{group}: {} failing cases:\n{}",
        o.failures.len(),
        o.failures
            .iter()
            .map(|(i, l, w)| format!("  {i} {l}: {w}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// --- hostile states ------------------------------------------------------------------------

/// The state of a fresh instance.
fn default_state() -> Vec<u8> {
    save(&mut instance())
}

/// Every hostile state: (label, bytes, and optionally a state that must
/// sound the same once loaded).
fn state_cases(base: &[u8]) -> Vec<(String, Vec<u8>, Option<Vec<u8>>)> {
    let mut v: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = Vec::new();
    let mut add = |label: String, bytes: Vec<u8>| v.push((label, bytes, None));
    let json = state_json(base);
    let body = &base[8..];
    let ids: Vec<String> = json["params"]
        .as_object()
        .expect("params object")
        .keys()
        .cloned()
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(66);

    // The valid state itself, and framing damage.
    add("the default state".into(), base.to_vec());
    add("empty stream".into(), Vec::new());
    for n in 1..8 {
        add(format!("{n} bytes of the length"), base[..n].to_vec());
    }
    add("length 0, no body".into(), 0u64.to_le_bytes().to_vec());
    add("length only".into(), base[..8].to_vec());
    for (label, len) in [
        ("length u64::MAX", u64::MAX),
        ("length 2^28 + 1 (over nice-plug's limit)", (1 << 28) + 1),
        ("length 2^28 (nice-plug's limit)", 1 << 28),
        ("length 2x the body", 2 * body.len() as u64),
        ("length half the body", body.len() as u64 / 2),
    ] {
        let mut b = len.to_le_bytes().to_vec();
        b.extend_from_slice(body);
        add(label.into(), b);
    }

    // Every prefix of the JSON, framed with its own length, and with the
    // original length.
    for n in 0..body.len() {
        add(format!("JSON prefix {n}"), framed(&body[..n]));
    }
    for n in (0..body.len()).step_by(7) {
        let mut b = base[..8].to_vec();
        b.extend_from_slice(&body[..n]);
        add(format!("JSON prefix {n}, full length"), b);
    }

    // Garbage.
    for k in 0..40 {
        let len = [0usize, 1, 7, 64, 1000, 100_000][k % 6];
        let g: Vec<u8> = (0..len).map(|_| rng.random_range(0..=255)).collect();
        add(format!("random body {k} ({len} bytes)"), framed(&g));
        let mut raw: Vec<u8> = (0..len + 8).map(|_| rng.random_range(0..=255)).collect();
        raw[3..8].fill(0); // a plausible small length
        add(format!("random stream {k}"), raw);
    }
    // Random byte flips inside a valid state.
    for k in 0..100 {
        let mut b = body.to_vec();
        for _ in 0..rng.random_range(1..4) {
            let at = rng.random_range(0..b.len());
            b[at] = rng.random_range(0..=255);
        }
        add(format!("flipped bytes {k}"), framed(&b));
    }

    // Not the expected shape.
    for (label, text) in [
        ("null", "null"),
        ("array", "[]"),
        ("string", "\"state\""),
        ("number", "1"),
        ("empty object", "{}"),
        ("params only", "{\"params\":{}}"),
        ("BOM", "\u{feff}{}"),
        ("trailing garbage", ""),
        (
            "NaN token",
            "{\"version\":\"0\",\"params\":{\"x\":{\"f32\":NaN}},\"fields\":{}}",
        ),
        (
            "Infinity token",
            "{\"version\":\"0\",\"params\":{\"x\":{\"f32\":Infinity}},\"fields\":{}}",
        ),
    ] {
        let b = if label == "trailing garbage" {
            let mut b = body.to_vec();
            b.extend_from_slice(b"}}garbage");
            b
        } else {
            text.as_bytes().to_vec()
        };
        add(format!("JSON {label}"), framed(&b));
    }
    let deep = format!(
        "{{\"version\":\"0\",\"params\":{{\"x\":{}{}}},\"fields\":{{}}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    add("nesting 100000 deep".into(), framed(deep.as_bytes()));
    let mut bad_utf8 = body.to_vec();
    let at = bad_utf8.iter().position(|&c| c == b'"').unwrap() + 1;
    bad_utf8.insert(at, 0xFF);
    add("invalid UTF-8 in a key".into(), framed(&bad_utf8));

    // Every parameter with values of the wrong type, huge, tiny, NaN
    // spellings.
    let values: Vec<(&str, Value)> = vec![
        ("f32 as string", json!({"f32": "0.5"})),
        ("f32 'NaN'", json!({"f32": "NaN"})),
        ("f32 'inf'", json!({"f32": "inf"})),
        ("f32 null", json!({"f32": null})),
        ("f32 1e38", json!({"f32": 1e38})),
        ("f32 -1e38", json!({"f32": -1e38})),
        ("f32 f32::MAX", json!({"f32": f32::MAX})),
        ("f32 1e39", serde_json::from_str("{\"f32\": 1e39}").unwrap()),
        ("f32 -1e300", json!({"f32": -1e300})),
        ("f32 5e-324", json!({"f32": 5e-324})),
        ("f32 -0", json!({"f32": -0.0})),
        ("f32 2", json!({"f32": 2.0})),
        ("f32 -2", json!({"f32": -2.0})),
        ("i32 99", json!({"i32": 99})),
        ("i32 -1", json!({"i32": -1})),
        ("i32 MAX", json!({"i32": i32::MAX})),
        ("i32 MIN", json!({"i32": i32::MIN})),
        ("i32 2^40", json!({"i32": 1u64 << 40})),
        ("bool as 1", json!({"bool": 1})),
        ("bool true", json!({"bool": true})),
        ("string bogus", json!({"string": "bogus"})),
        ("string empty", json!({"string": ""})),
        ("bare number", json!(0.5)),
        ("null", Value::Null),
        ("empty object", json!({})),
        ("two variants", json!({"f32": 0.5, "bool": true})),
        ("unknown variant", json!({"f64": 0.5})),
    ];
    for id in &ids {
        for (what, val) in &values {
            let mut j = json.clone();
            j["params"][id.as_str()] = val.clone();
            add(format!("{id}: {what}"), state_of(&j));
        }
    }

    // Unknown and missing keys, odd versions and fields.
    let mut edits: Vec<(&str, Value)> = Vec::new();
    let mut j = json.clone();
    j["params"]["no_such_param"] = json!({"f32": 1.0});
    edits.push(("unknown parameter", j));
    let mut j = json.clone();
    j["something_else"] = json!([1, 2, 3]);
    edits.push(("unknown top-level key", j));
    let mut j = json.clone();
    j["fields"]["no_such_field"] = json!("\"x\"");
    edits.push(("unknown field", j));
    let mut j = json.clone();
    for i in 0..20_000 {
        j["params"][format!("unknown_{i}")] = json!({"f32": i});
    }
    edits.push(("20000 unknown parameters", j));
    for (label, version) in [
        ("version 0.0.0", json!("0.0.0")),
        ("version 99.0.0", json!("99.0.0")),
        ("version number", json!(5)),
        ("version null", Value::Null),
    ] {
        let mut j = json.clone();
        j["version"] = version;
        edits.push((label, j));
    }
    let mut j = json.clone();
    j.as_object_mut().unwrap().remove("fields");
    edits.push(("no fields", j));
    let mut j = json.clone();
    j.as_object_mut().unwrap().remove("params");
    edits.push(("no params", j));
    for (label, model) in [
        (
            "model: missing file",
            json!("\"/no/such/model.safetensors\""),
        ),
        ("model: a directory", json!("\"/\"")),
        ("model: not JSON", json!("not json")),
        ("model: a number", json!("5")),
        ("model: JSON null", json!("null")),
        ("model: not a string", json!(5)),
        ("model: NUL in the path", json!("\"a\\u0000b\"")),
        ("model: empty (embedded)", json!("\"\"")),
    ] {
        let mut j = json.clone();
        j["fields"]["model"] = model;
        edits.push((label, j));
    }
    for (label, j) in edits {
        add(label.to_string(), state_of(&j));
    }

    // An older state: only the first parameters (and the model). It must
    // sound like the current state with those values and defaults elsewhere.
    let old_ids = ["x", "y", "amount", "out", "auto", "mix", "bypass"];
    let old_values = [
        json!({"f32": -0.6}),
        json!({"f32": 0.4}),
        json!({"f32": 1.5}),
        json!({"f32": -3.0}),
        json!({"bool": true}),
        json!({"f32": 0.8}),
        json!({"bool": false}),
    ];
    let mut old = json!({"version": "0.1.0", "params": {}, "fields": {"model": "\"\""}});
    let mut same = json.clone();
    for (id, val) in old_ids.iter().zip(&old_values) {
        old["params"][*id] = val.clone();
        same["params"][*id] = val.clone();
    }
    v.push((
        "an older state (x, y, amount, out, auto, mix, bypass, model)".into(),
        state_of(&old),
        Some(state_of(&same)),
    ));
    v
}

/// One state case (in a child): see the module documentation.
fn check_state(bytes: &[u8], same_as: Option<&[u8]>, input: &[Vec<f32>]) -> String {
    let mut inst = instance();
    let before = save(&mut inst);
    let accepted = load(&mut inst, bytes);
    let out = process(&mut inst, 48_000.0, input, &[], &[512]);
    assert!(all_finite(&out), "non-finite output");
    let after = save(&mut inst);
    if !accepted {
        assert!(after == before, "rejected, but the state changed");
    }
    for (i, v) in params(&mut inst).values().enumerate() {
        let h = inst.plugin_handle();
        let ext: clack_extensions::params::PluginParams = h.get_extension().unwrap();
        let value = ext.get_value(&h, v.0).expect("get_value");
        assert!(value.is_finite(), "parameter {i} reads {value}");
    }
    // What it saves now loads back, saves the same and sounds the same.
    let mut again = instance();
    assert!(
        load(&mut again, &after),
        "the state saved after this one does not load: {}",
        String::from_utf8_lossy(&after[8..])
    );
    assert!(
        save(&mut again) == after,
        "a second round trip changed the state"
    );
    let out_again = process(&mut again, 48_000.0, input, &[], &[512]);
    assert!(
        bits(&out_again) == bits(&out),
        "the saved state sounds different"
    );
    if let Some(same) = same_as {
        let mut reference = instance();
        assert!(load(&mut reference, same));
        let want = process(&mut reference, 48_000.0, input, &[], &[512]);
        assert!(
            bits(&want) == bits(&out),
            "does not sound like its equivalent"
        );
    }
    if accepted { "accepted" } else { "rejected" }.to_string()
}

#[test]
fn hostile_states_never_crash_the_host() {
    const NAME: &str = "hostile_states_never_crash_the_host";
    if let Some(start) = child_start(NAME) {
        let input = noise(2048, 3);
        let cases = state_cases(&default_state());
        let runs: Vec<ChildCase<'_>> = cases
            .iter()
            .map(|(label, bytes, same)| {
                let input = &input;
                let f: Box<dyn Fn() -> String + '_> =
                    Box::new(move || check_state(bytes, same.as_deref(), input));
                (label.clone(), f)
            })
            .collect();
        return child_run(start, &runs);
    }
    let t0 = Instant::now();
    let o = run_in_children(NAME);
    assert_no_failures("hostile states", &o);
    eprintln!(
        "[hardening] hostile states: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}

// --- bad model files ----------------------------------------------------------------------

/// A safetensors file taken apart: metadata and tensors (dtype, shape, bytes).
struct Safetensors {
    meta: BTreeMap<String, String>,
    tensors: BTreeMap<String, (String, Vec<usize>, Vec<u8>)>,
}

impl Safetensors {
    fn parse(bytes: &[u8]) -> Self {
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header: BTreeMap<String, Value> = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        let data = &bytes[8 + n..];
        let mut meta = BTreeMap::new();
        let mut tensors = BTreeMap::new();
        for (k, v) in header {
            if k == "__metadata__" {
                meta = serde_json::from_value(v).unwrap();
                continue;
            }
            let dtype = v["dtype"].as_str().unwrap().to_string();
            let shape: Vec<usize> = serde_json::from_value(v["shape"].clone()).unwrap();
            let o: Vec<usize> = serde_json::from_value(v["data_offsets"].clone()).unwrap();
            tensors.insert(k, (dtype, shape, data[o[0]..o[1]].to_vec()));
        }
        Self { meta, tensors }
    }

    fn bytes(&self, with_meta: bool) -> Vec<u8> {
        let mut header = serde_json::Map::new();
        if with_meta {
            header.insert(
                "__metadata__".into(),
                serde_json::to_value(&self.meta).unwrap(),
            );
        }
        let mut data = Vec::new();
        for (name, (dtype, shape, bytes)) in &self.tensors {
            let start = data.len();
            data.extend_from_slice(bytes);
            header.insert(
                name.clone(),
                json!({"dtype": dtype, "shape": shape, "data_offsets": [start, data.len()]}),
            );
        }
        let mut h = serde_json::to_vec(&header).unwrap();
        while !h.len().is_multiple_of(8) {
            h.push(b' ');
        }
        let mut out = (h.len() as u64).to_le_bytes().to_vec();
        out.extend(h);
        out.extend(data);
        out
    }

    fn f32s(&mut self, name: &str) -> Vec<f32> {
        self.tensors[name]
            .2
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }

    fn set_f32s(&mut self, name: &str, v: &[f32]) {
        self.tensors.get_mut(name).unwrap().2 = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    }
}

/// The shipped model with its head bias moved: valid, and audibly different.
fn good_model() -> Vec<u8> {
    let mut st = Safetensors::parse(&shipped_model());
    let mut bias = st.f32s("decoder.head.bias");
    for b in &mut bias {
        *b += 0.4;
    }
    st.set_f32s("decoder.head.bias", &bias);
    st.bytes(true)
}

fn shipped_model() -> Vec<u8> {
    std::fs::read(workspace_root().join("assets/decoder.safetensors")).unwrap()
}

/// Every bad model file, written into `dir`: (label, path).
fn bad_models(dir: &Path) -> Vec<(String, PathBuf)> {
    let good = good_model();
    let mut out = Vec::new();
    let mut file = |label: &str, bytes: &[u8]| {
        let p = dir.join(format!("bad-{}.safetensors", out.len()));
        std::fs::write(&p, bytes).unwrap();
        out.push((label.to_string(), p));
    };
    let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;

    file("empty", b"");
    for n in [
        4,
        8,
        8 + header_len / 2,
        8 + header_len,
        good.len() / 2,
        good.len() - 1,
    ] {
        file(&format!("truncated to {n} bytes"), &good[..n]);
    }
    let mut b = good.clone();
    b[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    file("header length u64::MAX", &b);
    let mut b = good.clone();
    b[..8].copy_from_slice(&0u64.to_le_bytes());
    file("header length 0", &b);
    let mut b = good.clone();
    b[8..8 + 16].fill(b'#');
    file("header not JSON", &b);
    file("appended garbage", &[&good[..], b"garbage"].concat());

    let edit = |f: &dyn Fn(&mut Safetensors)| {
        let mut st = Safetensors::parse(&good);
        f(&mut st);
        st.bytes(true)
    };
    let retype = |st: &mut Safetensors, name: &str, dtype: &str, width: usize| {
        let t = st.tensors.get_mut(name).unwrap();
        let n: usize = t.1.iter().product();
        t.0 = dtype.into();
        t.2 = vec![0; n * width];
    };
    for (dtype, width) in [("F64", 8), ("F16", 2), ("BF16", 2), ("I32", 4), ("U8", 1)] {
        file(
            &format!("head bias as {dtype}"),
            &edit(&|st| retype(st, "decoder.head.bias", dtype, width)),
        );
    }
    for (what, value, index) in [
        ("NaN", f32::NAN, 100),
        ("+inf", f32::INFINITY, 0),
        ("-inf", f32::NEG_INFINITY, 4095),
    ] {
        file(
            &format!("{what} in a weight"),
            &edit(&|st| {
                let mut w = st.f32s("decoder.h1.weight");
                w[index] = value;
                st.set_f32s("decoder.h1.weight", &w);
            }),
        );
    }
    file(
        "NaN in a bias",
        &edit(&|st| {
            let mut w = st.f32s("decoder.h0.bias");
            w[7] = f32::NAN;
            st.set_f32s("decoder.h0.bias", &w);
        }),
    );
    for (name, shape) in [
        ("decoder.head.weight", vec![64usize, 13]),
        ("decoder.h0.weight", vec![2, 64]),
        ("decoder.h1.weight", vec![4096]),
        ("decoder.h0.bias", vec![1, 64]),
    ] {
        file(
            &format!("{name} shaped {shape:?}"),
            &edit(&|st| st.tensors.get_mut(name).unwrap().1 = shape.clone()),
        );
    }
    file(
        "head bias of 12",
        &edit(&|st| {
            let b = st.f32s("decoder.head.bias");
            st.tensors.get_mut("decoder.head.bias").unwrap().1 = vec![12];
            st.set_f32s("decoder.head.bias", &b[..12]);
        }),
    );
    file(
        "a tensor missing",
        &edit(&|st| {
            st.tensors.remove("decoder.h1.bias");
        }),
    );
    file(
        "an extra tensor",
        &edit(&|st| {
            st.tensors.insert(
                "decoder.h2.bias".into(),
                ("F32".into(), vec![1], vec![0; 4]),
            );
        }),
    );
    let no_meta = Safetensors::parse(&good).bytes(false);
    file("no metadata", &no_meta);
    for (key, value) in [
        ("format", "something-else"),
        ("format_version", "2"),
        ("format_version", "one"),
        ("architecture", "{}"),
        ("architecture", "not json"),
        ("params", "[]"),
    ] {
        file(
            &format!("metadata {key} = {value}"),
            &edit(&|st| {
                st.meta.insert(key.into(), value.into());
            }),
        );
    }
    file(
        "metadata format missing",
        &edit(&|st| {
            st.meta.remove("format");
        }),
    );

    // Not files, or not plausible ones.
    let sub = dir.join("a-directory.safetensors");
    std::fs::create_dir(&sub).unwrap();
    out.push(("a directory".into(), sub));
    let fifo = dir.join("fifo.safetensors");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    out.push(("a FIFO (nobody writes)".into(), fifo));
    out.push(("/dev/null".into(), "/dev/null".into()));
    out.push(("/dev/zero (endless)".into(), "/dev/zero".into()));
    out.push(("a missing file".into(), dir.join("missing.safetensors")));
    let huge = dir.join("huge.safetensors");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    out.push(("a 3 GiB (sparse) file".into(), huge));
    out
}

/// The reference: a fresh instance with the good model, x at 0.8.
fn model_reference(json: &Value, good: &str, input: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let mut inst = instance();
    assert!(load(&mut inst, &state_of(&with_model(json, good))));
    process(&mut inst, 48_000.0, input, &[], &[256])
}

fn check_bad_model(json: &Value, good: &str, bad: &str, input: &[Vec<f32>], want: &[Vec<f32>]) {
    let good_state = state_of(&with_model(json, good));
    let bad_state = state_of(&with_model(json, bad));
    // Loaded between two renders.
    let mut inst = instance();
    assert!(load(&mut inst, &good_state));
    let first = process(&mut inst, 48_000.0, input, &[], &[256]);
    assert!(bits(&first) == bits(want), "the good model did not play");
    load(&mut inst, &bad_state);
    let out = process(&mut inst, 48_000.0, input, &[], &[256]);
    assert!(
        bits(&out) == bits(want),
        "after the bad file, the output changed"
    );
    let saved = state_json(&save(&mut inst));
    assert_eq!(
        saved["fields"]["model"],
        Value::String(serde_json::to_string(good).unwrap()),
        "the saved state no longer names the good model"
    );
    // Loaded mid-stream, while processing.
    let mut inst = instance();
    assert!(load(&mut inst, &good_state));
    let half = input[0].len() / 2;
    let mut done = false;
    let out = process_with(&mut inst, 48_000.0, input, &[], &[256], &mut |at, inst| {
        if at >= half && !done {
            done = true;
            load(inst, &bad_state);
        }
    });
    assert!(done);
    assert!(
        bits(&out) == bits(want),
        "a bad file loaded mid-stream changed the output"
    );
}

#[test]
fn bad_model_files_leave_the_previous_model_playing() {
    const NAME: &str = "bad_model_files_leave_the_previous_model_playing";
    if let Some(start) = child_start(NAME) {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.safetensors");
        std::fs::write(&good, good_model()).unwrap();
        let good = good.to_str().unwrap().to_string();
        let mut json = state_json(&default_state());
        json["params"]["x"] = json!({"f32": 0.8});
        json["params"]["y"] = json!({"f32": -0.3});
        let input = noise(12_000, 4);
        let want = model_reference(&json, &good, &input);
        // The good model must be audibly different from the embedded one.
        let embedded = model_reference(&json, "", &input);
        assert!(
            bits(&embedded) != bits(&want),
            "the good model sounds like the default"
        );
        let bad = bad_models(dir.path());
        let runs: Vec<ChildCase<'_>> = bad
            .iter()
            .map(|(label, path)| {
                let (json, good, input, want) = (&json, &good, &input, &want);
                let path = path.to_str().unwrap().to_string();
                let f: Box<dyn Fn() -> String + '_> = Box::new(move || {
                    check_bad_model(json, good, &path, input, want);
                    "kept the good model".to_string()
                });
                (label.clone(), f)
            })
            .collect();
        return child_run(start, &runs);
    }
    let t0 = Instant::now();
    let o = run_in_children(NAME);
    assert_no_failures("bad model files", &o);
    eprintln!(
        "[hardening] bad model files: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}

// --- a million events ---------------------------------------------------------------------

/// Processes `input` with `events` (sorted by frame) in host blocks cycling
/// through `blocks`, in realtime or offline mode. Unlike
/// [`host::process`], it walks the events once, so that 10^6 of them cost
/// no more than the events themselves.
fn process_storm(
    inst: &mut PluginInstance<Host>,
    input: &[Vec<f32>],
    events: &[(usize, ClapId, f64)],
    blocks: &[usize],
    offline: bool,
) -> Vec<Vec<f32>> {
    if offline {
        let h = inst.plugin_handle();
        let render: PluginRender = h.get_extension().expect("render extension");
        render.set(&h, RenderMode::Offline).expect("offline mode");
    }
    let frames = input[0].len();
    let max = *blocks.iter().max().unwrap();
    let config = PluginAudioConfiguration {
        sample_rate: 48_000.0,
        min_frames_count: 1,
        max_frames_count: max as u32,
    };
    let stopped = inst.activate(|_, _| (), config).expect("activate");
    let mut proc = stopped.start_processing().expect("start processing");
    let mut output = vec![vec![0.0f32; frames]; 2];
    let mut in_ports = AudioPorts::with_capacity(2, 1);
    let mut out_ports = AudioPorts::with_capacity(2, 1);
    let mut ev = EventBuffer::with_capacity(4096);
    let mut in_bufs = vec![vec![0.0f32; max]; 2];
    let (mut at, mut b, mut next) = (0, 0, 0);
    while at < frames {
        let n = blocks[b % blocks.len()].min(frames - at);
        b += 1;
        ev.clear();
        while next < events.len() && events[next].0 < at + n {
            let (f, id, v) = events[next];
            ev.push(&ParamValueEvent::new(
                (f - at) as u32,
                id,
                Pckn::match_all(),
                v,
            ));
            next += 1;
        }
        for (buf, c) in in_bufs.iter_mut().zip(input) {
            buf[..n].copy_from_slice(&c[at..at + n]);
        }
        let (left, right) = output.split_at_mut(1);
        let ins = in_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                in_bufs
                    .iter_mut()
                    .map(|c| InputChannel::variable(&mut c[..n])),
            ),
        }]);
        let mut outs = out_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                [&mut left[0][at..at + n], &mut right[0][at..at + n]].into_iter(),
            ),
        }]);
        proc.process(
            &ins,
            &mut outs,
            &InputEvents::from_buffer(&ev),
            &mut OutputEvents::void(),
            Some(at as u64),
            None,
        )
        .expect("process");
        at += n;
    }
    inst.deactivate(proc.stop_processing());
    output
}

#[test]
fn a_million_random_events_render_the_same_in_realtime_and_offline() {
    const EVENTS: usize = 1_000_000;
    const FRAMES: usize = 1 << 22; // 87 s at 48 kHz
    let t0 = Instant::now();
    let input = noise(FRAMES, 8);
    let mut probe = instance();
    let ids: Vec<ClapId> = params(&mut probe).values().map(|v| v.0).collect();
    drop(probe);
    let mut rng = ChaCha8Rng::seed_from_u64(10_000_019);
    let odd = [
        -1.0,
        2.0,
        1e9,
        -1e9,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        1.0,
        f64::MIN_POSITIVE,
    ];
    let mut events: Vec<(usize, ClapId, f64)> = (0..EVENTS)
        .map(|_| {
            let v = if rng.random_range(0..5) == 0 {
                odd[rng.random_range(0..odd.len())]
            } else {
                rng.random_range(0.0..=1.0)
            };
            (
                rng.random_range(0..FRAMES),
                ids[rng.random_range(0..ids.len())],
                v,
            )
        })
        .collect();
    events.sort_by_key(|e| e.0);
    let realtime = process_storm(
        &mut instance(),
        &input,
        &events,
        &[512, 64, 1024, 37],
        false,
    );
    let t_rt = t0.elapsed();
    let offline = process_storm(&mut instance(), &input, &events, &[4096], true);
    assert!(all_finite(&realtime), "non-finite output");
    let differ = realtime
        .iter()
        .flatten()
        .zip(offline.iter().flatten())
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    assert_eq!(
        differ, 0,
        "{differ} samples differ between realtime and offline"
    );
    let peak = realtime
        .iter()
        .flatten()
        .fold(0.0f32, |m, v| m.max(v.abs()));
    eprintln!(
        "[hardening] {EVENTS} events over {FRAMES} frames: bit-identical, peak {peak:.3}, \
         realtime pass {:.1} s, total {:.1} s",
        t_rt.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
}
