"""embedscope.sklearn.TSNE as a scikit-learn estimator: check_estimator, the protocol
(get/set_params, clone, Pipeline, GridSearchCV), the attributes, and the maps against
scikit-learn's own TSNE on the same data. embedscope.PCA against scikit-learn's PCA."""

import numpy as np
import pytest
from conftest import blobs, knn_accuracy

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.decomposition import PCA as SkPCA  # noqa: E402
from sklearn.manifold import TSNE as SkTSNE  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

from embedscope import PCA  # noqa: E402
from embedscope.sklearn import TSNE  # noqa: E402
from test_tsne import exact_kl  # noqa: E402


def test_check_estimator_passes_every_check():
    # perplexity=2: the value scikit-learn's own common tests give its TSNE (their inputs
    # have 10 to 30 points).
    results = check_estimator(TSNE(perplexity=2, max_iter=250), on_fail=None, on_skip=None)
    failed = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert failed == []
    assert len(results) > 30


def test_parameters_defaults_and_attributes_are_scikit_learns():
    ours, theirs = TSNE().get_params(), SkTSNE().get_params()
    assert ours == theirs
    X, _ = blobs(200)
    est = TSNE(random_state=0).fit(X)
    assert est.embedding_.shape == (200, 2) and est.embedding_.dtype == np.float32
    assert est.n_features_in_ == 10 and est.n_iter_ == 999
    assert est.learning_rate_ == 50.0  # max(200 / 12 / 4, 50)
    assert np.isfinite(est.kl_divergence_)
    assert set(est.timings_) == {"neighbors", "affinities", "optimization"}
    assert list(est.get_feature_names_out()) == ["tsne0", "tsne1"]
    assert np.array_equal(TSNE(random_state=0).fit_transform(X), est.embedding_)


def test_feature_names_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    X, _ = blobs(100, 3)
    est = TSNE(perplexity=10).fit(pd.DataFrame(X, columns=["a", "b", "c"]))
    assert list(est.feature_names_in_) == ["a", "b", "c"]


def test_clone_set_params_pipeline_and_grid_search():
    X, labels = blobs(150)
    est = TSNE(perplexity=10)
    est.set_params(perplexity=12, angle=0.3)
    assert clone(est).get_params()["perplexity"] == 12
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(theta=1)
    pipe = make_pipeline(StandardScaler(), TSNE(perplexity=10, random_state=0))
    Y = pipe.fit_transform(X)
    assert knn_accuracy(Y, labels) == 1.0
    search = GridSearchCV(
        TSNE(max_iter=300),
        {"perplexity": [5, 10]},
        scoring=lambda est, X, y=None: -est.kl_divergence_,
        cv=2,
    )
    search.fit(X)
    assert search.best_params_["perplexity"] in (5, 10)
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_parameter_errors_are_scikit_learns():
    X, _ = blobs(100)
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'metric' parameter"):
        TSNE(metric="manhattan").fit(X)
    with pytest.raises(InvalidParameterError, match="'max_iter' parameter"):
        TSNE(max_iter=10).fit(X)
    with pytest.raises(ValueError, match="callable is not supported"):
        TSNE(metric=lambda a, b: 0.0).fit(X)
    with pytest.raises(ValueError, match="init as an array"):
        TSNE(init=np.zeros((100, 2))).fit(X)
    with pytest.raises(ValueError, match=r"perplexity \(200\) must be less than n_samples"):
        TSNE(perplexity=200).fit(X)


@pytest.mark.parametrize("method", ["barnes_hut", "exact"])
def test_the_map_is_as_good_as_scikit_learns(method):
    X, labels = blobs(400, 20, k=5, seed=3)
    ours = TSNE(method=method, random_state=0).fit(X)
    theirs = SkTSNE(method=method, random_state=0).fit(X)
    assert knn_accuracy(ours.embedding_, labels) == 1.0
    assert knn_accuracy(theirs.embedding_, labels) == 1.0
    # One independent measure of both maps (scikit-learn's affinities, exact Q).
    kl_ours = exact_kl(X, ours.embedding_, 30)
    kl_theirs = exact_kl(X, theirs.embedding_, 30)
    assert kl_ours <= kl_theirs * 1.05, (kl_ours, kl_theirs)


def test_cosine_and_precomputed_metrics():
    from scipy.spatial.distance import pdist, squareform

    X, labels = blobs(200)
    assert knn_accuracy(TSNE(metric="cosine").fit_transform(X), labels) == 1.0
    Y = TSNE(metric="precomputed", init="random").fit_transform(squareform(pdist(X)))
    assert knn_accuracy(Y, labels) == 1.0


def test_pca_matches_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 12)) @ rng.normal(size=(12, 12)) + 5.0
    X[:, 3] = 1.0  # a constant column
    ours, theirs = PCA(n_components=4).fit(X), SkPCA(n_components=4).fit(X)
    np.testing.assert_allclose(ours.explained_variance_ratio_, theirs.explained_variance_ratio_,
                               rtol=1e-4)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-4)
    np.testing.assert_allclose(ours.components_, theirs.components_, atol=1e-4)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(ours.fit_transform(X), theirs.transform(X), rtol=1e-3, atol=1e-3)
    back = ours.inverse_transform(ours.transform(X))
    np.testing.assert_allclose(back, theirs.inverse_transform(theirs.transform(X)), atol=1e-3)
    assert clone(PCA(n_components=2)).n_components == 2
    full = PCA().fit(X)
    assert full.n_components_ == 12 and full.explained_variance_ratio_.sum() == pytest.approx(1)
    with pytest.raises(ValueError, match="features"):
        ours.transform(X[:, :5])
