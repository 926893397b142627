"""What several test modules share: constants, one way to compare, and reference values.

Imported as ``from tests.helpers import ...`` (``tests`` is a package; pytest puts the
repository root on ``sys.path``), never by editing ``sys.path``.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

F64 = torch.float64
LN2 = math.log(2)

ROOT = Path(__file__).resolve().parents[1]


def f64(x) -> torch.Tensor:
    """A float64 tensor (the tests do not change torch's default dtype)."""
    return torch.tensor(x, dtype=F64)


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)


def close(actual, expected, atol: float = 1e-12, rtol: float = 0.0) -> None:
    """Elementwise agreement of tensors, arrays or numbers; infinities must match
    exactly."""
    np.testing.assert_allclose(_numpy(actual), _numpy(expected), rtol=rtol, atol=atol)


def mc_within(samples: torch.Tensor, exact, n_se: float = 4.0) -> None:
    """Assert that ``samples`` average to ``exact`` within ``n_se`` standard errors."""
    est, se = samples.mean(), samples.std() / math.sqrt(samples.numel())
    assert abs(est - exact) < n_se * se, f"{est:.6f} ± {se:.6f} vs {float(exact):.6f}"


def diagonal_gaussian(mu: torch.Tensor, logvar: torch.Tensor) -> Independent:
    """``N(mu, diag exp(logvar))`` as a torch distribution over the last axis."""
    return Independent(Normal(mu, (0.5 * logvar).exp()), 1)


def reference_kl(mu, logvar, mu_p=None, logvar_p=None) -> torch.Tensor:
    """KL between diagonal Gaussians by ``torch.distributions``; ``p`` defaults to N(0,
    I)."""
    mu_p = torch.zeros_like(mu) if mu_p is None else mu_p
    logvar_p = torch.zeros_like(logvar) if logvar_p is None else logvar_p
    return kl_divergence(
        diagonal_gaussian(mu, logvar), diagonal_gaussian(mu_p, logvar_p)
    )


def random_spd(g: torch.Generator, *batch: int, J: int) -> torch.Tensor:
    """Random symmetric positive definite matrices (*batch, J, J), eigenvalues ≥ .05."""
    A = torch.randn(*batch, J, J, generator=g, dtype=F64)
    return A @ A.mT / J + 0.05 * torch.eye(J, dtype=F64)


def mnist_folder() -> Path:
    """The MNIST folder: ``$MNIST``, else the Makefile's ``MNIST ?= ...`` (its one
    home).

    A relative path is relative to the repository, as it is for ``make``.
    """
    if "MNIST" not in os.environ:
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        match = re.search(r"^MNIST \?= *(\S+)", makefile, flags=re.MULTILINE)
        assert match, "the Makefile must name the MNIST folder: MNIST ?= <folder>"
        return ROOT / match.group(1)
    return ROOT / os.environ["MNIST"]


def mnist_or_skip() -> Path:
    """The MNIST folder, or skip the calling test, with a reason naming the folder."""
    folder = mnist_folder()
    if not (folder / "t10k-labels-idx1-ubyte.gz").exists():
        pytest.skip(
            f"no MNIST in {folder} (the four IDX .gz files; set MNIST=<folder>)"
        )
    return folder
