#!/usr/bin/env python3
"""embedscope's t-SNE against scikit-learn's on small inputs of the shapes real data has.

Run it through ``scripts/pyrun.sh compare_small.py``, which makes the virtual environment
(``.venv-small``: numpy, scipy, scikit-learn, and gensim for the word vectors its tests ship)
and builds the release binary first; ``--bin PATH`` uses a given binary.

The inputs (10 to 2,000 points), all made here or shipped inside the Python packages:
- ``glove76``: the 76 real GloVe word vectors (50-d) of gensim's test data (``test_glove.txt``);
- ``lee1762``: 1,762 fastText word vectors trained on the Lee news corpus (gensim's test data);
- ``iris``, ``wine``, ``cancer``: scikit-learn's bundled tables, raw (columns on different
  scales; one iris species far from the other two);
- ``digits``: scikit-learn's 8x8 digits (1,797 x 64);
- ``blobs30``: 1,200 points in 30 well-separated Gaussian blobs (10-d);
- ``blobs3_10``: 10 points in 3 far blobs (perplexity 3, N just above the minimum);
- ``dups``: 300 points of which 100 are exact copies of 10 points, plus a constant column;
- ``far_cluster``: 400 points, 40 of them one identical point far from the rest.

Each input goes through ``embedscope tsne --learning-rate auto`` (``--method`` auto, i.e.
Barnes-Hut at this size, and ``exact``) and ``sklearn.manifold.TSNE(learning_rate="auto",
init="pca")`` (its default Barnes-Hut), at perplexity ``min(25, (N - 1) / 3)`` (or
``--perplexity``), seed 0, 1000
iterations. Each map is scored by the same code:
- the exact KL(P||Q), P over all pairs at that perplexity (scikit-learn's
  ``_joint_probabilities`` and ``_kl_divergence``), so both sides are measured alike;
- stray points: points whose 2-D nearest-neighbour distance is above 10x the map's median one
  while their input nearest-neighbour distance is at most 3x the input's median, both measured
  among the distinct input rows (copies of a row are one point: they share a place in the map).

The check (exit status 1 when it fails): every embedscope KL finite, each at most 1.05x
scikit-learn's on the same input, and no stray point; where scikit-learn's own map has strays,
no more than it. (That happens on ``dups`` at perplexity 10 and below: a group of identical
points larger than the perplexity takes all of its P within itself, so it forms an island of
its own, in both maps.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
KL_RATIO_MAX = 1.05
STRAY_MAP_FACTOR = 10.0
STRAY_INPUT_FACTOR = 3.0


def gensim_data(name: str) -> Path:
    """A file of gensim's test data, found without importing gensim."""
    spec = find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("gensim is not installed (scripts/pyrun.sh installs it)")
    return Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / name


def read_word_vectors(path: Path) -> np.ndarray:
    """GloVe / word2vec text: a word, then the numbers; a word2vec count header is skipped."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip().split(" ")
            if len(parts) == 2:
                continue
            rows.append([float(v) for v in parts[1:]])
    return np.asarray(rows, dtype=np.float64)


def blobs(n: int, centres: int, dims: int, spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.uniform(-spread, spread, size=(centres, dims))
    return c[np.arange(n) % centres] + rng.standard_normal((n, dims))


def inputs() -> dict[str, np.ndarray]:
    from sklearn import datasets

    rng = np.random.default_rng(1)
    dups = rng.standard_normal((300, 8))
    dups[200:] = dups[np.arange(100) % 10]
    dups[:, 3] = 7.0
    far = rng.standard_normal((400, 6))
    far[360:] = 40.0
    return {
        "glove76": read_word_vectors(gensim_data("test_glove.txt")),
        "lee1762": read_word_vectors(gensim_data("lee_fasttext.vec")),
        "iris": datasets.load_iris().data,
        "wine": datasets.load_wine().data,
        "cancer": datasets.load_breast_cancer().data,
        "digits": datasets.load_digits().data,
        "blobs30": blobs(1200, 30, 10, 50.0, 0),
        "blobs3_10": blobs(10, 3, 5, 30.0, 2),
        "dups": dups,
        "far_cluster": far,
    }


def exact_kl(x: np.ndarray, y: np.ndarray, perplexity: float) -> float:
    from sklearn.manifold._t_sne import _joint_probabilities, _kl_divergence
    from sklearn.metrics import pairwise_distances

    p = _joint_probabilities(pairwise_distances(x, squared=True), perplexity, 0)
    y = np.ascontiguousarray(y, dtype=np.float64)
    kl, _ = _kl_divergence(y.ravel(), p, 1, y.shape[0], y.shape[1])
    return float(kl)


def nn_distance(v: np.ndarray) -> np.ndarray:
    from sklearn.metrics import pairwise_distances

    d = pairwise_distances(v)
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1)


def strays(x: np.ndarray, y: np.ndarray) -> int:
    _, first = np.unique(x, axis=0, return_index=True)
    nx, ny = nn_distance(x[first]), nn_distance(y[first])
    far_in_map = ny > STRAY_MAP_FACTOR * np.median(ny)
    ordinary_in_input = nx <= STRAY_INPUT_FACTOR * np.median(nx)
    return int((far_in_map & ordinary_in_input).sum())


def run_embedscope(binary: str, x: np.ndarray, perplexity: float, method: str, work: Path):
    inp, out, rep = work / "x.npy", work / "y.npy", work / "r.json"
    np.save(inp, x.astype(np.float32))
    cmd = [binary, "tsne", str(inp), "--out", str(out), "--report", str(rep),
           "--learning-rate", "auto", "--perplexity", repr(perplexity), "--method", method]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return np.load(out), json.loads(rep.read_text())["kl_divergence"]


def run_sklearn(x: np.ndarray, perplexity: float) -> np.ndarray:
    from sklearn.manifold import TSNE

    return TSNE(perplexity=perplexity, learning_rate="auto", init="pca",
                random_state=0).fit_transform(x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=str(ROOT / "target/release/embedscope"))
    ap.add_argument("--only", help="comma-separated input names")
    ap.add_argument("--perplexity", type=float, default=25.0,
                    help="perplexity (lowered to (N - 1) / 3 where N is smaller)")
    args = ap.parse_args()
    sets = inputs()
    if args.only:
        sets = {k: v for k, v in sets.items() if k in args.only.split(",")}
    header = ("| input | N x D | perplexity | sklearn KL | ours (auto) KL | ratio | "
              "ours (exact) KL | ratio | strays (sklearn / auto / exact) |")
    print(header)
    print("|" + "---|" * 9)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, x in sets.items():
            n = x.shape[0]
            perplexity = min(args.perplexity, (n - 1) / 3.0)
            ref = run_sklearn(x, perplexity)
            kl_ref = exact_kl(x, ref, perplexity)
            row = [name, f"{n} x {x.shape[1]}", f"{perplexity:.2f}", f"{kl_ref:.4f}"]
            counts = [strays(x, ref)]
            for method in ["auto", "exact"]:
                y, reported = run_embedscope(args.bin, x, perplexity, method, work)
                kl = exact_kl(x, y, perplexity)
                ratio = kl / kl_ref
                counts.append(strays(x, y))
                row += [f"{kl:.4f}", f"{ratio:.3f}"]
                if not (np.isfinite(y).all() and reported is not None
                        and np.isfinite(reported) and reported >= 0):
                    failures.append(f"{name} ({method}): reported KL {reported}")
                if ratio > KL_RATIO_MAX:
                    failures.append(f"{name} ({method}): KL {ratio:.3f}x scikit-learn's")
                if counts[-1] > counts[0]:
                    failures.append(f"{name} ({method}): {counts[-1]} stray points "
                                    f"(scikit-learn: {counts[0]})")
            row.append(" / ".join(map(str, counts)))
            print("| " + " | ".join(row) + " |", flush=True)
    for f in failures:
        print("FAIL:", f)
    print("compare_small:", "ok" if not failures else f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
