#!/usr/bin/env python3
"""The same data through ``embedscope.TSNE``, ``openTSNE.TSNE`` and ``sklearn.manifold.TSNE``
in one run: wall time, peak memory, an exact KL and the 10-NN accuracy of each map.

Every fit runs in a fresh subprocess (so its peak resident memory, ``VmHWM``, is its own;
the baseline of a process that loaded the data and imported the library is reported beside
it), with the same input, perplexity 25 and 1000 iterations in total on every side (250 of
early exaggeration, then 750), each library's automatic learning rate, PCA initialisation and
``--threads`` threads. With ``--repeats R`` the libraries run interleaved R times (a ratio of
times counts only within one run on a shared machine) and the median is reported.

The KL is measured the same way for every map, independently of the libraries' own reports:
P from scikit-learn's sparse affinities (the exact ``3 * perplexity`` nearest neighbours,
``_joint_probabilities_nn``), Q exact over all pairs (the normalisation summed in blocks).
The 10-NN accuracy is leave-one-out on the digit labels.

    .venv-py/bin/python scripts/bench_python.py --points 10000 --pca 50
    .venv-py/bin/python scripts/bench_python.py --only embedscope,opentsne --repeats 3
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MNIST = ROOT.parent.parent / "shared" / "data" / "mnist-10k"
LIBRARIES = ("embedscope", "opentsne", "sklearn")

# Run in the subprocess: load the input, fit, save the map, print the timings as JSON.
CHILD = r"""
import json, sys, time
import numpy as np

def hwm_mb():
    # The process's peak resident memory. (Not ru_maxrss: Linux carries the parent's over exec.)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
lib, path, out, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
X = np.load(path)
if lib == "embedscope":
    import embedscope
    make = lambda: embedscope.TSNE(perplexity=25, n_iter=750, early_exaggeration_iter=250,
                                   random_state=0, n_jobs=threads)
    fit = lambda m: m.fit(X)
elif lib == "opentsne":
    import openTSNE
    make = lambda: openTSNE.TSNE(perplexity=25, n_iter=750, early_exaggeration_iter=250,
                                 random_state=0, n_jobs=threads)
    fit = lambda m: m.fit(X)
else:
    from sklearn.manifold import TSNE
    make = lambda: TSNE(perplexity=25, max_iter=1000, random_state=0, n_jobs=threads)
    fit = lambda m: m.fit_transform(X)
base = hwm_mb()
t = time.perf_counter()
Y = np.asarray(fit(make()), dtype=np.float64)
wall = time.perf_counter() - t
np.save(out, Y)
print(json.dumps({"wall_s": wall, "peak_mb": hwm_mb(), "baseline_mb": base}))
"""


def read_mnist(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` digits of mnist-10k (pixels / 255) and their labels."""
    with gzip.open(MNIST / "images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(MNIST / "labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images[:n].astype(np.float32) / 255.0, labels[:n].astype(int)


def exact_kl(X: np.ndarray, Y: np.ndarray, perplexity: float) -> float:
    """KL(P||Q): P scikit-learn's sparse affinities, Q exact (see the module's documentation)."""
    from sklearn.manifold._t_sne import _joint_probabilities_nn
    from sklearn.neighbors import NearestNeighbors

    k = min(len(X) - 1, int(3 * perplexity))
    dist = NearestNeighbors(n_neighbors=k).fit(X).kneighbors_graph(mode="distance")
    dist.data **= 2
    P = _joint_probabilities_nn(dist, perplexity, 0).tocoo()
    Y = Y.astype(np.float64)
    sq = (Y**2).sum(1)
    z = 0.0
    for s in range(0, len(Y), 1000):
        d2 = sq[s : s + 1000, None] + sq[None, :] - 2 * Y[s : s + 1000] @ Y.T
        z += (1.0 / (1.0 + np.maximum(d2, 0))).sum() - min(1000, len(Y) - s)  # no self pairs
    w = 1.0 / (1.0 + ((Y[P.row] - Y[P.col]) ** 2).sum(1))
    keep = P.data > 0
    return float((P.data[keep] * np.log(P.data[keep] / (w[keep] / z))).sum())


def knn10(Y: np.ndarray, labels: np.ndarray) -> float:
    """Leave-one-out 10-NN accuracy."""
    from sklearn.neighbors import NearestNeighbors

    idx = NearestNeighbors(n_neighbors=11).fit(Y).kneighbors(return_distance=False)[:, 1:]
    votes = labels[idx]
    pred = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    return float((pred == labels).mean())


def overhead(X: np.ndarray, args: argparse.Namespace) -> None:
    """The binding's overhead: each of ``args.overhead`` fits timed from Python (the call,
    conversions and result included) beside the library's own seconds for the same fit
    (neighbours + affinities + optimisation, the initialisation included); the ratio per pair
    and its median."""
    import time

    import embedscope

    ratios = []
    for i in range(args.overhead):
        t = time.perf_counter()
        emb = embedscope.TSNE(perplexity=25, random_state=0, n_jobs=args.threads).fit(X)
        wall = time.perf_counter() - t
        lib = sum(emb.timings.values())
        ratios.append(wall / lib - 1)
        print(f"  pair {i + 1}: from Python {wall:.3f} s, the library's own {lib:.3f} s, "
              f"overhead {100 * ratios[-1]:+.2f}%", flush=True)
    print(f"median overhead over {len(ratios)} pairs: {100 * statistics.median(ratios):+.2f}%")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--pca", type=int, default=50, help="PCA to this many columns first (0: raw)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--only", default=",".join(LIBRARIES))
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--overhead", type=int, metavar="PAIRS", default=0,
                    help="only measure the binding's overhead: PAIRS fits in this process, each "
                    "timed from Python and by the library itself (its phases' seconds)")
    args = ap.parse_args()
    libs = [l for l in args.only.split(",") if l]
    for lib in libs:
        if lib not in LIBRARIES:
            raise SystemExit(f"--only: {lib}: must be among {', '.join(LIBRARIES)}")

    X, labels = read_mnist(args.points)
    if args.pca:
        from sklearn.decomposition import PCA

        X = PCA(n_components=args.pca, random_state=0).fit_transform(X).astype(np.float32)
    if args.overhead:
        overhead(X, args)
        return
    print(f"input: {X.shape[0]} MNIST digits, {X.shape[1]} columns; {args.threads} threads; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
    results: dict[str, list[dict]] = {lib: [] for lib in libs}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "x.npy"
        np.save(data, X)
        for rep in range(args.repeats):
            for lib in libs:
                out = Path(tmp) / f"{lib}.npy"
                run = subprocess.run(
                    [sys.executable, "-c", CHILD, lib, str(data), str(out), str(args.threads)],
                    capture_output=True, text=True, check=False,
                    env={**os.environ, "OMP_NUM_THREADS": str(args.threads)},
                )
                if run.returncode != 0:
                    raise SystemExit(f"{lib} failed:\n{run.stderr}")
                r = json.loads(run.stdout.strip().splitlines()[-1])
                Y = np.load(out)
                r["kl_exact"] = exact_kl(X, Y, 25.0)
                r["knn10"] = knn10(Y, labels)
                results[lib].append(r)
                print(f"  run {rep + 1} {lib:10s} {r['wall_s']:7.2f} s  peak {r['peak_mb']:6.0f} MB "
                      f"(baseline {r['baseline_mb']:.0f})  KL {r['kl_exact']:.4f}  "
                      f"10-NN {r['knn10']:.4f}", flush=True)
    summary = {
        lib: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for lib, rs in results.items()
    }
    print(f"\nmedians over {args.repeats} run(s):")
    print(f"{'library':12s} {'wall s':>8s} {'peak MB':>8s} {'KL':>8s} {'10-NN':>7s}")
    for lib, s in summary.items():
        print(f"{lib:12s} {s['wall_s']:8.2f} {s['peak_mb']:8.0f} {s['kl_exact']:8.4f} {s['knn10']:7.4f}")
    if "embedscope" in summary:
        ours = summary["embedscope"]
        for lib, s in summary.items():
            if lib != "embedscope":
                print(f"embedscope / {lib}: time {ours['wall_s'] / s['wall_s']:.3f}x, "
                      f"KL {ours['kl_exact'] / s['kl_exact']:.3f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "runs": results,
                                               "medians": summary}, indent=1))


if __name__ == "__main__":
    main()
