"""Semantic EQ's VST3 in two real third-party hosts built on JUCE's VST3
hosting, pedalboard 0.9.26 and dawdreamer 0.9.0, checked against each other
and against `semantic-eq render`.

    python juce_hosts.py --vst3 "target/bundled/Semantic EQ.vst3" \\
        --cli target/release/semantic-eq --work DIR [--only a,c] [--verbose]

Checks (each in its own Python process, so that a host crashing, or its
memory, does not spill into the next one):

  a  the parameter list as each host shows it: count, extras, names, ranges, texts
  b  a static render equals `semantic-eq render` bit for bit from the first sample
  c  block sizes 1, 37, 64, 512 and 4096 give the same bits as each other and the CLI
  d  a state saved before, after and while processing restores values and sound
  e  a loaded .vstpreset shows its values in the host and plays them
  f  8, 16, 44.1 and 192 kHz: processed, finite, equal to the CLI; 500 Hz refused
  g  50 instances in one process (pedalboard, dawdreamer): load time, memory
  h  typed values and texts in pedalboard; no text for NaN reads NaN or inf
  i  automation (changes between blocks) equals the CLI's sample-position CSV

Prints one line per result, `PASS`, `FAIL` or `SKIP` (with the reason) plus
`NOTE` for observations that are not pass/fail, then a summary, and exits 1
if anything failed. All files go under --work. Run by
tests/tests/juce_hosts.rs.

Parameter values are given to the hosts normalised (0..1). nice-plug turns a
normalised value into the plug-in's plain value in f32 (`min + (max - min) *
n` for a linear range), so the values below are chosen to be exact in f32
(x = -1 + 2 * 0.75 = 0.5): the CLI, given the plain value, then runs on the
very same numbers and the outputs can be compared bit for bit.
"""

import argparse
import itertools
import math
import os
import re
import resource
import subprocess
import sys
import time

# dawdreamer's load_state opens (and closes) a JUCE window, which some
# plug-ins need before a loaded state takes effect. With DISPLAY unset JUCE
# falls back to ":0.0", i.e. whatever X server happens to run there (on a
# shared machine, somebody else's). Point it at a display that cannot exist
# (no socket; TCP port 6000 + 65535 is out of range) so that no window is
# ever shown anywhere; JUCE then skips the window and loads headless. Set
# before the hosts are imported.
os.environ["DISPLAY"] = ":65535"

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

import dawdreamer  # noqa: E402
import pedalboard  # noqa: E402

ARGS = None  # the command line, set in main()

# The plug-in's 29 parameters in their VST3 order (plugin/src/params.rs; x
# and y are named by their first end, "Warm ↔", with the other end in the
# unit, " % bright", so that pedalboard names them warm_bright/thin_full).
BANDS = ["Low shelf", "Bell 1", "Bell 2", "Bell 3", "High shelf"]
MANUAL = [f"{b} {what}" for b in BANDS
          for what in (["gain", "freq"] if "shelf" in b else ["gain", "freq", "Q"])]
NAMES = (["Warm ↔", "Thin ↔", "Amount", "Output", "Auto-gain", "Mix", "Bypass", "Mode",
          "Morph", "Morph from", "Morph to"] + MANUAL + [f"{b} on" for b in BANDS])
# The plug-in's Morph from/to choices, in the enum's order (plugin/src/params.rs
# `Descriptor`: retired names keep their place so stored sessions load; new
# landmarks are appended; the eight user-word slots come last). A choice's raw
# value is its index / (count - 1).
DESCRIPTORS = ["warm", "bright", "airy", "boomy", "clear", "muddy", "re27", "thin", "vocals",
               "full"] + [f"User word {k}" for k in range(1, 9)]


def choice(name):
    """The raw (normalised) value of a Morph from/to choice."""
    return DESCRIPTORS.index(name) / (len(DESCRIPTORS) - 1)

# How pedalboard should read each parameter from its texts: (type, min, max)
# for numbers in display units, the valid values for lists.
_FREQS = {"Low shelf": (22, 1000), "Bell 1": (82, 3900), "Bell 2": (180, 4700),
          "Bell 3": (220, 10000), "High shelf": (580, 20000)}
EXPECTED = {
    "Warm ↔": (float, -100, 100), "Thin ↔": (float, -100, 100),
    "Amount": (float, 0, 200), "Output": (float, -24, 24), "Mix": (float, 0, 100),
    "Morph": (float, -50, 150), "Auto-gain": (bool,), "Bypass": (bool,),
    "Mode": (str, ["Pad", "Morph", "Manual"]),
    "Morph from": (str, DESCRIPTORS), "Morph to": (str, DESCRIPTORS),
    **{f"{b} gain": (float, -12, 12) for b in BANDS},
    **{f"{b} freq": (float, *_FREQS[b]) for b in BANDS},
    **{f"{b} Q": (float, 0.1, 10) for b in BANDS if "shelf" not in b},
    **{f"{b} on": (bool,) for b in BANDS},
}
assert len(NAMES) == 29 and set(NAMES) == set(EXPECTED)


class Setting:
    """Normalised host values by parameter name, and the CLI flags that
    give the plug-in the same plain values."""

    def __init__(self, label, values, flags):
        self.label, self.values, self.flags = label, values, flags


# Pad: x 0.5, y -0.25, amount 150 %.
PAD = Setting("pad x 0.5, y -0.25, amount 150 %",
              {"Warm ↔": 0.75, "Thin ↔": 0.375, "Amount": 0.75},
              ["--x", "0.5", "--y", "-0.25", "--amount", "150"])
# Manual: only linear gains and a band switch are set, the skewed
# frequencies and Qs stay at their defaults (which dawdreamer nevertheless
# resends, as normalised values, at every block).
MANUAL_EQ = Setting("manual, low shelf +3 dB but off, bell 1 +6 dB, high shelf -6 dB",
                    {"Mode": 1.0, "Low shelf gain": 0.625, "Bell 1 gain": 0.75,
                     "High shelf gain": 0.25, "Low shelf on": 0.0},
                    ["--mode", "manual", "--eq", "3,100,6,250,1,0,1000,1,0,4000,1,-6,8000",
                     "--bands-off", "ls"])
# Everything away from its default, an enum, a bool and a manual band
# included (the manual values are inaudible in morph mode but are state).
RICH = Setting("morph boomy -> airy at 75 %, auto-gain, mix 75 %, output -3 dB, "
               "x -0.5, y 0.25, amount 125 %, bell 2 +6 dB, high shelf off",
               {"Mode": 0.5, "Morph from": choice("boomy"), "Morph to": choice("airy"), "Morph": 0.625,
                "Auto-gain": 1.0, "Mix": 0.75, "Output": 0.4375, "Warm ↔": 0.25,
                "Thin ↔": 0.625, "Amount": 0.625, "Bell 2 gain": 0.75, "Bell 2 Q": 0.75,
                "High shelf on": 0.0},
               ["--mode", "morph", "--from", "boomy", "--to", "airy", "--morph", "75",
                "--auto-gain", "--mix", "75", "--out-db", "-3", "--x", "-0.5", "--y", "0.25",
                "--amount", "125"])
# What check d sets on a running instance: back to the pad, auto-gain off.
RICH_THEN_PAD = Setting("then, while active: pad x 1.0, auto-gain off",
                        {**RICH.values, "Mode": 0.0, "Warm ↔": 1.0, "Auto-gain": 0.0},
                        ["--x", "1", "--y", "0.25", "--amount", "125", "--mix", "75",
                         "--out-db", "-3"])
# Strongly non-flat: fully bright, every gain doubled.
BRIGHT = Setting("x 1.0, amount 200 %", {"Warm ↔": 1.0, "Amount": 1.0},
                 ["--x", "1", "--amount", "200"])

# --- results ----------------------------------------------------------------------

COUNTS = {"PASS": 0, "FAIL": 0, "SKIP": 0}


def emit(status, text):
    print(f"{status} {text}", flush=True)
    if status in COUNTS:
        COUNTS[status] += 1


def result(ok, text):
    emit("PASS" if ok else "FAIL", text)


def skip(text):
    emit("SKIP", text)


def note(text):
    emit("NOTE", text)


# --- signals and comparisons --------------------------------------------------------


def pink(sr, seconds, seed):
    """Stereo pink noise (1/f power, shaped in the frequency domain from a
    seeded normal RNG), -14 dBFS RMS, float32, shaped (channels, frames)."""
    n = int(round(sr * seconds))
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal((2, n)), axis=1)
    f = np.arange(spectrum.shape[1], dtype=np.float64)
    spectrum[:, 1:] /= np.sqrt(f[1:])
    spectrum[:, 0] = 0.0
    x = np.fft.irfft(spectrum, n=n, axis=1)
    x *= 10 ** (-14 / 20) / np.sqrt(np.mean(x**2))
    return np.ascontiguousarray(x, dtype=np.float32)


def f32(y, frames=None):
    y = np.asarray(y)
    if frames is not None:
        y = y[:, :frames]
    return np.ascontiguousarray(y, dtype=np.float32)


def db(v):
    return 20 * math.log10(v) if v > 0 else -math.inf


def bits_equal(a, b):
    """(equal, figures): bit-for-bit comparison of two float32 arrays (so
    -0.0 differs from 0.0 and NaN from everything), with the first
    differing frame and the count of differing samples."""
    if a.shape != b.shape:
        return False, f"shape {a.shape} instead of {b.shape}"
    d = a.view(np.uint32) != b.view(np.uint32)
    n = int(d.sum())
    if n == 0:
        return True, "0 differing samples"
    first = int(np.argmax(d.any(axis=0)))
    worst = float(np.nanmax(np.abs(a.astype(np.float64) - b)))
    return False, (f"{n} of {d.size} samples differ, the first at frame {first}, "
                   f"max |diff| {db(worst):.1f} dBFS")


def change_db(y, x):
    """How far `y` is from `x`: RMS of the difference relative to x's, dB."""
    return db(float(np.sqrt(np.mean((y.astype(np.float64) - x) ** 2)
                            / np.mean(x.astype(np.float64) ** 2))))


def joined(per_host):
    """'0 differing samples, pedalboard and dawdreamer' when every host
    agrees, else each host's figures."""
    if all(ok for ok, _ in per_host.values()):
        return f"0 differing samples, {' and '.join(per_host)}"
    return "; ".join(f"{h}: {fig}" for h, (_, fig) in per_host.items())


class CliRefused(Exception):
    pass


def cli_render(x, sr, setting, tag, extra=()):
    """`semantic-eq render` of `x` at `sr`, as float32 (channels, frames)."""
    inp = os.path.join(ARGS.work, f"{tag}-in.wav")
    out = os.path.join(ARGS.work, f"{tag}-out.wav")
    sf.write(inp, x.T, sr, subtype="FLOAT")
    r = subprocess.run([ARGS.cli, "render", inp, out, "--float", "-q", *setting.flags, *extra],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise CliRefused(r.stderr.strip().splitlines()[-1] if r.stderr.strip()
                         else f"exit {r.returncode}")
    y, out_sr = sf.read(out, dtype="float32", always_2d=True)
    assert out_sr == sr, f"the CLI wrote {out_sr} Hz for {sr} Hz"
    return f32(y.T)


# --- pedalboard ----------------------------------------------------------------------
# `p.parameters` is keyed by names pedalboard makes up (warm_bright, ...);
# each entry's `.name` is the plug-in's own name, used here throughout.
# `raw_value` is the normalised value as JUCE caches it.


def pb_load(values=None):
    p = pedalboard.load_plugin(ARGS.vst3)
    if values:
        pb_set(p, values)
    return p


def pb_params(p):
    return {q.name: q for q in p.parameters.values()}


def pb_set(p, values):
    params = pb_params(p)
    for name, raw in values.items():
        params[name].raw_value = raw


def pb_raw(p):
    return {q.name: np.float32(q.raw_value) for q in p.parameters.values()}


def pb_render(p, x, sr, block=8192, reset=True):
    return f32(p.process(x, sr, buffer_size=block, reset=reset))


# --- dawdreamer ----------------------------------------------------------------------
# set_parameter(i, v) stores v as a constant "automation" in dawdreamer's
# own layer (and hands it to the plug-in); at the start of every block of
# a render, dawdreamer sends every parameter its automation value again
# (offset 0). get_parameter(i) reads that layer, not the plug-in: it shows
# the plug-in's values only where dawdreamer copied them back, which it does
# after load_state and load_vst3_preset (from JUCE's cached values).


def dd_plugin(sr, block, values=None):
    engine = dawdreamer.RenderEngine(sr, block)
    p = engine.make_plugin_processor("eq", ARGS.vst3)
    if values:
        dd_set(p, values)
    return engine, p


def dd_index(p):
    return {d["name"]: d["index"] for d in p.get_plugin_parameters_description()}


def dd_set(p, values):
    index = dd_index(p)
    for name, raw in values.items():
        p.set_parameter(index[name], raw)


def dd_raw(p):
    return {name: np.float32(p.get_parameter(i)) for name, i in dd_index(p).items()}


_SOURCES = itertools.count()


def dd_render(engine, p, x, sr):
    """Render `x` through `p`: a playback processor feeding the plug-in."""
    # A new source for each input, uniquely named: an engine keys its
    # processors by name.
    src = engine.make_playback_processor(f"src{next(_SOURCES)}", x)
    engine.load_graph([(src, []), (p, [src.get_name()])])
    engine.render(x.shape[1] / sr)
    y = engine.get_audio()
    if y.shape[1] < x.shape[1]:
        raise RuntimeError(f"dawdreamer rendered {y.shape[1]} of {x.shape[1]} frames")
    return f32(y, x.shape[1])


def dd_oneshot(x, sr, block, values):
    engine, p = dd_plugin(sr, block, values)
    return dd_render(engine, p, x, sr)


def value_diffs(got, want):
    """Parameters whose normalised value differs, as 'name want->got'."""
    return [f"{n} {want[n]:.6g}->{got.get(n, float('nan')):.6g}" for n in want
            if not np.array_equal(got.get(n, np.float32("nan")), want[n])]


# --- a. parameters -------------------------------------------------------------------


def parse_number(text):
    """A host's display text as a number in display units ('1.00 kHz' -> 1000)."""
    m = re.match(r"\s*([+\u2212-]?\d+(?:\.\d+)?)", text)
    if not m:
        return None
    v = float(m.group(1).replace("−", "-"))
    return v * 1000 if "khz" in text.lower() else v


def check_a():
    p = pedalboard.load_plugin(ARGS.vst3)
    params = list(p.parameters.items())  # (pedalboard's name, parameter)
    names = [q.name for _, q in params]
    extras = [n for n in names if n not in EXPECTED]
    missing = [n for n in NAMES if n not in names]
    ours = [n for n in names if n in EXPECTED]
    python = {q.name: key for key, q in params}
    problems = []
    for key, q in params:
        want = EXPECTED.get(q.name)
        if want is None:
            continue
        if q.type is not want[0]:
            problems.append(f"{q.name}: {q.type.__name__}, not {want[0].__name__}")
        elif want[0] is float and not (math.isclose(q.min_value, want[1])
                                       and math.isclose(q.max_value, want[2])):
            problems.append(f"{q.name}: {q.min_value}..{q.max_value}, not {want[1]}..{want[2]}")
        elif want[0] is str and list(q.valid_values) != want[1]:
            problems.append(f"{q.name}: {q.valid_values}")
    for name, key in [("Warm ↔", "warm_bright"), ("Thin ↔", "thin_full")]:
        if python.get(name) != key:
            problems.append(f"{name} is p.{python.get(name)}, not p.{key}")
    kinds = {t: sum(1 for _, q in params if q.type is t) for t in (float, bool, str)}
    # A small negative value shown as "-0.0 dB" gives pedalboard a second
    # zero (-0.0 next to 0.0) in its list of values.
    negative_zero = [q.name for _, q in params if q.type is float
                     and any(v == 0 and math.copysign(1, v) < 0 for v in q.valid_values)]
    if ARGS.verbose:
        for key, q in params:
            shown = (f"{q.min_value:g}..{q.max_value:g}" if q.type is float
                     else "/".join(map(str, q.valid_values)))
            note(f"a. pedalboard p.{key}: '{q.name}' {q.type.__name__} {shown} "
                 f"label {q.label!r} text {q.string_value!r} raw {q.raw_value:.6g}")
    result(len(ours) == 29 and not missing and ours == NAMES and not problems,
           f"a. parameters in pedalboard: {len(names)} listed ({len(ours)} of the plug-in's, "
           f"extras: {extras or 'none'}, missing: {missing or 'none'}), names "
           f"{'in the plug-in order' if ours == NAMES else 'OUT OF ORDER: ' + str(ours)}; "
           f"{kinds[float]} numbers, {kinds[bool]} switches, {kinds[str]} lists; x is "
           f"p.{python.get('Warm ↔')} {p.parameters[python['Warm ↔']].min_value:g}.."
           f"{p.parameters[python['Warm ↔']].max_value:g} "
           f"'{p.parameters[python['Warm ↔']].label}'"
           + (f"; wrong: {problems}" if problems else "; every range and list as expected"))
    if negative_zero:
        note(f"a. {len(negative_zero)} parameters have a text reading negative zero (such as "
             f"'-0.0 dB' just below 0), which pedalboard lists as a value -0.0 beside 0.0: "
             + ", ".join(negative_zero))

    engine = dawdreamer.RenderEngine(48000, 512)
    d = engine.make_plugin_processor("eq", ARGS.vst3).get_plugin_parameters_description()
    dd_names = [e["name"] for e in d]
    dd_extras = [n for n in dd_names if n not in EXPECTED]
    pbq = {q.name: q for _, q in params}
    mismatches = []
    for e in d:
        q = pbq.get(e["name"])
        if q is None:
            continue
        # The same plug-in through the same JUCE code: both hosts must show
        # the same current text, and dawdreamer's end texts must be the ends
        # of pedalboard's range.
        if e["text"] != q.string_value:
            mismatches.append(f"{e['name']} text {e['text']!r} vs {q.string_value!r}")
        if q.type is float:
            ends = (parse_number(e["min"]), parse_number(e["max"]))
            if ends != (q.min_value, q.max_value):
                mismatches.append(f"{e['name']} ends {e['min']!r}..{e['max']!r}")
        steps = {bool: 2, str: len(q.valid_values)}.get(q.type)
        if steps and (e["numSteps"] != steps or not e["isDiscrete"]):
            mismatches.append(f"{e['name']} {e['numSteps']} steps")
    if ARGS.verbose:
        for e in d:
            note(f"a. dawdreamer {e['index']}: '{e['name']}' {e['min']}..{e['max']} "
                 f"label {e['label']!r} text {e['text']!r} steps {e['numSteps']} "
                 f"default {e['defaultValue']:.6g}")
    result(dd_names == NAMES and not mismatches,
           f"a. parameters in dawdreamer: {len(d)} listed (extras: {dd_extras or 'none'}), "
           f"names {'as in the plug-in, in order' if dd_names == NAMES else dd_names}; "
           f"{sum(e['isDiscrete'] for e in d)} discrete; "
           + (f"disagreeing with pedalboard: {mismatches}" if mismatches else
              "every current text, end text and step count agrees with pedalboard's view"))


# --- b. static render ----------------------------------------------------------------


def check_b():
    sr = 48000
    x = pink(sr, 1.0, seed=1)
    for setting, tag in [(PAD, "pad"), (MANUAL_EQ, "manual")]:
        ref = cli_render(x, sr, setting, tag)
        per_host = {
            "pedalboard": bits_equal(pb_render(pb_load(setting.values), x, sr), ref),
            "dawdreamer": bits_equal(dd_oneshot(x, sr, 512, setting.values), ref),
        }
        moved = change_db(ref, x)
        result(all(ok for ok, _ in per_host.values()) and moved > -60,
               f"b. static render == semantic-eq render ({setting.label}; values set before "
               f"the first process): {x.shape[1]} frames, {joined(per_host)} "
               f"(the EQ is {moved:.1f} dB from the dry input)")


# --- c. block sizes ------------------------------------------------------------------


def check_c():
    sr = 48000
    x = pink(sr, 1.0, seed=2)
    ref = cli_render(x, sr, PAD, "blocks")
    blocks = [1, 37, 64, 512, 4096]
    for host in ["pedalboard", "dawdreamer"]:
        outs, took = {}, {}
        for block in blocks:
            t = time.perf_counter()
            if host == "pedalboard":
                outs[block] = pb_render(pb_load(PAD.values), x, sr, block=block)
            else:
                outs[block] = dd_oneshot(x, sr, block, PAD.values)
            took[block] = time.perf_counter() - t
        vs_cli = {b: bits_equal(y, ref) for b, y in outs.items()}
        distinct = len({y.tobytes() for y in outs.values()})
        how = "buffer_size=" if host == "pedalboard" else "RenderEngine(sr, block)"
        figures = ("all bit-identical to each other and to semantic-eq render"
                   if all(ok for ok, _ in vs_cli.values()) else
                   f"{distinct} distinct outputs; vs semantic-eq render: "
                   + "; ".join(f"{b}: {fig}" for b, (_, fig) in vs_cli.items()))
        result(all(ok for ok, _ in vs_cli.values()),
               f"c. block sizes {', '.join(map(str, blocks))} in {host} ({how}): {figures}, "
               f"{x.shape[1]} frames each (block 1 took {took[1]:.2f} s)")

    # The same instance twice: a host's reset must bring back the start.
    p = pb_load(PAD.values)
    first, again = pb_render(p, x, sr, 512), pb_render(p, x, sr, 512, reset=True)
    engine, q = dd_plugin(sr, 512, PAD.values)
    d_first = dd_render(engine, q, x, sr)
    engine.render(x.shape[1] / sr)
    d_again = f32(engine.get_audio(), x.shape[1])
    per_host = {"pedalboard": bits_equal(again, first), "dawdreamer": bits_equal(d_again, d_first)}
    result(all(ok for ok, _ in per_host.values()),
           "c. processing again after a reset (pedalboard process(reset=True), a second "
           f"dawdreamer render) repeats the first pass: {joined(per_host)}")


# --- d. state ------------------------------------------------------------------------


def check_d():
    sr = 48000
    x = pink(sr, 0.5, seed=3)
    ref = cli_render(x, sr, RICH, "rich")
    ref_pad = cli_render(x, sr, RICH_THEN_PAD, "rich-then-pad")

    # pedalboard: raw_state is JUCE's getStateInformation (the VST3
    # component and controller states wrapped in XML). "Before processing"
    # means before our first process(): pedalboard's load_plugin has already
    # processed a little noise to learn how the plug-in resets.
    a = pb_load(RICH.values)
    want = pb_raw(a)
    states = {"before processing": a.raw_state}
    ya = pb_render(a, x, sr, 512)
    states["after processing"] = a.raw_state
    # Values set on an instance that has processed (JUCE leaves it active):
    # nice-plug used to drop these from its state.
    pb_set(a, RICH_THEN_PAD.values)
    want_pad = pb_raw(a)
    while_active = "after processing and then setting new values"
    states[while_active] = a.raw_state
    for when, state in states.items():
        expect_values, expect_sound = ((want_pad, ref_pad) if when == while_active
                                       else (want, ref))
        b = pedalboard.load_plugin(ARGS.vst3)
        b.raw_state = state
        diffs = value_diffs(pb_raw(b), expect_values)
        sound = bits_equal(pb_render(b, x, sr, 512), expect_sound)
        extra = "" if when == while_active else f", the original's render {bits_equal(ya, ref)[1]}"
        result(not diffs and sound[0],
               f"d. pedalboard state saved {when} ({len(state)} bytes) into a fresh instance: "
               f"{29 - len(diffs)}/29 values equal" + (f" (differ: {diffs})" if diffs else "")
               + f"; render vs semantic-eq render: {sound[1]}{extra}")

    # dawdreamer: save_state/load_state take a file of the same JUCE bytes.
    engine, p = dd_plugin(sr, 512, RICH.values)
    want = dd_raw(p)
    before = os.path.join(ARGS.work, "dd-before.state")
    p.save_state(before)
    yp = dd_render(engine, p, x, sr)
    after = os.path.join(ARGS.work, "dd-after.state")
    p.save_state(after)
    pb_state = os.path.join(ARGS.work, "pedalboard.state")
    with open(pb_state, "wb") as f:
        f.write(states["before processing"])
    for when, path in [("before processing", before), ("after processing", after),
                       ("by pedalboard (raw_state), before processing", pb_state)]:
        engine2, q = dd_plugin(sr, 512)
        q.load_state(path)
        diffs = value_diffs(dd_raw(q), want)
        sound = bits_equal(dd_render(engine2, q, x, sr), ref)
        result(not diffs and sound[0],
               f"d. dawdreamer state saved {when} ({os.path.getsize(path)} bytes), load_state "
               f"into a fresh processor: {29 - len(diffs)}/29 values equal"
               + (f" (differ: {diffs})" if diffs else "")
               + f"; render vs semantic-eq render: {sound[1]}"
               + (f", the original's render {bits_equal(yp, ref)[1]}" if path == before else ""))


# --- e. presets ----------------------------------------------------------------------


def check_e():
    sr = 48000
    x = pink(sr, 0.5, seed=4)
    ref = cli_render(x, sr, RICH, "preset")
    a = pb_load(RICH.values)
    want = pb_raw(a)
    path = os.path.join(ARGS.work, "rich.vstpreset")
    data = a.preset_data
    with open(path, "wb") as f:
        f.write(data)

    b = pedalboard.load_plugin(ARGS.vst3)
    b.load_preset(path)
    diffs = value_diffs(pb_raw(b), want)
    # The typed view pedalboard builds from the texts, as a user reads it.
    typed = {"mode": str(b.mode), "morph_from": str(b.morph_from), "morph_to": str(b.morph_to),
             "auto_gain": bool(b.auto_gain), "warm_bright": float(b.warm_bright),
             "output": float(b.output)}
    typed_want = {"mode": "Morph", "morph_from": "boomy", "morph_to": "airy",
                  "auto_gain": True, "warm_bright": -50.0, "output": -3.0}
    typed_wrong = {k: v for k, v in typed.items() if v != typed_want[k]}
    sound = bits_equal(pb_render(b, x, sr, 512), ref)
    result(not diffs and not typed_wrong and sound[0] and data[:4] == b"VST3",
           f"e. pedalboard: .vstpreset from preset_data ({len(data)} bytes, header "
           f"{data[:4]!r}) through load_preset into a fresh instance shows "
           f"{29 - len(diffs)}/29 raw values" + (f" (differ: {diffs})" if diffs else "")
           + f", typed {typed}" + (f" (wrong: {typed_wrong})" if typed_wrong else "")
           + f"; render vs semantic-eq render: {sound[1]}")

    engine, q = dd_plugin(sr, 512)
    if not hasattr(q, "save_vst3_preset"):
        skip("e. dawdreamer 0.9.0 cannot write a .vstpreset (no save_vst3_preset); "
             "it loads the one pedalboard wrote")
    loaded = q.load_vst3_preset(path)
    diffs = value_diffs(dd_raw(q), want)
    texts = {n: q.get_parameter_text(i) for n, i in dd_index(q).items()
             if n in ("Mode", "Morph from", "Warm ↔")}
    sound = bits_equal(dd_render(engine, q, x, sr), ref)
    result(loaded is not False and not diffs and sound[0],
           f"e. dawdreamer: load_vst3_preset (returned {loaded}) into a fresh processor, "
           f"get_parameter shows {29 - len(diffs)}/29 values"
           + (f" (differ: {diffs})" if diffs else "") + f", texts {texts}; "
           f"render vs semantic-eq render: {sound[1]}")


# --- f. sample rates -----------------------------------------------------------------


def check_f():
    for sr in [8000, 16000, 44100, 192000]:
        x = pink(sr, 0.5, seed=sr)
        per_host = {"pedalboard": pb_render(pb_load(BRIGHT.values), x, sr, 512),
                    "dawdreamer": dd_oneshot(x, sr, 512, BRIGHT.values)}
        finite = all(bool(np.isfinite(y).all()) for y in per_host.values())
        moved = {h: change_db(y, x) for h, y in per_host.items()}
        processed = all(m > -40 for m in moved.values())
        try:
            ref = cli_render(x, sr, BRIGHT, f"rate-{sr}")
            vs_cli = {h: bits_equal(y, ref) for h, y in per_host.items()}
            cli_text = "vs semantic-eq render: " + joined(vs_cli)
        except CliRefused as e:
            vs_cli, cli_text = {}, f"semantic-eq render refused this rate ({e})"
        ok = finite and processed and bool(vs_cli) and all(k for k, _ in vs_cli.values())
        result(ok, f"f. {sr} Hz ({BRIGHT.label}, {x.shape[1]} frames): output "
                   f"{'finite' if finite else 'NOT FINITE'}, processed ("
                   + ", ".join(f"{h} {m:.1f} dB from the input" for h, m in moved.items())
                   + f"); {cli_text}")

    # Below the plug-in's 1 kHz floor its activation is refused; JUCE hosts
    # process anyway, and must get their input back, not a crash.
    sr = 500
    x = pink(sr, 0.5, seed=sr)
    per_host = {"pedalboard": bits_equal(pb_render(pb_load(BRIGHT.values), x, sr, 64), x),
                "dawdreamer": bits_equal(dd_oneshot(x, sr, 64, BRIGHT.values), x)}
    result(all(ok for ok, _ in per_host.values()),
           f"f. {sr} Hz (below the plug-in's range, activation refused): output == input, "
           + joined(per_host))


# --- g. many instances ---------------------------------------------------------------


def maxrss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def check_many(host):
    """50 instances at amount 0 % (a flat EQ: 50 at the pad's centre would
    add up their gains, which is the user's choice, not a defect), chained,
    1 s of noise through all of them. This runs in its own process, so
    ru_maxrss (a high-water mark) starts from the imports alone."""
    sr, count = 48000, 50
    x = pink(sr, 1.0, seed=9)
    rss0, t0 = maxrss_mib(), time.perf_counter()
    if host == "pedalboard":
        plugins = [pedalboard.load_plugin(ARGS.vst3)]
        rss1, t1 = maxrss_mib(), time.perf_counter()
        plugins += [pedalboard.load_plugin(ARGS.vst3) for _ in range(count - 1)]
        rss2, t2 = maxrss_mib(), time.perf_counter()
        for p in plugins:
            # The C++ parameter by the plug-in's name: p.parameters would
            # first scan 29 x 1001 value texts per instance (80 ms each).
            p._get_parameter("Amount").raw_value = 0.0
        y = f32(pedalboard.Pedalboard(plugins)(x, sr))
        how = "in one pedalboard.Pedalboard"
    else:
        engine = dawdreamer.RenderEngine(sr, 512)
        procs = [engine.make_plugin_processor("eq0", ARGS.vst3)]
        rss1, t1 = maxrss_mib(), time.perf_counter()
        procs += [engine.make_plugin_processor(f"eq{i}", ARGS.vst3) for i in range(1, count)]
        rss2, t2 = maxrss_mib(), time.perf_counter()
        for p in procs:
            dd_set(p, {"Amount": 0.0})
        src = engine.make_playback_processor("src", x)
        engine.load_graph([(src, [])] + [(p, [prev.get_name()])
                                         for prev, p in zip([src] + procs, procs)])
        engine.render(1.0)
        y = f32(engine.get_audio(), x.shape[1])
        how = "in series in one dawdreamer graph"
    finite = bool(np.isfinite(y).all())
    peak_in, peak_out = db(float(np.abs(x).max())), db(float(np.abs(y).max()))
    same = bits_equal(y, x)
    result(finite and abs(peak_out - peak_in) < 0.1,
           f"g. {count} instances {how}: loaded in {(t2 - t0):.2f} s (first {1000 * (t1 - t0):.0f} "
           f"ms, then {1000 * (t2 - t1) / (count - 1):.0f} ms each); ru_maxrss +{rss2 - rss0:.1f} "
           f"MiB ({rss1 - rss0:.1f} for the first, library included, then "
           f"{(rss2 - rss1) / (count - 1):.2f} MiB each); 1 s of noise through all: output "
           f"{'finite' if finite else 'NOT FINITE'}, peak {peak_out:.2f} dBFS (input "
           f"{peak_in:.2f}), vs the input {same[1]}")


# --- h. typed values and texts -------------------------------------------------------


def check_h():
    p = pedalboard.load_plugin(ARGS.vst3)
    x = p.parameters["warm_bright"]
    got = {}
    for typed in [0.3, "0.3", "30 % bright", 30, "-30 % bright", "30"]:
        try:
            p.warm_bright = typed
            got[typed] = (x.raw_value, x.string_value)
        except Exception as e:  # noqa: BLE001 - a refusal is the finding
            got[typed] = (None, f"refused: {type(e).__name__}: {e}")
    shown = "; ".join(f"{t!r} -> " + (f"raw {r:.6g}, text {s!r}" if r is not None else s)
                      for t, (r, s) in got.items())

    def near(t, want):
        return got[t][0] is not None and abs(got[t][0] - want) <= 1e-6

    result(all(r is not None for r, _ in got.values()) and near("30 % bright", 0.65)
           and near(30, 0.65) and near("-30 % bright", 0.35),
           f"h. pedalboard takes typed values for p.warm_bright (x = raw * 2 - 1; a bare "
           f"number is a percentage, as the host's scale shows): {shown}")

    # Texts for values a host should never send, through JUCE's
    # getText(value) without setting anything.
    weird = {"NaN": float("nan"), "+inf": float("inf"), "-inf": float("-inf"),
             "-1": -1.0, "2": 2.0}
    bad, outside = [], []
    for q in p.parameters.values():
        for label, raw in weird.items():
            t = q.get_text_for_raw_value(raw)
            if re.search(r"nan|inf", t, re.IGNORECASE):
                bad.append(f"{q.name}({label}) = {t!r}")
            if label == "NaN" and q.type is float:
                v = parse_number(t)
                if v is None or not q.min_value <= v <= q.max_value:
                    outside.append(f"{q.name} {t!r}")
    result(not bad, f"h. no pedalboard text for a raw value of NaN, +-inf, -1 or 2 reads "
                    f"NaN or inf (29 parameters x 5 values): {bad or 'none does'}")
    if outside:
        note(f"h. the text for NaN lies outside the range on {len(outside)} parameters "
             f"(NaN reads as 0): {', '.join(outside)}")

    # dawdreamer hands set_parameter's value to the plug-in as it is.
    engine, q = dd_plugin(48000, 512)
    for i in range(29):
        q.set_parameter(i, float("nan"))
    texts = [q.get_parameter_text(i) for i in range(29)]
    bad = [t for t in texts if re.search(r"nan|inf", t, re.IGNORECASE)]
    noise = pink(48000, 0.25, seed=5)
    y = dd_render(engine, q, noise, 48000)
    finite = bool(np.isfinite(y).all())
    result(not bad and finite,
           f"h. dawdreamer set_parameter(i, NaN) on all 29: texts {bad or 'never NaN or inf'}, "
           f"a render through it is {'finite' if finite else 'NOT FINITE'} "
           f"(peak {db(float(np.abs(y).max())):.1f} dBFS)")


# --- i. automation -------------------------------------------------------------------


def check_i():
    """x changes twice mid-render, at block starts. dawdreamer samples an
    automation array once per block, at the block's start, and sends that
    value at offset 0; pedalboard gets the same changes between process()
    calls with reset=False. The CLI's `sample` CSV says the same."""
    sr, block = 48000, 512
    x = pink(sr, 1.0, seed=6)
    steps = [(0, 0.75, "0.5"), (8 * block, 0.25, "-0.5"), (24 * block, 1.0, "1")]
    csv = os.path.join(ARGS.work, "x-steps.csv")
    with open(csv, "w") as f:
        f.write("sample,x\n" + "".join(f"{at},{plain}\n" for at, _, plain in steps))
    ref = cli_render(x, sr, Setting("", {}, []), "automation", ["--automation", csv])

    engine, p = dd_plugin(sr, block)
    curve = np.empty(x.shape[1], dtype=np.float32)
    for at, raw, _ in steps:
        curve[at:] = raw
    p.set_automation(dd_index(p)["Warm ↔"], curve)  # per sample, ppqn=0
    dd_y = dd_render(engine, p, x, sr)

    q = pb_load()
    warm = pb_params(q)["Warm ↔"]
    ends = [at for at, _, _ in steps[1:]] + [x.shape[1]]
    parts = []
    for (at, raw, _), end in zip(steps, ends):
        warm.raw_value = raw
        parts.append(pb_render(q, x[:, at:end], sr, block, reset=(at == 0)))
    pb_y = np.concatenate(parts, axis=1)
    per_host = {"pedalboard": bits_equal(pb_y, ref), "dawdreamer": bits_equal(dd_y, ref)}
    result(all(ok for ok, _ in per_host.values()),
           f"i. x stepped 0.5 -> -0.5 -> 1 at frames {steps[1][0]} and {steps[2][0]} "
           f"(dawdreamer set_automation, pedalboard between process calls) == semantic-eq "
           f"render --automation (sample CSV): {x.shape[1]} frames, {joined(per_host)}")


# --- running ---------------------------------------------------------------------------

CHECKS = {
    "a": check_a, "b": check_b, "c": check_c, "d": check_d, "e": check_e, "f": check_f,
    "g-pedalboard": lambda: check_many("pedalboard"),
    "g-dawdreamer": lambda: check_many("dawdreamer"),
    "h": check_h, "i": check_i,
}
TIMEOUT_S = 120


def run_child(name):
    """One check, in this process."""
    try:
        CHECKS[name]()
    except Exception as e:  # noqa: BLE001 - reported as the check's failure
        message = " / ".join(line.strip() for line in str(e).splitlines() if line.strip())
        result(False, f"{name}. raised {type(e).__name__}: {message}")
    sys.exit(1 if COUNTS["FAIL"] else 0)


def run_all(names):
    """Every check in a child process; collects their lines."""
    started = time.perf_counter()
    totals = dict(COUNTS)
    for name in names:
        work = os.path.join(ARGS.work, name)
        os.makedirs(work, exist_ok=True)
        cmd = [sys.executable, os.path.abspath(__file__), "--vst3", ARGS.vst3, "--cli", ARGS.cli,
               "--work", work, "--child", name] + (["--verbose"] if ARGS.verbose else [])
        t = time.perf_counter()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
            out, err, code = r.stdout, r.stderr, r.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
            code = None
        lines = out.splitlines()
        for line in lines:
            print(line, flush=True)
            status = line.split(" ", 1)[0]
            if status in totals:
                totals[status] += 1
        # The plug-in logs refused activations and the like on stderr.
        for line in err.splitlines():
            print(f"[{name} stderr] {line}", file=sys.stderr, flush=True)
        if code is None:
            print(f"FAIL {name}. timed out after {TIMEOUT_S} s", flush=True)
            totals["FAIL"] += 1
        elif code < 0 or code > 1 or (code == 1 and not any(l.startswith("FAIL") for l in lines)):
            print(f"FAIL {name}. the host process died (exit {code}"
                  f"{', signal ' + str(-code) if code < 0 else ''}) after "
                  f"{time.perf_counter() - t:.1f} s; last stderr: "
                  f"{err.strip().splitlines()[-3:] if err.strip() else 'none'}", flush=True)
            totals["FAIL"] += 1
    print(f"juce_hosts: {totals['PASS']} passed, {totals['FAIL']} failed, {totals['SKIP']} "
          f"skipped in {time.perf_counter() - started:.1f} s (pedalboard "
          f"{pedalboard.__version__}, dawdreamer {dawdreamer.__version__})", flush=True)
    return totals["FAIL"] == 0


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vst3", required=True, help="the .vst3 bundle")
    ap.add_argument("--cli", required=True, help="the semantic-eq binary")
    ap.add_argument("--work", required=True, help="a directory for temporary files")
    ap.add_argument("--only", help="comma-separated checks (a, b, ..., g, i) to run")
    ap.add_argument("--verbose", action="store_true", help="also list every parameter")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # run one check in this process
    ARGS = ap.parse_args()
    ARGS.vst3, ARGS.cli, ARGS.work = (os.path.abspath(p) for p in (ARGS.vst3, ARGS.cli, ARGS.work))
    os.makedirs(ARGS.work, exist_ok=True)
    if ARGS.child:
        run_child(ARGS.child)
    wanted = ARGS.only.split(",") if ARGS.only else None
    names = [n for n in CHECKS if wanted is None or n in wanted or n.split("-")[0] in wanted]
    if not names:
        ap.error(f"--only: none of {ARGS.only!r} in {', '.join(CHECKS)}")
    sys.exit(0 if run_all(names) else 1)


if __name__ == "__main__":
    main()
