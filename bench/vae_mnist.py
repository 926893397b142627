"""Benchmark the course's VAE on MNIST against a plain training loop of the same model.

    .venv/bin/python bench/vae_mnist.py --root FOLDER [--epochs 10] [--seeds 3]

``make bench-vae`` runs it on the folder the Makefile names (``MNIST ?= ...``). The
setup is the classic one of the PyTorch examples VAE (pytorch/examples, vae/main.py):
784-400-20 MLP with ReLU, Bernoulli decoder on grey-level pixels, Adam with learning
rate 1e-3, batch 128, 10 epochs, float32, 2 threads. Two loops train it in the same
process:

* ``lectures``: :class:`lectures.VAE` trained by :func:`lectures.train_vae` with its
  defaults (fused Adam; loss :func:`lectures.negative_elbo`, BCE from logits +
  closed-form KL, **summed** over the batch; float32 products by oneDNN);
* ``reference``: a plain inline loop written like the example (sigmoid output,
  ``F.binary_cross_entropy(..., reduction="sum")`` + the KL written out, Adam, backward
  on the batch sum).

Both start from the same initial weights and shuffle with the same seed, and their
epochs alternate (which goes first alternates too), so a change in the load of a shared
machine hits both alike. Per epoch the script prints the training loss (average over the
epoch's batches, as the example reports it), the test loss (summed BCE + KL per test
image, one draw of z per image, as the example computes it) with its standard error over
the test images, and the seconds spent training. At the end, for each seed and over all
of them: the throughput of each loop from the median epoch (robust to a busy neighbour)
and their ratio (lectures images/s over reference images/s: > 1 means the lectures loop
is faster), and the test losses after the last epoch with the standard error of their
difference. A benchmark reports; no test asserts its numbers.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from _mnist import add_mnist_root  # bench/_mnist.py, beside this script
from torch import nn

from lectures import VAE, load_mnist, negative_elbo, train_vae


class ReferenceVAE(nn.Module):
    """The example's model, written plainly: fc1 → (fc21, fc22); fc3 → fc4 → sigmoid."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21, self.fc22 = nn.Linear(400, 20), nn.Linear(400, 20)
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
    """One epoch of the plain loop: (train loss, test loss, its s.e., seconds)."""
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
        bce = F.binary_cross_entropy(recon, test_x, reduction="none").sum(-1)
        per_image = bce + kl
    return total / len(train_x), per_image.mean().item(), _se(per_image), seconds


def lectures_test_se(model, test_x, generator):
    """Standard error over the test images of the lectures model's one-sample loss."""
    with torch.no_grad():
        per_image = negative_elbo(test_x, *model(test_x, generator), reduction="none")
    return _se(per_image)


def _se(per_image):
    return (per_image.std() / len(per_image) ** 0.5).item()


def copy_weights(source: VAE, target: ReferenceVAE) -> None:
    """Give the reference the same initial weights as the lectures model."""
    pairs = [
        (source.encoder.hidden, target.fc1),
        (source.to_mu, target.fc21),
        (source.to_logvar, target.fc22),
        (source.decoder.hidden, target.fc3),
        (source.decoder.output, target.fc4),
    ]
    with torch.no_grad():
        for a, b in pairs:
            b.weight.copy_(a.weight)
            b.bias.copy_(a.bias)


def run_seed(data, seed: int, epochs: int) -> tuple[list, list]:
    """Train both loops from one seed, epochs interleaved; print, return their rows."""
    model = VAE(784, 400, 20, generator=torch.Generator().manual_seed(seed)).float()
    reference = ReferenceVAE()
    copy_weights(model, reference)
    ours, theirs = [], []
    # the same shuffles; the s.e. of the lectures loss draws from its own generator
    generators = [torch.Generator().manual_seed(seed + 1) for _ in range(2)]
    se_generator = torch.Generator().manual_seed(seed + 2)
    # the optimizer train_vae makes by default, kept across its one-epoch calls
    adam = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    reference_adam = torch.optim.Adam(reference.parameters(), lr=1e-3)

    def run_ours():
        h = train_vae(
            model,
            data.train_x,
            data.test_x,
            epochs=1,
            batch_size=128,
            generator=generators[0],
            optimizer=adam,
        )
        se = lectures_test_se(model, data.test_x, se_generator)
        ours.append((h.train[0], h.test[0], se, h.seconds[0]))

    def run_theirs():
        row = reference_epoch(
            reference, reference_adam, data.train_x, data.test_x, generators[1]
        )
        theirs.append(row)

    print(f"\nseed {seed}")
    print(f"{'':>5s} | {'lectures.train_vae':^35s} | {'reference loop':^35s}")
    columns = f"{'train':>8s} {'test':>8s} {'± s.e.':>8s} {'seconds':>8s}"
    print(f"{'epoch':>5s} | {columns} | {columns}")
    for epoch in range(1, epochs + 1):
        # alternate which loop goes first, so a change in the load hits both alike
        for run in (run_ours, run_theirs) if epoch % 2 else (run_theirs, run_ours):
            run()
        cells = [
            f"{r[0]:8.2f} {r[1]:8.2f} {r[2]:8.2f} {r[3]:8.2f}"
            for r in (ours[-1], theirs[-1])
        ]
        print(f"{epoch:5d} | {cells[0]} | {cells[1]}", flush=True)
    return ours, theirs


def speed_ratio(n: int, ours: list, theirs: list) -> tuple[float, float, float]:
    """Images per second of each loop from its median epoch, and their ratio."""
    a = n / statistics.median(r[3] for r in ours)
    b = n / statistics.median(r[3] for r in theirs)
    return a, b, a / b


def report(n: int, seeds: list[int], runs: list, epochs: int) -> None:
    """Per seed and overall: throughput ratio and the final test losses."""
    print(f"\nmedian epoch (of {epochs}), images/s; test loss after epoch {epochs}")
    ratios = []
    for seed, (ours, theirs) in zip(seeds, runs, strict=True):
        a, b, ratio = speed_ratio(n, ours, theirs)
        ratios.append(ratio)
        (_, t1, s1, _), (_, t2, s2, _) = ours[-1], theirs[-1]
        gap = (s1**2 + s2**2) ** 0.5  # the two estimates are independent draws
        print(
            f"seed {seed}: lectures {a:7,.0f}, reference {b:7,.0f}, "
            f"ratio {ratio:.3f};"
            f" test {t1:.2f} ± {s1:.2f} vs {t2:.2f} ± {s2:.2f}"
            f" (difference {t1 - t2:+.2f} ± {gap:.2f})"
        )
    every = (
        [row for run in runs for row in run[0]],
        [row for run in runs for row in run[1]],
    )
    a, b, ratio = speed_ratio(n, *every)
    print(
        f"all seeds: ratio {', '.join(f'{r:.2f}' for r in ratios)} "
        f"(median {statistics.median(ratios):.2f}); median epoch of all: "
        f"lectures {a:,.0f}, reference {b:,.0f} images/s, ratio {ratio:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mnist_root(parser)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--seeds", type=int, default=3, help="repeat with this many seeds"
    )
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    data = load_mnist(args.root, dtype=torch.float32)
    n = len(data.train_x)
    print(
        f"MNIST from {args.root}: {n:,} training and {len(data.test_x):,} test images; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32"
    )
    print(
        "loss: nats per image (summed BCE + KL; test ± its standard error over the "
        "test images); seconds: training only"
    )
    seeds = [10 * s + 1 for s in range(args.seeds)]
    runs = [run_seed(data, seed, args.epochs) for seed in seeds]
    report(n, seeds, runs, args.epochs)


if __name__ == "__main__":
    main()
