#!/usr/bin/env bash
# A Python venv with two third-party VST3 hosts built on JUCE (pedalboard,
# dawdreamer), for tests/tests/juce_hosts.rs. Idempotent: does nothing when
# target/host-venv already imports both.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/host-venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import pedalboard, dawdreamer, soundfile, numpy' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check numpy soundfile pedalboard==0.9.26 dawdreamer==0.9.0
"$venv/bin/python" -c 'import pedalboard, dawdreamer; print("host venv:", pedalboard.__version__, dawdreamer.__version__)'
