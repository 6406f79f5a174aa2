#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for a short while (FUZZ_SECONDS, 20 s by
# default) on its committed seed corpus, failing on the first crash. Installs cargo-fuzz if it
# is missing. Needs a nightly toolchain (cargo-fuzz uses sanitizer flags).
#
#   scripts/fuzz_smoke.sh            # all targets, 20 s each
#   FUZZ_SECONDS=600 scripts/fuzz_smoke.sh npy
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
    echo "== fuzz target $t: ${seconds}s"
    # A scratch copy of the seeds, so the committed corpus only changes by hand.
    work="$(mktemp -d)"
    cp -r "fuzz/corpus/$t/." "$work/"
    cargo +nightly fuzz run -O "$t" "$work" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
    rm -rf "$work"
done
