#!/usr/bin/env bash
# Seconds per training epoch: embedscope (tch) against the same network, batch size and loop in
# PyTorch (the same torch 2.13 build, from the repo's .venv), interleaved in one run.
# Usage: scripts/bench_train.sh [ROUNDS] [EPOCHS] [THREADS]   (defaults 3, 5 and 1 CPU thread each)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-3}
epochs=${2:-5}
threads=${3:-1}
cargo build --release --locked -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
    target/release/embedscope train --epochs "$epochs" --device cpu --threads "$threads" --out "$tmp/rs$r" >/dev/null 2>&1
    python scripts/bench_train_pytorch.py --epochs "$epochs" --threads "$threads" >"$tmp/py$r.json" 2>/dev/null
done
python - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
def per_epoch(eps):  # skip the first epoch (warm-up) when there are several
    eps = eps[1:] if len(eps) > 1 else eps
    return statistics.mean(e["seconds"] for e in eps)
rows = []
for r in range(1, rounds + 1):
    rs = json.load(open(f"{tmp}/rs{r}/train.json"))
    py = json.load(open(f"{tmp}/py{r}.json"))
    rows.append((per_epoch(rs["epochs"]), per_epoch(py["epochs"]), rs["test_loss"], py["epochs"][-1]["test_loss"]))
print("| round | embedscope s/epoch | PyTorch s/epoch | ratio | held-out loss (ours / PyTorch) |")
print("|---:|---:|---:|---:|---|")
for i, (a, b, la, lb) in enumerate(rows, 1):
    print(f"| {i} | {a:.3f} | {b:.3f} | {a / b:.3f} | {la:.4f} / {lb:.4f} |")
ratios = [a / b for a, b, _, _ in rows]
print(f"\nmedian ratio embedscope / PyTorch: {statistics.median(ratios):.3f} (target <= 1.1)")
PY
