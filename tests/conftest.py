"""Shared test setup: Hypothesis profiles and a seeded NumPy generator.

Profiles: ``ci`` (the default) is derandomized, so every run tests the same examples;
``dev`` draws fresh examples, three times as many. Choose one with
``HYPOTHESIS_PROFILE=dev pytest tests``. Helpers shared by several modules are in
``tests/helpers.py``, imported as ``from tests.helpers import ...``.
"""

import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=100, print_blob=True
)
settings.register_profile("dev", deadline=None, max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def rng():
    """A fresh, seeded NumPy generator for each test: a test re-run alone sees the same
    numbers."""
    return np.random.default_rng(20261125)
