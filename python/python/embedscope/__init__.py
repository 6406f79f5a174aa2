"""embedscope: t-SNE, PCA and a self-contained interactive embedding viewer, in Rust.

- :class:`TSNE`: t-SNE with openTSNE's interface; ``fit`` returns a :class:`TSNEEmbedding`
  (an ndarray with ``.kl_divergence``, ``.timings`` and ``.transform``);
- ``embedscope.sklearn.TSNE``: a drop-in for ``sklearn.manifold.TSNE`` (imports scikit-learn;
  this package alone does not);
- :class:`PCA`: principal components, scikit-learn's names;
- :func:`view`: the command line's ``view`` (maps, pictures, TensorBoard logs, the
  interactive page), shown inline in Jupyter.

Fits release the GIL, stop on Ctrl-C, and give the same bits for a seed at any ``n_jobs``.
"""

from ._pca import PCA
from ._tsne import TSNE, PlacedEmbedding, TSNEEmbedding
from ._view import View, view

__version__ = "0.1.0"
__all__ = ["TSNE", "TSNEEmbedding", "PlacedEmbedding", "PCA", "view", "View"]
