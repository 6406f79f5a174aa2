"""``embedscope.PCA``: principal components by the library (the covariance's
eigendecomposition), with scikit-learn's names and conventions, without importing it."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _core
from ._util import as_matrix, threads


class PCA:
    """Principal component analysis, scikit-learn's interface (``fit``, ``transform``,
    ``fit_transform``, ``inverse_transform``).

    The covariance is normalised by ``N - 1`` and its eigenpairs found by LAPACK (``dsyevd``)
    in float64 from float32 input; each component has the sign that makes its
    largest-magnitude loading positive (scikit-learn's ``svd_flip`` convention), so the
    components and scores match scikit-learn's full SVD up to float32 rounding.

    Parameters
    ----------
    n_components : int or None
        Components kept (``None``: ``min(N, D)``).
    n_jobs : int
        Threads (joblib's convention).

    Attributes
    ----------
    components_ : ndarray (n_components, n_features)
    mean_ : ndarray (n_features,)
    explained_variance_ : ndarray (n_components,)
    explained_variance_ratio_ : ndarray (n_components,)
        Against the total variance (the covariance's trace).
    n_components_, n_features_in_, n_samples_ : int
    """

    def __init__(self, n_components: Optional[int] = None, *, n_jobs: Optional[int] = -1) -> None:
        self.n_components = n_components
        self.n_jobs = n_jobs

    def __repr__(self) -> str:
        return f"PCA(n_components={self.n_components!r})"

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's parameters (scikit-learn's protocol, for ``clone``)."""
        return {"n_components": self.n_components, "n_jobs": self.n_jobs}

    def set_params(self, **params: Any) -> "PCA":
        """Sets constructor parameters; unknown names raise ``ValueError``."""
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"Invalid parameter {k!r} for estimator {self!r}")
            setattr(self, k, v)
        return self

    def _fit(self, X: Any) -> np.ndarray:
        data = as_matrix(X)
        n, d = data.shape
        k = self.n_components
        if k is None:
            k = min(n, d)
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
            raise TypeError(f"n_components must be an integer or None; got {k!r}")
        out = _core.pca_fit(data, int(k), threads(self.n_jobs))
        self.components_ = out["components"]
        self.mean_ = out["mean"]
        self.explained_variance_ = np.asarray(out["explained_variance"])
        self.explained_variance_ratio_ = np.asarray(out["explained_variance_ratio"])
        self.total_variance_ = out["total_variance"]
        self.n_components_ = int(k)
        self.n_features_in_ = d
        self.n_samples_ = n
        return out["projected"]

    def fit(self, X: Any, y: Any = None) -> "PCA":
        """Fits the components to ``X`` (``N x D``)."""
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fits, and returns the scores of ``X`` (``N x n_components``, float32)."""
        return self._fit(X)

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise AttributeError(
                "This PCA instance is not fitted yet. Call 'fit' with appropriate arguments "
                "before using this estimator."
            )

    def transform(self, X: Any) -> np.ndarray:
        """The scores of ``X`` on the fitted components (float64)."""
        self._check_fitted()
        data = as_matrix(X)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {data.shape[1]} features, but PCA is expecting "
                f"{self.n_features_in_} features as input."
            )
        return (data - self.mean_) @ self.components_.T

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Back from scores to the input's space (the discarded components are lost)."""
        self._check_fitted()
        return np.asarray(Z, dtype=np.float64) @ self.components_ + self.mean_
