"""``lectures``: the shared code of the course *From entropy to the variational autoencoder*.

Every function takes lists, NumPy arrays or torch tensors, works along the last axis, uses
natural logarithms unless ``base=`` says otherwise, and raises :class:`ValueError` for bad
input. Each is derived and checked in the chapter its docstring names.

Modules by topic, each re-exporting its ``__all__`` here:

* :mod:`~lectures.information`: entropy, cross entropy, KL, JS, mutual information (Chapters 1, 3);
* :mod:`~lectures.bernoulli`: binary cross entropy and the Bernoulli likelihood (Chapter 2);
* :mod:`~lectures.gaussian`: Gaussian closed forms and the linear-Gaussian model (Chapter 3);
* :mod:`~lectures.vae`: the variational autoencoder, its loss and estimators (Chapters 4, 5);
* :mod:`~lectures.data`: digits and MNIST loaders (Chapter 5);
* :mod:`~lectures.notebook`: the chapters' common setup, glue and source display;
* :mod:`~lectures.checks`: the checking API every chapter uses, recorded for the ledger.
"""

from . import bernoulli, checks, data, gaussian, information, notebook, vae
from .bernoulli import *  # noqa: F403
from .checks import *  # noqa: F403
from .data import *  # noqa: F403
from .gaussian import *  # noqa: F403
from .information import *  # noqa: F403
from .notebook import *  # noqa: F403
from .vae import *  # noqa: F403

__all__ = [
    *information.__all__,
    *bernoulli.__all__,
    *gaussian.__all__,
    *vae.__all__,
    *data.__all__,
    *notebook.__all__,
    *checks.__all__,
]
