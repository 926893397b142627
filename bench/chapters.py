"""Benchmark the chapters against their budgets, and time the book build.

    make bench        (or: .venv/bin/python bench/chapters.py [--no-build])

Each chapter is converted from its source in book/ and executed top to bottom in a fresh
kernel on 2 threads (as on Binder: about 2 cores and 2 GB); the table gives wall seconds
and the kernel's peak resident memory beside the chapter's budget. Then a cold
`jupyter-book build` (chapters only, environment ready, empty execution cache) and a
cached rebuild with nothing changed are timed, in a temporary output folder so the
reader's _build is left alone. A benchmark reports; it never fails a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# seconds, MB: every chapter unless its issue says otherwise
DEFAULT_BUDGET = (20.0, 1200.0)
BUDGETS = {"05-vae-training": (30.0, 1200.0), "06-vae-in-practice": (30.0, 1200.0)}
ENV = {
    **os.environ,
    "OMP_NUM_THREADS": "2",
    "MKL_NUM_THREADS": "2",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


def run_chapter(md: Path) -> tuple[float, float]:
    """Execute one chapter in a fresh kernel; return (wall seconds, kernel peak RSS in
    MB)."""
    with tempfile.TemporaryDirectory() as tmp:
        notebook = Path(tmp) / f"{md.stem}.ipynb"
        subprocess.run(
            [BIN / "jupytext", "--quiet", "--to", "ipynb", "-o", notebook, md],
            check=True,
            env=ENV,
        )
        # the child reports the peak RSS of the processes it waited for: the kernel
        child = (
            "import resource, sys; sys.path.insert(0, 'tools'); "
            "from execute_notebooks import execute; "
            f"from pathlib import Path; execute(Path({str(notebook)!r}), write=False); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", child],
            cwd=ROOT,
            env=ENV,
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
    return wall, int(out.stdout.split()[-1]) / 1024  # ru_maxrss is in KiB on Linux


def time_build(output: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [BIN / "jupyter-book", "build", ROOT, "--path-output", output, "--quiet"],
        check=True,
        env=ENV,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-build", action="store_true", help="skip the book build timings"
    )
    args = parser.parse_args()

    print(f"{'chapter':<24s} {'wall s':>8s} {'peak MB':>8s} {'budget':>14s}  ok")
    for md in sorted((ROOT / "book").glob("[0-9]*.md")):
        wall, peak = run_chapter(md)
        budget_s, budget_mb = BUDGETS.get(md.stem, DEFAULT_BUDGET)
        ok = "yes" if wall <= budget_s and peak <= budget_mb else "NO"
        budget = f"{budget_s:.0f} s, {budget_mb:.0f} MB"
        print(f"{md.stem:<24s} {wall:8.1f} {peak:8.0f} {budget:>14s}  {ok}", flush=True)

    if not args.no_build:
        with tempfile.TemporaryDirectory() as tmp:
            cold = time_build(Path(tmp))
            cached = time_build(Path(tmp))
        print(f"\nbook build, cold (empty execution cache): {cold:6.1f} s")
        cached_line = f"book build, cached, nothing changed     : {cached:6.1f} s"
        print(f"{cached_line}   (goal <= 20 s)")


if __name__ == "__main__":
    main()
