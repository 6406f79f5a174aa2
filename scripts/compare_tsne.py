#!/usr/bin/env python3
"""Side-by-side comparison of embedscope's Barnes-Hut t-SNE with openTSNE 1.0.4 (BH) on MNIST.

Run it through ``scripts/compare_opentsne.sh``, which builds the virtual environment
(openTSNE, numpy, scipy, scikit-learn) and the release binary first.

What it does (protocol of the t-SNE anchors file):

1. Input: the IDX files in ``assets/mnist-10k``: pixels / 255 as float64, centred, PCA to 64
   dimensions with a numpy SVD (deterministic, sign-fixed), written as float32 ``.npy``. ``--n``
   keeps the first N rows of that 10,000 x 64 matrix (the data is shuffled and class-balanced).
2. Timing: in ``--rounds`` interleaved rounds (the order alternates from round to round) it runs
   ``embedscope tsne`` (``--learning-rate auto``, PCA init default) and openTSNE BH (perplexity 25,
   its defaults, 250 early-exaggeration + 750 iterations) each in its own process, with
   ``--threads`` threads (``OMP_NUM_THREADS`` / ``RAYON_NUM_THREADS`` too). It records the process
   wall time (everything: start-up, loading, neighbours, optimisation, writing), user+sys CPU time
   and peak RSS (from ``os.wait4`` in a small launcher process), and the CPU time other processes used meanwhile (from
   ``/proc/stat``) so contended runs can be told apart.
3. Quality: every embedding is scored by the same function: the exact KL(P||Q), with P the exact
   perplexity-25 joint affinity over all N^2 pairs of the 64-d input (scikit-learn's
   ``_joint_probabilities``) and the formula of scikit-learn's ``_kl_divergence``; and 10-NN
   leave-one-out label accuracy in 2-D (majority vote, ties to the smallest label).
4. Output: a Markdown table printed and written to ``--out``.

``--scale70k`` instead runs the scale check: the 10,000 64-d points tiled seven times with
seeded N(0, jitter^2) noise (N = 70,000), one ``embedscope tsne --learning-rate auto`` run, with
wall time, peak RSS and 10-NN accuracy (exact KL is not computed: it needs all N^2 pairs).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
CONTENDED_PCT = 5.0  # % of one core used by other processes that marks a run as contended
EARLY_EXAGGERATION_ITER = 250


# --------------------------------------------------------------------------- input


def read_idx(path: Path) -> np.ndarray:
    """Reads a (possibly gzipped) IDX file of unsigned bytes."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    magic = struct.unpack(">I", raw[:4])[0]
    if magic >> 8 != 0x08:
        raise SystemExit(f"error: {path}: not an unsigned-byte IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise SystemExit(f"error: {path}: body has {body.size} bytes, header says {dims}")
    return body.reshape(dims)


def find_idx(mnist_dir: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (mnist_dir / name).is_file():
            return mnist_dir / name
    raise SystemExit(f"error: {mnist_dir}: no {stem}[.gz]")


def mnist_pca64(mnist_dir: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """All images of ``mnist_dir`` as pixels/255 (float64), centred, PCA to 64 with a sign-fixed
    numpy SVD. Returns (X64 as float64, labels, explained-variance ratio of the 64 components)."""
    images = read_idx(find_idx(mnist_dir, "images-idx3-ubyte"))
    labels = read_idx(find_idx(mnist_dir, "labels-idx1-ubyte")).astype(np.int64)
    x = images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
    x -= x.mean(axis=0)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    # Sign fix: the entry of largest magnitude in each principal axis is positive.
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    vt *= signs[:, None]
    explained = float((s[:64] ** 2).sum() / (s**2).sum())
    return x @ vt[:64].T, labels, explained


# --------------------------------------------------------------------------- quality


def exact_joint_p(x: np.ndarray, perplexity: float) -> np.ndarray:
    """Exact joint P (condensed) over all pairs, as scikit-learn's exact t-SNE builds it."""
    from sklearn.manifold._t_sne import _joint_probabilities
    from sklearn.metrics import pairwise_distances

    d2 = pairwise_distances(x, metric="euclidean", squared=True)
    p = _joint_probabilities(d2, perplexity, 0)
    del d2
    return p


def exact_kl(p: np.ndarray, y: np.ndarray) -> float:
    """KL(P||Q) of embedding ``y`` with the formula of scikit-learn's ``_kl_divergence``
    (Student-t, one degree of freedom, over all pairs)."""
    from sklearn.manifold._t_sne import _kl_divergence

    y = np.ascontiguousarray(y, dtype=np.float64)
    n, dims = y.shape
    kl, _ = _kl_divergence(y.ravel(), p, 1, n, dims)
    return float(kl)


def knn_accuracy(y: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Leave-one-out k-NN label accuracy in the embedding (majority vote, ties to the smallest
    label)."""
    from sklearn.neighbors import NearestNeighbors

    idx = NearestNeighbors(n_neighbors=k).fit(y).kneighbors(return_distance=False)
    votes = np.zeros((y.shape[0], int(labels.max()) + 1), dtype=np.int64)
    np.add.at(votes, (np.repeat(np.arange(y.shape[0]), k), labels[idx].ravel()), 1)
    return float((votes.argmax(axis=1) == labels).mean())


# --------------------------------------------------------------------------- timing


def cpu_busy_s() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores)."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:9]]
    idle = vals[3] + vals[4]
    return (sum(vals) - idle) / CLK_TCK


# Runs the command given after the stats-file path as this (small, freshly started) process's
# child and writes its wall time, CPU time and peak RSS there. The measuring process has to be
# small: a child's ru_maxrss starts from the RSS of the process it was forked from, so forking
# the benchmark commands from this script (which holds P) would inflate their peak RSS.
LAUNCHER = """
import json, os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    json.dump({"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "maxrss_kib": ru.ru_maxrss,
               "code": os.waitstatus_to_exitcode(status)}, f)
"""


def run_timed(cmd: list[str], env: dict, log: Path, timeout: float) -> dict:
    """Runs ``cmd`` and returns its wall s, user+sys CPU s and peak RSS MiB (measured by a small
    launcher process), and the CPU time other processes used meanwhile (% of one core)."""
    stats = log.with_suffix(".rusage.json")
    stats.unlink(missing_ok=True)
    busy0 = cpu_busy_s()
    t0 = time.perf_counter()
    with open(log, "w") as logf:
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", LAUNCHER, str(stats), *cmd],
            env=env,
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            raise SystemExit(f"error: timed out after {timeout:.0f} s: {' '.join(cmd)}")
    elapsed = time.perf_counter() - t0
    busy = cpu_busy_s() - busy0
    res = json.loads(stats.read_text()) if stats.is_file() else {"code": proc.returncode}
    if proc.returncode != 0 or res["code"] != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"error: exit {res['code']}: {' '.join(cmd)}\n{tail}")
    return {
        "wall_s": res["wall_s"],
        "cpu_s": res["cpu_s"],
        "peak_rss_mib": res["maxrss_kib"] / 1024.0,
        "other_cpu_pct": max(0.0, busy - res["cpu_s"]) / elapsed * 100.0,
    }


def thread_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def run_embedscope(args, inp: Path, out: Path, tag: str) -> dict:
    report = out.with_suffix(".report.json")
    cmd = [
        str(args.bin), "tsne", str(inp), "--out", str(out),
        "--learning-rate", "auto",
        "--iterations", str(args.iterations),
        "--perplexity", str(args.perplexity),
        "--threads", str(args.threads),
        "--report", str(report),
    ]  # fmt: skip
    res = run_timed(cmd, thread_env(args.threads), out.with_suffix(".log"), args.timeout)
    res["report"] = json.loads(report.read_text()) if report.is_file() else None
    res["out"] = str(out)
    res["tag"] = tag
    return res


def run_one(name, args, inp, out, r, n):
    """Runs one implementation for round r; returns its record and its checked N x 2 embedding."""
    if name == "embedscope":
        res = run_embedscope(args, inp, out, f"r{r}")
    else:
        res = run_opentsne(args, inp, out, f"r{r}", seed=r)
    y = np.load(out).astype(np.float64)
    if y.shape != (n, 2) or not np.isfinite(y).all():
        raise SystemExit(f"error: {out}: expected a finite {n} x 2 embedding, got {y.shape}")
    return res, y


def run_opentsne(args, inp: Path, out: Path, tag: str, seed: int) -> dict:
    meta = out.with_suffix(".meta.json")
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "_opentsne", str(inp), str(out), str(meta),
        "--seed", str(seed), "--threads", str(args.threads),
        "--perplexity", str(args.perplexity), "--iterations", str(args.iterations),
    ]  # fmt: skip
    res = run_timed(cmd, thread_env(args.threads), out.with_suffix(".log"), args.timeout)
    res["report"] = json.loads(meta.read_text())
    res["out"] = str(out)
    res["tag"] = tag
    return res


def opentsne_child(argv: list[str]) -> None:
    """Child process: one openTSNE BH fit (its defaults otherwise), timed inside."""
    ap = argparse.ArgumentParser(prog="compare_tsne.py _opentsne")
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("meta")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--perplexity", type=float, required=True)
    ap.add_argument("--iterations", type=int, required=True)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    import openTSNE

    t1 = time.perf_counter()
    x = np.load(a.inp).astype(np.float64)
    t2 = time.perf_counter()
    tsne = openTSNE.TSNE(
        n_components=2,
        perplexity=a.perplexity,
        early_exaggeration_iter=EARLY_EXAGGERATION_ITER,
        n_iter=a.iterations - EARLY_EXAGGERATION_ITER,
        negative_gradient_method="bh",
        theta=0.5,
        n_jobs=a.threads,
        random_state=a.seed,
        verbose=False,
    )
    y = np.asarray(tsne.fit(x), dtype=np.float64)
    t3 = time.perf_counter()
    np.save(a.out, y)
    Path(a.meta).write_text(
        json.dumps(
            {
                "version": openTSNE.__version__,
                "import_s": t1 - t0,
                "load_s": t2 - t1,
                "fit_s": t3 - t2,
                "params": {k: str(v) for k, v in tsne.get_params().items()}
                if hasattr(tsne, "get_params")
                else None,
            }
        )
    )


# --------------------------------------------------------------------------- report


def fmt_phases(report) -> str:
    """Seconds per phase: embedscope's ``--report`` (``seconds``), or the times measured inside
    openTSNE's process."""
    if not isinstance(report, dict):
        return "-"
    if isinstance(report.get("seconds"), dict):
        sec = report["seconds"]
        text = ", ".join(f"{k} {v:.2f}" for k, v in sec.items())
        iters = report.get("parameters", {}).get("iterations")
        if iters and "optimization" in sec:
            text += f" ({sec['optimization'] / iters * 1e3:.1f} ms/iter incl. init)"
        return text
    return ", ".join(f"{k[:-2]} {report[k]:.2f}" for k in ("import_s", "load_s", "fit_s") if k in report)


def machine_line() -> str:
    load = os.getloadavg()
    return (
        f"{platform.node()} ({os.cpu_count()} CPUs), load average at start "
        f"{load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}"
    )


def compare(args) -> None:
    import openTSNE
    import sklearn

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    header = [f"Machine: {machine_line()}"]
    x64_all, labels_all, explained = mnist_pca64(Path(args.mnist_dir))
    n = args.n
    if not 0 < n <= x64_all.shape[0]:
        raise SystemExit(f"error: --n {n}: must be in 1..={x64_all.shape[0]}")
    x = x64_all[:n]
    labels = labels_all[:n]
    inp = work / f"mnist{n}_pca64.npy"
    np.save(inp, x.astype(np.float32))
    x32 = np.load(inp).astype(np.float64)  # what both implementations see
    header.append(
        f"Input: {inp} ({n} x 64 float32; PCA of {x64_all.shape[0]} centred pixels/255 keeps "
        f"{explained * 100:.1f} % of the variance)"
    )
    t = time.perf_counter()
    p = exact_joint_p(x32, args.perplexity)
    header.append(f"Exact P: {time.perf_counter() - t:.1f} s")

    runs = {"embedscope": [], "openTSNE": []}
    for r in range(1, args.rounds + 1):
        order = ["embedscope", "openTSNE"] if r % 2 else ["openTSNE", "embedscope"]
        for name in order:
            res, y = run_one(name, args, inp, work / f"{name}_n{n}_r{r}.npy", r, n)
            res["kl"] = exact_kl(p, y)
            res["knn10"] = knn_accuracy(y, labels)
            res["y_std"] = float(y.std())
            runs[name].append(res)
            print(
                f"round {r} {name:10s} wall {res['wall_s']:7.2f} s  cpu {res['cpu_s']:7.2f} s  "
                f"rss {res['peak_rss_mib']:6.0f} MiB  other {res['other_cpu_pct']:4.1f} %  "
                f"KL {res['kl']:.4f}  10-NN {res['knn10']:.4f}",
                flush=True,
            )

    pairs = list(zip(runs["embedscope"], runs["openTSNE"]))
    ratios = [e["wall_s"] / o["wall_s"] for e, o in pairs]
    cpu_ratios = [e["cpu_s"] / o["cpu_s"] for e, o in pairs]
    lines = header + [
        "",
        f"N = {n}, perplexity {args.perplexity:g}, {args.iterations} iterations "
        f"({EARLY_EXAGGERATION_ITER} early exaggeration), {args.threads} threads, {args.rounds} "
        f"interleaved rounds. embedscope: `{args.bin}` (--learning-rate auto, PCA init); "
        f"openTSNE {openTSNE.__version__} BH θ=0.5, its defaults (PCA init, lr auto, Annoy kNN); "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}.",
        "Wall = the whole process (start-up, loading, kNN + P, optimisation, writing). "
        "KL = exact KL(P‖Q) over all N² pairs; 10-NN = leave-one-out label accuracy in 2-D.",
        "",
        "| implementation | median wall s | walls per round s | median CPU s | peak RSS MiB | "
        "KL exact (mean) | 10-NN acc (mean) | wall ratio vs openTSNE (paired median) | "
        "CPU ratio (paired median) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rs in runs.items():
        ratio = "1.000 | 1.000"
        if name == "embedscope":
            ratio = f"{statistics.median(ratios):.3f} | {statistics.median(cpu_ratios):.3f}"
        lines.append(
            f"| {name} | {statistics.median(r['wall_s'] for r in rs):.2f} | "
            f"{', '.join(format(r['wall_s'], '.2f') for r in rs)} | "
            f"{statistics.median(r['cpu_s'] for r in rs):.2f} | "
            f"{max(r['peak_rss_mib'] for r in rs):.0f} | "
            f"{statistics.fmean(r['kl'] for r in rs):.4f} | "
            f"{statistics.fmean(r['knn10'] for r in rs):.4f} | {ratio} |"
        )
    e, o = runs["embedscope"], runs["openTSNE"]
    kl_e, kl_o = statistics.fmean(r["kl"] for r in e), statistics.fmean(r["kl"] for r in o)
    acc_e, acc_o = statistics.fmean(r["knn10"] for r in e), statistics.fmean(r["knn10"] for r in o)
    ratio = statistics.median(ratios)
    lines += [
        "",
        "Targets: "
        f"wall ratio {ratio:.3f} (target ≤ 0.5: {'met' if ratio <= 0.5 else 'MISSED'}); "
        f"KL {kl_e:.4f} vs {kl_o:.4f} = {(kl_e / kl_o - 1) * 100:+.2f} % "
        f"(target ≤ +2 %: {'met' if kl_e <= kl_o * 1.02 else 'MISSED'}); "
        f"10-NN {acc_e:.4f} vs {acc_o:.4f} = {(acc_e - acc_o) * 100:+.2f} points "
        f"(target ≥ −0.5: {'met' if acc_e >= acc_o - 0.005 else 'MISSED'}).",
        "When other processes load the machine (see 'other CPU' below), openTSNE's OpenMP "
        "threads lose more than rayon's (its CPU time grows), which flatters the wall ratio: "
        "check the CPU ratio, and rerun on a quiet machine.",
        "",
        "Per run (other CPU = CPU time other processes used during the run, % of one core; "
        f"> {CONTENDED_PCT:g} % = contended):",
        "",
        "| run | wall s | CPU s | peak RSS MiB | other CPU % | KL | 10-NN | embedding std | "
        "phases (from --report / inside openTSNE's process) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, rs in runs.items():
        for r in rs:
            flag = " (contended)" if r["other_cpu_pct"] > CONTENDED_PCT else ""
            lines.append(
                f"| {name} {r['tag']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
                f"{r['peak_rss_mib']:.0f} | {r['other_cpu_pct']:.1f}{flag} | {r['kl']:.4f} | "
                f"{r['knn10']:.4f} | {r['y_std']:.1f} | {fmt_phases(r['report'])} |"
            )
    emit(args, lines, {"runs": runs, "paired_ratios": ratios, "paired_cpu_ratios": cpu_ratios})


def scale70k(args) -> None:
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    header = [f"Machine: {machine_line()}"]
    if args.scale_input:
        # Deformed digits from `examples/deformed_mnist` (PREFIX.npy + PREFIX-labels.npy).
        inp = Path(args.scale_input)
        labels_path = inp.with_name(inp.stem + "-labels.npy")
        labels = np.load(labels_path)
        n = labels.shape[0]
        source = f"{inp.name} (deformed MNIST digits, PCA-50, from examples/deformed_mnist)"
    else:
        x64, labels, _ = mnist_pca64(Path(args.mnist_dir))
        copies = args.scale_copies
        rng = np.random.default_rng(args.scale_seed)
        x = np.tile(x64, (copies, 1)) + rng.normal(
            0.0, args.scale_jitter, (copies * x64.shape[0], 64)
        )
        labels = np.tile(labels, copies)
        n = x.shape[0]
        inp = work / f"mnist{n}_tiled_pca64.npy"
        np.save(inp, x.astype(np.float32))
        labels_path = work / f"mnist{n}_tiled-labels.npy"
        np.save(labels_path, labels.astype(np.uint8))
        source = (
            f"{copies} copies of the 10,000 64-d points + N(0, {args.scale_jitter:g}²) jitter, "
            f"seed {args.scale_seed}; 10-NN accuracy is inflated: jittered copies share labels"
        )
    lines = header + [
        "",
        f"Scale: N = {n} ({source}), perplexity {args.perplexity:g}, {args.iterations} "
        f"iterations, embedscope --learning-rate auto (method and neighbours auto) against "
        f"openTSNE defaults (FFT, Annoy), {args.threads} threads, {args.scale_rounds} interleaved "
        "round(s), the order alternating. Exact KL (all N² pairs, `examples/tsne_quality`) "
        "with --scale-kl.",
        "",
        "| implementation | run | wall s | CPU s | peak RSS MiB | other CPU % | 10-NN acc | "
        "exact KL | embedding std | phases |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    runs = []
    for r in range(1, args.scale_rounds + 1):
        names = ["embedscope"] + (["openTSNE"] if args.scale_opentsne else [])
        if r % 2 == 0:
            names.reverse()
        for name in names:
            out = work / f"{name}_n{n}_r{r}.npy"
            res, y = run_one(name, args, inp, out, r, n)
            res["knn10"] = knn_accuracy(y, labels)
            res["kl_exact"] = float("nan")
            if args.scale_kl:
                q = subprocess.run(
                    [str(args.quality_bin), str(inp), str(out), str(args.perplexity),
                     str(labels_path)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                res["kl_exact"] = json.loads(q.stdout)["kl_exact"]
            res["y_std"] = float(y.std())
            res["name"] = name
            runs.append(res)
            print(
                f"{name} r{r}: wall {res['wall_s']:.2f} s, cpu {res['cpu_s']:.2f} s, peak RSS "
                f"{res['peak_rss_mib']:.0f} MiB, 10-NN {res['knn10']:.4f}",
                flush=True,
            )
            lines.append(
                f"| {name} | {res['tag']} | {res['wall_s']:.2f} | {res['cpu_s']:.2f} | "
                f"{res['peak_rss_mib']:.0f} | {res['other_cpu_pct']:.1f} | {res['knn10']:.4f} | "
                f"{res['kl_exact']:.4f} | {res['y_std']:.1f} | {fmt_phases(res['report'])} |"
            )
    emit(args, lines, {"runs": runs})


def emit(args, lines: list[str], raw: dict) -> None:
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    raw_path = out.with_suffix(".json")
    raw_path.with_name(raw_path.name + ".tmp").write_text(json.dumps(raw, indent=1, default=str))
    raw_path.with_name(raw_path.name + ".tmp").replace(raw_path)
    print(f"wrote {out} and {raw_path}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_opentsne":
        opentsne_child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--bin",
        default=os.environ.get("EMBEDSCOPE_BIN", str(ROOT / "target/release/embedscope")),
        help="embedscope binary (env EMBEDSCOPE_BIN; default target/release/embedscope)",
    )
    ap.add_argument("--mnist-dir", default=str(ROOT / "assets/mnist-10k"))
    ap.add_argument("--n", type=int, default=10_000, help="first N rows of the 10k input")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--perplexity", type=float, default=25.0)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    ap.add_argument("--workdir", default=str(ROOT / "target/tsne-compare"))
    ap.add_argument("--out", help="Markdown table (default WORKDIR/compare_n<N>.md or scale70k.md)")
    ap.add_argument("--scale70k", action="store_true", help="run the N = 70,000 scale check instead")
    ap.add_argument("--scale-copies", type=int, default=7)
    ap.add_argument("--scale-jitter", type=float, default=1e-3)
    ap.add_argument("--scale-seed", type=int, default=70_000)
    ap.add_argument("--scale-rounds", type=int, default=1)
    ap.add_argument("--scale-opentsne", action="store_true", help="also run openTSNE at 70k")
    ap.add_argument("--scale-input", help="PREFIX.npy from examples/deformed_mnist (with PREFIX-labels.npy)")
    ap.add_argument("--scale-kl", action="store_true", help="exact KL of every scale embedding")
    ap.add_argument(
        "--quality-bin",
        default=str(ROOT / "target/release/examples/tsne_quality"),
        help="the tsne_quality example binary (exact KL)",
    )
    args = ap.parse_args()
    if args.rounds < 1 or args.scale_rounds < 1:
        raise SystemExit("error: --rounds/--scale-rounds: must be >= 1")
    if args.iterations <= EARLY_EXAGGERATION_ITER:
        raise SystemExit(f"error: --iterations {args.iterations}: must be > {EARLY_EXAGGERATION_ITER}")
    if not Path(args.bin).is_file():
        raise SystemExit(f"error: --bin {args.bin}: no such file (build it or set EMBEDSCOPE_BIN)")
    if args.out is None:
        name = "scale70k.md" if args.scale70k else f"compare_n{args.n}.md"
        args.out = str(Path(args.workdir) / name)
    if args.scale70k:
        scale70k(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
