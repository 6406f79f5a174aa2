#!/usr/bin/env bash
# Fault tests that need root (CI runs as root): outputs on a full filesystem (a 1 MB tmpfs) and
# on a read-only one. Each case must end in a clear error (exit 1, the OS's reason named), leave
# no temporary or half-written file, and keep earlier outputs intact.
#
# Usage: scripts/fault_test.sh [EMBEDSCOPE]   (default: target/release/embedscope)
# Prints one line per case and a closing "N passed, N failed"; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/embedscope}"
if [ "$(id -u)" != 0 ]; then
    echo "fault_test.sh: needs root to mount a tmpfs" >&2
    exit 2
fi
work="$(mktemp -d)"
mnt="$work/mnt"
mkdir -p "$mnt"
cleanup() { umount "$mnt" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
python3 - "$work/points.tsv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(300):
        f.write("\t".join(f"{(i % 3 == j) * 6 + random.gauss(0, 1):.4f}" for j in range(8)) + "\n")
PY
passed=0
failed=0
check() { # NAME CONDITION-TEXT
    if [ "$2" = ok ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1: $2"; fi
}
no_leftovers() { # DIR: no temporary files, every JSON parses
    if find "$1" -name '*.tmp*' | grep -q .; then echo "temporary files left"; return; fi
    for j in $(find "$1" -name '*.json'); do
        python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$j" 2>/dev/null || { echo "$j is damaged"; return; }
    done
    echo ok
}

# 1. A full filesystem: view runs out of space midway.
mount -t tmpfs -o size=1m tmpfs "$mnt"
out=$("$BIN" view "$work/points.tsv" --out "$mnt/view" --iterations 200 2>&1); rc=$?
if [ $rc = 1 ] && grep -q "No space left on device" <<<"$out"; then
    check "view on a full filesystem: clear error" "$(no_leftovers "$mnt")"
else
    check "view on a full filesystem: clear error" "exit $rc: $out"
fi
# The t-SNE map written before the disk filled up is complete: it loads.
if [ -f "$mnt/view/tsne_2d.npy" ]; then
    "$BIN" pca "$mnt/view/tsne_2d.npy" --out "$work/check.npy" --components 2 >/dev/null 2>&1 &&
        check "earlier output intact on a full filesystem" ok ||
        check "earlier output intact on a full filesystem" "tsne_2d.npy does not load"
fi
umount "$mnt"

# 2. A read-only filesystem: an earlier output stays, the rerun fails cleanly.
mount -t tmpfs -o size=64m tmpfs "$mnt"
"$BIN" tsne "$work/points.tsv" --out "$mnt/map.npy" --iterations 100 >/dev/null 2>&1
before=$(sha256sum "$mnt/map.npy" | cut -d' ' -f1)
mount -o remount,ro "$mnt"
out=$("$BIN" tsne "$work/points.tsv" --out "$mnt/map.npy" --iterations 100 --seed 3 2>&1); rc=$?
after=$(sha256sum "$mnt/map.npy" | cut -d' ' -f1)
if [ $rc = 1 ] && grep -q "Read-only file system" <<<"$out" && [ "$before" = "$after" ]; then
    check "tsne onto a read-only filesystem: clear error, old map intact" "$(no_leftovers "$mnt")"
else
    check "tsne onto a read-only filesystem: clear error, old map intact" "exit $rc: $out"
fi
out=$("$BIN" export --out "$mnt/logs" --codes "$work/points.tsv" 2>&1); rc=$?
if [ $rc = 1 ] && grep -q "Read-only file system" <<<"$out" && [ ! -e "$mnt/logs" ]; then
    check "export onto a read-only filesystem: clear error, nothing written" ok
else
    check "export onto a read-only filesystem: clear error, nothing written" "exit $rc: $out"
fi
umount "$mnt"

echo "$passed passed, $failed failed"
[ $failed = 0 ]
