#!/usr/bin/env python3
"""Places held-out digits into a fixed t-SNE map with ``embedscope transform`` and with openTSNE
1.0.4's ``TSNEEmbedding.transform``, side by side in one run.

Run it through ``scripts/compare_transform.sh`` (the venv and the build of
``scripts/compare_opentsne.sh``).

1. Input: ``examples/deformed_mnist 70000`` (the 10,000 digits and 60,000 deformations, PCA-50).
   The split is by digit: rows of digits 0-8,570 (``i mod 10000``) are reference candidates,
   the others new, so no digit has a deformation on both sides; the first ``--n-ref`` and
   ``--n-new`` rows of each are used.
2. The map: ``embedscope tsne --learning-rate auto --save-map`` on the reference rows (timed,
   not compared).
3. Placing: ``embedscope transform MAP NEW --out`` in its own process (wall time of the whole
   command: start-up, loading the map, neighbours, optimisation, writing), and openTSNE's
   ``transform`` of the same rows into the same map (a ``TSNEEmbedding`` of our coordinates
   with openTSNE's ``PerplexityBasedNN`` affinities of the reference rows; only the
   ``transform`` call is timed, the index is built before). ``--threads`` each.
4. Score: the 10-NN label accuracy of the placed points: majority vote (ties to the smallest
   label) of their 10 nearest reference points in the map, against their true labels; and
   the median distance of each placed point to its nearest reference point, in units of the
   map's extent.

``--variant "FLAGS"`` (repeatable) adds embedscope runs with extra ``transform`` flags.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_tsne import machine_line, run_timed, thread_env  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROWS = 70_000
DIGIT_CUT = 8_571


def placed_accuracy(ref_map, ref_labels, placed, labels, k=10) -> float:
    """10-NN vote among the reference points of the map, against the true labels."""
    from sklearn.neighbors import NearestNeighbors

    idx = NearestNeighbors(n_neighbors=k).fit(ref_map).kneighbors(placed, return_distance=False)
    votes = np.zeros((placed.shape[0], int(ref_labels.max()) + 1), dtype=np.int64)
    np.add.at(votes, (np.repeat(np.arange(placed.shape[0]), k), ref_labels[idx].ravel()), 1)
    return float((votes.argmax(axis=1) == labels).mean())


def split(args, work: Path):
    prefix = work / f"deformed{ROWS}"
    if not prefix.with_suffix(".npy").is_file():
        example = Path(args.bin).parent / "examples" / "deformed_mnist"
        subprocess.run([str(example), str(ROWS), str(prefix)], check=True)
    x = np.load(prefix.with_suffix(".npy"))
    y = np.load(work / f"deformed{ROWS}-labels.npy").astype(np.int64)
    digit = np.arange(ROWS) % 10_000
    ref, new = np.flatnonzero(digit < DIGIT_CUT)[: args.n_ref], np.flatnonzero(digit >= DIGIT_CUT)[: args.n_new]
    paths = {}
    for name, rows in (("ref", ref), ("new", new)):
        paths[name] = work / f"{name}{len(rows)}.npy"
        np.save(paths[name], x[rows])
        np.save(work / f"{name}{len(rows)}-labels.npy", y[rows])
    return paths, y[ref], y[new]


def opentsne_child(argv: list[str]) -> None:
    """Child process: openTSNE's transform of NEW into the map MAP of REF, timed inside."""
    ref, ref_map, new, out, meta, threads = argv
    import openTSNE
    from openTSNE import TSNEEmbedding, affinity

    x_ref = np.load(ref).astype(np.float64)
    x_new = np.load(new).astype(np.float64)
    t0 = time.perf_counter()
    aff = affinity.PerplexityBasedNN(x_ref, perplexity=25, n_jobs=int(threads), random_state=0)
    emb = TSNEEmbedding(np.load(ref_map).astype(np.float64), aff, n_jobs=int(threads), random_state=0)
    t1 = time.perf_counter()
    placed = emb.transform(x_new)
    t2 = time.perf_counter()
    # transform centres the reference map in place: keep both in that frame.
    np.save(out, np.asarray(placed))
    np.save(out.replace(".npy", "-ref.npy"), np.asarray(emb))
    Path(meta).write_text(json.dumps({"version": openTSNE.__version__, "index_s": t1 - t0, "transform_s": t2 - t1}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_opentsne":
        opentsne_child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get("EMBEDSCOPE_BIN", str(ROOT / "target/release/embedscope")))
    ap.add_argument("--n-ref", type=int, default=60_000)
    ap.add_argument("--n-new", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", default=str(ROOT / "target/transform-compare"))
    ap.add_argument("--variant", action="append", default=[], help="extra embedscope transform flags")
    ap.add_argument("--skip-opentsne", action="store_true")
    ap.add_argument("--reuse-map", action="store_true", help="keep WORKDIR's map if it is there")
    ap.add_argument("--timeout", type=float, default=3600.0)
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    env = thread_env(args.threads)
    print(f"Machine: {machine_line()}")
    paths, ref_labels, new_labels = split(args, work)
    mapdir = work / f"map{args.n_ref}"
    ref_map_npy = work / f"ref{args.n_ref}-map.npy"
    if not (args.reuse_map and (mapdir / "map.json").is_file()):
        fit = run_timed(
            [args.bin, "tsne", str(paths["ref"]), "--out", str(ref_map_npy), "--learning-rate", "auto",
             "--threads", str(args.threads), "--save-map", str(mapdir)],
            env, work / "fit.log", args.timeout,
        )  # fmt: skip
        print(f"map: embedscope tsne of {args.n_ref} reference rows, {fit['wall_s']:.1f} s")
    ref_map = np.load(ref_map_npy)
    extent = float((ref_map.max(axis=0) - ref_map.min(axis=0)).max())
    rows = []
    for i, variant in enumerate([""] + args.variant):
        out = work / f"placed-embedscope-{i}.npy"
        cmd = [args.bin, "transform", str(mapdir), str(paths["new"]), "--out", str(out),
               "--threads", str(args.threads), *shlex.split(variant)]  # fmt: skip
        res = run_timed(cmd, env, work / f"embedscope-{i}.log", args.timeout)
        placed = np.load(out)
        acc = placed_accuracy(ref_map, ref_labels, placed, new_labels)
        rows.append((f"embedscope transform {variant}".strip(), res["wall_s"], res["peak_rss_mib"], acc))
        print(f"{rows[-1][0]}: wall {res['wall_s']:.2f} s, {res['peak_rss_mib']:.0f} MiB, 10-NN {acc:.4f}")
    if not args.skip_opentsne:
        out, meta = work / "placed-opentsne.npy", work / "opentsne.meta.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "_opentsne", str(paths["ref"]), str(ref_map_npy),
               str(paths["new"]), str(out), str(meta), str(args.threads)]  # fmt: skip
        res = run_timed(cmd, env, work / "opentsne.log", args.timeout)
        m = json.loads(meta.read_text())
        placed, centred = np.load(out), np.load(str(out).replace(".npy", "-ref.npy"))
        acc = placed_accuracy(centred, ref_labels, placed, new_labels)
        rows.append((f"openTSNE {m['version']} transform (index {m['index_s']:.1f} s before)", m["transform_s"],
                     res["peak_rss_mib"], acc))  # fmt: skip
        print(f"{rows[-1][0]}: transform {m['transform_s']:.2f} s, 10-NN {acc:.4f}")
    print(f"\n{args.n_new} new points into a map of {args.n_ref} (extent {extent:.1f}), {args.threads} threads\n")
    print("| | wall (s) | peak RSS (MiB) | 10-NN accuracy |\n|---|---:|---:|---:|")
    for name, wall, rss, acc in rows:
        print(f"| {name} | {wall:.2f} | {rss:.0f} | {acc:.4f} |")
    if not args.skip_opentsne:
        ot = rows[-1]
        for name, wall, _, acc in rows[:-1]:
            print(f"\n{name}: time ratio {wall / ot[1]:.3f}, accuracy difference {acc - ot[3]:+.4f}")


if __name__ == "__main__":
    main()
