#!/usr/bin/env bash
# Place held-out digits into a fixed t-SNE map with `embedscope transform` and openTSNE 1.0.4's
# `transform`, side by side in one run (scripts/compare_transform.py). The venv (.venv-compare)
# and the release build are those of scripts/compare_opentsne.sh; arguments pass through:
#   scripts/compare_transform.sh                                  # 60,000 reference, 10,000 new
#   scripts/compare_transform.sh --n-ref 10000 --n-new 2000       # a quick first measurement
#   scripts/compare_transform.sh --variant "--iterations 100" --reuse-map
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPARE_SCRIPT=compare_transform.py exec "$root/scripts/compare_opentsne.sh" "$@"
