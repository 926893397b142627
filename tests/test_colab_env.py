"""Every notebook runs where a reader opens it from the Colab button, with `lectures`
alone.

Colab gives a Python with the usual scientific stack, at its current releases and not at
the course's pins, and no book toolchain. This test builds such an environment in a
fresh venv: the newest releases of torch, NumPy, SciPy, Matplotlib, scikit-learn, pandas
and tqdm that pip finds here, and ipykernel with nbclient to run the notebooks, and no
jupyter-book or myst-nb. Then, for each notebook of notebooks/, it runs the notebook's
own Colab setup cell with a `google.colab` module present, its install command pointed
at a copy of this checkout instead of the repository URL (pip installs `lectures` from
it, as Colab would from the repository), and then every other cell: every check in the
chapter must pass on those releases. Outputs are not compared (nbval does that in the
pinned environment): the checks' tolerances are about the mathematics.

The slow test (a few minutes: it installs the stack) runs in `make test`;
SKIP_COLAB_TEST=1 skips it.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.book_config import repository_url
from tests.fresh_env import FreshEnv, copy_of_the_repository

COLAB_STACK = (
    "torch",
    "numpy",
    "scipy",
    "matplotlib",
    "scikit-learn",
    "pandas",
    "tqdm",
)
RUNNER = ("ipykernel", "nbclient", "nbformat")
BOOK_TOOLCHAIN = ("myst_nb", "jupyter_book", "sphinx", "jupytext")

# Run inside the fresh environment: a kernel with `google.colab` importable runs each
# notebook, its Colab cell installing from the checkout.
DRIVER = r"""
import sys, time
import nbformat
from nbclient import NotebookClient

repo, url, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
FAKE_COLAB = (
    "import sys, types\n"
    "sys.modules['google'] = types.ModuleType('google')\n"
    "sys.modules['google.colab'] = types.ModuleType('google.colab')"
)
for path in paths:
    nb = nbformat.read(path, as_version=4)
    colab = [
        c for c in nb.cells if c.cell_type == "code" and "google.colab" in c.source
    ]
    assert len(colab) == 1 and f"git+{url}" in colab[0].source, f"{path}: no Colab cell"
    colab[0].source = colab[0].source.replace(f"git+{url}", repo)
    nb.cells.insert(0, nbformat.v4.new_code_cell(FAKE_COLAB))
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": repo + "/notebooks"}}).execute()
    installs = [o for o in colab[0].outputs if o.get("name") == "stderr"]
    checks = sum(
        o.get("text", "").count("\n\u2713 ") + o.get("text", "").startswith("\u2713 ")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("name") == "stdout"
    )
    print(f"{path.rsplit('/', 1)[-1]}: ran in {time.perf_counter() - start:.0f} s, "
          f"{checks} checks passed", flush=True)
"""


@pytest.mark.skipif(
    bool(os.environ.get("SKIP_COLAB_TEST")), reason="SKIP_COLAB_TEST is set"
)
def test_every_notebook_runs_in_a_colab_like_environment(tmp_path):
    repo = copy_of_the_repository(tmp_path / "repo")
    env = FreshEnv(
        tmp_path / "env",
        version=f"{sys.version_info[0]}.{sys.version_info[1]}",
        tag="colab",
    )
    env.pip(
        "install",
        "--quiet",
        *COLAB_STACK,
        *RUNNER,
        cwd=tmp_path,
        what="the usual stack",
    )
    versions = env.run(
        [
            env.bin / "python",
            "-c",
            "import importlib.metadata as m, sys; "
            "print(', '.join(f'{n} {m.version(n)}' for n in sys.argv[1:]))",
            *COLAB_STACK,
        ],
        tmp_path,
        "versions",
    ).stdout.strip()
    print(f"colab: {versions}")
    absent = env.run(
        [
            env.bin / "python",
            "-c",
            "import importlib.util, sys; "
            "print(' '.join(n for n in sys.argv[1:] if importlib.util.find_spec(n)))",
            *BOOK_TOOLCHAIN,
        ],
        tmp_path,
        "no book toolchain",
    ).stdout.strip()
    assert not absent, f"the Colab-like environment must not have {absent}"

    notebooks = sorted(str(p) for p in (repo / "notebooks").glob("[0-9]*.ipynb"))
    assert notebooks, "no notebook to run"
    driver = tmp_path / "run_like_colab.py"
    driver.write_text(DRIVER, encoding="utf-8")
    ran = env.run(
        [env.bin / "python", driver, repo, repository_url(), *notebooks],
        tmp_path,
        "every notebook, every cell",
        timeout=3000,
    ).stdout
    print(ran)
    assert ran.count("checks passed") == len(notebooks)
    where = env.run(
        [env.bin / "python", "-c", "import lectures; print(lectures.__file__)"],
        tmp_path,
        "where lectures is",
    ).stdout
    assert "site-packages" in where, (
        "lectures was installed from the checkout, not linked"
    )
