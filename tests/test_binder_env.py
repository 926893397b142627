"""The repository is a Binder (repo2docker) environment that runs the chapters.

repo2docker reads, at the repository's root: `runtime.txt` (the Python version),
`requirements.txt` (installed with pip) and `postBuild` (run last; it installs
`lectures`). Docker cannot run here, so the next best proof is what repo2docker would
do, by hand: copy the repository as a clone has it, create a fresh virtual environment
with the Python that `runtime.txt` names, install exactly `requirements.txt`, run
`postBuild`, and execute the first chapter's notebook in that environment with nbval,
which also compares every output with the committed one.

The slow test (one to three minutes: it installs every pin) runs in `make test`; set
SKIP_BINDER_TEST=1 to skip it locally.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import book_config as cfg

ROOT = cfg.ROOT
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+$")
NOT_IN_A_CLONE = (
    ".git",
    ".venv",
    "_build",
    "__pycache__",
    "*.egg-info",
    ".hypothesis",
    ".pytest_cache",
    ".ipynb_checkpoints",
)


def runtime_version() -> str:
    text = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert match, f"runtime.txt must read python-X.Y, not {text!r}"
    return match[1]


def test_runtime_is_python_311():
    assert runtime_version() == "3.11"


def test_config_files_are_at_the_root():
    # repo2docker ignores the root's files when a binder/ (or .binder/) folder exists
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    post_build = ROOT / "postBuild"
    assert post_build.is_file() and os.access(post_build, os.X_OK), (
        "postBuild must be executable"
    )
    assert post_build.read_text(encoding="utf-8").startswith("#!"), (
        "postBuild needs a shebang line"
    )


def test_requirements_are_exact_pins():
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    loose = [line for line in lines if not PIN.match(line)]
    assert not loose, f"requirements.txt lines that are not `name==version`: {loose}"
    assert "torch==2.13.0" in lines, (
        "torch must be pinned to exactly 2.13.0 (no local version label)"
    )
    names = [line.split("==")[0].lower().replace("_", "-") for line in lines]
    assert len(names) == len(set(names)), "a package is pinned twice"


def _python_for_runtime() -> str:
    version = runtime_version()
    for candidate in (f"python{version}", "python3", sys.executable):
        path = shutil.which(candidate) or (
            candidate if Path(candidate).is_file() else None
        )
        if not path:
            continue
        out = subprocess.run(
            [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if out == version:
            return path
    pytest.fail(f"no Python {version} on this machine, which runtime.txt asks for")


def _run(cmd, cwd, env, what, timeout=1500):
    start = time.perf_counter()
    done = subprocess.run(
        cmd,
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    seconds = time.perf_counter() - start
    print(f"binder: {what}: {seconds:.0f} s")
    out, err = done.stdout[-4000:], done.stderr[-4000:]
    assert done.returncode == 0, f"{what} failed ({done.returncode}):\n{out}\n{err}"
    return done


@pytest.mark.skipif(
    bool(os.environ.get("SKIP_BINDER_TEST")), reason="SKIP_BINDER_TEST is set"
)
def test_fresh_environment_from_the_binder_files_runs_a_chapter(tmp_path):
    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    assert notebooks, "no chapter notebook to run"
    notebook = notebooks[0].relative_to(ROOT)

    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(*NOT_IN_A_CLONE))
    env_dir = tmp_path / "env"
    bin_dir = env_dir / "bin"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        OMP_NUM_THREADS="2",
        MKL_NUM_THREADS="2",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        HYPOTHESIS_PROFILE="ci",
    )

    start = time.perf_counter()
    _run([_python_for_runtime(), "-m", "venv", str(env_dir)], repo, env, "venv")
    _run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
        ],
        repo,
        env,
        "pip install -r requirements.txt",
    )
    _run(["./postBuild"], repo, env, "postBuild")
    _run([str(bin_dir / "python"), "-m", "pip", "check"], repo, env, "pip check")

    where = _run(
        [str(bin_dir / "python"), "-c", "import lectures; print(lectures.__file__)"],
        tmp_path,
        env,
        "import lectures",
    ).stdout.strip()
    assert Path(where).resolve().is_relative_to(repo.resolve()), (
        f"lectures imported from {where}"
    )
    frozen = _run(
        [str(bin_dir / "python"), "-m", "pip", "freeze", "--exclude-editable"],
        repo,
        env,
        "pip freeze",
    )
    pins = {
        line.strip()
        for line in (repo / "requirements.txt").read_text().splitlines()
        if "==" in line
    }
    installed = {
        line.strip().replace("+cpu", "")
        for line in frozen.stdout.splitlines()
        if "==" in line
    }
    assert pins <= installed, (
        f"pins not installed as written: {sorted(pins - installed)}"
    )

    _run(
        [
            str(bin_dir / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            "tests/nbval_sanitize.cfg",
            str(notebook),
        ],
        repo,
        env,
        f"nbval {notebook.name}",
    )
    print(f"binder: total {time.perf_counter() - start:.0f} s")
