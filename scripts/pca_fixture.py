"""Computes the PCA reference fixture for tests (run once; the JSON is committed).

numpy SVD of the embedded MNIST-10k digits (assets/mnist-10k), pixels/255 rounded to float32
exactly as embedscope reads them, centred. Writes cli/tests/fixtures/pca_mnist10k.json with the
explained-variance ratios (against the total variance) of the first 20 components.

Optionally (--pixels-out FILE.npy) also writes those pixels as a 10000 x 784 float32 .npy.

Usage: python scripts/pca_fixture.py [--pixels-out FILE.npy]
"""

import argparse
import gzip
import json
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
K = 20


def read_images(path):
    raw = gzip.decompress(path.read_bytes())
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    assert magic == 0x803, hex(magic)
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, rows * cols)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pixels-out", type=pathlib.Path)
    args = ap.parse_args()
    pixels = read_images(ROOT / "assets/mnist-10k/images-idx3-ubyte.gz")
    x32 = (pixels.astype(np.float32) / np.float32(255.0)).astype(np.float32)
    if args.pixels_out:
        np.save(args.pixels_out, x32)
    x = x32.astype(np.float64)
    xc = x - x.mean(axis=0)
    s = np.linalg.svd(xc, compute_uv=False)
    var = s**2 / (x.shape[0] - 1)
    total = var.sum()
    ratio = var / total
    out = {
        "source": "assets/mnist-10k images, float32(pixels / 255), centred; numpy.linalg.svd",
        "numpy": np.__version__,
        "n": int(x.shape[0]),
        "d": int(x.shape[1]),
        "total_variance": float(total),
        "explained_variance": [float(v) for v in var[:K]],
        "explained_variance_ratio": [float(r) for r in ratio[:K]],
        "cumulative_ratio": [float(c) for c in np.cumsum(ratio)[:K]],
    }
    dest = ROOT / "cli/tests/fixtures/pca_mnist10k.json"
    dest.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {dest}: PC1-PC3 explain {100 * out['cumulative_ratio'][2]:.1f}%")


if __name__ == "__main__":
    main()
