"""``embedscope.sklearn.TSNE``: a drop-in for ``sklearn.manifold.TSNE`` (scikit-learn 1.9's
parameters, conventions and attributes), computed by embedscope. Importing this module imports
scikit-learn; ``import embedscope`` does not.

Where it differs from scikit-learn, and why:

- ``metric``: ``"euclidean"``, ``"cosine"`` or ``"precomputed"`` (a dense, non-negative
  ``N x N`` distance matrix, squared by the kernel as scikit-learn does); any other metric, a
  callable, or a sparse precomputed graph raises ``ValueError``/``TypeError``: compute the
  distances yourself and pass them as precomputed. Sparse *feature* matrices are densified.
  Our ``cosine`` kernel reads ``2 (1 - cos)`` (the squared distance of the rows scaled to unit
  length); scikit-learn's reads ``(1 - cos)²``: the neighbours are the same, the affinities
  differ.
- ``perplexity`` below ``N``, as in scikit-learn: the neighbours are
  ``min(3 · perplexity, N - 1)`` (scikit-learn: ``min(3 · perplexity + 1, N - 1)``).
  ``embedscope.TSNE`` refuses a perplexity above ``(N - 1) / 3`` instead.
- ``init`` is ``"pca"`` or ``"random"``; an array is refused (``ValueError``).
- ``n_iter_without_progress`` and ``min_grad_norm`` are accepted and validated but do not stop
  the run early: every fit runs ``max_iter`` iterations, so ``n_iter_`` is ``max_iter - 1``
  (scikit-learn's value for a run that did not stop early).
- ``method="barnes_hut"`` with ``n_components=1`` uses the exact gradient (Barnes-Hut here is
  2-D and 3-D); ``"exact"`` is O(N²) per iteration, as in scikit-learn. A third choice,
  ``method="fft"``, is ours (FIt-SNE's interpolation, 2-D), and ``"auto"`` picks it from 70,000
  points.
- ``random_state=None`` is seed 0: the result is deterministic (the same bits at any
  ``n_jobs``); ``n_jobs=None`` uses every core.
- the embedding is float32, as scikit-learn's.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ._tsne import fit_core

__all__ = ["TSNE"]


class TSNE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """T-distributed Stochastic Neighbor Embedding, scikit-learn's interface.

    Parameters and attributes are ``sklearn.manifold.TSNE``'s (scikit-learn 1.9); see this
    module's documentation for the differences. ``learning_rate`` is in scikit-learn's
    convention (the library's); ``"auto"`` is scikit-learn's ``max(N / early_exaggeration /
    4, 50)``, used throughout the run.

    Attributes
    ----------
    embedding_ : ndarray (n_samples, n_components), float32
    kl_divergence_ : float
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str (when fitted on a DataFrame with string columns)
    learning_rate_ : float
    timings_ : dict
        Seconds per phase (``neighbors``, ``affinities``, ``optimization``); ours.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "perplexity": [Interval(Real, 0, None, closed="neither")],
        "early_exaggeration": [Interval(Real, 1, None, closed="left")],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 250, None, closed="left")],
        "n_iter_without_progress": [Interval(Integral, -1, None, closed="left")],
        "min_grad_norm": [Interval(Real, 0, None, closed="left")],
        "metric": [StrOptions({"euclidean", "cosine", "precomputed"})],
        "metric_params": [dict, None],
        "init": [StrOptions({"pca", "random"})],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "method": [StrOptions({"barnes_hut", "exact", "fft", "auto"})],
        "angle": [Interval(Real, 0, 1, closed="both")],
        "n_jobs": [None, Integral],
    }

    # scikit-learn's phase length (its tests set it to 0 on an instance): early
    # exaggeration lasts this many iterations.
    _EXPLORATION_MAX_ITER = 250

    def __init__(
        self,
        n_components=2,
        *,
        perplexity=30.0,
        early_exaggeration=12.0,
        learning_rate="auto",
        max_iter=1000,
        n_iter_without_progress=300,
        min_grad_norm=1e-7,
        metric="euclidean",
        metric_params=None,
        init="pca",
        verbose=0,
        random_state=None,
        method="barnes_hut",
        angle=0.5,
        n_jobs=None,
    ):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.n_iter_without_progress = n_iter_without_progress
        self.min_grad_norm = min_grad_norm
        self.metric = metric
        self.metric_params = metric_params
        self.init = init
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.angle = angle
        self.n_jobs = n_jobs

    def _validate(self, X: Any) -> np.ndarray:
        if isinstance(self.init, np.ndarray):
            raise ValueError(
                "init as an array is not supported by embedscope; use 'pca' or 'random'"
            )
        if not isinstance(self.metric, str) and callable(self.metric):
            raise ValueError(
                "metric: a callable is not supported by embedscope; pass the distances with "
                "metric='precomputed'"
            )
        self._validate_params()
        if self.metric_params:
            raise ValueError(f"metric_params {self.metric_params!r}: {self.metric} takes none")
        precomputed = self.metric == "precomputed"
        if precomputed and hasattr(X, "nnz"):
            # The checks scikit-learn makes of a sparse graph, then the refusal: its missing
            # entries mean "not a neighbour", which a dense matrix cannot say.
            if X.shape[0] != X.shape[1]:
                raise ValueError("X should be a square distance matrix")
            if X.nnz and X.tocsr().data.min() < 0:
                raise ValueError(
                    "TSNE.fit(). With metric='precomputed', X should contain positive distances."
                )
            raise TypeError(
                "a sparse precomputed distance graph is not supported by embedscope; pass the "
                "dense N x N distance matrix"
            )
        X = validate_data(
            self,
            X,
            accept_sparse=False if precomputed else ["csr", "csc", "coo"],
            dtype=[np.float32, np.float64],
            ensure_min_samples=2,
        )
        n = X.shape[0]
        if precomputed:
            if isinstance(self.init, str) and self.init == "pca":
                raise ValueError(
                    'The parameter init="pca" cannot be used with metric="precomputed".'
                )
            if X.shape[0] != X.shape[1]:
                raise ValueError("X should be a square distance matrix")
            if np.any(X < 0):
                raise ValueError(
                    "TSNE.fit(). With metric='precomputed', X should contain positive distances."
                )
        if self.method in ("barnes_hut", "fft", "auto") and self.n_components > 3:
            raise ValueError(
                "'n_components' should be inferior to 4 for the barnes_hut algorithm as it "
                "relies on quad-tree or oct-tree."
            )
        if self.init == "pca" and not precomputed and X.shape[1] < self.n_components:
            raise ValueError(
                f"init='pca' needs at least n_components={self.n_components} features; got "
                f"n_features={X.shape[1]}: use init='random'"
            )
        if self.perplexity >= n:
            raise ValueError(f"perplexity ({self.perplexity}) must be less than n_samples ({n})")
        return X

    def _fit(self, X: Any) -> np.ndarray:
        X = self._validate(X)
        n = X.shape[0]
        if self.learning_rate == "auto":
            self.learning_rate_ = float(np.maximum(n / self.early_exaggeration / 4, 50))
        else:
            self.learning_rate_ = float(self.learning_rate)
        method = {"barnes_hut": "bh", "exact": "exact", "fft": "fft", "auto": "auto"}[self.method]
        if self.n_components == 1 and method != "exact":
            method = "exact"
        emb = fit_core(
            X,
            n_components=self.n_components,
            perplexity=self.perplexity,
            learning_rate=self.learning_rate_,
            iterations=self.max_iter,
            exaggeration=self.early_exaggeration,
            exaggeration_iterations=self._EXPLORATION_MAX_ITER,
            theta=self.angle,
            method=method,
            neighbors="auto",
            metric=self.metric,
            init=self.init,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            callbacks=None,
            callbacks_every_iters=50,
            verbose=bool(self.verbose),
            all_neighbours=True,
        )
        self.embedding_ = np.asarray(emb)
        self.kl_divergence_ = float(emb.kl_divergence)
        self.n_iter_ = self.max_iter - 1
        self.timings_ = dict(emb.timings)
        if self.verbose:
            print(
                f"[t-SNE] KL divergence after {self.max_iter} iterations: "
                f"{self.kl_divergence_:.6f}"
            )
        return self.embedding_

    def fit_transform(self, X, y=None):
        """Fits ``X`` (``N x D``, or ``N x N`` distances with ``metric="precomputed"``) and
        returns the embedding (float32)."""
        return self._fit(X)

    def fit(self, X, y=None):
        """Fits ``X`` into an embedded space (``embedding_``); returns ``self``."""
        self._fit(X)
        return self

    @property
    def _n_features_out(self):
        """Number of transformed output features."""
        return self.embedding_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self.metric == "precomputed"
        tags.input_tags.sparse = self.metric != "precomputed"
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "embedding_")

