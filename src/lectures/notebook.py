"""What every chapter's first code cell calls, and how a chapter talks to the book.

:func:`setup_notebook` puts the kernel in the state every chapter assumes, and chooses
the device, once. :func:`glue` hands a value to the text of the book and
:func:`show_source` shows a function of this package beside its derivation; both need
nothing but IPython, so a chapter runs in Colab, Binder or any plain environment with
this package alone.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

import matplotlib as mpl
import numpy as np
import torch

__all__ = ["glue", "setup_notebook", "show_source"]

# MyST-NB reads a display output whose keys carry this prefix as a value for
# {glue:text}`name`, and shows nothing for it; Jupyter shows nothing for it either (an
# unknown MIME type).
_GLUE_PREFIX = "application/papermill.record/"


def setup_notebook(threads: int = 2) -> torch.device:
    """Fix the thread count, compute in float64, set the figure style, pick the device.

    Parameters
    ----------
    threads : int
        Threads for torch's CPU kernels; Binder gives about 2 cores. A fixed count keeps
        reductions (and so the last printed digit) the same on every machine.

    Returns
    -------
    torch.device
        ``cuda`` when a GPU is available (Colab's GPU runtime), else ``cpu``: the one
        place where a chapter's device is chosen. Models and their data go there; the
        exact identities of Chapters 1-3 stay on the CPU in float64.
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
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def glue(name: str, value: Any) -> None:
    """Hand ``value`` to the book's text as ``{glue:text}`name```; unseen in a notebook.

    The same output as MyST-NB's ``glue(name, value, display=False)``, written without
    importing the book's toolchain.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": _GLUE_PREFIX}
    display(
        {_GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata
    )


def show_source(obj: Any) -> None:
    """Show the current source of a function or class of this package as a code block.

    It is an output, so the book and the notebook show the same code, and a change to
    the package shows up as a changed output when the chapter is re-executed.
    """
    from IPython.display import Markdown, display

    source = textwrap.dedent(inspect.getsource(obj)).rstrip()
    display(Markdown(f"```python\n{source}\n```"))
