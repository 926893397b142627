"""Write binder/requirements.txt: the runtime pins of requirements.txt, with torch's
CPU build.

    python tools/binder_requirements.py          # write the file
    python tools/binder_requirements.py --check  # exit 1 if the file is not what
                                                 # it would write

requirements.txt pins everything `make` installs: the runtime, the book's toolchain and
the test tools. Binder needs the runtime alone: the packages of the "runtime" section of
requirements.in and everything they require (read from the installed packages' metadata,
so run it in the course's environment), each at its pin in requirements.txt. On Linux,
PyPI's torch is the CUDA build with gigabytes of NVIDIA libraries; PyTorch's CPU index
serves the same release as `torch==X+cpu`, which is what the course runs on Binder.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib.metadata import distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "binder" / "requirements.txt"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
HEADER = f"""\
# Binder's environment: the course's runtime pins, taken from requirements.txt by
# tools/binder_requirements.py (do not edit; `make binder` writes it, a test compares).
# torch comes from PyTorch's CPU index: no CUDA libraries in the image.
--extra-index-url {TORCH_CPU_INDEX}
"""


def runtime_roots() -> list[str]:
    """The package names of requirements.in's runtime section (up to the first blank
    line)."""
    text = (ROOT / "requirements.in").read_text(encoding="utf-8")
    section = text.split("# runtime:", 1)[1].split("\n\n", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in section.splitlines()[1:]]
    return [Requirement(line).name for line in lines if line]


def pins() -> dict[str, str]:
    """requirements.txt as {canonical name: 'name==version'}."""
    found = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            found[canonicalize_name(line.split("==")[0])] = line.strip()
    return found


def closure(roots: list[str]) -> set[str]:
    """The roots and everything they require (no extras), as canonical names."""
    seen: set[str] = set()
    todo = [canonicalize_name(name) for name in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for spec in distribution(name).requires or []:
            requirement = Requirement(spec)
            marker = requirement.marker
            if marker is None or marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


def binder_requirements() -> str:
    pinned = pins()
    needed = closure(runtime_roots())
    missing = sorted(needed - pinned.keys())
    if missing:
        raise SystemExit(f"not pinned in requirements.txt: {missing}")
    lines = [pinned[name] for name in sorted(needed)]
    lines = [re.sub(r"^torch==(.*)$", r"torch==\1+cpu", line) for line in lines]
    return HEADER + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = binder_requirements()
    if args.check:
        if TARGET.read_text(encoding="utf-8") != text:
            sys.exit(f"{TARGET.relative_to(ROOT)} is out of date: run `make binder`")
        return
    TARGET.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
