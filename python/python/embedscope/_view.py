"""``embedscope.view``: the command line's ``view`` pipeline from Python (maps, pictures,
TensorBoard logs, the interactive page, the map directory), and the object it returns, which
shows the page inline in a Jupyter notebook."""

from __future__ import annotations

import html
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._util import as_matrix, seed, threads

#: Pages up to this size are embedded in the notebook; larger ones are shown from the file.
MAX_INLINE_BYTES = 20 * 1024 * 1024


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, NaT
    except TypeError:  # pandas.NA
        return True


def _column(name: str, values: Sequence[Any]) -> Tuple[str, str, list]:
    """One metadata column as (name, kind, values): integers, reals or text (`None` missing),
    by what its present values are."""
    vals = list(values)
    present = [v for v in vals if not _missing(v)]
    is_int = all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in present
    )
    is_real = all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        for v in present
    )
    if present and is_int:
        return name, "int", [None if _missing(v) else int(v) for v in vals]
    if present and is_real:
        out = []
        for v in vals:
            f = None if _missing(v) else float(v)
            out.append(f if f is not None and math.isfinite(f) else None)
        return name, "float", out
    return name, "text", [None if _missing(v) else str(v) for v in vals]


def metadata_columns(metadata: Any, n: int) -> List[Tuple[str, str, list]]:
    """The columns of ``metadata``: a pandas or polars DataFrame, a dict of columns, a list
    (one column, ``label``), a pandas Series, or ``None``."""
    if metadata is None:
        return []
    if hasattr(metadata, "columns") and hasattr(metadata, "__getitem__") and not isinstance(
        metadata, Mapping
    ):  # pandas / polars DataFrame
        cols = [(str(c), metadata[c]) for c in metadata.columns]
    elif isinstance(metadata, Mapping):
        cols = [(str(k), v) for k, v in metadata.items()]
    else:
        name = getattr(metadata, "name", None) or "label"
        cols = [(str(name), metadata)]
    out = []
    for name, col in cols:
        if hasattr(col, "tolist"):
            values = col.tolist()
        elif hasattr(col, "to_list"):
            values = col.to_list()
        else:
            values = list(col)
        if len(values) != n:
            raise ValueError(f"metadata column '{name}' has {len(values)} values for {n} points")
        out.append(_column(name, values))
    return out


def ink_images(images: Any, n: int, *, ink: bool = False) -> Tuple[np.ndarray, Tuple[int, int]]:
    """``images`` (uint8, ``N x H x W`` grey or ``N x H x W x C`` with C = 1, 3 or 4) as the
    library's ``N x (H * W)`` ink (0 white background, 255 black): colour to grey by Rec. 601
    luma over white where transparent, then ``255 - grey`` unless ``ink`` (MNIST's arrays
    already are ink)."""
    arr = np.asarray(images)
    if arr.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (0-255); got dtype {arr.dtype}")
    if arr.ndim == 4 and arr.shape[3] in (1, 3, 4):
        c = arr.shape[3]
        f = arr.astype(np.float32)
        grey = f[..., 0] if c == 1 else f[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
        if c == 4:
            alpha = f[..., 3] / 255.0
            grey = grey * alpha + 255.0 * (1.0 - alpha)
        arr = np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    if arr.ndim != 3:
        raise ValueError(
            f"images must have shape (N, H, W) or (N, H, W, C) with C 1, 3 or 4; got {arr.shape}"
        )
    if arr.shape[0] != n:
        raise ValueError(f"images: {arr.shape[0]} images for {n} points")
    pixels = arr.reshape(n, -1)
    if not ink:
        pixels = 255 - pixels
    return np.ascontiguousarray(pixels), (arr.shape[1], arr.shape[2])


class _Log:
    """The view's stages and notes on stderr (``verbose=True``)."""

    def __init__(self) -> None:
        self.task = ""
        self.total = 0

    def __call__(self, event: str, text: str, done: int, total: int) -> None:
        if event == "note":
            print(text, file=sys.stderr)
        elif event == "begin":
            self.task, self.total = text, total
        elif event == "update" and self.total:
            sys.stderr.write(f"\r  {self.task}: {done}/{self.total} {text}")
            sys.stderr.flush()
        elif event == "end" and self.total:
            sys.stderr.write("\n")
            self.total = 0


class View:
    """What :func:`view` made: ``report`` (``report.json`` as a dict), ``summary`` (the text
    the command line prints), ``out`` (the directory), ``page`` (``index.html``) and
    ``paths`` (every file written, by its name relative to ``out``).

    In a notebook the object shows the interactive page inline (no server): embedded when it
    is at most :data:`MAX_INLINE_BYTES`, else an iframe of the written file.
    """

    def __init__(self, out: Path, report: Dict[str, Any], summary: str) -> None:
        self.out = out
        self.report = report
        self.summary = summary
        self.page = out / _core.PAGE_FILE
        self.paths = {name: out / name for name in report.get("files", [])}

    def __repr__(self) -> str:
        return f"<embedscope.View of {self.report.get('points')} points in {str(self.out)!r}>"

    def __str__(self) -> str:
        return self.summary

    def _repr_html_(self, height: int = 720) -> str:
        style = f'style="width:100%;height:{height}px;border:1px solid #ddd"'
        if self.page.stat().st_size <= MAX_INLINE_BYTES:
            page = self.page.read_text(encoding="utf-8")
            return f'<iframe srcdoc="{html.escape(page, quote=True)}" {style}></iframe>'
        try:
            src = os.path.relpath(self.page)
        except ValueError:  # another drive (Windows)
            src = self.page.as_uri()
        return (
            f"<p>The page is {self.page.stat().st_size / 2**20:.0f} MB, shown from its file "
            f"<code>{html.escape(str(self.page))}</code>:</p>"
            f'<iframe src="{html.escape(src, quote=True)}" {style}></iframe>'
        )


def view(
    X: Any,
    metadata: Any = None,
    color_by: Optional[str] = None,
    images: Any = None,
    out: Union[str, "os.PathLike[str]"] = "embedscope-view",
    *,
    label_by: Optional[str] = None,
    name: str = "vectors",
    ink: bool = False,
    perplexity: float = 25.0,
    learning_rate: Union[str, float] = "auto",
    iterations: int = 1000,
    metric: str = "euclidean",
    random_state: Any = 0,
    pca_dims: int = 50,
    gif_every: int = 10,
    force: bool = False,
    n_jobs: Optional[int] = -1,
    verbose: bool = False,
) -> View:
    """Runs ``embedscope view`` on the vectors ``X`` (``N x D``) into the directory ``out``:
    2-D and 3-D t-SNE maps, the PCA map, stills and GIFs, TensorBoard logs, the
    self-contained interactive page ``index.html``, the map directory and ``report.json``.

    ``metadata``: a pandas or polars DataFrame, a dict of columns, or a list (one column,
    ``label``); each column becomes integers, reals or text by its values, missing values
    (``None``, NaN) allowed. ``color_by`` / ``label_by`` name the columns that colour and
    name the points (default: chosen as the command line does). ``images``: uint8, ``N x H x W``
    or ``N x H x W x C`` ordinary pictures (0 black); ``ink=True`` for MNIST-style arrays
    (0 background). The t-SNE settings are the command line's (``learning_rate`` in its
    convention, ``iterations`` in all). A rerun into the same ``out`` redoes only the stages
    whose inputs changed (``force=True`` redoes all).
    """
    data = as_matrix(X)
    n = data.shape[0]
    columns = metadata_columns(metadata, n)
    pixels, shape = (None, (0, 0)) if images is None else ink_images(images, n, ink=ink)
    if learning_rate == "auto":
        rate = None
    elif isinstance(learning_rate, str):
        raise ValueError(f"learning_rate {learning_rate!r}: must be a number > 0 or 'auto'")
    else:
        rate = float(learning_rate)
    out_dir = Path(out)
    report_json, summary = _core.run_view(
        data,
        out=str(out_dir),
        name=name,
        columns=columns,
        images=pixels,
        image_shape=shape,
        colour_by=color_by,
        label_by=label_by,
        perplexity=float(perplexity),
        learning_rate=rate,
        iterations=int(iterations),
        seed=seed(random_state),
        metric=metric,
        pca_dims=int(pca_dims),
        gif_every=int(gif_every),
        force=bool(force),
        threads=threads(n_jobs),
        progress=_Log() if verbose else None,
    )
    return View(out_dir, json.loads(report_json), summary)
