"""``lectures``: the shared code of *From entropy to the variational autoencoder*.

Every function takes lists, NumPy arrays or torch tensors, works along the last axis,
uses natural logarithms unless ``base=`` says otherwise, and raises :class:`ValueError`
for bad input. Each module states its conventions once, in its docstring; each function
is derived and checked in the chapter its docstring names.

Modules by topic, each re-exporting its ``__all__`` here:

* :mod:`~lectures.information`: entropy, cross entropy, KL, JS, mutual information
  (Chapters 1, 3);
* :mod:`~lectures.bernoulli`: binary cross entropy and the Bernoulli likelihood (Chapter
  2);
* :mod:`~lectures.gaussian`: KL divergences between Gaussians (Chapter 3);
* :mod:`~lectures.linear_gaussian`: the linear-Gaussian latent model (Chapter 3);
* :mod:`~lectures.vae`: the variational autoencoder, its loss and estimators (Chapters
  4, 5);
* :mod:`~lectures.training`: the VAE's training loop and its record (Chapter 5);
* :mod:`~lectures.data`: digits and MNIST loaders (Chapter 5);
* :mod:`~lectures.notebook`: the chapters' common setup, glue and source display;
* :mod:`~lectures.checks`: the checking API every chapter uses, recorded for the ledger.

Private: ``_validate`` (input checks, once per call), ``_numerics`` (the kernels that
several modules share, and every random draw) and ``_linear`` (``nn.Linear`` with
float32 CPU products by oneDNN, for speed).
"""

from . import (
    bernoulli,
    checks,
    data,
    gaussian,
    information,
    linear_gaussian,
    notebook,
    training,
    vae,
)
from .bernoulli import *  # noqa: F403
from .checks import *  # noqa: F403
from .data import *  # noqa: F403
from .gaussian import *  # noqa: F403
from .information import *  # noqa: F403
from .linear_gaussian import *  # noqa: F403
from .notebook import *  # noqa: F403
from .training import *  # noqa: F403
from .vae import *  # noqa: F403

__all__ = [
    *information.__all__,
    *bernoulli.__all__,
    *gaussian.__all__,
    *linear_gaussian.__all__,
    *vae.__all__,
    *training.__all__,
    *data.__all__,
    *notebook.__all__,
    *checks.__all__,
]
