#!/usr/bin/env bash
# Screenshots of the editor, with no DAW, sound card or screen: builds the
# standalone (release), starts it under Xvfb with Mesa's software OpenGL and
# the dummy audio backend, once per picture, waits for its window, saves it
# as a PNG and stops it with SIGTERM (SIGINT does not close a nice-plug
# editor window). Six pictures:
#
#   OUT.png          pad mode, the pad at PAD
#   OUT-manual.png   manual mode: the pad at MANUAL_PAD, then "Edit this
#                    curve" (the decoded EQ copied into the manual bands),
#                    then the MANUAL_OFF bands switched off
#   OUT-morph.png    morph mode, MORPH_FROM to MORPH_TO at MORPH percent
#   OUT-analyser.png the analyser, pre and post, playing pink noise through
#                    a warm setting (the pad at ANALYSER_PAD)
#   OUT-ab.png       A/B: A at ANALYSER_PAD, B playing at AB_B, the analyser
#                    on the output and SOLO soloed
#   OUT-words.png    your own words: the example pack (assets/words-example.csv)
#                    on the pad, morph mode from WORDS_FROM to the user word
#                    WORDS_TO at 100 %, so the words line reads it first
#
# Every picture but the last runs with an empty word library (never the
# user's own), the last with a copy of the example pack.
#
#   scripts/screenshot.sh [OUT.png]      default: target/screenshots/editor.png
#
# Environment:
#   PAD=X,Y         pad point, each -1..1 (default 0.35,0.25: towards bright, some presence)
#   MANUAL_PAD=X,Y  the decoded point copied into manual mode (default -0.6,0.4: warm, a little full)
#   MANUAL_OFF=B,.. manual bands to switch off, of ls,b1,b2,b3,hs (default b3; empty for none)
#   MORPH_FROM, MORPH_TO, MORPH   the morph line and position (default boomy, thin, 30)
#   ANALYSER_PAD=X,Y  the analyser picture's pad point (default -0.7,0: warm)
#   AB_B=X,Y        B's pad point in the A/B picture (default 0.6,0.1: bright)
#   SOLO=BAND       the band soloed in the A/B picture (default b3)
#   WORDS_FROM, WORDS_TO  the words picture's morph ends (default warm, crispy)
#   SETTLE=SECONDS  wait after the window appears (default 3)
#   NO_BUILD=1      use the existing target/release/semantic-eq-standalone
#   NO_INSTALL=1    do not install missing system packages
#
# Installs what it needs if missing (apt; sudo only when not root).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-target/screenshots/editor.png}
base=${out%.png}
pad=${PAD:-0.35,0.25}
manual_pad=${MANUAL_PAD:--0.6,0.4}
manual_off=${MANUAL_OFF-b3}
morph_from=${MORPH_FROM:-boomy}
morph_to=${MORPH_TO:-thin}
morph=${MORPH:-30}
analyser_pad=${ANALYSER_PAD:--0.7,0}
ab_b=${AB_B:-0.6,0.1}
solo=${SOLO:-b3}
words_from=${WORDS_FROM:-warm}
words_to=${WORDS_TO:-crispy}
settle=${SETTLE:-3}
bin=target/release/semantic-eq-standalone

say() { echo "screenshot: $*" >&2; }

# --- system packages: build dependencies of the standalone (ALSA, JACK, X11,
# GL headers), the virtual X server, Mesa's software GL, xwd/xwininfo and
# ImageMagick to turn the capture into a PNG.
pkgs=(pkg-config libasound2-dev libgl-dev libx11-xcb-dev libxcb1-dev libxcb-dri2-0-dev
  libxcb-icccm4-dev libxcursor-dev libxkbcommon-dev libxcb-shape0-dev libxcb-xfixes0-dev
  xvfb libgl1-mesa-dri libglx-mesa0 libegl-mesa0 x11-apps x11-utils imagemagick)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need=()
for p in "${pkgs[@]}"; do installed "$p" || need+=("$p"); done
# Either JACK's headers will do; jackd2's keeps an installed jackd2 in place.
installed libjack-dev || installed libjack-jackd2-dev || need+=(libjack-jackd2-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ -n "${NO_INSTALL:-}" ]; then
    say "missing packages: ${need[*]}"
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >&2
  $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi

if [ -z "${NO_BUILD:-}" ]; then
  say "building the standalone (release)"
  cargo build --release -q -p semantic-eq --features standalone --bin semantic-eq-standalone >&2
fi
[ -x "$bin" ] || { say "$bin is missing"; exit 1; }

tmp=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill -TERM "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- a private X server on the first free display (Xvfb picks it and writes
# its number to fd 3). The screen is large: the pointer starts at its centre,
# well clear of the window at the top left, so nothing shows hovered.
Xvfb -displayfd 3 -screen 0 2560x1600x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/display" ] && break
  kill -0 "$xvfb_pid" 2>/dev/null || { cat "$tmp/xvfb.log" >&2; say "Xvfb did not start"; exit 1; }
  sleep 0.1
done
[ -s "$tmp/display" ] || { say "Xvfb gave no display"; exit 1; }
export DISPLAY=":$(head -n1 "$tmp/display")"
export LIBGL_ALWAYS_SOFTWARE=1
say "display $DISPLAY"

# --- one picture: the standalone with silent audio and the given options
# (applied as a user's gestures when the editor opens), its window saved as
# a PNG, then stopped.
shoot() {
  local dest=$1
  shift
  SEMANTIC_EQ_WORDS="$words_lib" "$bin" --backend dummy "$@" >"$tmp/app.log" 2>&1 &
  app_pid=$!

  # Its window has no title or pid property: wait for the first top-level
  # window larger than 1x1.
  local win=""
  for _ in $(seq 300); do
    kill -0 "$app_pid" 2>/dev/null || { cat "$tmp/app.log" >&2; say "the standalone exited"; exit 1; }
    win=$(xwininfo -root -children 2>/dev/null |
      awk '$1 ~ /^0x/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+x[0-9]+\+/) { split($i, g, /[x+]/); if (g[1] > 1 && g[2] > 1) { print $1; exit } } }')
    [ -n "$win" ] && break
    sleep 0.1
  done
  [ -n "$win" ] || { cat "$tmp/app.log" >&2; say "no window appeared"; exit 1; }
  say "window $win ($*); letting it settle for ${settle}s"
  sleep "$settle"

  mkdir -p "$(dirname "$dest")"
  xwd -id "$win" -silent >"$tmp/shot.xwd"
  convert "xwd:$tmp/shot.xwd" "png:$tmp/shot.png"
  mv "$tmp/shot.png" "$dest"

  # Stop it the way that works (SIGTERM) and make sure it went, so the
  # next picture finds only its own window.
  kill -TERM "$app_pid"
  for _ in $(seq 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$app_pid" 2>/dev/null; then
    say "the standalone ignored SIGTERM"
    kill -KILL "$app_pid"
  fi
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
  say "saved $dest"
  echo "$dest"
}

words_lib="$tmp/no-words.csv"
shoot "$out" --pad "$pad"
shoot "$base-manual.png" --pad "$manual_pad" --edit-curve ${manual_off:+--bands-off "$manual_off"}
shoot "$base-morph.png" --mode morph --from "$morph_from" --to "$morph_to" --morph "$morph"
shoot "$base-analyser.png" --pink --pad "$analyser_pad" --analyser both
shoot "$base-ab.png" --pink --pad "$analyser_pad" --analyser post --ab-b "$ab_b" --solo "$solo"
cp assets/words-example.csv "$tmp/words.csv"
words_lib="$tmp/words.csv"
shoot "$base-words.png" --mode morph --from "$words_from" --to-word "$words_to" --morph 100
