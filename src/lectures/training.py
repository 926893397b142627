r"""Training a :class:`~lectures.VAE`: the loop of Chapter 5, and what it promises.

:func:`train_vae` is the plainest loop that trains the model, and its behaviour is a
contract (tested in ``tests/test_training.py``):

* **shuffling**: each epoch draws one permutation of the training images from
  ``generator`` and visits minibatches of ``batch_size`` in that order (the last may be
  smaller);
* **one step**: ``loss = loss_fn(x, *model(x, generator), reduction="sum")``, the loss
  summed over the batch (nats per batch), then ``zero_grad``, ``backward`` and one
  optimizer step;
* **the reported train loss**, ``History.train``: the sum of the epoch's step losses
  divided by the number of training images, in nats per image, each batch's loss taken
  as it was trained on (so averaged over a changing model, as pytorch/examples reports
  it);
* **the reported test loss**, ``History.test``: after each epoch, with ``model.eval()``,
  ``negative_elbo(test_x, *model(test_x, generator))``, a one-sample estimate of the
  negative ELBO of the test set in nats per image, whatever ``loss_fn`` is;
* **the draws**: ``generator`` drives the permutation and every draw of ``z``, in that
  order (permutation, the epoch's steps, the test set's draw), so a seeded generator and
  a seeded model give the same history twice. Draws are made on the generator's device
  and moved to the model's.

**Devices and dtypes.** The model's parameters decide: the images are moved to the
model's device and converted to its dtype once per call (a no-op when they already
match). A :class:`~lectures.VAE` built for a GPU is float32 by default, one built for
the CPU has torch's default dtype (float64 in the chapters), so the CPU runs of the
chapters are unchanged.

**Speed.** The image sets are validated once per call (each step's batch is checked
again by :func:`~lectures.negative_elbo`, about 1.5% of a step); the default optimizer
is Adam with ``fused=True`` (one kernel updates every parameter); the model's float32
matrix products on the CPU go through oneDNN (:mod:`lectures._linear`). With these the
loop is about 1.6 times as fast as the plain loop of pytorch/examples on two cores
(``make bench-vae``). ``torch.compile`` of the step was measured too, and gained nothing
more.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

# the text bar on stderr: no widget, nothing varies but the timings
from tqdm import tqdm

from ._numerics import randperm
from ._validate import as_probability
from .vae import VAE, negative_elbo

__all__ = ["train_vae", "History"]

#: A loss with :func:`~lectures.negative_elbo`'s signature.
Loss = Callable[..., torch.Tensor]


@dataclass
class History:
    """Per-epoch record of :func:`train_vae`: losses in nats per image, wall seconds."""

    train: list[float] = field(default_factory=list)
    test: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def train_vae(
    model: VAE,
    train_x: torch.Tensor,
    test_x: torch.Tensor | None = None,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float | None = None,
    generator: torch.Generator | None = None,
    progress: bool = False,
    optimizer: torch.optim.Optimizer | None = None,
    loss_fn: Loss | None = None,
) -> History:
    r"""Train ``model`` with Adam on the summed :func:`negative_elbo`, shuffling anew.

    What a step does, what is reported and which draws are made is the contract of the
    module docstring.

    Parameters
    ----------
    model : VAE
    train_x, test_x : Tensor, shape (N, D)
        Images in ``[0, 1]``; the test set (optional) is evaluated after every epoch.
    epochs, batch_size : int
        Passes over the data, images per step.
    lr : float, optional
        Adam's learning rate, default ``1e-3``. Not with ``optimizer``, which has its
        own.
    generator : torch.Generator, optional
        Drives the shuffling and every draw of ``z``.
    progress : bool
        Show a tqdm bar over the epochs (on stderr).
    optimizer : torch.optim.Optimizer, optional
        Pass one (over ``model.parameters()``) to continue training across calls with
        its state; default: a new Adam (``fused=True``) with learning rate ``lr``.
    loss_fn : callable, optional
        A loss with :func:`negative_elbo`'s signature, called as
        ``loss_fn(x, x_logits, mu, logvar, reduction="sum")``; default
        :func:`negative_elbo` itself (the same numbers, bit for bit). For a schedule by
        epoch (KL annealing, a β-VAE), call ``train_vae`` once per epoch with the same
        ``optimizer`` and ``generator``, as in the example.

    Returns
    -------
    History
        ``train``, ``test`` (empty without ``test_x``) and ``seconds`` per epoch.

    Raises
    ------
    ValueError
        If an image is outside ``[0, 1]`` (or NaN), the images are not ``(N, D)``,
        ``lr`` comes with ``optimizer``, or the training loss becomes NaN or infinite
        (training diverged).

    Examples
    --------
    KL annealing: the weight of the KL term grows from 0 to 1 over the first five
    epochs.

    >>> import torch.nn.functional as F
    >>> from lectures import VAE, gaussian_kl, load_digits
    >>> def annealed(beta):
    ...     def loss(x, x_logits, mu, logvar, reduction="sum"):
    ...         bce = F.binary_cross_entropy_with_logits(x_logits, x, reduction="sum")
    ...         return bce + beta * gaussian_kl(mu, logvar).sum()
    ...     return loss
    >>> data = load_digits()
    >>> model = VAE(64, 32, 4, generator=torch.Generator().manual_seed(0))
    >>> adam = torch.optim.Adam(model.parameters(), lr=3e-3)
    >>> g = torch.Generator().manual_seed(1)
    >>> test = [train_vae(model, data.train_x, data.test_x, epochs=1, optimizer=adam,
    ...                   generator=g, loss_fn=annealed(min(1.0, epoch / 5))).test[0]
    ...         for epoch in range(8)]
    >>> test[-1] < test[0]                  # the negative ELBO of the test set fell
    True

    Used in Chapter 5, section "Training", and by ``bench/vae_mnist.py``.
    """
    optimizer = _optimizer(model, lr, optimizer)
    like = next(model.parameters())
    train_x = _images(train_x, "train_x", like)
    test_x = None if test_x is None else _images(test_x, "test_x", like)
    step = _step(model, loss_fn, generator)
    history = History()
    for _ in tqdm(range(epochs), disable=not progress, desc="epochs", unit="epoch"):
        model.train()
        start = time.perf_counter()
        total = _epoch(step, optimizer, train_x, batch_size, generator)
        history.seconds.append(time.perf_counter() - start)
        history.train.append(total / len(train_x))
        if test_x is not None:
            history.test.append(_test_loss(model, test_x, generator))
    return history


def _optimizer(
    model: VAE, lr: float | None, optimizer: torch.optim.Optimizer | None
) -> torch.optim.Optimizer:
    """The optimizer passed in, or a new fused Adam; ``lr`` only for the new one."""
    if optimizer is not None:
        if lr is not None:
            raise ValueError(
                "pass lr or optimizer, not both: the optimizer has its own learning "
                "rate"
            )
        return optimizer
    # fused: one kernel updates every parameter (CPU and GPU alike)
    return torch.optim.Adam(
        model.parameters(), lr=1e-3 if lr is None else lr, fused=True
    )


def _images(x: torch.Tensor, name: str, like: torch.Tensor) -> torch.Tensor:
    """``x`` checked once as ``(N, D)`` images in [0, 1], moved to ``like``'s device."""
    x = as_probability(x, name)
    if x.dim() != 2:
        raise ValueError(f"{name} must be (N, D) images; got shape {tuple(x.shape)}")
    return x.to(device=like.device, dtype=like.dtype)


def _step(model: VAE, loss_fn: Loss | None, generator: torch.Generator | None):
    """The summed loss of one batch: ``loss_fn`` (default negative_elbo) at one draw."""
    loss_fn = negative_elbo if loss_fn is None else loss_fn

    def loss_of(x: torch.Tensor) -> torch.Tensor:
        # nats per batch: the sum's gradient is what pytorch/examples steps on (Adam's
        # ε = 1e-8 makes its step depend slightly on the scale, so "mean" trains slower)
        return loss_fn(x, *model(x, generator), reduction="sum")

    return loss_of


def _epoch(
    loss_of: Callable[[torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    train_x: torch.Tensor,
    batch_size: int,
    generator: torch.Generator | None,
) -> float:
    """One pass over a fresh permutation; returns the sum of the step losses (nats)."""
    order = randperm(len(train_x), train_x.device, generator)
    # accumulated on the device in float64: no synchronisation per step on a GPU, and
    # on the CPU the same additions, in the same order, as a Python float would make
    total = torch.zeros((), dtype=torch.float64, device=train_x.device)
    for idx in order.split(batch_size):
        # index_select: the same rows as train_x[idx], gathered a little faster
        loss = loss_of(train_x.index_select(0, idx))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.detach()
    total = total.item()
    if not math.isfinite(total):
        raise ValueError(f"training diverged: the summed training loss is {total}")
    return total


def _test_loss(model: VAE, test_x: torch.Tensor, generator: torch.Generator | None):
    """A one-sample estimate of the test set's negative ELBO, nats per image."""
    model.eval()  # no dropout to switch off here; z is still sampled (an ELBO samples)
    with torch.no_grad():
        return negative_elbo(test_x, *model(test_x, generator)).item()
