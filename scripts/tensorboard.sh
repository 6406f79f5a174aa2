#!/usr/bin/env bash
# Opens an embedscope log directory in TensorBoard (scalars and the Embedding Projector).
# No TensorFlow is needed: a plain `pip install tensorboard` reads our event files and
# projector config. The first run makes the ignored venv .venv-tensorboard in the repo.
#
# Usage: scripts/tensorboard.sh [LOGDIR]     (default output/logs; env PORT, default 6006)
# Make:  make tensorboard [LOGDIR=...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="2.21.0"
VENV="$ROOT/.venv-tensorboard"
STAMP="$VENV/.installed-tensorboard-$VERSION"
LOGDIR="${1:-output/logs}"
PORT="${PORT:-6006}"

if [ ! -d "$LOGDIR" ]; then
  echo "tensorboard.sh: $LOGDIR: no such directory (write one with: embedscope export --out $LOGDIR ...)" >&2
  exit 2
fi
if [ ! -f "$STAMP" ]; then
  echo "tensorboard.sh: installing tensorboard==$VERSION into $VENV (once)..." >&2
  { [ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"; } &&
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
      "tensorboard==$VERSION" ||
    { echo "tensorboard.sh: could not set up $VENV (needs python3-venv and PyPI)" >&2; exit 3; }
  touch "$STAMP"
fi

echo "TensorBoard on http://127.0.0.1:$PORT/  (projector: http://127.0.0.1:$PORT/#projector; Ctrl-C stops it)"
exec "$VENV/bin/tensorboard" --logdir "$LOGDIR" --host 127.0.0.1 --port "$PORT"
