"""Semantic EQ's VST3 in two real third-party hosts, pedalboard and dawdreamer
(both built on JUCE's VST3 hosting), checked against `semantic-eq render`.

    python juce_hosts.py --vst3 "target/bundled/Semantic EQ.vst3" \
        --cli target/release/semantic-eq --work DIR

Prints one line per check with its figures (PASS, FAIL or SKIP with the
reason) and exits 1 if any check failed. Run by tests/tests/juce_hosts.rs.
"""

import argparse
import math
import os
import resource
import subprocess
import sys
import time

import numpy as np
import soundfile as sf

import dawdreamer
import pedalboard

FAILED = []


def report(ok, what):
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILED.append(what)


def noise(sr, seconds, seed=1):
    """Stereo noise at about -12 dBFS, float32, shaped (channels, frames)."""
    rng = np.random.default_rng(seed)
    return (0.25 * rng.standard_normal((2, int(sr * seconds)))).astype(np.float32)


def first_diff(a, b):
    """(first differing frame or None, count of differing samples)."""
    if a.shape != b.shape:
        return (0, max(a.size, b.size))
    d = a.view(np.uint32) != b.view(np.uint32)
    idx = np.argwhere(d.any(axis=0))
    return (int(idx[0][0]) if len(idx) else None, int(d.sum()))


def cli_render(args, x, sr, extra):
    """`semantic-eq render` of `x` at `sr` with the flags `extra`."""
    inp = os.path.join(args.work, f"in-{sr}.wav")
    out = os.path.join(args.work, f"out-{sr}.wav")
    sf.write(inp, x.T, sr, subtype="FLOAT")
    subprocess.run([args.cli, "render", inp, out, "--float", *extra], check=True,
                   capture_output=True)
    y, _ = sf.read(out, dtype="float32", always_2d=True)
    return np.ascontiguousarray(y.T)


# The setting used throughout: normalised values that are exact in f32, so
# the plug-in's plain values (min + (max - min) * n, in f32) equal the CLI's.
SETTING = {"warm_bright": 0.75, "thin_full": 0.375, "amount": 0.75}  # x 0.5, y -0.25, 150 %
CLI_FLAGS = ["--x", "0.5", "--y", "-0.25", "--amount", "150"]


def pb_load(args, values=SETTING):
    p = pedalboard.load_plugin(args.vst3)
    for name, raw in values.items():
        p.parameters[name].raw_value = raw
    return p


def dd_render(args, x, sr, block, values=SETTING):
    """dawdreamer: a playback processor into the plug-in, parameters set by
    index before rendering."""
    engine = dawdreamer.RenderEngine(sr, block)
    src = engine.make_playback_processor("src", x)
    eq = engine.make_plugin_processor("eq", args.vst3)
    names = [d["name"] for d in eq.get_plugin_parameters_description()]
    index = {pb: names.index(host) for pb, host in
             {"warm_bright": "Warm ↔", "thin_full": "Thin ↔", "amount": "Amount"}.items()}
    for name, raw in values.items():
        eq.set_parameter(index[name], raw)
    engine.load_graph([(src, []), (eq, ["src"])])
    engine.render(x.shape[1] / sr)
    y = engine.get_audio()
    return np.ascontiguousarray(y[:, : x.shape[1]].astype(np.float32)), eq


def check_parameters(args):
    p = pedalboard.load_plugin(args.vst3)
    e = dawdreamer.RenderEngine(48000, 512)
    d = e.make_plugin_processor("eq", args.vst3).get_plugin_parameters_description()
    names = [x["name"] for x in d]
    want = ["Warm ↔", "Thin ↔", "Amount", "Output", "Auto-gain", "Mix", "Bypass", "Mode",
            "Morph", "Morph from", "Morph to", "Low shelf gain", "Low shelf freq",
            "Bell 1 gain", "Bell 1 freq", "Bell 1 Q", "Bell 2 gain", "Bell 2 freq", "Bell 2 Q",
            "Bell 3 gain", "Bell 3 freq", "Bell 3 Q", "High shelf gain", "High shelf freq",
            "Low shelf on", "Bell 1 on", "Bell 2 on", "Bell 3 on", "High shelf on"]
    report(names == want, f"dawdreamer lists {len(names)} parameters with the plug-in's names")
    report(len(p.parameters) == 29, f"pedalboard lists {len(p.parameters)} parameters: "
           + ", ".join(list(p.parameters)[:6]) + ", ...")
    x = p.parameters["warm_bright"]
    report(x.type is float and (x.min_value, x.max_value) == (-100.0, 100.0)
           and x.label.strip() == "% bright",
           f"pedalboard reads warm_bright as a number {x.min_value}..{x.max_value}"
           f" '{x.label.strip()}'")
    floats = [n for n, q in p.parameters.items() if q.type is float]
    report(len(floats) == 19, f"pedalboard reads {len(floats)} of 29 as numbers (19 expected)")
    texts = {n: q.get_text_for_raw_value(float("nan")) for n, q in p.parameters.items()}
    bad = {n: t for n, t in texts.items() if "nan" in t.lower() or "inf" in t.lower()}
    report(not bad, f"no text for a NaN value reads NaN or inf ({bad or 'none'})")


def check_texts(args):
    p = pedalboard.load_plugin(args.vst3)
    got = {}
    for typed in [0.3, "0.3", "30 % bright", 30, "-30 % bright"]:
        try:
            p.warm_bright = typed
            got[repr(typed)] = round(p.parameters["warm_bright"].raw_value, 6)
        except Exception as exc:  # noqa: BLE001 - reported as the failure
            got[repr(typed)] = f"refused: {exc}"
    ok = (got["'30 % bright'"] == 0.65 and got["30"] == 0.65 and got["'-30 % bright'"] == 0.35
          and all(not isinstance(v, str) for v in got.values()))
    report(ok, f"pedalboard takes typed values (raw values: {got}; 0.3 is 0.3 % bright)")


def check_static_and_blocks(args):
    sr = 48000
    x = noise(sr, 1.0)
    ref = cli_render(args, x, sr, CLI_FLAGS)
    for block in [37, 64, 512, 4096]:
        y = pb_load(args).process(x, sr, buffer_size=block, reset=True)
        f, n = first_diff(y, ref)
        report(f is None, f"pedalboard block {block} == semantic-eq render from sample 0 "
               f"({x.shape[1]} frames, first difference {f}, {n} samples differ)")
        y, _ = dd_render(args, x, sr, block)
        f, n = first_diff(y, ref)
        report(f is None, f"dawdreamer block {block} == semantic-eq render "
               f"(first difference {f}, {n} samples differ)")
    short = x[:, : sr // 4]
    t = time.time()
    y = pb_load(args).process(short, sr, buffer_size=1, reset=True)
    f, n = first_diff(y, ref[:, : sr // 4])
    report(f is None, f"pedalboard block 1 == semantic-eq render ({short.shape[1]} frames in "
           f"{time.time() - t:.1f} s, first difference {f})")
    report(not np.array_equal(ref, x), "the setting changes the sound")


def raw_values(p):
    return {n: q.raw_value for n, q in p.parameters.items()}


def check_state(args):
    sr = 48000
    x = noise(sr, 0.5, seed=3)
    # Enum and bool values on their steps (morph_to: the third of nine).
    values = dict(SETTING, mode=0.5, auto_gain=1.0, morph_to=0.25)
    a = pb_load(args, values)
    before = a.raw_state  # saved before any processing
    b = pedalboard.load_plugin(args.vst3)
    b.raw_state = before
    diff = {n: (v, raw_values(b)[n]) for n, v in raw_values(a).items() if raw_values(b)[n] != v}
    report(not diff, f"state saved before processing restores every value ({diff or 'all equal'})")
    ya = a.process(x, sr, buffer_size=512)
    yb = b.process(x, sr, buffer_size=512)
    report(first_diff(ya, yb)[0] is None, "and the same sound, bit for bit")
    after = a.raw_state
    c = pedalboard.load_plugin(args.vst3)
    c.raw_state = after
    yc = c.process(x, sr, buffer_size=512)
    report(raw_values(c) == raw_values(a) and first_diff(ya, yc)[0] is None,
           "state saved after processing restores the values and the sound")
    report(before == after, f"both states are the same ({len(before)} bytes)")


def check_presets(args):
    a = pb_load(args)
    path = os.path.join(args.work, "setting.vstpreset")
    with open(path, "wb") as f:
        f.write(a.preset_data)
    b = pedalboard.load_plugin(args.vst3)
    b.load_preset(path)
    shown = {n: round(b.parameters[n].raw_value, 6) for n in SETTING}
    report(shown == SETTING, f"pedalboard shows a loaded preset's values ({shown})")
    engine = dawdreamer.RenderEngine(48000, 512)
    eq = engine.make_plugin_processor("eq", args.vst3)
    ok = eq.load_vst3_preset(path)
    shown = [round(eq.get_parameter(i), 6) for i in (0, 1, 2)]
    report(ok is not False and shown == [0.75, 0.375, 0.75],
           f"dawdreamer shows a loaded preset's values ({shown})")


def check_rates(args):
    for sr in [8000, 16000, 44100, 192000]:
        x = noise(sr, 0.5, seed=sr)
        y = pb_load(args).process(x, sr, buffer_size=512)
        ref = cli_render(args, x, sr, CLI_FLAGS)
        yd, _ = dd_render(args, x, sr, 512)
        report(bool(np.isfinite(y).all()) and not np.array_equal(y, x)
               and first_diff(y, ref)[0] is None and first_diff(yd, ref)[0] is None,
               f"{sr} Hz: processed, finite, both hosts == semantic-eq render")
    # Below the supported range activation is refused; JUCE hosts process
    # anyway, which must neither crash nor read outside a buffer.
    x = noise(500, 0.5)
    y, _ = dd_render(args, x, 500, 64)
    report(np.array_equal(y, x), "500 Hz (refused): dawdreamer gets the input back unchanged")


def check_many(args):
    sr = 48000
    x = noise(sr, 1.0, seed=9)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.time()
    # Each at amount 0 % (flat): 50 EQs at the decoded centre would add
    # their gains up, which is the user's choice, not a defect.
    board = pedalboard.Pedalboard([pb_load(args, {"amount": 0.0}) for _ in range(50)])
    load_s = time.time() - t
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024 / 50
    y = board(x, sr)
    peak = 20 * math.log10(float(np.abs(y).max()) + 1e-30)
    peak_in = 20 * math.log10(float(np.abs(x).max()))
    report(bool(np.isfinite(y).all()) and abs(peak - peak_in) < 0.01,
           f"50 instances in one pedalboard: {load_s / 50 * 1000:.0f} ms and {rss:.2f} MiB "
           f"each, output finite, peak {peak:.2f} dBFS (input {peak_in:.2f})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vst3", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    for check in [check_parameters, check_texts, check_static_and_blocks, check_state,
                  check_presets, check_rates, check_many]:
        try:
            check(args)
        except Exception as exc:  # noqa: BLE001 - one failing check must not hide the rest
            report(False, f"{check.__name__} raised {type(exc).__name__}: {exc}")
    print(f"{len(FAILED)} failed" if FAILED else "all passed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
