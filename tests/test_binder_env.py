"""Binder (repo2docker) builds the course's runtime from binder/, and it runs a chapter.

repo2docker reads `binder/` when it exists (and then ignores the root's files):
`runtime.txt` (the Python version), `requirements.txt` (installed with pip) and
`postBuild` (run last; it installs `lectures`). binder/requirements.txt is generated
from the root's pins by tools/binder_requirements.py: the runtime alone, torch from
PyTorch's CPU index.

Docker cannot run here, so the next best proof is what repo2docker would do, by hand:
copy the repository as a clone has it, create a fresh venv with the Python that
runtime.txt names, install binder/requirements.txt, run postBuild, and execute the first
chapter with nbval, which also compares every output with the committed one. PyTorch's
index is not reachable from this machine: the test drops the index line and lets pip
resolve the same `torch==X+cpu` from the package index that is configured here, and says
so. Jupyter, ipykernel and the test tools (which Binder's image brings, or Binder does
not need) are installed afterwards at the root's pins.

The slow test (one to three minutes) runs in `make test`; SKIP_BINDER_TEST=1 skips it.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.book_config import ROOT
from tests.fresh_env import FreshEnv, copy_of_the_repository
from tools.binder_requirements import TORCH_CPU_INDEX, binder_requirements

BINDER = ROOT / "binder"
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+$")
TOOLS_BINDER_LACKS = ("ipykernel", "pytest", "nbval")


def pinned_lines(path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "--"))
    ]


def test_runtime_is_python_311():
    assert (BINDER / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"


def test_binder_files_are_in_binder_and_nowhere_else():
    post_build = BINDER / "postBuild"
    assert post_build.is_file() and os.access(post_build, os.X_OK), (
        "postBuild: executable"
    )
    assert post_build.read_text(encoding="utf-8").startswith("#!"), (
        "postBuild: a shebang"
    )
    # repo2docker would ignore these at the root; they would only mislead a reader
    assert not (ROOT / "runtime.txt").exists() and not (ROOT / "postBuild").exists()
    assert not (ROOT / ".binder").exists()


def test_requirements_are_exact_pins():
    lines = pinned_lines(ROOT / "requirements.txt")
    loose = [line for line in lines if not PIN.match(line)]
    assert not loose, f"requirements.txt lines that are not `name==version`: {loose}"
    assert "torch==2.13.0" in lines, "torch: exactly 2.13.0, no local version label"
    names = [line.split("==")[0].lower().replace("_", "-") for line in lines]
    assert len(names) == len(set(names)), "a package is pinned twice"


def test_binder_requirements_are_generated_from_the_pins():
    text = (BINDER / "requirements.txt").read_text(encoding="utf-8")
    assert text == binder_requirements(), (
        "binder/requirements.txt is stale: `make binder`"
    )
    root = set(pinned_lines(ROOT / "requirements.txt"))
    binder = {
        line.replace("+cpu", "") for line in pinned_lines(BINDER / "requirements.txt")
    }
    assert binder <= root, f"pins that differ from requirements.txt: {binder - root}"
    assert (
        "torch==2.13.0+cpu" in text and f"--extra-index-url {TORCH_CPU_INDEX}" in text
    )
    assert not {"jupyter-book", "pytest", "playwright"} & {
        p.split("==")[0] for p in binder
    }


@pytest.mark.skipif(
    bool(os.environ.get("SKIP_BINDER_TEST")), reason="SKIP_BINDER_TEST is set"
)
def test_fresh_environment_from_the_binder_files_runs_a_chapter(tmp_path):
    notebook = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))[0].relative_to(ROOT)
    repo = copy_of_the_repository(tmp_path / "repo")
    env = FreshEnv(tmp_path / "env", version="3.11", tag="binder")

    local = tmp_path / "binder-requirements-here.txt"
    lines = (
        (repo / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    )
    local.write_text("\n".join(x for x in lines if not x.startswith("--")) + "\n")
    print(
        f"binder: {TORCH_CPU_INDEX} is not reachable here; torch==2.13.0+cpu comes from"
    )
    print("binder: the package index configured on this machine (the same wheel)")
    env.pip(
        "install",
        "--quiet",
        "-r",
        local,
        cwd=repo,
        what="pip install binder/requirements",
    )
    env.run(["./binder/postBuild"], repo, "postBuild")
    env.pip("check", cwd=repo, what="pip check")
    runtime_mb = env.size_mb()
    print(f"binder: installed size of the runtime: {runtime_mb:.0f} MB")

    where = env.run(
        [env.bin / "python", "-c", "import lectures; print(lectures.__file__)"],
        tmp_path,
        "import lectures",
    ).stdout.strip()
    assert os.path.realpath(where).startswith(os.path.realpath(repo)), where
    frozen = env.pip(
        "freeze", "--all", "--exclude-editable", cwd=repo, what="pip freeze"
    ).stdout
    pins = set(pinned_lines(repo / "binder" / "requirements.txt"))
    assert pins <= {line.strip() for line in frozen.splitlines()}, "pins not installed"

    root_pins = {p.split("==")[0]: p for p in pinned_lines(ROOT / "requirements.txt")}
    tools = [root_pins[name] for name in TOOLS_BINDER_LACKS]
    env.pip(
        "install", "--quiet", *tools, cwd=repo, what="Jupyter kernel and test tools"
    )
    env.run(
        [
            env.bin / "python",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            "tests/nbval_sanitize.cfg",
            notebook,
        ],
        repo,
        f"nbval {notebook.name}",
    )
