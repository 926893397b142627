"""A fresh virtual environment over a copy of the repository as a clone has it.

The Binder and Colab tests build one each, the way those services would: nothing of the
course's `.venv` leaks in (no VIRTUAL_ENV, no PYTHONPATH), and the copy has no build
output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.book_config import ROOT

NOT_IN_A_CLONE = (
    ".git",
    ".venv",
    "_build",
    "__pycache__",
    "*.egg-info",
    ".hypothesis",
    ".pytest_cache",
    ".ipynb_checkpoints",
    ".ruff_cache",
)


def copy_of_the_repository(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*NOT_IN_A_CLONE))
    return dest


def python(version: str) -> str:
    """A Python interpreter of ``version`` (``"3.11"``) on this machine."""
    for candidate in (f"python{version}", "python3", sys.executable):
        path = shutil.which(candidate) or (
            candidate if Path(candidate).is_file() else None
        )
        if not path:
            continue
        found = subprocess.run(
            [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if found == version:
            return path
    pytest.fail(f"no Python {version} on this machine")


class FreshEnv:
    """A new venv at ``path``; ``run`` executes commands with its ``bin`` first on
    PATH."""

    def __init__(self, path: Path, version: str = "3.11", tag: str = "env"):
        self.path, self.tag = path, tag
        self.bin = path / "bin"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
        }
        self.env.update(
            PATH=f"{self.bin}{os.pathsep}{self.env.get('PATH', '')}",
            OMP_NUM_THREADS="2",
            MKL_NUM_THREADS="2",
            PYDEVD_DISABLE_FILE_VALIDATION="1",
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        )
        self.run([python(version), "-m", "venv", str(path)], path.parent, "venv")

    def run(self, cmd, cwd, what, timeout=1500) -> subprocess.CompletedProcess:
        start = time.perf_counter()
        done = subprocess.run(
            [str(c) for c in cmd],
            check=False,
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        print(f"{self.tag}: {what}: {time.perf_counter() - start:.0f} s")
        assert done.returncode == 0, (
            f"{what} failed ({done.returncode}):\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
        return done

    def pip(self, *args, cwd, what) -> subprocess.CompletedProcess:
        return self.run([self.bin / "python", "-m", "pip", *args], cwd, what)

    def size_mb(self) -> float:
        """The installed size of the environment, in MB."""
        total = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        return total / 1e6
