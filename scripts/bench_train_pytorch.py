"""The same autoencoder and training loop as `embedscope train` (dense arch), in PyTorch.

Used by scripts/bench_train.sh to compare seconds per epoch on the same machine, same torch build.
Network: 784 -> 512 -> 256 -> 64 -> 256 -> 512 -> 784 (ReLU between layers, linear code,
BCE-with-logits loss), Adam, batches drawn from a per-epoch permutation of the first 90%, the
held-out 10% evaluated after each epoch (as embedscope does). Prints JSON with seconds per epoch.
"""
import argparse
import gzip
import json
import sys
import time

import torch


def read_idx_images(path):
    raw = gzip.open(path, "rb").read()
    n, r, c = (int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(3))
    pixels = torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8)
    return pixels.view(n, r * c).float() / 255.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", default="assets/mnist-10k/images-idx3-ubyte.gz")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x = read_idx_images(a.images)
    n = x.shape[0]
    n_test = max(1, min(n - 1, round(n * 0.1)))
    train_x, test_x = x[: n - n_test], x[n - n_test :]
    widths = [x.shape[1], 512, 256, 64]

    def mlp(ws):
        layers = []
        for i in range(len(ws) - 1):
            layers.append(torch.nn.Linear(ws[i], ws[i + 1]))
            if i + 2 < len(ws):
                layers.append(torch.nn.ReLU())
        return torch.nn.Sequential(*layers)

    model = torch.nn.Sequential(mlp(widths), mlp(widths[::-1]))
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(a.seed)
    epochs = []
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(train_x.shape[0], generator=gen)
        total = 0.0
        steps = 0
        for lo in range(0, train_x.shape[0], a.batch_size):
            xb = train_x.index_select(0, perm[lo : lo + a.batch_size])
            loss = loss_fn(model(xb), xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            steps += 1
        with torch.no_grad():
            test_loss = loss_fn(model(test_x), test_x).item()
        epochs.append(
            {"epoch": epoch, "train_loss": total / steps, "test_loss": test_loss,
             "seconds": time.perf_counter() - t0}
        )
        print(f"pytorch epoch {epoch}: {epochs[-1]['seconds']:.3f} s", file=sys.stderr)
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "epochs": epochs},
              sys.stdout)


if __name__ == "__main__":
    main()
