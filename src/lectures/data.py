"""Data sets: scikit-learn's digits (bundled) and MNIST from its IDX files (Chapter 5)."""

from __future__ import annotations

__all__: list[str] = []
