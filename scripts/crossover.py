#!/usr/bin/env python3
"""Measures the crossovers that `--method auto` and `--neighbors auto` use (issue 11).

For each size N (the first N rows of a PREFIX.npy from examples/deformed_mnist):
- gradient: `embedscope tsne` (2-D, perplexity 25, lr auto, exact neighbours) with
  `--method bh` and `--method fft`, the optimisation seconds from each report;
- neighbours: examples/knn_recall's exact and approximate search times and recall (k = 75).
Runs alternate between the two methods, so both see the same load. Prints a Markdown table.

    python3 scripts/crossover.py --bin target/release/embedscope \\
        --knn target/release/examples/knn_recall --input target/scale/mnist70k.npy \\
        --sizes 5000,10000,20000,40000 --knn-sizes 10000,20000,40000,70000

Needs numpy (the `.venv-compare` of scripts/compare_opentsne.sh has it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np


def tsne_seconds(binary: str, x: Path, method: str, work: Path, threads: int, iters: int) -> dict:
    out, report = work / f"{method}.npy", work / f"{method}.json"
    subprocess.run(
        [binary, "tsne", str(x), "--out", str(out), "--report", str(report),
         "--method", method, "--neighbors", "exact", "--learning-rate", "auto",
         "--iterations", str(iters), "--threads", str(threads)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    r = json.loads(report.read_text())
    return {"optimization": r["seconds"]["optimization"], "kl": r["kl_divergence"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="the embedscope executable")
    ap.add_argument("--knn", help="examples/knn_recall (omit to skip the neighbour crossover)")
    ap.add_argument("--input", required=True, help="PREFIX.npy of examples/deformed_mnist")
    ap.add_argument("--sizes", default="5000,10000,20000,40000")
    ap.add_argument("--knn-sizes", default="10000,20000,40000,70000")
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", help="also write the table here")
    args = ap.parse_args()

    data = np.load(args.input)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lines += ["| N | Barnes-Hut optimisation s | FFT optimisation s | FFT / BH | KL BH | KL FFT |",
                  "|---:|---:|---:|---:|---:|---:|"]
        for k, n in enumerate(int(s) for s in args.sizes.split(",") if s):
            x = work / f"x{n}.npy"
            np.save(x, np.ascontiguousarray(data[:n], dtype=np.float32))
            order = ["bh", "fft"] if k % 2 == 0 else ["fft", "bh"]
            res = {m: tsne_seconds(args.bin, x, m, work, args.threads, args.iterations) for m in order}
            bh, fft = res["bh"], res["fft"]
            lines.append(f"| {n:,} | {bh['optimization']:.1f} | {fft['optimization']:.1f} | "
                         f"{fft['optimization'] / bh['optimization']:.2f} | {bh['kl']:.3f} | {fft['kl']:.3f} |")
            print(lines[-1], flush=True)
        if args.knn:
            lines += ["", "| N | exact k-NN s | approximate k-NN s | approx / exact | recall (k = 75) |",
                      "|---:|---:|---:|---:|---:|"]
            for n in (int(s) for s in args.knn_sizes.split(",") if s):
                x = work / f"x{n}.npy"
                np.save(x, np.ascontiguousarray(data[:n], dtype=np.float32))
                out = subprocess.run([args.knn, str(x)], check=True, capture_output=True, text=True,
                                     env={"RAYON_NUM_THREADS": str(args.threads)})
                r = json.loads(out.stdout.strip().splitlines()[-1])
                lines.append(f"| {n:,} | {r['exact_s']:.1f} | {r['approx_s']:.1f} | "
                             f"{r['approx_s'] / max(r['exact_s'], 1e-9):.2f} | {r['recall']:.3f} |")
                print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")


if __name__ == "__main__":
    main()
