#!/usr/bin/env python3
"""embedscope's neighbour search against scikit-learn's, euclidean and cosine.

Run it through ``scripts/pyrun.sh check_knn.py`` (which makes ``.venv-small`` and builds the
binary), or with ``--bin PATH``. For inputs made here (clustered vectors; text-like vectors whose rows differ
in length a lot, where cosine and euclidean neighbours differ), it runs ``embedscope html
--neighbors-of X`` with each metric and search method, reads the neighbour lists the page embeds,
and compares them with ``sklearn.neighbors.NearestNeighbors(metric=..., algorithm="brute")``:

- exact search: the same neighbours, in the same order, wherever the k-th distance is not tied
  (ties are broken by index on both sides), and distances within 1e-4;
- approximate search: recall of at least 0.9.

Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
K = 10


def inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    centres = rng.uniform(-5, 5, size=(20, 24))
    clustered = centres[np.arange(3000) % 20] + rng.standard_normal((3000, 24))
    # Directions in clusters, lengths spread over three orders of magnitude.
    directions = centres[np.arange(3000) % 20] + 0.8 * rng.standard_normal((3000, 24))
    lengths = 10 ** rng.uniform(-1.5, 1.5, size=(3000, 1))
    text_like = directions / np.linalg.norm(directions, axis=1, keepdims=True) * lengths
    return {"clustered": clustered, "text_like": text_like}


def page_graph(binary: str, x: np.ndarray, metric: str, method: str, work: Path):
    np.save(work / "x.npy", x.astype(np.float32))
    np.save(work / "m.npy", x[:, :2].astype(np.float32))
    out = work / "page.html"
    subprocess.run([binary, "html", "--map", f"m={work / 'm.npy'}", "--neighbors-of",
                    str(work / "x.npy"), "--metric", metric, "--neighbors", method,
                    "--neighbor-count", str(K), "--out", str(out)],
                   check=True, capture_output=True, text=True)
    page = out.read_text()
    start = page.index('id="embedscope-data">') + len('id="embedscope-data">')
    data = json.loads(page[start:page.index("</script>", start)])["neighbors"]
    idx = np.frombuffer(base64.b64decode(data["indices"]), dtype="<u4").reshape(-1, K)
    dist = np.frombuffer(base64.b64decode(data["distances"]), dtype="<f4").reshape(-1, K)
    return idx, dist


def reference(x: np.ndarray, metric: str):
    from sklearn.neighbors import NearestNeighbors

    x32 = x.astype(np.float32).astype(np.float64)
    nn = NearestNeighbors(n_neighbors=K + 1, metric=metric, algorithm="brute").fit(x32)
    dist, idx = nn.kneighbors(x32)
    # Drop each point itself (distance 0 at rank 0, unless a duplicate ties with it).
    keep = idx != np.arange(len(x))[:, None]
    idx = np.array([r[k][:K] for r, k in zip(idx, keep)])
    dist = np.array([r[k][:K] for r, k in zip(dist, keep)])
    return idx, dist


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=str(ROOT / "target/release/embedscope"))
    args = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, x in inputs().items():
            for metric in ["euclidean", "cosine"]:
                want_idx, want_dist = reference(x, metric)
                for method in ["exact", "approx"]:
                    idx, dist = page_graph(args.bin, x, metric, method, Path(tmp))
                    found = np.mean([len(set(a) & set(b)) / K for a, b in zip(idx, want_idx)])
                    line = f"{name:10s} {metric:9s} {method:6s} recall {found:.4f}"
                    if method == "exact":
                        same = (idx == want_idx).all(axis=1).mean()
                        err = np.abs(dist - want_dist).max()
                        line += f", identical lists {same:.4f}, max distance error {err:.2e}"
                        if found < 0.999 or err > 1e-4:
                            failures.append(line)
                    elif found < 0.9:
                        failures.append(line)
                    print(line, flush=True)
    for f in failures:
        print("FAIL:", f)
    print("check_knn:", "ok" if not failures else f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
