#!/usr/bin/env bash
# Idempotent set-up: the pinned Python venv (.venv) and the libtensorflow link
# folder (.tflib) that graft's `-ltensorflow` resolves against. Safe to rerun.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/pip install --disable-pip-version-check -q -r requirements.txt
  echo "$want" > "$stamp"
fi
if [ -n "${LIBTENSORFLOW_DIR:-}" ]; then
  echo "setup: using libtensorflow from LIBTENSORFLOW_DIR=$LIBTENSORFLOW_DIR"
  [ -f "$LIBTENSORFLOW_DIR/lib/libtensorflow.so" ] || { echo "setup: LIBTENSORFLOW_DIR=$LIBTENSORFLOW_DIR has no lib/libtensorflow.so" >&2; exit 2; }
  exit 0
fi
tfdir="$(.venv/bin/python -c 'import os,importlib.util as u; print(os.path.dirname(u.find_spec("tensorflow").origin))')"
mkdir -p .tflib/lib
ln -sfn "$tfdir/include" .tflib/include
ln -sfn "$tfdir/libtensorflow_cc.so.2" .tflib/lib/libtensorflow.so
ln -sfn "$tfdir/libtensorflow_cc.so.2" .tflib/lib/libtensorflow_cc.so.2
ln -sfn "$tfdir/libtensorflow_framework.so.2" .tflib/lib/libtensorflow_framework.so.2
ln -sfn "$tfdir/libtensorflow_framework.so.2" .tflib/lib/libtensorflow_framework.so
