"""Shared data for the Python tests: well-separated Gaussian clusters, and a k-NN accuracy
computed with NumPy alone."""

import numpy as np
import pytest


def blobs(n=300, d=10, k=3, spread=10.0, seed=0):
    """``n`` points of ``d`` columns in ``k`` clusters ``spread`` apart (unit noise), and the
    cluster of each."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * spread
    labels = np.arange(n) % k
    return (centres[labels] + rng.normal(size=(n, d))).astype(np.float64), labels


def knn_accuracy(Y, labels, k=10):
    """Leave-one-out k-NN accuracy of ``labels`` in ``Y`` (brute force)."""
    Y = np.asarray(Y, dtype=np.float64)
    d2 = ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    nn = np.argsort(d2, axis=1)[:, :k]
    votes = labels[nn]
    pred = np.array([np.bincount(v).argmax() for v in votes])
    return float((pred == labels).mean())


@pytest.fixture
def clusters():
    return blobs()


def pytest_collection_modifyitems(items):
    """A test module's ``XFAIL`` dict (test id -> reason) marks those tests strict xfail."""
    for item in items:
        reason = getattr(item.module, "XFAIL", {}).get(item.name)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
