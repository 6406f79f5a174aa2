#!/usr/bin/env bash
# Checks `embedscope export` with the real TensorBoard through tbcheck (../shared/tools/tbcheck),
# on synthetic inputs (examples/tb_fixture.rs: a fixed random projection of the pixels as 64-d
# codes, clustered 2-D/3-D embeddings, loss and KL histories) for the embedded 10,000 digits and
# for 70,000 points (the 10,000 tiled seven times, images given with --images; 28 px thumbnails
# still fit the 8192 px sprite) and 100,000 points (tiled ten times: thumbnails shrink to 25 px).
#
# For each size it checks two log directories, because tbcheck's --expect-dim holds for every
# embedding of a log dir:
#   codesN: --codes only                 -> --expect-points N --expect-dim 64 --expect-sprite ...
#   fullN:  --codes + tsne/2d, tsne/3d, pca/3d -> the same without --expect-dim
#
# Usage: scripts/tbcheck.sh [WORKDIR]   (default: a fresh temporary directory)
# Env:   TBCHECK (default ../shared/tools/tbcheck/tbcheck), TBCHECK_ARGS (extra tbcheck flags)
# Exit:  0 all passed; 1 a check failed; 2 tbcheck not found.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TBCHECK="${TBCHECK:-$ROOT/../shared/tools/tbcheck/tbcheck}"
if [ ! -x "$TBCHECK" ]; then
  echo "tbcheck.sh: $TBCHECK not found (set TBCHECK)" >&2
  exit 2
fi
WORK="${1:-$(mktemp -d "${TMPDIR:-/tmp}/embedscope-tbcheck.XXXXXX")}"
mkdir -p "$WORK"

cargo build --release --locked --quiet --bin embedscope --example tb_fixture
fixture() { cargo run --release --locked --quiet --example tb_fixture -- "$@"; }
embedscope() { cargo run --release --locked --quiet --bin embedscope -- "$@"; }

failed=0
for copies in 1 7 10; do
  n=$((copies * 10000))
  in="$WORK/in$n"
  fixture "$in" "$copies"
  common=(--labels "$in/labels.npy" --codes "$in/codes.npy"
          --train-json "$in/train.json" --tsne-report "$in/report.json")
  if [ "$copies" -gt 1 ]; then common+=(--images "$in/mnist"); else common+=(--images embedded); fi
  expect=(--expect-points "$n" --expect-scalar train/loss --expect-sprite)

  embedscope export --out "$WORK/codes$n" "${common[@]}"
  "$TBCHECK" "$WORK/codes$n" "${expect[@]}" --expect-dim 64 ${TBCHECK_ARGS:-} || failed=1

  embedscope export --out "$WORK/full$n" "${common[@]}" \
    --embedding "tsne/2d=$in/tsne2d.npy" --embedding "tsne/3d=$in/tsne3d.npy" \
    --embedding "pca/3d=$in/pca3d.npy"
  "$TBCHECK" "$WORK/full$n" "${expect[@]}" --expect-scalar test/loss \
    --expect-scalar tsne/kl_divergence ${TBCHECK_ARGS:-} || failed=1
done
if [ "$failed" -ne 0 ]; then
  echo "tbcheck.sh: FAIL (see above; inputs and log dirs in $WORK)"
  exit 1
fi
echo "tbcheck.sh: PASS (log dirs in $WORK)"
