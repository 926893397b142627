"""Execute notebooks top to bottom, each in a fresh kernel, and write the outputs back
in place.

    python tools/execute_notebooks.py notebooks/01-entropy.ipynb [...] [--no-write]

Used by `make notebooks` (re-executing chapters on purpose after a change) and by
`bench/chapters.py` (which times a run with --no-write and reads the kernel's peak
memory). Cell timings are not recorded, so a re-execution changes a notebook only where
an output changed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, write: bool = True, timeout: int = 600) -> None:
    """Run every cell of the notebook at ``path`` in a new kernel, in its folder."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    if write:
        nbformat.write(notebook, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="execute only; leave the files as they are",
    )
    args = parser.parse_args()
    for path in args.notebooks:
        print(f"executing {path}", flush=True)
        execute(path, write=not args.no_write)


if __name__ == "__main__":
    main()
