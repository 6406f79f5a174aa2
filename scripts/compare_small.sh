#!/usr/bin/env bash
# embedscope's t-SNE against scikit-learn's on small inputs (word vectors, tables, blobs,
# duplicates): exact KL and stray points (scripts/compare_small.py says what it checks).
#
# Makes its own virtual environment (.venv-small, git-ignored) and builds the release binary
# when neither EMBEDSCOPE_BIN nor --bin is given; arguments are passed through:
#   scripts/compare_small.sh
#   scripts/compare_small.sh --only glove76,iris --bin target/release/embedscope
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SMALL_VENV:-$root/.venv-small}"
pins=(numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1 gensim==4.4.0)

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
fi
if ! "$venv/bin/pip" freeze 2>/dev/null | grep -qx "gensim==4.4.0"; then
    echo "installing ${pins[*]} into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
fi
bin_given=0
for arg in "$@"; do
    [[ "$arg" == --bin || "$arg" == --bin=* || "$arg" == -h || "$arg" == --help ]] && bin_given=1
done
if [[ -z "${EMBEDSCOPE_BIN:-}" && $bin_given == 0 ]]; then
    export EMBEDSCOPE_LEAN=1
    # shellcheck source=scripts/env.sh
    source "$root/scripts/env.sh"
    cargo build --release --quiet --no-default-features --bin embedscope \
        --manifest-path "$root/Cargo.toml"
    export EMBEDSCOPE_BIN="${CARGO_TARGET_DIR:-$root/target}/release/embedscope"
fi
exec "$venv/bin/python" "$root/scripts/compare_small.py" "$@"
