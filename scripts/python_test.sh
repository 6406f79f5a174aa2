#!/usr/bin/env bash
# The Python package as a new user gets it: checks python/'s Rust (fmt, clippy), builds the wheel of python/ (maturin, PEP 517),
# installs it into a fresh virtualenv beside its test dependencies, then runs the pytest suite
# (python/tests/, scikit-learn's own test_t_sne.py among it), the quickstart notebook headless
# (jupyter nbconvert --execute) and the Dask example on a small set with a LocalCluster.
#
# The virtualenv and the outputs go to a temporary directory, removed at the end
# (PYTHON_TEST_KEEP=1 keeps it). The wheel's Rust build shares the repo's target/ (so a
# built library is reused); PYTHON selects the interpreter (python3).
#   scripts/python_test.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export EMBEDSCOPE_LEAN=1
# shellcheck source=scripts/env.sh
source "$root/scripts/env.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

work="$(mktemp -d -t embedscope-python.XXXXXX)"
if [[ "${PYTHON_TEST_KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$work"' EXIT
fi
pins=(numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1 pandas==3.1.1 polars==2.1.0 pytest==9.2.0
    tqdm==4.70.1 dask==2026.8.0 distributed==2026.8.0 nbconvert==7.17.2 nbclient==0.11.0
    ipykernel==7.4.0 maturin==1.16.0)

step() { printf '\npython_test: %s (%ds)\n' "$1" "$SECONDS"; }

step "fresh virtualenv in $work/venv"
"${PYTHON:-python3}" -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --quiet --disable-pip-version-check "${pins[@]}"

step "cargo fmt and clippy of python/ (its own workspace, outside the root's checks)"
cargo fmt --check --manifest-path "$root/python/Cargo.toml"
PYO3_PYTHON="$py" cargo clippy --release --locked --all-targets \
    --manifest-path "$root/python/Cargo.toml" -- -D warnings

step "building the wheel"
"$py" -m pip wheel --quiet --disable-pip-version-check --no-deps "$root/python" -w "$work/dist"
wheel=("$work"/dist/embedscope-*.whl)
echo "  ${wheel[0]##*/}"
"$py" -m pip install --quiet --disable-pip-version-check "${wheel[0]}"

step "pytest python/tests"
(cd "$work" && "$py" -m pytest -q -p no:cacheprovider "$root/python/tests")

step "the quickstart notebook, headless"
mkdir -p "$work/notebook"
cp "$root/python/examples/quickstart.ipynb" "$work/notebook/"
(cd "$work/notebook" && "$work/venv/bin/jupyter" nbconvert --to notebook --execute \
    --ExecutePreprocessor.timeout=600 --output executed.ipynb quickstart.ipynb)
test -s "$work/notebook/quickstart-view/index.html"

step "examples/dask_transform.py on a LocalCluster"
(cd "$work" && "$py" "$root/examples/dask_transform.py" --points 6000 --sample 1500 \
    --partition 1000 --workers 2 --check)

step "passed"
