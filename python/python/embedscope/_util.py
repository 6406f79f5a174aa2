"""Input conversion and small helpers shared by the estimators (no scikit-learn here).

The library computes in float32 on C-contiguous (row-major) arrays. :func:`as_matrix` hands
such an array over as it is (no copy); anything else (float64, Fortran order, a strided view, a
list, a pandas or polars frame, a SciPy sparse matrix) is converted once, which copies.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np


def as_matrix(X: Any, name: str = "X", *, sparse_ok: bool = True) -> np.ndarray:
    """``X`` as a 2-D, C-contiguous float32 array, copying only when it is not one already.

    Raises ``TypeError`` for non-numeric data (and sparse input where ``sparse_ok`` is false),
    ``ValueError`` for a shape that is not 2-D. Non-finite values are refused by the library
    itself, with the row and column of the first one.
    """
    if hasattr(X, "toarray") and hasattr(X, "nnz"):  # a SciPy sparse matrix or array
        if not sparse_ok:
            raise TypeError(
                f"{name}: a sparse matrix is not accepted here; pass a dense array"
            )
        X = X.toarray()
    elif hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):  # pandas / polars
        X = X.to_numpy()
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers; got dtype {arr.dtype}"
            + (" (complex numbers are not supported)" if arr.dtype.kind == "c" else "")
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features); got shape {arr.shape}"
        )
    return np.ascontiguousarray(arr, dtype=np.float32)


def threads(n_jobs: int | None) -> int:
    """joblib's ``n_jobs`` convention as a thread count; 0 is one per core (rayon's default).

    ``None`` and ``-1`` use every core, ``-2`` all but one, and so on; results are the same
    for any count (the library is deterministic whatever the number of threads).
    """
    if n_jobs is None or n_jobs == -1:
        return 0
    if not isinstance(n_jobs, (int, np.integer)) or isinstance(n_jobs, bool):
        raise TypeError(f"n_jobs must be an integer or None; got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("n_jobs 0: must be a positive number of threads, or negative (joblib)")
    if n_jobs > 0:
        return int(n_jobs)
    return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))


def seed(random_state: Any) -> int:
    """A 64-bit seed from ``random_state``: ``None`` is 0 (the library is deterministic), an
    integer is itself, a ``numpy.random.RandomState``/``Generator`` draws one."""
    if random_state is None:
        return 0
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state {random_state}: must be >= 0")
        return int(random_state) & 0xFFFF_FFFF_FFFF_FFFF
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    raise TypeError(
        f"random_state must be None, an integer or a numpy random generator; got {random_state!r}"
    )
