"""Type stubs of the extension module ``embedscope._core`` (see ``python/src/lib.rs``).

Every array argument is float32 (uint8 for images), 2-D and C-contiguous; the Python modules
convert. Long calls release the GIL and raise ``KeyboardInterrupt`` on Ctrl-C.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

PAGE_FILE: str
REPORT_FILE: str
MIN_POINTS: int

def tsne_fit(
    x: npt.NDArray[np.float32],
    *,
    dims: int,
    perplexity: float,
    learning_rate: Optional[float],
    iterations: int,
    theta: float,
    method: str,
    neighbors: str,
    metric: str,
    seed: int,
    init: str,
    threads: int,
    exaggeration: float = ...,
    exaggeration_iterations: int = ...,
    all_neighbours: bool = ...,
    callback: Optional[Callable[[int, Optional[float], npt.NDArray[np.float32]], Any]] = ...,
    callback_every: int = ...,
    progress: Optional[Callable[[int, int, Optional[float]], Any]] = ...,
) -> Dict[str, Any]: ...
def tsne_transform(
    vectors: npt.NDArray[np.float32],
    map: npt.NDArray[np.float32],
    new: npt.NDArray[np.float32],
    *,
    metric: str,
    neighbors: int,
    perplexity: float,
    iterations: int,
    learning_rate: float,
    exaggeration: float,
    momentum: float,
    max_grad_norm: float,
    theta: float,
    seed: int,
    threads: int,
    progress: Optional[Callable[[int, int, Optional[float]], Any]] = ...,
) -> Dict[str, Any]: ...
def pca_fit(x: npt.NDArray[np.float32], n_components: int, threads: int = ...) -> Dict[str, Any]: ...
def run_view(
    x: npt.NDArray[np.float32],
    *,
    out: str,
    name: str,
    columns: Sequence[Tuple[str, str, List[Any]]],
    images: Optional[npt.NDArray[np.uint8]] = ...,
    image_shape: Tuple[int, int] = ...,
    colour_by: Optional[str] = ...,
    label_by: Optional[str] = ...,
    perplexity: float = ...,
    learning_rate: Optional[float] = ...,
    iterations: int = ...,
    seed: int = ...,
    metric: str = ...,
    pca_dims: int = ...,
    gif_every: int = ...,
    force: bool = ...,
    threads: int = ...,
    progress: Optional[Callable[[str, str, int, int], Any]] = ...,
) -> Tuple[str, str]: ...
