"""The log-likelihood of a small VAE on binarised MNIST, as the literature reports it.

    .venv/bin/python bench/iwae_mnist.py --root FOLDER [--epochs 10] [--k 5000]

``make bench-iwae`` runs it on the folder the Makefile names (``MNIST ?= ...``) and
writes ``bench/results/iwae_mnist.json``, the file Chapter 6 (section "MNIST as the
literature uses it") reads and quotes; the chapter never trains this model itself.

The setup:

* **data**: MNIST's 60,000 training and 10,000 test images, each pixel binarised
  *stochastically* once, 1 with probability its grey level
  (``load_mnist(binarize="stochastic", generator=...)``), float32;
* **model**: :class:`lectures.VAE` 784-400-20 (one hidden layer of 400 ReLUs in each
  network, 20 latent dimensions: the pytorch/examples VAE), Bernoulli decoder;
* **training**: :func:`lectures.train_vae` with its defaults, the negative ELBO with
  closed-form KL, Adam with learning rate 1e-3, batch 128, ``--epochs`` passes, 2
  threads;
* **evaluation** on the test set, in nats per image: the negative ELBO of every test
  image (``L = 10`` draws each, closed-form KL), and the importance-weighted bound
  :math:`\\mathcal L_K` of Burda et al. (2015) with ``K = 1, 10, 100, 1000, --k`` on a
  random subset of ``--subset`` test images (default 500: ``K = 5000`` on all 10,000
  would take twenty times as long as on those 500).

On two cores the run takes about five minutes (``seconds`` in the results file says how
long it took where it ran).

The estimate of the test set's mean :math:`-\\log p_\\theta(x)` is the ELBO of all the
test images corrected by the gap measured on the subset,

    -log p(test)  ≈  mean over all of (-ELBO)  -  mean over the subset of (L_K - ELBO),

unbiased for the mean of :math:`-\\mathcal L_K` over the whole test set, because the
subset is drawn at random; its standard error combines the Monte Carlo error of the
ELBOs and the sampling error of the subset's mean gap (with the finite-population
correction: the test set is a fixed set of 10,000 images). The subset's own
:math:`\\mathcal L_K` is reported too, with its standard error over images.

Burda et al.'s Table 1 reports 86.76 nats for their one-stochastic-layer VAE (``k =
1``) on MNIST: 50 latent units, two hidden layers of 200 tanh units in each network,
trained for 3,280 passes over the data (eight stages of :math:`3^i` passes, the learning
rate decayed from 1e-3), each image binarised anew every time it was used, evaluated by
:math:`\\mathcal L_{5000}`. A benchmark reports; no test asserts its numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch
from _mnist import add_mnist_root  # bench/_mnist.py, beside this script

from lectures import VAE, elbo, load_mnist, log_importance_weights, train_vae

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "iwae_mnist.json"
BURDA_VAE_1_LAYER_K1 = 86.76  # nats, Burda et al. (2015), Table 1, MNIST, VAE k = 1
BURDA_PASSES = sum(3**i for i in range(8))  # 3,280


def negative_elbo_draws(model, x, draws, generator, batch=1000):
    """``(draws, N)`` one-sample estimates of each image's negative ELBO (nats)."""
    rows = []
    with torch.no_grad():
        for part in x.split(batch):
            rows.append(
                -torch.stack([elbo(model, part, 1, generator) for _ in range(draws)])
            )
    return torch.cat(rows, dim=1)


def iwae_curve(log_w, ks):
    """``L_k`` per image for each ``k`` in ``ks``, from one ``(K, n)`` tensor of log
    weights split into ``K / k`` groups of ``k`` (the groups' bounds averaged)."""
    big_k = len(log_w)
    return {
        k: (log_w.view(big_k // k, k, -1).logsumexp(1) - math.log(k)).mean(0)
        for k in ks
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mnist_root(parser)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--k", type=int, default=5000, help="the largest K")
    parser.add_argument(
        "--subset", type=int, default=500, help="test images for the IWAE bound"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    ks = [k for k in (1, 10, 100, 1000) if k < args.k and args.k % k == 0] + [args.k]

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    data = load_mnist(
        args.root,
        dtype=torch.float32,
        binarize="stochastic",
        generator=torch.Generator().manual_seed(args.seed),
    )
    n_train, n_test = len(data.train_x), len(data.test_x)
    print(
        f"binarised MNIST from {args.root}: {n_train:,} training and {n_test:,} test "
        f"images; torch {torch.__version__}, {torch.get_num_threads()} threads, "
        "float32"
    )

    model = VAE(784, 400, 20, generator=torch.Generator().manual_seed(args.seed + 1))
    model = model.float()
    history = train_vae(
        model,
        data.train_x,
        data.test_x,
        epochs=args.epochs,
        batch_size=128,
        lr=1e-3,
        generator=torch.Generator().manual_seed(args.seed + 2),
    )
    train_seconds = sum(history.seconds)
    for epoch, (a, b) in enumerate(zip(history.train, history.test, strict=True), 1):
        print(f"epoch {epoch:2d}: train -ELBO {a:7.2f}, test -ELBO {b:7.2f} nats/image")

    model.eval()
    g = torch.Generator().manual_seed(args.seed + 3)
    eval_start = time.perf_counter()
    draws = 10
    neg_elbo = negative_elbo_draws(model, data.test_x, draws, g)  # (L, N)
    per_image = neg_elbo.mean(0).double()  # (N,)
    # Monte Carlo error of the mean over the (fixed) test set
    mc_se = math.sqrt((neg_elbo.double().var(0) / draws).sum()) / n_test
    with torch.no_grad():
        mu, _ = model.encode(data.test_x)
    active = int((mu.var(0) > 0.01).sum())

    subset = torch.randperm(n_test, generator=g)[: args.subset]
    with torch.no_grad():
        log_w = log_importance_weights(model, data.test_x[subset], args.k, g).double()
    bounds = iwae_curve(log_w, ks)  # L_k, (n,) each
    n = len(subset)
    gap = bounds[args.k] - (-per_image[subset])  # L_K - ELBO, (n,), >= 0 on average
    fpc = 1 - n / n_test  # the finite-population correction
    gap_se = gap.std().item() / math.sqrt(n) * math.sqrt(fpc)
    estimate = per_image.mean().item() - gap.mean().item()
    estimate_se = math.sqrt(mc_se**2 + gap_se**2)
    eval_seconds = time.perf_counter() - eval_start

    print(f"\ntest set, nats/image: -ELBO {per_image.mean():.2f} ± {mc_se:.2f} (MC)")
    print(f"active latent units (Var_x mu_j > 0.01): {active} of 20")
    print(f"on {n} random test images (± s.e. over the images):")
    curve = {}
    for k in ks:
        value, se = -bounds[k].mean().item(), bounds[k].std().item() / math.sqrt(n)
        curve[str(k)] = {"mean": value, "se": se}
        print(f"    -L_{k:<5d} {value:8.2f} ± {se:.2f}")
    print(
        f"gap L_{args.k} - ELBO on the subset: {gap.mean():.3f} ± {gap_se:.3f}; "
        f"estimate of -log p(x), whole test set: {estimate:.2f} ± {estimate_se:.2f}"
    )
    print(
        f"Burda et al. (2015), VAE k = 1, one stochastic layer: "
        f"{BURDA_VAE_1_LAYER_K1} nats after {BURDA_PASSES:,} passes; "
        f"ours after {args.epochs}"
    )
    total_seconds = time.perf_counter() - start
    print(
        f"seconds: training {train_seconds:.0f}, evaluation {eval_seconds:.0f}, "
        f"total {total_seconds:.0f}"
    )

    results = {
        "what": "a VAE on stochastically binarised MNIST: test -log p(x) by IWAE",
        "script": "bench/iwae_mnist.py",
        "unit": "nats per image",
        "setup": {
            "model": "lectures.VAE 784-400-20, ReLU, Bernoulli decoder",
            "data": "MNIST, each pixel binarised once, 1 with probability its grey "
            "level (load_mnist binarize='stochastic')",
            "training": "train_vae, negative ELBO, Adam lr 1e-3, batch 128",
            "epochs": args.epochs,
            "training_images": n_train,
            "test_images": n_test,
            "seed": args.seed,
            "threads": torch.get_num_threads(),
            "dtype": "float32",
            "torch": torch.__version__,
        },
        "train_negative_elbo": history.train,
        "test_negative_elbo_per_epoch": history.test,
        "test_negative_elbo": {"mean": per_image.mean().item(), "mc_se": mc_se},
        "elbo_draws_per_image": draws,
        "active_units": active,
        "iwae_subset": n,
        "iwae_k": args.k,
        "iwae_curve": curve,
        "gap": {"mean": gap.mean().item(), "se": gap_se},
        "negative_log_likelihood": {"estimate": estimate, "se": estimate_se},
        "burda2015": {
            "negative_log_likelihood": BURDA_VAE_1_LAYER_K1,
            "model": "VAE, k = 1, one stochastic layer of 50 units, two hidden "
            "layers of 200 tanh units",
            "passes": BURDA_PASSES,
            "evaluation_k": 5000,
        },
        "seconds": {
            "training": round(train_seconds, 1),
            "evaluation": round(eval_seconds, 1),
            "total": round(total_seconds, 1),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
