"""``embedscope.TSNE``: t-SNE with openTSNE's interface, and the embedding it returns.

Conventions (openTSNE's, as its users expect):

- ``n_iter`` counts the iterations *after* early exaggeration: a fit runs
  ``early_exaggeration_iter + n_iter`` iterations (250 + 750 = 1000 by default);
- a numeric ``learning_rate`` is openTSNE's, whose gradient omits t-SNE's factor 4: it is
  divided by 4 for the library (whose rates are scikit-learn's and the TensorBoard
  projector's). ``"auto"`` is openTSNE's schedule, ``N / early_exaggeration`` during early
  exaggeration and ``max(N, 200)`` after it, in openTSNE's units;
- callbacks are called as ``callback(iteration, kl_divergence, embedding)`` every
  ``callbacks_every_iters`` iterations (``iteration`` counts from 1 over the whole run, early
  exaggeration included; ``kl_divergence`` is ``None`` at iterations where the library did not
  evaluate it: it does every 50 iterations and at the last); one that returns a true value
  stops the optimisation, and the embedding of that iteration is returned.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._progress import Bar
from ._util import as_matrix, seed, threads

Callback = Callable[[int, Optional[float], np.ndarray], Any]

_METHODS = {
    "auto": "auto",
    "fft": "fft",
    "bh": "bh",
    "barnes_hut": "bh",
    "barnes-hut": "bh",
    "exact": "exact",
}
_NEIGHBORS = {
    "auto": "auto",
    "exact": "exact",
    "approx": "approx",
    "annoy": "approx",
    "pynndescent": "approx",
}
_METRICS = ("euclidean", "cosine", "precomputed")


def check_metric(metric: Any) -> str:
    """``metric`` if it is one the library supports, else a ``ValueError`` naming them."""
    if not isinstance(metric, str) or metric not in _METRICS:
        raise ValueError(
            f"metric {metric!r}: must be 'euclidean', 'cosine' or 'precomputed' (a dense "
            "N x N distance matrix); compute other distances yourself and pass them as "
            "precomputed"
        )
    return metric


def fit_core(
    X: Any,
    *,
    n_components: int,
    perplexity: float,
    learning_rate: Optional[float],
    iterations: int,
    exaggeration: float,
    exaggeration_iterations: int,
    theta: float,
    method: str,
    neighbors: str,
    metric: str,
    init: str,
    random_state: Any,
    n_jobs: Optional[int],
    callbacks: Union[None, Callback, Sequence[Callback]],
    callbacks_every_iters: int,
    verbose: bool,
    all_neighbours: bool = False,
) -> "TSNEEmbedding":
    """One fit through the library (parameters in the library's convention); shared by
    :class:`TSNE` and ``embedscope.sklearn.TSNE``."""
    metric = check_metric(metric)
    data = as_matrix(X, sparse_ok=metric != "precomputed")
    if callbacks is None:
        cbs: Tuple[Callback, ...] = ()
    elif callable(callbacks):
        cbs = (callbacks,)
    else:
        cbs = tuple(callbacks)
        for cb in cbs:
            if not callable(cb):
                raise TypeError(f"callbacks: {cb!r} is not callable")
    if int(callbacks_every_iters) < 1:
        raise ValueError(f"callbacks_every_iters {callbacks_every_iters}: must be at least 1")

    def callback(iteration: int, kl: Optional[float], embedding: np.ndarray) -> bool:
        stop = False
        for cb in cbs:
            stop = bool(cb(iteration, kl, embedding)) or stop
        return stop

    bar = Bar("t-SNE") if verbose else None
    try:
        out: Dict[str, Any] = _core.tsne_fit(
            data,
            dims=int(n_components),
            perplexity=float(perplexity),
            learning_rate=None if learning_rate is None else float(learning_rate),
            iterations=int(iterations),
            theta=float(theta),
            method=method,
            neighbors=neighbors,
            metric=metric,
            seed=seed(random_state),
            init=init,
            threads=threads(n_jobs),
            exaggeration=float(exaggeration),
            exaggeration_iterations=int(exaggeration_iterations),
            all_neighbours=all_neighbours,
            callback=callback if cbs else None,
            callback_every=int(callbacks_every_iters),
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    emb = out.pop("embedding").view(TSNEEmbedding)
    emb._set(out, reference=None if metric == "precomputed" else data, metric=metric)
    if verbose:
        _print_summary(emb)
    return emb


def _print_summary(emb: "TSNEEmbedding") -> None:
    t = emb.timings
    if t:
        print(
            f"embedscope t-SNE: KL {emb.kl_divergence:.4f} after {emb.n_iter} iterations; "
            f"neighbours {t['neighbors']:.2f} s, affinities {t['affinities']:.2f} s, "
            f"optimisation {t['optimization']:.2f} s"
        )


class TSNEEmbedding(np.ndarray):
    """A t-SNE map (``N x n_components``, float32) with what the fit knows about it.

    Attributes
    ----------
    kl_divergence : float
        KL(P||Q) at the end (sparse P, Barnes-Hut's normalisation when that method ran).
    kl_history : list of (iteration, kl)
        Every 50 iterations and the last.
    timings : dict
        Seconds: ``neighbors``, ``affinities``, ``optimization`` (the initialisation included).
    n_iter : int
        Iterations run (fewer when a callback stopped the fit).
    learning_rate : (float, float)
        The rates used during, then after, early exaggeration (the library's convention,
        scikit-learn's: 1/4 of openTSNE's).
    method, neighbor_method : str
        The gradient (``bh``, ``fft``, ``exact``) and neighbour search (``exact``, ``approx``)
        actually used; ``neighbor_recall`` the approximate search's measured recall.

    It pickles with everything :meth:`transform` needs (the reference vectors, float32).
    Arithmetic on it gives plain arrays; slicing keeps the attributes.
    """

    _ATTRS = (
        "kl_divergence",
        "kl_history",
        "timings",
        "n_iter",
        "stopped",
        "learning_rate",
        "neighbors",
        "method",
        "neighbor_method",
        "neighbor_recall",
        "metric",
        "_reference",
    )

    def _set(self, info: Dict[str, Any], *, reference: Optional[np.ndarray], metric: str) -> None:
        for name in self._ATTRS:
            setattr(self, name, info.get(name.lstrip("_")))
        self.kl_history = info.get("kl_history", [])
        self.timings = info.get("timings", {})
        self.metric = metric
        self._reference = reference

    def __array_finalize__(self, obj: Any) -> None:
        if obj is None:
            return
        for name in self._ATTRS:
            setattr(self, name, getattr(obj, name, None))

    def __array_wrap__(self, arr, context=None, return_scalar=False):  # type: ignore[override]
        # The results of arithmetic are not maps of the fit: plain arrays.
        out = np.asarray(arr)
        return out[()] if return_scalar else out

    def __reduce__(self):  # type: ignore[override]
        fn, args, state = super().__reduce__()  # type: ignore[misc]
        extra = {name: getattr(self, name, None) for name in self._ATTRS}
        return fn, args, (state, extra)

    def __setstate__(self, state):  # type: ignore[override]
        base, extra = state
        super().__setstate__(base)
        for name, value in extra.items():
            setattr(self, name, value)

    def transform(
        self,
        X: Any,
        *,
        perplexity: float = 5.0,
        k: int = 15,
        n_iter: int = 150,
        learning_rate: float = 0.1,
        exaggeration: float = 1.5,
        momentum: float = 0.8,
        max_grad_norm: float = 0.25,
        theta: float = 0.5,
        random_state: Any = 0,
        n_jobs: Optional[int] = -1,
        verbose: bool = False,
    ) -> np.ndarray:
        """Places new points ``X`` (``M x D``, the columns the map was fitted to) into this
        fixed map, as openTSNE's ``TSNEEmbedding.transform`` does (its conventions: the
        learning rate without the factor 4), with the library's ``transform``.

        Each new point gets ``k`` reference neighbours, a conditional distribution of
        perplexity ``perplexity`` over them, starts at their median position and moves alone
        for ``n_iter`` iterations; the map does not move, and a point's result does not depend
        on the other new points. Defaults: the library's, tuned on held-out digits (openTSNE:
        ``k=25``, ``n_iter=250``). Returns an ``M x n_components`` float32 array with
        ``.kl_divergence`` (the new points' mean) and ``.timings``.
        """
        if self._reference is None:
            raise ValueError(
                "transform: this map was fitted to precomputed distances (or is a slice of "
                "one); new points need the reference vectors"
            )
        new = as_matrix(X)
        bar = Bar("transform") if verbose else None
        try:
            out = _core.tsne_transform(
                self._reference,
                np.ascontiguousarray(self, dtype=np.float32).view(np.ndarray),
                new,
                metric=self.metric,
                neighbors=int(k),
                perplexity=float(perplexity),
                iterations=int(n_iter),
                learning_rate=float(learning_rate),
                exaggeration=float(exaggeration),
                momentum=float(momentum),
                max_grad_norm=float(max_grad_norm),
                theta=float(theta),
                seed=seed(random_state),
                threads=threads(n_jobs),
                progress=bar,
            )
        finally:
            if bar is not None:
                bar.close()
        placed = out["embedding"].view(PlacedEmbedding)
        placed.kl_divergence = out["kl_divergence"]
        placed.timings = out["timings"]
        return placed


class PlacedEmbedding(np.ndarray):
    """New points placed into a map by :meth:`TSNEEmbedding.transform`, with
    ``.kl_divergence`` (their mean KL) and ``.timings``."""

    kl_divergence: Optional[float] = None
    timings: Optional[Dict[str, float]] = None

    def __array_finalize__(self, obj: Any) -> None:
        if obj is not None:
            self.kl_divergence = getattr(obj, "kl_divergence", None)
            self.timings = getattr(obj, "timings", None)

    def __reduce__(self):  # type: ignore[override]
        fn, args, state = super().__reduce__()  # type: ignore[misc]
        return fn, args, (state, (self.kl_divergence, self.timings))

    def __setstate__(self, state):  # type: ignore[override]
        base, (self.kl_divergence, self.timings) = state
        super().__setstate__(base)


class TSNE:
    """t-SNE with openTSNE's interface, computed by embedscope's Rust library.

    ``TSNE(...).fit(X)`` returns a :class:`TSNEEmbedding`: the map as an ndarray subclass with
    ``.kl_divergence``, ``.timings`` and ``.transform(X_new)``.

    Parameters
    ----------
    n_components : int
        Dimensions of the map: 2 or 3 (1 too with ``method="exact"``; FFT is 2-D only).
    perplexity : float
        Perplexity of the input affinities, ``1 <= perplexity <= (N - 1) / 3`` (refused, not
        clamped, above: it would need more neighbours than there are points).
    learning_rate : "auto" or float
        openTSNE's convention (no factor 4 in the gradient; 4x scikit-learn's for the same
        steps). ``"auto"``: ``N / early_exaggeration`` during early exaggeration, ``max(N, 200)``
        after it.
    n_iter : int
        Iterations *after* early exaggeration (openTSNE's convention); the fit runs
        ``early_exaggeration_iter + n_iter`` in all.
    early_exaggeration_iter : int
        Iterations with early exaggeration.
    early_exaggeration : float
        The exaggeration factor of that phase.
    theta : float
        Barnes-Hut's opening angle.
    method : {"auto", "fft", "bh", "barnes_hut", "exact"}
        The repulsion: FFT for 2-D maps from 70,000 points, else Barnes-Hut (``auto``).
    neighbors : {"auto", "exact", "approx"}
        The neighbour search (``annoy`` and ``pynndescent`` are read as ``approx``): exact
        below 50,000 points, approximate above (``auto``).
    metric : {"euclidean", "cosine", "precomputed"}
        ``precomputed``: ``X`` is a dense ``N x N`` distance matrix (non-negative; the kernel
        squares it, as for Euclidean vectors); then ``initialization`` must be ``"random"`` and
        the map cannot ``transform``.
    initialization : {"pca", "random"}
        PCA scaled to standard deviation 1e-4, or seeded Gaussian noise.
    random_state : int or None
        The seed (``None`` is 0). The same seed gives the same bits at any ``n_jobs``.
    n_jobs : int
        Threads (joblib's convention: -1 all cores).
    callbacks : callable or list of callables, optional
        ``callback(iteration, kl_divergence, embedding)``; see the module's documentation.
    callbacks_every_iters : int
        How often the callbacks are called.
    verbose : bool
        A progress bar (tqdm when installed) and a line of timings.

    Notes
    -----
    The GIL is released during the fit, and Ctrl-C (``KeyboardInterrupt``) stops it within a
    fraction of a second, except during the neighbour search of very large inputs. Input of
    any real dtype and memory order is accepted; the library computes in float32 on
    row-major data, and anything else is converted once (a copy). Interrupting or a
    callback's stop raises the process-wide interrupt flag of the library for the rest of
    that run: fits running at the same moment in other threads stop too.
    """

    def __init__(
        self,
        n_components: int = 2,
        perplexity: float = 25,
        learning_rate: Union[str, float] = "auto",
        n_iter: int = 750,
        early_exaggeration_iter: int = 250,
        early_exaggeration: float = 12,
        theta: float = 0.5,
        method: str = "auto",
        neighbors: str = "auto",
        metric: str = "euclidean",
        initialization: str = "pca",
        random_state: Any = 0,
        n_jobs: Optional[int] = -1,
        callbacks: Union[None, Callback, Sequence[Callback]] = None,
        callbacks_every_iters: int = 50,
        verbose: bool = False,
    ) -> None:
        self.n_components = n_components
        self.perplexity = perplexity
        self.learning_rate = learning_rate
        self.n_iter = n_iter
        self.early_exaggeration_iter = early_exaggeration_iter
        self.early_exaggeration = early_exaggeration
        self.theta = theta
        self.method = method
        self.neighbors = neighbors
        self.metric = metric
        self.initialization = initialization
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.callbacks_every_iters = callbacks_every_iters
        self.verbose = verbose

    def __repr__(self) -> str:
        defaults = TSNE()
        changed = [f"{k}={v!r}" for k, v in vars(self).items() if getattr(defaults, k) != v]
        return f"TSNE({', '.join(changed)})"

    def _library_learning_rate(self) -> Optional[float]:
        lr = self.learning_rate
        if isinstance(lr, str):
            if lr != "auto":
                raise ValueError(f"learning_rate {lr!r}: must be a number > 0 or 'auto'")
            return None
        lr = float(lr)
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"learning_rate {lr}: must be a number > 0 or 'auto'")
        return lr / 4.0

    def fit(self, X: Any) -> TSNEEmbedding:
        """The map of ``X`` (``N x D`` vectors, or ``N x N`` distances with
        ``metric="precomputed"``): a :class:`TSNEEmbedding`."""
        for name in ("n_iter", "early_exaggeration_iter"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name} {v!r}: must be an integer >= 0")
        if self.n_iter + self.early_exaggeration_iter < 1:
            raise ValueError("n_iter + early_exaggeration_iter: at least 1 iteration is needed")
        method = _METHODS.get(self.method) if isinstance(self.method, str) else None
        if method is None:
            raise ValueError(f"method {self.method!r}: must be auto, fft, bh (barnes_hut) or exact")
        neighbors = _NEIGHBORS.get(self.neighbors) if isinstance(self.neighbors, str) else None
        if neighbors is None:
            raise ValueError(f"neighbors {self.neighbors!r}: must be auto, exact or approx")
        init = self.initialization
        if init not in ("pca", "random"):
            raise ValueError(f"initialization {init!r}: must be 'pca' or 'random'")
        return fit_core(
            X,
            n_components=self.n_components,
            perplexity=self.perplexity,
            learning_rate=self._library_learning_rate(),
            iterations=self.early_exaggeration_iter + self.n_iter,
            exaggeration=self.early_exaggeration,
            exaggeration_iterations=self.early_exaggeration_iter,
            theta=self.theta,
            method=method,
            neighbors=neighbors,
            metric=self.metric,
            init=init,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            callbacks=self.callbacks,
            callbacks_every_iters=self.callbacks_every_iters,
            verbose=bool(self.verbose),
        )
