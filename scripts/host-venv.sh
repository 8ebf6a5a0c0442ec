#!/usr/bin/env bash
# A Python venv in target/host-venv with two third-party VST3 hosts built on
# JUCE, pedalboard and dawdreamer, for tests/tests/juce_hosts.rs (which runs
# tests/hosts/juce_hosts.py with it). CI runs this before the tests.
#
# Idempotent: does nothing when the venv already imports numpy, soundfile
# and the pinned versions of both hosts. PYTHON names the interpreter that
# makes the venv (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/host-venv
pedalboard=0.9.26
dawdreamer=0.9.0
ready="import numpy, soundfile, pedalboard, dawdreamer
assert pedalboard.__version__ == '$pedalboard', pedalboard.__version__
assert dawdreamer.__version__ == '$dawdreamer', dawdreamer.__version__"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$ready" 2>/dev/null; then
  exit 0
fi
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  numpy soundfile "pedalboard==$pedalboard" "dawdreamer==$dawdreamer"
"$venv/bin/python" -c "$ready"
echo "host venv: $venv with pedalboard $pedalboard and dawdreamer $dawdreamer"
