#!/usr/bin/env bash
# Browser tests of the HTML viewer (tests/browser/viewer.test.mjs) in headless Chromium, with the
# network refused: every point drawn, no console errors, hover shows the label and the digit,
# colour-by and legend toggles change what is drawn, the neighbour list of a clicked point equals
# the k-NN graph computed independently from the pixels, pan/zoom/rotate, the canvas fallback.
#
# Usage: scripts/browser_test.sh [PAGE.html ...]
#   Without arguments: builds the fixture page (examples/html_fixture.rs: the embedded 10,000
#   digits, PCA 2-D and 3-D, labels/ink/notes/names, thumbnails, 10 neighbours) and tests it,
#   then a view of 76 GloVe word vectors (cli/tests/fixtures/glove76.txt, named by word).
#   With arguments: also tests each given page (e.g. the demo's output/index.html) with the
#   checks that hold for any page.
# Env:
#   OUT_DIR         work directory: fixture, screenshots (default: a fresh temporary directory)
#   FIXTURE_COPIES  tile the 10,000 digits this many times (default 1; 7 gives 70,000 points)
#   FIXTURE_TSNE=1  put a t-SNE 2-D map first in the fixture (about a minute more)
#   CHROMIUM        the browser (default /usr/bin/chromium)
# Installs what is missing: Debian's chromium and chromium-driver (apt-get, when root), and
# playwright-core from tests/browser/package-lock.json (npm ci; it downloads no browser).
# Exit: 0 all passed; 1 a test failed; 2 a prerequisite is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT_DIR="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/embedscope-browser.XXXXXX")}"
mkdir -p "$OUT_DIR"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "browser_test.sh: installing chromium (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "browser_test.sh: $CHROMIUM not found; install Debian's chromium (or set CHROMIUM)" >&2
    exit 2
  fi
fi
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
  echo "browser_test.sh: Node.js 18 or later is needed (node --test)" >&2
  exit 2
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi

run_tests() { # PAGE [EXPECTED]
  echo "== $1" >&2
  PAGE="$1" EXPECTED="${2:-}" OUT_DIR="$OUT_DIR" node --test tests/browser/viewer.test.mjs
}

status=0
if [ $# -eq 0 ]; then
  cargo build --release --no-default-features --locked --quiet --example html_fixture
  args=("$OUT_DIR/fixture" "${FIXTURE_COPIES:-1}")
  [ "${FIXTURE_TSNE:-0}" = 1 ] && args+=(--tsne)
  target/release/examples/html_fixture "${args[@]}"
  run_tests "$OUT_DIR/fixture/page.html" "$OUT_DIR/fixture/expected.json" || status=1
  # Words: the 76 GloVe vectors of the test fixtures, viewed (named by their word).
  cargo build --release --no-default-features --locked --quiet --bin embedscope
  target/release/embedscope view cli/tests/fixtures/glove76.txt --out "$OUT_DIR/words" \
    --perplexity 10 --iterations 500 >/dev/null
  run_tests "$OUT_DIR/words/index.html" || status=1
fi
for page in "$@"; do
  if [ ! -f "$page" ]; then
    echo "browser_test.sh: $page: no such file" >&2
    exit 2
  fi
  run_tests "$page" || status=1
done
echo "browser_test.sh: screenshots in $OUT_DIR" >&2
exit $status
