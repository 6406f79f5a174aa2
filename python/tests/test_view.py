"""embedscope.view: the view pipeline from Python, its metadata and image conversions, and the
notebook display."""

import json

import numpy as np
import pytest
from conftest import blobs

import embedscope
from embedscope import _view


def digits_like(n, rng):
    """``n`` 8 x 8 uint8 pictures: a bright square whose position depends on the class."""
    labels = np.arange(n) % 3
    images = np.full((n, 8, 8), 255, dtype=np.uint8)
    for i, c in enumerate(labels):
        images[i, 2 * c : 2 * c + 3, 2:6] = rng.integers(0, 60)
    return images


def test_view_from_a_dataframe_with_missing_values_and_images(tmp_path):
    pd = pytest.importorskip("pandas")
    X, labels = blobs(120, 10)
    rng = np.random.default_rng(0)
    meta = pd.DataFrame(
        {
            "cluster": [f"c{c}" for c in labels],
            "size": rng.normal(size=120),
            "count": np.arange(120),
        }
    )
    meta.loc[5, "size"] = np.nan
    meta.loc[7, "cluster"] = None
    v = embedscope.view(
        X, meta, color_by="cluster", images=digits_like(120, rng), out=tmp_path / "v",
        iterations=300, gif_every=50,
    )
    assert v.report["points"] == 120 and v.report["dims"] == 10
    assert v.report["metadata_columns"] == ["cluster", "size", "count"]
    assert v.report["colour_by"] == "cluster"
    assert v.page.exists() and (tmp_path / "v" / "report.json").exists()
    assert json.loads((tmp_path / "v" / "report.json").read_text()) == v.report
    assert all(p.exists() for p in v.paths.values())
    assert "images_tsne.png" in v.paths
    assert v.report["knn10_accuracy"]["tsne_2d"] > 0.95
    assert "index.html" in v.summary
    html = v._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;html" in html.lower()


def test_a_large_page_is_shown_from_its_file(tmp_path, monkeypatch):
    X, _ = blobs(60, 5)
    v = embedscope.view(X, out=tmp_path / "big", iterations=100, gif_every=50)
    monkeypatch.setattr(_view, "MAX_INLINE_BYTES", 10)
    html = v._repr_html_()
    assert "<iframe src=" in html and "index.html" in html and "srcdoc" not in html


def test_metadata_as_a_dict_a_list_and_polars():
    cols = _view.metadata_columns({"a": [1, 2, None], "b": [0.5, float("nan"), 2]}, 3)
    assert cols == [("a", "int", [1, 2, None]), ("b", "float", [0.5, None, 2.0])]
    assert _view.metadata_columns(["x", "y", None], 3) == [("label", "text", ["x", "y", None])]
    with pytest.raises(ValueError, match="'a' has 2 values for 3 points"):
        _view.metadata_columns({"a": [1, 2]}, 3)
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"word": ["a", None, "c"], "n": [1, 2, 3]})
    assert _view.metadata_columns(df, 3) == [
        ("word", "text", ["a", None, "c"]),
        ("n", "int", [1, 2, 3]),
    ]


def test_images_become_ink():
    grey = np.array([[[0, 255]]], dtype=np.uint8)  # black, white
    pixels, shape = _view.ink_images(grey, 1)
    assert shape == (1, 2) and pixels.tolist() == [[255, 0]]
    rgba = np.array([[[[255, 0, 0, 255], [0, 0, 0, 0]]]], dtype=np.uint8)  # red; transparent
    pixels, _ = _view.ink_images(rgba, 1)
    assert pixels.tolist() == [[255 - 76, 0]]  # Rec. 601: 0.299 * 255; over white
    mnist = np.array([[[0, 200]]], dtype=np.uint8)
    assert _view.ink_images(mnist, 1, ink=True)[0].tolist() == [[0, 200]]
    with pytest.raises(TypeError, match="uint8"):
        _view.ink_images(np.zeros((1, 2, 2)), 1)
    with pytest.raises(ValueError, match="2 images for 3 points"):
        _view.ink_images(np.zeros((2, 2, 2), np.uint8), 3)


def test_view_errors_name_the_problem(tmp_path):
    X, _ = blobs(60, 5)
    with pytest.raises(ValueError, match="no column 'nope'"):
        embedscope.view(X, {"a": list(range(60))}, color_by="nope", out=tmp_path / "e")
    with pytest.raises(ValueError, match="perplexity"):
        embedscope.view(X, perplexity=0.5, out=tmp_path / "e2")
