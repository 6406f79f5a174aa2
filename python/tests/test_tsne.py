"""embedscope.TSNE (openTSNE's interface): results against independent references, the
conversions, errors, callbacks, the GIL, Ctrl-C, pickling and transform."""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from conftest import blobs, knn_accuracy

import embedscope
from embedscope import TSNE, TSNEEmbedding


def exact_kl(X, Y, perplexity):
    """KL(P||Q) with P from scikit-learn's own sparse affinities (3 * perplexity neighbours,
    as both libraries use) and the exact Q of ``Y``: an independent measure of the map."""
    from scipy.sparse import csr_matrix
    from sklearn.manifold._t_sne import _joint_probabilities_nn
    from sklearn.neighbors import NearestNeighbors

    k = min(len(X) - 1, int(3 * perplexity))
    dist = NearestNeighbors(n_neighbors=k).fit(X).kneighbors_graph(mode="distance")
    dist.data **= 2
    P = csr_matrix(_joint_probabilities_nn(dist, perplexity, 0)).toarray()
    Y = np.asarray(Y, dtype=np.float64)
    W = 1.0 / (1.0 + ((Y[:, None] - Y[None]) ** 2).sum(-1))
    np.fill_diagonal(W, 0.0)
    Q = W / W.sum()
    mask = P > 0
    return float((P[mask] * np.log(P[mask] / Q[mask])).sum())


def test_fit_returns_an_embedding_with_kl_and_timings(clusters):
    X, labels = clusters
    emb = TSNE(perplexity=20).fit(X)
    assert isinstance(emb, TSNEEmbedding) and isinstance(emb, np.ndarray)
    assert emb.shape == (300, 2) and emb.dtype == np.float32
    assert np.isfinite(emb).all()
    assert emb.n_iter == 1000 and not emb.stopped
    assert set(emb.timings) == {"neighbors", "affinities", "optimization"}
    assert emb.kl_history[-1] == (1000, emb.kl_divergence)
    assert knn_accuracy(emb, labels) == 1.0
    # The reported KL is the map's: within 3% of an exact KL of scikit-learn's affinities.
    assert emb.kl_divergence == pytest.approx(exact_kl(X, emb, 20), rel=0.03)


def test_learning_rate_and_iterations_follow_opentsne():
    X, _ = blobs(200)
    emb = TSNE(learning_rate=200, n_iter=100, early_exaggeration_iter=50).fit(X)
    assert emb.n_iter == 150
    assert emb.learning_rate == (50.0, 50.0)  # openTSNE's 200 is the library's 50
    auto = TSNE(n_iter=10).fit(X)
    assert auto.learning_rate == (200 / 48, 50.0)  # N/12 and max(N, 200) in openTSNE's units


def test_same_seed_same_bits_at_any_thread_count(clusters):
    X, _ = clusters
    one = TSNE(random_state=3, n_jobs=1).fit(X)
    two = TSNE(random_state=3, n_jobs=2).fit(X)
    assert np.array_equal(one, two)
    other = TSNE(random_state=4, initialization="random").fit(X)
    assert not np.array_equal(one, other)


def test_dtypes_and_memory_orders_give_the_same_map(clusters):
    X, _ = clusters
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    ref = TSNE(n_iter=100).fit(X32)
    wide = np.zeros((300, 20), dtype=np.float64)
    wide[:, ::2] = X32
    for variant in (X32.astype(np.float64), np.asfortranarray(X32), wide[:, ::2], X32.tolist()):
        assert np.array_equal(TSNE(n_iter=100).fit(variant), ref)


def test_errors_are_value_and_type_errors_with_the_library_messages(clusters):
    X, _ = clusters
    with pytest.raises(ValueError, match=r"perplexity 200: too large for 300 points"):
        TSNE(perplexity=200).fit(X)
    bad = X.copy()
    bad[7, 4] = np.nan
    with pytest.raises(ValueError, match=r"row 7 \(0-based\), column 4: non-finite value NaN"):
        TSNE().fit(bad)
    with pytest.raises(TypeError, match="real numbers"):
        TSNE().fit(np.array([["a", "b"]] * 10))
    with pytest.raises(ValueError, match="2-D"):
        TSNE().fit(X[:, 0])
    with pytest.raises(ValueError, match="metric 'manhattan'"):
        TSNE(metric="manhattan").fit(X)
    with pytest.raises(ValueError, match="method 'quad'"):
        TSNE(method="quad").fit(X)
    with pytest.raises(ValueError, match="fft: supports 2 dimensions only"):
        TSNE(n_components=3, method="fft").fit(X)
    with pytest.raises(ValueError, match="at least 4 are needed"):
        TSNE(perplexity=1).fit(X[:3])


def test_callbacks_see_iterations_kl_and_the_embedding(clusters):
    X, _ = clusters
    seen = []

    def record(iteration, kl, embedding):
        seen.append((iteration, kl, embedding.copy()))

    emb = TSNE(n_iter=150, callbacks=[record], callbacks_every_iters=100).fit(X)
    assert [s[0] for s in seen] == [100, 200, 300, 400]
    assert all(isinstance(s[1], float) for s in seen)  # evaluated every 50 iterations
    assert np.array_equal(seen[-1][2], emb)
    assert seen[-1][1] == emb.kl_divergence
    odd = []
    TSNE(n_iter=10, callbacks=lambda i, kl, e: odd.append(kl), callbacks_every_iters=7).fit(X)
    assert odd[0] is None and len(odd) == 260 // 7


def test_a_callback_returning_true_stops_the_fit_there(clusters):
    X, _ = clusters
    emb = TSNE(callbacks=lambda i, kl, e: i >= 300).fit(X)
    assert emb.n_iter == 300 and emb.stopped
    assert emb.shape == (300, 2) and np.isfinite(emb).all()
    # The interrupt flag was withdrawn: the next fit runs to the end.
    assert TSNE(n_iter=10).fit(X).n_iter == 260


def test_a_callback_error_stops_the_fit_and_is_raised(clusters):
    X, _ = clusters

    def boom(i, kl, e):
        raise RuntimeError(f"boom at {i}")

    with pytest.raises(RuntimeError, match="boom at 50"):
        TSNE(callbacks=boom).fit(X)
    assert TSNE(n_iter=10).fit(X).n_iter == 260


def test_verbose_shows_a_bar_and_the_timings(clusters, capsys):
    X, _ = clusters
    TSNE(n_iter=50, verbose=True).fit(X)
    captured = capsys.readouterr()
    assert "t-SNE" in captured.err and "300/300" in captured.err
    assert "embedscope t-SNE: KL" in captured.out


def test_the_gil_is_released_during_a_fit():
    X, _ = blobs(2000, 20)
    ticks = []
    done = threading.Event()

    def fit():
        TSNE(n_iter=500).fit(X)
        done.set()

    t = threading.Thread(target=fit)
    start = time.perf_counter()
    t.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    t.join()
    elapsed = time.perf_counter() - start
    # Pure-Python work ran beside the fit: a tick at least every ~10 ms on average.
    assert len(ticks) > elapsed / 0.01, (len(ticks), elapsed)


@pytest.fixture
def ctrl_c():
    """Python's own Ctrl-C handler, even where the test runner inherited SIGINT ignored (a
    background job of a shell does)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_ctrl_c_stops_a_fit_within_a_second_and_raises(ctrl_c):
    X, _ = blobs(3000, 20)
    fired = {}

    def interrupt():
        fired["at"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(1.0, interrupt)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        TSNE(n_iter=100_000).fit(X)
    raised = time.perf_counter()
    timer.join()
    assert raised - fired["at"] < 1.0
    assert TSNE(n_iter=10).fit(X[:300]).n_iter == 260


def test_an_embedding_round_trips_through_pickle_and_transforms_the_same(clusters):
    X, _ = clusters
    emb = TSNE(n_iter=200).fit(X)
    back = pickle.loads(pickle.dumps(emb))
    assert isinstance(back, TSNEEmbedding)
    assert np.array_equal(back, emb)
    assert back.kl_divergence == emb.kl_divergence and back.timings == emb.timings
    new = X[:20] + 0.1
    assert np.array_equal(back.transform(new), emb.transform(new))
    placed = pickle.loads(pickle.dumps(emb.transform(new)))
    assert placed.kl_divergence is not None


def test_transform_places_held_out_points_with_their_cluster():
    X, labels = blobs(600, 10, k=4, seed=2)
    train, test = slice(0, 500), slice(500, 600)
    emb = TSNE().fit(X[train])
    placed = emb.transform(X[test])
    assert placed.shape == (100, 2) and np.isfinite(placed.kl_divergence)
    centres = np.array([np.asarray(emb)[labels[train] == c].mean(0) for c in range(4)])
    nearest = ((placed[:, None] - centres[None]) ** 2).sum(-1).argmin(1)
    assert (nearest == labels[test]).mean() >= 0.98
    # Each point is placed alone: with or without the others, the same bits.
    assert np.array_equal(emb.transform(X[500:510]), placed[:10])
    with pytest.raises(ValueError, match="columns"):
        emb.transform(X[test, :5])


def neighbour_overlap(A, B, k=10):
    """The mean share of each point's k nearest neighbours in ``A`` that are also in ``B``."""

    def nn(Y):
        Y = np.asarray(Y, dtype=np.float64)
        d2 = ((Y[:, None] - Y[None]) ** 2).sum(-1)
        np.fill_diagonal(d2, np.inf)
        return np.argsort(d2, axis=1)[:, :k]

    a, b = nn(A), nn(B)
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(a, b)]))


def test_cosine_ignores_the_lengths_of_the_vectors():
    X, labels = blobs(300, 10, k=5, spread=3.0, seed=5)
    scaled = X * np.exp(np.random.default_rng(1).uniform(0, 5, size=(300, 1)))
    # (A random start: PCA would see the lengths.)
    cos = TSNE(metric="cosine", initialization="random").fit(X)
    cos_scaled = TSNE(metric="cosine", initialization="random").fit(scaled)
    assert knn_accuracy(cos, labels) == 1.0
    # The same unit rows up to float32 rounding, which the optimisation amplifies a little.
    assert neighbour_overlap(cos, cos_scaled) > 0.75
    assert knn_accuracy(cos_scaled, labels) == 1.0
    euc = TSNE(initialization="random").fit(X)
    euc_scaled = TSNE(initialization="random").fit(scaled)
    assert neighbour_overlap(euc, euc_scaled) < 0.4


def test_precomputed_distances_give_the_euclidean_map():
    from scipy.spatial.distance import pdist, squareform

    X, labels = blobs(300, 10)
    D = squareform(pdist(X))
    pre = TSNE(metric="precomputed", initialization="random").fit(D)
    euc = TSNE(initialization="random").fit(X)
    assert knn_accuracy(pre, labels) == 1.0
    assert pre.kl_divergence == pytest.approx(euc.kl_divergence, rel=0.02)
    with pytest.raises(ValueError, match="init pca: cannot be used with metric precomputed"):
        TSNE(metric="precomputed").fit(D)
    with pytest.raises(ValueError, match="must be square"):
        TSNE(metric="precomputed", initialization="random").fit(D[:, :200])
    D[3, 9] = -1
    with pytest.raises(ValueError, match=r"-1 at row 3, column 9.*must be >= 0"):
        TSNE(metric="precomputed", initialization="random").fit(D)
    with pytest.raises(ValueError, match="precomputed"):
        pre.transform(X[:5])


def test_three_dimensional_and_exact_maps():
    X, labels = blobs(200, 10)
    emb3 = TSNE(n_components=3, n_iter=300).fit(X)
    assert emb3.shape == (200, 3) and knn_accuracy(emb3, labels) == 1.0
    one = TSNE(n_components=1, method="exact", n_iter=300).fit(X)
    assert one.shape == (200, 1) and one.method == "exact"


def test_import_is_fast_and_does_not_import_sklearn():
    code = (
        "import time, sys, numpy; t = time.perf_counter(); import embedscope; "
        "print(time.perf_counter() - t); print('sklearn' in sys.modules)"
    )
    best = min(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()[0])
        for _ in range(3)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.split()[1] == "False"
    assert best < 0.1, best


def test_the_package_ships_type_stubs_that_match_the_extension():
    import ast
    import inspect

    from embedscope import _core

    root = os.path.dirname(embedscope.__file__)
    assert os.path.exists(os.path.join(root, "py.typed"))
    with open(os.path.join(root, "_core.pyi")) as f:
        tree = ast.parse(f.read())
    stubs = {
        f.name: [a.arg for a in f.args.args + f.args.kwonlyargs]
        for f in tree.body
        if isinstance(f, ast.FunctionDef)
    }
    functions = {n: f for n, f in vars(_core).items() if callable(f) and not n.startswith("_")}
    assert set(functions) == set(stubs)
    for name, fn in functions.items():
        assert list(inspect.signature(fn).parameters) == stubs[name], name
