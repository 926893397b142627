"""One call that puts a chapter's kernel in the state every chapter assumes.

Every chapter's first code cell calls :func:`setup_notebook`, so that printed numbers do not
depend on the machine's core count, the reader's matplotlib defaults or torch's default dtype.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import torch

__all__ = ["setup_notebook"]


def setup_notebook(threads: int = 2) -> None:
    """Fix the thread count, compute in float64, and set the course's figure style.

    Parameters
    ----------
    threads : int
        Threads for torch's CPU kernels; Binder gives about 2 cores. A fixed count keeps
        reductions (and so the last printed digit) the same on every machine.
    """
    torch.set_num_threads(threads)
    torch.set_default_dtype(torch.float64)  # exact identities are asserted at 1e-12
    np.set_printoptions(precision=6, suppress=True)
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "lines.linewidth": 2,
            "legend.frameon": False,
        }
    )
