#!/usr/bin/env bash
# Runs one of the Python check scripts of scripts/ (compare_small.py, check_knn.py) against the
# release binary, in a virtual environment of its own (.venv-small, git-ignored: numpy, scipy,
# scikit-learn, and gensim for the word vectors its test data ships), made on first use.
# SMALL_VENV and PYRUN_PINS (space-separated; the last one is checked to tell an up-to-date
# environment) choose another environment and its packages (scripts/compare_umap.sh does).
# Builds the lean binary first unless EMBEDSCOPE_BIN or --bin is given; arguments after the
# script's name are passed through:
#   scripts/pyrun.sh compare_small.py
#   scripts/pyrun.sh compare_small.py --perplexity 10 --only glove76,iris
#   scripts/pyrun.sh check_knn.py
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SMALL_VENV:-$root/.venv-small}"
# shellcheck disable=SC2206
pins=(${PYRUN_PINS:-numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1 gensim==4.4.0})
script="${1:?usage: scripts/pyrun.sh SCRIPT.py [ARGS...]}"
shift

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
fi
if ! "$venv/bin/pip" freeze 2>/dev/null | grep -qx "${pins[-1]}"; then
    echo "installing ${pins[*]} into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
fi
bin_given=0
for arg in "$@"; do
    [[ "$arg" == --bin || "$arg" == --bin=* || "$arg" == -h || "$arg" == --help ]] && bin_given=1
done
args=("$@")
if [[ $bin_given == 0 ]]; then
    if [[ -z "${EMBEDSCOPE_BIN:-}" ]]; then
        export EMBEDSCOPE_LEAN=1
        # shellcheck source=scripts/env.sh
        source "$root/scripts/env.sh"
        cargo build --release --quiet --no-default-features --bin embedscope \
            --manifest-path "$root/Cargo.toml"
        EMBEDSCOPE_BIN="${CARGO_TARGET_DIR:-$root/target}/release/embedscope"
    fi
    args+=(--bin "$EMBEDSCOPE_BIN")
fi
exec "$venv/bin/python" "$root/scripts/$script" "${args[@]}"
