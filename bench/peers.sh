#!/usr/bin/env bash
# Whole-file render speed against sox and ffmpeg, side by side in one run.
#
# Generates a 300 s stereo 48 kHz float pink-noise WAV, applies the same
# fixed five-band EQ with sox, ffmpeg (single filter thread) and
# `semantic-eq render` (static, and morphing: all 13 parameters moving the
# whole time), alternating the runs, and prints medians. The last line is the
# ratio of our wall time to sox's and to ffmpeg's.
#
# Usage: bench/peers.sh [seconds] [repeats]     (defaults: 300 5)
# KERNELS="sse2 fma" times our render once per named kernel (`--kernel`),
# side by side in the same run; SEQ=path uses that binary instead of
# building one.
set -euo pipefail

SECONDS_LONG=${1:-300}
REPEATS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for tool in sox ffmpeg; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed (apt-get install sox ffmpeg)" >&2; exit 1; }
done

if [ -z "${SEQ:-}" ]; then
  cargo build --release -q -p semantic-eq-cli --manifest-path "$ROOT/Cargo.toml"
  SEQ="$ROOT/target/release/semantic-eq"
fi
KERNELS=${KERNELS:-}

IN="$WORK/pink.wav"
sox -q -n -r 48000 -c 2 -b 32 -e floating-point "$IN" synth "$SECONDS_LONG" pinknoise vol 0.25

# One fixed EQ, written three ways. Shelves use Q 0.71 like SAFE's.
EQ="3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000"
SOX_EFFECTS=(bass 3 120 0.71q equalizer 400 0.7q -2 equalizer 1500 2q 1.5 equalizer 6000 3q -4 treble 5 9000 0.71q)
FF_FILTER="lowshelf=f=120:t=q:w=0.71:g=3,equalizer=f=400:t=q:w=0.7:g=-2,equalizer=f=1500:t=q:w=2:g=1.5,equalizer=f=6000:t=q:w=3:g=-4,highshelf=f=9000:t=q:w=0.71:g=5"

# Morphing: every parameter moves between two settings and back every 2 s,
# so the engine recomputes coefficients on every grid point of the file.
MORPH="$WORK/morph.csv"
{
  echo "time_s,ls_gain_db,ls_freq_hz,b1_gain_db,b1_freq_hz,b1_q,b2_gain_db,b2_freq_hz,b2_q,b3_gain_db,b3_freq_hz,b3_q,hs_gain_db,hs_freq_hz"
  t=0
  while [ "$t" -le "$SECONDS_LONG" ]; do
    echo "$t,3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000"
    echo "$((t + 2)),-6,300,5,200,3,-3,2500,0.5,6,3000,1,-4,5000"
    t=$((t + 4))
  done
} > "$MORPH"

run() { # name, command...
  local name=$1; shift
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "error: $name failed: $*" >&2; exit 1; }
  local t1=$EPOCHREALTIME
  echo "$name $(echo "$t1 - $t0" | bc -l)" >> "$WORK/times"
}

: > "$WORK/times"
for i in $(seq "$REPEATS"); do
  run sox sox -q "$IN" "$WORK/sox.wav" "${SOX_EFFECTS[@]}"
  run ffmpeg ffmpeg -nostdin -y -v error -filter_threads 1 -i "$IN" -af "$FF_FILTER" -c:a pcm_f32le "$WORK/ff.wav"
  run ours_static "$SEQ" render "$IN" "$WORK/static.wav" --eq "$EQ" --quiet
  run ours_morph "$SEQ" render "$IN" "$WORK/morph.wav" --eq "$EQ" --automation "$MORPH" --quiet
  for k in $KERNELS; do
    run "static_$k" "$SEQ" render "$IN" "$WORK/static.wav" --eq "$EQ" --quiet --kernel "$k"
    run "morph_$k" "$SEQ" render "$IN" "$WORK/morph.wav" --eq "$EQ" --automation "$MORPH" --quiet --kernel "$k"
  done
done

median() { grep "^$1 " "$WORK/times" | awk '{print $2}' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
SOX=$(median sox); FF=$(median ffmpeg); OS=$(median ours_static); OM=$(median ours_morph)
FRAMES=$((SECONDS_LONG * 48000))
printf "%-12s %8s %10s %14s\n" tool "median_s" "x_realtime" "ns_per_frame"
ROWS=("sox $SOX" "ffmpeg $FF" "ours_static $OS" "ours_morph $OM")
for k in $KERNELS; do
  ROWS+=("static_$k $(median "static_$k")" "morph_$k $(median "morph_$k")")
done
for row in "${ROWS[@]}"; do
  set -- $row
  printf "%-12s %8.3f %10.0f %14.2f\n" "$1" "$2" "$(echo "$SECONDS_LONG / $2" | bc -l)" "$(echo "$2 * 1000000000 / $FRAMES" | bc -l)"
done
printf "ratios (ours_morph wall time): vs_sox=%.3f vs_ffmpeg=%.3f (static: vs_sox=%.3f vs_ffmpeg=%.3f)\n" \
  "$(echo "$OM / $SOX" | bc -l)" "$(echo "$OM / $FF" | bc -l)" "$(echo "$OS / $SOX" | bc -l)" "$(echo "$OS / $FF" | bc -l)"
