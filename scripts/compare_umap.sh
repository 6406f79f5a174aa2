#!/usr/bin/env bash
# Compare `embedscope umap` with umap-learn 0.5.12 on the same input, interleaved: wall time
# (umap-learn's first call with numba's compilation, and a second, warm one), peak RSS, 10-NN
# accuracy and trustworthiness (k = 15, 5,000-point sample, seed 0). See scripts/compare_umap.py.
#
# Runs scripts/compare_umap.py through scripts/pyrun.sh (which builds the lean release binary
# unless EMBEDSCOPE_BIN or --bin is given) in its own virtual environment .venv-umap (git-ignored),
# made on first use with the pins below. Arguments pass through, e.g.
#   scripts/compare_umap.sh                          # MNIST-10k (PCA-50), one round
#   scripts/compare_umap.sh --mnist70k --rounds 2    # 70,000 deformed digits (PCA-50)
#   scripts/compare_umap.sh --input X.npy --labels L.npy --inits pca -- --dims 3
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SMALL_VENV="${UMAP_VENV:-$root/.venv-umap}"
export PYRUN_PINS="numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1 umap-learn==0.5.12"
exec "$root/scripts/pyrun.sh" compare_umap.py "$@"
