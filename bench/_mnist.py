"""What the MNIST benchmarks share: where the IDX files are."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_mnist_root(parser: argparse.ArgumentParser) -> None:
    """``--root``: the MNIST folder; by default ``$MNIST`` (named in the Makefile)."""
    parser.add_argument(
        "--root",
        type=Path,
        default=os.environ.get("MNIST"),
        required="MNIST" not in os.environ,
        help="the folder of the four MNIST IDX files (default: $MNIST)",
    )
