#!/usr/bin/env python3
"""Side-by-side comparison of ``embedscope umap`` with umap-learn on the same input.

Run it through ``scripts/compare_umap.sh``, which makes the virtual environment (.venv-umap:
umap-learn pinned, numpy, scipy, scikit-learn) and builds the release binary first.

Protocol:

1. Input: ``--input X.npy --labels L.npy``, or by default the 10,000 real digits of
   ``--mnist-dir`` (pixels / 255, then ``embedscope pca --components 50``), or with ``--mnist70k``
   the 70,000 deformed digits of ``examples/deformed_mnist`` (PCA-50; the example is run once
   and its output kept in the work directory).
2. Runs, interleaved, ``--rounds`` times (the order rotates from round to round), each in its own
   process with ``--threads`` threads: ``embedscope umap`` (each ``--inits``, seed 0, the
   command's defaults), umap-learn seeded (``random_state=0``, which makes it single-threaded)
   and umap-learn unseeded (parallel). A umap-learn process calls ``fit_transform`` twice: the
   first call includes numba's compilation ("first"), the second is warm ("warm", whose
   embedding is scored). Wall time, user+sys CPU and peak RSS come from the launcher of
   ``compare_tsne.py`` (``os.wait4``), with the CPU other processes used meanwhile.
3. Quality, the same function for every embedding: leave-one-out 10-NN label accuracy (majority
   vote), and scikit-learn's ``trustworthiness`` (k = 15) on a 5,000-point sample drawn with
   ``numpy.random.default_rng(0)``.
4. Output: a Markdown table printed and written to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_tsne import knn_accuracy, read_idx, run_timed, thread_env  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRUST_SAMPLE = 5000
TRUST_K = 15

# The umap-learn child: argv = input, output embedding, timings json, seeded (0/1), threads.
UMAP_CHILD = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import umap
t_import = time.perf_counter() - t0
x = np.load(sys.argv[1])
seeded = sys.argv[4] == "1"
kw = dict(random_state=0) if seeded else dict(n_jobs=int(sys.argv[5]))
times = []
for _ in range(2):
    t = time.perf_counter()
    y = umap.UMAP(**kw).fit_transform(x)
    times.append(time.perf_counter() - t)
np.save(sys.argv[2], y.astype(np.float32))
json.dump({"import_s": t_import, "first_s": times[0], "warm_s": times[1],
           "version": umap.__version__}, open(sys.argv[3], "w"))
"""


def mnist10k(work: Path, mnist_dir: Path, bin_: str) -> tuple[Path, Path]:
    """The 10,000 digits as pixels / 255 reduced to 50 columns by ``embedscope pca``."""
    out, labels = work / "mnist10k.npy", work / "mnist10k-labels.npy"
    if not out.is_file():
        pixels = read_idx(mnist_dir / "images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
        np.save(work / "mnist10k-pixels.npy", pixels.astype(np.float32))
        np.save(labels, read_idx(mnist_dir / "labels-idx1-ubyte.gz").astype(np.uint8))
        subprocess.run(
            [bin_, "pca", str(work / "mnist10k-pixels.npy"), "--components", "50",
             "--out", str(out)], check=True)
    return out, labels


def deformed70k(work: Path, bin_: str) -> tuple[Path, Path]:
    """70,000 deformed digits, PCA-50, by the example beside the binary (built if missing)."""
    prefix = work / "deformed70k"
    out, labels = prefix.with_suffix(".npy"), work / "deformed70k-labels.npy"
    if not out.is_file():
        example = Path(bin_).parent / "examples" / "deformed_mnist"
        if not example.is_file():
            subprocess.run(
                ["cargo", "build", "--release", "--quiet", "--no-default-features",
                 "--example", "deformed_mnist", "--manifest-path", str(ROOT / "Cargo.toml")],
                check=True)
        subprocess.run([str(example), "70000", str(prefix)], check=True)
    return out, labels


def score(x: np.ndarray, y: np.ndarray, labels: np.ndarray) -> dict:
    from sklearn.manifold import trustworthiness

    sample = np.random.default_rng(0).choice(x.shape[0], min(TRUST_SAMPLE, x.shape[0]),
                                             replace=False)
    return {
        "knn10": knn_accuracy(y, labels, 10),
        "trust15": float(trustworthiness(x[sample], y[sample], n_neighbors=TRUST_K)),
    }


def run_embedscope(args, x_path: Path, init: str, work: Path, tag: str) -> dict:
    out = work / f"{tag}.npy"
    report = work / f"{tag}.json"
    cmd = [args.bin, "umap", str(x_path), "--out", str(out), "--init", init,
           "--threads", str(args.threads), "--report", str(report), *args.extra]
    res = run_timed(cmd, thread_env(args.threads), work / f"{tag}.log", args.timeout)
    res["seconds"] = json.loads(report.read_text())["seconds"]
    res["embedding"] = out
    return res


def run_umap_learn(args, x_path: Path, seeded: bool, work: Path, tag: str) -> dict:
    out, times = work / f"{tag}.npy", work / f"{tag}.times.json"
    child = work / "umap_child.py"
    child.write_text(UMAP_CHILD)
    cmd = [args.python, str(child), str(x_path), str(out), str(times), "1" if seeded else "0",
           str(args.threads)]
    res = run_timed(cmd, thread_env(args.threads), work / f"{tag}.log", args.timeout)
    res.update(json.loads(times.read_text()))
    res["embedding"] = out
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True, help="the embedscope binary")
    ap.add_argument("--input", type=Path, help="input .npy (default: MNIST-10k, PCA-50)")
    ap.add_argument("--labels", type=Path, help="labels .npy of --input")
    ap.add_argument("--mnist70k", action="store_true", help="70,000 deformed digits, PCA-50")
    ap.add_argument("--mnist-dir", type=Path, default=ROOT / "assets/mnist-10k")
    ap.add_argument("--work", type=Path, default=ROOT / "target/compare-umap")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--inits", default="pca,spectral", help="embedscope inits, comma-separated")
    ap.add_argument("--umap-learn", default="seeded,parallel",
                    help="umap-learn runs: seeded, parallel (comma-separated; empty: none)")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--python", default=sys.executable, help="the Python with umap-learn")
    ap.add_argument("--out", type=Path, help="also write the table here")
    ap.add_argument("extra", nargs="*", help="after --: more flags for embedscope umap")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.input:
        x_path, labels_path = args.input, args.labels
    elif args.mnist70k:
        x_path, labels_path = deformed70k(args.work, args.bin)
    else:
        x_path, labels_path = mnist10k(args.work, args.mnist_dir, args.bin)
    x = np.load(x_path).astype(np.float32)
    labels = np.load(labels_path).astype(np.int64)
    runs = [("embedscope", i) for i in args.inits.split(",") if i]
    runs += [("umap-learn", s) for s in args.umap_learn.split(",") if s]
    rows = []
    for r in range(args.rounds):
        for tool, variant in runs[r % len(runs):] + runs[:r % len(runs)]:
            tag = f"{tool}-{variant}-r{r}"
            if tool == "embedscope":
                res = run_embedscope(args, x_path, variant, args.work, tag)
            else:
                res = run_umap_learn(args, x_path, variant == "seeded", args.work, tag)
            res.update(score(x, np.load(res.pop("embedding")), labels))
            res.update(tool=tool, variant=variant, round=r)
            print(json.dumps(res), file=sys.stderr, flush=True)
            rows.append(res)
    lines = [
        f"N = {x.shape[0]}, D = {x.shape[1]}, threads {args.threads}, input {x_path}",
        "",
        "| round | run | wall s | first call s | warm call s | CPU s | peak RSS MiB | "
        "other CPU % | 10-NN acc | trust. k=15 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for res in rows:
        first = f"{res['first_s']:.1f}" if "first_s" in res else ""
        warm = f"{res['warm_s']:.1f}" if "warm_s" in res else ""
        lines.append(
            f"| {res['round']} | {res['tool']} {res['variant']} | {res['wall_s']:.1f} | {first} | "
            f"{warm} | {res['cpu_s']:.1f} | {res['peak_rss_mib']:.0f} | "
            f"{res['other_cpu_pct']:.0f} | {res['knn10']:.4f} | {res['trust15']:.4f} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
