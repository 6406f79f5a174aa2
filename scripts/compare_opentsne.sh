#!/usr/bin/env bash
# Compare embedscope's t-SNE with openTSNE 1.0.4 (Barnes-Hut) on MNIST-10k, side by side.
#
# Builds its own virtual environment (.venv-compare, git-ignored) with openTSNE and the scoring
# libraries, builds the release binary when EMBEDSCOPE_BIN is not set, then runs
# scripts/compare_tsne.py with all arguments passed through, e.g.
#   scripts/compare_opentsne.sh                      # N = 10,000, 3 interleaved rounds
#   scripts/compare_opentsne.sh --rounds 5 --n 5000
#   scripts/compare_opentsne.sh --scale70k           # N = 70,000 time and peak RSS
#   target/release/examples/deformed_mnist 70000 target/scale/mnist70k   # deformed digits, PCA-50
#   scripts/compare_opentsne.sh --scale70k --scale-input target/scale/mnist70k.npy \
#       --scale-opentsne --scale-kl --scale-rounds 2  # issue 11: side by side, exact KL
#   EMBEDSCOPE_BIN=/path/to/embedscope scripts/compare_opentsne.sh   # or --bin PATH: no build
# See `scripts/compare_opentsne.sh --help` for every option.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${COMPARE_VENV:-$root/.venv-compare}"
python="${PYTHON:-python3}"
# Versions of the anchors file's measurements (shared/anchors/tsne-anchors.md).
pins=(openTSNE==1.0.4 numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1)

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating $venv" >&2
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" - "${pins[@]}" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
then
    echo "installing ${pins[*]} into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
fi

bin_given=0
for arg in "$@"; do
    [[ "$arg" == --bin || "$arg" == --bin=* || "$arg" == -h || "$arg" == --help ]] && bin_given=1
done
if [[ -z "${EMBEDSCOPE_BIN:-}" && $bin_given == 0 ]]; then
    echo "building embedscope (release)" >&2
    # shellcheck source=scripts/env.sh
    source "$root/scripts/env.sh"
    cargo build --release --quiet --no-default-features --bin embedscope \
        --example tsne_quality --example deformed_mnist --manifest-path "$root/Cargo.toml"
    export EMBEDSCOPE_BIN="${CARGO_TARGET_DIR:-$root/target}/release/embedscope"
fi

# COMPARE_SCRIPT: another script of scripts/ run in the same venv (compare_transform.sh).
exec "$venv/bin/python" "$root/scripts/${COMPARE_SCRIPT:-compare_tsne.py}" "$@"
