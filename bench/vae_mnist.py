"""Benchmark the course's VAE on MNIST against a plain training loop of the same model.

    .venv/bin/python bench/vae_mnist.py [--root ../shared/data/mnist] [--epochs 10] [--threads 2]

The setup is the classic one of the PyTorch examples VAE (pytorch/examples, vae/main.py):
784-400-20 MLP with ReLU, Bernoulli decoder on grey-level pixels, Adam with learning rate 1e-3,
batch 128, 10 epochs, float32. Two loops train it in the same process, one after the other:

* ``lectures``: :class:`lectures.VAE` trained by :func:`lectures.train_vae` (loss
  :func:`lectures.negative_elbo`: BCE from logits + closed-form KL, mean over the batch);
* ``reference``: a plain inline loop written like the example (sigmoid output,
  ``F.binary_cross_entropy(..., reduction="sum")`` + the KL written out, backward on the batch sum).

Both start from the same initial weights and shuffle with the same seed, and their epochs
alternate (which goes first alternates too), so a change in the load of a shared machine hits
both alike. Per epoch the script prints the training loss (average over the epoch's batches, as
the example reports it), the test loss (summed BCE + KL per test image, one draw of z per image,
as the example computes it) with its standard error over the test images, and the seconds spent
training; at the end, the throughput of each loop (from the median epoch, robust to a busy
neighbour, and from the total) and their ratio (reference seconds / lectures seconds: > 1 means
the lectures loop is faster).
A benchmark reports; no test asserts its numbers.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from lectures import VAE, load_mnist, negative_elbo, train_vae

ROOT = Path(__file__).resolve().parents[1]


class ReferenceVAE(nn.Module):
    """The example's model, written plainly: fc1 → (fc21, fc22); fc3 → fc4 → sigmoid."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x, generator):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def reference_loss(recon, x, mu, logvar):
    """Summed BCE + KL over the batch, in nats (the example's loss_function)."""
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())  # + D_KL(q || N(0, I))
    return bce + kl


def reference_epoch(model, optimizer, train_x, test_x, generator):
    """One epoch of the plain loop: (train loss, test loss per image, its standard error, seconds)."""
    model.train()
    start, total = time.perf_counter(), 0.0
    for idx in torch.randperm(len(train_x), generator=generator).split(128):
        x = train_x[idx]
        recon, mu, logvar = model(x, generator)
        loss = reference_loss(recon, x, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        recon, mu, logvar = model(test_x, generator)
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)
        per_image = F.binary_cross_entropy(recon, test_x, reduction="none").sum(-1) + kl
    return total / len(train_x), per_image.mean().item(), _se(per_image), seconds


def lectures_test_se(model, test_x, generator):
    """Standard error over the test images of the lectures model's one-sample loss (its own draw)."""
    with torch.no_grad():
        return _se(negative_elbo(test_x, *model(test_x, generator), reduction="none"))


def _se(per_image):
    return (per_image.std() / len(per_image) ** 0.5).item()


def copy_weights(source: VAE, target: ReferenceVAE) -> None:
    """Give the reference the same initial weights as the lectures model."""
    pairs = [(source.encoder[0], target.fc1), (source.to_mu, target.fc21), (source.to_logvar, target.fc22),
             (source.decoder[0], target.fc3), (source.decoder[2], target.fc4)]
    with torch.no_grad():
        for a, b in pairs:
            b.weight.copy_(a.weight)
            b.bias.copy_(a.bias)


def run_seed(data, seed: int, epochs: int) -> tuple[list, list]:
    """Train both loops from one seed, epochs interleaved; print and return their per-epoch rows."""
    model = VAE(784, 400, 20, generator=torch.Generator().manual_seed(seed)).float()
    reference = ReferenceVAE()
    copy_weights(model, reference)
    ours, theirs = [], []
    generators = [torch.Generator().manual_seed(seed + 1) for _ in range(2)]  # the same shuffles
    se_generator = torch.Generator().manual_seed(seed + 2)  # apart, so the shuffles stay equal
    optimizers = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in (model, reference)]

    def run_ours():
        h = train_vae(model, data.train_x, data.test_x, epochs=1, batch_size=128,
                      generator=generators[0], optimizer=optimizers[0])
        ours.append((h.train[0], h.test[0], lectures_test_se(model, data.test_x, se_generator), h.seconds[0]))

    def run_theirs():
        theirs.append(reference_epoch(reference, optimizers[1], data.train_x, data.test_x, generators[1]))

    print(f"\nseed {seed}")
    print(f"{'':>5s} | {'lectures.train_vae':^36s} | {'reference loop':^36s}")
    print(f"{'epoch':>5s} | {'train':>8s} {'test':>8s} {'± s.e.':>8s} {'seconds':>8s} "
          f"| {'train':>8s} {'test':>8s} {'± s.e.':>8s} {'seconds':>8s}")
    for epoch in range(1, epochs + 1):
        # alternate which loop goes first, so a change in the machine's load hits both alike
        for run in (run_ours, run_theirs) if epoch % 2 else (run_theirs, run_ours):
            run()
        row = [f"{r[0]:8.2f} {r[1]:8.2f} {r[2]:8.2f} {r[3]:8.2f}" for r in (ours[-1], theirs[-1])]
        print(f"{epoch:5d} | {row[0]} | {row[1]}", flush=True)
    return ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=1, help="repeat with this many seeds (1, 2, ...)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    data = load_mnist(args.root, dtype=torch.float32)
    print(f"MNIST from {args.root}: {len(data.train_x):,} training and {len(data.test_x):,} test images, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32")
    print("loss: nats per image (summed BCE + KL; test ± its standard error over the test images); "
          "seconds: training only")
    runs = [run_seed(data, 10 * s + 1, args.epochs) for s in range(args.seeds)]

    n = len(data.train_x)
    seconds = [[r[3] for run in runs for r in run[i]] for i in (0, 1)]  # every epoch of every seed
    for label, stat in [("median", statistics.median), ("fastest", min)]:
        ours, theirs = n / stat(seconds[0]), n / stat(seconds[1])
        print(f"throughput, {label + ' epoch':<14s}: lectures {ours:8,.0f} images/s, "
              f"reference {theirs:8,.0f} images/s, ratio {ours / theirs:.3f}")
    final = [[run[i][-1][1] for run in runs] for i in (0, 1)]
    diffs = [a - b for a, b in zip(*final)]
    print(f"test loss after epoch {args.epochs} (nats per image): lectures {', '.join(f'{v:.2f}' for v in final[0])}; "
          f"reference {', '.join(f'{v:.2f}' for v in final[1])}; "
          f"mean difference {statistics.mean(diffs):+.2f}")


if __name__ == "__main__":
    main()
