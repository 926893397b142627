"""``lectures``: the shared code of the course *From entropy to the variational autoencoder*.

Every function takes lists, NumPy arrays or torch tensors, works along the last axis, uses
natural logarithms unless ``base=`` says otherwise, and raises :class:`ValueError` for bad
input. Each is derived and checked in the chapter its docstring names.
"""

from .information import (
    cross_entropy,
    entropy,
    joint_entropy,
    js_divergence,
    kl_divergence,
    mutual_information,
    self_information,
)
from .notebook import setup_notebook

__all__ = [
    "cross_entropy",
    "entropy",
    "joint_entropy",
    "js_divergence",
    "kl_divergence",
    "mutual_information",
    "self_information",
    "setup_notebook",
]
