"""Beyond one machine: fit a t-SNE map on a sample, then place every point of a larger array
into it in parallel with Dask (``dask.distributed``).

The map is fitted once, in this process, on a random sample; the fitted
``embedscope.TSNEEmbedding`` (the map and its reference vectors) is pickled to every worker
once (``Client.scatter(broadcast=True)``, inside a small wrapper); each partition of the array is placed by
``TSNEEmbedding.transform`` on a worker. Each point is placed against the fixed map alone, so
the result is the same bits as placing everything in one process, however the array is
partitioned: ``--check`` verifies exactly that.

Here the cluster is a ``LocalCluster`` (worker processes on this machine); pass
``--scheduler tcp://host:8786`` to run the same code on a real cluster. Only the map and
the partitions' bounds travel: each worker reads its rows itself, from a float32 ``.npy``
(memory-mapped; on a cluster, a path every worker sees) or, without ``--data``, makes them
(synthetic clusters, each row from its own seed).

    python examples/dask_transform.py --points 100000 --sample 10000 --workers 2
    python examples/dask_transform.py --data vectors.npy --sample 20000 --scheduler tcp://...
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def synthetic(start: int, stop: int, d: int) -> np.ndarray:
    """Rows ``start..stop`` of a synthetic set: 20 Gaussian clusters of ``d`` columns (float32),
    each row from its own seed, so that any worker makes any partition alone."""
    centres = np.random.default_rng(0).normal(size=(20, d)).astype(np.float32) * 4
    rows = np.empty((stop - start, d), dtype=np.float32)
    for i in range(start, stop):
        rng = np.random.default_rng(i + 1)
        rows[i - start] = centres[rng.integers(0, 20)] + rng.normal(size=d)
    return rows


def rows(source: str | None, start: int, stop: int, d: int) -> np.ndarray:
    """Rows ``start..stop`` of the input, read where this runs: a slice of the memory-mapped
    ``.npy`` (on a cluster, a path every worker sees), or made (synthetic)."""
    if source:
        return np.ascontiguousarray(np.load(source, mmap_mode="r")[start:stop])
    return synthetic(start, stop, d)


class Map:
    """The fitted map, as workers receive it. (Dask would send a bare array, the
    ``TSNEEmbedding`` subclass, through its own NumPy serialiser, which keeps the numbers only;
    inside an object it is pickled whole, reference vectors included.)"""

    def __init__(self, emb) -> None:
        self.emb = emb


def place(span: tuple, fitted: Map, source: str | None, d: int) -> np.ndarray:
    """One partition, read and placed into the map on one worker thread."""
    return np.asarray(fitted.emb.transform(rows(source, *span, d), n_jobs=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="an N x D .npy of vectors (default: synthetic clusters)")
    ap.add_argument("--points", type=int, default=50_000, help="synthetic points")
    ap.add_argument("--dims", type=int, default=50, help="synthetic columns")
    ap.add_argument("--sample", type=int, default=5_000, help="points the map is fitted on")
    ap.add_argument("--partition", type=int, default=5_000, help="points per partition")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("--scheduler", help="address of an existing Dask scheduler")
    ap.add_argument("--check", action="store_true",
                    help="also place everything in this process and require the same bits")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from dask.distributed import Client, LocalCluster

    import embedscope

    if args.data:
        n, d = np.load(args.data, mmap_mode="r").shape
    else:
        n, d = args.points, args.dims
    rng = np.random.default_rng(args.seed)
    sample = np.sort(rng.choice(n, size=min(args.sample, n), replace=False))
    fit_rows = (np.load(args.data, mmap_mode="r")[sample] if args.data else
                np.concatenate([synthetic(i, i + 1, d) for i in sample]))
    t = time.perf_counter()
    emb = embedscope.TSNE(random_state=args.seed).fit(fit_rows)
    fit_s = time.perf_counter() - t
    print(f"fitted the map on {len(sample)} of {n} points in {fit_s:.1f} s (KL {emb.kl_divergence:.3f})")

    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
    with client:
        t = time.perf_counter()
        map_on_workers = client.scatter(Map(emb), broadcast=True)
        spans = [(a, min(a + args.partition, n)) for a in range(0, n, args.partition)]
        futures = client.map(place, spans, fitted=map_on_workers, source=args.data, d=d)
        placed = client.gather(futures)
        coords = np.concatenate(placed)
        dask_s = time.perf_counter() - t
    print(f"placed {n} points in {len(placed)} partitions on {args.workers if not args.scheduler else 'the'} "
          f"worker(s) in {dask_s:.1f} s ({n / dask_s:,.0f} points/s)")
    assert coords.shape == (n, emb.shape[1]) and np.isfinite(coords).all()
    if args.check:
        t = time.perf_counter()
        local = np.asarray(emb.transform(rows(args.data, 0, n, d)))
        print(f"in this process: {time.perf_counter() - t:.1f} s")
        if not np.array_equal(local, coords):
            raise SystemExit("dask_transform: the distributed placement differs from the local one")
        print("check: the same bits as placing everything in one process")


if __name__ == "__main__":
    main()
